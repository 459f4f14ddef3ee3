package lstm

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/lstm-digits/lstm-digits/backend"
)

// Classifier is the seed model: an LSTM reads each sequence (a 28×28 digit
// as 28 rows of 28 pixels), and a Linear layer maps the last step's output
// to class logits. Its parameters are named as PyTorch's state_dict names
// them: "lstm.weight_ih_l0", …, "classifier.weight", "classifier.bias".
// A Classifier reuses its buffers from call to call, so it is not safe for
// concurrent use.
type Classifier struct {
	LSTM       *LSTM
	Head       *Linear // "classifier" in the state_dict
	NumClasses int
	params     *Params
	be         backend.Backend
	ws         workspace // reused by every call: a pass lives until the next
}

// NewClassifier returns a classifier over an LSTM with the given
// configuration, which must be batch first, with parameters drawn as
// PyTorch draws them from a generator seeded with seed.
func NewClassifier(be backend.Backend, cfg Config, classes int, seed uint64) (*Classifier, error) {
	c, l, err := newClassifier(be, cfg, classes)
	if err != nil {
		return nil, err
	}
	c.bind(l.alloc(be))
	c.params.Init(rand.New(rand.NewPCG(seed, 0)))
	c.LSTM.SetDropoutSeed(seed)
	return c, nil
}

// newClassifier checks the configuration and registers the parameters,
// allocating nothing, so that a model file can be checked against the
// layout before its sizes are trusted.
func newClassifier(be backend.Backend, cfg Config, classes int) (*Classifier, *layout, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	if !cfg.BatchFirst {
		return nil, nil, errors.New("lstm: the classifier reads batch-first input; set batch_first")
	}
	if classes < 1 || classes > 1<<16 {
		return nil, nil, fmt.Errorf("lstm: number of classes must be in [1, 65536], got %d", classes)
	}
	var l layout
	c := &Classifier{
		LSTM:       newLSTM(be, cfg, &l, "lstm."),
		Head:       newLinear(be, cfg.OutputSize(), classes, &l, "classifier."),
		NumClasses: classes,
		be:         be,
		ws:         workspace{be: be},
	}
	return c, &l, nil
}

// bind gives the classifier and its layers their parameter buffers.
func (c *Classifier) bind(p *Params) {
	c.params, c.LSTM.params, c.Head.params = p, p, p
}

// Params returns all parameters of the model, in state_dict order.
func (c *Classifier) Params() *Params { return c.params }

// Config returns the LSTM's configuration.
func (c *Classifier) Config() Config { return c.LSTM.cfg }

// checkInput validates x [B, T, InputSize] and returns B and T.
func (c *Classifier) checkInput(x Tensor) (B, T int, err error) {
	if len(x.Shape) != 3 || x.Shape[0] < 1 || x.Shape[1] < 1 {
		return 0, 0, fmt.Errorf("lstm: classifier input must be [batch, steps, %d], got %v", c.LSTM.cfg.InputSize, x.Shape)
	}
	B, T = x.Shape[0], x.Shape[1]
	return B, T, x.checkShape("classifier input", B, T, c.LSTM.cfg.InputSize)
}

// forward runs the model on the batch-first input x [B, T, F] and returns
// the logits [B, classes], the LSTM pass, and the last step's output.
// Its buffers come from the classifier's workspace, reset here: they live
// until the next call.
func (c *Classifier) forward(x Tensor, B, T int, withGrad bool) (logits backend.Buffer, p *pass, last backend.Buffer) {
	c.ws.reset()
	return c.forwardOn(c.LSTM.upload(&c.ws, x.Data), B, T, withGrad)
}

// forwardOn is forward for an input xb [B, T, F] already on the backend,
// taking further buffers from the workspace without resetting it.
func (c *Classifier) forwardOn(xb backend.Buffer, B, T int, withGrad bool) (logits backend.Buffer, p *pass, last backend.Buffer) {
	ws := &c.ws
	xt := c.LSTM.swap(ws, xb, B, T, c.LSTM.cfg.InputSize)
	p = c.LSTM.forward(ws, xt, T, B, nil, nil, nil, withGrad)
	width := c.LSTM.cfg.OutputSize()
	last = p.out.Slice((T-1)*B*width, B*width)
	logits = ws.get(B*c.NumClasses, false)
	c.Head.forward(logits, last, B)
	return logits, p, last
}

// Logits returns the class scores [B, classes] for x [B, T, InputSize],
// in evaluation mode (no dropout).
func (c *Classifier) Logits(x Tensor) (Tensor, error) {
	B, T, err := c.checkInput(x)
	if err != nil {
		return Tensor{}, err
	}
	defer c.LSTM.mode(false)()
	logits, _, _ := c.forward(x, B, T, false)
	return c.LSTM.download(logits, B, c.NumClasses), nil
}

// Backprop is the outcome of Classifier.Backprop.
type Backprop struct {
	Loss      float32 // mean cross-entropy
	Logits    Tensor  // [B, classes]
	InputGrad Tensor  // gradient of Loss with respect to the input, [B, T, F]
}

// Backprop runs the model on x [B, T, InputSize] in its current mode,
// computes the mean cross-entropy against labels, and accumulates the
// gradients of that loss into Params().Grad.
func (c *Classifier) Backprop(x Tensor, labels []int) (*Backprop, error) {
	loss, logits, dx, err := c.backprop(x, labels, true)
	if err != nil {
		return nil, err
	}
	B, T := x.Shape[0], x.Shape[1]
	cfg := c.LSTM.cfg
	return &Backprop{
		Loss:      loss,
		Logits:    c.LSTM.download(logits, B, c.NumClasses),
		InputGrad: c.LSTM.download(c.LSTM.swap(&c.ws, dx, T, B, cfg.InputSize), B, T, cfg.InputSize),
	}, nil
}

func (c *Classifier) backprop(x Tensor, labels []int, wantDX bool) (loss float32, logits, dx backend.Buffer, err error) {
	B, T, err := c.checkInput(x)
	if err != nil {
		return 0, nil, nil, err
	}
	if len(labels) != B {
		return 0, nil, nil, fmt.Errorf("lstm: %d labels for a batch of %d", len(labels), B)
	}
	for i, l := range labels {
		if l < 0 || l >= c.NumClasses {
			return 0, nil, nil, fmt.Errorf("lstm: label %d of sample %d is outside [0, %d)", l, i, c.NumClasses)
		}
	}
	c.ws.reset()
	xb := c.LSTM.upload(&c.ws, x.Data)
	lossBuf := c.ws.get(1, false)
	logits, dx = c.backpropOn(xb, B, T, wantDX, func(dlogits, logits backend.Buffer) {
		c.be.CrossEntropy(lossBuf, dlogits, logits, labels, B, c.NumClasses)
	})
	v := []float32{0}
	c.be.Download(v, lossBuf)
	return v[0], logits, dx, nil
}

// backpropOn runs the model on xb [B, T, F], already on the backend, and
// its backward pass from the gradient of the logits that loss writes into
// dlogits, accumulating the parameter gradients.
func (c *Classifier) backpropOn(xb backend.Buffer, B, T int, wantDX bool, loss func(dlogits, logits backend.Buffer)) (logits, dx backend.Buffer) {
	width := c.LSTM.cfg.OutputSize()
	logits, p, last := c.forwardOn(xb, B, T, true)
	ws := &c.ws
	dlogits := ws.get(B*c.NumClasses, false)
	loss(dlogits, logits)
	dOut := ws.get(T*B*width, true)
	c.Head.backward(dOut.Slice((T-1)*B*width, B*width), dlogits, last, B)
	dx, _, _ = c.LSTM.backward(ws, p, dOut, nil, nil, wantDX)
	return logits, dx
}

// StepResult reports one training step.
type StepResult struct {
	Loss     float32 // mean cross-entropy of the batch, before the update
	Correct  int     // samples whose largest logit was their label
	GradNorm float32 // global L2 norm of the gradient, before clipping
}

// TrainStep does one step of training on a batch: zero the gradients,
// forward and backward in training mode, clip the gradient norm to clip
// (none when clip ≤ 0), and let opt update the parameters. A loss or
// gradient that is not finite returns ErrNotFinite before the update.
func (c *Classifier) TrainStep(x Tensor, labels []int, opt *Adam, clip float32) (StepResult, error) {
	return c.trainStep(x, labels, opt, clip, nil, 0)
}

// trainStep is TrainStep with the batch shared with replicas (none for a
// step done here alone), whose dropout masks derive from seed.
func (c *Classifier) trainStep(x Tensor, labels []int, opt *Adam, clip float32, replicas []Replica, seed uint64) (StepResult, error) {
	defer c.LSTM.mode(true)()
	c.params.ZeroGrad()
	var (
		r   StepResult
		err error
	)
	if replicas = sharing(replicas, len(labels)); len(replicas) == 0 {
		r.Loss, r.Correct, err = c.localGrad(x, labels)
	} else {
		r.Loss, r.Correct, err = c.parallelGrad(x, labels, replicas, seed)
	}
	if err != nil {
		return StepResult{}, err
	}
	r.GradNorm = c.params.GradNorm()
	return r, c.update(r, opt, clip)
}

// localGrad accumulates into Params().Grad the gradient of the mean loss
// over x, labels, and returns that loss and how many samples the model
// classified right.
func (c *Classifier) localGrad(x Tensor, labels []int) (loss float32, correct int, err error) {
	loss, logits, _, err := c.backprop(x, labels, false)
	if err != nil {
		return 0, 0, err
	}
	return loss, c.correct(logits, labels), nil
}

// correct counts the rows of logits [len(labels), classes] whose largest
// value is at the label.
func (c *Classifier) correct(logits backend.Buffer, labels []int) int {
	scores := make([]float32, logits.Len())
	c.be.Download(scores, logits)
	n := 0
	for i, l := range labels {
		if Argmax(scores[i*c.NumClasses:(i+1)*c.NumClasses]) == l {
			n++
		}
	}
	return n
}

// update ends a training step whose loss and gradient norm r holds:
// ErrNotFinite if either is not finite, else clip the gradient to clip
// (none when clip ≤ 0) and let opt update the parameters.
func (c *Classifier) update(r StepResult, opt *Adam, clip float32) error {
	if !finite(float64(r.Loss)) || !finite(float64(r.GradNorm)) {
		return ErrNotFinite
	}
	if clip > 0 {
		c.params.scaleGrad(clip, r.GradNorm)
	}
	opt.Step()
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Argmax returns the index of the largest value of v (the first on ties):
// the class of logits or of probabilities.
func Argmax[T float32 | float64](v []T) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
