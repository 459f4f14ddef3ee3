package wasmsimd

// RowsWidth is the columns sum_rows adds per chunk: eight vectors, the
// accumulators it keeps in registers.
const RowsWidth = 4 * rowsVectors

const rowsVectors = 8

// sumRows writes the exported function sum_rows(n, x, ldx, s, chunks):
// s[j] += Σ_r x[r·ldx + j] for the first RowsWidth·chunks columns j, over
// the n rows of x (n and chunks at least 1; addresses in bytes, ldx in
// float32 values): the kernel package's SumRows. Each chunk's sums stay
// in registers while its columns stream down the rows.
func sumRows() *function {
	f := newFunction("sum_rows", 5)
	const n, x, ldx, s, chunks = 0, 1, 2, 3, 4
	ldx4, p, left := f.local(i32), f.local(i32), f.local(i32)
	var acc [rowsVectors]uint32
	for v := range acc {
		acc[v] = f.local(v128)
	}
	f.get(ldx)
	f.i32(2)
	f.op(opI32Shl)
	f.set(ldx4)

	f.loop() // over chunks
	for v, a := range acc {
		f.get(s)
		f.simdMem(simdLoad, uint32(16*v))
		f.set(a)
	}
	f.get(x)
	f.set(p)
	f.get(n)
	f.set(left)
	f.loop() // over rows
	for v, a := range acc {
		f.get(a)
		f.get(p)
		f.simdMem(simdLoad, uint32(16*v))
		f.simd(simdF32x4Add)
		f.set(a)
	}
	f.addLocal(p, ldx4)
	f.loopDown(left, 1)
	for v, a := range acc {
		f.get(s)
		f.get(a)
		f.simdMem(simdStore, uint32(16*v))
	}
	f.addTo(s, 4*RowsWidth)
	f.addTo(x, 4*RowsWidth)
	f.loopDown(chunks, 1)
	return f
}
