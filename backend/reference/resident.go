package reference

import (
	"fmt"

	"github.com/lstm-digits/lstm-digits/backend"
)

// The reference is also a Resident backend, its "device" the host, so that
// backendtest.RunResident has a plain definition to hold itself to, as
// Run has.
var _ backend.Resident = (*Backend)(nil)

// byteSet is a data set held by the reference: the bytes themselves.
type byteSet struct {
	pixels, labels []uint8
	width          int
}

// Len returns the number of samples.
func (s *byteSet) Len() int { return len(s.labels) }

// UploadSet keeps a copy of a labelled byte data set.
func (*Backend) UploadSet(pixels, labels []uint8, width int) (backend.Set, error) {
	if width < 1 || len(pixels) != len(labels)*width {
		return nil, fmt.Errorf("reference: data set of %d bytes for %d samples of %d bytes", len(pixels), len(labels), width)
	}
	return &byteSet{append([]uint8(nil), pixels...), append([]uint8(nil), labels...), width}, nil
}

// Gather writes samples order[off : off+n] of the set to x as byte/255 and
// their labels to y.
func (*Backend) Gather(x, y backend.Buffer, set backend.Set, order backend.Buffer, off, n int) {
	s, ok := set.(*byteSet)
	if !ok {
		panic(fmt.Sprintf("reference: Gather: data set of type %T belongs to another backend", set))
	}
	xv, yv, o := vals(x), vals(y), vals(order)
	need("Gather x", len(xv), n*s.width)
	need("Gather y", len(yv), n)
	if off < 0 || n < 0 || off+n > len(o) {
		panic(fmt.Sprintf("reference: Gather: samples [%d, %d) of an order of %d", off, off+n, len(o)))
	}
	for k := range n {
		i := int(o[off+k])
		for j := range s.width {
			xv[k*s.width+j] = float32(s.pixels[i*s.width+j]) / 255
		}
		yv[k] = float32(s.labels[i])
	}
}

// CrossEntropyStats is CrossEntropy with the labels in a buffer, and the
// number of rows whose first largest logit is the label in stats[1].
func (be *Backend) CrossEntropyStats(stats, dlogits, logits, labels backend.Buffer, n, classes int) {
	st, z, l := vals(stats), vals(logits), vals(labels)
	need("CrossEntropyStats stats", len(st), 2)
	need("CrossEntropyStats labels", len(l), n)
	need("CrossEntropyStats logits", len(z), n*classes)
	ints := make([]int, n)
	correct := 0
	for r := range n {
		ints[r] = int(l[r])
		best := 0
		for j := range classes {
			if z[r*classes+j] > z[r*classes+best] {
				best = j
			}
		}
		if best == ints[r] {
			correct++
		}
	}
	be.CrossEntropy(stats.Slice(0, 1), dlogits, logits, ints, n, classes)
	st[1] = float32(correct)
}

// SumSquaresTo writes SumSquares(b) to dst[0].
func (be *Backend) SumSquaresTo(dst, b backend.Buffer) {
	d := vals(dst)
	need("SumSquaresTo", len(d), 1)
	d[0] = be.SumSquares(b)
}
