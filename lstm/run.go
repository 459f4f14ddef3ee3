package lstm

import (
	"errors"
	"fmt"

	"github.com/lstm-digits/lstm-digits/backend"
)

// State is an LSTM's recurrent state: H [L·D, B, HiddenOut] and
// C [L·D, B, HiddenSize], or without the B axis for unbatched input.
type State struct {
	H, C Tensor
}

// Result is the outcome of LSTM.Forward, PyTorch's (output, (h_n, c_n)).
type Result struct {
	// Output is every step's output of the last layer, both directions side
	// by side: [B, T, D·HiddenOut] with BatchFirst, [T, B, D·HiddenOut]
	// without, [T, D·HiddenOut] for unbatched input. Padding steps are zero.
	Output Tensor
	// Final is (h_n, c_n): each layer's and direction's state after its
	// last step (for a variable-length batch, each sequence's own last step).
	Final State

	m       *LSTM
	p       *pass
	ws      *workspace
	batched bool
	xShape  []int
	used    bool // Backward ran: the backward pass consumes what the forward kept
}

// Gradients are the gradients that Result.Backward returns.
type Gradients struct {
	Input   Tensor // shaped like the input
	Initial State  // with respect to h0 and c0 (zero initial state when none was given)
}

// Forward runs the LSTM over x, PyTorch's lstm(x, (h0, c0)).
//
// x is [B, T, InputSize] with BatchFirst, else [T, B, InputSize]; or
// unbatched, [T, InputSize]. initial may be nil for a zero state. lengths,
// when not nil, gives each sequence's length in 1..T and makes the batch a
// packed sequence: PyTorch's pack_padded_sequence(x, lengths,
// enforce_sorted=False) followed by pad_packed_sequence(total_length=T).
//
// The result keeps what Backward needs.
func (m *LSTM) Forward(x Tensor, initial *State, lengths []int) (*Result, error) {
	cfg := m.cfg
	var T, B int
	batched := len(x.Shape) == 3
	switch {
	case batched && cfg.BatchFirst:
		B, T = x.Shape[0], x.Shape[1]
	case batched:
		T, B = x.Shape[0], x.Shape[1]
	case len(x.Shape) == 2:
		T, B = x.Shape[0], 1
	default:
		return nil, fmt.Errorf("lstm: input must be 2-D (unbatched) or 3-D, got shape %v", x.Shape)
	}
	if T < 1 || B < 1 {
		return nil, fmt.Errorf("lstm: input shape %v has no steps or no sequences", x.Shape)
	}
	if err := x.checkShape("input", append(x.Shape[:len(x.Shape)-1:len(x.Shape)-1], cfg.InputSize)...); err != nil {
		return nil, err
	}
	if lengths != nil {
		if !batched {
			return nil, errors.New("lstm: lengths need a batched input")
		}
		if len(lengths) != B {
			return nil, fmt.Errorf("lstm: %d lengths for a batch of %d", len(lengths), B)
		}
		for b, n := range lengths {
			if n < 1 || n > T {
				return nil, fmt.Errorf("lstm: length %d of sequence %d is outside [1, %d]", n, b, T)
			}
		}
	}
	stateShape := func(width int) []int {
		if batched {
			return []int{cfg.NumLayers * cfg.Directions(), B, width}
		}
		return []int{cfg.NumLayers * cfg.Directions(), width}
	}
	var h0, c0 backend.Buffer
	if initial != nil {
		if err := initial.H.checkShape("h0", stateShape(cfg.HiddenOut())...); err != nil {
			return nil, err
		}
		if err := initial.C.checkShape("c0", stateShape(cfg.HiddenSize)...); err != nil {
			return nil, err
		}
		h0, c0 = m.upload(nil, initial.H.Data), m.upload(nil, initial.C.Data)
	}

	// A workspace of its own: the result's buffers live as long as it.
	ws := &workspace{be: m.be}
	xt := m.upload(ws, x.Data)
	if batched && cfg.BatchFirst {
		xt = m.swap(ws, xt, B, T, cfg.InputSize)
	}
	p := m.forward(ws, xt, T, B, lengths, h0, c0, true)

	out := p.out
	outShape := []int{T, B, cfg.OutputSize()}
	switch {
	case !batched:
		outShape = []int{T, cfg.OutputSize()}
	case cfg.BatchFirst:
		out = m.swap(ws, out, T, B, cfg.OutputSize())
		outShape = []int{B, T, cfg.OutputSize()}
	}
	r := &Result{
		Output: m.download(out, outShape...),
		Final: State{
			H: m.download(p.hn, stateShape(cfg.HiddenOut())...),
			C: m.download(p.cn, stateShape(cfg.HiddenSize)...),
		},
		m: m, p: p, ws: ws, batched: batched, xShape: x.Shape,
	}
	return r, nil
}

// Backward computes the gradients of a loss given its gradients with
// respect to the output (shaped like Result.Output) and, optionally, the
// final state (nil for none). It accumulates the parameter gradients into
// the LSTM's Params, as PyTorch's backward() does, and returns the
// gradients with respect to the input and the initial state. It runs once
// for a Result, as PyTorch's backward runs once through a graph: a second
// call is an error.
func (r *Result) Backward(dOutput Tensor, dFinal *State) (*Gradients, error) {
	m, p, ws, cfg := r.m, r.p, r.ws, r.m.cfg
	if r.used {
		return nil, errors.New("lstm: Backward a second time on one Result: its forward pass is used up; run Forward again")
	}
	if err := dOutput.checkShape("output gradient", r.Output.Shape...); err != nil {
		return nil, err
	}
	var dhn, dcn backend.Buffer
	if dFinal != nil {
		if err := dFinal.H.checkShape("h_n gradient", r.Final.H.Shape...); err != nil {
			return nil, err
		}
		if err := dFinal.C.checkShape("c_n gradient", r.Final.C.Shape...); err != nil {
			return nil, err
		}
		dhn, dcn = m.upload(ws, dFinal.H.Data), m.upload(ws, dFinal.C.Data)
	}
	dy := m.upload(ws, dOutput.Data)
	if r.batched && cfg.BatchFirst {
		dy = m.swap(ws, dy, p.B, p.T, cfg.OutputSize())
	}
	r.used = true
	dx, dh0, dc0 := m.backward(ws, p, dy, dhn, dcn, true)
	if r.batched && cfg.BatchFirst {
		dx = m.swap(ws, dx, p.T, p.B, cfg.InputSize)
	}
	return &Gradients{
		Input: m.download(dx, r.xShape...),
		Initial: State{
			H: m.download(dh0, r.Final.H.Shape...),
			C: m.download(dc0, r.Final.C.Shape...),
		},
	}, nil
}

// upload copies host values into a buffer from ws (a new one when ws is
// nil) on the LSTM's backend.
func (m *LSTM) upload(ws *workspace, v []float32) backend.Buffer {
	var b backend.Buffer
	if ws == nil {
		b = m.be.New(len(v))
	} else {
		b = ws.get(len(v), false)
	}
	m.be.Upload(b, v)
	return b
}

// download copies a buffer into a new host tensor of the given shape.
func (m *LSTM) download(b backend.Buffer, shape ...int) Tensor {
	t := NewTensor(shape...)
	m.be.Download(t.Data, b)
	return t
}

// swap returns a buffer from ws holding the [a, b, f] array x as [b, a, f].
func (m *LSTM) swap(ws *workspace, x backend.Buffer, a, b, f int) backend.Buffer {
	y := ws.get(x.Len(), false)
	m.be.SwapAxes01(y, x, a, b, f)
	return y
}
