package backendtest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
)

// lstmCase is one layer configuration of the LSTM table.
type lstmCase struct {
	name    string
	shape   backend.LSTMShape
	lengths []int // nil: every sequence is T steps long
	h0, c0  bool  // whether H0 and C0 are given
	// pad and off place Y and DY: LdY = Out + pad, and their views start
	// at off ≤ pad in their buffers, as the reverse direction of a
	// bidirectional layer writes the right half of a shared output.
	pad, off     int
	dhn, dcn     bool // whether DHN and DCN are given
	dx, dh0, dc0 bool // whether DX, DH0 and DC0 are asked for
}

// lstmCases cover odd and prime sizes, batch 1, long sequences and single
// steps, the first layer of the seed model (at batch 4), and every option: bias, projection, direction, lengths, initial
// state, output stride, final-state gradients, and the optional gradients.
var lstmCases = []lstmCase{
	{name: "Small", shape: backend.LSTMShape{T: 4, B: 2, Input: 3, Hidden: 5, Bias: true},
		dhn: true, dcn: true, dx: true, dh0: true, dc0: true},
	{name: "PrimesProj", shape: backend.LSTMShape{T: 13, B: 3, Input: 7, Hidden: 11, Proj: 5, Bias: true},
		h0: true, c0: true, pad: 5, dhn: true, dcn: true, dx: true, dh0: true, dc0: true},
	{name: "PrimesProjReverseLengths", shape: backend.LSTMShape{T: 13, B: 3, Input: 7, Hidden: 11, Proj: 5, Bias: true, Reverse: true},
		lengths: []int{13, 1, 6}, h0: true, c0: true, pad: 5, off: 5, dcn: true, dx: true, dh0: true},
	{name: "Batch1NoBias", shape: backend.LSTMShape{T: 7, B: 1, Input: 5, Hidden: 6},
		dhn: true},
	{name: "Batch1ReverseProjLengths", shape: backend.LSTMShape{T: 5, B: 1, Input: 3, Hidden: 4, Proj: 2, Bias: true, Reverse: true},
		lengths: []int{5}, c0: true, dhn: true, dcn: true, dx: true, dh0: true, dc0: true},
	{name: "LongLengths", shape: backend.LSTMShape{T: 60, B: 3, Input: 4, Hidden: 8, Bias: true},
		lengths: []int{60, 23, 1}, c0: true, dhn: true, dx: true, dc0: true},
	{name: "LongReverseProjNoBias", shape: backend.LSTMShape{T: 53, B: 2, Input: 3, Hidden: 6, Proj: 3, Reverse: true},
		h0: true, pad: 2, off: 1, dhn: true, dcn: true, dx: true, dh0: true, dc0: true},
	{name: "Step1ReverseLengths", shape: backend.LSTMShape{T: 1, B: 4, Input: 5, Hidden: 7, Bias: true, Reverse: true},
		lengths: []int{1, 1, 1, 1}, h0: true, c0: true, dhn: true, dcn: true, dx: true, dh0: true, dc0: true},
	{name: "Step1ProjNoBias", shape: backend.LSTMShape{T: 1, B: 2, Input: 2, Hidden: 3, Proj: 2}},
	{name: "LengthsProjNoBias", shape: backend.LSTMShape{T: 9, B: 5, Input: 2, Hidden: 3, Proj: 2},
		lengths: []int{9, 4, 1, 9, 2}, h0: true, c0: true, pad: 1, dcn: true, dx: true, dh0: true},
	{name: "LengthsReverseRightHalf", shape: backend.LSTMShape{T: 8, B: 4, Input: 3, Hidden: 4, Bias: true, Reverse: true},
		lengths: []int{3, 8, 1, 5}, h0: true, pad: 4, off: 4, dhn: true, dcn: true, dx: true, dh0: true, dc0: true},
	{name: "SeedModel", shape: backend.LSTMShape{T: 28, B: 4, Input: 28, Hidden: 128, Bias: true},
		dx: true},
	// Wide enough that a backend splitting the batch across threads does.
	{name: "WideBatchProjReverseLengths", shape: backend.LSTMShape{T: 9, B: 37, Input: 5, Hidden: 12, Proj: 7, Bias: true, Reverse: true},
		lengths: []int{1, 8, 6, 4, 2, 9, 7, 5, 3, 1, 8, 6, 4, 2, 9, 7, 5, 3, 1, 8, 6, 4, 2, 9, 7, 5, 3, 1, 8, 6, 4, 2, 9, 7, 5, 3, 1}, h0: true, c0: true, dhn: true, dcn: true, dx: true, dh0: true, dc0: true},
	{name: "WideBatch", shape: backend.LSTMShape{T: 11, B: 41, Input: 6, Hidden: 10, Bias: true},
		c0: true, dhn: true, dx: true, dh0: true},
	// Wide, without a projection: the CPU backend's inference streams it.
	{name: "WideBatchReverseLengths", shape: backend.LSTMShape{T: 7, B: 35, Input: 4, Hidden: 9, Bias: true, Reverse: true},
		lengths: []int{7, 1, 3, 5, 2, 7, 4, 6, 1, 7, 3, 5, 2, 7, 4, 6, 1, 7, 3, 5, 2, 7, 4, 6, 1, 7, 3, 5, 2, 7, 4, 6, 1, 7, 3}, h0: true, c0: true, pad: 3, off: 2, dhn: true, dcn: true, dx: true},
	// Batches too small to split by sequences, with enough units that a
	// backend sharing each step's units between threads does.
	{name: "Batch1WideHiddenReverseLengths", shape: backend.LSTMShape{T: 6, B: 1, Input: 5, Hidden: 128, Bias: true, Reverse: true},
		lengths: []int{4}, h0: true, c0: true, pad: 3, off: 2, dhn: true, dcn: true, dx: true, dh0: true, dc0: true},
	{name: "Batch3WideHiddenLengths", shape: backend.LSTMShape{T: 5, B: 3, Input: 4, Hidden: 136, Bias: true},
		lengths: []int{5, 2, 4}, c0: true, dhn: true, dx: true},
	{name: "Hidden1", shape: backend.LSTMShape{T: 6, B: 2, Input: 1, Hidden: 1, Bias: true},
		dhn: true, dcn: true, dx: true, dh0: true, dc0: true},
}

// lstmChecks are run on every case they apply to.
var lstmChecks = []struct {
	name    string
	applies func(c *lstmCase) bool // nil: every case
	run     func(t *testing.T, be, ref backend.Backend, c *lstmCase, r *rand.Rand)
}{
	{"Reference", nil, lstmReference},
	{"FiniteDifferences", nil, lstmFiniteDifferences},
	{"Accumulate", nil, lstmAccumulate},
	{"Strided", nil, lstmStrided},
	{"ZeroState", nil, lstmZeroState},
	{"Padding", func(c *lstmCase) bool { return c.lengths != nil }, lstmPadding},
	{"Alone", func(c *lstmCase) bool { return c.shape.B > 1 || c.lengths != nil }, lstmAlone},
}

// testLSTM runs every check on every case.
func testLSTM(t *testing.T, be, ref backend.Backend) {
	for i := range lstmCases {
		c := &lstmCases[i]
		t.Run(c.name, func(t *testing.T) {
			for _, check := range lstmChecks {
				if check.applies == nil || check.applies(c) {
					t.Run(check.name, func(t *testing.T) {
						check.run(t, be, ref, c, newRand("LSTM", c.name, check.name))
					})
				}
			}
		})
	}
}

// lstmReference checks that be agrees with the reference, accumulating into
// random DX and DW and overwriting NaN DH0 and DC0, and that its forward
// pass without a Reserve, as for inference, gives the same output.
func lstmReference(t *testing.T, be, ref backend.Backend, c *lstmCase, r *rand.Rand) {
	p := newLSTMProblem(c, r)
	pre := p.prefilled(r)
	want := runLSTM(t, ref, p, true, pre)
	checkAllClose(t, fmt.Sprintf("%s on %s against the reference", c.name, be.Name()), p.results(runLSTM(t, be, p, true, pre)), p.results(want))
	checkAllClose(t, fmt.Sprintf("%s on %s without a Reserve against the reference", c.name, be.Name()),
		p.outputs(runLSTM(t, be, p, false, nil)), p.outputs(want))
}

// lstmFiniteDifferences checks every gradient LSTMBackward computes, with
// respect to X, H0, C0 and each weight, against central differences of the
// loss Σ Y·DY + Σ HN·DHN + Σ CN·DCN computed from LSTMForward. H0 and C0
// are given, so that their gradients are checked and the terms of DWhh
// from H0 count; ZeroState checks that nil means zeros.
func lstmFiniteDifferences(t *testing.T, be, _ backend.Backend, c *lstmCase, r *rand.Rand) {
	d := *c // with every gradient, and a nonzero initial state to move
	d.h0, d.c0, d.dx, d.dh0, d.dc0 = true, true, true, true, true
	p := newLSTMProblem(&d, r)
	o := runLSTM(t, be, p, true, nil)
	loss := func() float64 { return p.loss(runLSTM(t, be, p, false, nil)) }
	for _, v := range p.wrt(o) {
		if err := checkGradient(v.x, v.grad, loss, r); err != nil {
			t.Errorf("%s on %s: LSTMBackward D%s disagrees with finite differences of LSTMForward: %v", c.name, be.Name(), v.name, err)
		}
	}
}

// lstmAccumulate checks that LSTMBackward adds to what DX and DW held and
// overwrites DH0 and DC0 without reading them.
func lstmAccumulate(t *testing.T, be, _ backend.Backend, c *lstmCase, r *rand.Rand) {
	p := newLSTMProblem(c, r)
	pre := p.prefilled(r)
	got := runLSTM(t, be, p, true, pre)
	want := runLSTM(t, be, p, true, nil)
	subtract(got.dx, pre.dx)
	for k := range got.dw {
		subtract(got.dw[k], pre.dw[k])
	}
	checkAllClose(t, fmt.Sprintf("%s on %s: gradients into random DX and DW (less what they held) and NaN DH0 and DC0, against into zeros", c.name, be.Name()),
		p.results(got), p.results(want))
}

// subtract sets a -= b.
func subtract(a, b []float32) {
	for i := range a {
		a[i] -= b[i]
	}
}

// lstmStrided checks that the results with LdY > Out, Y and DY views at an
// offset and NaN in DY's buffer outside the rows, are those with LdY = Out.
// (Every run checks that Y's buffer outside the rows is left untouched.)
func lstmStrided(t *testing.T, be, _ backend.Backend, c *lstmCase, r *rand.Rand) {
	p := newLSTMProblem(c, r)
	O := c.shape.HiddenOut()
	ldy, off := p.ldy, p.off
	if ldy == O {
		ldy, off = O+3, 2
	}
	wide, narrow := p.restride(ldy, off), p.restride(O, 0)
	checkAllClose(t, fmt.Sprintf("%s on %s: LdY %d with the view at %d, against LdY = Out = %d", c.name, be.Name(), ldy, off, O),
		wide.results(runLSTM(t, be, wide, true, nil)), narrow.results(runLSTM(t, be, narrow, true, nil)))
}

// lstmZeroState checks that nil H0 and C0 mean zeros.
func lstmZeroState(t *testing.T, be, _ backend.Backend, c *lstmCase, r *rand.Rand) {
	p := newLSTMProblem(c, r)
	none, zeros := p.clone(), p.clone()
	none.h0, none.c0 = nil, nil
	zeros.h0, zeros.c0 = make([]float32, c.shape.B*c.shape.HiddenOut()), make([]float32, c.shape.B*c.shape.Hidden)
	checkAllClose(t, fmt.Sprintf("%s on %s: nil H0 and C0 against zeros", c.name, be.Name()),
		none.results(runLSTM(t, be, none, true, nil)), zeros.results(runLSTM(t, be, zeros, true, nil)))
}

// lstmPadding checks that Y, the Reserve's gates and DX are exactly zero
// at padding steps, and
// that what X holds there, and DY (NaN here), changes nothing.
func lstmPadding(t *testing.T, be, _ backend.Backend, c *lstmCase, r *rand.Rand) {
	p := newLSTMProblem(c, r)
	s := c.shape
	o := runLSTM(t, be, p, true, nil)
	var padding []int // rows of padding steps
	q := p.clone()
	for step := range s.T {
		for b := range s.B {
			if row := step*s.B + b; !p.active(step, b) {
				padding = append(padding, row)
				copy(q.x[row*s.Input:], normal(r, s.Input, 1))
				copy(q.dy[q.at(row):q.at(row)+s.HiddenOut()], filled(s.HiddenOut(), nan))
			}
		}
	}
	what := fmt.Sprintf("%s on %s", c.name, be.Name())
	p.checkZeroRows(t, what+": LSTMForward Y", p.rows(o.y), s.HiddenOut(), padding)
	p.checkZeroRows(t, what+": LSTMForward Reserve's gates", o.gates, 4*s.Hidden, padding)
	if o.dx != nil {
		p.checkZeroRows(t, what+": LSTMBackward DX", o.dx, s.Input, padding)
	}
	checkAllClose(t, what+": other X and NaN DY at padding steps against the original",
		q.results(runLSTM(t, be, q, true, nil)), p.results(o))
}

// checkZeroRows reports an error unless the given rows of the matrix m of
// the given width, rows of padding steps, are zero.
func (p *lstmProblem) checkZeroRows(t *testing.T, what string, m []float32, width int, rows []int) {
	t.Helper()
	bad, first := 0, -1
	for _, r := range rows {
		if slices.ContainsFunc(m[r*width:(r+1)*width], func(v float32) bool { return v != 0 }) {
			bad++
			if first < 0 {
				first = r
			}
		}
	}
	if bad > 0 {
		B := p.shape.B
		t.Errorf("%s: %d of %d rows at padding steps are not zero: first at step %d of sequence %d of length %d: %v",
			what, bad, len(rows), first/B, first%B, p.length(first%B), m[first*width:(first+1)*width])
	}
}

// lstmAlone checks that each sequence of the batch, run alone with T = its
// length, gives the same output rows, final state and input gradients, and
// that the weight gradients of the sequences alone sum to the batch's. With
// Lengths and Reverse, that is the reverse direction starting at each
// sequence's own last step.
func lstmAlone(t *testing.T, be, _ backend.Backend, c *lstmCase, r *rand.Rand) {
	p := newLSTMProblem(c, r)
	s := c.shape
	O, H := s.HiddenOut(), s.Hidden
	o := runLSTM(t, be, p, true, nil)
	y := p.rows(o.y)
	var sum lstmWeights
	for b := range s.B {
		q := p.sequence(b)
		a := runLSTM(t, be, q, true, nil)
		steps := make([]int, q.shape.T)
		for step := range steps {
			steps[step] = step*s.B + b
		}
		batch := slices.Concat(
			[]tensor{{"LSTMForward Y", pick(y, O, steps)}, {"LSTMForward HN", pick(o.hn, O, []int{b})}, {"LSTMForward CN", pick(o.cn, H, []int{b})}},
			[]tensor{{"LSTMBackward DX", pick(o.dx, s.Input, steps)}, {"LSTMBackward DH0", pick(o.dh0, O, []int{b})}, {"LSTMBackward DC0", pick(o.dc0, H, []int{b})}})
		checkAllClose(t, fmt.Sprintf("%s on %s: sequence %d of length %d alone against in the batch", c.name, be.Name(), b, q.shape.T),
			slices.Concat(q.outputs(a), q.inputGrads(a)), batch)
		for k, w := range a.dw {
			if w != nil {
				if sum[k] == nil {
					sum[k] = make([]float32, len(w))
				}
				for i, v := range w {
					sum[k][i] += v
				}
			}
		}
	}
	checkAllClose(t, fmt.Sprintf("%s on %s: weight gradients of the sequences alone, summed, against the batch's", c.name, be.Name()),
		p.weightGrads(&lstmOut{lstmGrads: lstmGrads{dw: sum}}), p.weightGrads(o))
}
