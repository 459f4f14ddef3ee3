package mnist

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Set is a set of labelled MNIST images.
type Set struct {
	// Pixels holds the images, Len()·Pixels bytes: image i is
	// Pixels[i·Pixels : (i+1)·Pixels], 28 rows of 28 pixels, 0 the
	// background and 255 full ink.
	Pixels []uint8
	// Labels holds the digit, 0 to 9, of each image.
	Labels []uint8
}

// NewSet returns the set of the given images, Pixels bytes each, and their
// labels, 0 to 9. It keeps the slices, without copying them. The number of
// images and labels must agree.
func NewSet(pixels, labels []uint8) (*Set, error) {
	if len(pixels)%Pixels != 0 {
		return nil, fmt.Errorf("mnist: %d pixel bytes is not a whole number of %d-byte images", len(pixels), Pixels)
	}
	if n := len(pixels) / Pixels; n != len(labels) {
		return nil, fmt.Errorf("mnist: %d images but %d labels", n, len(labels))
	}
	if i, err := checkLabels(labels); err != nil {
		return nil, fmt.Errorf("mnist: label %d: %w", i, err)
	}
	return &Set{Pixels: pixels, Labels: labels}, nil
}

// Len returns the number of images in s.
func (s *Set) Len() int { return len(s.Labels) }

// Image returns image i of s, 0 ≤ i < s.Len(): Pixels bytes, row-major,
// sharing s's memory.
func (s *Set) Image(i int) []uint8 { return s.Pixels[i*Pixels : (i+1)*Pixels : (i+1)*Pixels] }

// Head returns the first n images of s, or all of them if n > s.Len(),
// sharing s's memory: a quick subset whose labels, in MNIST, are close to
// evenly spread.
func (s *Set) Head(n int) *Set {
	n = min(max(n, 0), s.Len())
	return &Set{Pixels: s.Pixels[: n*Pixels : n*Pixels], Labels: s.Labels[:n:n]}
}

// Stratified returns a new set of n images of s, or s itself if
// n >= s.Len(), drawn at random from the seed with each digit's share of the
// subset as close as can be to its share of s. The images keep their order
// in s. The same seed always draws the same subset.
func (s *Set) Stratified(n int, seed uint64) *Set {
	if n >= s.Len() {
		return s
	}
	if n <= 0 {
		return &Set{}
	}
	var byClass [Classes][]int
	for i, l := range s.Labels {
		byClass[l] = append(byClass[l], i)
	}

	// Each class gets the whole part of its proportional share; the images
	// left over go to the classes with the largest remainders.
	var quota [Classes]int
	rest := n
	for c, idx := range byClass {
		quota[c] = len(idx) * n / s.Len()
		rest -= quota[c]
	}
	classes := make([]int, Classes)
	for c := range classes {
		classes[c] = c
	}
	remainder := func(c int) int { return len(byClass[c]) * n % s.Len() }
	slices.SortStableFunc(classes, func(a, b int) int { return remainder(b) - remainder(a) })
	for _, c := range classes[:rest] {
		quota[c]++
	}

	rng := rand.New(rand.NewPCG(seed, 0))
	var picked []int
	for c, idx := range byClass {
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		picked = append(picked, idx[:quota[c]]...)
	}
	slices.Sort(picked)

	sub := &Set{Pixels: make([]uint8, 0, n*Pixels), Labels: make([]uint8, 0, n)}
	for _, i := range picked {
		sub.Pixels = append(sub.Pixels, s.Image(i)...)
		sub.Labels = append(sub.Labels, s.Labels[i])
	}
	return sub
}

// scale maps a pixel byte to its value in [0, 1]: v/255, rounded as float32
// division rounds it, like PyTorch's ToTensor.
var scale = func() (t [256]float32) {
	for v := range t {
		t[v] = float32(v) / 255
	}
	return t
}()

// Fill writes the images of s at the indices idx into x as pixels/255,
// [len(idx), 28, 28] row-major, and their labels into y. x must hold at
// least len(idx)·Pixels values and y at least len(idx); the values after
// those are left untouched. Fill does not allocate.
func (s *Set) Fill(x []float32, y []int, idx []int) error {
	if len(x) < len(idx)*Pixels || len(y) < len(idx) {
		return fmt.Errorf("mnist: buffers of %d values and %d labels are too small for %d images, want %d and %d",
			len(x), len(y), len(idx), len(idx)*Pixels, len(idx))
	}
	for k, i := range idx {
		if i < 0 || i >= s.Len() {
			return fmt.Errorf("mnist: image index %d out of range [0, %d)", i, s.Len())
		}
		dst := x[k*Pixels : (k+1)*Pixels]
		for j, v := range s.Image(i) {
			dst[j] = scale[v]
		}
		y[k] = int(s.Labels[i])
	}
	return nil
}

// Batches walks a set in mini-batches. A new Batches walks the set in its
// own order, as evaluation does; Shuffle sets the order of a training epoch.
type Batches struct {
	set   *Set
	size  int
	seed  uint64
	order []int
}

// NewBatches returns batches of size images of s (the last batch of an
// epoch holds the remainder when size does not divide s.Len(); it is kept,
// not dropped), shuffled from seed.
func NewBatches(s *Set, size int, seed uint64) (*Batches, error) {
	if size < 1 {
		return nil, fmt.Errorf("mnist: batch size %d, want at least 1", size)
	}
	b := &Batches{set: s, size: size, seed: seed, order: make([]int, s.Len())}
	b.unshuffle()
	return b, nil
}

// Shuffle sets the order of the images to that of the given epoch: a
// permutation drawn with a PCG generator seeded from the seed and the epoch
// alone, so that any epoch can be replayed on its own.
func (b *Batches) Shuffle(epoch int) {
	b.unshuffle()
	rng := rand.New(rand.NewPCG(b.seed, uint64(epoch)))
	rng.Shuffle(len(b.order), func(i, j int) { b.order[i], b.order[j] = b.order[j], b.order[i] })
}

// unshuffle sets the order to the set's own.
func (b *Batches) unshuffle() {
	for i := range b.order {
		b.order[i] = i
	}
}

// Len returns the number of batches in an epoch: s.Len()/size rounded up.
func (b *Batches) Len() int { return (b.set.Len() + b.size - 1) / b.size }

// Size is the number of images in a full batch.
func (b *Batches) Size() int { return b.size }

// Steps is the number of time steps of a sequence: an image's Rows.
func (b *Batches) Steps() int { return Rows }

// Batch fills x [n, 28, 28] with pixels/255 and y [n] with the labels of
// batch k of the current order, 0 ≤ k < b.Len(), and returns n: the batch
// size, or fewer for the last batch. x must hold at least n·Pixels values
// and y n labels; a buffer for a full batch always does. Batch does not
// allocate.
func (b *Batches) Batch(k int, x []float32, y []int) (n int, err error) {
	if k < 0 || k >= b.Len() {
		return 0, fmt.Errorf("mnist: batch %d out of range [0, %d)", k, b.Len())
	}
	idx := b.order[k*b.size : min((k+1)*b.size, len(b.order))]
	return len(idx), b.set.Fill(x, y, idx)
}
