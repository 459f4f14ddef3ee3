package lstm

import (
	"fmt"
	"math"

	"github.com/lstm-digits/lstm-digits/backend"
)

// ByteBatcher is a Batcher whose samples are bytes in memory (the input
// is byte/255, as mnist.Set.Fill computes it) and whose order it can tell;
// mnist.Batches is one. With a backend that implements backend.Resident,
// Trainer.Run uploads such a training set once and gathers each batch on
// the device, and a step reads back only its loss, accuracy and gradient
// norm, in one download.
type ByteBatcher interface {
	Batcher
	// Bytes returns every sample, Steps()·features bytes each, back to
	// back, and their labels.
	Bytes() (samples, labels []uint8)
	// Order returns the sample indices in the current epoch's order:
	// batch k is Order()[k·Size() : min((k+1)·Size(), len(Order()))].
	Order() []int
}

// stepFunc takes the training step at a position: batch at.Batch of the
// training set in epoch at.Epoch's order, after Shuffle(at.Epoch), with
// the step's dropout seed (already set on the LSTM). It returns the step's
// result and the number of samples in the batch.
type stepFunc func(at Position, seed uint64) (r StepResult, n int, err error)

// stepper returns the step function of a run over train: on the device
// when the backend and the batcher allow it and no replicas share the
// batches, else through the host.
func (t *Trainer) stepper(train Batcher) (stepFunc, error) {
	rb, ok := t.Model.be.(backend.Resident)
	bb, isBytes := train.(ByteBatcher)
	if ok && isBytes && len(t.Replicas) == 0 {
		return t.residentStepper(rb, bb)
	}
	buf := newBatch(train, t.Model.Config().InputSize)
	return func(at Position, seed uint64) (StepResult, int, error) {
		x, y, err := buf.read(train, at.Batch)
		if err != nil {
			return StepResult{}, 0, err
		}
		r, err := t.Model.trainStep(x, y, t.Opt, t.Config.Clip, t.Replicas, seed)
		return r, len(y), err
	}, nil
}

// residentStepper uploads the training set to the device once and
// returns a step function that gathers each batch there, uploading the
// order once per epoch.
func (t *Trainer) residentStepper(rb backend.Resident, train ByteBatcher) (stepFunc, error) {
	c := t.Model
	T, width, size := train.Steps(), train.Steps()*c.Config().InputSize, train.Size()
	samples, labels := train.Bytes()
	for _, l := range labels {
		if int(l) >= c.NumClasses {
			return nil, fmt.Errorf("lstm: label %d is outside [0, %d)", l, c.NumClasses)
		}
	}
	set, err := rb.UploadSet(samples, labels, width)
	if err != nil {
		return nil, fmt.Errorf("lstm: upload the training set: %w", err)
	}
	order, x, y, stats := rb.New(set.Len()), rb.New(size*width), rb.New(size), rb.New(3)
	host := make([]float32, set.Len())
	stat := make([]float32, 3)
	epoch := -1
	return func(at Position, _ uint64) (StepResult, int, error) {
		if at.Epoch != epoch {
			for i, v := range train.Order() {
				host[i] = float32(v)
			}
			rb.Upload(order, host)
			epoch = at.Epoch
		}
		off := at.Batch * size
		n := min(size, set.Len()-off)
		if n < 1 {
			return StepResult{}, 0, fmt.Errorf("lstm: batch %d is past the %d samples", at.Batch, set.Len())
		}
		xn, yn := x.Slice(0, n*width), y.Slice(0, n)
		rb.Gather(xn, yn, set, order, off, n)

		defer c.LSTM.mode(true)()
		c.params.ZeroGrad()
		c.ws.reset()
		c.backpropOn(xn, n, T, false, func(dlogits, logits backend.Buffer) {
			rb.CrossEntropyStats(stats.Slice(0, 2), dlogits, logits, yn, n, c.NumClasses)
		})
		rb.SumSquaresTo(stats.Slice(2, 1), c.params.Grad)
		rb.Download(stat, stats)
		r := StepResult{Loss: stat[0], Correct: int(stat[1]), GradNorm: float32(math.Sqrt(float64(stat[2])))}
		return r, n, c.update(r, t.Opt, t.Config.Clip)
	}, nil
}
