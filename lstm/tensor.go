package lstm

import (
	"fmt"
	"slices"
)

// Tensor is a row-major float32 array on the host, the currency of the
// package's public API (a backend keeps its own buffers inside).
type Tensor struct {
	Shape []int
	Data  []float32
}

// NewTensor returns a zeroed tensor of the given shape.
func NewTensor(shape ...int) Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return Tensor{Shape: slices.Clone(shape), Data: make([]float32, n)}
}

// checkShape reports whether t has the wanted shape, naming it in the error.
func (t Tensor) checkShape(what string, want ...int) error {
	if !slices.Equal(t.Shape, want) {
		return fmt.Errorf("lstm: %s has shape %v, want %v", what, t.Shape, want)
	}
	n := 1
	for _, d := range want {
		n *= d
	}
	if len(t.Data) != n {
		return fmt.Errorf("lstm: %s has %d values for shape %v", what, len(t.Data), t.Shape)
	}
	return nil
}
