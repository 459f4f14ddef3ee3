//go:build amd64 || arm64

package kernel

// checked wraps a block function of assembly micro-kernels with the
// bounds checks Go code would get, since the assembly trusts its slices:
// once for the whole block, which bounds every tile in it.
func checked(nr int, block blockFunc) blockFunc {
	return func(transA bool, kc int, a []float32, lda int, b []float32, panels int, c []float32, ldc int, rows int) {
		checkBlock(nr, transA, kc, a, lda, b, panels, c, ldc, rows)
		block(transA, kc, a, lda, b, panels, c, ldc, rows)
	}
}

// asmKernel describes a set of assembly micro-kernels, k[r-1], n[r-1] and
// set[r-1] for tiles of r rows (set, which may be nil: the n kernels that
// overwrite c).
func asmKernel(name string, nr int, k, n, set []microFunc) microKernel {
	mk := microKernel{name: name, nr: nr, block: checked(nr, tiled(len(k), nr, k, n))}
	if set != nil {
		mk.set = checked(nr, tiled(len(k), nr, nil, set))
	}
	return mk
}
