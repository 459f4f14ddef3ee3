package lstm

import (
	"slices"

	"github.com/lstm-digits/lstm-digits/backend"
)

// workspace hands out backend buffers for one pass of a model and takes
// them all back at reset, so that a training loop, which asks for the same
// buffers in the same order at every step, allocates only on its first.
type workspace struct {
	be   backend.Backend
	bufs []backend.Buffer
	next int
}

// get returns a buffer of n values, zeroed when zero is set (else holding
// whatever it held: for buffers the caller overwrites whole). It takes
// the buffer this call took the last time round when that has n values,
// else an unused one that has, else a new one; the buffers of every
// sequence of sizes the workspace serves (a training step, an evaluation,
// a last partial batch) are kept, so that once each has run it allocates
// nothing more.
func (w *workspace) get(n int, zero bool) backend.Buffer {
	for i := w.next; i < len(w.bufs); i++ {
		if w.bufs[i].Len() == n {
			w.bufs[w.next], w.bufs[i] = w.bufs[i], w.bufs[w.next]
			b := w.bufs[w.next]
			w.next++
			if zero {
				w.be.Zero(b)
			}
			return b
		}
	}
	b := w.be.New(n)
	w.bufs = slices.Insert(w.bufs, w.next, b)
	w.next++
	return b
}

// reset makes every buffer available again; those handed out before must
// no longer be used.
func (w *workspace) reset() { w.next = 0 }
