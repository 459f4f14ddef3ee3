// Package assets holds the files that every build of digits carries: the
// bundled model and the MNIST subset the web app trains on.
package assets

import _ "embed"

// Model is model.safetensors, the seed classifier trained on MNIST by
// `make train` (see its "training" metadata for how, and how well).
//
//go:embed model.safetensors
var Model []byte

// MNISTSubset is mnist-subset.safetensors.gz, 10,000 training and 2,000
// test images of MNIST for training in the browser, written by
// `make subset` (package digit reads it).
//
//go:embed mnist-subset.safetensors.gz
var MNISTSubset []byte
