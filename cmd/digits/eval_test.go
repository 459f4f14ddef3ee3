package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// mnistTestClasses is how many images of each digit the MNIST test set
// holds.
var mnistTestClasses = []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}

// The MNIST data set, loaded once for all the tests that need it.
var (
	sharedMNISTOnce sync.Once
	sharedMNIST     *mnist.Data
	sharedMNISTErr  error
)

// testMNIST returns MNIST, found by mnist.LoadDefault; the test fails,
// rather than skips, when it cannot be found.
func testMNIST(t *testing.T) *mnist.Data {
	t.Helper()
	sharedMNISTOnce.Do(func() { sharedMNIST, sharedMNISTErr = mnist.LoadDefault(context.Background()) })
	if sharedMNISTErr != nil {
		t.Fatalf("the MNIST files are needed: %v", sharedMNISTErr)
	}
	return sharedMNIST
}

// runCommand runs the digits command line args and returns its exit
// code, stdout and stderr.
func runCommand(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestEvalBundledModel evaluates the bundled model on the MNIST test set
// once, with --json, and checks the report against Classifier.Evaluate,
// the test set's class counts, and itself; then the human report of the
// same evaluation.
func TestEvalBundledModel(t *testing.T) {
	data := testMNIST(t)
	code, stdout, stderr := runCommand("eval", "--json")
	if code != 0 || stderr != "" {
		t.Fatalf("eval --json exited %d, stderr %q", code, stderr)
	}
	if strings.Count(stdout, "\n") != 1 {
		t.Fatalf("eval --json printed %d lines, want one JSON object on one line", strings.Count(stdout, "\n"))
	}
	var got evalReport
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("eval --json printed %q: %v", stdout, err)
	}

	c, _, err := loadModel(cpu.New(), "")
	if err != nil {
		t.Fatal(err)
	}
	batches, err := mnist.NewBatches(data.Test, evalBatch, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.Evaluate(context.Background(), batches)
	if err != nil {
		t.Fatal(err)
	}

	if got.Model != bundledModelName || got.Samples != 10_000 || got.Samples != want.Samples {
		t.Errorf("model %q, samples %d; want %q, 10000", got.Model, got.Samples, bundledModelName)
	}
	if got.Accuracy != want.Accuracy || got.Loss != want.Loss {
		t.Errorf("accuracy %v, loss %v; Classifier.Evaluate gives %v, %v", got.Accuracy, got.Loss, want.Accuracy, want.Loss)
	}
	if got.Accuracy <= 0.9 {
		t.Errorf("accuracy %v, want > 0.9", got.Accuracy)
	}
	if len(got.Confusion) != mnist.Classes || len(got.PerClass) != mnist.Classes {
		t.Fatalf("%d confusion rows and %d per-class accuracies, want %d", len(got.Confusion), len(got.PerClass), mnist.Classes)
	}
	correct := 0
	for d, row := range got.Confusion {
		if !slices.Equal(row, want.Confusion[d]) {
			t.Errorf("confusion row %d is %v, Classifier.Evaluate gives %v", d, row, want.Confusion[d])
		}
		sum := 0
		for _, n := range row {
			sum += n
		}
		if sum != mnistTestClasses[d] {
			t.Errorf("confusion row %d sums to %d, want the %d test images of %d", d, sum, mnistTestClasses[d], d)
		}
		if a := got.PerClass[d]; a == nil || *a != float64(row[d])/float64(sum) {
			t.Errorf("per_class[%d] is %v, want %d/%d", d, a, row[d], sum)
		}
		correct += row[d]
	}
	if float64(correct)/float64(got.Samples) != got.Accuracy {
		t.Errorf("the confusion matrix's diagonal holds %d, accuracy is %v", correct, got.Accuracy)
	}

	// The human report of the same evaluation.
	r := newEvalReport("", want)
	r.Arch = describeModel(c.Config())
	var b strings.Builder
	if err := writeEvalReport(&b, r); err != nil {
		t.Fatal(err)
	}
	report := b.String()
	wantLines := []string{
		"model     bundled (2-layer LSTM, hidden 128)",
		fmt.Sprintf("accuracy  %.2f%%  (%d/10000 test images)", 100*want.Accuracy, correct),
		fmt.Sprintf("    1    1135  %7d  %7.2f%%", want.Confusion[1][1], 100*want.PerClass[1]),
		"confusion matrix (rows: true digit, columns: predicted)",
	}
	for _, line := range wantLines {
		if !strings.Contains(report, line+"\n") {
			t.Errorf("report lacks the line %q:\n%s", line, report)
		}
	}
	_, matrix, _ := strings.Cut(report, "columns: predicted)\n")
	rows := strings.Split(strings.TrimSuffix(matrix, "\n"), "\n")
	if len(rows) != 11 {
		t.Fatalf("confusion matrix has %d lines, want a header and 10 rows:\n%s", len(rows), matrix)
	}
	for i, row := range rows {
		if len(row) != len(rows[0]) {
			t.Errorf("confusion matrix line %d is %d wide, the header %d: not aligned\n%s", i, len(row), len(rows[0]), matrix)
		}
	}
}

// TestEvalPredictExitCodes checks that wrong command lines exit 2 and
// failures exit 1, each with one line on stderr that says what is wrong.
func TestEvalPredictExitCodes(t *testing.T) {
	dir := t.TempDir()
	notModel := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notModel, []byte("not a model\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args       []string
		code       int
		stdout     string // substring of stdout
		stderrLine string // substring of the single stderr line; "" for none
	}{
		{[]string{"help"}, 0, "predict", ""},
		{[]string{"eval", "--help"}, 0, "digits eval --data ~/mnist --json", ""},
		{[]string{"eval", "--bogus"}, exitUsage, "", "flag provided but not defined: -bogus"},
		{[]string{"eval", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{[]string{"eval", "--device", "tpu"}, exitUsage, "", `unknown device "tpu"`},
		{[]string{"eval", "--device", "cuda"}, exitFailure, "", "no CUDA backend"},
		{[]string{"eval", "--model", "/nonexistent/m.safetensors"}, exitFailure, "", "loading the model: open /nonexistent/m.safetensors: no such file or directory"},
		{[]string{"eval", "--model", notModel}, exitFailure, "", "loading the model: " + notModel},
		{[]string{"eval", "--data", "/nonexistent"}, exitFailure, "", "/nonexistent"},
		{[]string{"eval", "--data", dir}, exitFailure, "", "no train-images-idx3-ubyte"},
		{[]string{"predict", "--help"}, 0, "FILE.png|FILE.jpg", ""},
		{[]string{"predict"}, exitUsage, "", "no image file: give one or more PNG or JPEG files"},
		{[]string{"predict", "--json"}, exitUsage, "", "no image file"},
		{[]string{"predict", "--bogus", "a.png"}, exitUsage, "", "flag provided but not defined: -bogus"},
		{[]string{"predict", "--device", "tpu", "a.png"}, exitUsage, "", `unknown device "tpu"`},
		{[]string{"predict", "--model", "/nonexistent/m.safetensors", "a.png"}, exitFailure, "", "loading the model: open /nonexistent/m.safetensors"},
		{[]string{"predict", "--model", notModel, notModel}, exitFailure, "", "loading the model: " + notModel},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCommand(tc.args...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if !strings.Contains(stdout, tc.stdout) {
				t.Fatalf("stdout %q does not contain %q", stdout, tc.stdout)
			}
			checkStderrLine(t, stderr, tc.stderrLine)
		})
	}
}

// checkStderrLine checks that stderr is empty when want is "", and
// otherwise one line that contains want.
func checkStderrLine(t *testing.T, stderr, want string) {
	t.Helper()
	if want == "" {
		if stderr != "" {
			t.Fatalf("unexpected stderr %q", stderr)
		}
		return
	}
	if !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("stderr %q: want one line containing %q", stderr, want)
	}
}
