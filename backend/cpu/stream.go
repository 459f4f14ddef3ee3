package cpu

import (
	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel"
)

// streams reports whether LSTMForward runs a as a stream of steps
// (forwardStream): a batch too wide for the dot kernels, without a
// projection.
func streams(a *backend.LSTMForwardArgs) bool {
	s := a.Shape
	return s.Proj == 0 && !kernel.Unpacked(s.B, s.Hidden)
}

// forwardStream is LSTMForward as a stream of steps. Instead of the input
// projection of every step into the reserve's T·B·4H gates (5.7 MB a
// layer for the seed model at batch 100, more than the L2 cache) and a
// recurrent product added to each step's share of it once it has left
// the cache, each step is one product of its rows [x_t | h_{t−1}] by the
// packed [W_ih | W_hh]ᵀ, whose result the cell then reads while it is in
// the cache. With a reserve, the step's gates, c and h go to its rows of
// the reserve (finishStep handles padding, as in the time loop of
// LSTMForward); for inference, without one, they go to buffers of one
// step, c and h updated in place, and at padding steps left as they are,
// which carries the state through.
func (be *Backend) forwardStream(a *backend.LSTMForwardArgs) {
	s := a.Shape
	T, B, F, H, G := s.T, s.B, s.Input, s.Hidden, 4*s.Hidden
	K := F + H // the width of a row [x_t | h]
	var tmp temps
	defer tmp.release()
	var res reserve
	if a.Reserve != nil {
		res, _ = be.forwardOperands(a, &tmp)
	}
	x, wih, whh := data(a.X), data(a.W.Wih), data(a.W.Whh)
	mustLen("LSTMForward x", len(x), T*B*F)
	both := tmp.uncleared(G * K) // [W_ih | W_hh], G×K
	parallelFor(G, max(1, copyGrain/K), func(lo, hi int) {
		for j := lo; j < hi; j++ {
			copy(both[j*K:j*K+F], wih[j*F:(j+1)*F])
			copy(both[j*K+F:(j+1)*K], whh[j*H:(j+1)*H])
		}
	})
	w := packed(true, K, G, both, K)
	defer w.Release()
	bias := cellBias(a, &tmp)
	h0, c0 := initialState(a.H0, B*H, &tmp), initialState(a.C0, B*H, &tmp)

	parallelFor(B, batchGrain, func(lo, hi int) {
		n := hi - lo
		var own temps // this thread's
		defer own.release()
		xh := own.uncleared(n * K)
		for b := range n {
			copy(xh[b*K+F:(b+1)*K], h0[(lo+b)*H:(lo+b+1)*H])
		}
		var gates, c []float32 // inference's buffers
		if res.gates == nil {
			gates, c = own.uncleared(n*G), own.uncleared(n*H)
			copy(c, c0[lo*H:hi*H])
		}
		hPrev, cPrev := h0[lo*H:hi*H], c0[lo*H:hi*H]
		for k := range T {
			t := timeAt(s, k)
			for b := range n {
				copy(xh[b*K:b*K+F], x[(t*B+lo+b)*F:(t*B+lo+b+1)*F])
			}
			if res.gates == nil {
				kernel.GemmPacked(false, n, xh, K, w, 0, gates, G)
				inferStep(a, t, lo, n, xh, gates, bias, c)
				continue
			}
			gt := res.gates[(t*B+lo)*G : (t*B+hi)*G]
			ct := res.c[(t*B+lo)*H : (t*B+hi)*H]
			ht := res.h[(t*B+lo)*H : (t*B+hi)*H]
			kernel.GemmPacked(false, n, xh, K, w, 0, gt, G)
			for b := range n {
				if active(a.Lengths, t, lo+b) {
					kernel.CellForward(gt[b*G:(b+1)*G], bias, cPrev[b*H:(b+1)*H], ct[b*H:(b+1)*H], ht[b*H:(b+1)*H])
				}
			}
			finishStep(a, t, lo, n, units{0, s.Hidden}, gt, ct, ht, ht, hPrev, cPrev)
			for b := range n {
				copy(xh[b*K+F:(b+1)*K], ht[b*H:(b+1)*H])
			}
			hPrev, cPrev = ht, ct
		}
		if c != nil {
			cPrev = c
		}
		for b := range n {
			copy(data(a.HN)[(lo+b)*H:(lo+b+1)*H], xh[b*K+F:(b+1)*K])
		}
		copy(data(a.CN)[lo*H:hi*H], cPrev)
	})
}

// inferStep ends step t of inference for the n sequences from lo, whose
// rows [x_t | h] are xh and whose gate pre-activations are gates: the cell
// updates c and the h part of xh in place, and the output is h, or zero
// at a padding step, where c and h stay as they are.
func inferStep(a *backend.LSTMForwardArgs, t, lo, n int, xh, gates, bias, c []float32) {
	s, y := a.Shape, data(a.Y)
	B, F, H, G := s.B, s.Input, s.Hidden, 4*s.Hidden
	K := F + H
	for b := range n {
		yrow := y[(t*B+lo+b)*a.LdY : (t*B+lo+b)*a.LdY+H]
		if !active(a.Lengths, t, lo+b) {
			clear(yrow)
			continue
		}
		cb, hb := c[b*H:(b+1)*H], xh[b*K+F:(b+1)*K]
		kernel.CellForward(gates[b*G:(b+1)*G], bias, cb, cb, hb)
		copy(yrow, hb)
	}
}
