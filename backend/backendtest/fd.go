package backendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Finite differences. A gradient g of a loss L with respect to x is checked
// along a few unit directions u: the directional derivative g·u must match
// the central difference (L(x+εu) - L(x-εu)) / 2ε of the forward pass.
// The directions are random (so that no component of g goes unchecked) and
// g itself (so that g·u = |g| is large and a wrong scale shows). The step
// actually taken is the float32 rounding of x±εu, and g·u is computed with
// that step, so the rounding of x does not count as error.
const (
	// fdEps is ε, the length of the step along a unit direction.
	fdEps = 1e-2
	// fdRandomDirections is the number of random directions per tensor.
	fdRandomDirections = 2
	// fdTol is the tolerance relative to the scale of the derivative (see
	// checkGradient). On backend/cpu, float32 rounding and the ε² term of
	// the central difference stay below 6e-4 of the scale, so a backend
	// with less exact tanh and exp still passes; the wrong gradients of
	// TestCheckGradient (a gate swapped, a term missing, 5% too large) are
	// off by 2 to 1000 times fdTol.
	fdTol = 1e-2
)

// checkGradient compares grad, claimed to be the gradient of loss with
// respect to x, with central differences of loss, which must read x. It
// moves x and puts it back. The difference d along direction u may be at
// most fdTol·(|g·u| + |g|/√n) plus a floor for the rounding of the loss,
// where |g|/√n is what |g·u| is for a typical random u. It returns an
// error describing the first direction that fails.
func checkGradient(x, grad []float32, loss func() float64, r *rand.Rand) error {
	n := len(x)
	if len(grad) != n {
		return fmt.Errorf("gradient has %d values, want %d", len(grad), n)
	}
	if n == 0 {
		return nil
	}
	gNorm := norm(grad)
	if math.IsNaN(gNorm) || math.IsInf(gNorm, 0) {
		return fmt.Errorf("gradient is not finite")
	}
	var dirs [][]float64
	for range fdRandomDirections {
		u := make([]float64, n)
		for i := range u {
			u[i] = r.NormFloat64()
		}
		dirs = append(dirs, u)
	}
	if gNorm > 0 {
		dirs = append(dirs, float64s(grad))
	}

	orig := slices.Clone(x)
	defer copy(x, orig)
	for d, u := range dirs {
		s := 1 / norm64(u)
		plus, minus := make([]float32, n), make([]float32, n)
		for i := range x {
			plus[i] = float32(float64(orig[i]) + fdEps*s*u[i])
			minus[i] = float32(float64(orig[i]) - fdEps*s*u[i])
		}
		copy(x, plus)
		lp := loss()
		copy(x, minus)
		lm := loss()
		copy(x, orig)

		var an, stepNorm float64 // g·u, and the length of the unit step taken
		for i := range x {
			step := (float64(plus[i]) - float64(minus[i])) / (2 * fdEps)
			an += float64(grad[i]) * step
			stepNorm += step * step
		}
		fd := (lp - lm) / (2 * fdEps)
		scale := math.Abs(an) + gNorm*math.Sqrt(stepNorm/float64(n))
		// The loss is a float32 result or a float64 sum of them: it is
		// only known to about 1e-7 of its size.
		floor := 1e-7 * (1 + math.Abs(lp) + math.Abs(lm)) / fdEps
		if diff := math.Abs(fd - an); !(diff <= fdTol*scale+floor) {
			kind := "random"
			if d >= fdRandomDirections {
				kind = "gradient's own"
			}
			return fmt.Errorf("along a %s direction: central difference %.6g, gradient says %.6g: difference %.3g > %.3g allowed",
				kind, fd, an, diff, fdTol*scale+floor)
		}
	}
	return nil
}

// norm returns the Euclidean norm of v in float64.
func norm(v []float32) float64 { return norm64(float64s(v)) }

// norm64 returns the Euclidean norm of v.
func norm64(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// float64s converts v to float64.
func float64s(v []float32) []float64 {
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}
