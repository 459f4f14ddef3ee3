//go:build cuda || cudaemu

package cuda

import (
	"fmt"

	"github.com/lstm-digits/lstm-digits/backend"
)

// The LSTM computes what backend/reference defines, with the reserve
// layout of backend.ReserveLayout: the input projection of all steps
// as one gemm, the time loop as one persistent kernel, and the products
// over all steps of the backward pass (weight and input gradients) as
// gemms.

// reserve holds the device addresses of a layer's reserve's parts
// (backend.ReserveLayout): gates, c, h, and m (0 without a projection).
type reserve struct{ gates, c, h, m uintptr }

func splitReserve(s backend.LSTMShape, base uintptr) reserve {
	l := s.Reserve()
	at := func(off int) uintptr { return base + 4*uintptr(off) } // float32s
	r := reserve{gates: at(l.Gates), c: at(l.C), h: at(l.H)}
	if s.Proj > 0 {
		r.m = at(l.M)
	}
	return r
}

// ReserveLen returns the length of a layer's reserve (backend.ReserveLayout),
// the CPU backend's.
func (*Backend) ReserveLen(s backend.LSTMShape) int { return s.Reserve().Len }

// lengths uploads the sequence lengths, or returns 0 (NULL) for none.
func (be *Backend) lengths(l []int, B int) uintptr {
	if l == nil {
		return 0
	}
	mustLen("LSTM lengths", len(l), B)
	return be.stageInts(l)
}

// operand is a buffer that an LSTM launch indexes: n values (at least n
// with atLeast, for the strided Y and DY); optional ones may be nil, and
// the kernels then take NULL for them.
type operand struct {
	name              string
	b                 backend.Buffer
	n                 int
	optional, atLeast bool
}

// checkOperands panics unless every operand has the values the kernels
// index: a kernel does not check, and a GPU writes past a short buffer
// into whatever follows it.
func checkOperands(op string, ops []operand) {
	for _, o := range ops {
		switch {
		case o.b == nil && o.optional:
		case o.b == nil:
			panic(fmt.Sprintf("cuda: %s: %s is missing", op, o.name))
		case o.atLeast && o.b.Len() < o.n:
			panic(fmt.Sprintf("cuda: %s: %s has %d values, want at least %d", op, o.name, o.b.Len(), o.n))
		case !o.atLeast:
			mustLen(op+" "+o.name, o.b.Len(), o.n)
		}
	}
}

// weightOperands are the operands of a direction's weights w (or their
// gradients), named with prefix: the biases only with s.Bias, W_hr only
// with a projection.
func weightOperands(prefix string, s backend.LSTMShape, w backend.LSTMWeights) []operand {
	G := 4 * s.Hidden
	ops := []operand{{name: prefix + "Wih", b: w.Wih, n: G * s.Input}, {name: prefix + "Whh", b: w.Whh, n: G * s.HiddenOut()}}
	if s.Bias {
		ops = append(ops, operand{name: prefix + "Bih", b: w.Bih, n: G}, operand{name: prefix + "Bhh", b: w.Bhh, n: G})
	}
	if s.Proj > 0 {
		ops = append(ops, operand{name: prefix + "Whr", b: w.Whr, n: s.Proj * s.Hidden})
	}
	return ops
}

// strided returns the values a [rows, width] matrix with row stride ld
// spans, and panics unless ld ≥ width.
func strided(op string, rows, width, ld int) int {
	if ld < width {
		panic(fmt.Sprintf("cuda: %s: LdY %d is less than the output's %d values per row", op, ld, width))
	}
	if rows == 0 {
		return 0
	}
	return (rows-1)*ld + width
}

// biases returns the device addresses of the biases, or NULL for a layer
// without them (whatever the weights hold).
func biases(s backend.LSTMShape, w backend.LSTMWeights) (bih, bhh uintptr) {
	if !s.Bias {
		return 0, 0
	}
	return ptr(w.Bih), ptr(w.Bhh)
}

// LSTMForward runs one direction of one layer over every step.
func (be *Backend) LSTMForward(a *backend.LSTMForwardArgs) {
	defer be.enter()()
	s := a.Shape
	T, B, H, O, G := s.T, s.B, s.Hidden, s.HiddenOut(), 4*s.Hidden
	checkOperands("LSTMForward", append(weightOperands("", s, a.W),
		operand{name: "X", b: a.X, n: T * B * s.Input},
		operand{name: "H0", b: a.H0, n: B * O, optional: true},
		operand{name: "C0", b: a.C0, n: B * H, optional: true},
		operand{name: "Y", b: a.Y, n: strided("LSTMForward", T*B, O, a.LdY), atLeast: true},
		operand{name: "HN", b: a.HN, n: B * O},
		operand{name: "CN", b: a.CN, n: B * H},
		operand{name: "Reserve", b: a.Reserve, n: be.ReserveLen(s), optional: true}))
	mustFit("LSTMForward", be.ReserveLen(s))
	p, err := planForward(B, H, O, be.sms, be.shared)
	be.check("LSTMForward", err)
	var base uintptr
	if a.Reserve != nil {
		base = ptr(a.Reserve)
	} else {
		base = be.alloc(&be.scratch, be.ReserveLen(s))
	}
	res := splitReserve(s, base)
	be.gemm(false, true, T*B, G, s.Input, ptr(a.X), s.Input, ptr(a.W.Wih), s.Input, 0, res.gates, G)
	bih, bhh := biases(s, a.W)
	// float4 loads of the rows of h and W_hh: every row starts on 16 bytes.
	vec := O%4 == 0 && aligned16(res.h, ptr(a.H0), ptr(a.W.Whh))
	be.launchCooperative("lstm_forward", p,
		res.gates, res.c, res.h, res.m,
		ptr(a.W.Whh), bih, bhh, ptr(a.W.Whr),
		ptr(a.H0), ptr(a.C0), be.lengths(a.Lengths, B),
		ptr(a.Y), a.LdY, ptr(a.HN), ptr(a.CN),
		T, B, H, O, s.Reverse, p.J, p.Staged, p.BC, vec, be.bar)
}

// LSTMBackward runs the backward pass through time.
func (be *Backend) LSTMBackward(a *backend.LSTMBackwardArgs) {
	defer be.enter()()
	s := a.Shape
	T, B, H, O, G := s.T, s.B, s.Hidden, s.HiddenOut(), 4*s.Hidden
	checkOperands("LSTMBackward", append(append(weightOperands("", s, a.W), weightOperands("D", s, a.DW)...),
		operand{name: "X", b: a.X, n: T * B * s.Input},
		operand{name: "H0", b: a.H0, n: B * O, optional: true},
		operand{name: "C0", b: a.C0, n: B * H, optional: true},
		operand{name: "Reserve", b: a.Reserve, n: be.ReserveLen(s)},
		operand{name: "DY", b: a.DY, n: strided("LSTMBackward", T*B, O, a.LdY), atLeast: true},
		operand{name: "DHN", b: a.DHN, n: B * O, optional: true},
		operand{name: "DCN", b: a.DCN, n: B * H, optional: true},
		operand{name: "DX", b: a.DX, n: T * B * s.Input, optional: true},
		operand{name: "DH0", b: a.DH0, n: B * O, optional: true},
		operand{name: "DC0", b: a.DC0, n: B * H, optional: true}))
	mustFit("LSTMBackward", be.ReserveLen(s))
	p, err := planBackward(B, H, O, be.sms, be.shared)
	be.check("LSTMBackward", err)
	res := splitReserve(s, ptr(a.Reserve))
	temps := B*O + B*H
	if s.Proj > 0 {
		temps += B*H + T*B*O
	}
	be.reserveRegion(&be.scratch, temps)
	dhNext, dcNext := be.alloc(&be.scratch, B*O), be.alloc(&be.scratch, B*H)
	var dm, dhAll uintptr
	if s.Proj > 0 {
		dm, dhAll = be.alloc(&be.scratch, B*H), be.alloc(&be.scratch, T*B*O)
	}
	be.launchCooperative("lstm_backward", p,
		res.gates, res.c, res.m, ptr(a.C0),
		ptr(a.W.Whh), ptr(a.W.Whr), ptr(a.DY), a.LdY, be.lengths(a.Lengths, B),
		ptr(a.DHN), ptr(a.DCN), dhAll, dhNext, dcNext, dm,
		ptr(a.DH0), ptr(a.DC0),
		T, B, H, O, s.Reverse, p.J, p.JO, p.Staged, p.BC, p.RC, aligned16(res.gates), be.bar)
	if s.Proj > 0 {
		be.gemm(true, false, O, H, T*B, dhAll, O, res.m, H, 1, ptr(a.DW.Whr), H)
	}

	// The products over all steps, as the CPU backend's weight gradients: W_hh's
	// gradient pairs each step's dA with the h the step started from.
	dA := res.gates
	first, rest := 0, 1
	if s.Reverse {
		first, rest = T-1, 0
	}
	if a.H0 != nil {
		be.gemm(true, false, G, O, B, dA+uintptr(4*first*B*G), G, ptr(a.H0), O, 1, ptr(a.DW.Whh), O)
	}
	if T > 1 {
		hFrom := 1 - rest
		be.gemm(true, false, G, O, (T-1)*B, dA+uintptr(4*rest*B*G), G, res.h+uintptr(4*hFrom*B*O), O, 1, ptr(a.DW.Whh), O)
	}
	be.gemm(true, false, G, s.Input, T*B, dA, G, ptr(a.X), s.Input, 1, ptr(a.DW.Wih), s.Input)
	if a.DX != nil {
		be.gemm(false, false, T*B, s.Input, G, dA, G, ptr(a.W.Wih), s.Input, 1, ptr(a.DX), s.Input)
	}
	if s.Bias {
		be.sumRows(ptr(a.DW.Bih), ptr(a.DW.Bhh), dA, T*B, G)
	}
}
