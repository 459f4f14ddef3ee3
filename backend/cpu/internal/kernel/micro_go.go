package kernel

// goKernel is the pure-Go micro-kernel: a 4×4 tile held in sixteen local
// accumulators, the fastest shape measured for WebAssembly, which has no
// SIMD in Go.
// Tiles of fewer rows use microRows.
var goKernel = microKernel{
	name: "go4x4", mr: 4, nr: 4,
	k: goKernels(func(h int) microFunc {
		return func(kc int, a []float32, lda int, b, c []float32, ldc int) { goTile(h, kc, a, lda, 1, b, c, ldc) }
	}),
	n: goKernels(func(h int) microFunc {
		return func(kc int, a []float32, lda int, b, c []float32, ldc int) { goTile(h, kc, a, 1, lda, b, c, ldc) }
	}),
}

// goKernels lists make(h) for h = 1..4.
func goKernels(make func(h int) microFunc) []microFunc {
	return []microFunc{make(1), make(2), make(3), make(4)}
}

// goTile computes c[h×4] += a·b for a's element (i, q) at a[q·sq + i·si].
func goTile(h, kc int, a []float32, sq, si int, b, c []float32, ldc int) {
	if h == 4 {
		micro4x4(kc, a, sq, si, b, c, ldc)
		return
	}
	microRows(h, kc, a, sq, si, b, c, ldc)
}

// microRows computes c[h×4] += a·b for the h < 4 rows of an edge tile.
func microRows(h, kc int, a []float32, sq, si int, b, c []float32, ldc int) {
	for i := range h {
		var c0, c1, c2, c3 float32
		for q := range kc {
			ai := a[q*sq+i*si]
			bb := b[4*q : 4*q+4 : 4*q+4]
			c0 += ai * bb[0]
			c1 += ai * bb[1]
			c2 += ai * bb[2]
			c3 += ai * bb[3]
		}
		r := c[i*ldc : i*ldc+4 : i*ldc+4]
		r[0] += c0
		r[1] += c1
		r[2] += c2
		r[3] += c3
	}
}

// micro4x4 computes c[4×4] += a·b for a's element (i, q) at a[q·sq + i·si].
func micro4x4(kc int, a []float32, sq, si int, b, c []float32, ldc int) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	b = b[:4*kc]
	_ = a[(kc-1)*sq+3*si]
	for q := range kc {
		bb := b[4*q : 4*q+4 : 4*q+4]
		p := q * sq
		a0, a1, a2, a3 := a[p], a[p+si], a[p+2*si], a[p+3*si]
		b0, b1, b2, b3 := bb[0], bb[1], bb[2], bb[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	for i, row := range [4][4]float32{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}} {
		r := c[i*ldc : i*ldc+4 : i*ldc+4]
		r[0] += row[0]
		r[1] += row[1]
		r[2] += row[2]
		r[3] += row[3]
	}
}
