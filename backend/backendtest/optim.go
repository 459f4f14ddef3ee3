package backendtest

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
)

// adamCase is one run of the Adam table: steps updates of n parameters.
type adamCase struct {
	name     string
	n, steps int
	args     backend.AdamArgs // Step is set per update
}

// adamCases cover PyTorch's defaults, weight decay, large steps, and a
// single parameter.
var adamCases = []adamCase{
	{"Defaults", 37, 5, backend.AdamArgs{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}},
	{"WeightDecay", 100, 4, backend.AdamArgs{LR: 1e-2, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6, WeightDecay: 0.1}},
	{"LargeSteps", 5, 6, backend.AdamArgs{LR: 0.5, Beta1: 0.5, Beta2: 0.9, Eps: 1e-3, WeightDecay: 1e-2}},
	{"One", 1, 3, backend.AdamArgs{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}},
}

// adamTol is the tolerance of Adam against the float64 transcription,
// relative to the largest value of each tensor: the float32 rounding of a
// few operations per step, over a few steps, stays below 2e-7. (Relative
// to each value it cannot be: m is a sum of terms of both signs.)
const adamTol = 1e-6

// adam64 is torch.optim.Adam's update (single-tensor, amsgrad off)
// transcribed in float64 from PyTorch's source:
//
//	grad = grad + weight_decay·param            (when weight_decay ≠ 0)
//	exp_avg = beta1·exp_avg + (1-beta1)·grad     (exp_avg.lerp_(grad, 1-beta1))
//	exp_avg_sq = beta2·exp_avg_sq + (1-beta2)·grad²
//	denom = √exp_avg_sq / √(1-beta2^step) + eps
//	param -= lr / (1-beta1^step) · exp_avg / denom
func adam64(p, g, m, v []float64, a backend.AdamArgs) {
	lr, b1, b2 := float64(a.LR), float64(a.Beta1), float64(a.Beta2)
	eps, wd, step := float64(a.Eps), float64(a.WeightDecay), float64(a.Step)
	bc1, bc2 := 1-math.Pow(b1, step), 1-math.Pow(b2, step)
	for i := range p {
		gi := g[i] + wd*p[i]
		m[i] = b1*m[i] + (1-b1)*gi
		v[i] = b2*v[i] + (1-b2)*gi*gi
		p[i] -= lr / bc1 * m[i] / (math.Sqrt(v[i])/math.Sqrt(bc2) + eps)
	}
}

// float32s converts v to float32.
func float32s(v []float64) []float32 {
	w := make([]float32, len(v))
	for i, x := range v {
		w[i] = float32(x)
	}
	return w
}

// testAdam checks, for every case and after every step, params, m and v
// against adam64 within adamTol and against the reference, and that the
// gradients are left unchanged. A tenth of the gradients are zero.
func testAdam(t *testing.T, be, ref backend.Backend) {
	for _, c := range adamCases {
		t.Run(c.name, func(t *testing.T) {
			r := newRand("Adam", c.name)
			p0 := normal(r, c.n, 1)
			p64, m64, v64 := float64s(p0), make([]float64, c.n), make([]float64, c.n)
			type state struct{ p, m, v backend.Buffer }
			bes := []backend.Backend{be, ref}
			states := make([]state, len(bes))
			for i, b := range bes {
				states[i] = state{upload(b, p0), b.New(c.n), b.New(c.n)}
			}
			for step := 1; step <= c.steps; step++ {
				a := c.args
				a.Step = step
				g := normal(r, c.n, 1)
				for i := range g {
					if r.IntN(10) == 0 {
						g[i] = 0
					}
				}
				adam64(p64, float64s(g), m64, v64, a)
				var got [2][]tensor
				for i, b := range bes {
					s := states[i]
					grads := upload(b, g)
					b.Adam(s.p, grads, s.m, s.v, a)
					checkOperands(t, b, fmt.Sprintf("%s: Adam on %s, step %d,", c.name, b.Name(), step), []operand{{"grads", grads, g}})
					got[i] = []tensor{{"params", download(b, s.p)}, {"m", download(b, s.m)}, {"v", download(b, s.v)}}
				}
				what := fmt.Sprintf("%s on %s: Adam step %d", c.name, be.Name(), step)
				for i, want := range [][]float64{p64, m64, v64} {
					w := float32s(want)
					tol := adamTol * maxAbs(w)
					checkWithin(t, fmt.Sprintf("%s: %s against torch.optim.Adam in float64", what, got[0][i].name), got[0][i].v, w,
						func(float64) float64 { return tol })
				}
				checkAllClose(t, what+" against the reference", got[0], got[1])
			}
		})
	}
}

// testSumSquares checks SumSquares against a float64 sum within 1e-5, on
// whole buffers and on views, and that it leaves the buffer unchanged.
func testSumSquares(t *testing.T, be, _ backend.Backend) {
	for _, n := range []int{1, 7, 1000, 100_003} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := newRand("SumSquares", fmt.Sprint(n))
			v := normal(r, n+2, 1)
			b := upload(be, v)
			for _, c := range []struct {
				name   string
				buf    backend.Buffer
				values []float32
			}{{"whole buffer", b, v}, {"view at 1", b.Slice(1, n), v[1 : n+1]}} {
				want := dot(c.values, c.values)
				if got := be.SumSquares(c.buf); !(math.Abs(float64(got)-want) <= 1e-5*want) {
					t.Errorf("SumSquares on %s of %s of %d values = %v, want %v", be.Name(), c.name, len(c.values), got, want)
				}
			}
			checkOperands(t, be, fmt.Sprintf("SumSquares on %s", be.Name()), []operand{{"b", b, v}})
		})
	}
}

// testScale checks that Scale multiplies every value of a view, and only
// those, by s, rounded as one float32 product.
func testScale(t *testing.T, be, _ backend.Backend) {
	for _, s := range []float32{0, -1.5, 3e-3, 1e7} {
		t.Run(fmt.Sprint(s), func(t *testing.T) {
			v := normal(newRand("Scale", fmt.Sprint(s)), 1001, 1)
			b := upload(be, v)
			be.Scale(b.Slice(1, len(v)-2), s)
			want := slices.Clone(v)
			for i := 1; i < len(v)-1; i++ {
				want[i] *= s
			}
			checkWithin(t, fmt.Sprintf("Scale on %s by %v of a view at 1 of %d values", be.Name(), s, len(v)-2), download(be, b), want,
				func(float64) float64 { return 0 })
		})
	}
}
