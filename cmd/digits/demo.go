package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

var demoCommand = &command{
	name:    "demo",
	summary: "train the seed model on synthetic digits and print its loss falling",
	examples: `  digits demo                      # 120 steps of the seed model (about a minute)
  digits demo --steps 40 --batch 16 # a quicker look
`,
	run: runDemo,
}

// The demo's synthetic digits: class k is a bright horizontal stroke at
// row 4+2k of a 28×28 image, at a random column offset, over faint noise.
// To name the class the LSTM must remember, at the last row, where along
// the 28 rows it saw the stroke.
func syntheticBatch(rng *rand.Rand, n int) (lstm.Tensor, []int) {
	x := lstm.NewTensor(n, 28, 28)
	labels := make([]int, n)
	for i := range n {
		img := x.Data[i*28*28 : (i+1)*28*28]
		for j := range img {
			img[j] = 0.1 * rng.Float32()
		}
		k := rng.IntN(mnist.Classes)
		labels[i] = k
		start := rng.IntN(10)
		for col := start; col < start+18; col++ {
			img[(4+2*k)*28+col] = 1
		}
	}
	return x, labels
}

func runDemo(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	steps := fs.Int("steps", 120, "training steps")
	batch := fs.Int("batch", 32, "images per step")
	hidden := fs.Int("hidden", 128, "hidden_size of the LSTM")
	layers := fs.Int("layers", 2, "num_layers of the LSTM")
	lr := fs.Float64("lr", 1e-3, "Adam learning rate")
	seed := fs.Uint64("seed", 1, "random seed (weights and data)")
	every := fs.Int("every", 10, "print every this many steps")
	device := deviceFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *steps < 1 || *batch < 1 || *every < 1 {
		return usageError{"--steps, --batch and --every must be positive"}
	}
	be, err := openDevice(*device)
	if err != nil {
		return err
	}
	cfg := digit.LSTMConfig()
	cfg.HiddenSize, cfg.NumLayers = *hidden, *layers
	c, err := lstm.NewClassifier(be, cfg, mnist.Classes, *seed)
	if err != nil {
		return err
	}
	adam := lstm.DefaultAdam()
	adam.LR = float32(*lr)
	opt := lstm.NewAdam(c.Params(), adam)
	rng := rand.New(rand.NewPCG(*seed, 7))

	fmt.Fprintf(stdout, "Training a %d-layer LSTM (hidden %d, %d parameters) on synthetic digits, batch %d, on %s.\n",
		cfg.NumLayers, cfg.HiddenSize, c.Params().Count(), *batch, be.Name())
	var loss float64
	var correct, seen int
	start, last := time.Now(), time.Now()
	for step := 1; step <= *steps; step++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		x, labels := syntheticBatch(rng, *batch)
		r, err := c.TrainStep(x, labels, opt, 0)
		if err != nil {
			return err
		}
		loss += float64(r.Loss)
		correct += r.Correct
		seen += *batch
		if step%*every == 0 || step == *steps {
			n := float64(seen) / float64(*batch)
			fmt.Fprintf(stdout, "step %4d/%d  loss %.4f  accuracy %5.1f%%  %6.0f samples/s\n",
				step, *steps, loss/n, 100*float64(correct)/float64(seen), float64(seen)/time.Since(last).Seconds())
			loss, correct, seen, last = 0, 0, 0, time.Now()
		}
	}
	fmt.Fprintf(stdout, "Done in %.1fs.\n", time.Since(start).Seconds())
	return nil
}
