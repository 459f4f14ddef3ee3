package reference

import (
	"math"

	"github.com/lstm-digits/lstm-digits/backend"
)

// The LSTM, one direction of one layer, step by step as PyTorch's nn.LSTM
// documents it. For each step t the layer processes (t = T-1 down to 0 for
// a Reverse layer) and each sequence b whose step t is real data:
//
//	z = W_ih·x + b_ih + W_hh·h + b_hh           (4·Hidden values, gates i f g o)
//	i, f, g, o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)
//	c' = f·c + i·g
//	m = o·tanh(c')
//	h' = m, or W_hr·m with a projection
//
// At a padding step (t at or past the sequence's length) the output is 0
// and h and c are carried unchanged. The reserve keeps, as
// backend.ReserveLayout lays it out, the activated gates, c', h' and m of
// every step (zero gates and m, and the carried c and h, at padding).

// ReserveLen returns the length of a layer's reserve (backend.ReserveLayout).
func (*Backend) ReserveLen(s backend.LSTMShape) int { return s.Reserve().Len }

// layer is one layer-direction's operands as slices, and its reserve cut
// into rows: row(part, t, b) is step t of sequence b.
type layer struct {
	s                       backend.LSTMShape
	wih, whh, bih, bhh, whr []float32
	x                       []float32
	lengths                 []int
	gates, c, h, m          []float32 // the reserve's parts
}

func newLayer(s backend.LSTMShape, w backend.LSTMWeights, x backend.Buffer, lengths []int, reserve []float32) *layer {
	need("LSTM reserve", len(reserve), s.Reserve().Len)
	need("LSTM x", len(vals(x)), s.T*s.B*s.Input)
	l := s.Reserve()
	return &layer{
		s: s, wih: vals(w.Wih), whh: vals(w.Whh), bih: vals(w.Bih), bhh: vals(w.Bhh), whr: vals(w.Whr),
		x: vals(x), lengths: lengths,
		gates: reserve[l.Gates:l.C], c: reserve[l.C:l.H], h: reserve[l.H:l.M], m: reserve[l.M:l.Len],
	}
}

// row returns the width-wide row of step t, sequence b of a time-major
// [T·B, width] matrix.
func (l *layer) row(part []float32, width, t, b int) []float32 {
	r := t*l.s.B + b
	return part[r*width : (r+1)*width]
}

// real reports whether step t of sequence b is data, not padding.
func (l *layer) real(t, b int) bool { return l.lengths == nil || t < l.lengths[b] }

// order returns the time steps in the order the layer processes them.
func (l *layer) order() []int {
	ts := make([]int, l.s.T)
	for k := range ts {
		ts[k] = k
		if l.s.Reverse {
			ts[k] = l.s.T - 1 - k
		}
	}
	return ts
}

// state returns a copy of an initial state buffer's row b, or zeros.
func state(buf backend.Buffer, b, width int) []float32 {
	if buf == nil {
		return make([]float32, width)
	}
	return append([]float32(nil), vals(buf)[b*width:(b+1)*width]...)
}

// dot is Σ a[i]·b[i] in float64.
func dot(a, b []float32) float64 {
	sum := 0.0
	for i := range a {
		sum += float64(a[i]) * float64(b[i])
	}
	return sum
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// LSTMForward runs the layer over every step.
func (be *Backend) LSTMForward(a *backend.LSTMForwardArgs) {
	s := a.Shape
	H, O, In := s.Hidden, s.HiddenOut(), s.Input
	reserve := vals(a.Reserve)
	if reserve == nil {
		reserve = make([]float32, s.Reserve().Len)
	}
	l := newLayer(s, a.W, a.X, a.Lengths, reserve)
	y := vals(a.Y)
	for b := range s.B {
		h, c := state(a.H0, b, O), state(a.C0, b, H)
		for _, t := range l.order() {
			gates, ct, ht := l.row(l.gates, 4*H, t, b), l.row(l.c, H, t, b), l.row(l.h, O, t, b)
			yt := y[(t*s.B+b)*a.LdY : (t*s.B+b)*a.LdY+O]
			var mt []float32
			if s.Proj > 0 {
				mt = l.row(l.m, H, t, b)
			}
			if !l.real(t, b) {
				copy(ct, c)
				copy(ht, h)
				for k := range gates {
					gates[k] = 0
				}
				for k := range mt {
					mt[k] = 0
				}
				for k := range yt {
					yt[k] = 0
				}
				continue
			}
			x := l.row(l.x, In, t, b)
			m := make([]float32, H)
			for j := range H {
				var z [4]float64 // i, f, g, o
				for q := range 4 {
					r := q*H + j
					z[q] = dot(l.wih[r*In:(r+1)*In], x) + dot(l.whh[r*O:(r+1)*O], h)
					if s.Bias {
						z[q] += float64(l.bih[r]) + float64(l.bhh[r])
					}
				}
				i, f, g, o := sigmoid(z[0]), sigmoid(z[1]), math.Tanh(z[2]), sigmoid(z[3])
				gates[j], gates[H+j], gates[2*H+j], gates[3*H+j] = float32(i), float32(f), float32(g), float32(o)
				cj := f*float64(c[j]) + i*g
				ct[j] = float32(cj)
				m[j] = float32(o * math.Tanh(cj))
			}
			if s.Proj > 0 {
				copy(mt, m)
				for k := range O {
					ht[k] = float32(dot(l.whr[k*H:(k+1)*H], m))
				}
			} else {
				copy(ht, m)
			}
			copy(yt, ht)
			h, c = ht, ct
		}
		copy(vals(a.HN)[b*O:(b+1)*O], h)
		copy(vals(a.CN)[b*H:(b+1)*H], c)
	}
}

// LSTMBackward runs the backward pass through time, the steps in the
// reverse of the forward order. With dh and dc the gradients of the loss
// with respect to a step's h' and c' (from the output and from the later
// steps):
//
//	dm = dh, or W_hrᵀ·dh with a projection (and dW_hr += dh·mᵀ)
//	dc = dc + dm·o·(1 − tanh²c')
//	dz_i = dc·g·i(1−i),  dz_f = dc·c·f(1−f),  dz_g = dc·i·(1−g²),  dz_o = dm·tanh(c')·o(1−o)
//	dW_ih += dz·xᵀ,  dW_hh += dz·hᵀ,  db_ih = db_hh += dz,  dx += W_ihᵀ·dz
//	the previous step's dh = W_hhᵀ·dz, its dc = dc·f
//
// At a padding step nothing flows to the weights or the input, and dh and
// dc pass through unchanged.
func (be *Backend) LSTMBackward(a *backend.LSTMBackwardArgs) {
	s := a.Shape
	H, O, In := s.Hidden, s.HiddenOut(), s.Input
	l := newLayer(s, a.W, a.X, a.Lengths, vals(a.Reserve))
	dy, dx := vals(a.DY), vals(a.DX)
	// The weight gradients are summed over every step and sequence in
	// float64, then added to DW once.
	dwih, dwhh, db := make([]float64, 4*H*In), make([]float64, 4*H*O), make([]float64, 4*H)
	var dwhr []float64
	if s.Proj > 0 {
		dwhr = make([]float64, O*H)
	}
	order := l.order()
	for b := range s.B {
		dh, dc := state(a.DHN, b, O), state(a.DCN, b, H)
		h0, c0 := state(a.H0, b, O), state(a.C0, b, H)
		for k := len(order) - 1; k >= 0; k-- {
			t := order[k]
			if !l.real(t, b) {
				continue
			}
			hPrev, cPrev := h0, c0 // the state the step started from
			if k > 0 {
				hPrev, cPrev = l.row(l.h, O, order[k-1], b), l.row(l.c, H, order[k-1], b)
			}
			gates, ct := l.row(l.gates, 4*H, t, b), l.row(l.c, H, t, b)
			dyt := dy[(t*s.B+b)*a.LdY : (t*s.B+b)*a.LdY+O]
			dht := make([]float64, O)
			for j := range O {
				dht[j] = float64(dh[j]) + float64(dyt[j])
			}
			dm := dht
			if s.Proj > 0 {
				mt := l.row(l.m, H, t, b)
				dm = make([]float64, H)
				for q := range O {
					for j := range H {
						dwhr[q*H+j] += dht[q] * float64(mt[j])
						dm[j] += float64(l.whr[q*H+j]) * dht[q]
					}
				}
			}
			dz := make([]float64, 4*H)
			for j := range H {
				i, f, g, o := float64(gates[j]), float64(gates[H+j]), float64(gates[2*H+j]), float64(gates[3*H+j])
				tc := math.Tanh(float64(ct[j]))
				dcj := float64(dc[j]) + dm[j]*o*(1-tc*tc)
				dz[j] = dcj * g * i * (1 - i)
				dz[H+j] = dcj * float64(cPrev[j]) * f * (1 - f)
				dz[2*H+j] = dcj * i * (1 - g*g)
				dz[3*H+j] = dm[j] * tc * o * (1 - o)
				dc[j] = float32(dcj * f)
			}
			x := l.row(l.x, In, t, b)
			for r, d := range dz {
				for i := range In {
					dwih[r*In+i] += d * float64(x[i])
				}
				for j := range O {
					dwhh[r*O+j] += d * float64(hPrev[j])
				}
				db[r] += d
			}
			if dx != nil {
				dxt := l.row(dx, In, t, b)
				for i := range In {
					sum := 0.0
					for r, d := range dz {
						sum += float64(l.wih[r*In+i]) * d
					}
					dxt[i] += float32(sum)
				}
			}
			for j := range O {
				sum := 0.0
				for r, d := range dz {
					sum += float64(l.whh[r*O+j]) * d
				}
				dh[j] = float32(sum)
			}
		}
		if a.DH0 != nil {
			copy(vals(a.DH0)[b*O:(b+1)*O], dh)
		}
		if a.DC0 != nil {
			copy(vals(a.DC0)[b*H:(b+1)*H], dc)
		}
	}
	addTo(vals(a.DW.Wih), dwih)
	addTo(vals(a.DW.Whh), dwhh)
	if s.Bias {
		addTo(vals(a.DW.Bih), db)
		addTo(vals(a.DW.Bhh), db) // both biases enter z the same way
	}
	if s.Proj > 0 {
		addTo(vals(a.DW.Whr), dwhr)
	}
}

// addTo adds the float64 sums to dst.
func addTo(dst []float32, sum []float64) {
	need("LSTMBackward gradient", len(dst), len(sum))
	for i, v := range sum {
		dst[i] = float32(float64(dst[i]) + v)
	}
}
