package lstm

import (
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
)

// TestAttributionBadInput checks that a wrong shape or class is a clear
// error, not a panic.
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
		for name, f := range map[string]func(Tensor, int) ([]float64, error){"GradientTimesInput": c.GradientTimesInput, "Occlusion": c.Occlusion} {
			if _, err := f(tc.x, tc.class); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s, %s: got error %v, want one with %q", name, tc.name, err, tc.want)
			}
		}
	}
}
