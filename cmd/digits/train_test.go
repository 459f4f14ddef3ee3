package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// quick are the flags of a training run small enough for a test.
var quick = []string{"--subset", "3000", "--hidden", "32", "--batch", "50", "--lr", "0.01"}

// runDigits runs a command line and returns its exit code and outputs.
func runDigits(ctx context.Context, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func readMetrics(t *testing.T, dir string) []epochMetrics {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ms []epochMetrics
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m epochMetrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}

// TestTrainEndToEnd trains briefly on real MNIST and checks that the loss
// falls, the accuracy rises, every file is written, and the model's own
// evaluation agrees with what the trainer recorded.
func TestTrainEndToEnd(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runDigits(context.Background(), append([]string{"train", "--epochs", "2", "--out", dir, "--json"}, quick...)...)
	if code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	for _, f := range []string{"checkpoint.safetensors", "model.safetensors", "metrics.jsonl", "loss.png", "accuracy.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Fatalf("%s not written: %v", f, err)
		}
	}
	ms := readMetrics(t, dir)
	if len(ms) != 2 || strings.Count(stdout, "\n") != 2 {
		t.Fatalf("%d epochs in metrics.jsonl and %d JSON lines on stdout, want 2", len(ms), strings.Count(stdout, "\n"))
	}
	if !(ms[1].TrainLoss < ms[0].TrainLoss && ms[1].TestAccuracy > ms[0].TestAccuracy && ms[1].TestAccuracy > 0.5) {
		t.Fatalf("did not learn: %+v", ms)
	}
	c, meta, err := lstm.Load(cpu.New(), filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	rec, ok := lstm.ReadRecord(meta)
	if !ok {
		t.Fatalf("model has no readable training record: %q", meta[lstm.RecordKey])
	}
	data, err := mnist.LoadDefault(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	test, err := mnist.NewBatches(data.Test, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := c.Evaluate(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Accuracy != rec.TestAccuracy || ev.Accuracy != ms[1].TestAccuracy || rec.Epochs != 2 || rec.TrainImages != 3000 {
		t.Fatalf("model evaluates to %v; training record %+v; last epoch %v", ev.Accuracy, rec, ms[1].TestAccuracy)
	}
}

func modelParams(t *testing.T, path string) map[string][]float32 {
	t.Helper()
	c, _, err := lstm.Load(cpu.New(), path)
	if err != nil {
		t.Fatal(err)
	}
	ps := map[string][]float32{}
	for _, p := range c.Params().List() {
		ps[p.Name], _ = c.Params().Get(p.Name)
	}
	return ps
}

// TestTrainInterruptResume interrupts runs (as Ctrl-C does, before the
// first step; and after the first epoch) and resumes them, and checks that
// the final parameters are those of an uninterrupted run with the same seed.
func TestTrainInterruptResume(t *testing.T) {
	whole := t.TempDir()
	if code, _, stderr := runDigits(context.Background(), append([]string{"train", "--epochs", "2", "--out", whole}, quick...)...); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	want := modelParams(t, filepath.Join(whole, "model.safetensors"))

	// Ctrl-C before the first step: the checkpoint holds the start.
	interrupted := t.TempDir()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	code, _, stderr := runDigits(canceled, append([]string{"train", "--epochs", "2", "--out", interrupted}, quick...)...)
	if _, err := os.Stat(filepath.Join(interrupted, "checkpoint.safetensors")); code != exitInterrupted || err != nil {
		t.Fatalf("interrupted train exited %d (%s) and saved no checkpoint: %v", code, stderr, err)
	}
	// One epoch, then resumed for a second.
	oneEpoch := t.TempDir()
	if code, _, stderr := runDigits(context.Background(), append([]string{"train", "--epochs", "1", "--out", oneEpoch}, quick...)...); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	for dir, args := range map[string][]string{interrupted: {"--resume"}, oneEpoch: {"--resume", "--epochs", "2"}} {
		if code, _, stderr := runDigits(context.Background(), append([]string{"train", "--out", dir}, args...)...); code != 0 {
			t.Fatalf("train %v exited %d: %s", args, code, stderr)
		}
		got := modelParams(t, filepath.Join(dir, "model.safetensors"))
		for name, v := range want {
			if !slices.Equal(got[name], v) {
				t.Fatalf("resumed with %v: parameter %s differs from the uninterrupted run's", args, name)
			}
		}
	}
	if ms := readMetrics(t, oneEpoch); len(ms) != 2 || ms[1].Epoch != 2 {
		t.Fatalf("metrics after resuming: %+v", ms)
	}
}

// TestTrainRejects checks the exit code and the one-line error of bad
// command lines and bad inputs.
func TestTrainRejects(t *testing.T) {
	badData := t.TempDir()
	if err := os.WriteFile(filepath.Join(badData, "train-images-idx3-ubyte.gz"), []byte("not mnist"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--epochs", "0"}, exitUsage, "epochs must be at least 1"},
		{[]string{"--lr", "-1"}, exitUsage, "learning rate must be positive"},
		{[]string{"--schedule", "linear"}, exitUsage, `unknown learning-rate schedule "linear"`},
		{[]string{"--hidden", "0"}, exitUsage, "hidden_size must be positive"},
		{[]string{"--proj", "500"}, exitUsage, "proj_size (500) must be smaller than hidden_size (128)"},
		{[]string{"--batch", "0"}, exitUsage, "--batch must be positive"},
		{[]string{"--epochs", "x"}, exitUsage, `invalid value "x"`},
		{[]string{"--device", "cuda"}, exitFailure, "no CUDA backend"},
		{[]string{"--data", "/nonexistent"}, exitFailure, "/nonexistent"},
		{[]string{"--data", badData}, exitFailure, "mnist"},
		{[]string{"--resume", "--out", t.TempDir()}, exitFailure, "resume"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, stderr := runDigits(context.Background(), append([]string{"train", "--out", t.TempDir()}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q: want exit %d and one line containing %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}
