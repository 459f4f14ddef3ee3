package mnist

import (
	"slices"
	"testing"
)

// testSet returns a set of n images whose label is their index mod 10 and
// whose every pixel is their index mod 256, so that both tell the images
// apart.
func testSet(t *testing.T, n int) *Set {
	t.Helper()
	pixels := make([]uint8, n*Pixels)
	labels := make([]uint8, n)
	for i := range n {
		labels[i] = uint8(i % Classes)
		for j := range Pixels {
			pixels[i*Pixels+j] = uint8(i)
		}
	}
	s, err := NewSet(pixels, labels)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// imageIndex returns the index in a testSet of the image in x, checking
// that all its pixels agree and that label is its label.
func imageIndex(t *testing.T, x []float32, label int) int {
	t.Helper()
	for _, v := range x {
		if v != x[0] {
			t.Fatalf("pixels of one image differ: %v and %v", x[0], v)
		}
	}
	i := int(x[0]*255 + 0.5)
	if label != i%Classes {
		t.Fatalf("image %d has label %d, want %d", i, label, i%Classes)
	}
	return i
}

func TestBatches(t *testing.T) {
	tests := []struct {
		name    string
		n, size int
		sizes   []int // of the batches of an epoch
	}{
		{"exact", 200, 50, []int{50, 50, 50, 50}},
		{"last batch partial", 230, 100, []int{100, 100, 30}},
		{"batch larger than set", 7, 10, []int{7}},
		{"batches of one", 3, 1, []int{1, 1, 1}},
		{"empty set", 0, 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSet(t, tt.n)
			b, err := NewBatches(s, tt.size, 42)
			if err != nil {
				t.Fatal(err)
			}
			if b.Len() != len(tt.sizes) {
				t.Fatalf("Len %d, want %d", b.Len(), len(tt.sizes))
			}
			x := make([]float32, tt.size*Pixels)
			y := make([]int, tt.size)
			// epoch walks an epoch and returns the image indices in order.
			epoch := func() []int {
				var order []int
				for k, want := range tt.sizes {
					n, err := b.Batch(k, x, y)
					if err != nil || n != want {
						t.Fatalf("batch %d: %d images, error %v; want %d", k, n, err, want)
					}
					for i := range n {
						order = append(order, imageIndex(t, x[i*Pixels:(i+1)*Pixels], y[i]))
					}
				}
				return order
			}

			identity := make([]int, tt.n)
			for i := range identity {
				identity[i] = i % 256
			}
			if got := epoch(); !slices.Equal(got, identity) && tt.n <= 256 {
				t.Errorf("before Shuffle: order %v, want the set's", got)
			}
			b.Shuffle(0)
			first := epoch()
			if got := slices.Sorted(slices.Values(first)); !slices.Equal(got, slices.Sorted(slices.Values(identity))) {
				t.Errorf("epoch 0 is not a permutation: %v", first)
			}
			b.Shuffle(1)
			second := epoch()
			if tt.n >= 100 && slices.Equal(first, second) {
				t.Errorf("epochs 0 and 1 have the same order")
			}
			// An epoch replays on its own, from a fresh Batches.
			b, _ = NewBatches(s, tt.size, 42)
			b.Shuffle(1)
			if again := epoch(); !slices.Equal(again, second) {
				t.Errorf("epoch 1 replayed: %v, want %v", again, second)
			}
		})
	}
}

func TestBatchesSeeds(t *testing.T) {
	s := testSet(t, 200)
	order := func(seed uint64) []int {
		b, _ := NewBatches(s, 200, seed)
		b.Shuffle(0)
		x, y := make([]float32, 200*Pixels), make([]int, 200)
		b.Batch(0, x, y)
		out := make([]int, 200)
		for i := range out {
			out[i] = imageIndex(t, x[i*Pixels:(i+1)*Pixels], y[i])
		}
		return out
	}
	if a, b := order(1), order(2); slices.Equal(a, b) {
		t.Error("seeds 1 and 2 give the same order")
	}
	if a, b := order(7), order(7); !slices.Equal(a, b) {
		t.Error("seed 7 gives two orders")
	}
}

func TestBatchErrors(t *testing.T) {
	s := testSet(t, 10)
	if _, err := NewBatches(s, 0, 1); err == nil || err.Error() != "mnist: batch size 0, want at least 1" {
		t.Errorf("batch size 0: error %v", err)
	}
	b, _ := NewBatches(s, 4, 1)
	full := make([]float32, 4*Pixels)
	tests := []struct {
		name string
		k    int
		x    []float32
		y    []int
		want string
	}{
		{"batch -1", -1, full, make([]int, 4), "mnist: batch -1 out of range [0, 3)"},
		{"batch past the end", 3, full, make([]int, 4), "mnist: batch 3 out of range [0, 3)"},
		{"x too small", 0, full[:3*Pixels], make([]int, 4), "mnist: buffers of 2352 values and 4 labels are too small for 4 images, want 3136 and 4"},
		{"y too small", 0, full, make([]int, 3), "mnist: buffers of 3136 values and 3 labels are too small for 4 images, want 3136 and 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := b.Batch(tt.k, tt.x, tt.y); err == nil || err.Error() != tt.want {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	// The last batch, of 2 images, fits buffers of 2.
	if n, err := b.Batch(2, full[:2*Pixels], make([]int, 2)); n != 2 || err != nil {
		t.Errorf("last batch: %d images, error %v; want 2 and none", n, err)
	}
	if err := s.Fill(full, make([]int, 4), []int{10}); err == nil || err.Error() != "mnist: image index 10 out of range [0, 10)" {
		t.Errorf("Fill of image 10: error %v", err)
	}
}

func TestFill(t *testing.T) {
	pixels := make([]uint8, 2*Pixels)
	pixels[0], pixels[1], pixels[Pixels+783] = 255, 128, 1
	s, _ := NewSet(pixels, []uint8{4, 2})
	x := make([]float32, 3*Pixels)
	for i := range x {
		x[i] = -1
	}
	y := []int{-1, -1, -1}
	if err := s.Fill(x, y, []int{1, 0}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		i    int
		want float32
	}{{0, 0}, {783, float32(1) / 255}, {Pixels, 1}, {Pixels + 1, float32(128) / 255}, {Pixels + 2, 0}, {2 * Pixels, -1}} {
		if x[c.i] != c.want {
			t.Errorf("x[%d] = %v, want %v", c.i, x[c.i], c.want)
		}
	}
	if !slices.Equal(y, []int{2, 4, -1}) {
		t.Errorf("labels %v, want [2 4 -1]", y)
	}
	if allocs := testing.AllocsPerRun(10, func() { s.Fill(x, y, []int{0, 1}) }); allocs != 0 {
		t.Errorf("Fill allocates %v times", allocs)
	}
	b, _ := NewBatches(s, 2, 1)
	if allocs := testing.AllocsPerRun(10, func() { b.Batch(0, x, y) }); allocs != 0 {
		t.Errorf("Batch allocates %v times", allocs)
	}
}

func TestSubsets(t *testing.T) {
	// 550 images, labels skewed: 0 is ten times as common as 9.
	var labels []uint8
	for c := range Classes {
		for range 10 * (Classes - c) {
			labels = append(labels, uint8(c))
		}
	}
	s, err := NewSet(make([]uint8, len(labels)*Pixels), labels)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Len() {
		s.Image(i)[0] = uint8(i % 256) // tell the images apart
		s.Image(i)[1] = uint8(i / 256)
	}
	counts := func(s *Set) (c [Classes]int) {
		for _, l := range s.Labels {
			c[l]++
		}
		return c
	}

	tests := []struct {
		name string
		n    int
		want [Classes]int
	}{
		{"tenth", 55, [Classes]int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{"rounding", 11, [Classes]int{2, 2, 2, 1, 1, 1, 1, 1, 0, 0}},
		{"all", 550, [Classes]int{100, 90, 80, 70, 60, 50, 40, 30, 20, 10}},
		{"more than all", 5000, [Classes]int{100, 90, 80, 70, 60, 50, 40, 30, 20, 10}},
		{"none", 0, [Classes]int{}},
		{"negative", -3, [Classes]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub := s.Stratified(tt.n, 3)
			if got := counts(sub); got != tt.want {
				t.Errorf("label counts %v, want %v", got, tt.want)
			}
			if len(sub.Pixels) != sub.Len()*Pixels {
				t.Errorf("%d pixel bytes for %d images", len(sub.Pixels), sub.Len())
			}
			// In the set's order, and the same again from the same seed.
			var ids []int
			for i := range sub.Len() {
				ids = append(ids, int(sub.Image(i)[0])+256*int(sub.Image(i)[1]))
			}
			if !slices.IsSorted(ids) {
				t.Errorf("images out of order: %v", ids)
			}
			again := s.Stratified(tt.n, 3)
			if !slices.Equal(again.Pixels, sub.Pixels) {
				t.Error("the same seed drew another subset")
			}
		})
	}
	if a, b := s.Stratified(55, 1), s.Stratified(55, 2); slices.Equal(a.Pixels, b.Pixels) {
		t.Error("seeds 1 and 2 drew the same subset")
	}

	head := s.Head(12)
	if head.Len() != 12 || &head.Pixels[0] != &s.Pixels[0] || len(head.Pixels) != 12*Pixels {
		t.Errorf("Head(12): %d images", head.Len())
	}
	if s.Head(-1).Len() != 0 || s.Head(1<<40).Len() != s.Len() {
		t.Error("Head does not clamp n to [0, Len]")
	}
}
