//go:build cuda || cudaemu

package main

import (
	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/cuda"
)

// openCUDA opens GPU 0. A build with the CUDA backend (make cuda) stops at
// start, with a one-line message, on a machine without a usable GPU. A
// build with the tag cudaemu opens the emulated device instead (kernels.cu
// on the CPU, slowly; see backend/cuda/NOTES.md), for tests.
func openCUDA() (backend.Backend, error) { return cuda.New() }
