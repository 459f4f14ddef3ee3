package kernel

// goKernel is the pure-Go micro-kernel for targets without assembly
// kernels, WebAssembly among them, which has no SIMD in Go: tiles of
// goRows×4 with the sum's loop unrolled, small enough that the tile, a's
// values and b's row stay in the sixteen registers a WebAssembly engine
// has on x86-64 (a 4×4 tile spills, and runs at half the speed).
var goKernel = microKernel{
	name: "go2x4", mr: goRows, nr: 4,
	k: []microFunc{
		func(kc int, a []float32, lda int, b, c []float32, ldc int) { goTile1(kc, a, lda, 1, b, c) },
		func(kc int, a []float32, lda int, b, c []float32, ldc int) { goTile2(kc, a, lda, 1, b, c, ldc) },
	},
	n: []microFunc{
		func(kc int, a []float32, lda int, b, c []float32, ldc int) { goTile1(kc, a, 1, lda, b, c) },
		func(kc int, a []float32, lda int, b, c []float32, ldc int) { goTile2(kc, a, 1, lda, b, c, ldc) },
	},
}

const goRows = 2

// goTile2 computes c[2×4] += a·b for a's element (i, q) at a[q·sq + i·si].
func goTile2(kc int, a []float32, sq, si int, b, c []float32, ldc int) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	b = b[:4*kc]
	a0s, a1s := a[:(kc-1)*sq+1], a[si:si+(kc-1)*sq+1]
	for p := 0; len(b) >= 4; p += sq {
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		a0, a1 := a0s[p], a1s[p]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		b = b[4:]
	}
	r := c[:4:4]
	r[0] += c00
	r[1] += c01
	r[2] += c02
	r[3] += c03
	r = c[ldc : ldc+4 : ldc+4]
	r[0] += c10
	r[1] += c11
	r[2] += c12
	r[3] += c13
}

// goTile1 computes c[1×4] += a·b, the last row of an odd-height product.
func goTile1(kc int, a []float32, sq, _ int, b, c []float32) {
	var c0, c1, c2, c3 float32
	b = b[:4*kc]
	as := a[:(kc-1)*sq+1]
	for p := 0; len(b) >= 4; p += sq {
		ai := as[p]
		c0 += ai * b[0]
		c1 += ai * b[1]
		c2 += ai * b[2]
		c3 += ai * b[3]
		b = b[4:]
	}
	r := c[:4:4]
	r[0] += c0
	r[1] += c1
	r[2] += c2
	r[3] += c3
}
