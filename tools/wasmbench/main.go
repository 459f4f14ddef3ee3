// Command wasmbench measures the CPU backend where it runs as WebAssembly:
// the seed model's matrix products through our kernels and through gonum's
// blas32.Gemm, a training step and a prediction. Built for js/wasm it runs
// in Node (go_js_wasm_exec) and in a browser (index.html beside it), with
// the pure-Go kernels or, built with -tags wasmsimd, the SIMD128 ones
// (index.html?simd, and wasmsimd's go_js_wasm_exec in Node); run.sh does
// all four. It also runs natively, for comparison.
// Each result is one line starting "wasmbench:", printed to standard
// output (the browser's console); the last says "wasmbench: done".
package main

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

func main() {
	fmt.Printf("wasmbench: %s/%s, %s, kernels %s\n", runtime.GOOS, runtime.GOARCH, runtime.Version(), cpu.Kernels()[0])
	products()
	model()
	fmt.Println("wasmbench: done")
}

func randSlice(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = rng.Float32() - 0.5
	}
	return v
}

// gflops runs f as a benchmark and returns its speed for the given work.
func gflops(flops float64, f func()) float64 {
	r := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			f()
		}
	})
	return flops * float64(r.N) / r.T.Seconds() / 1e9
}

// products compares y = x·Wᵀ on the seed model's shapes: the recurrent
// product of one step at batch 100, and the input projection of all 28
// steps.
func products() {
	be := cpu.New()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range []struct {
		name       string
		n, in, out int
	}{
		{"recurrent 100x128 by 128x512", 100, 128, 512},
		{"input projection 2800x28 by 28x512", 2800, 28, 512},
	} {
		x, w := randSlice(rng, s.n*s.in), randSlice(rng, s.out*s.in)
		y := make([]float32, s.n*s.out)
		flops := 2 * float64(s.n*s.in*s.out)
		ours := gflops(flops, func() { be.LinearForward(cpu.Buffer(y), cpu.Buffer(x), cpu.Buffer(w), nil, s.n, s.in, s.out) })
		gx := blas32.General{Rows: s.n, Cols: s.in, Stride: s.in, Data: x}
		gw := blas32.General{Rows: s.out, Cols: s.in, Stride: s.in, Data: w}
		gy := blas32.General{Rows: s.n, Cols: s.out, Stride: s.out, Data: y}
		gonum := gflops(flops, func() { blas32.Gemm(blas.NoTrans, blas.Trans, 1, gx, gw, 0, gy) })
		fmt.Printf("wasmbench: %s: ours %.2f GFLOP/s, gonum %.2f GFLOP/s, ratio %.2fx\n", s.name, ours, gonum, ours/gonum)
	}
}

// model times a training step of the seed model at batch 100 and the
// prediction of one digit.
func model() {
	c, err := lstm.NewClassifier(cpu.New(), digit.LSTMConfig(), mnist.Classes, 1)
	if err != nil {
		panic(err)
	}
	opt := lstm.NewAdam(c.Params(), lstm.DefaultAdam())
	rng := rand.New(rand.NewPCG(3, 4))
	x := lstm.Tensor{Shape: []int{100, 28, 28}, Data: randSlice(rng, 100*28*28)}
	labels := make([]int, 100)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	train := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			if _, err := c.TrainStep(x, labels, opt, 0); err != nil {
				panic(err)
			}
		}
	})
	sec := train.T.Seconds() / float64(train.N)
	fmt.Printf("wasmbench: training, batch 100: %.1f samples/s, %.2f GFLOP/s\n", 100/sec, c.TrainFLOPs(100, 28)/sec/1e9)
	one := lstm.Tensor{Shape: []int{1, 28, 28}, Data: x.Data[:28*28]}
	infer := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Logits(one); err != nil {
				panic(err)
			}
		}
	})
	fmt.Printf("wasmbench: inference, one digit: %.3f ms\n", infer.T.Seconds()*1e3/float64(infer.N))
}
