package kernel

import "fmt"

// dotFunc adds to c the products a_i·w_j of the first m rows of a and n
// rows of w, multiples of the kernel's tile height and width, each row
// read contiguously over k values (k a multiple of the kernels' lanes);
// row i goes to c[i·ldc:].
type dotFunc = func(k int, a []float32, lda, m int, w []float32, ldw, n int, c []float32, ldc int)

// checkDot panics unless a dotFunc's operands hold its product, as Go code
// would, and its sizes are whole tiles of h×wd and vectors of lanes: for
// kernels outside Go, which trust their slices.
func checkDot(h, wd, lanes, k int, a []float32, lda, m int, w []float32, ldw, n int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if m < 0 || n < 0 || m%h != 0 || n%wd != 0 || k <= 0 || k%lanes != 0 ||
		len(a) < (m-1)*lda+k || len(w) < (n-1)*ldw+k || len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("kernel: dot %d×%d operands do not hold the product: k %d, m %d, n %d, a %d (lda %d), w %d (ldw %d), c %d (ldc %d)",
			h, wd, k, m, n, len(a), lda, len(w), ldw, len(c), ldc))
	}
}

// dotKernels are the kernels of the unpacked product a·wᵀ: a tile of
// three rows of a by four of w, its two- and one-row versions, and one
// row by eight, for the one-row products of a prediction.
type dotKernels struct {
	lanes                  int
	x1n4, x1n8, x2n4, x3n4 dotFunc
}

// DotRows is the most rows of a that Gemm multiplies by a transposed b
// in place, without packing it. Packing op(b) is a pass over b that a
// product of a few rows does not repay: at one row, a prediction's step,
// packing cost more than the product itself.
const DotRows = 32

// Unpacked reports whether Gemm(false, true, m, n, k, …) multiplies by
// b where it lies, without packing it, with the kernels in use: the time
// loop of a small batch then calls Gemm at every step instead of packing
// its weights once for GemmPacked.
func Unpacked(m, k int) bool {
	d := micro.dot
	return d != nil && m <= DotRows && k > 0 && k%d.lanes == 0
}

// gemmDot computes c = a·wᵀ + beta·c, a m×k and w n×k both row-major, with
// the dot kernels (Unpacked(m, k) holds); each sum is one accumulator of
// lanes partial sums, added across its lanes at the end, then to c.
func gemmDot(m, n, k int, a []float32, lda int, w []float32, ldw int, beta float32, c []float32, ldc int) {
	if len(a) < (m-1)*lda+k || len(w) < (n-1)*ldw+k || len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("kernel: operands too short for a %d×%d·(%d×%d)ᵀ product: a %d (lda %d), w %d (ldw %d), c %d (ldc %d)",
			m, k, n, k, len(a), lda, len(w), ldw, len(c), ldc))
	}
	scaleRows(c, m, n, ldc, beta)
	d := micro.dot
	n4, n8 := n/4*4, n/8*8
	// Whole tiles of three rows, then the one or two rows left.
	m3 := m / 3 * 3
	d.x3n4(k, a, lda, m3, w, ldw, n4, c, ldc)
	switch m - m3 {
	case 2:
		ar, cr := a[m3*lda:], c[m3*ldc:]
		d.x2n4(k, ar, lda, 2, w, ldw, n4, cr, ldc)
	case 1:
		ar, cr := a[m3*lda:], c[m3*ldc:]
		d.x1n8(k, ar, lda, 1, w, ldw, n8, cr, ldc)
		if n8 < n4 {
			d.x1n4(k, ar, lda, 1, w[n8*ldw:], ldw, 4, cr[n8:], ldc)
		}
	}
	for j := n4; j < n; j++ { // the last columns, fewer than a tile
		for i := range m {
			var s float32
			for q, v := range a[i*lda : i*lda+k] {
				s += v * w[j*ldw+q]
			}
			c[i*ldc+j] += s
		}
	}
}
