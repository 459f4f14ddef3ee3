//go:build !cuda && !cudaemu

package main

import (
	"errors"

	"github.com/lstm-digits/lstm-digits/backend"
)

// openCUDA refuses: this build has no CUDA backend.
func openCUDA() (backend.Backend, error) {
	return nil, errors.New("this build of digits has no CUDA backend: build one with make cuda (go build -tags cuda, which needs cuda.h and libcuda), or run on the CPU (--device cpu)")
}
