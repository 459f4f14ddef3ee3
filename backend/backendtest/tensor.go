package backendtest

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
)

// relTol is the tolerance of agreement: two results agree when no value
// differs by more than relTol·max(1, max|want|). It is loose enough for
// float32 arithmetic done in another order and tight enough that a wrong
// formula, index or stride fails.
const relTol = 1e-4

// sentinel fills the parts of output buffers that an operation must not
// write, so that a write shows.
const sentinel float32 = -1234.5

// nan is a float32 NaN: it fills inputs that an operation must not read,
// and outputs that it must overwrite without reading.
var nan = float32(math.NaN())

// newRand returns a generator seeded by a hash of parts, so that each case
// draws its own fixed inputs and a failure reproduces.
func newRand(parts ...string) *rand.Rand {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return rand.New(rand.NewPCG(h.Sum64(), 0x6c73746d))
}

// normal returns n values drawn from N(0, sd²).
func normal(r *rand.Rand, n int, sd float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(sd * r.NormFloat64())
	}
	return v
}

// uniform returns n values drawn from U(-a, a).
func uniform(r *rand.Rand, n int, a float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(a * (2*r.Float64() - 1))
	}
	return v
}

// filled returns n copies of x.
func filled(n int, x float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = x
	}
	return v
}

// nanLike returns len(v) NaNs, or nil for a nil v.
func nanLike(v []float32) []float32 {
	if v == nil {
		return nil
	}
	return filled(len(v), nan)
}

// upload returns a new buffer of be holding v, or nil for a nil v.
func upload(be backend.Backend, v []float32) backend.Buffer {
	if v == nil {
		return nil
	}
	b := be.New(len(v))
	be.Upload(b, v)
	return b
}

// download returns the values of b, or nil for a nil b.
func download(be backend.Backend, b backend.Buffer) []float32 {
	if b == nil {
		return nil
	}
	v := make([]float32, b.Len())
	be.Download(v, b)
	return v
}

// maxAbs returns the largest magnitude in v, 0 for an empty v.
func maxAbs(v []float32) float64 {
	var m float64
	for _, x := range v {
		m = max(m, math.Abs(float64(x)))
	}
	return m
}

// tensor is a named run of values, an operand or a result, for messages.
type tensor struct {
	name string
	v    []float32
}

// checkClose reports an error unless got agrees with want within
// relTol·max(1, max|want|). what names the case, operation and tensor.
func checkClose(t *testing.T, what string, got, want []float32) {
	t.Helper()
	tol := relTol * max(1, maxAbs(want))
	checkWithin(t, what, got, want, func(float64) float64 { return tol })
}

// checkWithin reports an error unless |got[i] - want[i]| ≤ tol(want[i])
// for every i; a NaN in got fails.
func checkWithin(t *testing.T, what string, got, want []float32, tol func(want float64) float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d values, want %d", what, len(got), len(want))
		return
	}
	bad, first, worst, worstAt := 0, -1, 0.0, -1
	for i := range got {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if d <= tol(float64(want[i])) {
			continue
		}
		bad++
		if first < 0 {
			first = i
		}
		if worstAt < 0 || d > worst || math.IsNaN(d) && !math.IsNaN(worst) {
			worst, worstAt = d, i
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values out of tolerance: first [%d] = %v, want %v; largest difference %.3g at [%d] = %v, want %v",
			what, bad, len(got), first, got[first], want[first], worst, worstAt, got[worstAt], want[worstAt])
	}
}

// checkSame reports an error unless got and want hold the same bits: for
// operands that must be left unchanged and outputs that must be exact.
func checkSame(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d values, want %d", what, len(got), len(want))
		return
	}
	bad, first := 0, -1
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			bad++
			if first < 0 {
				first = i
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values differ: first [%d] = %v, want %v", what, bad, len(got), first, got[first], want[first])
	}
}

// checkAllClose compares two lists of the same tensors with checkClose.
// A tensor nil in both lists is skipped.
func checkAllClose(t *testing.T, what string, got, want []tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: internal error: %d tensors to compare with %d", what, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.name != w.name {
			t.Fatalf("%s: internal error: tensor %s compared with %s", what, g.name, w.name)
		}
		if (g.v == nil) != (w.v == nil) {
			t.Errorf("%s: %s: present in one run only", what, w.name)
			continue
		}
		checkClose(t, fmt.Sprintf("%s: %s", what, w.name), g.v, w.v)
	}
}

// operand is a buffer given to an operation as input, with the values it
// must still hold afterwards.
type operand struct {
	name string
	buf  backend.Buffer
	want []float32
}

// checkOperands reports an error for each operand that op changed; nil
// buffers are skipped.
func checkOperands(t *testing.T, be backend.Backend, op string, ops []operand) {
	t.Helper()
	for _, o := range ops {
		if o.buf != nil {
			checkSame(t, fmt.Sprintf("%s changed its input %s", op, o.name), download(be, o.buf), o.want)
		}
	}
}
