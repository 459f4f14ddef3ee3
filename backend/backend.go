// Package backend says what a compute backend must do for the lstm package.
//
// The operations are deliberately coarse: one call runs a whole LSTM layer
// (one direction) over every time step, another runs its backward pass
// through time, another the loss, another the optimizer step over every
// parameter at once. That leaves a backend free to fuse a layer's time loop
// into a few kernels, keep recurrent weights on chip, and avoid a round trip
// to the host per step, which is what a GPU needs to be fast on this model.
//
// Data lives in Buffers that belong to the backend that made them: plain Go
// slices for the CPU backend, device memory for a GPU. Buffers hold float32.
// Matrices are row-major. Sequences are time-major inside the backend: a
// batch of B sequences of T steps with F features is a [T·B, F] matrix whose
// row t·B+b is step t of sequence b.
//
// Implementations: backend/reference (the plain definition of every
// operation), backend/cpu (fast, pure Go with assembly kernels) and
// backend/cuda (NVIDIA GPUs, behind the build tag cuda). Every
// implementation passes the conformance suite in backend/backendtest. A
// backend that can also hold a training set and gather its batches on its
// device implements Resident.
package backend

// Buffer is a run of float32 values that lives where its backend computes.
// A Buffer made by one backend must only be given to that backend.
type Buffer interface {
	// Len is the number of float32 values in the buffer.
	Len() int
	// Slice returns the view of n values starting at off. It shares memory
	// with the buffer; it panics if [off, off+n) is out of range, like a Go
	// slice expression, since that is a programming error, not bad input.
	Slice(off, n int) Buffer
}

// LSTMShape describes one direction of one LSTM layer run over a batch.
type LSTMShape struct {
	T, B   int // time steps, sequences in the batch
	Input  int // features per step of the layer's input
	Hidden int // hidden_size: the cell state's width
	Proj   int // proj_size, or 0 for no projection
	// Bias says whether the layer has bias_ih and bias_hh.
	Bias bool
	// Reverse runs the time loop from each sequence's last step to its first.
	Reverse bool
}

// HiddenOut is the width of the layer's output and hidden state h: Proj
// when the layer has a projection, else Hidden (as lstm.Config.HiddenOut).
func (s LSTMShape) HiddenOut() int {
	if s.Proj > 0 {
		return s.Proj
	}
	return s.Hidden
}

// ReserveLayout is where the parts of a layer's reserve (what its forward
// pass keeps for the backward pass) start, in values, and its length. The
// parts are time-major, a row for every step t and sequence b: the
// activated gates i, f, g, o [T·B, 4·Hidden], the cell state c
// [T·B, Hidden], the hidden state h [T·B, HiddenOut] (at padding steps the
// state carried through) and, with a projection, the unprojected
// m = o·tanh(c) [T·B, Hidden]. The CPU and CUDA backends both use it.
type ReserveLayout struct {
	Gates, C, H, M int // M is Len without a projection
	Len            int
}

// Reserve returns the layout of the reserve of a layer of shape s.
func (s LSTMShape) Reserve() ReserveLayout {
	n := s.T * s.B
	l := ReserveLayout{Gates: 0, C: n * 4 * s.Hidden, H: n * 5 * s.Hidden, M: n * (5*s.Hidden + s.HiddenOut())}
	l.Len = l.M
	if s.Proj > 0 {
		l.Len += n * s.Hidden
	}
	return l
}

// LSTMWeights are one direction's parameters in PyTorch's layout, gates
// stacked in the order i, f, g, o. Bih and Bhh are nil when the layer has no
// bias, Whr is nil when it has no projection.
type LSTMWeights struct {
	Wih Buffer // weight_ih [4·Hidden, Input]
	Whh Buffer // weight_hh [4·Hidden, Out]
	Bih Buffer // bias_ih [4·Hidden]
	Bhh Buffer // bias_hh [4·Hidden]
	Whr Buffer // weight_hr [Proj, Hidden]
}

// LSTMForwardArgs are the operands of Backend.LSTMForward.
type LSTMForwardArgs struct {
	Shape LSTMShape
	W     LSTMWeights
	// X is the layer's input, [T·B, Input], time-major.
	X Buffer
	// Lengths, when not nil, gives each sequence's own length (1..T):
	// steps at or after a sequence's length are padding. There the output is
	// zero and the state is carried unchanged, so h_n and c_n hold the state
	// at the sequence's own last step, and a Reverse layer starts at it.
	Lengths []int
	// H0 [B, Out] and C0 [B, Hidden] are the initial state; nil means zeros.
	H0, C0 Buffer
	// Y receives the output: row r of the [T·B, Out] result is written at
	// Y[r·LdY : r·LdY+Out]. LdY ≥ Out lets the two directions of a
	// bidirectional layer write side by side into one [T·B, 2·Out] matrix.
	Y   Buffer
	LdY int
	// HN [B, Out] and CN [B, Hidden] receive the final state.
	HN, CN Buffer
	// Reserve, of ReserveLen(Shape) values, receives what the backward pass
	// needs. It may be nil for inference. Whatever else a backend keeps
	// there, its Gates part (ReserveLayout) holds the activated gates of
	// every step after the call (zeros at padding steps): the lstm
	// package's traces read them from there, so that the gates they show
	// are those the forward pass computed.
	Reserve Buffer
}

// LSTMBackwardArgs are the operands of Backend.LSTMBackward. Shape, W, X,
// Lengths, H0 and C0 must be those of the forward call, and Reserve what it
// wrote; the backward pass may overwrite Reserve.
type LSTMBackwardArgs struct {
	Shape   LSTMShape
	W       LSTMWeights
	X       Buffer
	Lengths []int
	H0, C0  Buffer
	Reserve Buffer
	// DY is the gradient of the loss with respect to the output, read with
	// row stride LdY like LSTMForwardArgs.Y. Rows of padding steps are ignored.
	DY  Buffer
	LdY int
	// DHN [B, Out] and DCN [B, Hidden] are the gradients with respect to the
	// final state; nil means zeros.
	DHN, DCN Buffer
	// DX [T·B, Input] is accumulated into (+=), so that both directions of
	// a bidirectional layer add into one gradient. It may be nil.
	DX Buffer
	// DH0 [B, Out] and DC0 [B, Hidden] receive the gradients with respect to
	// the initial state (overwritten); either may be nil.
	DH0, DC0 Buffer
	// DW accumulates (+=) the parameter gradients, laid out like W.
	DW LSTMWeights
}

// AdamArgs are the hyperparameters of one Adam step, with PyTorch's meaning.
type AdamArgs struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32
	// Step counts this update, from 1; it sets the bias corrections.
	Step int
}

// Backend is a place to compute: it owns Buffers and runs the model's
// operations on them. Methods that take several Buffers require them not to
// overlap unless documented otherwise. Methods panic on shape mismatches
// (programming errors); they never see user input unchecked.
type Backend interface {
	// Name is a short name for messages and benchmarks, like "cpu".
	Name() string

	// New returns a zeroed buffer of n values.
	New(n int) Buffer
	// Upload copies src into dst; len(src) must equal dst.Len().
	Upload(dst Buffer, src []float32)
	// Download copies src into dst; len(dst) must equal src.Len().
	Download(dst []float32, src Buffer)
	// Zero sets every value of b to 0.
	Zero(b Buffer)
	// Copy copies src into dst, of equal lengths.
	Copy(dst, src Buffer)

	// SwapAxes01 reads src as an [A, B, F] array and writes it to dst as
	// [B, A, F]: it converts between batch-first and time-major layouts.
	SwapAxes01(dst, src Buffer, a, b, f int)

	// ReserveLen is the number of values the forward pass of a layer of
	// this shape saves for its backward pass.
	ReserveLen(s LSTMShape) int
	// LSTMForward runs one direction of one LSTM layer over all time steps.
	LSTMForward(a *LSTMForwardArgs)
	// LSTMBackward runs the backward pass through time of LSTMForward.
	LSTMBackward(a *LSTMBackwardArgs)

	// LinearForward computes y = x·Wᵀ + b for x [n, in], w [out, in],
	// b [out] (nil for none), y [n, out].
	LinearForward(y, x, w, b Buffer, n, in, out int)
	// LinearBackward accumulates dw += dyᵀ·x and db += Σ dy (db may be nil),
	// and sets dx = dy·w when dx is not nil.
	LinearBackward(dx, dw, db, dy, x, w Buffer, n, in, out int)

	// CrossEntropy computes the mean softmax cross-entropy of logits
	// [n, classes] against labels (n class indices), writes it to loss[0]
	// and, when dlogits is not nil, its gradient with respect to the logits.
	CrossEntropy(loss, dlogits, logits Buffer, labels []int, n, classes int)

	// Dropout sets dst = src·mask/(1-p) where mask keeps each value with
	// probability 1-p. The mask is a pure function of (seed, index), so the
	// backward pass applies the same mask by calling Dropout on the gradient
	// with the same seed. dst may be src.
	Dropout(dst, src Buffer, p float32, seed uint64)

	// SumSquares returns the sum of the squares of the values of b, for
	// gradient-norm clipping.
	SumSquares(b Buffer) float32
	// Scale multiplies every value of b by s.
	Scale(b Buffer, s float32)
	// Adam updates params in place from grads, with first and second
	// moment buffers m and v (all of equal length), as torch.optim.Adam does.
	Adam(params, grads, m, v Buffer, a AdamArgs)
}
