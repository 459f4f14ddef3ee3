//go:build js && wasm && wasmsimd

package kernel

import (
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel/wasmsimd"
)

// BenchmarkCrossing measures a call of a SIMD kernel that does almost
// nothing (one row of one panel, depth 1): the cost of crossing from Go's
// instance through the JavaScript trampoline into the kernels' instance
// and back, which a block of panels per call amortises.
func BenchmarkCrossing(b *testing.B) {
	nr := wasmsimd.NR
	a, p, c := make([]float32, 1), make([]float32, nr), make([]float32, nr)
	for b.Loop() {
		simdBlock(false, 1, a, 1, p, 1, c, nr, 1)
	}
}
