package lstm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Batcher is a source of mini-batches of sequences for training and
// evaluation; mnist.Batches is one.
type Batcher interface {
	// Len is the number of batches in an epoch.
	Len() int
	// Size is the number of sequences in a full batch.
	Size() int
	// Steps is the number of time steps of each sequence.
	Steps() int
	// Shuffle sets the order of the given epoch's batches.
	Shuffle(epoch int)
	// Batch writes batch k's sequences, batch first, into x and their
	// labels into y, and returns how many there are.
	Batch(k int, x []float32, y []int) (n int, err error)
}

// TrainConfig holds the hyperparameters of a training run.
type TrainConfig struct {
	Epochs int        `json:"epochs"`
	Batch  int        `json:"batch"` // the batch size, for the record: the Batcher decides
	Adam   AdamConfig `json:"adam"`
	// Clip is the maximum global gradient norm; 0 for none.
	Clip float32 `json:"clip"`
	// Schedule scales the learning rate over the run: "" or "constant",
	// or "cosine" (from Adam.LR at the start to 0 at the end).
	Schedule string `json:"schedule"`
	// Seed seeds the data order and the dropout masks.
	Seed uint64 `json:"seed"`
}

// Validate reports the first hyperparameter out of range.
func (c TrainConfig) Validate() error {
	switch {
	case c.Epochs < 1:
		return fmt.Errorf("lstm: epochs must be at least 1, got %d", c.Epochs)
	case !(c.Adam.LR > 0) || math.IsInf(float64(c.Adam.LR), 0):
		return fmt.Errorf("lstm: learning rate must be positive, got %v", c.Adam.LR)
	case c.Clip < 0 || math.IsNaN(float64(c.Clip)):
		return fmt.Errorf("lstm: clip must be 0 (none) or positive, got %v", c.Clip)
	case c.Schedule != "" && c.Schedule != "constant" && c.Schedule != "cosine":
		return fmt.Errorf("lstm: unknown learning-rate schedule %q (want constant or cosine)", c.Schedule)
	}
	return nil
}

// lr returns the learning rate of step (from 0) of a run of total steps.
func (c TrainConfig) lr(step, total int) float32 {
	if c.Schedule != "cosine" {
		return c.Adam.LR
	}
	return c.Adam.LR * float32(0.5*(1+math.Cos(math.Pi*float64(step)/float64(total))))
}

// Position is where a training run is: the next step to take.
type Position struct {
	Epoch int `json:"epoch"` // from 0
	Batch int `json:"batch"` // within the epoch, from 0
	Step  int `json:"step"`  // steps taken since the run began
}

// StepReport describes a training step just taken.
type StepReport struct {
	Position                    // the step's position (before it was taken)
	Steps         int           // steps in the whole run
	Loss          float32       // mean loss of the batch
	Accuracy      float64       // fraction of the batch classified right
	SamplesPerSec float64       // over the epoch so far
	Elapsed       time.Duration // since the run (or its resumption) began
}

// EpochReport describes a finished epoch.
type EpochReport struct {
	Epoch         int     // from 0
	Loss          float64 // mean training loss over the epoch
	Accuracy      float64 // training accuracy over the epoch
	Test          *Evaluation
	SamplesPerSec float64
}

// ErrNotFinite is returned when a training step's loss or gradient is NaN
// or infinite: the parameters are not updated by that step.
var ErrNotFinite = errors.New("lstm: loss or gradient is not finite (try a lower learning rate or gradient clipping)")

// Trainer trains a classifier with Adam, epoch after epoch, and can stop
// and resume at any step with the same result as an uninterrupted run.
type Trainer struct {
	Model  *Classifier
	Opt    *Adam
	Config TrainConfig
	Next   Position // the step the run takes next
	// Replicas, when not empty, each compute the gradient of an equal
	// share of every batch (see Replica), and the logits of an equal share
	// of every test batch; the trainer computes the first.
	// The result differs from a run without replicas only by rounding,
	// and by dropout's masks.
	Replicas []Replica
}

// NewTrainer returns a trainer at the start of a run.
func NewTrainer(c *Classifier, cfg TrainConfig) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Trainer{Model: c, Opt: NewAdam(c.Params(), cfg.Adam), Config: cfg}, nil
}

// stepSeed is the dropout seed of a step: a function of the run's seed and
// the step alone, so that a resumed run draws the masks it would have.
func stepSeed(seed uint64, step int) uint64 {
	z := seed ^ uint64(step)*0x9e3779b97f4a7c15
	z = (z ^ z>>31) * 0xbf58476d1ce4e5b9
	return z ^ z>>29
}

// Run trains from t.Next to the end of the last epoch. After every step it
// calls onStep (if not nil); after every epoch it evaluates the model on
// test (if not nil) and calls onEpoch (if not nil). When ctx is done it
// returns ctx.Err() with t.Next at the next step to take, ready to be saved
// and resumed. A step whose loss or gradient is not finite stops the run
// with ErrNotFinite before it changes the parameters.
func (t *Trainer) Run(ctx context.Context, train, test Batcher, onStep func(StepReport), onEpoch func(EpochReport) error) error {
	step, err := t.stepper(train)
	if err != nil {
		return err
	}
	steps := t.Config.Epochs * train.Len()
	start := time.Now()
	for ; t.Next.Epoch < t.Config.Epochs; t.Next.Epoch, t.Next.Batch = t.Next.Epoch+1, 0 {
		train.Shuffle(t.Next.Epoch)
		var lossSum float64
		var correct, seen int
		epochStart := time.Now()
		for ; t.Next.Batch < train.Len(); t.Next.Batch++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			t.Opt.Config.LR = t.Config.lr(t.Next.Step, steps)
			seed := stepSeed(t.Config.Seed, t.Next.Step)
			t.Model.LSTM.SetDropoutSeed(seed)
			r, n, err := step(t.Next, seed)
			if err != nil {
				return err
			}
			lossSum += float64(r.Loss) * float64(n)
			correct += r.Correct
			seen += n
			if onStep != nil {
				onStep(StepReport{
					Position: t.Next, Steps: steps, Loss: r.Loss, Accuracy: float64(r.Correct) / float64(n),
					SamplesPerSec: float64(seen) / time.Since(epochStart).Seconds(), Elapsed: time.Since(start),
				})
			}
			t.Next.Step++
		}
		rep := EpochReport{
			Epoch: t.Next.Epoch, Loss: lossSum / float64(seen), Accuracy: float64(correct) / float64(seen),
			SamplesPerSec: float64(seen) / time.Since(epochStart).Seconds(),
		}
		if test != nil {
			ev, err := t.Model.evaluate(ctx, test, t.Replicas)
			if err != nil {
				return err
			}
			rep.Test = ev
		}
		if onEpoch != nil {
			// The report of a finished epoch, with t.Next at the next one's
			// start, so that a checkpoint saved now resumes there.
			t.Next.Epoch, t.Next.Batch = t.Next.Epoch+1, 0
			err := onEpoch(rep)
			t.Next.Epoch, t.Next.Batch = t.Next.Epoch-1, train.Len()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// batch is a reusable buffer for the batches of a Batcher.
type batch struct {
	x Tensor
	y []int
}

func newBatch(b Batcher, features int) *batch {
	return &batch{x: NewTensor(b.Size(), b.Steps(), features), y: make([]int, b.Size())}
}

// read reads batch k and returns it as views of the buffer: x [n, T, F]
// and y [n].
func (buf *batch) read(b Batcher, k int) (Tensor, []int, error) {
	n, err := b.Batch(k, buf.x.Data, buf.y)
	if err != nil {
		return Tensor{}, nil, err
	}
	T, F := buf.x.Shape[1], buf.x.Shape[2]
	return Tensor{Shape: []int{n, T, F}, Data: buf.x.Data[:n*T*F]}, buf.y[:n], nil
}
