package main

import (
	"flag"

	"github.com/lstm-digits/lstm-digits/assets"
	"github.com/lstm-digits/lstm-digits/backend"
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
