//go:build !amd64 && !arm64 && !(js && wasm && wasmsimd)

package kernel

// kernels lists the micro-kernels this build can run, fastest first.
func kernels() []microKernel { return []microKernel{goKernel} }
