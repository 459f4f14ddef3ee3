package lstm

import "github.com/lstm-digits/lstm-digits/backend"

// AdamConfig holds Adam's hyperparameters, as torch.optim.Adam names them.
type AdamConfig struct {
	LR          float32 `json:"lr"`           // learning rate
	Beta1       float32 `json:"beta1"`        // decay of the first-moment average
	Beta2       float32 `json:"beta2"`        // decay of the second-moment average
	Eps         float32 `json:"eps"`          // added to the denominator
	WeightDecay float32 `json:"weight_decay"` // L2 penalty added to the gradient
}

// DefaultAdam returns PyTorch's defaults: lr 1e-3, betas (0.9, 0.999),
// eps 1e-8, no weight decay.
func DefaultAdam() AdamConfig {
	return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Adam is the Adam optimizer over every parameter of a model, its moment
// estimates kept on the model's backend.
type Adam struct {
	Config AdamConfig
	params *Params
	m, v   backend.Buffer
	step   int
}

// NewAdam returns an optimizer for params with zero moments.
func NewAdam(params *Params, cfg AdamConfig) *Adam {
	return &Adam{Config: cfg, params: params, m: params.be.New(params.Count()), v: params.be.New(params.Count())}
}

// Steps is the number of steps taken.
func (a *Adam) Steps() int { return a.step }

// Step updates the parameters from their gradients.
func (a *Adam) Step() {
	a.step++
	c := a.Config
	a.params.be.Adam(a.params.Value, a.params.Grad, a.m, a.v, backend.AdamArgs{
		LR: c.LR, Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps, WeightDecay: c.WeightDecay, Step: a.step,
	})
}

// state returns copies of the moment estimates.
func (a *Adam) state() (m, v []float32) {
	m, v = make([]float32, a.m.Len()), make([]float32, a.v.Len())
	a.params.be.Download(m, a.m)
	a.params.be.Download(v, a.v)
	return m, v
}

// setState restores the step count and moment estimates.
func (a *Adam) setState(step int, m, v []float32) {
	a.step = step
	a.params.be.Upload(a.m, m)
	a.params.be.Upload(a.v, v)
}
