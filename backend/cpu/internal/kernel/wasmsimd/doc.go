// Package wasmsimd writes the WebAssembly module of the kernel package's
// SIMD128 matrix kernels, for builds with the wasmsimd tag: Go compiles no
// SIMD for js/wasm, so these kernels are written here as instruction
// sequences, encoded by a small binary encoder, and committed as
// simd.wasm, which `go generate` rewrites and a test compares with
// Module. simd.js beside it loads the module into a page or worker and
// links it to the Go instance; exec.js runs Go test binaries built with
// the tag in Node (see go_js_wasm_exec).
package wasmsimd

//go:generate go run gen.go
