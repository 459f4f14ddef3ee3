package cpu

import (
	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel"
)

// streams reports whether LSTMForward runs a as a stream of steps
// (forwardStream): for inference (no Reserve to fill) of a batch too
// wide for the dot kernels, without a projection.
func streams(a *backend.LSTMForwardArgs) bool {
	s := a.Shape
	return a.Reserve == nil && s.Proj == 0 && !kernel.Unpacked(s.B, s.Hidden)
}

// forwardStream is LSTMForward for inference. Nothing is kept for a
// backward pass, so instead of the input projection of every step into a
// T·B·4H reserve (5.7 MB a layer for the seed model at batch 100, more
// than the L2 cache), each step is one product of its rows [x_t | h_{t−1}]
// by the packed [W_ih | W_hh]ᵀ into gates of one step, which stay in the
// cache; c and h are updated in place, and at padding steps left as they
// are, which carries the state through.
func (be *Backend) forwardStream(a *backend.LSTMForwardArgs) {
	s := a.Shape
	T, B, F, H, G := s.T, s.B, s.Input, s.Hidden, 4*s.Hidden
	K := F + H // the width of a row [x_t | h]
	var tmp temps
	defer tmp.release()
	x, wih, whh := data(a.X), data(a.W.Wih), data(a.W.Whh)
	mustLen("LSTMForward x", len(x), T*B*F)
	both := tmp.uncleared(G * K) // [W_ih | W_hh], G×K
	for j := range G {
		copy(both[j*K:j*K+F], wih[j*F:(j+1)*F])
		copy(both[j*K+F:(j+1)*K], whh[j*H:(j+1)*H])
	}
	w := packed(true, K, G, both, K)
	defer w.Release()
	bias := cellBias(a, &tmp)
	h0, c0 := initialState(a.H0, B*H, &tmp), initialState(a.C0, B*H, &tmp)
	y := data(a.Y)

	parallelFor(B, batchGrain, func(lo, hi int) {
		n := hi - lo
		var own temps // this thread's
		defer own.release()
		xh, gates, c := own.uncleared(n*K), own.uncleared(n*G), own.uncleared(n*H)
		copy(c, c0[lo*H:hi*H])
		for b := range n {
			copy(xh[b*K+F:(b+1)*K], h0[(lo+b)*H:(lo+b+1)*H])
		}
		for k := range T {
			t := timeAt(s, k)
			for b := range n {
				copy(xh[b*K:b*K+F], x[(t*B+lo+b)*F:(t*B+lo+b+1)*F])
			}
			kernel.GemmPacked(false, n, xh, K, w, 0, gates, G)
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
		for b := range n {
			copy(data(a.HN)[(lo+b)*H:(lo+b+1)*H], xh[b*K+F:(b+1)*K])
		}
		copy(data(a.CN)[lo*H:hi*H], c)
	})
}
