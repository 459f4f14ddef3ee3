package main

import (
	"flag"
	"fmt"

	"github.com/lstm-digits/lstm-digits/assets"
	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/lstm"
)

// modelFlag adds the --model flag to fs.
func modelFlag(fs *flag.FlagSet) *string {
	return fs.String("model", "", "model file (safetensors; default: the bundled model)")
}

// loadModel reads the model at path on be, or the bundled one when path
// is "".
func loadModel(be backend.Backend, path string) (*lstm.Classifier, map[string]string, error) {
	if path == "" {
		return lstm.Decode(be, assets.Model)
	}
	return lstm.Load(be, path)
}

// openDigitModel loads the model at path (the bundled one for "") on the
// named device and checks that it reads MNIST digits.
func openDigitModel(device, path string) (*lstm.Classifier, error) {
	be, err := openDevice(device)
	if err != nil {
		return nil, err
	}
	c, _, err := loadModel(be, path)
	if err != nil {
		return nil, fmt.Errorf("loading the model: %w", err)
	}
	if err := digit.Check(c); err != nil {
		return nil, err
	}
	return c, nil
}
