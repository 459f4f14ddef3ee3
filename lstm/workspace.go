package lstm

import "github.com/lstm-digits/lstm-digits/backend"

// workspace hands out backend buffers for one pass of a model and takes
// them all back at reset, so that a training loop, which asks for the same
// buffers in the same order at every step, allocates only on its first.
type workspace struct {
	be   backend.Backend
	bufs []backend.Buffer
	next int
}

// get returns a buffer of n values, zeroed when zero is set (else holding
// whatever it held: for buffers the caller overwrites whole).
func (w *workspace) get(n int, zero bool) backend.Buffer {
	if w.next < len(w.bufs) && w.bufs[w.next].Len() == n {
		b := w.bufs[w.next]
		w.next++
		if zero {
			w.be.Zero(b)
		}
		return b
	}
	b := w.be.New(n)
	if w.next < len(w.bufs) {
		w.bufs[w.next] = b
	} else {
		w.bufs = append(w.bufs, b)
	}
	w.next++
	return b
}

// reset makes every buffer available again; those handed out before must
// no longer be used.
func (w *workspace) reset() { w.next = 0 }
