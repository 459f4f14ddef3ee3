//go:build cuda

package main

import (
	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/cuda"
)

// openCUDA opens GPU 0. A build with the CUDA backend (make cuda) stops at
// start, with a one-line message, on a machine without a usable GPU.
func openCUDA() (backend.Backend, error) { return cuda.New() }
