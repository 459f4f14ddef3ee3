package backendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
)

// linearCase is one shape of the Linear table: n rows of in features to
// out features.
type linearCase struct {
	name       string
	n, in, out int
	bias       bool
	dx         bool // whether LinearBackward is asked for dx
}

// linearCases cover single values, primes, a batch of 64, and a wide input.
var linearCases = []linearCase{
	{name: "1x1x1", n: 1, in: 1, out: 1, bias: true, dx: true},
	{name: "Primes", n: 13, in: 7, out: 5, bias: true, dx: true},
	{name: "NoBias", n: 11, in: 3, out: 17, dx: true},
	{name: "NoDX", n: 6, in: 5, out: 4, bias: true},
	{name: "Batch64", n: 64, in: 33, out: 10, bias: true, dx: true},
	{name: "Wide", n: 2, in: 100, out: 3, dx: true},
}

// linearProblem holds the operands of a Linear layer on the host.
type linearProblem struct {
	c           *linearCase
	x, w, b, dy []float32 // b is nil without a bias
}

// newLinearProblem draws x ~N(0,1), w and b ~U(±1/√in) and dy ~N(0,1).
func newLinearProblem(c *linearCase, r *rand.Rand) *linearProblem {
	bound := 1 / math.Sqrt(float64(c.in))
	p := &linearProblem{c: c, x: normal(r, c.n*c.in, 1), w: uniform(r, c.out*c.in, bound)}
	if c.bias {
		p.b = uniform(r, c.out, bound)
	}
	p.dy = normal(r, c.n*c.out, 1)
	return p
}

// linearOut is what LinearForward and LinearBackward produced, or what
// their gradient buffers held before; nil for what was not computed.
type linearOut struct{ y, dx, dw, db []float32 }

// tensors lists o's values, named for messages.
func (o *linearOut) tensors() []tensor {
	return []tensor{{"LinearForward y", o.y}, {"LinearBackward dx", o.dx}, {"LinearBackward dw", o.dw}, {"LinearBackward db", o.db}}
}

// grads returns gradient buffers' initial contents: values drawn by fill,
// or zeros for a nil fill, except dx, which is NaN: it is overwritten
// without being read.
func (p *linearProblem) grads(fill func(n int) []float32) *linearOut {
	if fill == nil {
		fill = func(n int) []float32 { return make([]float32, n) }
	}
	g := &linearOut{dw: fill(len(p.w))}
	if p.c.dx {
		g.dx = filled(len(p.x), nan)
	}
	if p.b != nil {
		g.db = fill(len(p.b))
	}
	return g
}

// runLinear runs LinearForward and, when backward is set, LinearBackward
// on be, with the gradient buffers holding pre beforehand (nil: p.grads(nil)).
// It checks that the inputs are left unchanged.
func runLinear(t *testing.T, be backend.Backend, p *linearProblem, backward bool, pre *linearOut) *linearOut {
	t.Helper()
	c := p.c
	op := func(name string) string { return fmt.Sprintf("%s: %s on %s", c.name, name, be.Name()) }
	x, w, b := upload(be, p.x), upload(be, p.w), upload(be, p.b)
	y := upload(be, filled(c.n*c.out, nan)) // overwritten without being read
	be.LinearForward(y, x, w, b, c.n, c.in, c.out)
	inputs := []operand{{"x", x, p.x}, {"w", w, p.w}, {"b", b, p.b}}
	checkOperands(t, be, op("LinearForward"), inputs)
	o := &linearOut{y: download(be, y)}
	if !backward {
		return o
	}
	if pre == nil {
		pre = p.grads(nil)
	}
	dy := upload(be, p.dy)
	dx, dw, db := upload(be, pre.dx), upload(be, pre.dw), upload(be, pre.db)
	be.LinearBackward(dx, dw, db, dy, x, w, c.n, c.in, c.out)
	checkOperands(t, be, op("LinearBackward"), append(inputs, operand{"dy", dy, p.dy}))
	o.dx, o.dw, o.db = download(be, dx), download(be, dw), download(be, db)
	return o
}

// wrt lists p's operands that o holds gradients with respect to: x, w and,
// with a bias, b.
func (p *linearProblem) wrt(o *linearOut) []gradient {
	gs := []gradient{{"x", p.x, o.dx}, {"w", p.w, o.dw}}
	if p.b != nil {
		gs = append(gs, gradient{"b", p.b, o.db})
	}
	return gs
}

// linearChecks are run on every Linear case.
var linearChecks = []struct {
	name string
	run  func(t *testing.T, be, ref backend.Backend, p *linearProblem, r *rand.Rand)
}{
	{"Reference", linearReference},
	{"FiniteDifferences", linearFiniteDifferences},
	{"Accumulate", linearAccumulate},
}

// testLinear runs every check on every case.
func testLinear(t *testing.T, be, ref backend.Backend) {
	for i := range linearCases {
		c := &linearCases[i]
		t.Run(c.name, func(t *testing.T) {
			for _, check := range linearChecks {
				t.Run(check.name, func(t *testing.T) {
					r := newRand("Linear", c.name, check.name)
					check.run(t, be, ref, newLinearProblem(c, r), r)
				})
			}
		})
	}
}

// linearReference checks that be agrees with the reference, accumulating
// into random dw and db.
func linearReference(t *testing.T, be, ref backend.Backend, p *linearProblem, r *rand.Rand) {
	pre := p.grads(func(n int) []float32 { return normal(r, n, 1) })
	checkAllClose(t, fmt.Sprintf("%s on %s against the reference", p.c.name, be.Name()),
		runLinear(t, be, p, true, pre).tensors(), runLinear(t, ref, p, true, pre).tensors())
}

// linearFiniteDifferences checks the gradients with respect to x, w and b
// against central differences of Σ y·dy computed from LinearForward.
func linearFiniteDifferences(t *testing.T, be, _ backend.Backend, p *linearProblem, r *rand.Rand) {
	q := *p.c
	q.dx = true
	p.c = &q
	o := runLinear(t, be, p, true, nil)
	loss := func() float64 { return dot(runLinear(t, be, p, false, nil).y, p.dy) }
	for _, v := range p.wrt(o) {
		if err := checkGradient(v.x, v.grad, loss, r); err != nil {
			t.Errorf("%s on %s: LinearBackward d%s disagrees with finite differences of LinearForward: %v", q.name, be.Name(), v.name, err)
		}
	}
}

// linearAccumulate checks that LinearBackward adds to what dw and db held,
// overwrites dx, and computes the same dw and db with or without dx.
func linearAccumulate(t *testing.T, be, _ backend.Backend, p *linearProblem, r *rand.Rand) {
	pre := p.grads(func(n int) []float32 { return normal(r, n, 1) })
	got := runLinear(t, be, p, true, pre)
	subtract(got.dw, pre.dw)
	subtract(got.db, pre.db)
	want := runLinear(t, be, p, true, nil)
	checkAllClose(t, fmt.Sprintf("%s on %s: gradients into random dw and db (less what they held) and NaN dx, against into zeros", p.c.name, be.Name()),
		got.tensors(), want.tensors())
	if p.c.dx {
		q := *p.c
		q.dx = false
		noDX := runLinear(t, be, &linearProblem{c: &q, x: p.x, w: p.w, b: p.b, dy: p.dy}, true, nil)
		checkAllClose(t, fmt.Sprintf("%s on %s: without dx against with dx", p.c.name, be.Name()), noDX.tensors()[2:], want.tensors()[2:])
	}
}
