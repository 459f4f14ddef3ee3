package wasmsimd

import (
	"bytes"
	"os"
	"testing"
)

// TestGenerated checks that the committed simd.wasm is what Module
// writes: run `go generate` in this folder after changing the kernels.
func TestGenerated(t *testing.T) {
	got, err := os.ReadFile("simd.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Module()) {
		t.Fatal("simd.wasm differs from Module(): run go generate ./backend/cpu/internal/kernel/wasmsimd")
	}
}

// TestLEB128 checks the integer encodings on their boundaries.
func TestLEB128(t *testing.T) {
	for _, c := range []struct {
		v    uint32
		want []byte
	}{{0, []byte{0}}, {127, []byte{0x7f}}, {128, []byte{0x80, 1}}, {261, []byte{0x85, 2}}, {1 << 31, []byte{0x80, 0x80, 0x80, 0x80, 8}}} {
		if got := uleb(nil, c.v); !bytes.Equal(got, c.want) {
			t.Errorf("uleb(%d) = %x, want %x", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		v    int32
		want []byte
	}{{0, []byte{0}}, {63, []byte{0x3f}}, {64, []byte{0xc0, 0}}, {-1, []byte{0x7f}}, {-64, []byte{0x40}}, {-65, []byte{0xbf, 0x7f}}, {-4, []byte{0x7c}}} {
		if got := sleb(nil, c.v); !bytes.Equal(got, c.want) {
			t.Errorf("sleb(%d) = %x, want %x", c.v, got, c.want)
		}
	}
}
