// Package reference is the plain definition of every backend operation:
// loops that read like the equations, every sum accumulated in float64,
// nothing shared with the fast backends (backend/cpu, backend/cuda) but
// the interface and its documented layouts. backend/backendtest checks
// every backend against it, and the lstm package's PyTorch fixtures check
// it against PyTorch. It is slow by design and pure Go, so it also builds
// for WebAssembly.
package reference

import (
	"fmt"
	"math"

	"github.com/lstm-digits/lstm-digits/backend"
)

// Buffer is the reference's buffer: a Go slice.
type Buffer []float32

// Len is the number of values.
func (b Buffer) Len() int { return len(b) }

// Slice returns the n values from off, sharing memory.
func (b Buffer) Slice(off, n int) backend.Buffer { return b[off : off+n : off+n] }

// Backend is the reference backend. Its zero value is ready to use.
type Backend struct{}

// New returns the reference backend.
func New() *Backend { return &Backend{} }

var _ backend.Backend = (*Backend)(nil)

// Name returns "reference".
func (*Backend) Name() string { return "reference" }

// vals returns the slice behind b, or nil for a nil buffer.
func vals(b backend.Buffer) []float32 {
	if b == nil {
		return nil
	}
	v, ok := b.(Buffer)
	if !ok {
		panic(fmt.Sprintf("reference: buffer of type %T belongs to another backend", b))
	}
	return v
}

// need panics unless got == want: shapes are the caller's to get right.
func need(op string, got, want int) {
	if got != want {
		panic(fmt.Sprintf("reference: %s: length %d, want %d", op, got, want))
	}
}

// New returns a zeroed buffer of n values.
func (*Backend) New(n int) backend.Buffer { return make(Buffer, n) }

// Upload copies src into dst.
func (*Backend) Upload(dst backend.Buffer, src []float32) {
	d := vals(dst)
	need("Upload", len(src), len(d))
	for i := range d {
		d[i] = src[i]
	}
}

// Download copies src into dst.
func (*Backend) Download(dst []float32, src backend.Buffer) {
	s := vals(src)
	need("Download", len(dst), len(s))
	for i := range s {
		dst[i] = s[i]
	}
}

// Zero sets every value of b to 0.
func (*Backend) Zero(b backend.Buffer) {
	d := vals(b)
	for i := range d {
		d[i] = 0
	}
}

// Copy copies src into dst.
func (be *Backend) Copy(dst, src backend.Buffer) { be.Upload(dst, vals(src)) }

// SwapAxes01 writes the [a, b, f] array src to dst as [b, a, f].
func (*Backend) SwapAxes01(dst, src backend.Buffer, a, b, f int) {
	d, s := vals(dst), vals(src)
	need("SwapAxes01", len(s), a*b*f)
	need("SwapAxes01", len(d), a*b*f)
	for i := range a {
		for j := range b {
			for k := range f {
				d[(j*a+i)*f+k] = s[(i*b+j)*f+k]
			}
		}
	}
}

// LinearForward computes y = x·wᵀ + b: y[r][o] = Σᵢ x[r][i]·w[o][i] + b[o].
func (*Backend) LinearForward(y, x, w, b backend.Buffer, n, in, out int) {
	yv, xv, wv, bv := vals(y), vals(x), vals(w), vals(b)
	need("LinearForward y", len(yv), n*out)
	for r := range n {
		for o := range out {
			sum := 0.0
			for i := range in {
				sum += float64(xv[r*in+i]) * float64(wv[o*in+i])
			}
			if bv != nil {
				sum += float64(bv[o])
			}
			yv[r*out+o] = float32(sum)
		}
	}
}

// LinearBackward accumulates dw += dyᵀ·x and db += Σ dy, and sets
// dx = dy·w when dx is not nil.
func (*Backend) LinearBackward(dx, dw, db, dy, x, w backend.Buffer, n, in, out int) {
	dxv, dwv, dbv, dyv, xv, wv := vals(dx), vals(dw), vals(db), vals(dy), vals(x), vals(w)
	for o := range out {
		for i := range in {
			sum := 0.0
			for r := range n {
				sum += float64(dyv[r*out+o]) * float64(xv[r*in+i])
			}
			dwv[o*in+i] += float32(sum)
		}
		if dbv != nil {
			sum := 0.0
			for r := range n {
				sum += float64(dyv[r*out+o])
			}
			dbv[o] += float32(sum)
		}
	}
	if dxv == nil {
		return
	}
	for r := range n {
		for i := range in {
			sum := 0.0
			for o := range out {
				sum += float64(dyv[r*out+o]) * float64(wv[o*in+i])
			}
			dxv[r*in+i] = float32(sum)
		}
	}
}

// CrossEntropy computes loss[0] = mean over rows of log Σⱼ exp(zⱼ) − z_label,
// and dlogits = (softmax(z) − onehot(label)) / n, in float64.
func (*Backend) CrossEntropy(loss, dlogits, logits backend.Buffer, labels []int, n, classes int) {
	z, dz := vals(logits), vals(dlogits)
	need("CrossEntropy labels", len(labels), n)
	need("CrossEntropy logits", len(z), n*classes)
	total := 0.0
	for r := range n {
		label := labels[r]
		if label < 0 || label >= classes {
			panic(fmt.Sprintf("reference: CrossEntropy: label %d outside [0,%d)", label, classes))
		}
		top := math.Inf(-1) // subtracted before exp, so that exp cannot overflow
		for j := range classes {
			top = math.Max(top, float64(z[r*classes+j]))
		}
		sum := 0.0
		for j := range classes {
			sum += math.Exp(float64(z[r*classes+j]) - top)
		}
		logSum := top + math.Log(sum)
		total += logSum - float64(z[r*classes+label])
		if dz == nil {
			continue
		}
		for j := range classes {
			p := math.Exp(float64(z[r*classes+j]) - logSum)
			if j == label {
				p--
			}
			dz[r*classes+j] = float32(p / float64(n))
		}
	}
	vals(loss)[0] = float32(total / float64(n))
}

// Dropout sets dst = src/(1-p) where backend.DropoutKeep keeps the value,
// 0 elsewhere.
func (*Backend) Dropout(dst, src backend.Buffer, p float32, seed uint64) {
	d, s := vals(dst), vals(src)
	need("Dropout", len(s), len(d))
	for i := range s {
		if backend.DropoutKeep(seed, i, p) {
			d[i] = float32(float64(s[i]) / (1 - float64(p)))
		} else {
			d[i] = 0
		}
	}
}

// SumSquares returns Σ b², in float64.
func (*Backend) SumSquares(b backend.Buffer) float32 {
	sum := 0.0
	for _, v := range vals(b) {
		sum += float64(v) * float64(v)
	}
	return float32(sum)
}

// Scale multiplies b by s.
func (*Backend) Scale(b backend.Buffer, s float32) {
	d := vals(b)
	for i := range d {
		d[i] = float32(float64(d[i]) * float64(s))
	}
}

// Adam is torch.optim.Adam's step (no amsgrad), in float64:
//
//	g += weight_decay·p;  m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²
//	p −= lr · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
func (*Backend) Adam(params, grads, m, v backend.Buffer, a backend.AdamArgs) {
	p, g, mv, vv := vals(params), vals(grads), vals(m), vals(v)
	need("Adam grads", len(g), len(p))
	need("Adam m", len(mv), len(p))
	need("Adam v", len(vv), len(p))
	b1, b2 := float64(a.Beta1), float64(a.Beta2)
	bc1 := 1 - math.Pow(b1, float64(a.Step))
	bc2 := 1 - math.Pow(b2, float64(a.Step))
	for i := range p {
		gi := float64(g[i]) + float64(a.WeightDecay)*float64(p[i])
		mi := b1*float64(mv[i]) + (1-b1)*gi
		vi := b2*float64(vv[i]) + (1-b2)*gi*gi
		mv[i], vv[i] = float32(mi), float32(vi)
		p[i] = float32(float64(p[i]) - float64(a.LR)*(mi/bc1)/(math.Sqrt(vi/bc2)+float64(a.Eps)))
	}
}
