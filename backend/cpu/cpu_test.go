package cpu_test

import (
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/backendtest"
	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel"
)

// TestConformance runs the conformance suite on the fast backend with each
// micro-kernel this CPU can run (the fastest, and the fallbacks: AVX2,
// pure Go), comparing it with the reference; and on the reference itself,
// where the suite's own checks (finite differences, padding, batch
// independence, untouched inputs) still apply.
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
	t.Run("reference", func(t *testing.T) { backendtest.Run(t, cpu.NewReference()) })
}
