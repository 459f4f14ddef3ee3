package backendtest

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
)

// dropoutCase is one probability and seed of the Dropout table.
type dropoutCase struct {
	name string
	p    float32
	seed uint64
}

// dropoutCases cover p = 0 and small, even and large probabilities, with
// seeds small and with the high bit set.
var dropoutCases = []dropoutCase{
	{"Zero", 0, 7},
	{"Tenth", 0.1, 1},
	{"Half", 0.5, 42},
	{"NineTenths", 0.9, 1<<63 | 5},
}

// dropoutN is the length of the buffers dropped out: odd, and large enough
// that the kept fraction is within 1% of 1-p (5 standard deviations).
const dropoutN = 100_003

// testDropout checks, for every case, that the mask is DropoutKeep's, with
// kept values scaled by 1/(1-p) and p = 0 the identity; that the kept
// fraction is 1-p; that the same seed gives the same result, in place or
// not; that a view's indices count from its start; and agreement with the
// reference.
func testDropout(t *testing.T, be, ref backend.Backend) {
	for _, c := range dropoutCases {
		t.Run(c.name, func(t *testing.T) {
			r := newRand("Dropout", c.name)
			src := make([]float32, dropoutN) // no zeros, so that a kept value shows
			for i := range src {
				src[i] = float32(math.Copysign(0.5+r.Float64(), r.NormFloat64()))
			}
			what := fmt.Sprintf("%s on %s: Dropout p=%v seed=%#x", c.name, be.Name(), c.p, c.seed)
			run := func(be backend.Backend, src []float32) []float32 {
				t.Helper()
				s := upload(be, src)
				d := upload(be, filled(len(src), nan)) // overwritten without being read
				be.Dropout(d, s, c.p, c.seed)
				checkOperands(t, be, fmt.Sprintf("%s: Dropout on %s", c.name, be.Name()), []operand{{"src", s, src}})
				return download(be, d)
			}
			dst := run(be, src)

			if c.p == 0 {
				checkSame(t, what+" is not the identity", dst, src)
			}
			kept, bad, first := 0, 0, -1
			for i, v := range dst {
				keep := backend.DropoutKeep(c.seed, i, c.p)
				want := float64(src[i]) / (1 - float64(c.p))
				if !keep {
					want = 0
				}
				if v != 0 {
					kept++
				}
				if keep && !(math.Abs(float64(v)-want) <= 1e-6*math.Abs(want)) || !keep && v != 0 {
					bad++
					if first < 0 {
						first = i
					}
				}
			}
			if bad > 0 {
				t.Errorf("%s: %d of %d values do not follow backend.DropoutKeep's mask scaled by 1/(1-p): first [%d] = %v from %v, want %v (DropoutKeep %v)",
					what, bad, len(dst), first, dst[first], src[first], float64(src[first])/(1-float64(c.p)), backend.DropoutKeep(c.seed, first, c.p))
			}
			if f := float64(kept) / float64(len(dst)); !(math.Abs(f-(1-float64(c.p))) <= 0.01) {
				t.Errorf("%s: kept %.4f of the values, want %.4f ± 0.01", what, f, 1-c.p)
			}

			checkSame(t, what+", run again", run(be, src), dst)

			b := upload(be, src)
			be.Dropout(b, b, c.p, c.seed)
			checkSame(t, what+" in place (dst == src)", download(be, b), dst)

			const off = 1000
			whole := upload(be, src)
			view := whole.Slice(off, len(src)-2*off)
			be.Dropout(view, view, c.p, c.seed)
			want := slices.Concat(src[:off], run(be, src[off:len(src)-off]), src[len(src)-off:])
			checkSame(t, fmt.Sprintf("%s on a view at %d, in place, against on a buffer of its values", what, off), download(be, whole), want)

			checkClose(t, what+" against the reference", dst, run(ref, src))
		})
	}
}
