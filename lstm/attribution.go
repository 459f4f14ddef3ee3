package lstm

import (
	"fmt"

	"github.com/lstm-digits/lstm-digits/backend"
)

// Which steps of one sequence (the rows of a digit) decided the
// classifier's answer, in two ways a visitor can compare: the gradient of
// the class's logit through the real backward pass, and occlusion.

// checkOne validates one sequence x [T, InputSize] and a class, and
// returns T.
func (c *Classifier) checkOne(x Tensor, class int) (int, error) {
	cfg := c.Config()
	if len(x.Shape) != 2 || x.Shape[0] < 1 {
		return 0, fmt.Errorf("lstm: attribution input must be [steps, %d], got %v", cfg.InputSize, x.Shape)
	}
	if err := x.checkShape("attribution input", x.Shape[0], cfg.InputSize); err != nil {
		return 0, err
	}
	if class < 0 || class >= c.NumClasses {
		return 0, fmt.Errorf("lstm: class %d is outside [0, %d)", class, c.NumClasses)
	}
	return x.Shape[0], nil
}

// GradientTimesInput returns, for one sequence x [T, InputSize] and a
// class, Σ_j x[t][j]·∂logit/∂x[t][j] for each step t: the gradient of the
// class's logit (evaluation mode) with respect to the input, from the
// model's backward pass, times the input, summed over each step. It uses
// the parameters' gradients as scratch: Params().Grad holds the gradient
// of that logit with respect to the parameters afterwards.
func (c *Classifier) GradientTimesInput(x Tensor, class int) ([]float64, error) {
	T, err := c.checkOne(x, class)
	if err != nil {
		return nil, err
	}
	defer c.LSTM.mode(false)()
	c.params.ZeroGrad()
	c.ws.reset()
	onehot := make([]float32, c.NumClasses)
	onehot[class] = 1
	_, dx := c.backpropOn(c.LSTM.upload(&c.ws, x.Data), 1, T, true, func(dlogits, _ backend.Buffer) {
		c.be.Upload(dlogits, onehot)
	})
	F := c.Config().InputSize
	grad := make([]float32, T*F) // time-major with one sequence: [T, F]
	c.be.Download(grad, dx)
	rows := make([]float64, T)
	for t := range T {
		for j := range F {
			rows[t] += float64(grad[t*F+j]) * float64(x.Data[t*F+j])
		}
	}
	return rows, nil
}

// Occlusion returns, for one sequence x [T, InputSize], a class and steps
// (each in [0, T); nil for every step in order), the class's probability
// less its probability with step t's features set to zero (a blank row of
// a digit), for each step t of steps: positive where the step spoke for
// the class. The blanked copies run as one batch, with x itself; a caller
// that must not hold the thread for long asks for a few steps at a time.
func (c *Classifier) Occlusion(x Tensor, class int, steps []int) ([]float64, error) {
	T, err := c.checkOne(x, class)
	if err != nil {
		return nil, err
	}
	if steps == nil {
		steps = make([]int, T)
		for t := range steps {
			steps[t] = t
		}
	}
	F := c.Config().InputSize
	batch := make([]float32, 0, (len(steps)+1)*T*F)
	batch = append(batch, x.Data...)
	for _, t := range steps {
		if t < 0 || t >= T {
			return nil, fmt.Errorf("lstm: occlusion of step %d of a sequence of %d", t, T)
		}
		at := len(batch)
		batch = append(batch, x.Data...)
		clear(batch[at+t*F : at+(t+1)*F])
	}
	logits, err := c.Logits(Tensor{Shape: []int{len(steps) + 1, T, F}, Data: batch})
	if err != nil {
		return nil, err
	}
	K := c.NumClasses
	full := Softmax(logits.Data[:K])[class]
	drops := make([]float64, len(steps))
	for i := range steps {
		drops[i] = full - Softmax(logits.Data[(i+1)*K : (i+2)*K])[class]
	}
	return drops, nil
}
