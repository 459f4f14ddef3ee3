package lstm

import (
	"fmt"
	"math"
)

// Config holds every argument of PyTorch's nn.LSTM, with its meaning and
// JSON names (the keys model files and fixtures use).
type Config struct {
	InputSize  int  `json:"input_size"`  // features per time step
	HiddenSize int  `json:"hidden_size"` // width of the cell state c (and of h without projection)
	NumLayers  int  `json:"num_layers"`  // stacked layers, each reading the one below
	Bias       bool `json:"bias"`        // whether each layer has bias_ih and bias_hh
	// BatchFirst says inputs and outputs are [B, T, ·] rather than [T, B, ·].
	// It does not apply to h and c, which are always [layers·directions, B, ·].
	BatchFirst bool `json:"batch_first"`
	// Dropout is the probability of zeroing each output of every layer but
	// the last, in training mode only.
	Dropout       float64 `json:"dropout"`
	Bidirectional bool    `json:"bidirectional"` // adds a layer reading each sequence backwards
	ProjSize      int     `json:"proj_size"`     // when > 0, h = W_hr·(o·tanh(c)) has this width
}

// Validate reports the first argument that nn.LSTM would refuse.
func (c Config) Validate() error {
	switch {
	case c.InputSize <= 0:
		return fmt.Errorf("lstm: input_size must be positive, got %d", c.InputSize)
	case c.HiddenSize <= 0:
		return fmt.Errorf("lstm: hidden_size must be positive, got %d", c.HiddenSize)
	case c.NumLayers <= 0:
		return fmt.Errorf("lstm: num_layers must be positive, got %d", c.NumLayers)
	case math.IsNaN(c.Dropout) || c.Dropout < 0 || c.Dropout > 1:
		return fmt.Errorf("lstm: dropout must be a probability in [0, 1], got %v", c.Dropout)
	case c.ProjSize < 0:
		return fmt.Errorf("lstm: proj_size must be 0 or positive, got %d", c.ProjSize)
	case c.ProjSize >= c.HiddenSize:
		return fmt.Errorf("lstm: proj_size (%d) must be smaller than hidden_size (%d)", c.ProjSize, c.HiddenSize)
	}
	const limit = 1 << 16 // keeps every product of sizes far from overflow
	if c.InputSize > limit || c.HiddenSize > limit || c.NumLayers > 1024 {
		return fmt.Errorf("lstm: sizes too large (input_size %d, hidden_size %d, num_layers %d)", c.InputSize, c.HiddenSize, c.NumLayers)
	}
	return nil
}

// Directions is 2 for a bidirectional LSTM, else 1.
func (c Config) Directions() int {
	if c.Bidirectional {
		return 2
	}
	return 1
}

// HiddenOut is the width of h in one direction: proj_size if set, else
// hidden_size.
func (c Config) HiddenOut() int {
	if c.ProjSize > 0 {
		return c.ProjSize
	}
	return c.HiddenSize
}

// OutputSize is the width of each step of the output: Directions·HiddenOut.
func (c Config) OutputSize() int { return c.Directions() * c.HiddenOut() }

// layerInput is the input width of layer k.
func (c Config) layerInput(k int) int {
	if k == 0 {
		return c.InputSize
	}
	return c.OutputSize()
}
