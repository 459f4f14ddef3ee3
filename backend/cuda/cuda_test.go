//go:build cuda && !cudaemu

package cuda_test

import (
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/backendtest"
	"github.com/lstm-digits/lstm-digits/backend/cuda"
)

// TestConformance runs the conformance suite on the GPU against the CPU
// reference. The test binary needs a GPU: without one, package probe ends
// it at start with a one-line message.
func TestConformance(t *testing.T) {
	be, err := cuda.New()
	if err != nil {
		t.Fatal(err)
	}
	backendtest.Run(t, be)
}

// TestResident runs the Resident suite (the trainer's device path) on the
// GPU.
func TestResident(t *testing.T) {
	be, err := cuda.New()
	if err != nil {
		t.Fatal(err)
	}
	backendtest.RunResident(t, be)
}
