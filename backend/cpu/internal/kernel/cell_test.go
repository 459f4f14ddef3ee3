package kernel

import (
	"math"
	"math/rand/v2"
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

// TestCellVector compares the vector cell kernels of every kernel set this
// CPU can run with the scalar Go loop, and the loop with a float64
// transcription of the cell, for sizes with and without a remainder.
func TestCellVector(t *testing.T) {
	eachKernel(t, func(k microKernel) { testCellVector(t, k) })
}

func testCellVector(t *testing.T, k microKernel) {
	for _, h := range []int{1, 8, 16, 37, 48, 128} {
		rng := rand.New(rand.NewPCG(uint64(h), 3))
		gates, bias, cPrev := randSlice(rng, 4*h), randSlice(rng, 4*h), randSlice(rng, h)
		for i := range gates {
			gates[i] *= 4 // reach the activations' flat tails
		}
		// and beyond every clamp of the vector kernels (±9, ±88) and of Exp
		for i, x := range []float32{-1e30, 1e30, -100, 100, -88.5, 88.5, -87.5, 87.5, -9.5, 9.5, -1e-30, 0} {
			gates[(i*37)%len(gates)] = x
		}
		dm, dc := randSlice(rng, h), randSlice(rng, h)
		run := func(vec bool) (g, c, m, gb, dcOut []float32) {
			cells := micro.cells
			if !vec {
				micro.cells = cellKernels{}
			}
			defer func() { micro.cells = cells }()
			g = append([]float32(nil), gates...)
			c, m = make([]float32, h), make([]float32, h)
			CellForward(g, bias, cPrev, c, m)
			gb = append([]float32(nil), g...)
			dcOut = append([]float32(nil), dc...)
			CellBackward(gb, c, cPrev, dm, dcOut)
			return
		}
		sg, sc, sm, sgb, sdc := run(false)
		vg, vc, vm, vgb, vdc := run(true)
		for name, pair := range map[string][2][]float32{"gates": {sg, vg}, "c": {sc, vc}, "m": {sm, vm}, "gate grads": {sgb, vgb}, "dc": {sdc, vdc}} {
			for i := range pair[0] {
				if d := math.Abs(float64(pair[0][i] - pair[1][i])); d > 1e-6*math.Max(1, math.Abs(float64(pair[0][i]))) {
					t.Fatalf("%s: h %d: %s[%d]: vector %v, scalar %v", k.name, h, name, i, pair[1][i], pair[0][i])
				}
			}
		}
		// Units a range of CellLanes at a time (what threads sharing a
		// step's units do) give the same bits.
		g := append([]float32(nil), gates...)
		c, m := make([]float32, h), make([]float32, h)
		for lo := 0; lo < h; lo += CellLanes() {
			CellForwardUnits(g, bias, cPrev, c, m, lo, min(h, lo+CellLanes()))
		}
		for name, pair := range map[string][2][]float32{"gates": {vg, g}, "c": {vc, c}, "m": {vm, m}} {
			for i := range pair[0] {
				if pair[0][i] != pair[1][i] {
					t.Fatalf("%s: h %d: %s[%d]: by units of %d %v, whole %v", k.name, h, name, i, CellLanes(), pair[1][i], pair[0][i])
				}
			}
		}
		// The scalar path against float64.
		for j := range h {
			sig := func(x float32) float64 { return 1 / (1 + math.Exp(-float64(x))) }
			i, f := sig(gates[j]+bias[j]), sig(gates[h+j]+bias[h+j])
			g, o := math.Tanh(float64(gates[2*h+j]+bias[2*h+j])), sig(gates[3*h+j]+bias[3*h+j])
			c := f*float64(cPrev[j]) + i*g
			if math.Abs(float64(sc[j])-c) > 1e-6 || math.Abs(float64(sm[j])-o*math.Tanh(c)) > 1e-6 {
				t.Fatalf("h %d: unit %d: c %v m %v, want %v %v", h, j, sc[j], sm[j], c, o*math.Tanh(c))
			}
		}
	}
}

// BenchmarkCell times the cell kernels in use on a step of the seed
// model's batch: 100 sequences of 128 units, forward then backward.
func BenchmarkCell(b *testing.B) {
	const rows, h = 100, 128
	rng := rand.New(rand.NewPCG(5, 6))
	gates, bias := randSlice(rng, rows*4*h), randSlice(rng, 4*h)
	cPrev, c, m, dm, dc := randSlice(rng, rows*h), make([]float32, rows*h), make([]float32, rows*h), randSlice(rng, rows*h), randSlice(rng, rows*h)
	work := make([]float32, len(gates))
	for _, dir := range []string{"forward", "backward"} {
		b.Run(dir, func(b *testing.B) {
			for b.Loop() {
				copy(work, gates)
				for r := range rows {
					g, u := work[r*4*h:(r+1)*4*h], r*h
					if dir == "forward" {
						CellForward(g, bias, cPrev[u:u+h], c[u:u+h], m[u:u+h])
					} else {
						CellBackward(g, c[u:u+h], cPrev[u:u+h], dm[u:u+h], dc[u:u+h])
					}
				}
			}
			b.ReportMetric(float64(rows*h)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Munits/s")
		})
	}
}
