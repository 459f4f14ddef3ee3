//go:build !amd64 && !arm64 && !(js && wasm && wasmsimd)

package kernel

// kernels lists the micro-kernels this build can run, fastest first.
func kernels() []microKernel { return []microKernel{goKernel} }

// sumRowsVector is SumRows's vector kernel: none on this target.
var sumRowsVector func(n int, x []float32, ldx int, s []float32, chunks int)
