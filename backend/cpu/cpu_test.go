package cpu_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/backendtest"
	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel"
)

// TestConformance runs the conformance suite on the backend with each
// micro-kernel this CPU can run (the fastest, and the fallbacks: AVX2,
// pure Go), comparing it with backend/reference. The pools of temporary
// slices hold NaN before each run, so that a value of an uncleared
// temporary read before it is written fails the suite.
func TestConformance(t *testing.T) {
	for _, name := range kernel.Kernels() {
		t.Run("fast/"+name, func(t *testing.T) {
			restore, err := kernel.Use(name)
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			poisonPools()
			backendtest.Run(t, cpu.New())
		})
	}
	// Three threads share the steps of a small batch's wide layer in
	// uneven ranges of units (where the machine has two cores, too).
	t.Run("threads3", func(t *testing.T) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
		backendtest.Run(t, cpu.New())
	})
	// The suite's batches are small enough for one span of the backward
	// pass; spans of one step each cover the joins between spans.
	t.Run("spans", func(t *testing.T) {
		saved := *cpu.SpanValues
		*cpu.SpanValues = 1
		defer func() { *cpu.SpanValues = saved }()
		backendtest.Run(t, cpu.New())
	})
}

// poisonPools gives the kernel package's pools a slice of NaN in each
// size class up to 2^22 values.
func poisonPools() {
	for c := range 23 {
		p := kernel.BorrowUncleared(1 << c)
		for i := range *p {
			(*p)[i] = float32(math.NaN())
		}
		kernel.Return(p)
	}
}
