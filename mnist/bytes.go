package mnist

// Bytes returns the images of the set the batches walk, Pixels bytes each,
// back to back, and their labels, sharing the set's memory: what a GPU
// backend uploads once to gather every batch on the device
// (lstm.ByteBatcher).
func (b *Batches) Bytes() (pixels, labels []uint8) { return b.set.Pixels, b.set.Labels }

// Order returns the image indices in the current order: batch k holds
// Order()[k·Size() : min((k+1)·Size(), Len of the set)]. It shares the
// batches' memory, which Shuffle rewrites.
func (b *Batches) Order() []int { return b.order }
