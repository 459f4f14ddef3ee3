package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// eachKernel runs f with every micro-kernel this CPU can run in use.
func eachKernel(t testing.TB, f func(k microKernel)) {
	saved := micro
	defer func() { micro = saved }()
	for _, k := range kernels() {
		micro = k
		f(k)
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// band is the width, in values, of the guard bands around each operand
// of TestGemm, and bandBits the NaN they hold.
const (
	band     = 64
	bandBits = 0x7fc0dead
)

// guarded returns n random values inside guard bands of NaN, and a
// function that reports whether the bands are as they were. Assembly reads
// and writes past a slice without Go noticing: a read of a band turns a
// result NaN, a write changes the band.
func guarded(rng *rand.Rand, n int) (v []float32, intact func() bool) {
	all := make([]float32, band+n+band)
	for i := range all {
		all[i] = math.Float32frombits(bandBits)
	}
	copy(all[band:], randSlice(rng, n))
	return all[band : band+n : band+n], func() bool {
		for i, x := range all {
			if (i < band || i >= band+n) && math.Float32bits(x) != bandBits {
				return false
			}
		}
		return true
	}
}

// TestGemm compares Gemm with GemmRef for every kernel, transpose
// combination, odd and edge sizes (the dot kernels' among them) (more rows than mcBlock, deeper than
// kcBlock, a last partial panel), leading dimensions above the minimum,
// operands no longer than needed inside guard bands of NaN, beta, and
// checks that c outside the m×n window and every band are untouched.
func TestGemm(t *testing.T) {
	var sizes [][3]int
	for m := 1; m <= 21; m++ { // every tile height of every kernel
		sizes = append(sizes, [3]int{m, 33, 17})
	}
	// Products a·bᵀ of up to DotRows rows with a depth of whole vectors
	// take the dot kernels (Unpacked): every tile height and width, a
	// last column less than a tile, and one row more than DotRows; depths
	// of whole 16-value vectors serve the AVX-512 kernels, the others
	// those with fewer lanes.
	for m := 1; m <= 7; m++ {
		sizes = append(sizes, [3]int{m, 39, 24}, [3]int{m, 39, 48})
	}
	sizes = append(sizes, [][3]int{{DotRows, 13, 136}, {DotRows, 13, 144}, {DotRows + 1, 9, 16}, {1, 512, 128}, {28, 512, 128}}...)
	sizes = append(sizes, [][3]int{{1, 1, 1}, {20, 64, 600}, {13, 40, 9}, {3, 5, 7}, {10, 32, 1}, {11, 33, 257}, {100, 512, 128}, {100, 128, 512}, {512, 28, 300}, {241, 10, 513}, {300, 9, 5}, {7, 1, 0}}...)
	eachKernel(t, func(k microKernel) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, s := range sizes {
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				for _, beta := range []float32{0, 1, 0.25} {
					m, n, kk := s[0], s[1], s[2]
					name := fmt.Sprintf("%s/%dx%dx%d/trans%v/beta%v", k.name, m, n, kk, tr, beta)
					lda, ldb, ldc := kk+3, n+1, n+5
					if tr[0] {
						lda = m + 2
					}
					if tr[1] {
						ldb = kk + 4
					}
					// Operands exactly as long as they must be, in guard
					// bands: a kernel reading past them in Go panics, in
					// assembly reads NaN or writes the band.
					aLen, bLen := (m-1)*lda+kk, (kk-1)*ldb+n
					if tr[0] {
						aLen = (kk-1)*lda + m
					}
					if tr[1] {
						bLen = (n-1)*ldb + kk
					}
					a, aIntact := guarded(rng, max(aLen, 0))
					b, bIntact := guarded(rng, max(bLen, 0))
					c, cIntact := guarded(rng, m*ldc)
					if beta == 0 { // c is set, whatever it held
						for i := range m {
							for j := range n {
								c[i*ldc+j] = float32(math.NaN())
							}
						}
					}
					want := append([]float32(nil), c...)
					GemmRef(tr[0], tr[1], m, n, kk, a, lda, b, ldb, beta, want, ldc)
					Gemm(tr[0], tr[1], m, n, kk, a, lda, b, ldb, beta, c, ldc)
					if !aIntact() || !bIntact() || !cIntact() {
						t.Fatalf("%s: a guard band changed (a %v, b %v, c %v)", name, aIntact(), bIntact(), cIntact())
					}
					tol := 1e-5 * float64(kk+1)
					for i := range m {
						for j := range ldc {
							got, w := c[i*ldc+j], want[i*ldc+j]
							if j >= n && got != w {
								t.Fatalf("%s: c[%d,%d] outside the result changed", name, i, j)
							}
							if d := math.Abs(float64(got - w)); d > tol*math.Max(1, math.Abs(float64(w))) || math.IsNaN(d) {
								t.Fatalf("%s: c[%d,%d] = %v, want %v", name, i, j, got, w)
							}
						}
					}
				}
			}
		}
	})
}

// BenchmarkGemm measures each kernel on the shapes of the seed model's
// training step: the per-step recurrent products and the whole-sequence
// ones; and on those of a prediction (one sequence), which the dot
// kernels compute without packing (GB/s: the right operand's bytes).
func BenchmarkGemm(b *testing.B) {
	shapes := []struct {
		name    string
		ta, tb  bool
		m, n, k int
	}{
		{"recurrent_fwd_100x512x128", false, true, 100, 512, 128},
		{"recurrent_bwd_100x128x512", false, false, 100, 128, 512},
		{"input_proj_2800x512x128", false, true, 2800, 512, 128},
		{"weight_grad_512x128x2800", true, false, 512, 128, 2800},
		{"predict_recurrent_1x512x128", false, true, 1, 512, 128},
		{"predict_input_proj_28x512x128", false, true, 28, 512, 128},
	}
	eachKernel(b, func(k microKernel) {
		for _, s := range shapes {
			b.Run(k.name+"/"+s.name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				a := randSlice(rng, s.m*s.k)
				bm := randSlice(rng, s.k*s.n)
				c := make([]float32, s.m*s.n)
				lda, ldb := s.k, s.n
				if s.ta {
					lda = s.m
				}
				if s.tb {
					ldb = s.k
				}
				for b.Loop() {
					Gemm(s.ta, s.tb, s.m, s.n, s.k, a, lda, bm, ldb, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(4*float64(s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	})
}

// BenchmarkGemmSeed compares Gemm with the kernel in use against gonum's
// blas32.Gemm (what the CPU backend used before it had kernels) on the
// seed model's products. Under WebAssembly, where Go has no SIMD, this is
// the comparison of the pure-Go kernel with gonum's pure-Go loops.
func BenchmarkGemmSeed(b *testing.B) {
	shapes := []struct {
		name    string
		m, n, k int
	}{
		{"recurrent_100x512x128", 100, 512, 128},
		{"input_proj_2800x512x28", 2800, 512, 28},
	}
	for _, s := range shapes {
		rng := rand.New(rand.NewPCG(1, 2))
		a, bm, c := randSlice(rng, s.m*s.k), randSlice(rng, s.n*s.k), make([]float32, s.m*s.n)
		flops := 2 * float64(s.m*s.n*s.k)
		b.Run("ours/"+micro.name+"/"+s.name, func(b *testing.B) {
			for b.Loop() {
				Gemm(false, true, s.m, s.n, s.k, a, s.k, bm, s.k, 0, c, s.n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run("gonum/"+s.name, func(b *testing.B) {
			ga := blas32.General{Rows: s.m, Cols: s.k, Stride: s.k, Data: a}
			gb := blas32.General{Rows: s.n, Cols: s.k, Stride: s.k, Data: bm}
			gc := blas32.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: c}
			for b.Loop() {
				blas32.Gemm(blas.NoTrans, blas.Trans, 1, ga, gb, 0, gc)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
