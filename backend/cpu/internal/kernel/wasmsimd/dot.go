package wasmsimd

import "fmt"

// dotTiles are the tiles of the dot kernels, rows of a by rows of w: two
// rows by four, and one by four for a last row and a prediction's
// products. Wider or taller tiles lose in V8 (measured in Node 20, see the
// kernel package's NOTES.md): it hoists the loads of w ahead of their
// products, so a 1×8 tile (8 accumulators, 8 values of w) spills, and a
// 3×4 one needs all 16 vector registers.
var dotTiles = [][2]int{{1, 4}, {2, 4}}

// Opcodes of the dot kernels: i8x16.shuffle, followed by 16 lane indices
// (0–15 from its first operand, 16–31 from its second), and i32.ne.
const (
	simdShuffle = 0x0d
	opI32Ne     = 0x47
)

// shuffle32 appends i8x16.shuffle taking 32-bit lanes: l[i] < 4 from the
// first operand, 4–7 from the second.
func (f *function) shuffle32(l [4]byte) {
	f.simd(simdShuffle)
	for _, x := range l {
		f.code = append(f.code, 4*x, 4*x+1, 4*x+2, 4*x+3)
	}
}

// sum4 leaves on the stack the vector of the lane sums of the four
// accumulators s: (Σs0, Σs1, Σs2, Σs3), by two rounds of pairing lanes of
// two vectors and adding. t holds the first round's result for s0, s1.
func (f *function) sum4(s [4]uint32, t uint32) {
	half := func(x, y uint32) { // (x0+x2, x1+x3, y0+y2, y1+y3)
		f.get(x)
		f.get(y)
		f.shuffle32([4]byte{0, 1, 4, 5})
		f.get(x)
		f.get(y)
		f.shuffle32([4]byte{2, 3, 6, 7})
		f.simd(simdF32x4Add)
	}
	half(s[0], s[1])
	f.set(t)
	half(s[2], s[3])
	f.set(s[2]) // s2 is spent: it holds the second half now
	f.get(t)
	f.get(s[2])
	f.shuffle32([4]byte{0, 2, 4, 6})
	f.get(t)
	f.get(s[2])
	f.shuffle32([4]byte{1, 3, 5, 7})
	f.simd(simdF32x4Add)
}

// dot writes the exported function dot_{h}x{wd}(k, a, lda, m, w, ldw, n,
// c, ldc): c[i·ldc + j] += a_i·w_j for the first m rows a_i of a and n
// rows w_j of w, multiples of h and wd (wd a multiple of 4), both read
// row by row over k values (k a positive multiple of 4), m and n at least
// one tile; addresses in bytes, leading dimensions in float32 values.
// Each product accumulates four partial sums in one vector, added across
// its lanes at the end of the tile. For each tile of wd rows of w, which
// then stays in the L1 cache, every tile of h rows of a, so w streams
// through once. With fma the products are added by relaxed_madd.
func dot(h, wd int, fma bool) *function {
	f := newFunction(dotName(h, wd), 9)
	const k, a, lda, m, w, ldw, n, c, ldc = 0, 1, 2, 3, 4, 5, 6, 7, 8
	lda4, ldw4, ldc4, kb := f.local(i32), f.local(i32), f.local(i32), f.local(i32)
	pa, pc, left, q := f.local(i32), f.local(i32), f.local(i32), f.local(i32)
	ra := make([]uint32, h)  // row r of the tile of a
	rw := make([]uint32, wd) // row j of the tile of w
	for r := range ra {
		ra[r] = f.local(i32)
	}
	for j := range rw {
		rw[j] = f.local(i32)
	}
	acc := make([][]uint32, h)
	for r := range acc {
		acc[r] = make([]uint32, wd)
		for j := range acc[r] {
			acc[r][j] = f.local(v128)
		}
	}
	av := make([]uint32, h)
	for r := range av {
		av[r] = f.local(v128)
	}
	wv, t := f.local(v128), f.local(v128)
	for _, s := range [][2]uint32{{lda4, lda}, {ldw4, ldw}, {ldc4, ldc}, {kb, k}} {
		f.get(s[1])
		f.i32(2)
		f.op(opI32Shl)
		f.set(s[0])
	}
	// rows sets dst[i] = base + i·stride.
	rows := func(dst []uint32, base, stride uint32) {
		f.get(base)
		f.set(dst[0])
		for i := 1; i < len(dst); i++ {
			f.get(dst[i-1])
			f.get(stride)
			f.op(opI32Add)
			f.set(dst[i])
		}
	}

	f.loop() // over tiles of w
	rows(rw, w, ldw4)
	f.get(a)
	f.set(pa)
	f.get(c)
	f.set(pc)
	f.get(m)
	f.set(left)
	f.loop() // over tiles of a
	rows(ra, pa, lda4)
	for _, row := range acc {
		for _, x := range row {
			splat(0).push(f)
			f.set(x)
		}
	}
	f.i32(0)
	f.set(q)
	f.loop() // over k, four values a step
	for r := range h {
		f.get(ra[r])
		f.get(q)
		f.op(opI32Add)
		f.simdMem(simdLoad, 0)
		f.set(av[r])
	}
	for j := range wd {
		f.get(rw[j])
		f.get(q)
		f.op(opI32Add)
		f.simdMem(simdLoad, 0)
		f.set(wv)
		for r := range h {
			if fma {
				f.get(av[r])
				f.get(wv)
				f.get(acc[r][j])
				f.simd(simdF32x4RelMadd)
			} else {
				f.get(acc[r][j])
				f.get(av[r])
				f.get(wv)
				f.simd(simdF32x4Mul)
				f.simd(simdF32x4Add)
			}
			f.set(acc[r][j])
		}
	}
	f.get(q)
	f.i32(16)
	f.op(opI32Add)
	f.tee(q)
	f.get(kb)
	f.op(opI32Ne)
	f.opIdx(opBrIf, 0)
	f.end()

	// c += the lane sums, four columns at a time.
	for r := range h {
		for g := 0; g < wd; g += 4 {
			f.get(pc)
			f.get(pc)
			f.simdMem(simdLoad, uint32(4*g))
			f.sum4([4]uint32(acc[r][g:g+4]), t)
			f.simd(simdF32x4Add)
			f.simdMem(simdStore, uint32(4*g))
		}
		f.addLocal(pc, ldc4)
	}
	for range h {
		f.addLocal(pa, lda4)
	}
	f.loopDown(left, h)

	for range wd {
		f.addLocal(w, ldw4)
	}
	f.addTo(c, int32(4*wd))
	f.loopDown(n, wd)
	return f
}

// dotName is the export name of the dot kernel of h×wd tiles.
func dotName(h, wd int) string { return fmt.Sprintf("dot_%dx%d", h, wd) }
