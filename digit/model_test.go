package digit

import (
	"strings"
	"testing"
	"time"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/lstm"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     lstm.Config
		classes int
		want    string // "" for a digit model
	}{
		{"the seed", LSTMConfig(), 10, ""},
		{"another row width", lstm.Config{InputSize: 5, HiddenSize: 3, NumLayers: 1, BatchFirst: true}, 10, "reads 5 values a step into 10 classes"},
		{"other classes", lstm.Config{InputSize: 28, HiddenSize: 3, NumLayers: 1, BatchFirst: true}, 26, "into 26 classes"},
	} {
		c, err := lstm.NewClassifier(cpu.New(), tc.cfg, tc.classes, 1)
		if err != nil {
			t.Fatal(err)
		}
		err = Check(c)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Check says %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestSeedSettings checks that the page's defaults are the seed's
// hyperparameters, and that a run's trainer gets them.
func TestSeedSettings(t *testing.T) {
	seed, d := SeedTraining(), Defaults()
	if got := d.TrainConfig(); got != seed {
		t.Errorf("Defaults().TrainConfig() = %+v, want the seed's %+v", got, seed)
	}
	if seed.Epochs != 20 || seed.Batch != 100 || seed.Adam != lstm.DefaultAdam() || seed.Adam.LR != 1e-3 {
		t.Errorf("SeedTraining() = %+v, not the seed's 20 epochs of batches of 100 with Adam at 1e-3", seed)
	}
	if d.Hidden != LSTMConfig().HiddenSize || d.Layers != LSTMConfig().NumLayers || !d.FromScratch {
		t.Errorf("Defaults() = %+v, not the seed model from scratch", d)
	}
}

func TestNewRecord(t *testing.T) {
	tc := SeedTraining()
	tc.Clip, tc.Schedule = 1, "cosine"
	rec := NewRecord(tc, 600, &lstm.Evaluation{Accuracy: 0.5, Samples: 200}, 1499*time.Millisecond, "cpu")
	want := lstm.Record{Epochs: 20, Batch: 100, LR: 1e-3, Schedule: "cosine", Clip: 1, Seed: 1, TrainImages: 600,
		TestAccuracy: 0.5, TestImages: 200, Seconds: 1, Device: "cpu", Date: rec.Date}
	if rec != want {
		t.Errorf("NewRecord = %+v, want %+v", rec, want)
	}
	if _, err := time.Parse(time.RFC3339, rec.Date); err != nil {
		t.Errorf("date %q: %v", rec.Date, err)
	}
	if rec := NewRecord(tc, 600, nil, 0, "cpu"); rec.TestImages != 0 || rec.TestAccuracy != 0 {
		t.Errorf("without an evaluation the record says %d test images at %v", rec.TestImages, rec.TestAccuracy)
	}
}
