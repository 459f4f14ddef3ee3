package digit

import (
	"fmt"
	"math"

	"github.com/lstm-digits/lstm-digits/lstm"
)

// Settings are what the page asks of a training run.
type Settings struct {
	// FromScratch starts from freshly initialised parameters; otherwise
	// the run fine-tunes the model it is given.
	FromScratch bool `json:"from_scratch"`
	// Hidden and Layers shape a model trained from scratch (a fine-tuned
	// model keeps its own).
	Hidden int `json:"hidden"`
	Layers int `json:"layers"`
	// LR is Adam's learning rate.
	LR     float32 `json:"lr"`
	Batch  int     `json:"batch"`
	Epochs int     `json:"epochs"`
	// Data is the data set to train and test on: DataSubset (the shipped
	// subset; "" too, as in the settings of checkpoints and links made
	// before all of MNIST was offered) or DataMNIST.
	Data string `json:"data,omitempty"`
	// TrainImages and TestImages are how many images of the data set to
	// train and test on: stratified samples of it.
	TrainImages int `json:"train_images"`
	TestImages  int `json:"test_images"`
	// Mine is how many times each of the visitor's own digits appears in
	// an epoch, mixed with the MNIST images so that the model learns the
	// visitor's hand without forgetting everyone else's; 0 leaves them
	// out.
	OwnRepeats int `json:"own_repeats"`
	// Workers is how many Web Workers share each batch (1: one alone).
	Workers int    `json:"workers"`
	Seed    uint64 `json:"seed"`
}

// Defaults returns the seed's settings (SeedTraining, digits train's
// defaults) on the subset's 10,000 training and 2,000 test images, from
// scratch.
func Defaults() Settings {
	tc := SeedTraining()
	return Settings{
		FromScratch: true, Hidden: LSTMConfig().HiddenSize, Layers: LSTMConfig().NumLayers, LR: tc.Adam.LR, Batch: tc.Batch, Epochs: tc.Epochs,
		Data: DataSubset, TrainImages: 10_000, TestImages: 2_000, Workers: 1, Seed: tc.Seed,
	}
}

// The data sets a run may train and test on.
const (
	// DataSubset is the subset shipped with the page (SubsetPath): 10,000
	// training and 2,000 test images, quick to load.
	DataSubset = "subset"
	// DataMNIST is all of MNIST, 60,000 training and 10,000 test images:
	// the four published files, which the page fetches on demand from
	// MNISTDir.
	DataMNIST = "mnist"
)

// SeedOnMNIST returns the seed's settings on all of MNIST: the run that
// trained the bundled model, from scratch.
func SeedOnMNIST() Settings {
	s := Defaults()
	s.Data, s.TrainImages, s.TestImages = DataMNIST, 60_000, 10_000
	return s
}

// OnMNIST reports whether s trains on all of MNIST.
func (s Settings) OnMNIST() bool { return s.Data == DataMNIST }

// TrainConfig is the trainer's configuration for s: the seed's, with s's
// epochs, batch, learning rate and seed.
func (s Settings) TrainConfig() lstm.TrainConfig {
	tc := SeedTraining()
	tc.Epochs, tc.Batch, tc.Adam.LR, tc.Seed = s.Epochs, s.Batch, s.LR, s.Seed
	return tc
}

// Limits of the settings the page accepts: a browser tab has little memory
// and one thread per worker.
const (
	MaxHidden  = 512
	MaxLayers  = 4
	MaxBatch   = 1000
	MaxEpochs  = 100
	MaxMine    = 100
	MaxWorkers = 16
)

// Validate reports the first setting out of range, in words for the page.
func (s Settings) Validate() error {
	between := func(what string, v, lo, hi int) error {
		if v < lo || v > hi {
			return fmt.Errorf("%s must be between %d and %d, not %d", what, lo, hi, v)
		}
		return nil
	}
	for _, err := range []error{
		between("hidden size", s.Hidden, 1, MaxHidden),
		between("layers", s.Layers, 1, MaxLayers),
		between("batch size", s.Batch, 1, MaxBatch),
		between("epochs", s.Epochs, 1, MaxEpochs),
		between("training images", s.TrainImages, 1, math.MaxInt32),
		between("test images", s.TestImages, 1, math.MaxInt32),
		between("repetitions of your digits", s.OwnRepeats, 0, MaxMine),
		between("workers", s.Workers, 1, MaxWorkers),
	} {
		if err != nil {
			return err
		}
	}
	if s.Data != "" && s.Data != DataSubset && s.Data != DataMNIST {
		return fmt.Errorf("data must be %s or %s, not %q", DataSubset, DataMNIST, s.Data)
	}
	if !(s.LR > 0 && s.LR <= 1) {
		return fmt.Errorf("learning rate must be above 0 and at most 1, not %v", s.LR)
	}
	return nil
}

// ModelConfig is the classifier a run from scratch trains: the seed's
// model with s's hidden size and layers.
func (s Settings) ModelConfig() lstm.Config {
	cfg := LSTMConfig()
	cfg.HiddenSize, cfg.NumLayers = s.Hidden, s.Layers
	return cfg
}
