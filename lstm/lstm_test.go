package lstm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{InputSize: 3, HiddenSize: 4, NumLayers: 1}
	cases := []struct {
		edit func(*Config)
		want string // "" for valid
	}{
		{func(*Config) {}, ""},
		{func(c *Config) { c.ProjSize = 3; c.Dropout = 1 }, ""},
		{func(c *Config) { c.InputSize = 0 }, "input_size must be positive"},
		{func(c *Config) { c.HiddenSize = -1 }, "hidden_size must be positive"},
		{func(c *Config) { c.NumLayers = 0 }, "num_layers must be positive"},
		{func(c *Config) { c.Dropout = 1.5 }, "dropout must be a probability"},
		{func(c *Config) { c.Dropout = math.NaN() }, "dropout must be a probability"},
		{func(c *Config) { c.ProjSize = -2 }, "proj_size must be 0 or positive"},
		{func(c *Config) { c.ProjSize = 4 }, "proj_size (4) must be smaller than hidden_size (4)"},
		{func(c *Config) { c.HiddenSize = 1 << 20 }, "too large"},
	}
	for _, tc := range cases {
		c := ok
		tc.edit(&c)
		err := c.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", c, err, tc.want)
		}
	}
}

// TestParamNames checks the state_dict names, order, shapes and
// initialisation bounds of a bidirectional, projected, 2-layer LSTM.
func TestParamNames(t *testing.T) {
	m, err := New(cpu.New(), Config{InputSize: 3, HiddenSize: 5, NumLayers: 2, Bias: true, Bidirectional: true, ProjSize: 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range m.Params().List() {
		got = append(got, fmt.Sprint(p.Name, p.Shape))
		v, _ := m.Params().Get(p.Name)
		for _, x := range v {
			if math.Abs(float64(x)) > 1/math.Sqrt(5) {
				t.Fatalf("%s: initial value %v outside ±1/√hidden_size", p.Name, x)
			}
		}
	}
	var want []string
	for _, layer := range []string{"l0", "l1"} {
		in := 3
		if layer == "l1" {
			in = 4 // two directions of proj_size 2
		}
		for _, sfx := range []string{"", "_reverse"} {
			want = append(want,
				fmt.Sprint("weight_ih_", layer, sfx, []int{20, in}),
				fmt.Sprint("weight_hh_", layer, sfx, []int{20, 2}),
				fmt.Sprint("bias_ih_", layer, sfx, []int{20}),
				fmt.Sprint("bias_hh_", layer, sfx, []int{20}),
				fmt.Sprint("weight_hr_", layer, sfx, []int{2, 5}))
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("parameters\n%v\nwant\n%v", got, want)
	}
}

func randomTensor(rng *rand.Rand, shape ...int) Tensor {
	x := NewTensor(shape...)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestUnbatched checks that an unbatched input [T, F] gives what a batch of
// one gives, forward and backward, as in PyTorch.
func TestUnbatched(t *testing.T) {
	cfg := Config{InputSize: 3, HiddenSize: 4, NumLayers: 2, Bias: true, BatchFirst: true, Bidirectional: true}
	m, err := New(cpu.New(), cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := randomTensor(rng, 6, 3)
	h0, c0 := randomTensor(rng, 4, 4), randomTensor(rng, 4, 4)
	un, err := m.Forward(x, &State{H: h0, C: c0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	batched, err := m.Forward(Tensor{Shape: []int{1, 6, 3}, Data: x.Data}, &State{H: Tensor{Shape: []int{4, 1, 4}, Data: h0.Data}, C: Tensor{Shape: []int{4, 1, 4}, Data: c0.Data}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(un.Output.Shape, []int{6, 8}) || !slices.Equal(un.Final.H.Shape, []int{4, 4}) {
		t.Fatalf("unbatched shapes: output %v, h_n %v", un.Output.Shape, un.Final.H.Shape)
	}
	if !slices.Equal(un.Output.Data, batched.Output.Data) || !slices.Equal(un.Final.C.Data, batched.Final.C.Data) {
		t.Fatal("unbatched output differs from a batch of one")
	}
	dy := randomTensor(rng, 6, 8)
	gu, err := un.Backward(dy, nil)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := batched.Backward(Tensor{Shape: []int{1, 6, 8}, Data: dy.Data}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gu.Input.Data, gb.Input.Data) || !slices.Equal(gu.Initial.H.Data, gb.Initial.H.Data) {
		t.Fatal("unbatched gradients differ from a batch of one")
	}
}

func TestForwardRejects(t *testing.T) {
	cfg := Config{InputSize: 3, HiddenSize: 4, NumLayers: 1, BatchFirst: true}
	m, err := New(cpu.New(), cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	x := NewTensor(2, 5, 3)
	cases := []struct {
		name    string
		x       Tensor
		state   *State
		lengths []int
		want    string
	}{
		{"4-D input", NewTensor(1, 2, 5, 3), nil, nil, "must be 2-D"},
		{"no steps", NewTensor(2, 0, 3), nil, nil, "no steps"},
		{"wrong features", NewTensor(2, 5, 4), nil, nil, "want [2 5 3]"},
		{"short data", Tensor{Shape: []int{2, 5, 3}, Data: make([]float32, 7)}, nil, nil, "7 values"},
		{"length 0", x, nil, []int{0, 5}, "outside [1, 5]"},
		{"length too long", x, nil, []int{6, 5}, "outside [1, 5]"},
		{"lengths count", x, nil, []int{5}, "1 lengths for a batch of 2"},
		{"unbatched lengths", NewTensor(5, 3), nil, []int{5}, "batched input"},
		{"h0 shape", x, &State{H: NewTensor(1, 3, 4), C: NewTensor(1, 2, 4)}, nil, "h0 has shape [1 3 4]"},
	}
	for _, tc := range cases {
		if _, err := m.Forward(tc.x, tc.state, tc.lengths); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// dirLoss is Σ output·dy for the LSTM's output on x.
func dirLoss(t *testing.T, m *LSTM, x, dy Tensor, seed uint64) float64 {
	t.Helper()
	m.SetDropoutSeed(seed)
	r, err := m.Forward(x, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var s float64
	for i, v := range r.Output.Data {
		s += float64(v) * float64(dy.Data[i])
	}
	return s
}

// TestDropout checks that dropout applies between layers in training mode
// only, and that its backward pass routes gradients through the same mask:
// the input gradient matches finite differences taken with the same masks.
func TestDropout(t *testing.T) {
	cfg := Config{InputSize: 3, HiddenSize: 6, NumLayers: 3, Bias: true, BatchFirst: true, Dropout: 0.4}
	m, err := New(cpu.New(), cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	x, dy := randomTensor(rng, 2, 5, 3), randomTensor(rng, 2, 5, 6)
	eval1, eval2 := dirLoss(t, m, x, dy, 1), dirLoss(t, m, x, dy, 2)
	if eval1 != eval2 {
		t.Fatal("evaluation mode depends on the dropout seed")
	}
	m.Train(true)
	if a, b := dirLoss(t, m, x, dy, 1), dirLoss(t, m, x, dy, 2); a == b || a == eval1 {
		t.Fatal("training mode with dropout 0.4 does not drop anything")
	}
	m.SetDropoutSeed(9)
	r, err := m.Forward(x, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := r.Backward(dy, nil)
	if err != nil {
		t.Fatal(err)
	}
	const eps = 1e-2
	for _, i := range []int{0, 7, 16, 29} {
		orig := x.Data[i]
		x.Data[i] = orig + eps
		up := dirLoss(t, m, x, dy, 9)
		x.Data[i] = orig - eps
		down := dirLoss(t, m, x, dy, 9)
		x.Data[i] = orig
		num := (up - down) / (2 * eps)
		if d := math.Abs(num - float64(g.Input.Data[i])); d > 2e-3*math.Max(1, math.Abs(num)) {
			t.Fatalf("input %d: gradient %v, finite difference %v", i, g.Input.Data[i], num)
		}
	}
}

func TestClipGradNorm(t *testing.T) {
	m, err := New(cpu.New(), Config{InputSize: 1, HiddenSize: 1, NumLayers: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params()
	p.be.Upload(p.Grad, []float32{3, 0, 4, 0, 0, 0, 0, 0}) // weight_ih [4,1], weight_hh [4,1]
	if n := p.ClipGradNorm(10); n != 5 {
		t.Fatalf("norm %v, want 5", n)
	}
	if g, _ := p.GetGrad("weight_ih_l0"); g[0] != 3 {
		t.Fatalf("clipping to a norm above the gradient's changed it: %v", g)
	}
	p.ClipGradNorm(1)
	g, _ := p.GetGrad("weight_ih_l0")
	if math.Abs(float64(g[0])-0.6) > 1e-6 || math.Abs(float64(g[2])-0.8) > 1e-6 {
		t.Fatalf("clipped gradient %v, want [0.6 0 0.8 0]", g)
	}
}

// TestTrace checks the step-by-step trace against the whole-sequence
// forward pass: the last layer's h at every step is the output, each
// layer's state after the last step is (h_n, c_n), and the last step's
// probabilities are the softmax of the logits.
func TestTrace(t *testing.T) {
	cfg := Config{InputSize: 5, HiddenSize: 16, NumLayers: 2, Bias: true, BatchFirst: true, ProjSize: 7}
	c, err := NewClassifier(cpu.New(), cfg, 4, 3)
	if err != nil {
		t.Fatal(err)
	}
	x := randomTensor(rand.New(rand.NewPCG(1, 5)), 1, 9, 5)
	tr, err := c.Trace(Tensor{Shape: []int{9, 5}, Data: x.Data})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.LSTM.Forward(x, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := c.Logits(x)
	if err != nil {
		t.Fatal(err)
	}
	near := func(what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-5 {
				t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	for step := range 9 {
		near(fmt.Sprint("h of the last layer at step ", step), tr.H[1][step], res.Output.Data[step*7:(step+1)*7])
	}
	for k := range 2 {
		near(fmt.Sprint("h_n of layer ", k), tr.H[k][8], res.Final.H.Data[k*7:(k+1)*7])
		near(fmt.Sprint("c_n of layer ", k), tr.C[k][8], res.Final.C.Data[k*16:(k+1)*16])
	}
	for i, p := range Softmax(logits.Data) {
		if math.Abs(p-tr.Probs[8][i]) > 1e-6 {
			t.Fatalf("last step's probabilities %v, want %v", tr.Probs[8], Softmax(logits.Data))
		}
	}
	bi := cfg
	bi.Bidirectional = true
	if cb, _ := NewClassifier(cpu.New(), bi, 4, 3); cb != nil {
		if _, err := cb.Trace(Tensor{Shape: []int{9, 5}, Data: x.Data}); err == nil {
			t.Fatal("traced a bidirectional LSTM")
		}
	}
}

// TestBackwardTwice checks that a second Backward on one Result is an
// error, as in PyTorch, and that it leaves the parameter gradients as the
// first one made them.
func TestBackwardTwice(t *testing.T) {
	m, err := New(cpu.New(), Config{InputSize: 3, HiddenSize: 4, NumLayers: 2, Bias: true, BatchFirst: true}, 2)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	r, err := m.Forward(randomTensor(rng, 2, 5, 3), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dy := randomTensor(rng, 2, 5, 4)
	if _, err := r.Backward(dy, nil); err != nil {
		t.Fatal(err)
	}
	grads := make([]float32, m.Params().Count())
	m.Params().be.Download(grads, m.Params().Grad)
	if _, err := r.Backward(dy, nil); err == nil || !strings.Contains(err.Error(), "second time") {
		t.Fatalf("a second Backward: error %v, want one saying it is the second time", err)
	}
	again := make([]float32, len(grads))
	m.Params().be.Download(again, m.Params().Grad)
	if !slices.Equal(grads, again) {
		t.Fatal("the refused second Backward changed the parameter gradients")
	}
}
