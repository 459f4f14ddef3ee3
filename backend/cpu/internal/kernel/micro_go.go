package kernel

// goKernel is the pure-Go micro-kernel for targets without assembly
// kernels, WebAssembly among them (without the wasmsimd tag), which has no
// SIMD in Go: one row of a times a panel of eight columns of b, with eight
// accumulators, few enough to stay in the sixteen registers a WebAssembly
// engine has on x86-64 (a 4×4 tile spills and runs at half the speed). One
// row per tile costs nothing in the sum's loop against two (measured: 4.2
// against 3.9 GFLOP/s in Node on [100×128]·[128×512]) and is 1.3× faster
// than a 1×4 tile for the one-row products of a single prediction.
var goKernel = microKernel{
	name: "go1x8", nr: 8,
	block: tiled(1, 8,
		[]microFunc{func(kc int, a []float32, lda int, b, c []float32, _ int) { goTile(kc, a, lda, b, c) }},
		[]microFunc{func(kc int, a []float32, _ int, b, c []float32, _ int) { goTile(kc, a, 1, b, c) }}),
}

// goTile computes c[1×8] += a·b for a's element q at a[q·sq].
func goTile(kc int, a []float32, sq int, b, c []float32) {
	var c0, c1, c2, c3, c4, c5, c6, c7 float32
	b = b[:8*kc]
	as := a[:(kc-1)*sq+1]
	for p := 0; len(b) >= 8; p += sq {
		ai := as[p]
		c0 += ai * b[0]
		c1 += ai * b[1]
		c2 += ai * b[2]
		c3 += ai * b[3]
		c4 += ai * b[4]
		c5 += ai * b[5]
		c6 += ai * b[6]
		c7 += ai * b[7]
		b = b[8:]
	}
	r := c[:8:8]
	r[0] += c0
	r[1] += c1
	r[2] += c2
	r[3] += c3
	r[4] += c4
	r[5] += c5
	r[6] += c6
	r[7] += c7
}
