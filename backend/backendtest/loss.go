package backendtest

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
)

// crossEntropyCase is one shape of the CrossEntropy table: n rows of
// logits ~N(0, scale²) over the given number of classes.
type crossEntropyCase struct {
	name       string
	n, classes int
	scale      float64
}

// crossEntropyCases cover one row of two classes, primes, a batch of
// digits, a thousand classes, and logits large enough that a softmax
// computed without care overflows float32 (exp(88.7)).
var crossEntropyCases = []crossEntropyCase{
	{"1x2", 1, 2, 1},
	{"Primes", 13, 7, 1},
	{"Digits", 32, 10, 3},
	{"ManyClasses", 3, 1000, 2},
	{"Saturated", 5, 10, 40},
}

// crossEntropyProblem holds CrossEntropy's operands on the host.
type crossEntropyProblem struct {
	c      *crossEntropyCase
	logits []float32
	labels []int
}

// runCrossEntropy runs CrossEntropy on be and returns the loss and, when
// grad is set, the gradient. It checks that the inputs are left unchanged.
func runCrossEntropy(t *testing.T, be backend.Backend, p *crossEntropyProblem, grad bool) (float32, []float32) {
	t.Helper()
	c := p.c
	logits := upload(be, p.logits)
	labels := slices.Clone(p.labels)
	loss := upload(be, []float32{nan})
	var dlogits backend.Buffer
	if grad {
		dlogits = upload(be, filled(len(p.logits), nan)) // overwritten without being read
	}
	be.CrossEntropy(loss, dlogits, logits, labels, c.n, c.classes)
	op := fmt.Sprintf("%s: CrossEntropy on %s", c.name, be.Name())
	checkOperands(t, be, op, []operand{{"logits", logits, p.logits}})
	if !slices.Equal(labels, p.labels) {
		t.Errorf("%s changed its input labels to %v, want %v", op, labels, p.labels)
	}
	return download(be, loss)[0], download(be, dlogits)
}

// crossEntropy64 transcribes the mean softmax cross-entropy and its gradient
// in float64: loss = mean over rows of logsumexp(row) - row[label], and
// dlogits = (softmax(row) - onehot(label)) / n.
func crossEntropy64(logits []float32, labels []int, n, classes int) (float64, []float64) {
	var loss float64
	grad := make([]float64, n*classes)
	for r := range n {
		row := float64s(logits[r*classes : (r+1)*classes])
		m := slices.Max(row)
		var sum float64
		for _, v := range row {
			sum += math.Exp(v - m)
		}
		lse := m + math.Log(sum)
		loss += lse - row[labels[r]]
		for j, v := range row {
			grad[r*classes+j] = math.Exp(v-lse) / float64(n)
		}
		grad[r*classes+labels[r]] -= 1 / float64(n)
	}
	return loss / float64(n), grad
}

// testCrossEntropy checks, for every case, agreement with the reference and
// with a float64 transcription, that the gradient's rows sum to zero, that
// the gradient agrees with finite differences of the loss, and that a nil
// dlogits gives the same loss.
func testCrossEntropy(t *testing.T, be, ref backend.Backend) {
	for i := range crossEntropyCases {
		c := &crossEntropyCases[i]
		t.Run(c.name, func(t *testing.T) {
			r := newRand("CrossEntropy", c.name)
			p := &crossEntropyProblem{c: c, logits: normal(r, c.n*c.classes, c.scale), labels: make([]int, c.n)}
			for i := range p.labels {
				p.labels[i] = r.IntN(c.classes)
			}
			what := fmt.Sprintf("%s on %s", c.name, be.Name())
			loss, dlogits := runCrossEntropy(t, be, p, true)

			refLoss, refDlogits := runCrossEntropy(t, ref, p, true)
			checkAllClose(t, what+" against the reference",
				[]tensor{{"CrossEntropy loss", []float32{loss}}, {"CrossEntropy dlogits", dlogits}},
				[]tensor{{"CrossEntropy loss", []float32{refLoss}}, {"CrossEntropy dlogits", refDlogits}})

			loss64, grad64 := crossEntropy64(p.logits, p.labels, c.n, c.classes)
			if d := math.Abs(float64(loss) - loss64); !(d <= 1e-5*max(1, loss64)) {
				t.Errorf("%s: CrossEntropy loss = %v, want %v from a float64 log-softmax (difference %.3g)", what, loss, loss64, d)
			}
			want := make([]float32, len(grad64))
			for i, g := range grad64 {
				want[i] = float32(g)
			}
			tol := 1e-5 * maxAbs(want)
			checkWithin(t, what+": CrossEntropy dlogits against a float64 softmax", dlogits, want,
				func(float64) float64 { return tol })

			for r := range c.n {
				row := float64s(dlogits[r*c.classes : (r+1)*c.classes])
				var sum, abs float64
				for _, v := range row {
					sum, abs = sum+v, abs+math.Abs(v)
				}
				if !(math.Abs(sum) <= 1e-5*(abs+1/float64(c.n))) {
					t.Errorf("%s: CrossEntropy dlogits row %d sums to %.3g, want 0", what, r, sum)
				}
			}

			lossOnly, _ := runCrossEntropy(t, be, p, false)
			checkClose(t, what+": CrossEntropy loss with nil dlogits against with dlogits", []float32{lossOnly}, []float32{loss})

			f := func() float64 {
				l, _ := runCrossEntropy(t, be, p, false)
				return float64(l)
			}
			if err := checkGradient(p.logits, dlogits, f, r); err != nil {
				t.Errorf("%s: CrossEntropy dlogits disagrees with finite differences of the loss: %v", what, err)
			}
		})
	}
}
