package backendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
)

// lstmParam names one of a direction's parameter tensors.
type lstmParam int

const (
	pWih lstmParam = iota
	pWhh
	pBih
	pBhh
	pWhr
	numLSTMParams
)

var lstmParamNames = [numLSTMParams]string{"Wih", "Whh", "Bih", "Bhh", "Whr"}

// String returns the name of k's field in backend.LSTMWeights.
func (k lstmParam) String() string { return lstmParamNames[k] }

// size is the number of values of parameter k in a layer of shape s, 0 when
// the layer has no such parameter.
func (k lstmParam) size(s backend.LSTMShape) int {
	G := 4 * s.Hidden
	switch k {
	case pWih:
		return G * s.Input
	case pWhh:
		return G * s.HiddenOut()
	case pBih, pBhh:
		if s.Bias {
			return G
		}
		return 0
	default:
		return s.Proj * s.Hidden
	}
}

// field returns the member of w that holds parameter k.
func (k lstmParam) field(w *backend.LSTMWeights) *backend.Buffer {
	switch k {
	case pWih:
		return &w.Wih
	case pWhh:
		return &w.Whh
	case pBih:
		return &w.Bih
	case pBhh:
		return &w.Bhh
	default:
		return &w.Whr
	}
}

// lstmWeights are one direction's parameters, or their gradients, on the
// host, indexed by lstmParam; nil where the layer has no such parameter.
type lstmWeights [numLSTMParams][]float32

// upload stores w in one buffer of be, end to end, as the lstm package
// stores its parameters, and returns it with w's tensors as views of it.
func (w *lstmWeights) upload(be backend.Backend) (backend.Buffer, backend.LSTMWeights) {
	flat := upload(be, slices.Concat(w[:]...))
	var bw backend.LSTMWeights
	off := 0
	for k, v := range w {
		if v != nil {
			*lstmParam(k).field(&bw) = flat.Slice(off, len(v))
			off += len(v)
		}
	}
	return flat, bw
}

// split cuts flat, laid out as upload lays out w, into tensors like w's.
func (w *lstmWeights) split(flat []float32) lstmWeights {
	var out lstmWeights
	off := 0
	for k, v := range w {
		if v != nil {
			out[k] = flat[off : off+len(v)]
			off += len(v)
		}
	}
	return out
}

// lstmProblem holds the operands of one LSTM layer's forward and backward
// passes on the host.
type lstmProblem struct {
	name     string // the case's, for messages
	shape    backend.LSTMShape
	w        lstmWeights
	x        []float32 // [T·B, Input]
	lengths  []int
	h0, c0   []float32 // nil: not given
	ldy, off int       // the row stride of Y and DY, and where their views start in their buffers
	dy       []float32 // the T·B·ldy values of the buffer DY is a view of
	dhn, dcn []float32 // nil: not given
	// dx, dh0 and dc0 say whether the backward pass computes DX, DH0, DC0.
	dx, dh0, dc0 bool
}

// newLSTMProblem draws the operands of case c: inputs and states ~N(0,1)
// and N(0,¼), weights ~U(±1/√Hidden) as PyTorch draws them, and output
// gradients ~N(0,1). Entries of DY's buffer outside the rows are zero.
func newLSTMProblem(c *lstmCase, r *rand.Rand) *lstmProblem {
	s := c.shape
	n, O := s.T*s.B, s.HiddenOut()
	p := &lstmProblem{
		name: c.name, shape: s, lengths: slices.Clone(c.lengths), ldy: O + c.pad, off: c.off,
		dx: c.dx, dh0: c.dh0, dc0: c.dc0,
	}
	bound := 1 / math.Sqrt(float64(s.Hidden))
	for k := range numLSTMParams {
		if m := k.size(s); m > 0 {
			p.w[k] = uniform(r, m, bound)
		}
	}
	p.x = normal(r, n*s.Input, 1)
	if c.h0 {
		p.h0 = normal(r, s.B*O, 0.5)
	}
	if c.c0 {
		p.c0 = normal(r, s.B*s.Hidden, 0.5)
	}
	p.dy = make([]float32, n*p.ldy)
	for row := range n {
		copy(p.dy[p.at(row):], normal(r, O, 1))
	}
	if c.dhn {
		p.dhn = normal(r, s.B*O, 1)
	}
	if c.dcn {
		p.dcn = normal(r, s.B*s.Hidden, 1)
	}
	return p
}

// clone returns a copy of p that shares no memory with it.
func (p *lstmProblem) clone() *lstmProblem {
	q := *p
	for k := range q.w {
		q.w[k] = slices.Clone(p.w[k])
	}
	q.x, q.lengths = slices.Clone(p.x), slices.Clone(p.lengths)
	q.h0, q.c0 = slices.Clone(p.h0), slices.Clone(p.c0)
	q.dy, q.dhn, q.dcn = slices.Clone(p.dy), slices.Clone(p.dhn), slices.Clone(p.dcn)
	return &q
}

// at returns where row r of Y or DY starts in its buffer.
func (p *lstmProblem) at(r int) int { return p.off + r*p.ldy }

// active reports whether step t of sequence b is data, not padding.
func (p *lstmProblem) active(t, b int) bool { return p.lengths == nil || t < p.lengths[b] }

// length returns the length of sequence b.
func (p *lstmProblem) length(b int) int {
	if p.lengths == nil {
		return p.shape.T
	}
	return p.lengths[b]
}

// rows returns the [T·B, Out] matrix that y, a buffer laid out like Y,
// holds in its rows.
func (p *lstmProblem) rows(y []float32) []float32 {
	n, O := p.shape.T*p.shape.B, p.shape.HiddenOut()
	m := make([]float32, 0, n*O)
	for r := range n {
		m = append(m, y[p.at(r):p.at(r)+O]...)
	}
	return m
}

// restride returns a copy of p whose Y and DY have row stride ldy and start
// at off in their buffers, with NaN in DY's buffer outside the rows, which
// the backward pass must not read.
func (p *lstmProblem) restride(ldy, off int) *lstmProblem {
	q := p.clone()
	q.ldy, q.off = ldy, off
	q.dy = filled(p.shape.T*p.shape.B*ldy, nan)
	O := p.shape.HiddenOut()
	for r := range p.shape.T * p.shape.B {
		copy(q.dy[q.at(r):q.at(r)+O], p.dy[p.at(r):])
	}
	return q
}

// lstmGrads are the gradients LSTMBackward writes, or what their buffers
// held before it; nil for those not computed.
type lstmGrads struct {
	dx, dh0, dc0 []float32
	dw           lstmWeights
}

// lstmOut is what one run of a layer produced, on the host.
type lstmOut struct {
	y      []float32 // the whole buffer that Y is a view of
	hn, cn []float32
	gates  []float32 // the Reserve's Gates part (backend.ReserveLayout), when it was given
	lstmGrads
}

// grads returns gradient buffers' initial contents for p: each value drawn
// by fill, or zeros for a nil fill.
func (p *lstmProblem) grads(fill func(n int) []float32) *lstmGrads {
	if fill == nil {
		fill = func(n int) []float32 { return make([]float32, n) }
	}
	s := p.shape
	var g lstmGrads
	if p.dx {
		g.dx = fill(s.T * s.B * s.Input)
	}
	if p.dh0 {
		g.dh0 = fill(s.B * s.HiddenOut())
	}
	if p.dc0 {
		g.dc0 = fill(s.B * s.Hidden)
	}
	for k, w := range p.w {
		if w != nil {
			g.dw[k] = fill(len(w))
		}
	}
	return &g
}

// prefilled returns gradient buffers' initial contents that test the
// interface's rules: random values in DX and DW, which are accumulated
// into, and NaN in DH0 and DC0, which are overwritten without being read.
func (p *lstmProblem) prefilled(r *rand.Rand) *lstmGrads {
	g := p.grads(func(n int) []float32 { return normal(r, n, 1) })
	g.dh0, g.dc0 = nanLike(g.dh0), nanLike(g.dc0)
	return g
}

// runLSTM runs the layer p forward on be and, when backward is set, backward
// too, with the gradient buffers holding pre beforehand (zeros for a nil
// pre). It checks what every run must do: leave the inputs unchanged and Y's
// buffer outside its rows untouched.
func runLSTM(t *testing.T, be backend.Backend, p *lstmProblem, backward bool, pre *lstmGrads) *lstmOut {
	t.Helper()
	s := p.shape
	n := s.T * s.B
	op := func(name string) string { return fmt.Sprintf("%s: %s on %s", p.name, name, be.Name()) }

	x := upload(be, p.x)
	wflat, w := p.w.upload(be)
	h0, c0 := upload(be, p.h0), upload(be, p.c0)
	lengths := slices.Clone(p.lengths)
	ybuf := upload(be, filled(n*p.ldy, sentinel))
	// HN, CN and Reserve are written without being read.
	hn, cn := upload(be, filled(s.B*s.HiddenOut(), nan)), upload(be, filled(s.B*s.Hidden, nan))
	var reserve backend.Buffer
	if backward {
		reserve = upload(be, filled(be.ReserveLen(s), nan))
	}
	be.LSTMForward(&backend.LSTMForwardArgs{
		Shape: s, W: w, X: x, Lengths: lengths, H0: h0, C0: c0,
		Y: ybuf.Slice(p.off, n*p.ldy-p.off), LdY: p.ldy, HN: hn, CN: cn,
		Reserve: reserve,
	})
	o := &lstmOut{y: download(be, ybuf), hn: download(be, hn), cn: download(be, cn)}
	if backward {
		l := s.Reserve()
		o.gates = download(be, reserve)[l.Gates:l.C]
	}
	outside := slices.Clone(o.y)
	for r := range n {
		copy(outside[p.at(r):p.at(r)+s.HiddenOut()], filled(s.HiddenOut(), sentinel))
	}
	checkSame(t, op("LSTMForward")+" wrote Y's buffer outside the rows' [0, Out) windows", outside, filled(len(outside), sentinel))
	inputs := []operand{{"X", x, p.x}, {"W", wflat, slices.Concat(p.w[:]...)}, {"H0", h0, p.h0}, {"C0", c0, p.c0}}
	checkOperands(t, be, op("LSTMForward"), inputs)
	if !slices.Equal(lengths, p.lengths) {
		t.Errorf("%s changed Lengths to %v, want %v", op("LSTMForward"), lengths, p.lengths)
	}
	if !backward {
		return o
	}

	if pre == nil {
		pre = p.grads(nil)
	}
	dy, dhn, dcn := upload(be, p.dy), upload(be, p.dhn), upload(be, p.dcn)
	dx, dh0, dc0 := upload(be, pre.dx), upload(be, pre.dh0), upload(be, pre.dc0)
	dwflat, dw := pre.dw.upload(be)
	be.LSTMBackward(&backend.LSTMBackwardArgs{
		Shape: s, W: w, X: x, Lengths: lengths, H0: h0, C0: c0, Reserve: reserve,
		DY: dy.Slice(p.off, n*p.ldy-p.off), LdY: p.ldy, DHN: dhn, DCN: dcn,
		DX: dx, DH0: dh0, DC0: dc0, DW: dw,
	})
	o.dx, o.dh0, o.dc0 = download(be, dx), download(be, dh0), download(be, dc0)
	o.dw = p.w.split(download(be, dwflat))
	inputs = append(inputs, operand{"DY", dy, p.dy}, operand{"DHN", dhn, p.dhn}, operand{"DCN", dcn, p.dcn})
	checkOperands(t, be, op("LSTMBackward"), inputs)
	if !slices.Equal(lengths, p.lengths) {
		t.Errorf("%s changed Lengths to %v, want %v", op("LSTMBackward"), lengths, p.lengths)
	}
	return o
}

// results lists what o holds: outputs, the gates the forward pass kept,
// then gradients.
func (p *lstmProblem) results(o *lstmOut) []tensor {
	gates := []tensor{{"LSTMForward Reserve's gates", o.gates}}
	return slices.Concat(p.outputs(o), gates, p.inputGrads(o), p.weightGrads(o))
}

// outputs lists the forward pass's results in o: Y's rows and the final
// state.
func (p *lstmProblem) outputs(o *lstmOut) []tensor {
	return []tensor{{"LSTMForward Y", p.rows(o.y)}, {"LSTMForward HN", o.hn}, {"LSTMForward CN", o.cn}}
}

// inputGrads lists the gradients in o with respect to X, H0 and C0.
func (p *lstmProblem) inputGrads(o *lstmOut) []tensor {
	return []tensor{{"LSTMBackward DX", o.dx}, {"LSTMBackward DH0", o.dh0}, {"LSTMBackward DC0", o.dc0}}
}

// weightGrads lists the gradients in o with respect to the weights p has.
func (p *lstmProblem) weightGrads(o *lstmOut) []tensor {
	var ts []tensor
	for k, w := range p.w {
		if w != nil {
			ts = append(ts, tensor{"LSTMBackward D" + lstmParam(k).String(), o.dw[k]})
		}
	}
	return ts
}

// gradient pairs an operand with the gradient of a loss with respect to it.
type gradient struct {
	name    string
	x, grad []float32
}

// wrt lists p's operands that o holds gradients with respect to: X, H0, C0
// and the weights; those that p lacks are left out.
func (p *lstmProblem) wrt(o *lstmOut) []gradient {
	gs := []gradient{{"X", p.x, o.dx}, {"H0", p.h0, o.dh0}, {"C0", p.c0, o.dc0}}
	for k, w := range p.w {
		gs = append(gs, gradient{lstmParam(k).String(), w, o.dw[k]})
	}
	return slices.DeleteFunc(gs, func(g gradient) bool { return g.x == nil })
}

// loss returns Σ Y·DY + Σ HN·DHN + Σ CN·DCN over o, in float64: the scalar
// whose gradients LSTMBackward computes from DY, DHN and DCN.
func (p *lstmProblem) loss(o *lstmOut) float64 {
	s := p.shape
	var l float64
	for t := range s.T {
		for b := range s.B {
			if !p.active(t, b) {
				continue
			}
			i := p.at(t*s.B + b)
			l += dot(o.y[i:i+s.HiddenOut()], p.dy[i:i+s.HiddenOut()])
		}
	}
	if p.dhn != nil {
		l += dot(o.hn, p.dhn)
	}
	if p.dcn != nil {
		l += dot(o.cn, p.dcn)
	}
	return l
}

// dot returns Σ a·b in float64.
func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// sequence returns the problem of running sequence b of p alone: a batch of
// one sequence of T = its length, without Lengths, Y and DY unstrided.
func (p *lstmProblem) sequence(b int) *lstmProblem {
	s := p.shape
	O, H := s.HiddenOut(), s.Hidden
	q := p.clone()
	q.shape.T, q.shape.B = p.length(b), 1
	q.lengths = nil
	q.ldy, q.off = O, 0
	steps := make([]int, q.shape.T)
	for t := range steps {
		steps[t] = t*s.B + b
	}
	q.x = pick(p.x, s.Input, steps)
	q.dy = pick(p.rows(p.dy), O, steps)
	q.h0, q.c0 = pick(p.h0, O, []int{b}), pick(p.c0, H, []int{b})
	q.dhn, q.dcn = pick(p.dhn, O, []int{b}), pick(p.dcn, H, []int{b})
	return q
}

// pick returns the given rows of the matrix m of the given width, or nil
// for a nil m.
func pick(m []float32, width int, rows []int) []float32 {
	if m == nil {
		return nil
	}
	out := make([]float32, 0, len(rows)*width)
	for _, r := range rows {
		out = append(out, m[r*width:(r+1)*width]...)
	}
	return out
}
