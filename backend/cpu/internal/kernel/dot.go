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

// dotKernels are the kernels of the unpacked product a·wᵀ: n4[r-1]
// multiplies tiles of r rows of a by four of w, the tallest for all the
// whole tiles and a shorter one for the rows left; x1n8, one row by eight,
// serves the one-row products of a prediction where it beats n4[0]
// (nil: n4[0] serves them).
type dotKernels struct {
	lanes int
	n4    []dotFunc
	x1n8  dotFunc
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
	// Whole tiles of the tallest kernel, then the rows left.
	mr := len(d.n4)
	mt := m / mr * mr
	d.n4[mr-1](k, a, lda, mt, w, ldw, n4, c, ldc)
	if r := m - mt; r > 0 {
		ar, cr := a[mt*lda:], c[mt*ldc:]
		j := 0 // the first column left to n4[r-1]
		if r == 1 && d.x1n8 != nil {
			d.x1n8(k, ar, lda, 1, w, ldw, n8, cr, ldc)
			j = n8
		}
		if j < n4 {
			d.n4[r-1](k, ar, lda, r, w[j*ldw:], ldw, n4-j, cr[j:], ldc)
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
