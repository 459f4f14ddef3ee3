package lstm

import (
	"math"
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
)

// TestAttributionBadInput checks that a wrong shape, class or step is a
// clear error, not a panic, and that Occlusion of some steps is that of
// every step at those steps.
func TestAttributionBadInput(t *testing.T) {
	c, err := NewClassifier(cpu.New(), Config{InputSize: 5, HiddenSize: 4, NumLayers: 1, Bias: true, BatchFirst: true}, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	ok := Tensor{Shape: []int{6, 5}, Data: make([]float32, 30)}
	for _, tc := range []struct {
		name  string
		x     Tensor
		class int
		want  string
	}{
		{"batch", Tensor{Shape: []int{1, 6, 5}, Data: make([]float32, 30)}, 0, "must be [steps, 5]"},
		{"features", Tensor{Shape: []int{6, 4}, Data: make([]float32, 24)}, 0, "attribution input"},
		{"short data", Tensor{Shape: []int{6, 5}, Data: make([]float32, 29)}, 0, "attribution input"},
		{"class", ok, 3, "class 3 is outside [0, 3)"},
		{"negative class", ok, -1, "class -1"},
	} {
		occlusion := func(x Tensor, class int) ([]float64, error) { return c.Occlusion(x, class, nil) }
		for name, f := range map[string]func(Tensor, int) ([]float64, error){"GradientTimesInput": c.GradientTimesInput, "Occlusion": occlusion} {
			if _, err := f(tc.x, tc.class); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s, %s: got error %v, want one with %q", name, tc.name, err, tc.want)
			}
		}
	}
	for _, steps := range [][]int{{6}, {-1}, {0, 2, 9}} {
		if _, err := c.Occlusion(ok, 0, steps); err == nil || !strings.Contains(err.Error(), "occlusion of step") {
			t.Errorf("Occlusion of steps %v: got error %v, want one naming the step", steps, err)
		}
	}
	all, err := c.Occlusion(ok, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	some, err := c.Occlusion(ok, 1, []int{4, 1})
	if err != nil || math.Abs(some[0]-all[4]) > 1e-6 || math.Abs(some[1]-all[1]) > 1e-6 { // batches of other sizes may round otherwise
		t.Errorf("Occlusion of steps 4 and 1: %v (%v), want %v and %v as of every step", some, err, all[4], all[1])
	}
}
