package lstm

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/backend/reference"
	"github.com/lstm-digits/lstm-digits/safetensors"
)

// fixtureConfig is the "config" metadata of a fixture.
type fixtureConfig struct {
	Config
	NumClasses int `json:"num_classes"`
}

// fixture is one parsed PyTorch reference file (format: testdata/torch/README.md).
type fixture struct {
	t    *testing.T
	be   backend.Backend
	name string
	file *safetensors.File
	cfg  fixtureConfig
}

// fixtureFiles lists the fixtures in $TORCH_FIXTURES, or in testdata/torch.
// It fails when the folder holds none: a parity test never passes on nothing.
func fixtureFiles(t *testing.T) []string {
	t.Helper()
	dir := os.Getenv("TORCH_FIXTURES")
	if dir == "" {
		dir = filepath.Join("testdata", "torch")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.safetensors fixtures in %s (err %v)", dir, err)
	}
	return files
}

func loadFixture(t *testing.T, be backend.Backend, path string) *fixture {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{t: t, be: be, name: filepath.Base(path), file: f}
	if cfg, ok := f.Metadata["config"]; ok {
		if err := json.Unmarshal([]byte(cfg), &fx.cfg); err != nil {
			t.Fatalf("%s: config metadata: %v", fx.name, err)
		}
	}
	return fx
}

// has reports whether the fixture holds the named tensor.
func (fx *fixture) has(name string) bool {
	_, ok := fx.file.Tensor(name)
	return ok
}

// lookup returns the named tensor of the fixture.
func (fx *fixture) lookup(name string) *safetensors.Tensor {
	fx.t.Helper()
	st, ok := fx.file.Tensor(name)
	if !ok {
		fx.t.Fatalf("%s: no tensor %q", fx.name, name)
	}
	return st
}

// tensor returns the named float tensor.
func (fx *fixture) tensor(name string) Tensor {
	fx.t.Helper()
	st := fx.lookup(name)
	v, err := st.Float32s()
	if err != nil {
		fx.t.Fatalf("%s: %v", fx.name, err)
	}
	return Tensor{Shape: st.Shape, Data: v}
}

// ints returns the named integer tensor as ints.
func (fx *fixture) ints(name string) []int {
	fx.t.Helper()
	v, err := fx.lookup(name).Int64s()
	if err != nil {
		fx.t.Fatalf("%s: %v", fx.name, err)
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// setParams copies every parameter of p from the fixture.
func (fx *fixture) setParams(p *Params) {
	fx.t.Helper()
	for _, q := range p.List() {
		if err := p.Set(q.Name, fx.tensor(q.Name).Data); err != nil {
			fx.t.Fatalf("%s: %v", fx.name, err)
		}
	}
}

// check compares got with the fixture's tensor want within
// 1e-4·max(1, max|want|), printing the maximum difference.
func (fx *fixture) check(want string, got []float32) {
	fx.t.Helper()
	fx.checkWithin(want, got, 1)
}

// checkWithin compares got with the fixture's tensor want within
// 1e-4·max(floor, max|want|): with floor 0, relative to the tensor's
// scale, for results far below 1 (an untrained model's attributions).
func (fx *fixture) checkWithin(want string, got []float32, floor float64) {
	fx.t.Helper()
	ref := fx.tensor(want)
	if len(got) != len(ref.Data) {
		fx.t.Fatalf("%s: %s: %d values, want %d", fx.name, want, len(got), len(ref.Data))
	}
	var maxRef, maxDiff float64
	for i, r := range ref.Data {
		maxRef = math.Max(maxRef, math.Abs(float64(r)))
		d := math.Abs(float64(got[i]) - float64(r))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		maxDiff = math.Max(maxDiff, d)
	}
	tol := 1e-4 * math.Max(floor, maxRef)
	if maxDiff > tol {
		fx.t.Fatalf("%s: %-28s maxdiff %.3g > tolerance %.3g", fx.name, want, maxDiff, tol)
	}
	fx.t.Logf("%-28s OK maxdiff %.3g (tolerance %.3g)", want, maxDiff, tol)
}

// backends are the CPU backend and the reference, each checked against
// PyTorch.
func backends() []backend.Backend {
	return []backend.Backend{cpu.New(), reference.New()}
}

// TestTorchFixtures checks the LSTM and the classifier, forward and
// backward, against every PyTorch fixture, on each backend.
func TestTorchFixtures(t *testing.T) {
	for _, be := range backends() {
		for _, path := range fixtureFiles(t) {
			t.Run(be.Name()+"/"+strings.TrimSuffix(filepath.Base(path), ".safetensors"), func(t *testing.T) {
				fx := loadFixture(t, be, path)
				switch kind := fx.file.Metadata["kind"]; kind {
				case "lstm":
					fx.runLSTM()
				case "classifier":
					fx.runClassifier()
				default:
					t.Fatalf("%s: unknown kind %q", fx.name, kind)
				}
			})
		}
	}
}

func (fx *fixture) runLSTM() {
	t := fx.t
	m, err := New(fx.be, fx.cfg.Config, 0)
	if err != nil {
		t.Fatalf("%s: %v", fx.name, err)
	}
	fx.setParams(m.Params())
	var initial *State
	if fx.has("h0") {
		initial = &State{H: fx.tensor("h0"), C: fx.tensor("c0")}
	}
	var lengths []int
	if l := fx.file.Metadata["lengths"]; l != "" {
		if err := json.Unmarshal([]byte(l), &lengths); err != nil {
			t.Fatalf("%s: lengths metadata: %v", fx.name, err)
		}
	}
	res, err := m.Forward(fx.tensor("input"), initial, lengths)
	if err != nil {
		t.Fatalf("%s: %v", fx.name, err)
	}
	fx.check("output", res.Output.Data)
	fx.check("h_n", res.Final.H.Data)
	fx.check("c_n", res.Final.C.Data)

	g, err := res.Backward(fx.tensor("grad_output"), &State{H: fx.tensor("grad_h_n"), C: fx.tensor("grad_c_n")})
	if err != nil {
		t.Fatalf("%s: %v", fx.name, err)
	}
	fx.check("grad.input", g.Input.Data)
	if initial != nil {
		fx.check("grad.h0", g.Initial.H.Data)
		fx.check("grad.c0", g.Initial.C.Data)
	}
	fx.checkGrads(m.Params())
}

func (fx *fixture) checkGrads(p *Params) {
	for _, q := range p.List() {
		g, err := p.GetGrad(q.Name)
		if err != nil {
			fx.t.Fatal(err)
		}
		fx.check("grad."+q.Name, g)
	}
}

func (fx *fixture) newClassifier() *Classifier {
	c, err := NewClassifier(fx.be, fx.cfg.Config, fx.cfg.NumClasses, 0)
	if err != nil {
		fx.t.Fatalf("%s: %v", fx.name, err)
	}
	fx.setParams(c.Params())
	return c
}

func (fx *fixture) runClassifier() {
	c := fx.newClassifier()
	bp, err := c.Backprop(fx.tensor("input"), fx.ints("labels"))
	if err != nil {
		fx.t.Fatalf("%s: %v", fx.name, err)
	}
	fx.check("logits", bp.Logits.Data)
	fx.check("loss", []float32{bp.Loss})
	fx.check("grad.input", bp.InputGrad.Data)
	fx.checkGrads(c.Params())
	if fx.has("trace.gates_l0") {
		fx.checkInside(c)
	}
}

// checkInside checks what the page shows inside the model against the
// fixture: the first sequence's gates at every step (Trace), and each
// sequence's attribution of its predicted class to its steps, within
// 1e-4 of the attributions' own scale (far below 1 for these untrained
// models).
func (fx *fixture) checkInside(c *Classifier) {
	t := fx.t
	x := fx.tensor("input")
	B, T, F := x.Shape[0], x.Shape[1], x.Shape[2]
	first := Tensor{Shape: []int{T, F}, Data: x.Data[:T*F]}
	tr, err := c.Trace(first)
	if err != nil {
		t.Fatalf("%s: %v", fx.name, err)
	}
	for k := range fx.cfg.NumLayers {
		var gates []float32
		for _, g := range tr.Gates[k] {
			gates = append(gates, g...)
		}
		fx.check(fmt.Sprintf("trace.gates_l%d", k), gates)
	}
	classes := fx.ints("attribution.class")
	var grad, occ []float32
	for b := range B {
		seq := Tensor{Shape: []int{T, F}, Data: x.Data[b*T*F : (b+1)*T*F]}
		g, err := c.GradientTimesInput(seq, classes[b])
		if err != nil {
			t.Fatalf("%s: %v", fx.name, err)
		}
		o, err := c.Occlusion(seq, classes[b], nil)
		if err != nil {
			t.Fatalf("%s: %v", fx.name, err)
		}
		for step := range T {
			grad, occ = append(grad, float32(g[step])), append(occ, float32(o[step]))
		}
	}
	fx.checkWithin("attribution.grad_x_input", grad, 0)
	fx.checkWithin("attribution.occlusion", occ, 0)
}

// TestTorchAdamSteps trains the seed classifier for ten Adam steps on the
// fixed batch of the seed fixture, on each backend, and compares each step's loss with
// PyTorch's, within 1e-4 relative.
func TestTorchAdamSteps(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.Name(), func(t *testing.T) { testAdamSteps(t, be) })
	}
}

func testAdamSteps(t *testing.T, be backend.Backend) {
	fx := loadFixture(t, be, filepath.Join("testdata", "torch", "classifier_seed.safetensors"))
	var train struct {
		LR float32 `json:"lr"`
	}
	if err := json.Unmarshal([]byte(fx.file.Metadata["train"]), &train); err != nil {
		t.Fatalf("train metadata: %v", err)
	}
	want := fx.tensor("train_losses").Data
	c := fx.newClassifier()
	cfg := DefaultAdam()
	cfg.LR = train.LR
	opt := NewAdam(c.Params(), cfg)
	x, labels := fx.tensor("input"), fx.ints("labels")
	for k, w := range want {
		r, err := c.TrainStep(x, labels, opt, 0)
		if err != nil {
			t.Fatal(err)
		}
		rel := math.Abs(float64(r.Loss-w)) / math.Abs(float64(w))
		t.Logf("step %d: loss %.7f, PyTorch %.7f, relative difference %.2g", k, r.Loss, w, rel)
		if rel > 1e-4 {
			t.Fatalf("step %d: loss %v differs from PyTorch's %v by %.2g relative", k, r.Loss, w, rel)
		}
	}
}
