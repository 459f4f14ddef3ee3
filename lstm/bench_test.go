package lstm

import (
	"math/rand/v2"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
)

// seedBatch returns a random batch of n 28×28 images and labels.
// The seed model (package digit has it, which imports this one): its
// LSTM, and its ten classes.
func seedConfig() Config {
	return Config{InputSize: 28, HiddenSize: 128, NumLayers: 2, Bias: true, BatchFirst: true}
}

const seedClasses = 10

func seedBatch(n int) (Tensor, []int) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := NewTensor(n, 28, 28)
	for i := range x.Data {
		x.Data[i] = rng.Float32()
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(seedClasses)
	}
	return x, labels
}

// BenchmarkTrainStepSeed times one Adam training step of the seed model at
// batch 100, the seed's batch size.
func BenchmarkTrainStepSeed(b *testing.B) {
	const batch = 100
	c, err := NewClassifier(cpu.New(), seedConfig(), seedClasses, 1)
	if err != nil {
		b.Fatal(err)
	}
	opt := NewAdam(c.Params(), DefaultAdam())
	x, labels := seedBatch(batch)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.TrainStep(x, labels, opt, 0); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(batch/sec, "samples/s")
	b.ReportMetric(c.TrainFLOPs(batch, 28)/sec/1e9, "GFLOP/s")
}

// BenchmarkInferSeed times the seed model's prediction for one drawing.
func BenchmarkInferSeed(b *testing.B) {
	sec := benchLogits(b, 1)
	b.ReportMetric(sec*1e3, "ms/drawing")
}

// BenchmarkInferSeedBatch times the seed model's logits for a batch of
// 100 drawings, the inference figure of digits bench beside ONNX Runtime.
func BenchmarkInferSeedBatch(b *testing.B) {
	const batch = 100
	sec := benchLogits(b, batch)
	b.ReportMetric(batch/sec, "samples/s")
}

// benchLogits times the seed model's logits for batches of n random
// drawings and returns the seconds per batch.
func benchLogits(b *testing.B, n int) float64 {
	c, err := NewClassifier(cpu.New(), seedConfig(), seedClasses, 1)
	if err != nil {
		b.Fatal(err)
	}
	x, _ := seedBatch(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Logits(x); err != nil {
			b.Fatal(err)
		}
	}
	return b.Elapsed().Seconds() / float64(b.N)
}
