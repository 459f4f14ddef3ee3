// Package digit is the digit model: the seed's LSTM classifier reading
// MNIST's 28×28 digits row by row. It holds what the command (cmd/digits),
// the web app (web) and its training worker (wasm/worker) share: the check
// that a model reads digits, the seed's training hyperparameters, the
// training record a model file carries, the browser's training run with
// its settings and reports, and the file format of the MNIST subset that
// the site ships. It is plain Go, tested natively and in WebAssembly.
package digit

import (
	"fmt"
	"math"
	"time"

	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// Check reports whether c is a digit model: it reads a row of mnist.Cols
// pixels a time step, batch first, into mnist.Classes classes.
func Check(c *lstm.Classifier) error {
	if cfg := c.Config(); cfg.InputSize != mnist.Cols || c.NumClasses != mnist.Classes || !cfg.BatchFirst {
		return fmt.Errorf("the model reads %d values a step into %d classes; a digit model reads %d into %d, batch first",
			cfg.InputSize, c.NumClasses, mnist.Cols, mnist.Classes)
	}
	return nil
}

// LSTMConfig returns the seed model's LSTM: a row of mnist.Cols pixels a
// time step, 2 layers of hidden size 128, batch first; its linear head
// maps the last step to mnist.Classes classes.
func LSTMConfig() lstm.Config {
	return lstm.Config{InputSize: mnist.Cols, HiddenSize: 128, NumLayers: 2, Bias: true, BatchFirst: true}
}

// SeedTraining returns the seed's training hyperparameters: 20 epochs of
// batches of 100, Adam with PyTorch's defaults (lr 1e-3), seed 1.
func SeedTraining() lstm.TrainConfig {
	return lstm.TrainConfig{Epochs: 20, Batch: 100, Adam: lstm.DefaultAdam(), Seed: 1}
}

// NewRecord returns the training record of a model trained with tc on
// trainImages images, for took, on device, and evaluated as ev (nil for
// not yet). The caller sets what only it knows (the code version, a
// fine-tune, epochs short of tc's).
func NewRecord(tc lstm.TrainConfig, trainImages int, ev *lstm.Evaluation, took time.Duration, device string) lstm.Record {
	rec := lstm.Record{
		Epochs: tc.Epochs, Batch: tc.Batch, LR: tc.Adam.LR, Schedule: tc.Schedule, Clip: tc.Clip, Seed: tc.Seed,
		TrainImages: trainImages, Seconds: math.Round(took.Seconds()), Device: device, Date: time.Now().UTC().Format(time.RFC3339),
	}
	if ev != nil {
		rec.TestAccuracy, rec.TestImages = ev.Accuracy, ev.Samples
	}
	return rec
}
