//go:build ignore

// Command gen writes simd.wasm, the module of package wasmsimd.
package main

import (
	"log"
	"os"

	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel/wasmsimd"
)

func main() {
	if err := os.WriteFile("simd.wasm", wasmsimd.Module(), 0o644); err != nil {
		log.Fatal(err)
	}
}
