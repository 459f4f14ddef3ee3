package digit

import (
	"bytes"
	"compress/gzip"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lstm-digits/lstm-digits/assets"
	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

func shippedData(t *testing.T) *Subset {
	t.Helper()
	d, err := DecodeSubset(assets.MNISTSubset)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestShippedSubset checks the subset the site ships: its sizes, that every
// digit is there in MNIST's proportions, and that it is MNIST's own
// images (the first test image of the subset is among MNIST's test set).
func TestShippedSubset(t *testing.T) {
	d := shippedData(t)
	if d.Train.Len() != 10_000 || d.Test.Len() != 2_000 {
		t.Fatalf("subset has %d training and %d test images, want 10,000 and 2,000", d.Train.Len(), d.Test.Len())
	}
	var count [mnist.Classes]int
	for _, l := range d.Train.Labels {
		count[l]++
	}
	for digit, n := range count {
		if n < 850 || n > 1150 {
			t.Errorf("digit %d: %d training images, want about 1,000", digit, n)
		}
	}
	full, err := mnist.LoadDefault(context.Background())
	if err != nil {
		t.Skipf("MNIST itself is not at hand to compare with: %v", err)
	}
	again, err := EncodeSubset(full.Train.Stratified(10_000, 1), full.Test.Stratified(2_000, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := DecodeSubset(again)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d2.Train.Pixels, d.Train.Pixels) || !bytes.Equal(d2.Test.Labels, d.Test.Labels) {
		t.Fatal("the shipped subset is not MNIST's stratified sample with seed 1: run make subset")
	}
}

// TestDecodeSubsetRejects checks the messages for files that are not a
// data file.
func TestDecodeSubsetRejects(t *testing.T) {
	set := func(n int) *mnist.Set {
		s, err := mnist.NewSet(make([]uint8, n*mnist.Pixels), make([]uint8, n))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	empty, err := EncodeSubset(set(0), set(3), nil)
	if err != nil {
		t.Fatal(err)
	}
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(make([]byte, maxData+10))
	zw.Close()
	var notST bytes.Buffer
	zw = gzip.NewWriter(&notST)
	zw.Write([]byte("hello"))
	zw.Close()
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"not gzip", []byte("this is not a gzip stream"), "data file: decompressing: gzip: invalid header"},
		{"truncated", assets.MNISTSubset[:1000], "data file: decompressing: unexpected EOF"},
		{"too big", bomb.Bytes(), "data file: decompresses to more than 67108864 bytes"},
		{"not safetensors", notST.Bytes(), "data file: safetensors"},
		{"empty set", empty, "0 training and 3 test images"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeSubset(tc.file)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestRunLearns trains a small model from scratch on the shipped subset
// and checks the reports: a start, every step, every epoch with its model
// file, a falling loss and a test accuracy well above chance.
func TestRunLearns(t *testing.T) {
	s := Defaults()
	s.Hidden, s.Layers, s.Epochs, s.TrainImages, s.TestImages, s.Batch, s.LR = 64, 1, 5, 3000, 300, 50, 1e-2
	r, err := NewRun(cpu.New(), s, shippedData(t), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var (
		starts int
		steps  []Step
		epochs []EpochSummary
		model  []byte
	)
	final, err := r.Train(context.Background(), func(rep Report, m []byte) {
		switch {
		case rep.Start != nil:
			starts++
			if rep.Start.Steps != 5*60 || rep.Start.Parameters != 4*64*(28+64)+8*64+650 {
				t.Errorf("start %+v", *rep.Start)
			}
		case rep.Step != nil:
			steps = append(steps, *rep.Step)
		case rep.Epoch != nil:
			epochs = append(epochs, *rep.Epoch)
			model = m
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if starts != 1 || len(steps) != 300 || len(epochs) != 5 || !bytes.Equal(model, final) {
		t.Fatalf("%d starts, %d steps, %d epochs (want 1, 300, 5); last epoch's model is the final one: %v", starts, len(steps), len(epochs), bytes.Equal(model, final))
	}
	first, last := meanLoss(steps[:10]), meanLoss(steps[290:])
	acc := epochs[4].TestAccuracy
	t.Logf("loss %.3f → %.3f, test accuracy %.3f, ETA at step 1 %.1fs", first, last, acc, steps[0].ETA)
	if !(last < first/2 && acc > 0.75) {
		t.Fatalf("did not learn: loss %.3f → %.3f, test accuracy %.3f", first, last, acc)
	}
	c, meta, err := lstm.Decode(cpu.New(), final)
	if err != nil {
		t.Fatal(err)
	}
	rec, ok := lstm.ReadRecord(meta)
	if !ok || rec.TestAccuracy != acc || rec.TestImages != 300 || rec.Epochs != 5 || c.Config().HiddenSize != 64 {
		t.Fatalf("model record %+v (%v), config %+v", rec, ok, c.Config())
	}
}

func meanLoss(steps []Step) float64 {
	var s float64
	for _, st := range steps {
		s += float64(st.Loss)
	}
	return s / float64(len(steps))
}

// TestRunPauseStopFineTune fine-tunes the shipped model with the visitor's
// digits mixed in, pauses it (no step is taken while paused), resumes,
// then stops it mid-epoch, which still evaluates and returns the model.
func TestRunPauseStopFineTune(t *testing.T) {
	s := Defaults()
	s.FromScratch, s.Epochs, s.TrainImages, s.TestImages, s.OwnRepeats = false, 2, 400, 200, 3
	own, err := mnist.NewSet(make([]uint8, 5*mnist.Pixels), []uint8{1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRun(cpu.New(), s, shippedData(t), own, assets.Model)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var (
		mu       sync.Mutex
		steps    int
		epochs   []EpochSummary
		start    Start
		resumeAt = make(chan struct{})
	)
	go func() {
		<-resumeAt
		mu.Lock()
		at := steps
		mu.Unlock()
		// A paused run takes no step, however long it waits.
		for range 50 {
			time.Sleep(time.Millisecond)
			mu.Lock()
			if steps != at {
				t.Errorf("%d steps taken while paused", steps-at)
			}
			mu.Unlock()
		}
		r.Control.Resume()
	}()
	final, err := r.Train(ctx, func(rep Report, m []byte) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case rep.Start != nil:
			start = *rep.Start
		case rep.Step != nil:
			steps++
			if steps == 1 {
				r.Control.Pause()
				close(resumeAt)
			}
			if steps == 3 {
				stop()
			}
		case rep.Epoch != nil:
			epochs = append(epochs, *rep.Epoch)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if start.TrainImages != 415 || start.OwnImages != 15 || start.Config.HiddenSize != 128 {
		t.Fatalf("start %+v", start)
	}
	if steps != 3 || len(epochs) != 1 || !epochs[0].Stopped || epochs[0].TestAccuracy < 0.95 {
		t.Fatalf("%d steps, epochs %+v", steps, epochs)
	}
	rec, ok := lstm.ReadRecord(mustMeta(t, final))
	if !ok || !rec.FineTuned || rec.TestAccuracy != epochs[0].TestAccuracy {
		t.Fatalf("record %+v", rec)
	}
}

func mustMeta(t *testing.T, model []byte) map[string]string {
	t.Helper()
	_, meta, err := lstm.Decode(cpu.New(), model)
	if err != nil {
		t.Fatal(err)
	}
	return meta
}

// TestNewRunRejects checks settings and models a run refuses.
func TestNewRunRejects(t *testing.T) {
	d := shippedData(t)
	bad := Defaults()
	bad.LR = 0
	notMNIST, err := lstm.NewClassifier(cpu.New(), lstm.Config{InputSize: 5, HiddenSize: 3, NumLayers: 1, BatchFirst: true}, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	five, err := notMNIST.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	fine := Defaults()
	fine.FromScratch = false
	for _, tc := range []struct {
		name  string
		s     Settings
		model []byte
		want  string
	}{
		{"learning rate", bad, nil, "learning rate must be above 0 and at most 1, not 0"},
		{"hidden", func() Settings { s := Defaults(); s.Hidden = 4096; return s }(), nil, "hidden size must be between 1 and 512, not 4096"},
		{"data", func() Settings { s := Defaults(); s.Data = "all"; return s }(), nil, `data must be subset or mnist, not "all"`},
		{"corrupt model", fine, assets.Model[:100], "model: "},
		{"other model", fine, five, "model: the model reads 5 values a step into 10 classes; a digit model reads 28 into 10, batch first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRun(cpu.New(), tc.s, d, nil, tc.model)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestRunResume checkpoints a run of 3 epochs after each of the first two
// and stops it after its first; the run resumed from the first checkpoint
// ends with exactly the parameters of the run never interrupted, and
// reports where it went on from. A checkpoint whose run's images changed
// (the visitor's digits), or that is not one, is refused.
func TestRunResume(t *testing.T) {
	s := Defaults()
	s.FromScratch, s.Hidden, s.Layers, s.Epochs, s.TrainImages, s.TestImages, s.Batch, s.OwnRepeats = true, 16, 2, 3, 300, 100, 50, 2
	data := shippedData(t)
	own, err := mnist.NewSet(make([]uint8, 2*mnist.Pixels), []uint8{4, 7})
	if err != nil {
		t.Fatal(err)
	}
	whole, err := NewRun(cpu.New(), s, data, own, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ckpts [][]byte
	whole.Checkpoint = func(c []byte, epochs int) error {
		if epochs != len(ckpts)+1 {
			t.Errorf("checkpoint %d after %d epochs", len(ckpts)+1, epochs)
		}
		ckpts = append(ckpts, bytes.Clone(c))
		return nil
	}
	want, err := whole.Train(context.Background(), func(Report, []byte) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(ckpts) != 2 {
		t.Fatalf("%d checkpoints over 3 epochs, want 2 (none after the last)", len(ckpts))
	}

	r, err := ResumeRun(cpu.New(), data, own, ckpts[0])
	if err != nil {
		t.Fatal(err)
	}
	var start *Start
	got, err := r.Train(context.Background(), func(rep Report, _ []byte) {
		if rep.Start != nil {
			start = rep.Start
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if start == nil || start.Done != 7 || start.Steps != 21 {
		t.Errorf("the resumed run starts with %+v, want 7 of 21 steps done", start)
	}
	a, _, err := lstm.Decode(cpu.New(), want)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := lstm.Decode(cpu.New(), got)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range a.Params().List() {
		x, _ := a.Params().Get(p.Name)
		y, _ := b.Params().Get(p.Name)
		if !slices.Equal(x, y) {
			t.Fatalf("parameter %s differs between the run never interrupted and the resumed one", p.Name)
		}
	}

	fewer, err := mnist.NewSet(make([]uint8, mnist.Pixels), []uint8{4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ResumeRun(cpu.New(), data, fewer, ckpts[0]); err == nil || !strings.Contains(err.Error(), "your digits changed") {
		t.Errorf("resuming with other digits: %v", err)
	}
	if _, err := ResumeRun(cpu.New(), data, own, want); err == nil {
		t.Error("a model file, not a checkpoint, was resumed")
	}
}
