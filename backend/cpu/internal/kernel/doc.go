// Package kernel holds the CPU backend's fast float32 kernels: a blocked
// matrix multiply whose innermost tile is an assembly micro-kernel chosen
// at run time from the CPU's features (AVX-512, AVX2 with FMA, arm64's
// NEON) or a pure-Go one (every other target, WebAssembly included), the
// LSTM cell's pointwise work, and Adam's update (vector kernels on x86). A
// js/wasm build with the tag wasmsimd multiplies and runs the cells with
// SIMD128 kernels instead: a WebAssembly module that package wasmsimd
// generates and the host links to the Go instance. Each fast kernel has a
// plain reference beside it (GemmRef, CellForwardRef, …) that its tests
// compare it with.
package kernel
