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
// and m (the step's rows of the reserve) and previous h and c it is given,
// in the units u: it writes their output, and at their padding steps
// carries the state through (h and c copied from the previous step) and
// outputs zero. (With a projection u is every unit.)
func finishStep(a *backend.LSTMForwardArgs, t, lo, n int, u units, gt, ct, ht, mt, hPrev, cPrev []float32) {
	s, y := a.Shape, data(a.Y)
	B, H, O, G := s.B, s.Hidden, s.HiddenOut(), 4*s.Hidden
	out := u.outputs(s)
	for b := range n {
		yrow := y[(t*B+lo+b)*a.LdY : (t*B+lo+b)*a.LdY+O]
		hb, cb := b*O, b*H
		if active(a.Lengths, t, lo+b) {
			copy(yrow[out.lo:out.hi], ht[hb+out.lo:hb+out.hi])
			continue
		}
		for q := range 4 {
			clear(gt[b*G+q*H+u.lo : b*G+q*H+u.hi])
		}
		copy(ct[cb+u.lo:cb+u.hi], cPrev[cb+u.lo:cb+u.hi])
		copy(ht[hb+out.lo:hb+out.hi], hPrev[hb+out.lo:hb+out.hi])
		if s.Proj > 0 {
			clear(mt[cb : cb+H])
		}
		clear(yrow[out.lo:out.hi])
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
