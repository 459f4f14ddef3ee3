//go:build cuda || cudaemu

package cuda

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
)

// TestLSTMOperandChecks checks that LSTMForward and LSTMBackward refuse,
// before any launch, every operand shorter than what the kernels index,
// naming it: a kernel does not check, and on a GPU it would write past the
// buffer. The GPU's cuda_test.go and the emulator both run it.
func TestLSTMOperandChecks(t *testing.T) {
	be, err := New()
	if err != nil {
		t.Fatal(err)
	}
	s := backend.LSTMShape{T: 3, B: 2, Input: 4, Hidden: 5, Proj: 3, Bias: true}
	G, O, H := 4*s.Hidden, s.HiddenOut(), s.Hidden
	weights := func() backend.LSTMWeights {
		return backend.LSTMWeights{Wih: be.New(G * s.Input), Whh: be.New(G * O), Bih: be.New(G), Bhh: be.New(G), Whr: be.New(s.Proj * H)}
	}
	forward := func() *backend.LSTMForwardArgs {
		return &backend.LSTMForwardArgs{Shape: s, W: weights(), X: be.New(s.T * s.B * s.Input),
			H0: be.New(s.B * O), C0: be.New(s.B * H), Y: be.New(s.T * s.B * O), LdY: O,
			HN: be.New(s.B * O), CN: be.New(s.B * H), Reserve: be.New(be.ReserveLen(s))}
	}
	backward := func() *backend.LSTMBackwardArgs {
		f := forward()
		return &backend.LSTMBackwardArgs{Shape: s, W: f.W, X: f.X, H0: f.H0, C0: f.C0, Reserve: f.Reserve,
			DY: be.New(s.T * s.B * O), LdY: O, DHN: be.New(s.B * O), DCN: be.New(s.B * H),
			DX: be.New(s.T * s.B * s.Input), DH0: be.New(s.B * O), DC0: be.New(s.B * H), DW: weights()}
	}
	short := func(b backend.Buffer) backend.Buffer { return b.Slice(0, b.Len()-1) }
	be.LSTMForward(forward()) // the unchanged operands pass
	be.LSTMBackward(backward())
	for _, c := range []struct {
		operand string
		call    func()
	}{
		{"Wih", func() { a := forward(); a.W.Wih = short(a.W.Wih); be.LSTMForward(a) }},
		{"Whh", func() { a := forward(); a.W.Whh = short(a.W.Whh); be.LSTMForward(a) }},
		{"Bih", func() { a := forward(); a.W.Bih = nil; be.LSTMForward(a) }},
		{"Bhh", func() { a := forward(); a.W.Bhh = short(a.W.Bhh); be.LSTMForward(a) }},
		{"Whr", func() { a := forward(); a.W.Whr = short(a.W.Whr); be.LSTMForward(a) }},
		{"X", func() { a := forward(); a.X = short(a.X); be.LSTMForward(a) }},
		{"H0", func() { a := forward(); a.H0 = short(a.H0); be.LSTMForward(a) }},
		{"C0", func() { a := forward(); a.C0 = short(a.C0); be.LSTMForward(a) }},
		{"Y", func() { a := forward(); a.Y = short(a.Y); be.LSTMForward(a) }},
		{"LdY", func() { a := forward(); a.LdY = O - 1; be.LSTMForward(a) }},
		{"HN", func() { a := forward(); a.HN = short(a.HN); be.LSTMForward(a) }},
		{"CN", func() { a := forward(); a.CN = nil; be.LSTMForward(a) }},
		{"Reserve", func() { a := forward(); a.Reserve = short(a.Reserve); be.LSTMForward(a) }},
		{"Reserve", func() { a := backward(); a.Reserve = nil; be.LSTMBackward(a) }},
		{"DY", func() { a := backward(); a.DY = short(a.DY); be.LSTMBackward(a) }},
		{"DHN", func() { a := backward(); a.DHN = short(a.DHN); be.LSTMBackward(a) }},
		{"DCN", func() { a := backward(); a.DCN = short(a.DCN); be.LSTMBackward(a) }},
		{"DX", func() { a := backward(); a.DX = short(a.DX); be.LSTMBackward(a) }},
		{"DH0", func() { a := backward(); a.DH0 = short(a.DH0); be.LSTMBackward(a) }},
		{"DC0", func() { a := backward(); a.DC0 = short(a.DC0); be.LSTMBackward(a) }},
		{"DWih", func() { a := backward(); a.DW.Wih = short(a.DW.Wih); be.LSTMBackward(a) }},
		{"DWhh", func() { a := backward(); a.DW.Whh = short(a.DW.Whh); be.LSTMBackward(a) }},
		{"DBih", func() { a := backward(); a.DW.Bih = short(a.DW.Bih); be.LSTMBackward(a) }},
		{"DWhr", func() { a := backward(); a.DW.Whr = nil; be.LSTMBackward(a) }},
		{"Whh", func() { a := backward(); a.W.Whh = short(a.W.Whh); be.LSTMBackward(a) }},
		{"X", func() { a := backward(); a.X = short(a.X); be.LSTMBackward(a) }},
	} {
		func() {
			defer func() {
				r := recover()
				if msg := fmt.Sprint(r); r == nil || !strings.Contains(msg, c.operand) {
					t.Errorf("a bad %s: panic %v, want one naming it", c.operand, r)
				}
			}()
			c.call()
		}()
	}
}
