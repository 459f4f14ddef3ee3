package cpu

import (
	"math"

	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel"
)

// reserve is a layer's reserve cut into its parts (backend.ReserveLayout):
// gates, c, h, and m (nil without a projection).
type reserve struct {
	gates, c, h, m []float32
}

func splitReserve(s backend.LSTMShape, r []float32) reserve {
	l := s.Reserve()
	res := reserve{gates: r[l.Gates:l.C], c: r[l.C:l.H], h: r[l.H:l.M]}
	if s.Proj > 0 {
		res.m = r[l.M:l.Len]
	}
	return res
}

// ReserveLen returns the length of a layer's reserve (backend.ReserveLayout).
func (*Backend) ReserveLen(s backend.LSTMShape) int { return s.Reserve().Len }

// temps are the temporary slices of one operation, borrowed from the
// kernel package's pools and returned together when it ends.
type temps []*[]float32

// zeros borrows n zeros.
func (t *temps) zeros(n int) []float32 {
	p := kernel.Borrow(n)
	*t = append(*t, p)
	return *p
}

// uncleared borrows n values that hold anything, for the caller to
// write before it reads them.
func (t *temps) uncleared(n int) []float32 {
	p := kernel.BorrowUncleared(n)
	*t = append(*t, p)
	return *p
}

// release returns every borrowed slice.
func (t *temps) release() { kernel.Return(*t...) }

// forwardOperands checks LSTMForward's operands and returns the reserve
// (a temporary one, from tmp, when a.Reserve is nil) and x.
func (be *Backend) forwardOperands(a *backend.LSTMForwardArgs, tmp *temps) (res reserve, x []float32) {
	s := a.Shape
	var r []float32
	if a.Reserve != nil {
		r = data(a.Reserve)
		mustLen("LSTMForward reserve", len(r), be.ReserveLen(s))
	} else {
		// Uncleared: the step loop writes every value of it before it
		// reads it (the input projection sets the gates, the cell or
		// finishStep each step's c, h and m).
		r = tmp.uncleared(be.ReserveLen(s))
	}
	x = data(a.X)
	mustLen("LSTMForward x", len(x), s.T*s.B*s.Input)
	return splitReserve(s, r), x
}

// backwardReserve checks LSTMBackward's reserve and returns it.
func (be *Backend) backwardReserve(a *backend.LSTMBackwardArgs) reserve {
	r := data(a.Reserve)
	mustLen("LSTMBackward reserve", len(r), be.ReserveLen(a.Shape))
	return splitReserve(a.Shape, r)
}

// finishStep ends step t for the n sequences from lo, whose gates, c, h
// and m (the step's rows of the reserve) and previous h and c it is given:
// it writes their output, and at their padding steps carries the state
// through (h and c copied from the previous step) and outputs zero.
func finishStep(a *backend.LSTMForwardArgs, t, lo, n int, gt, ct, ht, mt, hPrev, cPrev []float32) {
	s, y := a.Shape, data(a.Y)
	B, H, O, G := s.B, s.Hidden, s.HiddenOut(), 4*s.Hidden
	for b := range n {
		yrow := y[(t*B+lo+b)*a.LdY : (t*B+lo+b)*a.LdY+O]
		if active(a.Lengths, t, lo+b) {
			copy(yrow, ht[b*O:(b+1)*O])
			continue
		}
		clear(gt[b*G : (b+1)*G])
		copy(ct[b*H:(b+1)*H], cPrev[b*H:(b+1)*H])
		copy(ht[b*O:(b+1)*O], hPrev[b*O:(b+1)*O])
		if s.Proj > 0 {
			clear(mt[b*H : (b+1)*H])
		}
		clear(yrow)
	}
}

// cellBias returns the 4H values the cell kernel adds to the gates as it
// activates them: b_ih + b_hh, or zeros for a layer without biases.
func cellBias(a *backend.LSTMForwardArgs, tmp *temps) []float32 {
	bias := tmp.zeros(4 * a.Shape.Hidden)
	if a.Shape.Bias {
		for j, v := range data(a.W.Bih) {
			bias[j] = v + data(a.W.Bhh)[j]
		}
	}
	return bias
}

// timeAt returns the time index of the k-th step a layer processes.
func timeAt(s backend.LSTMShape, k int) int {
	if s.Reverse {
		return s.T - 1 - k
	}
	return k
}

// active reports whether step t of sequence b is real data, not padding.
func active(lengths []int, t, b int) bool {
	return lengths == nil || t < lengths[b]
}

func sigmoid(x float32) float32 { return 1 / (1 + float32(math.Exp(float64(-x)))) }

func tanh(x float32) float32 { return float32(math.Tanh(float64(x))) }

// initialState returns the state buffer's values, or n zeros from tmp
// for nil.
func initialState(b backend.Buffer, n int, tmp *temps) []float32 {
	if b == nil {
		return tmp.zeros(n)
	}
	d := data(b)
	mustLen("initial state", len(d), n)
	return d
}

// weightGrads finishes the steps from time ta to tb (either way round:
// a span of the backward time loop) once the loop has turned their gates
// in the reserve into dA, the gradients of the gate pre-activations (zero
// at padding steps): it adds their share of the gradients of W_hh, W_ih
// and the biases, and their rows of the input's gradient, each as one
// product over the span's rows. wih is W_ih packed, for the input's
// gradient, or nil when a.DX is.
func (be *Backend) weightGrads(a *backend.LSTMBackwardArgs, dA, h, h0 []float32, ta, tb int, wih *kernel.PackedB) {
	s := a.Shape
	T, B, O, G := s.T, s.B, s.HiddenOut(), 4*s.Hidden
	t0, t1 := min(ta, tb), max(ta, tb)+1 // the span's rows of time
	rows := func(v []float32, width, from, to int) []float32 { return v[from*B*width : to*B*width] }
	// W_hh's gradient pairs each step's dA with the h the step started
	// from: h0 for the first step processed, else the h of the step
	// processed before it, one row block earlier (forward) or later
	// (reverse) in the time-major h.
	dwhh := data(a.DW.Whh)
	first, prev := 0, -1 // the time of the first step processed, and where a step's h_prev lies
	if s.Reverse {
		first, prev = T-1, 1
	}
	u0, u1 := t0, t1 // the steps whose h_prev is in h
	if first == t0 {
		u0++
	}
	if first == t1-1 {
		u1--
	}
	if u0 != t0 || u1 != t1 {
		be.gemm(true, false, G, O, B, rows(dA, G, first, first+1), G, h0, O, 1, dwhh, O)
	}
	if u1 > u0 {
		be.gemm(true, false, G, O, (u1-u0)*B, rows(dA, G, u0, u1), G, h[(u0+prev)*B*O:], O, 1, dwhh, O)
	}
	dAs, n := rows(dA, G, t0, t1), (t1-t0)*B
	be.gemm(true, false, G, s.Input, n, dAs, G, rows(data(a.X), s.Input, t0, t1), s.Input, 1, data(a.DW.Wih), s.Input)
	if a.DX != nil {
		be.gemmPacked(false, n, dAs, G, wih, 1, rows(data(a.DX), s.Input, t0, t1), s.Input)
	}
	if s.Bias {
		// Both biases get the same gradient, the sum of dA over all rows.
		var tmp temps
		defer tmp.release()
		db := tmp.zeros(G)
		kernel.SumRows(db, dAs, n, G)
		for j, v := range db {
			data(a.DW.Bih)[j] += v
			data(a.DW.Bhh)[j] += v
		}
	}
}
