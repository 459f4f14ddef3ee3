package kernel

import (
	"fmt"
	"math/bits"
	"sync"
)

// GemmRef computes c = op(a)·op(b) + beta·c, where c is m×n, op(a)
// is m×k and op(b) is k×n, all row-major with leading dimensions lda, ldb,
// ldc; op transposes its operand when the flag is set. It is the plain
// definition, accumulated in float64.
func GemmRef(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				s += float64(at(a, lda, transA, i, p)) * float64(at(b, ldb, transB, p, j))
			}
			cij := &c[i*ldc+j]
			if beta == 0 {
				*cij = float32(s)
			} else {
				*cij = float32(s + float64(beta)*float64(*cij))
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

// mcBlock is the most rows of a multiplied by one panel of b before the
// next: 240 rows of a block of depth 256 stay in the L2 cache.
const mcBlock = 240

// PackedB is the right-hand operand of a product packed for the
// micro-kernel: for each block of kcBlock rows of op(b), column panels of
// width nr stored row by row, the last panel zero-padded. Packing once and
// multiplying many times pays when one matrix meets many others, like the
// recurrent weights at every time step.
type PackedB struct {
	k, n int
	data []float32
	mem  *[]float32 // borrowed
}

// K returns the packed matrix's rows, the depth of a product by it.
func (p *PackedB) K() int { return p.k }

// N returns the packed matrix's columns.
func (p *PackedB) N() int { return p.n }

// Release gives the packed matrix's memory back; p may then be packed again.
func (p *PackedB) Release() {
	if p.mem != nil {
		Return(p.mem)
		p.mem, p.data = nil, nil
	}
}

// panelLen is the length of one block's panel of depth kc.
func panelLen(kc int) int { return kc * micro.nr }

// PackB packs op(b), k×n, into p, its memory borrowed (see Borrow) until
// p.Release.
func PackB(p *PackedB, transB bool, k, n int, b []float32, ldb int) {
	p.Reserve(k, n)
	p.Pack(transB, b, ldb, 0, p.Panels())
}

// Reserve borrows p's memory for a packed k×n matrix, for Pack to fill.
func (p *PackedB) Reserve(k, n int) {
	p.Release()
	p.mem = BorrowUncleared((n + micro.nr - 1) / micro.nr * micro.nr * k) // Pack writes every value
	p.k, p.n, p.data = k, n, *p.mem
}

// Panels returns how many column panels the packed matrix has.
func (p *PackedB) Panels() int { return (p.n + micro.nr - 1) / micro.nr }

// Pack packs the column panels j0 to j1 (exclusive) of op(b) into p,
// reserved for it by Reserve. Goroutines may pack distinct panels at once.
func (p *PackedB) Pack(transB bool, b []float32, ldb int, j0, j1 int) {
	nr, k, n := micro.nr, p.k, p.n
	panels := p.Panels()
	for k0 := 0; k0 < k; k0 += kcBlock {
		kc := min(kcBlock, k-k0)
		for jp := j0; jp < j1; jp++ {
			off := k0*panels*nr + jp*panelLen(kc) // every block before k0 is kcBlock deep
			dst := p.data[off : off+panelLen(kc)]
			c0 := jp * nr
			w := min(nr, n-c0)
			if w < nr {
				clear(dst)
			}
			if transB && w == nr && micro.packTrans != nil && ldb < 1<<26 {
				// A whole panel, gathered by the kernel set's own code
				// (whose indices j·ldb are 32-bit).
				micro.packTrans(kc, b[c0*ldb+k0:(c0+nr-1)*ldb+k0+kc], ldb, dst)
			} else if transB {
				// Column j of op(b) is row j of b: scatter it down the panel.
				for j := range w {
					row := b[(c0+j)*ldb+k0 : (c0+j)*ldb+k0+kc]
					for q, v := range row {
						dst[q*nr+j] = v
					}
				}
			} else {
				for q := range kc {
					copy(dst[q*nr:q*nr+w], b[(k0+q)*ldb+c0:])
				}
			}
		}
	}
}

// pools recycle float32 slices by size class: pools[c] holds slices of
// capacity 2^c, so a slice taken is always large enough.
var pools [40]sync.Pool

// Borrow returns a zeroed slice of n values from a pool; Return gives it
// back. Kernels and their callers borrow their temporaries, so that a
// training loop allocates nothing once it runs.
func Borrow(n int) *[]float32 {
	p := BorrowUncleared(n)
	clear(*p)
	return p
}

// BorrowUncleared is Borrow without the clearing: the slice holds what
// its last user left, for a caller that writes every value before it
// reads it.
func BorrowUncleared(n int) *[]float32 {
	c := bits.Len(uint(max(n, 1) - 1))
	p, _ := pools[c].Get().(*[]float32)
	if p == nil {
		s := make([]float32, 1<<c)
		p = &s
	}
	*p = (*p)[:n]
	return p
}

// Return gives slices from Borrow back to their pools.
func Return(ps ...*[]float32) {
	for _, p := range ps {
		pools[bits.Len(uint(cap(*p)-1))].Put(p)
	}
}

// Gemm computes c = op(a)·op(b) + beta·c like GemmRef, with
// the micro-kernel, or for a·bᵀ of few rows (Unpacked) the dot kernels,
// which read b in place. Sums are reordered (blocked over k in steps of 256,
// each block accumulated in float32 in the kernel's order), so results
// differ from GemmRef's by rounding.
func Gemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if !transA && transB && Unpacked(m, k) {
		gemmDot(m, n, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	var p PackedB
	PackB(&p, transB, k, n, b, ldb)
	GemmPacked(transA, m, a, lda, &p, beta, c, ldc)
	p.Release()
}

// GemmPacked computes c = op(a)·b + beta·c for op(a) m×k and b packed by
// PackB as k×n. For each block of kcBlock rows of b and mcBlock rows of
// op(a), one call of the micro-kernels' block function multiplies all the
// whole panels of b; the last, partial panel goes through a zeroed
// scratch block whose first columns are then added to c. A transposed a
// is copied a block at a time (packColumns) first.
func GemmPacked(transA bool, m int, a []float32, lda int, b *PackedB, beta float32, c []float32, ldc int) {
	k, n := b.k, b.n
	if m == 0 || n == 0 {
		return
	}
	if len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("kernel: c has %d values, a %d×%d matrix with ldc %d needs %d", len(c), m, n, ldc, (m-1)*ldc+n))
	}
	if need := (m-1)*lda + k; !transA && len(a) < need || transA && len(a) < (k-1)*lda+m {
		panic(fmt.Sprintf("kernel: a has %d values, too few for %d×%d with lda %d", len(a), m, k, lda))
	}
	nr := micro.nr
	full, w := n/nr, n%nr
	set := micro.set != nil && beta == 0 && !transA && k > 0
	if set { // the first block sets the whole panels; the last one is added to
		scaleRows(c[full*nr:], m, w, ldc, 0)
	} else {
		scaleRows(c, m, n, ldc, beta)
	}
	if k == 0 {
		return
	}
	var s *[]float32
	if w > 0 {
		s = Borrow(min(m, mcBlock) * nr)
	}
	var packedA *[]float32
	if transA {
		packedA = BorrowUncleared(min(m, mcBlock) * min(k, kcBlock))
	}
	off := 0
	for k0 := 0; k0 < k; k0 += kcBlock {
		kc := min(kcBlock, k-k0)
		for i0 := 0; i0 < m; i0 += mcBlock {
			rows := min(mcBlock, m-i0)
			var ab []float32
			ldab := lda
			if transA {
				ab, ldab = packColumns(*packedA, a[k0*lda+i0:], lda, kc, rows), rows
			} else {
				ab = a[i0*lda+k0:]
			}
			if full > 0 {
				block := micro.block
				if set && k0 == 0 {
					block = micro.set
				}
				block(transA, kc, ab, ldab, b.data[off:], full, c[i0*ldc:], ldc, rows)
			}
			if w > 0 {
				tile := (*s)[:rows*nr]
				clear(tile)
				micro.block(transA, kc, ab, ldab, b.data[off+full*panelLen(kc):], 1, tile, nr, rows)
				addTile(c[i0*ldc+full*nr:], ldc, tile, rows, w)
			}
		}
		off += (full + min(w, 1)) * panelLen(kc)
	}
	for _, p := range []*[]float32{s, packedA} {
		if p != nil {
			Return(p)
		}
	}
}

// packColumns copies the first cols values of each of kc rows of a
// (leading dimension lda) into dst, one row after another, and returns
// them. A transposed operand's block is read down its columns, a row of
// it per step of depth; as it lies, those rows are lda apart, often a
// multiple of 2 KB, so that the block's lines crowd a few sets of the L1
// cache and the kernel waits on the L2. Packed, they are cols apart.
func packColumns(dst, a []float32, lda, kc, cols int) []float32 {
	dst = dst[:kc*cols]
	for q := range kc {
		copy(dst[q*cols:(q+1)*cols], a[q*lda:q*lda+cols])
	}
	return dst
}

// addTile adds the first h rows and w columns of the h×nr tile to c.
func addTile(c []float32, ldc int, tile []float32, h, w int) {
	nr := micro.nr
	for i := range h {
		row := c[i*ldc : i*ldc+w]
		for j, v := range tile[i*nr : i*nr+w] {
			row[j] += v
		}
	}
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

// microFunc computes the r×nr tile c += a·b, where b is a packed panel of
// kc rows of nr values, c has leading dimension ldc, and a is r×kc.
type microFunc = func(kc int, a []float32, lda int, b, c []float32, ldc int)

// blockFunc computes c += op(a)·b for rows rows of op(a), kc deep, and
// panels whole panels of packed b (each kc rows of nr values, one after
// the other), into the rows×(panels·nr) block of c; a is row-major, or
// with transA the transposed matrix as it lies. kc, panels and rows are
// at least 1.
type blockFunc = func(transA bool, kc int, a []float32, lda int, b []float32, panels int, c []float32, ldc int, rows int)

// checkBlock panics unless a blockFunc's operands hold the block, as Go
// code would: for kernels outside Go (assembly, SIMD128), which trust
// their slices. The block bounds every tile in it, so one check serves
// them all.
func checkBlock(nr int, transA bool, kc int, a []float32, lda int, b []float32, panels int, c []float32, ldc int, rows int) {
	needA := (rows-1)*lda + kc
	if transA {
		needA = (kc-1)*lda + rows
	}
	if kc < 1 || rows < 1 || panels < 1 || len(a) < needA || len(b) < panels*kc*nr || len(c) < (rows-1)*ldc+panels*nr {
		panic(fmt.Sprintf("kernel: block operands too short: kc %d, rows %d, panels %d, a %d (need %d), b %d, c %d", kc, rows, panels, len(a), needA, len(b), len(c)))
	}
}

// microKernel is a set of kernels for products with panels nr wide, and
// the cell kernels of the same instruction set.
type microKernel struct {
	name  string
	nr    int
	block blockFunc
	set   blockFunc // block's c = a·b for a row-major a; nil: c is cleared, then added to
	// packTrans writes a whole panel of PackB's for a transposed b,
	// dst[q·nr + j] = b[j·ldb + q]; nil: Go code does.
	packTrans func(kc int, b []float32, ldb int, dst []float32)
	cells     cellKernels
	dot       *dotKernels // nil: Gemm always packs b
}

// tiled returns the block function that walks the panels and, in each,
// the tiles of up to mr rows, calling k[r-1] for r rows of a read at
// a[q·lda + i] (a transposed matrix as it lies) or n[r-1] for r rows read
// at a[i·lda + q] (a row-major matrix).
func tiled(mr, nr int, k, n []microFunc) blockFunc {
	return func(transA bool, kc int, a []float32, lda int, b []float32, panels int, c []float32, ldc int, rows int) {
		for j := range panels {
			bp := b[j*kc*nr : (j+1)*kc*nr]
			for r0 := 0; r0 < rows; r0 += mr {
				h := min(mr, rows-r0)
				if transA {
					k[h-1](kc, a[r0:], lda, bp, c[r0*ldc+j*nr:], ldc)
				} else {
					n[h-1](kc, a[r0*lda:], lda, bp, c[r0*ldc+j*nr:], ldc)
				}
			}
		}
	}
}

// micro is the micro-kernel in use, the fastest this CPU runs.
var micro = kernels()[0]

// Kernels names the micro-kernels this CPU can run, fastest (the one in
// use) first.
func Kernels() []string {
	var names []string
	for _, k := range kernels() {
		names = append(names, k.name)
	}
	return names
}

// Use makes the named set of micro-kernels (one of Kernels), with its
// cell kernels, the one in use, and returns a function that restores the
// previous choice. It is for tests and benchmarks that compare kernels; it
// is not safe to call while products run.
func Use(name string) (restore func(), err error) {
	for _, k := range kernels() {
		if k.name != name {
			continue
		}
		saved := micro
		micro = k
		return func() { micro = saved }, nil
	}
	return nil, fmt.Errorf("kernel: no micro-kernel %q on this CPU (have %v)", name, Kernels())
}
