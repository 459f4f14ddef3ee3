package cpu_test

import (
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/backendtest"
	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel"
)

// TestConformance runs the conformance suite on the backend with each
// micro-kernel this CPU can run (the fastest, and the fallbacks: AVX2,
// pure Go), comparing it with backend/reference.
func TestConformance(t *testing.T) {
	for _, name := range kernel.Kernels() {
		t.Run("fast/"+name, func(t *testing.T) {
			restore, err := kernel.Use(name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			backendtest.Run(t, cpu.New())
		})
	}
}
