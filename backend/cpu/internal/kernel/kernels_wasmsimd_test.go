//go:build js && wasm && wasmsimd

package kernel

import (
	"os"
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

// TestLinked checks the kernels in use: the SIMD128 ones when the host
// linked them, the pure-Go ones when it linked the stand-ins of an engine
// without SIMD128 (exec.js does with LSTMSIMD_OFF set).
func TestLinked(t *testing.T) {
	want := simdKernel.name
	if os.Getenv("LSTMSIMD_OFF") != "" {
		want = goKernel.name
	}
	if micro.name != want {
		t.Errorf("the kernels in use are %q, want %q (LSTMSIMD_OFF=%q)", micro.name, want, os.Getenv("LSTMSIMD_OFF"))
	}
}
