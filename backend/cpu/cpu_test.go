package cpu_test

import (
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/backendtest"
	"github.com/lstm-digits/lstm-digits/backend/cpu"
)

// TestConformance runs the conformance suite on the fast backend, which it
// compares with the reference, and on the reference itself, where the
// suite's own checks (finite differences, padding, batch independence,
// untouched inputs) still apply.
func TestConformance(t *testing.T) {
	t.Run("fast", func(t *testing.T) { backendtest.Run(t, cpu.New()) })
	t.Run("reference", func(t *testing.T) { backendtest.Run(t, cpu.NewReference()) })
}
