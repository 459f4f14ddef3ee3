//go:build js && wasm && wasmsimd

package kernel

import (
	"fmt"
	"unsafe"

	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel/wasmsimd"
)

// The SIMD128 kernels of package wasmsimd's module, which the host links
// to the import module lstmsimd (wasmsimd/simd.js does). Addresses are
// byte offsets in the Go instance's memory, which the kernels share. A
// host whose engine has no SIMD128 links stand-ins instead, and linked
// says which: 1 for the kernels, 0 for stand-ins that must not be called.

//go:wasmimport lstmsimd linked
func simdLinked() int32

//go:wasmimport lstmsimd gemm_n
func simdGemmN(kc int32, a unsafe.Pointer, lda int32, b unsafe.Pointer, panels int32, c unsafe.Pointer, ldc int32, rows int32)

//go:wasmimport lstmsimd gemm_k
func simdGemmK(kc int32, a unsafe.Pointer, lda int32, b unsafe.Pointer, panels int32, c unsafe.Pointer, ldc int32, rows int32)

//go:wasmimport lstmsimd gemm_s
func simdGemmS(kc int32, a unsafe.Pointer, lda int32, b unsafe.Pointer, panels int32, c unsafe.Pointer, ldc int32, rows int32)

//go:wasmimport lstmsimd cell_forward
func simdCellForward(n int32, gates, bias, cPrev, c, m unsafe.Pointer, h int32)

//go:wasmimport lstmsimd cell_backward
func simdCellBackward(n int32, gates, c, cPrev, dm, dc unsafe.Pointer, h int32)

//go:wasmimport lstmsimd sum_rows
func simdSumRows(n int32, x unsafe.Pointer, ldx int32, s unsafe.Pointer, chunks int32)

//go:wasmimport lstmsimd dot_1x4
func simdDot1x4(k int32, a unsafe.Pointer, lda, m int32, w unsafe.Pointer, ldw, n int32, c unsafe.Pointer, ldc int32)

//go:wasmimport lstmsimd dot_2x4
func simdDot2x4(k int32, a unsafe.Pointer, lda, m int32, w unsafe.Pointer, ldw, n int32, c unsafe.Pointer, ldc int32)

// simdKernel multiplies with the SIMD128 kernels, a whole block of panels
// per call, since each call crosses from Go's instance through JavaScript
// into the kernels' instance; its cell kernels do four units at a time.
// The callers of the cell kernels check their slices. Its dot kernels,
// four lanes wide, tiles of two rows and one by four columns, serve the
// products of few rows (a prediction's) with one call per product and
// tile height.
var simdKernel = microKernel{
	name: fmt.Sprintf("wasmsimd-%dx%d", wasmsimd.MR, wasmsimd.NR), nr: wasmsimd.NR,
	block: simdBlock,
	set:   simdSetBlock,
	dot:   &dotKernels{lanes: 4, n4: []dotFunc{simdDot(1, 4, simdDot1x4), simdDot(2, 4, simdDot2x4)}},
	cells: cellKernels{
		lanes: 4,
		forward: func(n int, gates, bias, cPrev, c, m []float32, h int) {
			simdCellForward(int32(n), ptr(gates), ptr(bias), ptr(cPrev), ptr(c), ptr(m), int32(h))
		},
		backward: func(n int, gates, c, cPrev, dm, dc []float32, h int) {
			simdCellBackward(int32(n), ptr(gates), ptr(c), ptr(cPrev), ptr(dm), ptr(dc), int32(h))
		},
	},
}

// ptr returns the address of s's first value, where the kernels find s.
func ptr(s []float32) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// simdBlock is simdKernel's blockFunc. It checks the slices, which the
// kernels trust, as Go code would.
func simdBlock(transA bool, kc int, a []float32, lda int, b []float32, panels int, c []float32, ldc int, rows int) {
	checkBlock(wasmsimd.NR, transA, kc, a, lda, b, panels, c, ldc, rows)
	gemm := simdGemmN
	if transA {
		gemm = simdGemmK
	}
	gemm(int32(kc), ptr(a), int32(lda), ptr(b), int32(panels), ptr(c), int32(ldc), int32(rows))
}

// simdSetBlock is simdKernel's blockFunc that sets c to a·b; GemmPacked
// calls it for a row-major a only (transA false).
func simdSetBlock(transA bool, kc int, a []float32, lda int, b []float32, panels int, c []float32, ldc int, rows int) {
	checkBlock(wasmsimd.NR, transA, kc, a, lda, b, panels, c, ldc, rows)
	simdGemmS(int32(kc), ptr(a), int32(lda), ptr(b), int32(panels), ptr(c), int32(ldc), int32(rows))
}

// simdDot returns the dotFunc of the SIMD128 dot kernel of h×wd tiles,
// which checks the slices, as Go code would, since the kernel trusts
// them, and makes no call for an empty product.
func simdDot(h, wd int, kernel func(k int32, a unsafe.Pointer, lda, m int32, w unsafe.Pointer, ldw, n int32, c unsafe.Pointer, ldc int32)) dotFunc {
	return func(k int, a []float32, lda, m int, w []float32, ldw, n int, c []float32, ldc int) {
		checkDot(h, wd, 4, k, a, lda, m, w, ldw, n, c, ldc)
		if m > 0 && n > 0 {
			kernel(int32(k), ptr(a), int32(lda), int32(m), ptr(w), int32(ldw), int32(n), ptr(c), int32(ldc))
		}
	}
}

func init() {
	if simdLinked() != 0 {
		sumRowsVector = rowsKernel{width: wasmsimd.RowsWidth, add: simdSumRows32}
	}
}

// simdSumRows32 is the rowsKernel of the SIMD128 kernel sum_rows. SumRows
// has checked x and s.
func simdSumRows32(n int, x []float32, ldx int, s []float32, chunks int) {
	simdSumRows(int32(n), ptr(x), int32(ldx), ptr(s), int32(chunks))
}

// kernels lists the micro-kernels this build can run, fastest first:
// the pure-Go kernels alone where the host could not link SIMD128 ones.
func kernels() []microKernel {
	if simdLinked() == 0 {
		return []microKernel{goKernel}
	}
	return []microKernel{simdKernel, goKernel}
}
