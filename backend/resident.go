package backend

// Resident is implemented by backends that can run a whole training run
// on their device without a round trip to the host per operation: a GPU.
// The training set is uploaded once, as bytes; each batch is gathered on
// the device from an order uploaded once per epoch; the loss, the number
// of correct answers and the squared gradient norm are written to a
// buffer, so that one download per step reads them all. Integers that
// travel in Buffers (labels, sample indices) are float32 values, exact
// below 2^24. The lstm package's Trainer uses these methods when the
// backend has them and the training set is a byte set (lstm.ByteBatcher).
type Resident interface {
	Backend
	// UploadSet copies a labelled data set to the device: len(labels)
	// samples of width bytes each, back to back in pixels.
	UploadSet(pixels, labels []uint8, width int) (Set, error)
	// Gather writes the samples whose indices are order[off : off+n] to
	// x [n, width] as byte/255 (rounded as float32 division rounds it, as
	// mnist.Set.Fill does on the host) and their labels to y [n].
	Gather(x, y Buffer, set Set, order Buffer, off, n int)
	// CrossEntropyStats is CrossEntropy with the labels in a buffer: it
	// writes the mean loss to stats[0], the gradient to dlogits, and to
	// stats[1] the number of rows whose largest logit (the first on ties)
	// is their label.
	CrossEntropyStats(stats, dlogits, logits, labels Buffer, n, classes int)
	// SumSquaresTo writes the sum of the squares of b to dst[0], like
	// SumSquares but without reading it back.
	SumSquaresTo(dst, b Buffer)
}

// Set is a labelled data set held by a Resident backend.
type Set interface {
	// Len is the number of samples.
	Len() int
}
