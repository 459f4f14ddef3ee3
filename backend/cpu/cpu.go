// Package cpu is the fast CPU backend, in float32: it computes what
// backend/reference defines through blocked matrix products with assembly
// micro-kernels, fused cell updates and the batch (or a prediction's
// units) split across threads (GOMAXPROCS). It builds for every Go target,
// WebAssembly included (with its pure-Go kernels, or with the build tag
// wasmsimd SIMD128 kernels that the host links: see
// internal/kernel/wasmsimd). backend/backendtest
// checks it against backend/reference, with which it shares no code.
package cpu

import (
	"fmt"
	"math"

	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/cpu/internal/kernel"
)

// Buffer is the CPU backend's buffer: a Go slice.
type Buffer []float32

// Len returns len(b).
func (b Buffer) Len() int { return len(b) }

// Slice returns b[off : off+n] as a Buffer.
func (b Buffer) Slice(off, n int) backend.Buffer { return b[off : off+n : off+n] }

// Backend computes on the CPU. Its zero value is ready to use.
type Backend struct{}

// New returns the CPU backend.
func New() *Backend { return &Backend{} }

// Kernels names the matrix kernels this build can run on this CPU, the one
// the fast backend uses first: "avx512-10x32" say, or "wasmsimd-4x8" in a
// js/wasm build with the wasmsimd tag.
func Kernels() []string { return kernel.Kernels() }

var _ backend.Backend = (*Backend)(nil)

// data returns the slice behind a CPU buffer, or nil for a nil buffer.
func data(b backend.Buffer) []float32 {
	if b == nil {
		return nil
	}
	buf, ok := b.(Buffer)
	if !ok {
		panic(fmt.Sprintf("cpu: buffer of type %T belongs to another backend", b))
	}
	return buf
}

// Name returns "cpu".
func (*Backend) Name() string { return "cpu" }

// New returns a zeroed buffer of n values.
func (*Backend) New(n int) backend.Buffer { return make(Buffer, n) }

// Upload copies src into dst.
func (*Backend) Upload(dst backend.Buffer, src []float32) {
	d := data(dst)
	mustLen("Upload", len(src), len(d))
	copy(d, src)
}

// Download copies src into dst.
func (*Backend) Download(dst []float32, src backend.Buffer) {
	s := data(src)
	mustLen("Download", len(dst), len(s))
	copy(dst, s)
}

// Zero sets every value of b to 0.
func (*Backend) Zero(b backend.Buffer) { clear(data(b)) }

// Copy copies src into dst.
func (*Backend) Copy(dst, src backend.Buffer) {
	d, s := data(dst), data(src)
	mustLen("Copy", len(s), len(d))
	copy(d, s)
}

// SwapAxes01 writes the [a, b, f] array src to dst as [b, a, f].
func (*Backend) SwapAxes01(dst, src backend.Buffer, a, b, f int) {
	d, s := data(dst), data(src)
	mustLen("SwapAxes01", len(s), a*b*f)
	mustLen("SwapAxes01", len(d), a*b*f)
	for i := range a {
		for j := range b {
			copy(d[(j*a+i)*f:(j*a+i+1)*f], s[(i*b+j)*f:(i*b+j+1)*f])
		}
	}
}

// LinearForward computes y = x·wᵀ + b.
func (be *Backend) LinearForward(y, x, w, b backend.Buffer, n, in, out int) {
	yd := data(y)
	be.gemm(false, true, n, out, in, data(x), in, data(w), in, 0, yd, out)
	if b != nil {
		addRows(yd, data(b), n)
	}
}

// LinearBackward accumulates dw += dyᵀ·x and db += Σ dy, and sets dx = dy·w.
func (be *Backend) LinearBackward(dx, dw, db, dy, x, w backend.Buffer, n, in, out int) {
	dyd := data(dy)
	be.gemm(true, false, out, in, n, dyd, out, data(x), in, 1, data(dw), in)
	if db != nil {
		kernel.SumRows(data(db)[:out], dyd, n, out)
	}
	if dx != nil {
		be.gemm(false, false, n, in, out, dyd, out, data(w), in, 0, data(dx), in)
	}
}

// CrossEntropy computes the mean softmax cross-entropy and its gradient.
// Each row is computed in float64 from the float32 logits.
func (*Backend) CrossEntropy(loss, dlogits, logits backend.Buffer, labels []int, n, classes int) {
	l, dl := data(logits), data(dlogits)
	mustLen("CrossEntropy", len(labels), n)
	mustLen("CrossEntropy", len(l), n*classes)
	var total float64
	for r := range n {
		row := l[r*classes : (r+1)*classes]
		label := labels[r]
		if label < 0 || label >= classes {
			panic(fmt.Sprintf("cpu: CrossEntropy: label %d outside [0,%d)", label, classes))
		}
		maxv := math.Inf(-1)
		for _, v := range row {
			maxv = max(maxv, float64(v))
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v) - maxv)
		}
		logSum := maxv + math.Log(sum)
		total += logSum - float64(row[label])
		if dl != nil {
			drow := dl[r*classes : (r+1)*classes]
			for j, v := range row {
				p := math.Exp(float64(v) - logSum)
				if j == label {
					p--
				}
				drow[j] = float32(p / float64(n))
			}
		}
	}
	data(loss)[0] = float32(total / float64(n))
}

// Dropout applies an inverted-dropout mask drawn from (seed, index).
func (*Backend) Dropout(dst, src backend.Buffer, p float32, seed uint64) {
	d, s := data(dst), data(src)
	mustLen("Dropout", len(s), len(d))
	scale := 1 / (1 - p)
	for i, v := range s {
		if backend.DropoutKeep(seed, i, p) {
			d[i] = v * scale
		} else {
			d[i] = 0
		}
	}
}

// SumSquares returns Σ b², accumulated in float64.
func (*Backend) SumSquares(b backend.Buffer) float32 {
	var s float64
	for _, v := range data(b) {
		s += float64(v) * float64(v)
	}
	return float32(s)
}

// Scale multiplies b by s.
func (*Backend) Scale(b backend.Buffer, s float32) {
	d := data(b)
	for i := range d {
		d[i] *= s
	}
}

// Adam performs one step of torch.optim.Adam (single-tensor form, no
// amsgrad): the bias corrections are computed in float64, the update in
// float32, in PyTorch's order of operations. Each value's update is its
// own, so the parameters are split across threads.
func (*Backend) Adam(params, grads, m, v backend.Buffer, a backend.AdamArgs) {
	p, g, md, vd := data(params), data(grads), data(m), data(v)
	mustLen("Adam", len(g), len(p))
	mustLen("Adam", len(md), len(p))
	mustLen("Adam", len(vd), len(p))
	bc1 := 1 - math.Pow(float64(a.Beta1), float64(a.Step))
	bc2 := 1 - math.Pow(float64(a.Beta2), float64(a.Step))
	step := &kernel.AdamStep{Beta1: a.Beta1, Beta2: a.Beta2, Eps: a.Eps, WeightDecay: a.WeightDecay,
		StepSize: float32(float64(a.LR) / bc1), BC2Sqrt: float32(math.Sqrt(bc2))}
	parallelFor(len(p), adamGrain, func(lo, hi int) {
		kernel.Adam(p[lo:hi], g[lo:hi], md[lo:hi], vd[lo:hi], step)
	})
}

// adamGrain is the fewest parameters worth a thread in Adam: about 20 µs
// of updates.
const adamGrain = 1 << 15

// gemm computes c = op(a)·op(b) + beta·c with row-major operands,
// where op transposes when its flag is set; c is m×n and the inner
// dimension is k. It splits the rows of c across threads, which share
// op(b) packed once, unless the dot kernels read it in place: then it
// splits the columns of c, each thread reading its rows of b.
func (be *Backend) gemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !transA && transB && kernel.Unpacked(m, k) {
		// Few rows: each thread takes a share of b's rows (c's columns),
		// which it streams alone, and every row of a.
		parallelFor(n, max(1, dotGrain/(m*k)), func(lo, hi int) {
			kernel.Gemm(false, true, m, hi-lo, k, a, lda, b[lo*ldb:], ldb, beta, c[lo:], ldc)
		})
		return
	}
	p := packed(transB, k, n, b, ldb)
	defer p.Release()
	be.gemmPacked(transA, m, a, lda, p, beta, c, ldc)
}

// gemmPacked is gemm with op(b) packed, k×n: c = op(a)·b + beta·c.
func (be *Backend) gemmPacked(transA bool, m int, a []float32, lda int, b *kernel.PackedB, beta float32, c []float32, ldc int) {
	parallelFor(m, gemmGrain(b.N(), b.K()), func(lo, hi int) {
		aOff := lo * lda
		if transA {
			aOff = lo
		}
		kernel.GemmPacked(transA, hi-lo, a[aOff:], lda, b, beta, c[lo*ldc:], ldc)
	})
}

// addRows adds the vector v to each of the n rows of the matrix y.
func addRows(y, v []float32, n int) {
	w := len(v)
	for r := range n {
		row := y[r*w : (r+1)*w]
		for j, x := range v {
			row[j] += x
		}
	}
}

func mustLen(op string, got, want int) {
	if got != want {
		panic(fmt.Sprintf("cpu: %s: length %d, want %d", op, got, want))
	}
}
