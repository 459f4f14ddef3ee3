package lstm

import (
	"math"

	"github.com/lstm-digits/lstm-digits/backend"
)

// Linear is PyTorch's nn.Linear: y = x·Wᵀ + b, with weight [Out, In] and
// bias [Out], initialised from U(-1/√In, 1/√In).
type Linear struct {
	In, Out int
	be      backend.Backend
	params  *Params
	w, b    int // positions in params
}

// newLinear registers the parameters prefix+"weight" and prefix+"bias".
// The caller allocates them and sets params.
func newLinear(be backend.Backend, in, out int, l *layout, prefix string) *Linear {
	bound := 1 / math.Sqrt(float64(in))
	return &Linear{
		In: in, Out: out, be: be,
		w: l.add(prefix+"weight", bound, out, in),
		b: l.add(prefix+"bias", bound, out),
	}
}

// forward sets y [n, Out] for x [n, In].
func (l *Linear) forward(y, x backend.Buffer, n int) {
	l.be.LinearForward(y, x, l.params.value(l.w), l.params.value(l.b), n, l.In, l.Out)
}

// backward accumulates the parameter gradients for dy [n, Out] and sets
// dx [n, In] when it is not nil.
func (l *Linear) backward(dx, dy, x backend.Buffer, n int) {
	l.be.LinearBackward(dx, l.params.grad(l.w), l.params.grad(l.b), dy, x, l.params.value(l.w), n, l.In, l.Out)
}
