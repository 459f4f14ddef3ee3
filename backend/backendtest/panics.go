package backendtest

import (
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
)

// foreign is a buffer of no backend, to hand a backend one it did not make.
type foreign []float32

func (f foreign) Len() int                        { return len(f) }
func (f foreign) Slice(off, n int) backend.Buffer { return f[off : off+n] }

// testPanics checks the contract backend.Backend documents: a call with
// operands of the wrong size, a label outside the classes, or a buffer of
// another backend is a programming error, and panics rather than reading
// or writing memory it was not given.
func testPanics(t *testing.T, be backend.Backend) {
	s := backend.LSTMShape{T: 2, B: 1, Input: 2, Hidden: 2}
	lstmArgs := func(reserve int) *backend.LSTMForwardArgs {
		return &backend.LSTMForwardArgs{
			Shape: s, X: be.New(s.T * s.B * s.Input), Y: be.New(s.T * s.B * 2), LdY: 2,
			W:  backend.LSTMWeights{Wih: be.New(8 * 2), Whh: be.New(8 * 2)},
			HN: be.New(2), CN: be.New(2), Reserve: be.New(reserve),
		}
	}
	for _, c := range []struct {
		name string
		call func()
	}{
		{"Upload of too many values", func() { be.Upload(be.New(3), make([]float32, 4)) }},
		{"Download into too few", func() { be.Download(make([]float32, 2), be.New(3)) }},
		{"Copy of unequal lengths", func() { be.Copy(be.New(2), be.New(3)) }},
		{"SwapAxes01 of the wrong size", func() { be.SwapAxes01(be.New(6), be.New(5), 2, 3, 1) }},
		{"CrossEntropy with a label past the classes", func() {
			be.CrossEntropy(be.New(1), nil, be.New(3), []int{3}, 1, 3)
		}},
		{"LSTMForward with a short reserve", func() { be.LSTMForward(lstmArgs(be.ReserveLen(s) - 1)) }},
		{"a buffer of another backend", func() { be.Zero(foreign{1, 2}) }},
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
