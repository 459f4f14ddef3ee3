package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdam checks Adam's vector kernel against its plain loop bit for bit,
// and the loop against torch.optim.Adam's update written out in float64,
// over lengths below, at and past the lanes, with and without weight
// decay, over three steps.
func TestAdam(t *testing.T) {
	for _, n := range []int{1, 7, 16, 37, 1000} {
		for _, decay := range []float32{0, 0.01} {
			t.Run(fmt.Sprint(n, "/", decay), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(n), 9))
				p := randSlice(rng, n)
				var loop, vec [4][]float32 // p, g, m, v
				for i := range loop {
					loop[i], vec[i] = make([]float32, n), make([]float32, n)
				}
				copy(loop[0], p)
				copy(vec[0], p)
				m64, v64, p64 := make([]float64, n), make([]float64, n), make([]float64, n)
				for i, x := range p {
					p64[i] = float64(x)
				}
				const lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
				for step := 1; step <= 3; step++ {
					g := randSlice(rng, n)
					copy(loop[1], g)
					copy(vec[1], g)
					bc1, bc2 := 1-math.Pow(b1, float64(step)), 1-math.Pow(b2, float64(step))
					s := &AdamStep{Beta1: b1, Beta2: b2, Eps: eps, WeightDecay: decay, StepSize: float32(lr / bc1), BC2Sqrt: float32(math.Sqrt(bc2))}
					kernel := adamVector
					adamVector = adamKernel{}
					Adam(loop[0], loop[1], loop[2], loop[3], s)
					adamVector = kernel
					Adam(vec[0], vec[1], vec[2], vec[3], s)
					for i := range n {
						gi := float64(g[i]) + float64(decay)*p64[i]
						m64[i] = b1*m64[i] + (1-b1)*gi
						v64[i] = b2*v64[i] + (1-b2)*gi*gi
						p64[i] -= lr / bc1 * m64[i] / (math.Sqrt(v64[i])/math.Sqrt(bc2) + eps)
					}
				}
				for k, name := range []string{"p", "g", "m", "v"} {
					for i := range n {
						if math.Float32bits(loop[k][i]) != math.Float32bits(vec[k][i]) {
							t.Fatalf("%s[%d]: vector %v, loop %v", name, i, vec[k][i], loop[k][i])
						}
					}
				}
				for i := range n {
					if d := math.Abs(float64(loop[0][i]) - p64[i]); d > 1e-6 {
						t.Fatalf("p[%d] = %v, float64 gives %v", i, loop[0][i], p64[i])
					}
				}
			})
		}
	}
}
