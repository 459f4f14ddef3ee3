package kernel

import "golang.org/x/sys/cpu"

//go:noescape
func microAVX512(kc int, a, b, c []float32, ldc int)

//go:noescape
func microAVX2(kc int, a, b, c []float32, ldc int)

// checked wraps an assembly micro-kernel with the bounds checks that Go
// code would get, since the assembly trusts its slices.
func checked(mr, nr int, fn func(kc int, a, b, c []float32, ldc int)) func(kc int, a, b, c []float32, ldc int) {
	return func(kc int, a, b, c []float32, ldc int) {
		if kc < 0 || len(a) < mr*kc || len(b) < nr*kc || len(c) < (mr-1)*ldc+nr {
			panic("kernel: micro-kernel operands too short")
		}
		fn(kc, a, b, c, ldc)
	}
}

// kernels lists the micro-kernels this CPU can run, fastest first.
func kernels() []microKernel {
	var ks []microKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, microKernel{name: "avx512-10x32", mr: 10, nr: 32, fn: checked(10, 32, microAVX512)})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, microKernel{name: "avx2-6x16", mr: 6, nr: 16, fn: checked(6, 16, microAVX2)})
	}
	return append(ks, goKernel)
}
