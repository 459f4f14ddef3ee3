package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// The gates at every step, beside h and c in "Inside the LSTM": each
// layer's input, forget, candidate and output gates (lstm.Trace's Gates,
// from the forward pass that predicts) as heat maps, and per step the
// mean forget gate and how many units hold or wipe their memory.

// gateNames are the four gates in PyTorch's order, as the maps name them.
var gateNames = [4]string{"i", "f", "g", "o"}

// Saturation bounds of the forget gate: above holdAbove a unit keeps its
// cell (almost) as it was, below wipeBelow it (almost) clears it.
const (
	holdAbove = 0.95
	wipeBelow = 0.05
)

// deepInside is what the page shows beyond h and c: whether the gates are
// shown, the attribution of the answer to the input's rows, and the cell
// whose arithmetic is written out.
type deepInside struct {
	gates bool
	// traceMs is how long the last drawing's trace (h, c and the gates)
	// took, paintMs the painting of its gates, cellMs the picked cell's
	// arithmetic.
	traceMs, paintMs, cellMs float64
	attr                     *rowAttribution // of the current input; nil until computed
	cell                     *cellPick       // nil: none picked
	// gatesAttr caches the gates-view's data attributes for trace and step.
	gatesAttr struct {
		trace       *lstm.Trace
		step        int
		input, gate string
	}
}

// renderGatesToggle is the button that shows or hides the gates.
func (p *Page) renderGatesToggle(dm *insideMessages) app.UI {
	text := dm.showGates
	if p.deep.gates {
		text = dm.hideGates
	}
	return app.Button().DataSet("testid", "gates-toggle").Aria("pressed", p.deep.gates).
		Text(text).OnClick(p.onGatesToggle)
}

func (p *Page) onGatesToggle(ctx app.Context, e app.Event) {
	p.deep.gates = !p.deep.gates
	if p.deep.gates {
		ctx.Defer(func(app.Context) { p.paintGates() })
	}
}

// renderGates is the gates' maps of every layer with their summary.
func (p *Page) renderGates(dm *insideMessages, layers, units int) app.UI {
	if !p.deep.gates {
		return app.Text("")
	}
	var maps []app.UI
	for k := range layers {
		maps = append(maps, heatmap(fmt.Sprintf("gate-summary-%d", k), fmt.Sprintf(dm.summaryCaption, k+1), 3, p.step,
			[]string{"f̄", "f>.95", "f<.05"}, p.onHover, nil))
		for q, name := range gateNames {
			id := fmt.Sprintf("gate-%s-%d", name, k)
			maps = append(maps, heatmap(id, fmt.Sprintf(dm.gateCaption[q], k+1, units), units, p.step, nil, p.onHover, p.pickCell(k)))
		}
	}
	input, gates := p.gatesData()
	return app.Div().Class("gates").DataSet("testid", "gates-view").
		DataSet("step", strconv.Itoa(p.shownStep())).DataSet("input", input).DataSet("gates", gates).Body(
		app.P().Class("hint").Text(dm.gatesHint),
		app.P().Class("gate-summary").Text(p.summaryText(dm)),
		app.P().Class("hint").DataSet("testid", "gates-ms").Text(fmt.Sprintf(dm.gatesTime, p.deep.traceMs, p.deep.paintMs)),
		app.Div().Class("maps gate-maps").Body(maps...),
	)
}

// shownStep is the highlighted step, or the last without one.
func (p *Page) shownStep() int {
	if p.step >= 0 {
		return p.step
	}
	return mnist.Rows - 1
}

// gatesData returns the model's input and every layer's gates at the
// shown step as the gates-view's data attributes (so that a test can
// check them against the library): numbers that read back as the same
// float32, layers separated by ";".
func (p *Page) gatesData() (input, gates string) {
	c := &p.deep.gatesAttr
	step := p.shownStep()
	if c.trace == p.trace && c.step == step && c.trace != nil {
		return c.input, c.gate
	}
	c.trace, c.step, c.input, c.gate = p.trace, step, "", ""
	if p.trace == nil {
		return "", ""
	}
	c.input = floats(p.input)
	layers := make([]string, len(p.trace.Gates))
	for k, g := range p.trace.Gates {
		layers[k] = floats(g[step])
	}
	c.gate = strings.Join(layers, ";")
	return c.input, c.gate
}

// floats writes vs comma-separated, each as the shortest text that reads
// back as the same float32.
func floats(vs []float32) string {
	b := make([]byte, 0, 12*len(vs))
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(v), 'g', -1, 32)
	}
	return string(b)
}

// forgetSummary is one layer's forget gates at one step: their mean and
// how many units hold (f > holdAbove) or wipe (f < wipeBelow) their cell.
type forgetSummary struct {
	mean       float64
	hold, wipe int
}

// summarize returns the forget-gate summary of gates, one step's i, f, g,
// o of hidden units.
func summarize(gates []float32, hidden int) forgetSummary {
	var s forgetSummary
	for _, f := range gates[hidden : 2*hidden] {
		s.mean += float64(f)
		switch {
		case f > holdAbove:
			s.hold++
		case f < wipeBelow:
			s.wipe++
		}
	}
	s.mean /= float64(hidden)
	return s
}

// summaryText says, for the shown step, each layer's forget-gate summary.
func (p *Page) summaryText(dm *insideMessages) string {
	if p.trace == nil || p.model == nil {
		return ""
	}
	H, step := p.model.Config().HiddenSize, p.shownStep()
	parts := []string{fmt.Sprintf(dm.step, step+1)}
	for k, g := range p.trace.Gates {
		s := summarize(g[step], H)
		parts = append(parts, fmt.Sprintf(dm.summary, k+1, s.mean, s.hold, H, s.wipe))
	}
	return strings.Join(parts, " · ")
}

// paintGates draws every layer's gates (i, f, o in [0, 1] as heat; g in
// [-1, 1] diverging) and the summary columns, when they are shown.
func (p *Page) paintGates() {
	if !p.deep.gates || p.model == nil {
		return
	}
	start := time.Now()
	defer func() { p.deep.paintMs = float64(time.Since(start).Microseconds()) / 1000 }()
	t, H := p.trace, p.model.Config().HiddenSize
	for k := range p.model.Config().NumLayers {
		for q, name := range gateNames {
			pix := make([]byte, 4*mnist.Rows*H)
			for s := range mnist.Rows {
				for j := range H {
					v := 0.0
					if t != nil {
						v = float64(t.Gates[k][s][q*H+j])
					}
					if q == 2 {
						setPixel(pix, s*H+j, diverging(v))
					} else {
						setPixel(pix, s*H+j, heat(v))
					}
				}
			}
			putPixels(fmt.Sprintf("gate-%s-%d", name, k), H, mnist.Rows, pix)
		}
		pix := make([]byte, 4*mnist.Rows*3)
		for s := range mnist.Rows {
			var sum forgetSummary
			if t != nil {
				sum = summarize(t.Gates[k][s], H)
			}
			for col, v := range []float64{sum.mean, float64(sum.hold) / float64(H), float64(sum.wipe) / float64(H)} {
				setPixel(pix, s*3+col, heat(math.Min(v, 1)))
			}
		}
		putPixels(fmt.Sprintf("gate-summary-%d", k), 3, mnist.Rows, pix)
	}
}
