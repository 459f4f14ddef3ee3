package kernel

import (
	"fmt"
	"sync"
)

// GemmRef computes c = alpha·op(a)·op(b) + beta·c, where c is m×n, op(a)
// is m×k and op(b) is k×n, all row-major with leading dimensions lda, ldb,
// ldc; op transposes its operand when the flag is set. It is the plain
// definition, accumulated in float64.
func GemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				s += float64(at(a, lda, transA, i, p)) * float64(at(b, ldb, transB, p, j))
			}
			cij := &c[i*ldc+j]
			if beta == 0 {
				*cij = float32(float64(alpha) * s)
			} else {
				*cij = float32(float64(alpha)*s + float64(beta)*float64(*cij))
			}
		}
	}
}

// at returns element (i, j) of op(x) for row-major x with leading
// dimension ld.
func at(x []float32, ld int, trans bool, i, j int) float32 {
	if trans {
		return x[j*ld+i]
	}
	return x[i*ld+j]
}

// kcBlock is the depth of one packed block: a packed A panel of mr·kcBlock
// values and a B panel of kcBlock·nr stay in the L1 and L2 caches.
const kcBlock = 256

// mcBlock is the most rows of A packed at once.
const mcBlock = 240

// PackedB is the right-hand operand of a product packed for the
// micro-kernel: for each block of kcBlock rows of op(b), column panels of
// width nr stored row by row, the last panel zero-padded. Packing once and
// multiplying many times pays when one matrix meets many others, like the
// recurrent weights at every time step.
type PackedB struct {
	k, n int
	data []float32
}

// panelLen is the length of one block's panel of depth kc.
func panelLen(kc int) int { return kc * micro.nr }

// PackB packs op(b), k×n, into p, reusing p's memory when it is large
// enough.
func PackB(p *PackedB, transB bool, k, n int, b []float32, ldb int) {
	nr := micro.nr
	panels := (n + nr - 1) / nr
	size := panels * nr * k
	if cap(p.data) < size {
		p.data = make([]float32, size)
	}
	p.k, p.n, p.data = k, n, p.data[:size]
	off := 0
	for k0 := 0; k0 < k; k0 += kcBlock {
		kc := min(kcBlock, k-k0)
		for j0 := 0; j0 < n; j0 += nr {
			dst := p.data[off : off+panelLen(kc)]
			w := min(nr, n-j0)
			if w < nr {
				clear(dst)
			}
			if transB {
				// Column j of op(b) is row j of b: scatter it down the panel.
				for j := range w {
					row := b[(j0+j)*ldb+k0 : (j0+j)*ldb+k0+kc]
					for q, v := range row {
						dst[q*nr+j] = v
					}
				}
			} else {
				for q := range kc {
					copy(dst[q*nr:q*nr+w], b[(k0+q)*ldb+j0:])
				}
			}
			off += panelLen(kc)
		}
	}
}

// packA packs rows [i0, i0+mc) and depth [k0, k0+kc) of alpha·op(a) into
// row panels of height mr stored column by column, the last panel
// zero-padded.
func packA(dst []float32, transA bool, a []float32, lda, i0, mc, k0, kc int, alpha float32) {
	mr := micro.mr
	for r0 := 0; r0 < mc; r0 += mr {
		panel := dst[(r0/mr)*mr*kc : (r0/mr+1)*mr*kc]
		h := min(mr, mc-r0)
		if h < mr {
			clear(panel)
		}
		if transA {
			// Column q of the panel is part of row k0+q of a.
			for q := range kc {
				src := a[(k0+q)*lda+i0+r0 : (k0+q)*lda+i0+r0+h]
				col := panel[q*mr : q*mr+h]
				for i, v := range src {
					col[i] = alpha * v
				}
			}
			continue
		}
		for i := range h {
			row := a[(i0+r0+i)*lda+k0 : (i0+r0+i)*lda+k0+kc]
			for q, v := range row {
				panel[q*mr+i] = alpha * v
			}
		}
	}
}

var scratch = sync.Pool{New: func() any { return new([]float32) }}

// getScratch returns a pooled slice of at least n values.
func getScratch(n int) *[]float32 {
	s := scratch.Get().(*[]float32)
	if cap(*s) < n {
		*s = make([]float32, n)
	}
	*s = (*s)[:n]
	return s
}

// Gemm computes c = alpha·op(a)·op(b) + beta·c like GemmRef, with the
// micro-kernel. Sums are reordered (blocked over k in steps of 256, each
// block accumulated in float32 in the kernel's order), so results differ
// from GemmRef's by rounding.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	var p PackedB
	s := getScratch((n+micro.nr-1)/micro.nr*micro.nr*k + 1)
	p.data = (*s)[:0]
	PackB(&p, transB, k, n, b, ldb)
	GemmPacked(transA, m, alpha, a, lda, &p, beta, c, ldc)
	scratch.Put(s)
}

// GemmPacked computes c = alpha·op(a)·b + beta·c for op(a) m×k and b
// packed by PackB as k×n.
func GemmPacked(transA bool, m int, alpha float32, a []float32, lda int, b *PackedB, beta float32, c []float32, ldc int) {
	k, n := b.k, b.n
	if m == 0 || n == 0 {
		return
	}
	if len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("kernel: c has %d values, a %d×%d matrix with ldc %d needs %d", len(c), m, n, ldc, (m-1)*ldc+n))
	}
	scaleRows(c, m, n, ldc, beta)
	if k == 0 {
		return
	}
	mr, nr := micro.mr, micro.nr
	mcMax := min(mcBlock, (m+mr-1)/mr*mr)
	s := getScratch(mcMax*min(k, kcBlock) + mr*nr)
	packed, tile := (*s)[:mcMax*min(k, kcBlock)], (*s)[mcMax*min(k, kcBlock):]
	off := 0
	for k0 := 0; k0 < k; k0 += kcBlock {
		kc := min(kcBlock, k-k0)
		for i0 := 0; i0 < m; i0 += mcBlock {
			mc := min(mcBlock, m-i0)
			packA(packed, transA, a, lda, i0, mc, k0, kc, alpha)
			for j0 := 0; j0 < n; j0 += nr {
				bp := b.data[off+(j0/nr)*panelLen(kc) : off+(j0/nr+1)*panelLen(kc)]
				w := min(nr, n-j0)
				for r0 := 0; r0 < mc; r0 += mr {
					ap := packed[(r0/mr)*mr*kc : (r0/mr+1)*mr*kc]
					h := min(mr, mc-r0)
					cij := (i0+r0)*ldc + j0
					if h == mr && w == nr {
						micro.fn(kc, ap, bp, c[cij:], ldc)
						continue
					}
					// An edge tile: compute it whole into tile, add the part that exists.
					clear(tile)
					micro.fn(kc, ap, bp, tile, nr)
					for i := range h {
						row := c[cij+i*ldc : cij+i*ldc+w]
						for j, v := range tile[i*nr : i*nr+w] {
							row[j] += v
						}
					}
				}
			}
		}
		off += (n + nr - 1) / nr * panelLen(kc)
	}
	scratch.Put(s)
}

// scaleRows multiplies the m×n matrix c by beta (beta 0 sets it to zero,
// even where c held NaN).
func scaleRows(c []float32, m, n, ldc int, beta float32) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// microKernel computes the mr×nr tile c += a·b, where a is a packed panel
// of kc columns of mr values and b a packed panel of kc rows of nr values;
// c has leading dimension ldc.
type microKernel struct {
	name   string
	mr, nr int
	fn     func(kc int, a, b, c []float32, ldc int)
}

// micro is the micro-kernel in use, the fastest this CPU runs.
var micro = kernels()[0]
