package lstm

import "fmt"

// Replica computes the gradient of a share of each batch somewhere else
// (in another Web Worker, say), so that a Trainer spreads its batches over
// several workers: data parallelism. The replica's side runs
// Classifier.ShareGradient on a classifier of the same configuration.
type Replica interface {
	// Start begins computing the gradient, at the parameter values params
	// (laid out like Params().Value), of the mean loss over the share x, y
	// in training mode, with dropout masks drawn from seed. Start must not
	// keep params, x or y once it returns.
	Start(params []float32, x Tensor, y []int, seed uint64) error
	// StartLogits begins computing the logits of the share x in
	// evaluation mode, at the parameter values params: a share of an
	// evaluation. Like Start, it must not keep params or x.
	StartLogits(params []float32, x Tensor) error
	// Wait returns the result of the share started last.
	Wait() (Share, error)
}

// Share is a replica's result for its share of a batch: Grad, Loss and
// Correct after Start, Logits after StartLogits.
type Share struct {
	Grad    []float32 // gradient of Loss, laid out like Params().Grad
	Loss    float32   // mean cross-entropy over the share
	Correct int       // samples whose largest logit was their label
	Logits  []float32 // [samples, classes], row-major
}

// ShareGradient sets the parameters to params and computes the gradient of
// the mean loss over x, y in training mode, with dropout masks drawn from
// seed: the work of a Replica, done on the replica's side.
func (c *Classifier) ShareGradient(params []float32, x Tensor, y []int, seed uint64) (Share, error) {
	if err := c.setParams(params); err != nil {
		return Share{}, err
	}
	defer c.LSTM.mode(true)()
	c.LSTM.SetDropoutSeed(seed)
	c.params.ZeroGrad()
	loss, logits, _, err := c.backprop(x, y, false)
	if err != nil {
		return Share{}, err
	}
	s := Share{Grad: make([]float32, c.params.Count()), Loss: loss, Correct: c.correct(logits, y)}
	c.be.Download(s.Grad, c.params.Grad)
	return s, nil
}

// ShareLogits sets the parameters to params and computes the logits of x
// in evaluation mode: the work of Replica.StartLogits, done on the
// replica's side.
func (c *Classifier) ShareLogits(params []float32, x Tensor) (Share, error) {
	if err := c.setParams(params); err != nil {
		return Share{}, err
	}
	logits, err := c.Logits(x)
	if err != nil {
		return Share{}, err
	}
	return Share{Logits: logits.Data}, nil
}

// setParams sets the parameters to params, a replica's copy of the
// leader's, laid out like Params().Value.
func (c *Classifier) setParams(params []float32) error {
	if len(params) != c.params.Count() {
		return fmt.Errorf("lstm: %d parameter values for a model of %d", len(params), c.params.Count())
	}
	c.be.Upload(c.params.Value, params)
	return nil
}

// sharedLogits computes the logits of x [n, T, F] with the first share
// here and share i+1 on replicas[i], each at the parameter values values
// (this classifier's, downloaded), and returns them in x's order.
func (c *Classifier) sharedLogits(x Tensor, values []float32, replicas []Replica) (Tensor, error) {
	n, C := x.Shape[0], c.NumClasses
	bounds := shares(n, len(replicas)+1)
	for i, r := range replicas {
		if err := r.StartLogits(values, sharePart(x, bounds, i+1)); err != nil {
			waitAll(replicas[:i])
			return Tensor{}, fmt.Errorf("lstm: replica %d: %w", i+1, err)
		}
	}
	out := NewTensor(n, C)
	own, err := c.Logits(sharePart(x, bounds, 0))
	if err == nil {
		copy(out.Data, own.Data)
	}
	for i, r := range replicas {
		s, werr := r.Wait()
		lo, hi := bounds[i+1], bounds[i+2]
		switch {
		case err != nil:
			continue // collect the others' shares all the same
		case werr != nil:
			err = fmt.Errorf("lstm: replica %d: %w", i+1, werr)
		case len(s.Logits) != (hi-lo)*C:
			err = fmt.Errorf("lstm: replica %d sent %d logits for %d samples of %d classes", i+1, len(s.Logits), hi-lo, C)
		default:
			copy(out.Data[lo*C:hi*C], s.Logits)
		}
	}
	if err != nil {
		return Tensor{}, err
	}
	return out, nil
}

// sharing returns the replicas that take a share of a batch of n samples:
// all of them, or as many as leave every share a sample (none for a batch
// of one, done here alone).
func sharing(replicas []Replica, n int) []Replica {
	return replicas[:min(len(replicas), max(n-1, 0))]
}

// sharePart returns share i of x [n, T, F], samples [bounds[i], bounds[i+1]).
func sharePart(x Tensor, bounds []int, i int) Tensor {
	lo, hi, T, F := bounds[i], bounds[i+1], x.Shape[1], x.Shape[2]
	return Tensor{Shape: []int{hi - lo, T, F}, Data: x.Data[lo*T*F : hi*T*F]}
}

// shares splits n samples into k contiguous shares as even as can be: share
// i is [bounds[i], bounds[i+1]).
func shares(n, k int) []int {
	bounds := make([]int, k+1)
	for i := range bounds {
		bounds[i] = i * n / k
	}
	return bounds
}

// replicaSeed is the dropout seed of share i of a step whose own seed is
// seed: each share draws its own masks.
func replicaSeed(seed uint64, i int) uint64 { return stepSeed(seed, -1-i) }

// parallelGrad accumulates into Params().Grad the gradient of the mean
// loss over x, labels: the first share computed here, share i+1 by
// replicas[i], each share's gradient weighted by its size. It returns the
// mean loss and how many samples were classified right.
func (c *Classifier) parallelGrad(x Tensor, labels []int, replicas []Replica, seed uint64) (loss float32, correct int, err error) {
	n := len(labels)
	bounds := shares(n, len(replicas)+1)
	part := func(i int) (Tensor, []int) { return sharePart(x, bounds, i), labels[bounds[i]:bounds[i+1]] }
	weight := func(i int) float32 { return float32(bounds[i+1]-bounds[i]) / float32(n) }
	values := make([]float32, c.params.Count())
	c.be.Download(values, c.params.Value)
	for i, r := range replicas {
		xs, ys := part(i + 1)
		if err := r.Start(values, xs, ys, replicaSeed(seed, i)); err != nil {
			waitAll(replicas[:i])
			return 0, 0, fmt.Errorf("lstm: replica %d: %w", i+1, err)
		}
	}
	x0, y0 := part(0)
	loss, correct, err = c.localGrad(x0, y0)
	if err != nil {
		waitAll(replicas)
		return 0, 0, err
	}
	grad := values // the values are sent: reuse their memory
	c.be.Download(grad, c.params.Grad)
	loss *= weight(0)
	for j := range grad {
		grad[j] *= weight(0)
	}
	for i, r := range replicas {
		s, werr := r.Wait()
		switch {
		case err != nil:
			continue // collect the others' shares all the same
		case werr != nil:
			err = fmt.Errorf("lstm: replica %d: %w", i+1, werr)
			continue
		case len(s.Grad) != len(grad):
			err = fmt.Errorf("lstm: replica %d sent %d gradient values for a model of %d", i+1, len(s.Grad), len(grad))
			continue
		}
		w := weight(i + 1)
		for j, g := range s.Grad {
			grad[j] += w * g
		}
		loss += w * s.Loss
		correct += s.Correct
	}
	if err != nil {
		return 0, 0, err
	}
	c.be.Upload(c.params.Grad, grad)
	return loss, correct, nil
}

// waitAll collects the shares of replicas that were started, when the step
// fails: no replica is left working for a step that is given up.
func waitAll(replicas []Replica) {
	for _, r := range replicas {
		r.Wait() //nolint:errcheck // the step has already failed
	}
}
