package web

import (
	"fmt"
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// What-if: rows of the model's input erased or restored, the answer and
// the inside views recomputed from what is left, and a drawing pinned so
// that its states can be compared with the next one's, side by side.

// whatIf is the page's what-if state.
type whatIf struct {
	// shown is a test image loaded into the drawing view (from the
	// gallery or a link), as pixels/255; nil while the view holds a
	// drawing. shownIndex is its index in the test set, -1 for none.
	shown      []float32
	shownIndex int
	// raw is the model's input before any row is erased; nil without ink.
	raw    []float32
	erased [mnist.Rows]bool
	pinned *pinnedDrawing
}

// pinnedDrawing is a drawing kept for comparison.
type pinnedDrawing struct {
	input []float32
	trace *lstm.Trace
	probs []float64
	units int // the hidden size of the model that read it
}

// masked is raw with the erased rows blanked; raw itself when none is.
func (w *whatIf) masked() []float32 {
	x, copied := w.raw, false
	for r, e := range w.erased {
		if !e {
			continue
		}
		if !copied {
			x, copied = append([]float32(nil), w.raw...), true
		}
		clear(x[r*mnist.Cols : (r+1)*mnist.Cols])
	}
	return x
}

// forgetShown returns the drawing view to drawings: a new stroke, Clear
// or the example replaces a loaded test image.
func (p *Page) forgetShown() {
	p.what.shown, p.what.shownIndex = nil, -1
}

// renderModelInput is the image the model sees with a button beside each
// row that erases or restores it.
func (p *Page) renderModelInput(m *messages) app.UI {
	w := m.whatIf()
	some := false
	for _, e := range p.what.erased {
		some = some || e
	}
	return app.Div().Class("seen").Body(
		app.Div().Class("seen-image").Body(
			app.Canvas().ID("model-input").DataSet("testid", "model-input").
				Width(mnist.Cols).Height(mnist.Rows).Aria("label", m.modelInputLabel).Attr("role", "img").
				On("click", p.onInputClick),
			&rowToggles{Msg: m, Erased: p.what.erased, page: p},
			p.renderAttribution(m.deep()),
		),
		app.P().Class("hint").Body(
			app.Text(w.rowsHint+" "),
			app.Button().DataSet("testid", "rows-restore").Text(w.restoreAll).Disabled(!some).OnClick(p.onRestoreRows),
		),
	)
}

// rowToggles is the column of the rows' buttons, a component of its own
// so that the page's redraws pass over its 28 buttons unless a row was
// erased or restored.
type rowToggles struct {
	app.Compo

	// Msg is the page's language; Erased the rows erased.
	Msg    *messages
	Erased [mnist.Rows]bool

	page *Page
}

// Render draws the buttons.
func (t *rowToggles) Render() app.UI {
	w := t.Msg.whatIf()
	return app.Div().Class("row-toggles").Body(
		app.Range(t.Erased[:]).Slice(func(r int) app.UI {
			label := fmt.Sprintf(w.eraseRow, r+1)
			if t.Erased[r] {
				label = fmt.Sprintf(w.restoreRow, r+1)
			}
			return app.Button().Class("row-toggle").DataSet("testid", "row-toggle-"+strconv.Itoa(r)).
				Aria("pressed", strconv.FormatBool(t.Erased[r])).Aria("label", label).Title(label).
				OnClick(func(app.Context, app.Event) { t.page.toggleRow(r) })
		}),
	)
}

// toggleRow erases row r of the model's input, or restores it, reads the
// input again and redraws the page (the buttons' component calls it).
func (p *Page) toggleRow(r int) {
	p.what.erased[r] = !p.what.erased[r]
	p.run()
	p.refresh()
}

// onInputClick toggles the row of the model's input that was clicked.
func (p *Page) onInputClick(ctx app.Context, e app.Event) {
	r := e.Get("currentTarget").Call("getBoundingClientRect")
	row := int((e.Get("clientY").Float() - r.Get("top").Float()) / r.Get("height").Float() * mnist.Rows)
	if row >= 0 && row < mnist.Rows {
		p.toggleRow(row)
	}
}

func (p *Page) onRestoreRows(ctx app.Context, e app.Event) {
	p.what.erased = [mnist.Rows]bool{}
	p.run()
}

// renderAnswerBar is the compact answer under the canvas, which narrow
// screens show so that the answer stays in view while drawing.
func (p *Page) renderAnswerBar(m *messages) app.UI {
	text := m.noInk
	if p.probs != nil {
		d := lstm.Argmax(p.probs)
		text = fmt.Sprintf(m.whatIf().answer, d, 100*p.probs[d])
	}
	return app.Div().Class("answer-bar").DataSet("testid", "answer-bar").Aria("live", "polite").Text(text)
}

// renderCompare is the comparison panel: the current drawing's and the
// pinned one's hidden states, layer by layer, side by side.
func (p *Page) renderCompare(m *messages) app.UI {
	w := m.whatIf()
	layers := 0
	if p.model != nil {
		layers = p.model.Config().NumLayers
	}
	if pd := p.what.pinned; pd != nil {
		layers = max(layers, len(pd.trace.H))
	}
	pinned := ""
	if pd := p.what.pinned; pd != nil {
		d := lstm.Argmax(pd.probs)
		pinned = fmt.Sprintf(w.answer, d, 100*pd.probs[d])
	}
	var cols []app.UI
	for _, side := range []string{"now", "pinned"} {
		title, answer := w.now, p.predicted()
		if side == "pinned" {
			title, answer = w.pinned, pinned
		}
		maps := []app.UI{app.H3().Text(title), app.P().Class("answer").DataSet("testid", side+"-answer").Text(answer)}
		for k := range layers {
			maps = append(maps, heatmap(fmt.Sprintf("%s-h-%d", side, k), fmt.Sprintf(m.hidden, k+1, p.compareUnits(side)), p.compareUnits(side), p.step, nil, p.onHover, nil))
		}
		cols = append(cols, app.Div().Class("compare-side").DataSet("testid", "compare-"+side).Body(maps...))
	}
	return app.Section().Class("panel compare").Body(
		app.H2().Text(w.compareTitle),
		app.P().Class("hint").Text(w.compareHint),
		app.Div().Class("buttons").Body(
			app.Button().DataSet("testid", "pin-button").Text(w.pin).Disabled(p.trace == nil).OnClick(p.onPin),
			app.Button().DataSet("testid", "unpin-button").Text(w.unpin).Disabled(p.what.pinned == nil).OnClick(p.onUnpin),
		),
		app.Div().Class("compare-sides").Body(cols...),
	)
}

// compareUnits is the hidden size of the model that read the drawing on
// side "now" or "pinned".
func (p *Page) compareUnits(side string) int {
	if side == "pinned" && p.what.pinned != nil {
		return p.what.pinned.units
	}
	if p.model != nil {
		return p.model.Config().HiddenSize
	}
	return 0
}

func (p *Page) onPin(ctx app.Context, e app.Event) {
	if p.trace == nil || p.model == nil {
		return
	}
	p.what.pinned = &pinnedDrawing{input: p.input, trace: p.trace, probs: p.probs, units: p.model.Config().HiddenSize}
	p.paintCompare()
}

func (p *Page) onUnpin(ctx app.Context, e app.Event) {
	p.what.pinned = nil
	p.paintCompare()
}

// paintCompare paints both sides' hidden states (blank where there is
// nothing to show).
func (p *Page) paintCompare() {
	for _, side := range []string{"now", "pinned"} {
		t := p.trace
		if side == "pinned" {
			t = nil
			if p.what.pinned != nil {
				t = p.what.pinned.trace
			}
		}
		layers := 0
		if p.model != nil {
			layers = p.model.Config().NumLayers
		}
		if t != nil {
			layers = max(layers, len(t.H))
		}
		for k := range layers {
			paintStates(fmt.Sprintf("%s-h-%d", side, k), p.compareUnits(side), t, func(t *lstm.Trace) [][]float32 {
				if k < len(t.H) {
					return t.H[k]
				}
				return make([][]float32, mnist.Rows)
			}, false)
		}
	}
}

// paintShown draws a loaded test image on the drawing canvas c, dark ink
// on the transparent canvas, each pixel a square.
func (p *Page) paintShown(c app.Value) {
	if p.what.shown == nil || len(p.strokes) > 0 {
		return
	}
	const side = canvasSide / mnist.Cols
	for i, v := range p.what.shown {
		if v <= 0 {
			continue
		}
		c.Set("fillStyle", fmt.Sprintf("rgba(17,17,17,%.3f)", v))
		c.Call("fillRect", (i%mnist.Cols)*side, (i/mnist.Cols)*side, side, side)
	}
}
