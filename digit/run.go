package digit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// Report is one message from a run to the page: exactly one field is set.
type Report struct {
	Loading *Loading      `json:"loading,omitempty"`
	Start   *Start        `json:"start,omitempty"`
	Step    *Step         `json:"step,omitempty"`
	Epoch   *EpochSummary `json:"epoch,omitempty"`
}

// Loading reports the download of a run's data before it starts (all of
// MNIST, which the page fetches on demand).
type Loading struct {
	Bytes  int64 `json:"bytes"`  // loaded so far
	Total  int64 `json:"total"`  // to load; 0 where the server does not say
	Cached bool  `json:"cached"` // read from the browser's cache, not fetched
}

// Start describes a run as it begins.
type Start struct {
	Config      lstm.Config `json:"config"`
	Parameters  int         `json:"parameters"`
	TrainImages int         `json:"train_images"` // MNIST's and the visitor's
	OwnImages   int         `json:"own_images"`   // of which the visitor's (with repetitions)
	TestImages  int         `json:"test_images"`
	Batches     int         `json:"batches"` // per epoch
	Steps       int         `json:"steps"`   // in the run
	Workers     int         `json:"workers"`
	// Done is how many of the steps a resumed run had taken before its
	// interruption; 0 for a new run.
	Done int `json:"done,omitempty"`
}

// Step reports a training step just taken.
type Step struct {
	Epoch         int     `json:"epoch"` // from 0
	Batch         int     `json:"batch"` // from 0, within the epoch
	Step          int     `json:"step"`  // steps taken before this one
	Loss          float32 `json:"loss"`  // the batch's mean loss
	Accuracy      float64 `json:"accuracy"`
	SamplesPerSec float64 `json:"samples_per_sec"` // over the epoch so far
	ETA           float64 `json:"eta_seconds"`     // till the end of the run, evaluations aside
}

// EpochSummary reports an epoch and the evaluation after it.
type EpochSummary struct {
	Epoch        int     `json:"epoch"` // from 0
	Loss         float64 `json:"loss"`  // mean training loss
	Accuracy     float64 `json:"accuracy"`
	TestLoss     float64 `json:"test_loss"`
	TestAccuracy float64 `json:"test_accuracy"`
	// PerClass is the test accuracy of each digit, -1 for a digit with no
	// test images.
	PerClass []float64 `json:"per_class"`
	// Confusion[t][p] counts the test images of digit t read as p.
	Confusion     [][]int `json:"confusion"`
	SamplesPerSec float64 `json:"samples_per_sec"`
	// Memory is what the process that trains (in a browser, the leader
	// worker) holds from the system at the epoch's end, in bytes
	// (runtime.MemStats.Sys: in WebAssembly, its memory, which only
	// grows). Over a run it stops growing after the first epoch.
	Memory uint64 `json:"memory_bytes"`
	// Stopped says the run was stopped during this epoch, which is then
	// partial.
	Stopped bool `json:"stopped,omitempty"`
}

// Memory is the process's memory from the system, in bytes
// (runtime.MemStats.Sys): in WebAssembly, its memory, which only grows.
func Memory() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Sys
}

// Control pauses and resumes a run from outside it, between two steps.
// Its zero value is a running run's.
type Control struct {
	mu     sync.Mutex
	paused chan struct{} // closed on Resume; nil while running
}

// Pause makes the run wait before its next step.
func (c *Control) Pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused == nil {
		c.paused = make(chan struct{})
	}
}

// Resume lets a paused run go on.
func (c *Control) Resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused != nil {
		close(c.paused)
		c.paused = nil
	}
}

// wait blocks while the run is paused, or until ctx is done.
func (c *Control) wait(ctx context.Context) {
	c.mu.Lock()
	p := c.paused
	c.mu.Unlock()
	if p != nil {
		select {
		case <-p:
		case <-ctx.Done():
		}
	}
}

// A Run is a training run the page asked for, ready to go.
type Run struct {
	Settings Settings
	// Replicas compute shares of each batch in other workers (see
	// lstm.Replica); Settings.Workers counts them and this one.
	Replicas []lstm.Replica
	Control  Control
	// Device names where the run computes, for the model's record.
	Device string
	// Checkpoint, when set, is given the run's checkpoint after every
	// epoch but the last, with the number of epochs done (ResumeRun goes
	// on from one); an error from it stops the run. ckpt is the run's
	// buffer, valid until Checkpoint returns: copy what is kept.
	Checkpoint func(ckpt []byte, epochs int) error
	ckptBuf    bytes.Buffer // the checkpoints' bytes, kept from one to the next

	c                 *lstm.Classifier
	resume            *lstm.Trainer // the trainer to go on with, from a checkpoint; nil for a new run
	fineTuned         bool
	trainSet, testSet *mnist.Set
	own               int // the visitor's images in trainSet, repetitions counted
}

// NewRun prepares the run s asks for on data, with the visitor's own
// digits own (nil for none): from scratch on be, or fine-tuning the model
// file model.
func NewRun(be backend.Backend, s Settings, data *Subset, own *mnist.Set, model []byte) (*Run, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	r := &Run{Settings: s}
	var err error
	if s.FromScratch {
		r.c, err = lstm.NewClassifier(be, s.ModelConfig(), mnist.Classes, s.Seed)
	} else {
		r.c, _, err = lstm.Decode(be, model)
		r.fineTuned = true
	}
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if err := Check(r.c); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	r.images(data, own)
	return r, nil
}

// images picks the run's training and test images from data and the
// visitor's own digits own, as r.Settings say.
func (r *Run) images(data *Subset, own *mnist.Set) {
	s := r.Settings
	r.trainSet = data.Train.Stratified(s.TrainImages, s.Seed)
	r.testSet = data.Test.Stratified(s.TestImages, s.Seed)
	if own != nil && s.OwnRepeats > 0 {
		r.trainSet, r.own = withRepeats(r.trainSet, own, s.OwnRepeats), own.Len()*s.OwnRepeats
	}
}

// Metadata keys of a run's checkpoint: its settings (JSON), how many
// training images it had (the visitor's digits included, which may have
// changed since), and whether it fine-tunes.
const (
	metaSettings    = "run_settings"
	metaTrainImages = "run_train_images"
	metaFineTuned   = "run_fine_tuned"
)

// ResumeRun prepares the run that the checkpoint ckpt (from a Run's
// Checkpoint) interrupted, on be, data and the visitor's own digits own:
// it goes on where the checkpoint was taken and ends with the same
// parameters as a run never interrupted. It fails if the checkpoint is
// not one, or if the run's images are no longer what they were (the
// visitor's digits changed).
func ResumeRun(be backend.Backend, data *Subset, own *mnist.Set, ckpt []byte) (*Run, error) {
	tr, meta, err := lstm.DecodeCheckpoint(be, ckpt)
	if err != nil {
		return nil, err
	}
	r := &Run{c: tr.Model, resume: tr, fineTuned: meta[metaFineTuned] == "true"}
	if err := json.Unmarshal([]byte(meta[metaSettings]), &r.Settings); err != nil {
		return nil, fmt.Errorf("checkpoint: the run's settings: %v", err)
	}
	if err := r.Settings.Validate(); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if tr.Config != r.Settings.TrainConfig() {
		return nil, errors.New("checkpoint: its trainer's configuration is not its settings'")
	}
	r.images(data, own)
	if n := strconv.Itoa(r.trainSet.Len()); n != meta[metaTrainImages] {
		return nil, fmt.Errorf("checkpoint: the run trained on %s images, and would now on %s: your digits changed since", meta[metaTrainImages], n)
	}
	return r, nil
}

// checkpoint gives the trainer's checkpoint to r.Checkpoint, if set.
func (r *Run) checkpoint(tr *lstm.Trainer) error {
	if r.Checkpoint == nil {
		return nil
	}
	settings, err := json.Marshal(r.Settings)
	if err != nil {
		return err
	}
	r.ckptBuf.Reset()
	err = tr.WriteCheckpoint(&r.ckptBuf, map[string]string{
		metaSettings: string(settings), metaTrainImages: strconv.Itoa(r.trainSet.Len()), metaFineTuned: strconv.FormatBool(r.fineTuned),
	})
	if err != nil {
		return err
	}
	return r.Checkpoint(r.ckptBuf.Bytes(), tr.Next.Epoch)
}

// withRepeats returns a new set of a's images followed by b's, each of b's
// repeated n times.
func withRepeats(a, b *mnist.Set, n int) *mnist.Set {
	s := &mnist.Set{Pixels: append([]uint8(nil), a.Pixels...), Labels: append([]uint8(nil), a.Labels...)}
	for range n {
		s.Pixels = append(s.Pixels, b.Pixels...)
		s.Labels = append(s.Labels, b.Labels...)
	}
	return s
}

// Classifier is the model the run trains.
func (r *Run) Classifier() *lstm.Classifier { return r.c }

// Train trains until the last epoch ends or ctx is done (the page's Stop),
// waiting between steps while r.Control is paused. It calls report with a
// Start first, then after every step and every epoch; after every epoch it
// also gives the model file of the model as it then is, which the page can
// use at once. When stopped, it evaluates the model as it is and reports
// that as a partial epoch. It returns the final model file.
func (r *Run) Train(ctx context.Context, report func(rep Report, model []byte)) ([]byte, error) {
	s := r.Settings
	trainB, err := mnist.NewBatches(r.trainSet, s.Batch, s.Seed)
	if err != nil {
		return nil, err
	}
	testB, err := mnist.NewBatches(r.testSet, s.Batch, s.Seed)
	if err != nil {
		return nil, err
	}
	tr := r.resume
	if tr == nil {
		if tr, err = lstm.NewTrainer(r.c, s.TrainConfig()); err != nil {
			return nil, err
		}
	}
	tr.Replicas = r.Replicas
	steps, done := s.Epochs*trainB.Len(), tr.Next.Step
	report(Report{Start: &Start{
		Config: r.c.Config(), Parameters: r.c.Params().Count(), TrainImages: r.trainSet.Len(), OwnImages: r.own,
		TestImages: r.testSet.Len(), Batches: trainB.Len(), Steps: steps, Workers: len(r.Replicas) + 1, Done: done,
	}}, nil)

	start := time.Now()
	var (
		last    *lstm.Evaluation
		model   []byte  // the last epoch's model file, the run's result if it ends there
		running float64 // the epoch's loss sum and sample count so far, for a stop
		right   float64
		seen    int
	)
	onStep := func(rep lstm.StepReport) {
		perStep := time.Since(start).Seconds() / float64(rep.Step+1-done)
		if rep.Batch == 0 {
			running, right, seen = 0, 0, 0
		}
		n := min(s.Batch, r.trainSet.Len()-rep.Batch*s.Batch)
		running += float64(rep.Loss) * float64(n)
		right += rep.Accuracy * float64(n)
		seen += n
		report(Report{Step: &Step{
			Epoch: rep.Epoch, Batch: rep.Batch, Step: rep.Step, Loss: rep.Loss, Accuracy: rep.Accuracy,
			SamplesPerSec: rep.SamplesPerSec, ETA: perStep * float64(steps-rep.Step-1),
		}}, nil)
		r.Control.wait(ctx)
	}
	onEpoch := func(rep lstm.EpochReport) error {
		last, seen = rep.Test, 0
		var err error
		if model, err = r.model(last, tr.Next.Epoch, time.Since(start)); err != nil {
			return err
		}
		// The checkpoint first (none at the run's end: nothing to resume),
		// so that the epoch's report, and the memory it gives, come after
		// all of the epoch's work.
		if tr.Next.Epoch < s.Epochs {
			if err := r.checkpoint(tr); err != nil {
				return err
			}
		}
		report(Report{Epoch: summary(rep.Epoch, rep.Loss, rep.Accuracy, rep.SamplesPerSec, rep.Test, false)}, model)
		return nil
	}
	err = tr.Run(ctx, trainB, testB, onStep, onEpoch)
	switch {
	case errors.Is(err, context.Canceled) && seen > 0:
		// Stopped mid-epoch: evaluate what there is, for the page.
		ev, err := r.c.Evaluate(context.Background(), testB)
		if err != nil {
			return nil, err
		}
		last = ev
		model, err := r.model(ev, tr.Next.Epoch, time.Since(start))
		if err != nil {
			return nil, err
		}
		report(Report{Epoch: summary(tr.Next.Epoch, running/float64(seen), right/float64(seen), 0, ev, true)}, model)
		return model, nil
	case errors.Is(err, context.Canceled):
		return r.model(last, tr.Next.Epoch, time.Since(start))
	case errors.Is(err, lstm.ErrNotFinite):
		return nil, fmt.Errorf("epoch %d, batch %d: the loss or gradient is not finite: try a lower learning rate", tr.Next.Epoch+1, tr.Next.Batch+1)
	case err != nil:
		return nil, err
	}
	if model != nil {
		return model, nil // the file the last epoch gave, not one dated a moment later
	}
	return r.model(last, s.Epochs, time.Since(start))
}

// model returns the model file of the run's model after epochs epochs
// (whole or begun), evaluated as ev (nil if not yet).
func (r *Run) model(ev *lstm.Evaluation, epochs int, took time.Duration) ([]byte, error) {
	rec := NewRecord(r.Settings.TrainConfig(), r.trainSet.Len(), ev, took, r.Device)
	rec.Epochs, rec.FineTuned = epochs, r.fineTuned
	return r.c.Encode(rec.Metadata())
}

// summary returns the page's report of an epoch evaluated as ev.
func summary(epoch int, loss, acc, speed float64, ev *lstm.Evaluation, stopped bool) *EpochSummary {
	perClass := make([]float64, len(ev.PerClass))
	for i, a := range ev.PerClass {
		perClass[i] = a
		if math.IsNaN(a) {
			perClass[i] = -1 // JSON has no NaN
		}
	}
	return &EpochSummary{
		Epoch: epoch, Loss: loss, Accuracy: acc, TestLoss: ev.Loss, TestAccuracy: ev.Accuracy,
		PerClass: perClass, Confusion: ev.Confusion, SamplesPerSec: speed, Stopped: stopped, Memory: Memory(),
	}
}

// HoldMemory sets the Go runtime's soft memory limit to the memory the
// process holds now. A browser's WebAssembly memory never shrinks, and
// the collector's goal, twice the heap it last found live, ratchets up
// over a run's first epochs as its collections fall on heavier moments;
// the page and the training worker call this after a run's first epoch
// (its checkpoint written, so every path a run takes has been taken), so
// that the tab's memory stays flat from then on. The limit is soft: a
// heap that needs more still gets it. (A limit of 1.25× that let the
// memory creep up to it over the epochs: web/NOTES.md.)
func HoldMemory() {
	debug.SetMemoryLimit(int64(Memory()))
}
