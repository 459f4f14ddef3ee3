package wasmsimd

// The micro-tile: MR rows of a by NR = 4·nv columns of b, MR·nv vector
// accumulators. With MR 4 and nv 2 the 8 accumulators, 2 rows of b and one
// broadcast value of a take 11 of the 16 vector registers a WebAssembly
// engine has on x86-64.
const (
	// MR is the most rows one micro-tile computes.
	MR = 4
	nv = 2
	// NR is the width of a panel of packed b, in float32 values.
	NR = 4 * nv
)

// tile writes the function computing c[h×NR] += op(a)[h×kc]·b[kc×NR]
// (with set, c = op(a)·b: c is not read), where b is a packed panel (kc rows of NR values) and c has ldc4 bytes
// between rows. With rowMajor, row i of a starts at a + i·lda4 and its
// values are consecutive (Go's micro.n layout); otherwise a is the
// transposed matrix as it lies: element (i, q) is at a + q·lda4 + 4i.
// Its parameters are (kc, a, lda4, b, c, ldc4), kc ≥ 1, addresses and
// strides in bytes. With fma the products are added by relaxed_madd.
func tile(h int, rowMajor, set, fma bool) *function {
	f := newFunction("", 6)
	const kc, a, lda4, b, c, ldc4 = 0, 1, 2, 3, 4, 5
	var acc [MR][nv]uint32
	for r := range h {
		for v := range nv {
			acc[r][v] = f.local(v128)
		}
	}
	var bv [nv]uint32
	for v := range bv {
		bv[v] = f.local(v128)
	}
	av := f.local(v128)
	// Row pointers of a row-major a: row r at rows[r], advancing by 4.
	rows := []uint32{a}
	if rowMajor {
		for r := 1; r < h; r++ {
			p := f.local(i32)
			f.get(rows[r-1])
			f.get(lda4)
			f.op(opI32Add)
			f.set(p)
			rows = append(rows, p)
		}
	}

	f.loop()
	for v := range nv {
		f.get(b)
		f.simdMem(simdLoad, uint32(16*v))
		f.set(bv[v])
	}
	for r := range h {
		if rowMajor {
			f.get(rows[r])
			f.simdMem(simdLoad32Splat, 0)
		} else {
			f.get(a)
			f.simdMem(simdLoad32Splat, uint32(4*r))
		}
		f.set(av)
		for v := range nv {
			if fma {
				f.get(av)
				f.get(bv[v])
				f.get(acc[r][v])
				f.simd(simdF32x4RelMadd)
			} else {
				f.get(acc[r][v])
				f.get(av)
				f.get(bv[v])
				f.simd(simdF32x4Mul)
				f.simd(simdF32x4Add)
			}
			f.set(acc[r][v])
		}
	}
	if rowMajor {
		for _, p := range rows {
			f.addTo(p, 4)
		}
	} else {
		f.addLocal(a, lda4)
	}
	f.addTo(b, 16*nv)
	f.loopDown(kc, 1)

	// c += acc (with set, c = acc), row by row.
	for r := range h {
		if r > 0 {
			f.addLocal(c, ldc4)
		}
		for v := range nv {
			f.get(c) // the store's address
			if set {
				f.get(acc[r][v])
			} else {
				f.get(c)
				f.simdMem(simdLoad, uint32(16*v))
				f.get(acc[r][v])
				f.simd(simdF32x4Add)
			}
			f.simdMem(simdStore, uint32(16*v))
		}
	}
	return f
}

// gemm writes the exported function computing c += op(a)·b over a block:
// rows rows of op(a), kc deep, by panels whole panels of packed b (each kc
// rows of NR values, one after the other), into c's rows×(panels·NR)
// block. Its parameters are (kc, a, lda, b, panels, c, ldc, rows), all ≥ 1,
// leading dimensions in float32 values; a's layout is that of the tile
// functions tiles[h−1] it calls.
func gemm(export string, rowMajor bool, tiles []uint32) *function {
	f := newFunction(export, 8)
	const kc, a, lda, b, panels, c, ldc, rows = 0, 1, 2, 3, 4, 5, 6, 7
	lda4, ldc4 := f.local(i32), f.local(i32)
	pa, pc, left := f.local(i32), f.local(i32), f.local(i32)
	stepA, stepC, panelBytes := f.local(i32), f.local(i32), f.local(i32)
	shl2 := func(dst, src uint32) {
		f.get(src)
		f.i32(2)
		f.op(opI32Shl)
		f.set(dst)
	}
	shl2(lda4, lda)
	shl2(ldc4, ldc)
	// The next tile of MR rows: MR rows (row-major) or columns further on in a.
	if rowMajor {
		f.get(lda4)
		f.i32(MR)
		f.op(opI32Mul)
	} else {
		f.i32(4 * MR)
	}
	f.set(stepA)
	f.get(ldc4)
	f.i32(MR)
	f.op(opI32Mul)
	f.set(stepC)
	f.get(kc)
	f.i32(4 * NR)
	f.op(opI32Mul)
	f.set(panelBytes)

	call := func(h int) {
		for _, l := range []uint32{kc, pa, lda4, b, pc, ldc4} {
			f.get(l)
		}
		f.opIdx(opCall, tiles[h-1])
	}

	f.loop() // over panels
	f.get(a)
	f.set(pa)
	f.get(c)
	f.set(pc)
	f.get(rows)
	f.set(left)
	f.block()
	f.loop() // over whole tiles of MR rows
	f.get(left)
	f.i32(MR)
	f.op(opI32LtU)
	f.opIdx(opBrIf, 1)
	call(MR)
	f.addLocal(pa, stepA)
	f.addLocal(pc, stepC)
	f.addTo(left, -MR)
	f.opIdx(opBr, 0)
	f.end()
	f.end()
	for h := 1; h < MR; h++ { // the last rows, fewer than MR
		f.get(left)
		f.i32(int32(h))
		f.op(opI32Eq)
		f.ifThen()
		call(h)
		f.end()
	}
	f.addLocal(b, panelBytes)
	f.addTo(c, 4*NR)
	f.loopDown(panels, 1)
	return f
}

// kernels returns the module's functions: the tile functions of each
// height and layout, then the exported gemm_n (row-major a), gemm_k (a
// transposed, as it lies) and gemm_s (gemm_n setting c), cell_forward,
// cell_backward, sum_rows and the dot kernels.
func kernels(fma bool) []*function {
	var funcs []*function
	var exported []*function
	for _, layout := range []struct {
		name          string
		rowMajor, set bool
	}{{"gemm_n", true, false}, {"gemm_k", false, false}, {"gemm_s", true, true}} {
		var idx []uint32
		for h := 1; h <= MR; h++ {
			idx = append(idx, uint32(len(funcs)))
			funcs = append(funcs, tile(h, layout.rowMajor, layout.set, fma))
		}
		exported = append(exported, gemm(layout.name, layout.rowMajor, idx))
	}
	funcs = append(append(funcs, exported...), cellForward(), cellBackward(), sumRows())
	for _, t := range dotTiles {
		funcs = append(funcs, dot(t[0], t[1], fma))
	}
	return funcs
}

// RelaxedSection names the custom section of Module holding the variant
// that adds products with relaxed SIMD's f32x4.relaxed_madd (one fused
// multiply-add where the CPU has one): a complete module, which a loader
// compiles instead where the engine validates it.
const RelaxedSection = "lstm.relaxed"

// Module returns the WebAssembly module of the SIMD128 kernels. It
// imports its memory as env.mem (the Go instance's, so that Go slices
// are addresses in it) and exports
//
//	gemm_n(kc, a, lda, b, panels, c, ldc, rows)  a row-major
//	gemm_k(kc, a, lda, b, panels, c, ldc, rows)  a transposed, as it lies
//	gemm_s(kc, a, lda, b, panels, c, ldc, rows)  a row-major, c = a·b
//
// each computing c += op(a)·b (gemm_s: c = a·b, c not read) for rows
// rows of op(a) (kc deep) and panels panels of b packed as the kernel
// package's PackB does with NR columns; all arguments are i32, addresses
// are byte offsets in the memory, leading dimensions are in float32
// values, and kc, panels and rows are at least 1; and
//
//	cell_forward(n, gates, bias, cPrev, c, m, h)
//	cell_backward(n, gates, c, cPrev, dm, dc, h)
//
// the kernel package's CellForward and CellBackward for the first n of h
// units, n a positive multiple of 4;
//
//	sum_rows(n, x, ldx, s, chunks)
//
// the kernel package's SumRows for the first RowsWidth·chunks columns;
// and
//
//	dot_1x4, dot_2x4(k, a, lda, m, w, ldw, n, c, ldc)
//
// the kernel package's dot kernels, tiles of one and two rows by four
// columns: c[i·ldc + j] += a_i·w_j for the first m rows of a and n rows
// of w, both row-major over k values (k a positive multiple of 4), m and n
// positive multiples of the tile's rows and columns. The relaxed-SIMD
// variant is in the custom section RelaxedSection.
func Module() []byte {
	relaxed := encode(kernels(true))
	return encode(kernels(false), custom{RelaxedSection, relaxed})
}
