package lstm

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/cpu"
)

// byteBatches is a ByteBatcher over random byte sequences whose label is
// the feature of the brightest value of the first step.
type byteBatches struct {
	x          []uint8
	y          []uint8
	size, T, F int
	order      []int
}

func newByteBatches(n, size, T, F int) *byteBatches {
	rng := rand.New(rand.NewPCG(3, 4))
	b := &byteBatches{x: make([]uint8, n*T*F), y: make([]uint8, n), size: size, T: T, F: F, order: make([]int, n)}
	for i := range n {
		for j := range T * F {
			b.x[i*T*F+j] = uint8(rng.IntN(60))
		}
		b.y[i] = uint8(rng.IntN(F))
		b.x[i*T*F+int(b.y[i])] = 255
		b.order[i] = i
	}
	return b
}

func (b *byteBatches) Len() int              { return (len(b.y) + b.size - 1) / b.size }
func (b *byteBatches) Size() int             { return b.size }
func (b *byteBatches) Steps() int            { return b.T }
func (b *byteBatches) Bytes() (x, y []uint8) { return b.x, b.y }
func (b *byteBatches) Order() []int          { return b.order }
func (b *byteBatches) Shuffle(epoch int) {
	b.order = rand.New(rand.NewPCG(uint64(epoch), 2)).Perm(len(b.y))
}
func (b *byteBatches) Batch(k int, x []float32, y []int) (int, error) {
	idx := b.order[k*b.size : min((k+1)*b.size, len(b.order))]
	w := b.T * b.F
	for i, s := range idx {
		for j, v := range b.x[s*w : (s+1)*w] {
			x[i*w+j] = float32(v) / 255
		}
		y[i] = int(b.y[s])
	}
	return len(idx), nil
}

// hostResident is the CPU backend with backend.Resident's methods done on
// the host: it runs the trainer's device path without a GPU.
type hostResident struct{ *cpu.Backend }

type hostSet struct{ x, y []uint8 }

func (s *hostSet) Len() int { return len(s.y) }

func (hostResident) UploadSet(x, y []uint8, width int) (backend.Set, error) {
	return &hostSet{x, y}, nil
}

func (h hostResident) Gather(x, y backend.Buffer, set backend.Set, order backend.Buffer, off, n int) {
	s, o := set.(*hostSet), make([]float32, order.Len())
	h.Download(o, order)
	xv, yv := x.(cpu.Buffer), y.(cpu.Buffer)
	w := len(xv) / n
	for k, f := range o[off : off+n] {
		i := int(f)
		for j, v := range s.x[i*w : (i+1)*w] {
			xv[k*w+j] = float32(v) / 255
		}
		yv[k] = float32(s.y[i])
	}
}

func (h hostResident) CrossEntropyStats(stats, dlogits, logits, labels backend.Buffer, n, classes int) {
	l, y := logits.(cpu.Buffer), labels.(cpu.Buffer)
	ints := make([]int, n)
	correct := 0
	for i := range n {
		ints[i] = int(y[i])
		if Argmax(l[i*classes:(i+1)*classes]) == ints[i] {
			correct++
		}
	}
	h.CrossEntropy(stats.Slice(0, 1), dlogits, logits, ints, n, classes)
	stats.(cpu.Buffer)[1] = float32(correct)
}

func (h hostResident) SumSquaresTo(dst, b backend.Buffer) { dst.(cpu.Buffer)[0] = h.SumSquares(b) }

// TestResidentTrainingMatchesHost checks that the trainer's device path
// (the batches gathered by the backend, one download per step) takes
// exactly the host path's steps: the same losses, accuracies and final
// parameters, bit for bit, with dropout and clipping.
func TestResidentTrainingMatchesHost(t *testing.T) {
	run := func(be backend.Backend) ([]float32, []StepReport) {
		cfg := Config{InputSize: 6, HiddenSize: 10, NumLayers: 2, Bias: true, BatchFirst: true, Dropout: 0.1}
		c, err := NewClassifier(be, cfg, 6, 5)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := NewTrainer(c, TrainConfig{Epochs: 2, Batch: 16, Adam: DefaultAdam(), Clip: 0.5, Seed: 11})
		if err != nil {
			t.Fatal(err)
		}
		var reps []StepReport
		if err := tr.Run(context.Background(), newByteBatches(70, 16, 5, 6), nil, func(r StepReport) { reps = append(reps, r) }, nil); err != nil {
			t.Fatal(err)
		}
		p := make([]float32, c.Params().Count())
		be.Download(p, c.Params().Value)
		return p, reps
	}
	hostP, hostR := run(cpu.New())
	devP, devR := run(hostResident{cpu.New()})
	if len(devR) != len(hostR) || len(hostR) != 10 {
		t.Fatalf("%d steps on the device path, %d on the host path, want 10", len(devR), len(hostR))
	}
	for i := range hostR {
		h, d := hostR[i], devR[i]
		if h.Loss != d.Loss || h.Accuracy != d.Accuracy || h.Position != d.Position {
			t.Fatalf("step %d: device path %+v, host path %+v", i, d, h)
		}
	}
	if !slices.Equal(hostP, devP) {
		t.Fatal("the device path's parameters differ from the host path's")
	}
}
