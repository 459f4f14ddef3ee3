package kernel

import (
	"fmt"
	"math"
)

// Exp returns e^x in float32 to within 2 ulp for |x| < 87 (0 below −87.3,
// +Inf above 88.7): x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-6
// Taylor polynomial, and 2^n put in the exponent bits.
func Exp(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2Hi = 0.693359375 // ln 2 split so that n·ln2Hi is exact
		ln2Lo = -2.12194440e-4
	)
	switch {
	case x > 88.72283:
		return float32(math.Inf(1))
	case x < -87.33654:
		return 0
	}
	n := float32(int32(x*log2e + 0.5))
	if x*log2e+0.5 < 0 && n != x*log2e+0.5 {
		n-- // floor, not truncation, for negative arguments
	}
	r := x - n*ln2Hi - n*ln2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// Sigmoid returns 1/(1+e^−x).
func Sigmoid(x float32) float32 { return 1 / (1 + Exp(-x)) }

// Tanh returns tanh x as 1 − 2/(e^2x + 1), accurate to about 1e-7
// absolute near 0 and to a few ulp elsewhere.
func Tanh(x float32) float32 {
	if x > 9 { // tanh is 1 in float32 from 9.01
		return 1
	}
	if x < -9 {
		return -1
	}
	return 1 - 2/(Exp(2*x)+1)
}

// cellKernels run the first n units (a multiple of lanes) of CellForward
// and CellBackward, with h the number of units, in vector registers; the
// slices are checked by the callers. Each set of micro-kernels names the
// cell kernels of its instruction set, if any.
type cellKernels struct {
	lanes    int
	forward  func(n int, gates, bias, cPrev, c, m []float32, h int)
	backward func(n int, gates, c, cPrev, dm, dc []float32, h int)
}

// CellLanes is how many units the cell kernels in use take at a time (1
// without vector kernels).
func CellLanes() int { return max(1, micro.cells.lanes) }

// vectorUnits is how many of h units micro's cell kernels do: a multiple of
// their lanes, 0 without them.
func vectorUnits(h int) int {
	if micro.cells.lanes == 0 {
		return 0
	}
	return h / micro.cells.lanes * micro.cells.lanes
}

// CellForward runs the LSTM cell's pointwise step for one sequence: gates
// holds the 4H pre-activations i, f, g, o less the bias (4H values, the
// sum of both bias vectors), which it replaces with their activations; it
// writes c = f·cPrev + i·g and m = o·tanh(c). c may be cPrev itself.
func CellForward(gates, bias, cPrev, c, m []float32) {
	CellForwardUnits(gates, bias, cPrev, c, m, 0, len(c))
}

// CellForwardUnits is CellForward for the units [lo, hi) of the len(c)
// units only: it reads and writes nothing of the others, so threads may
// share a step's units between them. Ranges that start at multiples of
// CellLanes give CellForward's bits.
func CellForwardUnits(gates, bias, cPrev, c, m []float32, lo, hi int) {
	h := len(c)
	gates, bias = gates[:4*h], bias[:4*h]
	cPrev, m = cPrev[:h], m[:h]
	if lo < 0 || hi > h || lo > hi {
		panic(fmt.Sprintf("kernel: units [%d, %d) of a cell of %d", lo, hi, h))
	}
	from := lo + vectorUnits(hi-lo)
	if from > lo {
		micro.cells.forward(from-lo, gates[lo:], bias[lo:], cPrev[lo:], c[lo:], m[lo:], h)
	}
	gi, gf, gg, gO := gates[:h], gates[h:2*h], gates[2*h:3*h], gates[3*h:]
	bi, bf, bg, bo := bias[:h], bias[h:2*h], bias[2*h:3*h], bias[3*h:]
	for j := from; j < hi; j++ {
		i, f := Sigmoid(gi[j]+bi[j]), Sigmoid(gf[j]+bf[j])
		g, o := Tanh(gg[j]+bg[j]), Sigmoid(gO[j]+bo[j])
		gi[j], gf[j], gg[j], gO[j] = i, f, g, o
		cj := f*cPrev[j] + i*g
		c[j] = cj
		m[j] = o * Tanh(cj)
	}
}

// CellBackward runs the cell's pointwise backward step for one sequence.
// gates holds the activations CellForward left, c and cPrev the cell
// states after and before the step, dm the gradient of m, and dc the
// gradient of c arriving from the next step. It replaces gates with the
// gradients of the pre-activations and dc with the gradient of cPrev.
func CellBackward(gates, c, cPrev, dm, dc []float32) {
	h := len(c)
	gates = gates[:4*h]
	cPrev, dm, dc = cPrev[:h], dm[:h], dc[:h]
	from := vectorUnits(h)
	if from > 0 {
		micro.cells.backward(from, gates, c, cPrev, dm, dc, h)
	}
	gi, gf, gg, gO := gates[:h], gates[h:2*h], gates[2*h:3*h], gates[3*h:]
	for j := from; j < h; j++ {
		i, f, g, o := gi[j], gf[j], gg[j], gO[j]
		tc := Tanh(c[j])
		d := dc[j] + dm[j]*o*(1-tc*tc)
		gi[j] = d * g * i * (1 - i)
		gf[j] = d * cPrev[j] * f * (1 - f)
		gg[j] = d * i * (1 - g*g)
		gO[j] = dm[j] * tc * o * (1 - o)
		dc[j] = d * f
	}
}
