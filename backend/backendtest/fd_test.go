package backendtest

import (
	"math"
	"slices"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
)

// TestCheckGradient tests the finite-difference checker on the reference's
// gradients: it must pass them as they are, and fail each of them spoiled
// as a plausible bug would spoil it.
func TestCheckGradient(t *testing.T) {
	be := cpu.New()
	r := newRand("TestCheckGradient")

	// An LSTM layer with every option that has a gradient.
	c := lstmCase{name: "checker", shape: lstmCases[1].shape, h0: true, c0: true, dhn: true, dcn: true, dx: true, dh0: true, dc0: true}
	c.shape.Reverse = true
	c.lengths = []int{13, 4, 9}
	s := c.shape
	lp := newLSTMProblem(&c, r)
	lo := runLSTM(t, be, lp, true, nil)
	lstmLoss := func() float64 { return lp.loss(runLSTM(t, be, lp, false, nil)) }

	// A Linear layer and a cross-entropy.
	linear := linearCase{name: "checker", n: 9, in: 7, out: 5, bias: true, dx: true}
	np := newLinearProblem(&linear, r)
	no := runLinear(t, be, np, true, nil)
	linearLoss := func() float64 { return dot(runLinear(t, be, np, false, nil).y, np.dy) }
	ce := crossEntropyCase{name: "checker", n: 6, classes: 10, scale: 2}
	cp := &crossEntropyProblem{c: &ce, logits: normal(r, ce.n*ce.classes, ce.scale), labels: []int{0, 9, 3, 3, 5, 1}}
	_, dlogits := runCrossEntropy(t, be, cp, true)
	ceLoss := func() float64 {
		l, _ := runCrossEntropy(t, be, cp, false)
		return float64(l)
	}

	type subject struct {
		gradient
		loss func() float64
	}
	operands := map[string]subject{"logits": {gradient{"logits", cp.logits, dlogits}, ceLoss}}
	for _, g := range lp.wrt(lo) {
		operands[g.name] = subject{g, lstmLoss}
	}
	for _, g := range np.wrt(no) {
		operands["linear "+g.name] = subject{g, linearLoss}
	}
	for name, o := range operands {
		if err := checkGradient(o.x, o.grad, o.loss, r); err != nil {
			t.Errorf("gradient with respect to %s: %v, want it to pass", name, err)
		}
	}

	H, I, O := s.Hidden, s.Input, s.HiddenOut()
	swapRows := func(g []float32, width, i, j int) {
		for k := range width {
			g[i*width+k], g[j*width+k] = g[j*width+k], g[i*width+k]
		}
	}
	scale := func(f float32) func([]float32) {
		return func(g []float32) {
			for i := range g {
				g[i] *= f
			}
		}
	}
	for _, tc := range []struct {
		operand, bug string
		spoil        func(g []float32)
	}{
		{"Wih", "gates i and f swapped", func(g []float32) {
			for j := range H {
				swapRows(g, I, j, H+j)
			}
		}},
		{"Wih", "gate o's rows missing", func(g []float32) { clear(g[3*H*I:]) }},
		{"Whh", "5% too large", scale(1.05)},
		{"Whh", "one gate's sign flipped", func(g []float32) { scale(-1)(g[2*H*O : 3*H*O]) }},
		{"Bhh", "missing", func(g []float32) { clear(g) }},
		{"Bih", "counted twice", scale(2)},
		{"Whr", "transposed", func(g []float32) {
			tr := slices.Clone(g)
			for i := range O {
				for j := range H {
					g[j*O+i] = tr[i*H+j]
				}
			}
		}},
		{"X", "first step missing", func(g []float32) { clear(g[:s.B*I]) }},
		{"X", "steps shifted by one", func(g []float32) { copy(g, slices.Concat(g[s.B*I:], make([]float32, s.B*I))) }},
		{"H0", "sequences swapped", func(g []float32) { swapRows(g, O, 0, 2) }},
		{"C0", "sign flipped", scale(-1)},
		{"C0", "10% too small", scale(0.9)},
		{"linear w", "transposed", func(g []float32) {
			tr := slices.Clone(g)
			for i := range linear.out {
				for j := range linear.in {
					g[j*linear.out+i] = tr[i*linear.in+j]
				}
			}
		}},
		{"linear b", "averaged over the rows, not summed", scale(1.0 / float32(linear.n))},
		{"linear x", "one row missing", func(g []float32) { clear(g[4*linear.in : 5*linear.in]) }},
		{"logits", "not divided by n", scale(float32(ce.n))},
		{"logits", "softmax without the one-hot", func(g []float32) {
			for i, label := range cp.labels {
				g[i*ce.classes+label] += 1 / float32(ce.n)
			}
		}},
	} {
		o, ok := operands[tc.operand]
		if !ok {
			t.Fatalf("no operand %s", tc.operand)
		}
		wrong := slices.Clone(o.grad)
		tc.spoil(wrong)
		if slices.Equal(wrong, o.grad) {
			t.Fatalf("gradient with respect to %s, %s: spoiling it changed nothing", tc.operand, tc.bug)
		}
		if err := checkGradient(o.x, wrong, o.loss, r); err == nil {
			t.Errorf("gradient with respect to %s, %s: passed, want it to fail", tc.operand, tc.bug)
		} else {
			t.Logf("gradient with respect to %s, %s: %v", tc.operand, tc.bug, err)
		}
	}

	// A gradient that is not finite fails, and an empty one passes.
	if err := checkGradient(lp.x, filled(len(lp.x), float32(math.Inf(1))), lstmLoss, r); err == nil {
		t.Errorf("an infinite gradient passed, want it to fail")
	}
	if err := checkGradient(nil, nil, lstmLoss, r); err != nil {
		t.Errorf("gradient with respect to nothing: %v, want it to pass", err)
	}
}
