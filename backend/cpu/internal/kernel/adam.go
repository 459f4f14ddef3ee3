package kernel

import (
	"fmt"
	"math"
)

// AdamStep holds the scalars every value's update of one Adam step uses,
// with torch.optim.Adam's meaning: StepSize is lr/(1−β1^t) and BC2Sqrt
// is √(1−β2^t), both computed by the caller.
type AdamStep struct {
	Beta1, Beta2, Eps, WeightDecay float32
	StepSize, BC2Sqrt              float32
}

// Adam applies one Adam step to the parameters p, whose gradients are g,
// with the moments m and v, all of one length, in PyTorch's order of
// operations and with every product rounded before it is added (so that
// no build fuses them): where the CPU has them, vector kernels update 16
// or 8 values at a time, bit for bit as the plain loop does.
func Adam(p, g, m, v []float32, s *AdamStep) {
	n := len(p)
	if len(g) != n || len(m) != n || len(v) != n {
		panic(fmt.Sprintf("kernel: Adam: %d parameters, %d gradients, %d and %d moments", n, len(g), len(m), len(v)))
	}
	from := 0
	if k := adamVector; k.update != nil {
		from = n / k.lanes * k.lanes
		c := [8]float32{s.Beta1, 1 - s.Beta1, s.Beta2, 1 - s.Beta2, s.WeightDecay, s.StepSize, s.BC2Sqrt, s.Eps}
		k.update(from, p, g, m, v, &c)
	}
	for i := from; i < n; i++ {
		gi := g[i]
		if s.WeightDecay != 0 {
			gi += float32(s.WeightDecay * p[i])
		}
		m[i] = float32(m[i]*s.Beta1) + float32(gi*(1-s.Beta1))
		v[i] = float32(v[i]*s.Beta2) + float32(float32(gi*gi)*(1-s.Beta2))
		denom := float32(math.Sqrt(float64(v[i])))/s.BC2Sqrt + s.Eps // √ rounded once, as in float32
		p[i] -= float32(s.StepSize * (m[i] / denom))
	}
}

// adamKernel is Adam's vector kernel: update does the first n values (a
// multiple of lanes), with c holding β1, 1−β1, β2, 1−β2, the weight
// decay, the step size, √(1−β2^t) and ε.
type adamKernel struct {
	lanes  int
	update func(n int, p, g, m, v []float32, c *[8]float32)
}

// adamVector is Adam's vector kernel: set where the target has one
// (kernels_amd64.go), else with update nil.
var adamVector adamKernel
