package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

var benchCommand = &command{
	name:    "bench",
	summary: "measure training and inference speed on the seed model's shapes",
	examples: `  digits bench                   # human-readable
  digits bench --json            # one JSON object
  GOMAXPROCS=1 digits bench      # one thread
`,
	run: runBench,
}

// benchResult is what digits bench --json prints.
type benchResult struct {
	Impl               string  `json:"impl"`
	Device             string  `json:"device"`
	Threads            int     `json:"threads"`
	Batch              int     `json:"batch"`
	TrainSamplesPerSec float64 `json:"train_samples_per_sec"`
	TrainGFLOPS        float64 `json:"train_gflops"`
	InferMS            float64 `json:"infer_ms"`
	// InferSamplesPerSec is inference (logits only) on a batch of Batch
	// digits, the figure to set beside ONNX Runtime's batched runs.
	InferSamplesPerSec float64 `json:"infer_samples_per_sec"`
	// Path is how a training step was taken: "host" (a host batch through
	// Classifier.TrainStep) or "device" (backend.Resident: the batch
	// gathered on the device, one download per step, as digits train
	// takes it there).
	Path string `json:"path"`
}

func runBench(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	batch := fs.Int("batch", 100, "training batch size")
	seconds := fs.Float64("seconds", 10, "approximate time spent measuring training")
	asJSON := fs.Bool("json", false, "print one JSON object")
	device := deviceFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *batch < 1 || *seconds <= 0 {
		return usageError{"--batch and --seconds must be positive"}
	}
	be, err := openDevice(*device)
	if err != nil {
		return err
	}
	c, err := lstm.NewClassifier(be, digit.LSTMConfig(), mnist.Classes, 1)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	budget := time.Duration(*seconds * float64(time.Second))
	path := "host"
	var train time.Duration
	if _, ok := be.(backend.Resident); ok {
		path = "device"
		train, err = deviceStepTime(ctx, c, rng, *batch, budget)
	} else {
		opt := lstm.NewAdam(c.Params(), lstm.DefaultAdam())
		x, labels := randomBatch(rng, *batch)
		train, err = medianTime(ctx, func() error {
			_, err := c.TrainStep(x, labels, opt, 0)
			return err
		}, budget)
	}
	if err != nil {
		return err
	}
	// inferTime is the median time of the logits of n random digits.
	inferTime := func(n int) (time.Duration, error) {
		x, _ := randomBatch(rng, n)
		return medianTime(ctx, func() error {
			_, err := c.Logits(x)
			return err
		}, time.Second)
	}
	infer, err := inferTime(1)
	if err != nil {
		return err
	}
	inferBatch, err := inferTime(*batch)
	if err != nil {
		return err
	}
	r := benchResult{
		Impl: "lstm-digits", Device: be.Name(), Threads: runtime.GOMAXPROCS(0), Batch: *batch,
		TrainSamplesPerSec: float64(*batch) / train.Seconds(),
		TrainGFLOPS:        c.TrainFLOPs(*batch, 28) / train.Seconds() / 1e9,
		InferMS:            infer.Seconds() * 1e3, Path: path,
		InferSamplesPerSec: float64(*batch) / inferBatch.Seconds(),
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	fmt.Fprintf(stdout, "device %s, %d threads, seed model (2×LSTM 128, 28 steps of 28)\n", r.Device, r.Threads)
	fmt.Fprintf(stdout, "training, batch %d:  %8.1f samples/s  %6.2f GFLOP/s  (%s path)\n", r.Batch, r.TrainSamplesPerSec, r.TrainGFLOPS, r.Path)
	fmt.Fprintf(stdout, "inference, 1 digit:  %8.3f ms\n", r.InferMS)
	fmt.Fprintf(stdout, "inference, batch %d: %8.1f samples/s\n", r.Batch, r.InferSamplesPerSec)
	return nil
}

// deviceStepTime returns the median time of a training step taken as
// digits train takes it on a backend.Resident device: lstm.Trainer.Run over
// a byte training set of random images (8 batches, uploaded once), each
// batch gathered on the device and one download per step. The first step,
// which uploads the set, is the warm-up.
func deviceStepTime(ctx context.Context, c *lstm.Classifier, rng *rand.Rand, batch int, budget time.Duration) (time.Duration, error) {
	n := 8 * batch
	pixels, labels := make([]uint8, n*mnist.Pixels), make([]uint8, n)
	for i := range pixels {
		pixels[i] = uint8(rng.UintN(256))
	}
	for i := range labels {
		labels[i] = uint8(rng.IntN(mnist.Classes))
	}
	set, err := mnist.NewSet(pixels, labels)
	if err != nil {
		return 0, err
	}
	batches, err := mnist.NewBatches(set, batch, 1)
	if err != nil {
		return 0, err
	}
	tr, err := lstm.NewTrainer(c, lstm.TrainConfig{Epochs: math.MaxInt32, Batch: batch, Adam: lstm.DefaultAdam(), Seed: 1})
	if err != nil {
		return 0, err
	}
	run, stop := context.WithCancel(ctx)
	defer stop()
	var times []time.Duration
	var start, last time.Time
	err = tr.Run(run, batches, nil, func(lstm.StepReport) {
		now := time.Now()
		if last.IsZero() {
			start = now // after the warm-up step
		} else {
			times = append(times, now.Sub(last))
		}
		last = now
		if len(times) >= 3 && now.Sub(start) >= budget {
			stop()
		}
	}, nil)
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if !errors.Is(err, context.Canceled) {
		return 0, fmt.Errorf("bench: training on the device path: %w", err)
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}

// randomBatch returns n random 28×28 images and labels.
func randomBatch(rng *rand.Rand, n int) (lstm.Tensor, []int) {
	x := lstm.NewTensor(n, 28, 28)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(mnist.Classes)
	}
	return x, labels
}

// medianTime runs f once to warm up, then repeatedly for about budget
// (at least 3 times), and returns the median duration.
func medianTime(ctx context.Context, f func() error, budget time.Duration) (time.Duration, error) {
	if err := f(); err != nil {
		return 0, err
	}
	var times []time.Duration
	for start := time.Now(); len(times) < 3 || time.Since(start) < budget; {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		t := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		times = append(times, time.Since(t))
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}
