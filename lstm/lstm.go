// Package lstm is an LSTM that computes what PyTorch's nn.LSTM computes,
// forward and backward, over any backend (see package backend): every
// nn.LSTM argument, packed (variable-length) batches, PyTorch's parameter
// names and initialisation; plus Linear, cross-entropy, Adam, and the seed
// model, a Classifier that reads a 28×28 digit as 28 rows.
//
// Around them: a training loop (Trainer) with checkpoints that resume bit
// for bit, evaluation, step-by-step traces of the states (Trace), and model
// files in safetensors with PyTorch's names (Save, Load, Decode).
//
// The forward pass of the recurrence itself, one layer and one direction
// over all time steps, is backend.Backend.LSTMForward; its plain reference
// is in backend/reference/lstm.go.
package lstm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lstm-digits/lstm-digits/backend"
)

// LSTM is a multi-layer, optionally bidirectional LSTM, PyTorch's nn.LSTM.
type LSTM struct {
	cfg     Config
	be      backend.Backend
	params  *Params
	w       [][]direction // [layer][direction] parameter positions
	train   bool
	dropRNG *rand.Rand // draws a dropout seed per layer per forward pass
}

// direction holds the positions in Params of one direction's tensors, -1
// for the absent ones.
type direction struct{ wih, whh, bih, bhh, whr int }

// New returns an LSTM with the given configuration on be, its parameters
// drawn as PyTorch draws them from a generator seeded with seed.
func New(be backend.Backend, cfg Config, seed uint64) (*LSTM, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var l layout
	m := newLSTM(be, cfg, &l, "")
	m.params = l.alloc(be)
	m.params.Init(rand.New(rand.NewPCG(seed, 0)))
	return m, nil
}

// newLSTM registers the parameters of an LSTM, each name prefixed, in
// state_dict order. The caller allocates them and sets m.params.
func newLSTM(be backend.Backend, cfg Config, l *layout, prefix string) *LSTM {
	m := &LSTM{cfg: cfg, be: be, dropRNG: rand.New(rand.NewPCG(0, 1))}
	bound := 1 / math.Sqrt(float64(cfg.HiddenSize))
	G, H, O := 4*cfg.HiddenSize, cfg.HiddenSize, cfg.HiddenOut()
	for k := range cfg.NumLayers {
		var dirs []direction
		for d := range cfg.Directions() {
			suffix := fmt.Sprintf("_l%d", k)
			if d == 1 {
				suffix += "_reverse"
			}
			p := direction{bih: -1, bhh: -1, whr: -1}
			p.wih = l.add(prefix+"weight_ih"+suffix, bound, G, cfg.layerInput(k))
			p.whh = l.add(prefix+"weight_hh"+suffix, bound, G, O)
			if cfg.Bias {
				p.bih = l.add(prefix+"bias_ih"+suffix, bound, G)
				p.bhh = l.add(prefix+"bias_hh"+suffix, bound, G)
			}
			if cfg.ProjSize > 0 {
				p.whr = l.add(prefix+"weight_hr"+suffix, bound, cfg.ProjSize, H)
			}
			dirs = append(dirs, p)
		}
		m.w = append(m.w, dirs)
	}
	return m
}

// Config returns the LSTM's configuration.
func (m *LSTM) Config() Config { return m.cfg }

// Params returns the LSTM's parameters and their gradients.
func (m *LSTM) Params() *Params { return m.params }

// Train sets training mode (dropout between layers) on or off, like
// PyTorch's module.train(on). A new LSTM is in evaluation mode.
func (m *LSTM) Train(on bool) { m.train = on }

// mode sets training mode to on for the time of one call and returns what
// puts the mode back: defer m.mode(true)().
func (m *LSTM) mode(on bool) (restore func()) {
	was := m.train
	m.train = on
	return func() { m.train = was }
}

// SetDropoutSeed seeds the generator of dropout masks, for reproducible
// training.
func (m *LSTM) SetDropoutSeed(seed uint64) { m.dropRNG = rand.New(rand.NewPCG(seed, 1)) }

// weights returns the views of one direction's parameters, or of their
// gradients when grad is set.
func (m *LSTM) weights(k, d int, grad bool) backend.LSTMWeights {
	view := m.params.value
	if grad {
		view = m.params.grad
	}
	get := func(i int) backend.Buffer {
		if i < 0 {
			return nil
		}
		return view(i)
	}
	p := m.w[k][d]
	return backend.LSTMWeights{Wih: get(p.wih), Whh: get(p.whh), Bih: get(p.bih), Bhh: get(p.bhh), Whr: get(p.whr)}
}

func (m *LSTM) shape(k, d, T, B int) backend.LSTMShape {
	return backend.LSTMShape{
		T: T, B: B, Input: m.cfg.layerInput(k), Hidden: m.cfg.HiddenSize,
		Proj: m.cfg.ProjSize, Bias: m.cfg.Bias, Reverse: d == 1,
	}
}

// pass is what a forward pass keeps for its backward pass. All sequences
// are time-major, [T·B, ·].
type pass struct {
	T, B    int
	lengths []int
	h0, c0  backend.Buffer     // [L·D, B, Out], [L·D, B, H], or nil
	inputs  []backend.Buffer   // the input of each layer
	reserve [][]backend.Buffer // [layer][direction]
	seeds   []uint64           // dropout seed of each layer's output; used when dropped[k]
	dropped []bool
	out     backend.Buffer // the last layer's output [T·B, D·Out]
	hn, cn  backend.Buffer
}

// stateView returns the [B, width] block of a [L·D, B, width] state buffer
// for layer k, direction d; nil for a nil buffer.
func (m *LSTM) stateView(b backend.Buffer, k, d, B, width int) backend.Buffer {
	if b == nil {
		return nil
	}
	i := k*m.cfg.Directions() + d
	return b.Slice(i*B*width, B*width)
}

// forward runs every layer over x, a time-major [T·B, input_size] buffer,
// taking its buffers from ws. withGrad keeps what backward needs.
func (m *LSTM) forward(ws *workspace, x backend.Buffer, T, B int, lengths []int, h0, c0 backend.Buffer, withGrad bool) *pass {
	cfg, be := m.cfg, m.be
	L, D, H, O := cfg.NumLayers, cfg.Directions(), cfg.HiddenSize, cfg.HiddenOut()
	p := &pass{
		T: T, B: B, lengths: lengths, h0: h0, c0: c0,
		reserve: make([][]backend.Buffer, L), seeds: make([]uint64, L), dropped: make([]bool, L),
		hn: ws.get(L*D*B*O, false), cn: ws.get(L*D*B*H, false),
	}
	in := x
	for k := range L {
		p.inputs = append(p.inputs, in)
		out := ws.get(T*B*D*O, false)
		for d := range D {
			s := m.shape(k, d, T, B)
			var res backend.Buffer
			if withGrad {
				res = ws.get(be.ReserveLen(s), false)
			}
			p.reserve[k] = append(p.reserve[k], res)
			be.LSTMForward(&backend.LSTMForwardArgs{
				Shape: s, W: m.weights(k, d, false), X: in, Lengths: lengths,
				H0: m.stateView(h0, k, d, B, O), C0: m.stateView(c0, k, d, B, H),
				Y: out.Slice(d*O, T*B*D*O-d*O), LdY: D * O,
				HN: m.stateView(p.hn, k, d, B, O), CN: m.stateView(p.cn, k, d, B, H),
				Reserve: res,
			})
		}
		in = out
		if k < L-1 && m.train && cfg.Dropout > 0 {
			p.seeds[k], p.dropped[k] = m.dropRNG.Uint64(), true
			in = ws.get(out.Len(), false)
			be.Dropout(in, out, float32(cfg.Dropout), p.seeds[k])
		}
	}
	p.out = in
	return p
}

// backward runs the backward pass of p given the gradients with respect
// to its output (time-major, [T·B, D·Out]) and final state (nil for zeros).
// It accumulates the parameter gradients and returns the gradients with
// respect to the initial state and, when wantDX is set, the input.
func (m *LSTM) backward(ws *workspace, p *pass, dOut, dhn, dcn backend.Buffer, wantDX bool) (dx, dh0, dc0 backend.Buffer) {
	cfg, be := m.cfg, m.be
	L, D, H, O, T, B := cfg.NumLayers, cfg.Directions(), cfg.HiddenSize, cfg.HiddenOut(), p.T, p.B
	dh0, dc0 = ws.get(L*D*B*O, false), ws.get(L*D*B*H, false)
	dy := dOut
	for k := L - 1; k >= 0; k-- {
		if p.dropped[k] {
			// dy is the gradient of the next layer's input, the dropped-out
			// output of this one: the same mask routes it back.
			be.Dropout(dy, dy, float32(cfg.Dropout), p.seeds[k])
		}
		var dIn backend.Buffer
		if k > 0 || wantDX {
			dIn = ws.get(T*B*cfg.layerInput(k), true)
		}
		for d := range D {
			be.LSTMBackward(&backend.LSTMBackwardArgs{
				Shape: m.shape(k, d, T, B), W: m.weights(k, d, false), X: p.inputs[k], Lengths: p.lengths,
				H0: m.stateView(p.h0, k, d, B, O), C0: m.stateView(p.c0, k, d, B, H),
				Reserve: p.reserve[k][d],
				DY:      dy.Slice(d*O, T*B*D*O-d*O), LdY: D * O,
				DHN: m.stateView(dhn, k, d, B, O), DCN: m.stateView(dcn, k, d, B, H),
				DX:  dIn,
				DH0: m.stateView(dh0, k, d, B, O), DC0: m.stateView(dc0, k, d, B, H),
				DW: m.weights(k, d, true),
			})
		}
		dy = dIn
	}
	return dy, dh0, dc0
}
