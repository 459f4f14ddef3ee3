package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

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
	opt := lstm.NewAdam(c.Params(), lstm.DefaultAdam())
	rng := rand.New(rand.NewPCG(1, 2))
	x, labels := randomBatch(rng, *batch)

	trainStep := func() error {
		_, err := c.TrainStep(x, labels, opt, 0)
		return err
	}
	train, err := medianTime(ctx, trainStep, time.Duration(*seconds*float64(time.Second)))
	if err != nil {
		return err
	}
	one, _ := randomBatch(rng, 1)
	infer, err := medianTime(ctx, func() error {
		_, err := c.Logits(one)
		return err
	}, time.Second)
	if err != nil {
		return err
	}
	r := benchResult{
		Impl: "lstm-digits", Device: be.Name(), Threads: runtime.GOMAXPROCS(0), Batch: *batch,
		TrainSamplesPerSec: float64(*batch) / train.Seconds(),
		TrainGFLOPS:        c.TrainFLOPs(*batch, 28) / train.Seconds() / 1e9,
		InferMS:            infer.Seconds() * 1e3,
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	fmt.Fprintf(stdout, "device %s, %d threads, seed model (2×LSTM 128, 28 steps of 28)\n", r.Device, r.Threads)
	fmt.Fprintf(stdout, "training, batch %d:  %8.1f samples/s  %6.2f GFLOP/s\n", r.Batch, r.TrainSamplesPerSec, r.TrainGFLOPS)
	fmt.Fprintf(stdout, "inference, 1 digit:  %8.3f ms\n", r.InferMS)
	return nil
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
