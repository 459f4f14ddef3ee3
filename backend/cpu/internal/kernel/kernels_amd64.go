package kernel

import (
	"fmt"

	"golang.org/x/sys/cpu"
)

// The assembly micro-kernels of micro_amd64.s (see gen_micro.py).

//go:noescape
func microAVX512K(kc int, a []float32, lda int, b, c []float32, ldc int)

//go:noescape
func microAVX512N(kc int, a []float32, lda int, b, c []float32, ldc int)

//go:noescape
func microAVX2K(kc int, a []float32, lda int, b, c []float32, ldc int)

//go:noescape
func microAVX2N(kc int, a []float32, lda int, b, c []float32, ldc int)

type microFunc = func(kc int, a []float32, lda int, b, c []float32, ldc int)

// checked wraps an assembly micro-kernel with the bounds checks Go code
// would get, since the assembly trusts its slices; rowMajor says how it
// reads a.
func checked(mr, nr int, rowMajor bool, fn microFunc) microFunc {
	return func(kc int, a []float32, lda int, b, c []float32, ldc int) {
		needA := (kc-1)*lda + mr
		if rowMajor {
			needA = (mr-1)*lda + kc
		}
		if kc < 1 || len(a) < needA || len(b) < nr*kc || len(c) < (mr-1)*ldc+nr {
			panic(fmt.Sprintf("kernel: micro-kernel operands too short: kc %d, a %d (need %d), b %d, c %d", kc, len(a), needA, len(b), len(c)))
		}
		fn(kc, a, lda, b, c, ldc)
	}
}

// asmKernel describes an assembly micro-kernel pair.
func asmKernel(name string, mr, nr int, k, n microFunc) microKernel {
	return microKernel{name: name, mr: mr, nr: nr, k: checked(mr, nr, false, k), n: checked(mr, nr, true, n)}
}

// kernels lists the micro-kernels this CPU can run, fastest first.
func kernels() []microKernel {
	var ks []microKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, asmKernel("avx512-10x32", 10, 32, microAVX512K, microAVX512N))
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, asmKernel("avx2-6x16", 6, 16, microAVX2K, microAVX2N))
	}
	return append(ks, goKernel)
}

//go:noescape
func cellForwardAVX512(n int, gates, cPrev, c, m []float32, h int)

//go:noescape
func cellBackwardAVX512(n int, gates, c, cPrev, dm, dc []float32, h int)

func init() {
	if cpu.X86.HasAVX512F {
		cellForwardVec, cellBackwardVec = cellForwardAVX512, cellBackwardAVX512
	}
}
