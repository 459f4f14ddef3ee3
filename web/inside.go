package web

import (
	"fmt"
	"math"
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// "Inside the LSTM": the model's input image with the highlighted step's
// row, and heat maps of the class probabilities and of every layer's h and
// c after each of the 28 steps (canvases painted from lstm.Trace), then
// the gates (gates.go) and one cell's step (cellstep.go).

// renderInside is the panel: a step slider and the heat maps.
func (p *Page) renderInside(m *messages) app.UI {
	step := ""
	if p.step >= 0 {
		step = fmt.Sprintf(m.step, p.step+1)
	}
	layers, units := digit.LSTMConfig().NumLayers, digit.LSTMConfig().HiddenSize
	if p.model != nil {
		layers, units = p.model.Config().NumLayers, p.model.Config().HiddenSize
	}
	digits := make([]string, mnist.Classes)
	for d := range digits {
		digits[d] = strconv.Itoa(d)
	}
	maps := []app.UI{heatmap("probs-map", m.probsPerStep, mnist.Classes, p.step, digits, p.onHover, nil)}
	for k := range layers {
		maps = append(maps,
			heatmap(fmt.Sprintf("h-map-%d", k), fmt.Sprintf(m.hidden, k+1, units), units, p.step, nil, p.onHover, p.pickCell(k)),
			heatmap(fmt.Sprintf("c-map-%d", k), fmt.Sprintf(m.cell, k+1, units), units, p.step, nil, p.onHover, p.pickCell(k)))
	}
	dm := m.deep()
	return app.Section().Class("panel inside").Body(
		app.H2().Text(m.inside),
		app.P().Class("hint").Text(m.insideHint),
		app.Label().Class("slider").Body(
			app.Span().Text(m.stepSliderLabel),
			app.Input().Type("range").Min(0).Max(mnist.Rows-1).Value(max(p.step, 0)).
				OnInput(p.onSlider),
			app.Span().Class("step").Text(step),
		),
		app.Div().Class("maps").Body(maps...),
		p.renderGatesToggle(dm),
		p.renderGates(dm, layers, units),
		p.renderCellStep(dm),
	)
}

// heatmap is a captioned canvas of 28 rows (time steps) by cols, the
// highlighted step marked; labels, if any, name the columns; click, if
// not nil, handles a click on a cell.
func heatmap(id, caption string, cols, step int, labels []string, hover, click app.EventHandler) app.UI {
	canvas := app.Canvas().ID(id).Width(cols).Height(mnist.Rows).
		On("pointermove", hover).On("pointerdown", hover)
	if click != nil {
		canvas = canvas.On("click", click)
	}
	return app.Figure().Class("map").Body(
		app.FigCaption().Text(caption),
		app.Div().Class("frame").Body(
			canvas,
			app.If(step >= 0, app.Div().Class("marker").
				Style("top", fmt.Sprintf("%.3f%%", 100*float64(step)/mnist.Rows)).
				Style("height", fmt.Sprintf("%.3f%%", 100.0/mnist.Rows))),
		),
		app.If(len(labels) > 0, app.Div().Class("labels").Body(
			app.Range(labels).Slice(func(i int) app.UI { return app.Span().Text(labels[i]) }),
		)),
	)
}

func (p *Page) onSlider(ctx app.Context, e app.Event) {
	n, err := strconv.Atoi(ctx.JSSrc().Get("value").String())
	if err != nil {
		return
	}
	p.step = n
	p.paintInput()
}

func (p *Page) onHover(ctx app.Context, e app.Event) {
	c := e.Get("currentTarget")
	r := c.Call("getBoundingClientRect")
	row := int((e.Get("clientY").Float() - r.Get("top").Float()) / r.Get("height").Float() * mnist.Rows)
	if row < 0 || row >= mnist.Rows || row == p.step {
		return
	}
	p.step = row
	p.paintInput()
}

// paintInput draws the model's 28×28 input, the highlighted step's row
// tinted.
func (p *Page) paintInput() {
	pix := make([]byte, 4*mnist.Rows*mnist.Cols)
	for i := range mnist.Rows * mnist.Cols {
		v := 0.0
		if p.input != nil {
			v = float64(p.input[i])
		}
		r, g, b := gray(v)
		if p.step >= 0 && i/mnist.Cols == p.step {
			r, g, b = blend(r, 255), blend(g, 170), blend(b, 0)
		}
		pix[4*i], pix[4*i+1], pix[4*i+2], pix[4*i+3] = r, g, b, 255
	}
	putPixels("model-input", mnist.Cols, mnist.Rows, pix)
}

// paintMaps draws the per-step probabilities and every layer's h and
// tanh(c).
func (p *Page) paintMaps() {
	t := p.trace
	probs := make([]byte, 4*mnist.Rows*mnist.Classes)
	for s := range mnist.Rows {
		for d := range mnist.Classes {
			v := 0.0
			if t != nil {
				v = t.Probs[s][d]
			}
			setPixel(probs, s*mnist.Classes+d, heat(v))
		}
	}
	putPixels("probs-map", mnist.Classes, mnist.Rows, probs)
	if p.model == nil {
		return
	}
	cfg := p.model.Config()
	for k := range cfg.NumLayers {
		paintStates(fmt.Sprintf("h-map-%d", k), cfg.HiddenSize, t, func(t *lstm.Trace) [][]float32 { return t.H[k] }, false)
		paintStates(fmt.Sprintf("c-map-%d", k), cfg.HiddenSize, t, func(t *lstm.Trace) [][]float32 { return t.C[k] }, true)
	}
	p.paintGates()
}

// paintStates draws one layer's states, cols units wide, one row per
// step, through tanh when squash is set (c is unbounded; h is already in
// [-1, 1]).
func paintStates(id string, cols int, t *lstm.Trace, states func(*lstm.Trace) [][]float32, squash bool) {
	pix := make([]byte, 4*mnist.Rows*cols)
	for s := range mnist.Rows {
		for j := range cols {
			v := 0.0
			if t != nil {
				row := states(t)[s]
				if j < len(row) {
					v = float64(row[j])
				}
				if squash {
					v = math.Tanh(v)
				}
			}
			setPixel(pix, s*cols+j, diverging(v))
		}
	}
	putPixels(id, cols, mnist.Rows, pix)
}

func putPixels(id string, w, h int, pix []byte) {
	c := canvasContext(id)
	if c.IsNull() {
		return
	}
	arr := app.Window().Get("Uint8ClampedArray").New(len(pix))
	app.CopyBytesToJS(arr, pix)
	img := app.Window().Get("ImageData").New(arr, w, h)
	c.Call("putImageData", img, 0, 0)
}

func setPixel(pix []byte, i int, rgb [3]byte) {
	pix[4*i], pix[4*i+1], pix[4*i+2], pix[4*i+3] = rgb[0], rgb[1], rgb[2], 255
}

func gray(v float64) (r, g, b byte) {
	x := byte(math.Round(255 * math.Min(math.Max(v, 0), 1)))
	return x, x, x
}

func blend(a, b byte) byte { return byte((int(a) + int(b)) / 2) }

// heat maps v in [0, 1] from near white to deep blue.
func heat(v float64) [3]byte {
	v = math.Min(math.Max(v, 0), 1)
	return [3]byte{byte(247 - 239*v), byte(251 - 203*v), byte(255 - 148*v)}
}

// diverging maps v in [-1, 1] to blue (negative), white (0), red
// (positive).
func diverging(v float64) [3]byte {
	v = math.Min(math.Max(v, -1), 1)
	if v < 0 {
		return [3]byte{byte(255 + 222*v), byte(255 + 153*v), byte(255 + 40*v)}
	}
	return [3]byte{255, byte(255 - 200*v), byte(255 - 215*v)}
}
