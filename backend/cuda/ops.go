//go:build cuda || cudaemu

package cuda

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/lstm-digits/lstm-digits/backend"
)

// SwapAxes01 writes the [a, b, f] array src to dst as [b, a, f].
func (be *Backend) SwapAxes01(dst, src backend.Buffer, a, b, f int) {
	defer be.enter()()
	mustLen("SwapAxes01", src.Len(), a*b*f)
	mustLen("SwapAxes01", dst.Len(), a*b*f)
	if a*b*f > 0 {
		be.launch("swap_axes01", pointwiseGrid(a*b*f), ptr(dst), ptr(src), a, b, f)
	}
}

// gemm computes c = op(a)·op(b) + beta·c with row-major operands, as the
// CPU backend's gemm does; with beta = 0, c is not read. A long k on a
// small grid is split (planGemm): the splits' partial products go to the
// partials, and reduce_splits adds them into c in order.
func (be *Backend) gemm(transA, transB bool, m, n, k int, a uintptr, lda int, b uintptr, ldb int, beta float32, c uintptr, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	mustFit("gemm", m*max(lda, ldc))
	g := planGemm(m, n, k, be.sms)
	if g.Splits == 1 {
		be.launchGrid("gemm", g.X, g.Y, transA, transB, m, n, k, k, a, lda, b, ldb, beta, c, ldc)
		return
	}
	mustFit("gemm", g.Splits*m*n)
	p := be.partials(g.Splits * m * n)
	be.launchGrid("gemm", g.X, g.Y*g.Splits, transA, transB, m, n, k, g.KC, a, lda, b, ldb, float32(0), p, n)
	be.launch("reduce_splits", pointwiseGrid(m*n), c, uintptr(0), ldc, p, m, n, g.Splits, beta)
}

// sumRows adds the column sums of x [n, w] into s1 and, when it is not 0
// (NULL), s2: one launch of sum_rows below minSplitRows rows, else splits
// of rows (planRows) and reduce_splits, which adds their partials in order.
func (be *Backend) sumRows(s1, s2, x uintptr, n, w int) {
	if w == 0 {
		return
	}
	mustFit("sum_rows", n*w)
	rc, splits := planRows(n)
	if splits == 1 {
		be.launch("sum_rows", pointwiseGrid(w), s1, s2, x, n, w, rc)
		return
	}
	p := be.partials(splits * w)
	be.launchGrid("sum_rows", pointwiseGrid(w), splits, p, uintptr(0), x, n, w, rc)
	be.launch("reduce_splits", pointwiseGrid(w), s1, s2, w, p, 1, w, splits, float32(1))
}

// sumSquares writes Σ b² to dst[0] on the device, in two passes: each
// block of sum_squares adds a share in float64, and sum_partials adds the
// blocks' sums in order.
func (be *Backend) sumSquares(dst uintptr, b backend.Buffer) {
	blocks := squaresGrid(b.Len())
	p := be.partials(2 * blocks) // float64s
	be.launch("sum_squares", blocks, p, ptr(b), long(b.Len()))
	be.launch("sum_partials", 1, dst, p, blocks)
}

// LinearForward computes y = x·wᵀ + b.
func (be *Backend) LinearForward(y, x, w, b backend.Buffer, n, in, out int) {
	defer be.enter()()
	mustLen("LinearForward y", y.Len(), n*out)
	mustLen("LinearForward x", x.Len(), n*in)
	be.gemm(false, true, n, out, in, ptr(x), in, ptr(w), in, 0, ptr(y), out)
	if b != nil && n*out > 0 {
		be.launch("add_rows", pointwiseGrid(n*out), ptr(y), ptr(b), n, out)
	}
}

// LinearBackward accumulates dw += dyᵀ·x and db += Σ dy, and sets dx = dy·w.
func (be *Backend) LinearBackward(dx, dw, db, dy, x, w backend.Buffer, n, in, out int) {
	defer be.enter()()
	mustLen("LinearBackward dy", dy.Len(), n*out)
	be.gemm(true, false, out, in, n, ptr(dy), out, ptr(x), in, 1, ptr(dw), in)
	if db != nil {
		be.sumRows(ptr(db), 0, ptr(dy), n, out)
	}
	if dx != nil {
		be.gemm(false, false, n, in, out, ptr(dy), out, ptr(w), in, 0, ptr(dx), in)
	}
}

// CrossEntropy computes the mean softmax cross-entropy and its gradient,
// each row in float64 as the CPU backend does.
func (be *Backend) CrossEntropy(loss, dlogits, logits backend.Buffer, labels []int, n, classes int) {
	defer be.enter()()
	mustLen("CrossEntropy", len(labels), n)
	mustLen("CrossEntropy", logits.Len(), n*classes)
	for _, l := range labels {
		if l < 0 || l >= classes {
			panic(fmt.Sprintf("cuda: CrossEntropy: label %d outside [0,%d)", l, classes))
		}
	}
	be.launch("cross_entropy", 1, ptr(loss), ptr(dlogits), ptr(logits), be.stageInts(labels), n, classes, false)
}

// Dropout applies backend.DropoutKeep's mask, scaled by 1/(1-p).
func (be *Backend) Dropout(dst, src backend.Buffer, p float32, seed uint64) {
	defer be.enter()()
	mustLen("Dropout", src.Len(), dst.Len())
	if n := src.Len(); n > 0 {
		be.launch("dropout", pointwiseGrid(n), ptr(dst), ptr(src), long(n), p, 1/(1-p), seed)
	}
}

// SumSquares returns Σ b², accumulated in float64 in a fixed order.
func (be *Backend) SumSquares(b backend.Buffer) float32 {
	defer be.enter()()
	out := be.alloc(&be.scratch, 1)
	be.sumSquares(out, b)
	// The host side is an allocation of its own: cgo refuses a pointer
	// into memory that holds Go pointers, such as the Backend.
	v := new(float32)
	be.check("download", be.dev.download(unsafe.Pointer(v), out, 4))
	return *v
}

// Scale multiplies b by s.
func (be *Backend) Scale(b backend.Buffer, s float32) {
	defer be.enter()()
	if n := b.Len(); n > 0 {
		be.launch("scale", pointwiseGrid(n), ptr(b), long(n), s)
	}
}

// Adam performs one step of torch.optim.Adam, with the CPU backend's bias
// corrections (float64, on the host) and order of operations.
func (be *Backend) Adam(params, grads, m, v backend.Buffer, a backend.AdamArgs) {
	defer be.enter()()
	n := params.Len()
	mustLen("Adam", grads.Len(), n)
	mustLen("Adam", m.Len(), n)
	mustLen("Adam", v.Len(), n)
	bc1 := 1 - math.Pow(float64(a.Beta1), float64(a.Step))
	bc2 := 1 - math.Pow(float64(a.Beta2), float64(a.Step))
	stepSize := float32(float64(a.LR) / bc1)
	if n > 0 {
		be.launch("adam", pointwiseGrid(n), ptr(params), ptr(grads), ptr(m), ptr(v), long(n),
			stepSize, a.Beta1, 1-a.Beta1, a.Beta2, 1-a.Beta2, a.Eps, a.WeightDecay, float32(math.Sqrt(bc2)))
	}
}

// set is a data set on the device: pixels and labels as bytes.
type set struct {
	pixels, labels backend.Buffer // float32 buffers holding the bytes
	n, width       int
}

// Len returns the number of samples.
func (s *set) Len() int { return s.n }

// UploadSet copies a labelled byte data set to the device.
func (be *Backend) UploadSet(pixels, labels []uint8, width int) (backend.Set, error) {
	if width < 1 || len(pixels) != len(labels)*width {
		return nil, fmt.Errorf("cuda: data set of %d bytes for %d samples of %d bytes", len(pixels), len(labels), width)
	}
	s := &set{n: len(labels), width: width}
	s.pixels, s.labels = be.New((len(pixels)+3)/4), be.New((len(labels)+3)/4)
	defer be.enter()()
	for _, c := range []struct {
		dst backend.Buffer
		src []uint8
	}{{s.pixels, pixels}, {s.labels, labels}} {
		if len(c.src) > 0 {
			be.check("upload data set", be.dev.upload(ptr(c.dst), unsafe.Pointer(&c.src[0]), len(c.src)))
		}
	}
	return s, nil
}

// Gather writes samples order[off : off+n] of the set to x and y.
func (be *Backend) Gather(x, y backend.Buffer, data backend.Set, order backend.Buffer, off, n int) {
	defer be.enter()()
	s, ok := data.(*set)
	if !ok {
		panic(fmt.Sprintf("cuda: Gather: data set of type %T belongs to another backend", data))
	}
	mustLen("Gather x", x.Len(), n*s.width)
	mustLen("Gather y", y.Len(), n)
	if off < 0 || off+n > order.Len() {
		panic(fmt.Sprintf("cuda: Gather: samples [%d, %d) of an order of %d", off, off+n, order.Len()))
	}
	if n > 0 {
		be.launch("gather", pointwiseGrid(n*s.width), ptr(x), ptr(y), ptr(s.pixels), ptr(s.labels), ptr(order), off, n, s.width)
	}
}

// CrossEntropyStats is CrossEntropy with labels in a buffer, also
// counting the rows classified right into stats[1].
func (be *Backend) CrossEntropyStats(stats, dlogits, logits, labels backend.Buffer, n, classes int) {
	defer be.enter()()
	mustLen("CrossEntropyStats stats", stats.Len(), 2)
	mustLen("CrossEntropyStats labels", labels.Len(), n)
	mustLen("CrossEntropyStats logits", logits.Len(), n*classes)
	be.launch("cross_entropy", 1, ptr(stats), ptr(dlogits), ptr(logits), ptr(labels), n, classes, true)
}

// SumSquaresTo writes Σ b² to dst[0] on the device.
func (be *Backend) SumSquaresTo(dst, b backend.Buffer) {
	defer be.enter()()
	mustLen("SumSquaresTo", dst.Len(), 1)
	be.sumSquares(ptr(dst), b)
}
