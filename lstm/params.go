package lstm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lstm-digits/lstm-digits/backend"
)

// Param describes one named parameter tensor of a model.
type Param struct {
	Name  string // PyTorch state_dict name, like "lstm.weight_ih_l0"
	Shape []int  // PyTorch's shape, row-major
	// Bound is the half-width of the uniform distribution PyTorch draws the
	// initial values from: 1/√hidden_size for LSTM parameters,
	// 1/√in_features for Linear ones.
	Bound float64
	off   int // offset in the flat buffers
}

// Len is the number of values of the parameter.
func (p Param) Len() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Params holds every parameter of a model, and its gradient, in two flat
// buffers on the model's backend, so that an optimizer step or a gradient
// norm is one operation over one buffer. The parameters come in PyTorch's
// state_dict order.
type Params struct {
	be    backend.Backend
	list  []Param
	index map[string]int
	Value backend.Buffer // every parameter's values, back to back
	Grad  backend.Buffer // every parameter's gradient, laid out like Value
}

// layout collects the parameters of a model before its buffers exist.
type layout struct {
	list []Param
	n    int
}

// add registers a parameter and returns its position in the list.
func (l *layout) add(name string, bound float64, shape ...int) int {
	p := Param{Name: name, Shape: shape, Bound: bound, off: l.n}
	l.list = append(l.list, p)
	l.n += p.Len()
	return len(l.list) - 1
}

// alloc makes zeroed buffers for the registered parameters.
func (l *layout) alloc(be backend.Backend) *Params {
	p := &Params{be: be, list: l.list, index: make(map[string]int, len(l.list))}
	for i, q := range l.list {
		p.index[q.Name] = i
	}
	p.Value = be.New(l.n)
	p.Grad = be.New(l.n)
	return p
}

// List returns the parameters in state_dict order. The caller must not
// modify it.
func (p *Params) List() []Param { return p.list }

// Count is the total number of parameter values.
func (p *Params) Count() int { return p.Value.Len() }

// value and grad return views of parameter i.
func (p *Params) value(i int) backend.Buffer {
	return p.Value.Slice(p.list[i].off, p.list[i].Len())
}

func (p *Params) grad(i int) backend.Buffer {
	return p.Grad.Slice(p.list[i].off, p.list[i].Len())
}

// Get returns a copy of the values of the named parameter.
func (p *Params) Get(name string) ([]float32, error) { return p.download(name, p.value) }

// GetGrad returns a copy of the gradient of the named parameter.
func (p *Params) GetGrad(name string) ([]float32, error) { return p.download(name, p.grad) }

// download copies the named parameter's view (value or grad) to the host.
func (p *Params) download(name string, view func(int) backend.Buffer) ([]float32, error) {
	i, ok := p.index[name]
	if !ok {
		return nil, fmt.Errorf("lstm: no parameter %q", name)
	}
	v := make([]float32, p.list[i].Len())
	p.be.Download(v, view(i))
	return v, nil
}

// Set replaces the values of the named parameter. It refuses a wrong length
// and non-finite values.
func (p *Params) Set(name string, v []float32) error {
	i, ok := p.index[name]
	if !ok {
		return fmt.Errorf("lstm: no parameter %q", name)
	}
	if n := p.list[i].Len(); len(v) != n {
		return fmt.Errorf("lstm: parameter %q: %d values, want %d (shape %v)", name, len(v), n, p.list[i].Shape)
	}
	if j := nonFinite(v); j >= 0 {
		return fmt.Errorf("lstm: parameter %q: value %d is %v", name, j, v[j])
	}
	p.be.Upload(p.value(i), v)
	return nil
}

// nonFinite returns the index of v's first NaN or infinity, or -1.
func nonFinite(v []float32) int {
	for j, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return j
		}
	}
	return -1
}

// Init draws every parameter from U(-Bound, Bound), as PyTorch's
// reset_parameters does, using rng in state_dict order.
func (p *Params) Init(rng *rand.Rand) {
	v := make([]float32, p.Count())
	for _, q := range p.list {
		for j := range q.Len() {
			v[q.off+j] = float32((2*rng.Float64() - 1) * q.Bound)
		}
	}
	p.be.Upload(p.Value, v)
}

// ZeroGrad sets every gradient to zero.
func (p *Params) ZeroGrad() { p.be.Zero(p.Grad) }

// GradNorm returns the global L2 norm of the gradients.
func (p *Params) GradNorm() float32 {
	return float32(math.Sqrt(float64(p.be.SumSquares(p.Grad))))
}

// ClipGradNorm scales the gradients so that their global L2 norm is at most
// maxNorm, like torch.nn.utils.clip_grad_norm_, and returns the norm before
// clipping.
func (p *Params) ClipGradNorm(maxNorm float32) float32 {
	norm := p.GradNorm()
	p.scaleGrad(maxNorm, norm)
	return norm
}

// scaleGrad scales gradients of the given norm down to maxNorm, as
// clip_grad_norm_ does (with its 1e-6 guard), when they exceed it.
func (p *Params) scaleGrad(maxNorm, norm float32) {
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		p.be.Scale(p.Grad, coef)
	}
}
