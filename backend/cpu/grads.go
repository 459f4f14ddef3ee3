package cpu

import (
	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel"
)

// weightGrads gathers the weight gradients of one LSTMBackward, span by
// span of its time loop. W_hh's and W_ih's are both dAᵀ times a row per
// sequence and step, h_prev and x, so they are one product of dAᵀ by the
// rows [h_prev | x] into [dW_hh | dW_ih], which reads dA, 512 columns
// wide for the seed model, once for both instead of once each.
type weightGrads struct {
	be    *Backend
	a     *backend.LSTMBackwardArgs
	h, h0 []float32
	wih   *kernel.PackedB // W_ih packed, for the input's gradient; nil when a.DX is
	wide  int             // O + Input, the width of [h_prev | x]
	dw    []float32       // [dW_hh | dW_ih], G×wide, added to a.DW by finish
	hx    []float32       // a span's rows [h_prev | x]
}

// newWeightGrads prepares the gradients of a's weights for spans of up to
// span steps, with the reserve's h and the initial h0.
func (be *Backend) newWeightGrads(a *backend.LSTMBackwardArgs, h, h0 []float32, wih *kernel.PackedB, span int, tmp *temps) *weightGrads {
	s := a.Shape
	wide := s.HiddenOut() + s.Input
	return &weightGrads{be: be, a: a, h: h, h0: h0, wih: wih, wide: wide,
		dw: tmp.zeros(4 * s.Hidden * wide), hx: tmp.uncleared(span * s.B * wide)}
}

// add finishes the steps from time ta to tb (either way round: a span of
// the backward time loop) once the loop has turned their gates in the
// reserve into dA, the gradients of the gate pre-activations (zero at
// padding steps): it adds their share of the weights' and the biases'
// gradients, and their rows of the input's gradient, each as one product
// over the span's rows, while dA is in the cache.
func (w *weightGrads) add(dA []float32, ta, tb int) {
	a, s := w.a, w.a.Shape
	T, B, O, F, G := s.T, s.B, s.HiddenOut(), s.Input, 4*s.Hidden
	t0, t1 := min(ta, tb), max(ta, tb)+1 // the span's rows of time
	x := data(a.X)
	// A step's h_prev is h0 for the first step processed, else the h of
	// the step processed before it, one row block earlier (forward) or
	// later (reverse) in the time-major h.
	first, prev := 0, -1
	if s.Reverse {
		first, prev = T-1, 1
	}
	n := (t1 - t0) * B
	hx := w.hx[:n*w.wide]
	parallelFor(n, max(1, copyGrain/w.wide), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			t, b := t0+r/B, r%B
			hp := w.h0
			if t != first {
				hp = w.h[(t+prev)*B*O : (t+prev+1)*B*O]
			}
			row := hx[r*w.wide:][:w.wide]
			copy(row[:O], hp[b*O:(b+1)*O])
			copy(row[O:], x[(t*B+b)*F:(t*B+b+1)*F])
		}
	})
	dAs := dA[t0*B*G : t1*B*G]
	w.be.gemm(true, false, G, w.wide, n, dAs, G, hx, w.wide, 1, w.dw, w.wide)
	if a.DX != nil {
		w.be.gemmPacked(false, n, dAs, G, w.wih, 1, data(a.DX)[t0*B*F:t1*B*F], F)
	}
	if s.Bias {
		// Both biases get the same gradient, the sum of dA over all rows.
		var tmp temps
		defer tmp.release()
		db := tmp.zeros(G)
		parallelFor(G, sumGrain, func(lo, hi int) { kernel.SumRows(db[lo:hi], dAs[lo:], n, G) })
		for j, v := range db {
			data(a.DW.Bih)[j] += v
			data(a.DW.Bhh)[j] += v
		}
	}
}

// sumGrain is the fewest columns of a span's dA (500 values each at
// batch 100) worth a thread in the bias's sums.
const sumGrain = 64

// finish adds [dW_hh | dW_ih] to a's gradients.
func (w *weightGrads) finish() {
	s := w.a.Shape
	O := s.HiddenOut()
	dwhh, dwih := data(w.a.DW.Whh), data(w.a.DW.Wih)
	parallelFor(4*s.Hidden, max(1, copyGrain/w.wide), func(lo, hi int) {
		for j := lo; j < hi; j++ {
			row := w.dw[j*w.wide:][:w.wide]
			addTo(dwhh[j*O:][:O], row[:O])
			addTo(dwih[j*s.Input:][:s.Input], row[O:])
		}
	})
}

// addTo adds v to y, of the same length.
func addTo(y, v []float32) {
	y = y[:len(v)]
	for i, x := range v {
		y[i] += x
	}
}
