package lstm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/safetensors"
)

// toyBatches is a Batcher over a fixed random data set of n sequences of
// T steps of F features: faint noise, and a bright feature at the first
// step whose index is the label, for the LSTM to remember to the end.
type toyBatches struct {
	x       []float32
	y       []int
	size, T int
	F       int
	perm    []int
}

func newToyBatches(n, size, T, F int, seed uint64) *toyBatches {
	rng := rand.New(rand.NewPCG(seed, 9))
	b := &toyBatches{x: make([]float32, n*T*F), y: make([]int, n), size: size, T: T, F: F, perm: make([]int, n)}
	for i := range n {
		for j := range T * F {
			b.x[i*T*F+j] = 0.2 * rng.Float32()
		}
		b.y[i] = rng.IntN(F)
		b.x[i*T*F+b.y[i]] += 1
		b.perm[i] = i
	}
	return b
}

func (b *toyBatches) Len() int   { return (len(b.y) + b.size - 1) / b.size }
func (b *toyBatches) Size() int  { return b.size }
func (b *toyBatches) Steps() int { return b.T }
func (b *toyBatches) Shuffle(epoch int) {
	for i := range b.perm {
		b.perm[i] = i
	}
	rand.New(rand.NewPCG(uint64(epoch), 1)).Shuffle(len(b.perm), func(i, j int) { b.perm[i], b.perm[j] = b.perm[j], b.perm[i] })
}
func (b *toyBatches) Batch(k int, x []float32, y []int) (int, error) {
	lo, hi := k*b.size, min((k+1)*b.size, len(b.y))
	w := b.T * b.F
	for i, idx := range b.perm[lo:hi] {
		copy(x[i*w:(i+1)*w], b.x[idx*w:(idx+1)*w])
		y[i] = b.y[idx]
	}
	return hi - lo, nil
}

func toyTrainer(t testing.TB) *Trainer {
	t.Helper()
	cfg := Config{InputSize: 4, HiddenSize: 12, NumLayers: 2, Bias: true, BatchFirst: true, Dropout: 0.1}
	c, err := NewClassifier(cpu.New(), cfg, 4, 5)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(c, TrainConfig{Epochs: 3, Batch: 16, Adam: DefaultAdam(), Clip: 5, Schedule: "cosine", Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	tr.Opt.Config.LR = 1e-2
	tr.Config.Adam.LR = 1e-2
	return tr
}

// TestTrainerLearns checks that a run lowers the loss and raises the test
// accuracy on the toy task, and reports every step and epoch.
func TestTrainerLearns(t *testing.T) {
	tr := toyTrainer(t)
	tr.Config.Epochs = 10
	train, test := newToyBatches(400, 16, 6, 4, 1), newToyBatches(100, 50, 6, 4, 2)
	before, err := tr.Model.Evaluate(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	var steps int
	var epochs []EpochReport
	err = tr.Run(context.Background(), train, test, func(StepReport) { steps++ }, func(r EpochReport) error {
		epochs = append(epochs, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if steps != 10*train.Len() || len(epochs) != 10 {
		t.Fatalf("%d steps and %d epochs reported, want %d and 10", steps, len(epochs), 10*train.Len())
	}
	last := epochs[9]
	t.Logf("test accuracy %.2f → %.2f, loss %.3f → %.3f", before.Accuracy, last.Test.Accuracy, before.Loss, last.Test.Loss)
	if !(last.Test.Loss < before.Loss/2 && last.Test.Accuracy > 0.9 && last.Loss < epochs[0].Loss) {
		t.Fatalf("training did not learn: test loss %.3f → %.3f, accuracy %.2f → %.2f", before.Loss, last.Test.Loss, before.Accuracy, last.Test.Accuracy)
	}
}

// TestTrainerResume interrupts a run mid-epoch, saves and reloads a
// checkpoint, finishes the run, and checks that the parameters are those
// of an uninterrupted run, bit for bit.
func TestTrainerResume(t *testing.T) {
	train := newToyBatches(200, 16, 6, 4, 1)
	whole := toyTrainer(t)
	if err := whole.Run(context.Background(), train, nil, nil, nil); err != nil {
		t.Fatal(err)
	}

	part := toyTrainer(t)
	ctx, cancel := context.WithCancel(context.Background())
	stopAt := train.Len() + 5 // in the second epoch
	err := part.Run(ctx, train, nil, func(r StepReport) {
		if r.Step == stopAt {
			cancel()
		}
	}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}
	if want := (Position{Epoch: 1, Batch: 6, Step: stopAt + 1}); part.Next != want {
		t.Fatalf("interrupted at %+v, want %+v", part.Next, want)
	}
	path := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := part.SaveCheckpoint(path, nil); err != nil {
		t.Fatal(err)
	}
	var data bytes.Buffer
	if err := part.WriteCheckpoint(&data, nil); err != nil {
		t.Fatal(err)
	}
	for _, load := range []struct {
		name string
		load func() (*Trainer, map[string]string, error)
	}{
		{"file", func() (*Trainer, map[string]string, error) { return LoadCheckpoint(cpu.New(), path) }},
		{"bytes", func() (*Trainer, map[string]string, error) { return DecodeCheckpoint(cpu.New(), data.Bytes()) }},
	} {
		resumed, _, err := load.load()
		if err != nil {
			t.Fatalf("%s: %v", load.name, err)
		}
		if err := resumed.Run(context.Background(), train, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
		for _, p := range whole.Model.Params().List() {
			a, _ := whole.Model.Params().Get(p.Name)
			b, _ := resumed.Model.Params().Get(p.Name)
			if !slices.Equal(a, b) {
				t.Fatalf("%s: parameter %s differs between the uninterrupted and the resumed run", load.name, p.Name)
			}
		}
	}
}

// TestTrainStepNotFinite checks that a batch with a NaN stops the step
// with ErrNotFinite and leaves the parameters as they were.
func TestTrainStepNotFinite(t *testing.T) {
	tr := toyTrainer(t)
	x := NewTensor(2, 3, 4)
	x.Data[5] = float32(math.NaN())
	before, _ := tr.Model.Params().Get("classifier.weight")
	if _, err := tr.Model.TrainStep(x, []int{0, 1}, tr.Opt, 0); !errors.Is(err, ErrNotFinite) {
		t.Fatalf("TrainStep on NaN input returned %v, want ErrNotFinite", err)
	}
	after, _ := tr.Model.Params().Get("classifier.weight")
	if !slices.Equal(before, after) || tr.Opt.Steps() != 0 {
		t.Fatal("a non-finite step changed the parameters")
	}
}

func TestTrainConfigValidate(t *testing.T) {
	ok := TrainConfig{Epochs: 1, Adam: DefaultAdam()}
	for _, tc := range []struct {
		edit func(*TrainConfig)
		want bool
	}{
		{func(*TrainConfig) {}, true},
		{func(c *TrainConfig) { c.Epochs = 0 }, false},
		{func(c *TrainConfig) { c.Adam.LR = 0 }, false},
		{func(c *TrainConfig) { c.Adam.LR = float32(math.NaN()) }, false},
		{func(c *TrainConfig) { c.Clip = -1 }, false},
		{func(c *TrainConfig) { c.Schedule = "linear" }, false},
		{func(c *TrainConfig) { c.Schedule = "cosine" }, true},
	} {
		c := ok
		tc.edit(&c)
		if err := c.Validate(); (err == nil) != tc.want {
			t.Errorf("Validate(%+v) = %v", c, err)
		}
	}
}

// sameAtThreads fails t unless run gives the same values, bit for bit,
// at 1, 2 and 3 threads (GOMAXPROCS); what names them in the message.
func sameAtThreads(t *testing.T, what string, run func() ([]float32, error)) {
	t.Helper()
	var runs [][]float32
	for _, threads := range []int{1, 2, 3} {
		prev := runtime.GOMAXPROCS(threads)
		v, err := run()
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, v)
	}
	if !slices.Equal(runs[0], runs[1]) || !slices.Equal(runs[0], runs[2]) {
		t.Fatalf("%s with 1, 2 and 3 threads differ", what)
	}
}

// TestTrainingIgnoresThreads checks that training gives the same
// parameters, bit for bit, whatever the number of threads: the CPU backend
// splits work so that every value is computed by one thread in one order.
func TestTrainingIgnoresThreads(t *testing.T) {
	train := newToyBatches(120, 40, 6, 4, 1) // batches wide enough to split
	sameAtThreads(t, "the parameters after training", func() ([]float32, error) {
		tr := toyTrainer(t)
		if err := tr.Run(context.Background(), train, nil, nil, nil); err != nil {
			return nil, err
		}
		v := make([]float32, tr.Model.Params().Count())
		tr.Model.be.Download(v, tr.Model.Params().Value)
		return v, nil
	})
}

// TestLogitsIgnoreThreads checks that the seed model's logits are the
// same, bit for bit, at 1, 2 and 3 threads for one drawing (whose steps'
// units the CPU backend shares between threads) and for a batch (whose
// sequences it shares).
func TestLogitsIgnoreThreads(t *testing.T) {
	c, err := NewClassifier(cpu.New(), seedConfig(), seedClasses, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 20} {
		x, _ := seedBatch(n)
		sameAtThreads(t, fmt.Sprintf("the logits of %d drawings", n), func() ([]float32, error) {
			logits, err := c.Logits(x)
			return logits.Data, err
		})
	}
}

// FuzzDecodeCheckpoint puts arbitrary text in the "checkpoint" metadata of
// an otherwise valid checkpoint (the JSON a browser's stored run is read
// from), and arbitrary bytes in place of the whole: DecodeCheckpoint must
// never panic, and a trainer it accepts must encode again.
func FuzzDecodeCheckpoint(f *testing.F) {
	tr := toyTrainer(f)
	var ckpt bytes.Buffer
	if err := tr.WriteCheckpoint(&ckpt, nil); err != nil {
		f.Fatal(err)
	}
	good := ckpt.Bytes()
	f.Add(`{"train":{"lr":0.001,"batch":2},"at":{"epoch":1,"batch":0,"step":3},"adam_step":3}`, good)
	f.Add(`{"at":{"epoch":-1}}`, good[:len(good)/2])
	f.Fuzz(func(t *testing.T, state string, data []byte) {
		file, err := safetensors.Parse(good)
		if err != nil {
			t.Fatal(err)
		}
		file.Metadata[metaCheckpoint] = state
		inputs := [][]byte{data}
		var b bytes.Buffer
		if err := safetensors.Write(&b, file.Metadata, file.Tensors); err == nil { // else state is not UTF-8
			inputs = append(inputs, b.Bytes())
		}
		for _, in := range inputs {
			tr, _, err := DecodeCheckpoint(cpu.New(), in)
			if err != nil {
				continue
			}
			if err := tr.WriteCheckpoint(io.Discard, nil); err != nil {
				t.Fatalf("re-encoding an accepted checkpoint: %v", err)
			}
		}
	})
}
