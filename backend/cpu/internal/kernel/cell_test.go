package kernel

import (
	"math"
	"testing"
)

// TestActivations compares Exp, Sigmoid and Tanh with the float64 math
// package over a dense sweep of their useful range.
func TestActivations(t *testing.T) {
	var worstExp, worstSig, worstTanh float64
	for x := -90.0; x <= 90; x += 0.001 {
		xf := float32(x)
		xd := float64(xf)
		if e := math.Exp(xd); e > 1e-37 && e < 1e38 {
			worstExp = math.Max(worstExp, math.Abs(float64(Exp(xf))-e)/e)
		}
		worstSig = math.Max(worstSig, math.Abs(float64(Sigmoid(xf))-1/(1+math.Exp(-xd))))
		worstTanh = math.Max(worstTanh, math.Abs(float64(Tanh(xf))-math.Tanh(xd)))
	}
	t.Logf("worst errors: exp %.2g relative, sigmoid %.2g, tanh %.2g absolute", worstExp, worstSig, worstTanh)
	if worstExp > 3e-7 || worstSig > 2e-7 || worstTanh > 3e-7 {
		t.Fatalf("activation error too large: exp %.2g, sigmoid %.2g, tanh %.2g", worstExp, worstSig, worstTanh)
	}
	if !math.IsInf(float64(Exp(100)), 1) || Exp(-100) != 0 || Tanh(50) != 1 || Tanh(-50) != -1 {
		t.Fatal("activations wrong at the extremes")
	}
}
