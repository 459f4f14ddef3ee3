package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

var predictCommand = &command{
	name:    "predict",
	summary: "read the digit in each of some PNG or JPEG images",
	examples: `  digits predict digit.png                    # the digit, its probability, all ten
  digits predict --json a.png b.jpg           # one JSON object per file, one per line
  digits predict --model run/model.safetensors scan.jpg

The files follow the flags: digits predict [flags] FILE.png|FILE.jpg ...
Each picture, of one digit, is made MNIST-style before the model reads it:
ink made white on black (dark ink on light paper works too), its bounding box
scaled into 20×20, and centred by its centre of mass in 28×28. The images go
through the model together, in batches of up to 1,000. One line per file, in
the order given:

  FILE: DIGIT  (p=P)  [the probabilities of 0, 1, …, 9]

With --json: {"file", "digit", "probabilities"}. A file that cannot be read,
is not a PNG or JPEG, has more than 25 megapixels or shows no ink is named in
an error on stderr after the other files' lines, and the exit code is 1.
`,
	run: runPredict,
}

// predictBatch is the most images that predict runs through the model at
// once: all of them, for any ordinary command line.
const predictBatch = 1000

// prediction is one line of digits predict --json.
type prediction struct {
	File          string    `json:"file"`
	Digit         int       `json:"digit"`
	Probabilities []float64 `json:"probabilities"`
}

func runPredict(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	modelPath := modelFlag(fs)
	asJSON := fs.Bool("json", false, "print one JSON object per file, one per line")
	device := deviceFlag(fs)
	// Not parse: the files are positional arguments.
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	files := fs.Args()
	if len(files) == 0 {
		return usageError{"no image file: give one or more PNG or JPEG files"}
	}
	c, err := openDigitModel(*device, *modelPath)
	if err != nil {
		return err
	}

	var (
		read   []string  // the files read, in order
		pixels []float32 // their MNIST-style images, one after the other
		failed fileErrors
	)
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		x, err := readDigit(name)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		read = append(read, name)
		pixels = append(pixels, x...)
	}
	preds, err := predictImages(c, read, pixels)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, p := range preds {
		if *asJSON {
			err = enc.Encode(p)
		} else {
			_, err = fmt.Fprintf(stdout, "%s: %d  (p=%.3f)  [%s]\n", p.File, p.Digit, p.Probabilities[p.Digit], compactProbabilities(p.Probabilities))
		}
		if err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		if len(failed) < len(files) {
			return fmt.Errorf("%d of %d files failed: %w", len(failed), len(files), failed)
		}
		return failed
	}
	return nil
}

// predictImages runs c on the MNIST-style images in pixels, one per file of
// files, predictBatch at a time, and returns each file's prediction.
func predictImages(c *lstm.Classifier, files []string, pixels []float32) ([]prediction, error) {
	preds := make([]prediction, 0, len(files))
	for start := 0; start < len(files); start += predictBatch {
		n := min(predictBatch, len(files)-start)
		x := lstm.Tensor{
			Shape: []int{n, mnist.Rows, mnist.Cols},
			Data:  pixels[start*mnist.Pixels : (start+n)*mnist.Pixels],
		}
		logits, err := c.Logits(x)
		if err != nil {
			return nil, err
		}
		for i := range n {
			row := logits.Data[i*c.NumClasses : (i+1)*c.NumClasses]
			preds = append(preds, prediction{
				File: files[start+i], Digit: lstm.Argmax(row), Probabilities: lstm.Softmax(row),
			})
		}
	}
	return preds, nil
}

// readDigit reads the PNG or JPEG image at path and returns it MNIST-style:
// 28×28 values in [0, 1], white ink on black. It refuses an image of more
// than mnist.DefaultMaxPixels pixels before decoding it.
func readDigit(path string) ([]float32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &fileError{path, err}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, &fileError{path, errors.New("is a directory")}
	}
	img, err := mnist.DecodeImage(f, mnist.DefaultMaxPixels)
	if err != nil {
		return nil, &fileError{path, err}
	}
	x, err := mnist.Preprocess(img)
	if err != nil {
		return nil, &fileError{path, err}
	}
	return x, nil
}

// fileError is a failure to read one image file.
type fileError struct {
	path string
	err  error
}

// Error names the file once: without the path that an os error repeats,
// and without the "mnist: " prefix of the mnist package's errors.
func (e *fileError) Error() string {
	err := e.err
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == e.path {
		err = pe.Err
	}
	return e.path + ": " + strings.TrimPrefix(err.Error(), "mnist: ")
}

func (e *fileError) Unwrap() error { return e.err }

// fileErrors are the failures of several files, reported on one line.
type fileErrors []error

func (errs fileErrors) Error() string {
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (errs fileErrors) Unwrap() []error { return errs }

// compactProbabilities formats p for a person: three decimals each,
// without the leading zero (".000 .998 …"), separated by spaces.
func compactProbabilities(p []float64) string {
	s := make([]string, len(p))
	for i, v := range p {
		s[i] = strings.TrimPrefix(fmt.Sprintf("%.3f", v), "0")
	}
	return strings.Join(s, " ")
}
