package wasmsimd

import (
	"encoding/binary"
	"math"
)

// More SIMD opcodes, for the cell kernels.
const (
	simdConst     = 0x0c
	simdI32x4Shl  = 0xab
	simdI32x4Add  = 0xae
	simdF32x4Sub  = 0xe5
	simdF32x4Div  = 0xe7
	simdF32x4Pmin = 0xea // b < a ? b : a, MINPS on x86
	simdF32x4Pmax = 0xeb // a < b ? b : a, MAXPS on x86
)

// operand is what a vector instruction reads: a v128 local or a constant
// in every lane.
type operand interface{ push(f *function) }

// vloc is a v128 local.
type vloc uint32

func (l vloc) push(f *function) { f.get(uint32(l)) }

// splat is a float32 constant in four lanes.
type splat float32

func (c splat) push(f *function) { pushConst(f, math.Float32bits(float32(c))) }

// isplat is an int32 constant in four lanes.
type isplat int32

func (c isplat) push(f *function) { pushConst(f, uint32(c)) }

func pushConst(f *function, bits uint32) {
	f.simd(simdConst)
	for range 4 {
		f.code = binary.LittleEndian.AppendUint32(f.code, bits)
	}
}

// cellWriter writes a cell kernel: a loop over units, four at a time, at
// byte offset u from base pointers held in i32 locals.
type cellWriter struct {
	*function
	u uint32 // the byte offset of the unit
}

// vop emits dst = a op b.
func (w cellWriter) vop(op uint32, dst vloc, a, b operand) {
	a.push(w.function)
	b.push(w.function)
	w.simd(op)
	w.set(uint32(dst))
}

// load emits dst = the four floats at base + u.
func (w cellWriter) load(dst vloc, base uint32) {
	w.get(base)
	w.get(w.u)
	w.op(opI32Add)
	w.simdMem(simdLoad, 0)
	w.set(uint32(dst))
}

// store emits: the four floats at base + u = v.
func (w cellWriter) store(base uint32, v vloc) {
	w.get(base)
	w.get(w.u)
	w.op(opI32Add)
	v.push(w.function)
	w.simdMem(simdStore, 0)
}

// roundMagic is 1.5·2²³: a float32 of magnitude under 2²² plus it is
// rounded to an integer (to nearest, ties to even), which is then the
// low bits of the sum's representation, above 0x4B400000.
const roundMagic = 12582912

// exp emits x = e^x as Exp computes it, in scratch n, p and y: x clamped
// to [−87.3, 88.7], n = round(x·log2 e), r = x − n·ln 2 in two parts, the
// degree-6 Taylor polynomial of e^r, times 2^n built in the exponent bits.
// n is rounded by adding roundMagic (y) and taking it away again, and 2^n
// is y's representation plus 127, shifted up 23 bits (0x4B400000's bits
// shift out): as f32x4.nearest and a conversion would give, in fewer
// instructions (V8 expands the saturating conversion into six).
func (w cellWriter) exp(x, n, p, y vloc) {
	w.vop(simdF32x4Pmin, x, x, splat(88.72283))
	w.vop(simdF32x4Pmax, x, x, splat(-87.33654))
	w.vop(simdF32x4Mul, n, x, splat(1.44269504088896341))
	w.vop(simdF32x4Add, y, n, splat(roundMagic))
	w.vop(simdF32x4Sub, n, y, splat(roundMagic))
	w.vop(simdF32x4Mul, p, n, splat(0.693359375)) // ln 2, high part: n·it is exact
	w.vop(simdF32x4Sub, x, x, p)
	w.vop(simdF32x4Mul, p, n, splat(-2.12194440e-4)) // low part
	w.vop(simdF32x4Sub, x, x, p)
	w.vop(simdF32x4Mul, p, x, splat(1.0/720))
	for _, c := range []float32{1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2, 1} {
		w.vop(simdF32x4Add, p, p, splat(c))
		w.vop(simdF32x4Mul, p, p, x)
	}
	w.vop(simdF32x4Add, p, p, splat(1))
	y.push(w.function)
	isplat(127).push(w.function)
	w.simd(simdI32x4Add)
	w.i32(23)
	w.simd(simdI32x4Shl)
	w.set(uint32(n))
	w.vop(simdF32x4Mul, x, p, n)
}

// sigmoid emits x = 1/(1 + e^−x), in scratch s (exp's n, p, y).
func (w cellWriter) sigmoid(x vloc, s [3]vloc) {
	w.vop(simdF32x4Sub, x, splat(0), x)
	w.exp(x, s[0], s[1], s[2])
	w.vop(simdF32x4Add, x, x, splat(1))
	w.vop(simdF32x4Div, x, splat(1), x)
}

// tanh emits x = 1 − 2/(e^2x + 1), x clamped to ±9 like Tanh, in
// scratch s (exp's n, p, y).
func (w cellWriter) tanh(x vloc, s [3]vloc) {
	w.vop(simdF32x4Pmin, x, x, splat(9))
	w.vop(simdF32x4Pmax, x, x, splat(-9))
	w.vop(simdF32x4Add, x, x, x)
	w.exp(x, s[0], s[1], s[2])
	w.vop(simdF32x4Add, x, x, splat(1))
	w.vop(simdF32x4Div, x, splat(2), x)
	w.vop(simdF32x4Sub, x, splat(1), x)
}

// cellKernel writes an exported function of (n, s1, …, s5, h): n units (a
// positive multiple of 4) of five float32 slices given by address, the
// first the 4h gates, and h. gateBlocks says which of the other slices
// also come in four blocks of h (the bias). body gets the base pointer of
// each block of each slice (one for the others) and writes one step.
func cellKernel(export string, gateBlocks [5]bool, body func(w cellWriter, ptr [5][4]uint32)) *function {
	f := newFunction(export, 7)
	const n, h = 0, 6
	w := cellWriter{function: f}
	w.u = f.local(i32)
	hb := f.local(i32)
	f.get(h)
	f.i32(2)
	f.op(opI32Shl)
	f.set(hb)
	var ptr [5][4]uint32
	for s := range ptr {
		ptr[s][0] = uint32(1 + s)
		if !gateBlocks[s] {
			continue
		}
		for b := 1; b < 4; b++ {
			ptr[s][b] = f.local(i32)
			f.get(ptr[s][b-1])
			f.get(hb)
			f.op(opI32Add)
			f.set(ptr[s][b])
		}
	}
	f.loop()
	body(w, ptr)
	f.addTo(w.u, 16)
	f.loopDown(n, 4)
	return f
}

// cellForward writes cell_forward(n, gates, bias, cPrev, c, m, h), the
// kernel package's CellForward for the first n units.
func cellForward() *function {
	return cellKernel("cell_forward", [5]bool{true, true}, func(w cellWriter, ptr [5][4]uint32) {
		const gates, bias, cPrev, c, m = 0, 1, 2, 3, 4
		var g [4]vloc // i, f, g, o
		for b := range g {
			g[b] = vloc(w.local(v128))
		}
		t, n, p := vloc(w.local(v128)), vloc(w.local(v128)), vloc(w.local(v128))
		scratch := [3]vloc{n, p, vloc(w.local(v128))}
		for b := range g {
			w.load(g[b], ptr[gates][b])
			w.load(t, ptr[bias][b])
			w.vop(simdF32x4Add, g[b], g[b], t)
			if b == 2 {
				w.tanh(g[b], scratch)
			} else {
				w.sigmoid(g[b], scratch)
			}
			w.store(ptr[gates][b], g[b])
		}
		w.load(t, ptr[cPrev][0])
		w.vop(simdF32x4Mul, t, g[1], t)    // f·cPrev
		w.vop(simdF32x4Mul, p, g[0], g[2]) // i·g
		w.vop(simdF32x4Add, t, t, p)
		w.store(ptr[c][0], t)
		w.tanh(t, scratch)
		w.vop(simdF32x4Mul, t, g[3], t)
		w.store(ptr[m][0], t)
	})
}

// cellBackward writes cell_backward(n, gates, c, cPrev, dm, dc, h), the
// kernel package's CellBackward for the first n units.
func cellBackward() *function {
	return cellKernel("cell_backward", [5]bool{true}, func(w cellWriter, ptr [5][4]uint32) {
		const gates, c, cPrev, dm, dc = 0, 1, 2, 3, 4
		var g [4]vloc // i, f, g, o
		for b := range g {
			g[b] = vloc(w.local(v128))
			w.load(g[b], ptr[gates][b])
		}
		tc, vdm, d, t, n, p := vloc(w.local(v128)), vloc(w.local(v128)), vloc(w.local(v128)), vloc(w.local(v128)), vloc(w.local(v128)), vloc(w.local(v128))
		w.load(tc, ptr[c][0])
		w.tanh(tc, [3]vloc{n, p, vloc(w.local(v128))})
		w.load(vdm, ptr[dm][0])
		// d = dc + dm·o·(1 − tc²)
		w.vop(simdF32x4Mul, t, tc, tc)
		w.vop(simdF32x4Sub, t, splat(1), t)
		w.vop(simdF32x4Mul, d, vdm, g[3])
		w.vop(simdF32x4Mul, d, d, t)
		w.load(t, ptr[dc][0])
		w.vop(simdF32x4Add, d, t, d)
		// do = dm·tc·o·(1 − o)
		w.vop(simdF32x4Sub, t, splat(1), g[3])
		w.vop(simdF32x4Mul, t, t, g[3])
		w.vop(simdF32x4Mul, p, vdm, tc)
		w.vop(simdF32x4Mul, t, p, t)
		w.store(ptr[gates][3], t)
		// di = d·g·i·(1 − i)
		w.vop(simdF32x4Sub, t, splat(1), g[0])
		w.vop(simdF32x4Mul, t, t, g[0])
		w.vop(simdF32x4Mul, t, g[2], t)
		w.vop(simdF32x4Mul, t, d, t)
		w.store(ptr[gates][0], t)
		// df = d·cPrev·f·(1 − f)
		w.vop(simdF32x4Sub, t, splat(1), g[1])
		w.vop(simdF32x4Mul, t, t, g[1])
		w.load(p, ptr[cPrev][0])
		w.vop(simdF32x4Mul, t, p, t)
		w.vop(simdF32x4Mul, t, d, t)
		w.store(ptr[gates][1], t)
		// dg = d·i·(1 − g²)
		w.vop(simdF32x4Mul, t, g[2], g[2])
		w.vop(simdF32x4Sub, t, splat(1), t)
		w.vop(simdF32x4Mul, t, g[0], t)
		w.vop(simdF32x4Mul, t, d, t)
		w.store(ptr[gates][2], t)
		// dc = d·f
		w.vop(simdF32x4Mul, d, d, g[1])
		w.store(ptr[dc][0], d)
	})
}
