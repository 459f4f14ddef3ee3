package web

import (
	"math"
	"testing"
)

// TestSummarize checks the forget-gate summary of one step: the mean of
// the f block alone, and the units past each bound.
func TestSummarize(t *testing.T) {
	const H = 4
	gates := []float32{
		0.99, 0.99, 0.99, 0.99, // i: not counted
		0.96, 0.5, 0.04, 0.95, // f: one holds, one wipes, 0.95 is neither
		-1, 1, -1, 1, // g
		0.01, 0.01, 0.01, 0.01, // o
	}
	s := summarize(gates, H)
	if want := (0.96 + 0.5 + 0.04 + 0.95) / 4; math.Abs(s.mean-want) > 1e-7 || s.hold != 1 || s.wipe != 1 {
		t.Errorf("summary %+v, want mean %.4f, 1 holding, 1 wiping", s, want)
	}
}

// TestTopRows checks that the rows named are the three largest, from 1,
// the first on ties.
func TestTopRows(t *testing.T) {
	for _, c := range []struct {
		v    []float64
		want string
	}{
		{[]float64{0.1, -3, 0.7, 0.2, 0.7}, "3, 5, 4"},
		{[]float64{1, 2}, "2, 1"},
		{[]float64{0, 0, 0, 0}, "1, 2, 3"},
	} {
		if got := topRows(c.v); got != c.want {
			t.Errorf("topRows(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}
