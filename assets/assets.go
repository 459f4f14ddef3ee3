// Package assets holds the files that every build of digits carries: the
// bundled model.
package assets

import _ "embed"

// Model is model.safetensors, the seed classifier trained on MNIST by
// `make train` (see its "training" metadata for how, and how well).
//
//go:embed model.safetensors
var Model []byte
