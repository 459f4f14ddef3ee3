package cpu

import (
	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel"
)

// The LSTM computes what backend/reference defines, with the reserve
// layout of backend.ReserveLayout, differing only in rounding and order:
//   - a batch too wide for the dot kernels, without a projection, runs
//     forward as a stream of steps, each one product of [x_t | h_{t−1}]
//     by the packed [W_ih | W_hh]ᵀ (forwardStream); otherwise the input
//     projection of every step is one product and the time loop adds the
//     recurrent one to each step's share;
//   - the weights a time loop multiplies by at every step are packed for
//     the micro-kernel once per call, not once per step, except in the
//     forward loop of a batch of few rows (a prediction), which reads
//     them in place (stepWeights);
//   - the cell's pointwise work runs in kernel.CellForward and
//     kernel.CellBackward, with float32 exp and tanh (errors ≤ 3e-7);
//   - the backward time loop runs in spans of steps (spanValues), after
//     each of which the weight gradients (W_hh's and W_ih's as one
//     product, grads.go) and the input's gradient take the span's rows,
//     while they are in the cache;
//   - the sequences of the batch are split across threads, each running
//     the time loop for its share with no synchronisation per step; a
//     forward batch too small for that (a prediction) shares each step's
//     units instead, the threads meeting at the end of every step
//     (unitGroups, parallelLockstep); the products over many steps are
//     split by rows of their result, or those of few rows by its columns.

// packed returns op(w), k×n, packed for kernel.GemmPacked, its panels
// split across threads; Release it when done.
func packed(trans bool, k, n int, w []float32, ldw int) *kernel.PackedB {
	p := new(kernel.PackedB)
	p.Reserve(k, n)
	perPanel := max(1, k*n/p.Panels())
	parallelFor(p.Panels(), max(1, copyGrain/perPanel), func(lo, hi int) { p.Pack(trans, w, ldw, lo, hi) })
	return p
}

// stepWeights is a weight matrix w (n×k, row-major) that a forward time
// loop multiplies by, transposed, at every step: packed once per call for
// kernel.GemmPacked, or, when the batch has few rows (kernel.Unpacked),
// read where it lies by kernel.Gemm at every step, which costs less than
// packing it.
type stepWeights struct {
	packed *kernel.PackedB
	w      []float32
	n, k   int
}

// newStepWeights prepares w for the steps of a batch of batch rows.
func newStepWeights(batch, n, k int, w []float32) stepWeights {
	if kernel.Unpacked(batch, k) {
		return stepWeights{w: w, n: n, k: k}
	}
	return stepWeights{packed: packed(true, k, n, w, k), n: n, k: k}
}

// mul computes c = x·wᵀ + beta·c for rows rows of x.
func (s stepWeights) mul(rows int, x []float32, ldx int, beta float32, c []float32, ldc int) {
	if s.packed != nil {
		kernel.GemmPacked(false, rows, x, ldx, s.packed, beta, c, ldc)
		return
	}
	kernel.Gemm(false, true, rows, s.n, s.k, x, ldx, s.w, s.k, beta, c, ldc)
}

// mulGates computes c += x·wᵀ for rows rows of x, w being a layer's gate
// weights for h units (rows q·h+j for gate q of unit j), in the units u
// only: the columns of c of those units' gates. Only weights read in place
// take a range of units short of all h.
func (s stepWeights) mulGates(rows int, x []float32, ldx int, c []float32, ldc, h int, u units) {
	if u.lo == 0 && u.hi == h {
		s.mul(rows, x, ldx, 1, c, ldc)
		return
	}
	for q := range 4 {
		j := q*h + u.lo
		kernel.Gemm(false, true, rows, u.hi-u.lo, s.k, x, ldx, s.w[j*s.k:], s.k, 1, c[j:], ldc)
	}
}

// release gives packed memory back.
func (s stepWeights) release() {
	if s.packed != nil {
		s.packed.Release()
	}
}

// batchGrain is the fewest sequences worth a thread in a time loop.
const batchGrain = 8

// LSTMForward runs one direction of one layer over every step.
func (be *Backend) LSTMForward(a *backend.LSTMForwardArgs) {
	if streams(a) {
		be.forwardStream(a)
		return
	}
	s := a.Shape
	T, B, H, O, G := s.T, s.B, s.Hidden, s.HiddenOut(), 4*s.Hidden
	var tmp temps
	defer tmp.release()
	res, x := be.forwardOperands(a, &tmp)

	be.gemm(false, true, T*B, G, s.Input, x, s.Input, data(a.W.Wih), s.Input, 0, res.gates, G)
	bias := cellBias(a, &tmp)
	whh := newStepWeights(B, G, O, data(a.W.Whh))
	defer whh.release()
	var whr stepWeights
	if s.Proj > 0 {
		whr = newStepWeights(B, O, H, data(a.W.Whr))
		defer whr.release()
	}
	h0, c0 := initialState(a.H0, B*O, &tmp), initialState(a.C0, B*H, &tmp)

	// steps runs the time loop for the n sequences from lo, in the units u,
	// calling wait after each step.
	steps := func(lo, n int, u units, wait func()) {
		hi := lo + n
		hPrev, cPrev := h0[lo*O:hi*O], c0[lo*H:hi*H]
		for k := range T {
			t := timeAt(s, k)
			gt := res.gates[(t*B+lo)*G : (t*B+hi)*G]
			ct := res.c[(t*B+lo)*H : (t*B+hi)*H]
			ht := res.h[(t*B+lo)*O : (t*B+hi)*O]
			mt := ht
			if s.Proj > 0 {
				mt = res.m[(t*B+lo)*H : (t*B+hi)*H]
			}
			whh.mulGates(n, hPrev, O, gt, G, H, u)
			for b := range n {
				if active(a.Lengths, t, lo+b) {
					kernel.CellForwardUnits(gt[b*G:(b+1)*G], bias, cPrev[b*H:(b+1)*H], ct[b*H:(b+1)*H], mt[b*H:(b+1)*H], u.lo, u.hi)
				}
			}
			if s.Proj > 0 {
				whr.mul(n, mt, H, 0, ht, O)
			}
			finishStep(a, t, lo, n, u, gt, ct, ht, mt, hPrev, cPrev)
			wait()
			hPrev, cPrev = ht, ct
		}
		hN, cN, out := data(a.HN), data(a.CN), u.outputs(s)
		for b := range n {
			copy(hN[(lo+b)*O+out.lo:(lo+b)*O+out.hi], hPrev[b*O+out.lo:b*O+out.hi])
			copy(cN[(lo+b)*H+u.lo:(lo+b)*H+u.hi], cPrev[b*H+u.lo:b*H+u.hi])
		}
	}
	if groups, grain := unitGroups(s, B, whh); threads(groups, grain) > 1 {
		lanes := kernel.CellLanes()
		parallelLockstep(groups, grain, func(lo, hi int, wait func()) {
			steps(0, B, units{lo * lanes, min(H, hi*lanes)}, wait)
		})
		return
	}
	parallelFor(B, batchGrain, func(lo, hi int) { steps(lo, hi-lo, units{0, H}, func() {}) })
}

// units is a range [lo, hi) of a layer's hidden units.
type units struct{ lo, hi int }

// outputs is the range of h (and of the layer's output) that u's units
// give: u's own, or all of h with a projection, which takes every unit.
func (u units) outputs(s backend.LSTMShape) units {
	if s.Proj > 0 {
		return units{0, s.HiddenOut()}
	}
	return u
}

// unitGroups says how a forward time loop shares its steps' units between
// threads when its batch is too small to share by sequences: in groups of
// the cell kernels' lanes (so that each thread's cells give the bits of
// the whole step's), at least grain groups a thread, enough for about 16 k
// multiply-adds a sequence a step, which outweighs a thread's wait at the
// end of each step. It gives no groups for a batch split by sequences,
// weights packed for the step (a batch too wide for the dot kernels), or a
// projection (whose product needs all of m).
func unitGroups(s backend.LSTMShape, B int, whh stepWeights) (groups, grain int) {
	if threads(B, batchGrain) > 1 || whh.packed != nil || s.Proj > 0 {
		return 0, 1
	}
	lanes := kernel.CellLanes()
	return (s.Hidden + lanes - 1) / lanes, max(1, (1<<14)/(4*s.HiddenOut()*lanes))
}

// LSTMBackward runs the backward pass through time.
func (be *Backend) LSTMBackward(a *backend.LSTMBackwardArgs) {
	s := a.Shape
	T, B, H, O, G := s.T, s.B, s.Hidden, s.HiddenOut(), 4*s.Hidden
	res := be.backwardReserve(a)
	dy := data(a.DY)
	var tmp temps
	defer tmp.release()
	h0, c0 := initialState(a.H0, B*O, &tmp), initialState(a.C0, B*H, &tmp)
	whh := packed(false, G, O, data(a.W.Whh), O)
	defer whh.Release()
	var whr *kernel.PackedB
	var dhAll []float32 // with a projection, every step's dh, for dW_hr
	if s.Proj > 0 {
		whr = packed(false, O, H, data(a.W.Whr), H)
		defer whr.Release()
		dhAll = tmp.zeros(T * B * O)
	}

	var wih *kernel.PackedB // for the input's gradient
	if a.DX != nil {
		wih = packed(false, G, s.Input, data(a.W.Wih), s.Input)
		defer wih.Release()
	}
	// The state carried from step to step, across spans.
	dhNext, dcNext := tmp.zeros(B*O), tmp.zeros(B*H)
	if a.DHN != nil {
		copy(dhNext, data(a.DHN))
	}
	if a.DCN != nil {
		copy(dcNext, data(a.DCN))
	}
	span := min(T, max(1, spanValues*max(1, threads(B, batchGrain))/(B*G))) // steps
	grads := be.newWeightGrads(a, res.h, h0, wih, span, &tmp)
	for k1 := T; k1 > 0; k1 -= span {
		k0 := max(0, k1-span)
		parallelFor(B, batchGrain, func(lo, hi int) {
			n := hi - lo
			var own temps // this thread's
			defer own.release()
			dhNext, dcNext := dhNext[lo*O:hi*O], dcNext[lo*H:hi*H]
			dh, dhRec := own.zeros(n*O), own.zeros(n*O)
			dm := dh
			if s.Proj > 0 {
				dm = own.zeros(n * H)
			}
			for k := k1 - 1; k >= k0; k-- {
				t := timeAt(s, k)
				cPrev := c0[lo*H : hi*H]
				if k > 0 {
					tp := timeAt(s, k-1)
					cPrev = res.c[(tp*B+lo)*H : (tp*B+hi)*H]
				}
				gt := res.gates[(t*B+lo)*G : (t*B+hi)*G]
				ct := res.c[(t*B+lo)*H : (t*B+hi)*H]
				if s.Proj > 0 {
					dh = dhAll[(t*B+lo)*O : (t*B+hi)*O]
				}
				for b := range n {
					if active(a.Lengths, t, lo+b) {
						row := dy[(t*B+lo+b)*a.LdY : (t*B+lo+b)*a.LdY+O]
						sum, next := dh[b*O:][:len(row)], dhNext[b*O:][:len(row)]
						for j, v := range row {
							sum[j] = v + next[j]
						}
					} else {
						clear(dh[b*O : (b+1)*O])
					}
				}
				if s.Proj > 0 {
					kernel.GemmPacked(false, n, dh, O, whr, 0, dm, H)
				}
				for b := range n {
					if active(a.Lengths, t, lo+b) {
						kernel.CellBackward(gt[b*G:(b+1)*G], ct[b*H:(b+1)*H], cPrev[b*H:(b+1)*H], dm[b*H:(b+1)*H], dcNext[b*H:(b+1)*H])
					}
				}
				kernel.GemmPacked(false, n, gt, G, whh, 0, dhRec, O)
				for b := range n {
					if active(a.Lengths, t, lo+b) {
						copy(dhNext[b*O:(b+1)*O], dhRec[b*O:(b+1)*O])
					}
				}
			}
		})
		grads.add(res.gates, timeAt(s, k0), timeAt(s, k1-1))
	}
	grads.finish()
	if a.DH0 != nil {
		copy(data(a.DH0), dhNext)
	}
	if a.DC0 != nil {
		copy(data(a.DC0), dcNext)
	}
	if s.Proj > 0 {
		be.gemm(true, false, O, H, T*B, dhAll, O, res.m, H, 1, data(a.DW.Whr), H)
	}
}

// spanValues bounds the dA that the backward time loop leaves, per thread
// of the loop, before the weight gradients take it: 640 KB, which with
// the product's other operands stays in a core's 2 MB L2 cache, 3 steps
// of the seed model at batch 100 on one thread, 6 on two (one thread ran
// 3 steps faster than 2, 5 or 10; two threads 5 to 8 faster than 3). A
// small batch runs all its steps in one span: more spans would only be
// more, smaller products. (A variable for the tests, which run spans of
// one step.)
var spanValues = 160_000
