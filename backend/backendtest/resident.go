package backendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
)

// RunResident checks the methods of backend.Resident, which the trainer's
// device path uses (lstm.Trainer with a byte training set): the upload of
// a byte data set, the gather of a batch in an order held on the device,
// the loss with its count of right answers, and the squared norm written
// to a buffer. Each is checked against a plain host computation (the
// gather exactly, as mnist.Set.Fill computes byte/255; the statistics
// against the reference's CrossEntropy and a float64 sum), on views at an
// offset with NaN around them, which must stay, and with NaN in every
// output, which must be overwritten without being read.
func RunResident(t *testing.T, be backend.Resident) {
	t.Run("UploadSet", func(t *testing.T) { testUploadSet(t, be) })
	t.Run("Gather", func(t *testing.T) { testGather(t, be) })
	t.Run("CrossEntropyStats", func(t *testing.T) { testCrossEntropyStats(t, be) })
	t.Run("SumSquaresTo", func(t *testing.T) { testSumSquaresTo(t, be) })
	t.Run("Panics", func(t *testing.T) { testResidentPanics(t, be) })
}

// byteSet is a random labelled byte data set on the host, with every byte
// value from 0 to 255 among its pixels.
type byteSet struct {
	pixels, labels []uint8
	width          int
}

func newByteSet(r *rand.Rand, n, width, classes int) *byteSet {
	s := &byteSet{pixels: make([]uint8, n*width), labels: make([]uint8, n), width: width}
	for i := range s.pixels {
		s.pixels[i] = uint8(i * 7) // every value when n·width ≥ 256
	}
	r.Shuffle(len(s.pixels), func(i, j int) { s.pixels[i], s.pixels[j] = s.pixels[j], s.pixels[i] })
	for i := range s.labels {
		s.labels[i] = uint8(r.IntN(classes))
	}
	return s
}

// fill is the host's gather: samples order[off : off+n] as byte/255 in
// float32 and their labels.
func (s *byteSet) fill(order []int, off, n int) (x, y []float32) {
	x, y = make([]float32, n*s.width), make([]float32, n)
	for k, i := range order[off : off+n] {
		for j := range s.width {
			x[k*s.width+j] = float32(s.pixels[i*s.width+j]) / 255
		}
		y[k] = float32(s.labels[i])
	}
	return x, y
}

func testUploadSet(t *testing.T, be backend.Resident) {
	s := newByteSet(newRand("UploadSet"), 5, 3, 10)
	set, err := be.UploadSet(s.pixels, s.labels, s.width)
	if err != nil {
		t.Fatalf("UploadSet on %s: %v", be.Name(), err)
	}
	if set.Len() != 5 {
		t.Errorf("UploadSet on %s: Len() = %d, want 5", be.Name(), set.Len())
	}
	for _, c := range []struct {
		name   string
		pixels []uint8
		labels []uint8
		width  int
	}{
		{"width 0", nil, []uint8{1}, 0},
		{"pixels not labels·width", make([]uint8, 7), make([]uint8, 2), 3},
		{"negative width", make([]uint8, 3), make([]uint8, 1), -3},
	} {
		if _, err := be.UploadSet(c.pixels, c.labels, c.width); err == nil {
			t.Errorf("UploadSet on %s with %s: no error", be.Name(), c.name)
		}
	}
}

// view returns n NaNs at offset pad of a buffer with pad more NaNs on each
// side, and a function that checks that the sides are still NaN.
func view(t *testing.T, be backend.Backend, what string, n, pad int) (backend.Buffer, func()) {
	whole := upload(be, filled(n+2*pad, nan))
	return whole.Slice(pad, n), func() {
		t.Helper()
		all := download(be, whole)
		checkSame(t, what+": the values before the view", all[:pad], filled(pad, nan))
		checkSame(t, what+": the values after the view", all[pad+n:], filled(pad, nan))
	}
}

// testGather gathers batches of a set in a shuffled order, at the start,
// the middle and the end of the order, and a batch of no samples, and
// checks them exactly against the host's.
func testGather(t *testing.T, be backend.Resident) {
	r := newRand("Gather")
	const n, width = 61, 13
	s := newByteSet(r, n, width, 10)
	set, err := be.UploadSet(s.pixels, s.labels, s.width)
	if err != nil {
		t.Fatal(err)
	}
	perm := r.Perm(n)
	order := make([]float32, n)
	for i, v := range perm {
		order[i] = float32(v)
	}
	orderBuf := upload(be, order)
	for _, c := range []struct{ off, n int }{{0, 16}, {16, 16}, {48, 13}, {60, 1}, {0, n}, {7, 0}} {
		what := fmt.Sprintf("Gather on %s of samples [%d, %d)", be.Name(), c.off, c.off+c.n)
		x, checkX := view(t, be, what+": x", c.n*width, 5)
		y, checkY := view(t, be, what+": y", c.n, 3)
		be.Gather(x, y, set, orderBuf, c.off, c.n)
		wantX, wantY := s.fill(perm, c.off, c.n)
		checkSame(t, what+": x", download(be, x), wantX)
		checkSame(t, what+": y", download(be, y), wantY)
		checkX()
		checkY()
	}
	checkOperands(t, be, "Gather", []operand{{"order", orderBuf, order}})
}

// testCrossEntropyStats checks the loss and gradient against the
// reference's CrossEntropy, and the count of rows whose first largest
// logit is the label exactly, with ties among the largest logits.
func testCrossEntropyStats(t *testing.T, be backend.Resident) {
	r := newRand("CrossEntropyStats")
	for _, c := range crossEntropyCases {
		t.Run(c.name, func(t *testing.T) {
			logits := normal(r, c.n*c.classes, c.scale)
			labels := make([]int, c.n)
			correct := 0
			for i := range labels {
				row := logits[i*c.classes : (i+1)*c.classes]
				switch i % 3 {
				case 0: // a tie for the largest, the label second of the two
					a, b := r.IntN(c.classes), r.IntN(c.classes)
					if a == b {
						break
					}
					a, b = min(a, b), max(a, b)
					top := float32(maxAbs(row) + 1)
					row[a], row[b] = top, top
					labels[i] = b
					continue
				case 1: // the label the largest
					labels[i] = argmaxFirst(row)
					correct++
					continue
				}
				labels[i] = r.IntN(c.classes)
				if argmaxFirst(row) == labels[i] {
					correct++
				}
			}
			labelBuf := make([]float32, c.n)
			for i, l := range labels {
				labelBuf[i] = float32(l)
			}
			wantLoss, wantGrad := crossEntropy64(logits, labels, c.n, c.classes)

			what := fmt.Sprintf("%s: CrossEntropyStats on %s", c.name, be.Name())
			stats, checkStats := view(t, be, what+": stats", 2, 2)
			dlogits, checkGrad := view(t, be, what+": dlogits", len(logits), 1)
			logitsBuf, labelsBuf := upload(be, logits), upload(be, labelBuf)
			be.CrossEntropyStats(stats, dlogits, logitsBuf, labelsBuf, c.n, c.classes)
			got := download(be, stats)
			checkClose(t, what+": loss", got[:1], []float32{float32(wantLoss)})
			checkClose(t, what+": dlogits", download(be, dlogits), float32s(wantGrad))
			if got[1] != float32(correct) {
				t.Errorf("%s: %v rows right, want %d (the first of equal largest logits counts)", what, got[1], correct)
			}
			checkStats()
			checkGrad()
			checkOperands(t, be, what, []operand{{"logits", logitsBuf, logits}, {"labels", labelsBuf, labelBuf}})
		})
	}
}

// argmaxFirst returns the index of the first largest value.
func argmaxFirst(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// testSumSquaresTo checks the sum of squares written to a buffer against
// a float64 sum, for sizes from none to more than a block's threads many
// times over.
func testSumSquaresTo(t *testing.T, be backend.Resident) {
	r := newRand("SumSquaresTo")
	for _, n := range []int{0, 1, 255, 257, 100_003} {
		v := normal(r, n, 2)
		want := 0.0
		for _, x := range v {
			want += float64(x) * float64(x)
		}
		what := fmt.Sprintf("SumSquaresTo on %s of %d values", be.Name(), n)
		dst, checkDst := view(t, be, what, 1, 2)
		src := upload(be, append(v, 1)).Slice(0, n) // a view, short of its buffer's last value
		be.SumSquaresTo(dst, src)
		got := float64(download(be, dst)[0])
		if math.Abs(got-want) > 1e-5*max(1, want) || math.IsNaN(got) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
		checkDst()
	}
}

// testResidentPanics checks that operands of the wrong size and a data set
// of another backend panic.
func testResidentPanics(t *testing.T, be backend.Resident) {
	s := newByteSet(newRand("ResidentPanics"), 4, 3, 10)
	set, err := be.UploadSet(s.pixels, s.labels, s.width)
	if err != nil {
		t.Fatal(err)
	}
	order := upload(be, []float32{0, 1, 2, 3})
	for _, c := range []struct {
		name string
		call func()
	}{
		{"Gather past the order", func() { be.Gather(be.New(6), be.New(2), set, order, 3, 2) }},
		{"Gather into a short x", func() { be.Gather(be.New(5), be.New(2), set, order, 0, 2) }},
		{"Gather into a short y", func() { be.Gather(be.New(6), be.New(1), set, order, 0, 2) }},
		{"Gather from a set of another backend", func() { be.Gather(be.New(6), be.New(2), otherSet{}, order, 0, 2) }},
		{"CrossEntropyStats with short labels", func() { be.CrossEntropyStats(be.New(2), nil, be.New(6), be.New(1), 2, 3) }},
		{"CrossEntropyStats with short stats", func() { be.CrossEntropyStats(be.New(1), nil, be.New(6), be.New(2), 2, 3) }},
		{"SumSquaresTo into two values", func() { be.SumSquaresTo(be.New(2), be.New(3)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: %s did not panic", be.Name(), c.name)
				}
			}()
			c.call()
		})
	}
}

// otherSet is a data set of no backend.
type otherSet struct{}

func (otherSet) Len() int { return 4 }
