package web

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/mnist"
)

// One step of one cell with its real numbers: a click on a map's cell
// (step t, unit j of layer k) writes out how the model computed that
// unit's gates, c and h at that step, from its weights and the trace.

// cellPick is the picked cell and, once computed for the current trace,
// its arithmetic.
type cellPick struct {
	layer, step, unit int
	nums              *cellNumbers // nil without a trace
}

// cellNumbers are the values of one unit at one step. Per gate q (i, f,
// g, o): in = x_t·W_ih's row, rec = h_{t−1}·W_hh's row, bias = b_ih + b_hh
// at that row, z their sum, in float64 from the model's weights; act is
// the activated gate as the forward pass computed it (the trace).
type cellNumbers struct {
	inWidth, outWidth int // widths of x_t and h_{t−1}
	in, rec, bias, z  [4]float64
	act               [4]float32
	cPrev, c, h       float32
}

// pickCell returns the click handler of layer k's maps: it picks the
// clicked step and unit.
func (p *Page) pickCell(k int) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		c := e.Get("currentTarget")
		r := c.Call("getBoundingClientRect")
		step := int((e.Get("clientY").Float() - r.Get("top").Float()) / r.Get("height").Float() * mnist.Rows)
		unit := int((e.Get("clientX").Float() - r.Get("left").Float()) / r.Get("width").Float() * float64(c.Get("width").Int()))
		if step < 0 || step >= mnist.Rows || unit < 0 || unit >= c.Get("width").Int() {
			return
		}
		p.deep.cell = &cellPick{layer: k, step: step, unit: unit}
		p.step = step
		p.paintInput()
		p.computeCell()
	}
}

// computeCell works out the picked cell's numbers for the current trace.
func (p *Page) computeCell() {
	pick := p.deep.cell
	if pick == nil {
		return
	}
	pick.nums = nil
	if p.trace == nil || p.model == nil {
		return
	}
	if cfg := p.model.Config(); pick.layer >= cfg.NumLayers || pick.unit >= cfg.HiddenSize {
		p.deep.cell = nil // a model of other shapes came in: its cells are other ones
		return
	}
	start := time.Now()
	n, err := p.cellNumbers(pick.layer, pick.step, pick.unit)
	p.deep.cellMs = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		p.err = fmt.Errorf("the cell's numbers: %w", err)
		return
	}
	pick.nums = n
}

// cellNumbers computes unit j of layer k at step t.
func (p *Page) cellNumbers(k, t, j int) (*cellNumbers, error) {
	cfg := p.model.Config()
	H := cfg.HiddenSize
	params := p.model.Params()
	get := func(name string) ([]float32, error) { return params.Get(fmt.Sprintf("lstm.%s_l%d", name, k)) }
	wih, err := get("weight_ih")
	if err != nil {
		return nil, err
	}
	whh, err := get("weight_hh")
	if err != nil {
		return nil, err
	}
	bias := make([]float32, 4*H)
	if cfg.Bias {
		bih, err := get("bias_ih")
		if err != nil {
			return nil, err
		}
		bhh, err := get("bias_hh")
		if err != nil {
			return nil, err
		}
		for r := range bias {
			bias[r] = bih[r] + bhh[r]
		}
	}
	x := p.input[t*mnist.Cols : (t+1)*mnist.Cols]
	if k > 0 {
		x = p.trace.H[k-1][t]
	}
	out := cfg.HiddenOut()
	hPrev := make([]float32, out)
	var cPrev float32
	if t > 0 {
		hPrev, cPrev = p.trace.H[k][t-1], p.trace.C[k][t-1][j]
	}
	n := &cellNumbers{inWidth: len(x), outWidth: out, cPrev: cPrev, c: p.trace.C[k][t][j], h: p.trace.H[k][t][j]}
	for q := range 4 {
		r := q*H + j
		n.in[q] = dot64(wih[r*len(x):(r+1)*len(x)], x)
		n.rec[q] = dot64(whh[r*out:(r+1)*out], hPrev)
		n.bias[q] = float64(bias[r])
		n.z[q] = n.in[q] + n.rec[q] + n.bias[q]
		n.act[q] = p.trace.Gates[k][t][r]
	}
	return n, nil
}

// dot64 is Σ a[i]·b[i] in float64.
func dot64(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// renderCellStep writes out the picked cell's step, in the style of "How
// this model works".
func (p *Page) renderCellStep(dm *insideMessages) app.UI {
	pick := p.deep.cell
	if pick == nil || pick.nums == nil || p.model == nil {
		return app.P().Class("hint cell-step").DataSet("testid", "cell-step").Text(dm.cellHint)
	}
	n, cfg := pick.nums, p.model.Config()
	G := 4 * cfg.HiddenSize
	k, t, j := pick.layer, pick.step, pick.unit
	xName := fmt.Sprintf(dm.xImage, t+1, n.inWidth)
	if k > 0 {
		xName = fmt.Sprintf(dm.xBelow, k, t+1, n.inWidth)
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	var terms [][2]string
	for q, name := range gateNames {
		act, fn := "σ", "sigmoid"
		if q == 2 {
			act, fn = "tanh", "tanh"
		}
		terms = append(terms, [2]string{
			fmt.Sprintf("%s = %s(x_t·W_ih[%d] + h_{t−1}·W_hh[%d] + b[%d])", name, act, q*cfg.HiddenSize+j, q*cfg.HiddenSize+j, q*cfg.HiddenSize+j),
			fmt.Sprintf(dm.gateLine, num(n.in[q]), num(n.rec[q]), num(n.bias[q]), num(n.z[q]), fn, num(float64(n.act[q]))),
		})
	}
	i, f, g, o := float64(n.act[0]), float64(n.act[1]), float64(n.act[2]), float64(n.act[3])
	terms = append(terms,
		[2]string{"c_t = f ⊙ c_{t−1} + i ⊙ g", fmt.Sprintf("%s × %s + %s × %s = %s", num(f), num(float64(n.cPrev)), num(i), num(g), num(float64(n.c)))},
		[2]string{"h_t = o ⊙ tanh(c_t)", fmt.Sprintf("%s × tanh(%s) = %s × %s = %s", num(o), num(float64(n.c)), num(o), num(math.Tanh(float64(n.c))), num(float64(n.h)))},
	)
	values := floats([]float32{n.act[0], n.act[1], n.act[2], n.act[3], n.cPrev, n.c, n.h})
	zs := fmt.Sprintf("%g,%g,%g,%g", n.z[0], n.z[1], n.z[2], n.z[3])
	return app.Div().Class("cell-step").DataSet("testid", "cell-step").
		DataSet("cell", fmt.Sprintf("%d,%d,%d", k, t, j)).DataSet("values", values).DataSet("z", zs).Body(
		app.H3().Text(fmt.Sprintf(dm.cellTitle, k+1, t+1, j)),
		app.P().Text(fmt.Sprintf(dm.cellShapes, xName, n.outWidth, G, n.inWidth, G, n.outWidth, G)),
		renderTerms(terms),
		app.P().Text(dm.cellOutro),
		app.P().Class("hint").DataSet("testid", "cell-ms").Text(fmt.Sprintf(dm.cellTime, p.deep.cellMs)),
	)
}
