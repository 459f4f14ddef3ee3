package lstm

import (
	"errors"
	"fmt"

	"github.com/lstm-digits/lstm-digits/backend"
)

// Trace is what the classifier computes as it reads one sequence, step by
// step: every layer's gates, hidden and cell state at each step, and the
// class probabilities the classifier would give if the sequence ended
// there.
type Trace struct {
	// H[k][t] is layer k's h after step t (HiddenOut values), C[k][t] its
	// c (HiddenSize values).
	H, C [][][]float32
	// Gates[k][t] are layer k's activated gates at step t, 4·HiddenSize
	// values: i, f, g, o one after the other (PyTorch's order), as the
	// backend's forward pass computed them (its reserve, see
	// backend.ReserveLayout).
	Gates [][][]float32
	// Probs[t] are the class probabilities from the last layer's h after
	// step t; Probs[T-1] is the classifier's answer.
	Probs [][]float64
}

// Trace runs the classifier over x [T, InputSize], one sequence, one step
// at a time, recording its states. It needs a unidirectional LSTM (a
// bidirectional one has no state "after step t" that reads only rows up
// to t).
func (c *Classifier) Trace(x Tensor) (*Trace, error) {
	cfg := c.Config()
	if cfg.Bidirectional {
		return nil, errors.New("lstm: a bidirectional LSTM cannot be traced step by step")
	}
	if len(x.Shape) != 2 || x.Shape[0] < 1 {
		return nil, fmt.Errorf("lstm: trace input must be [steps, %d], got %v", cfg.InputSize, x.Shape)
	}
	T := x.Shape[0]
	if err := x.checkShape("trace input", T, cfg.InputSize); err != nil {
		return nil, err
	}
	L, H, O := cfg.NumLayers, cfg.HiddenSize, cfg.HiddenOut()
	tr := &Trace{H: make([][][]float32, L), C: make([][][]float32, L), Gates: make([][][]float32, L)}
	defer c.LSTM.mode(false)()
	ws := &c.ws
	var h, cs []float32 // the state after the previous step, [L, O] and [L, H]
	for t := range T {
		ws.reset()
		var h0, c0 backend.Buffer // zero before the first step
		if t > 0 {
			h0, c0 = c.LSTM.upload(ws, h), c.LSTM.upload(ws, cs)
		}
		xt := c.LSTM.upload(ws, x.Data[t*cfg.InputSize:(t+1)*cfg.InputSize])
		p := c.LSTM.forward(ws, xt, 1, 1, nil, h0, c0, true)
		h, cs = make([]float32, L*O), make([]float32, L*H)
		c.be.Download(h, p.hn)
		c.be.Download(cs, p.cn)
		for k := range L {
			tr.H[k] = append(tr.H[k], h[k*O:(k+1)*O])
			tr.C[k] = append(tr.C[k], cs[k*H:(k+1)*H])
			gates := make([]float32, 4*H)
			at := c.LSTM.shape(k, 0, 1, 1).Reserve().Gates
			c.be.Download(gates, p.reserve[k][0].Slice(at, 4*H))
			tr.Gates[k] = append(tr.Gates[k], gates)
		}
		logits := ws.get(c.NumClasses, false)
		c.Head.forward(logits, p.out, 1)
		scores := make([]float32, c.NumClasses)
		c.be.Download(scores, logits)
		tr.Probs = append(tr.Probs, Softmax(scores))
	}
	return tr, nil
}
