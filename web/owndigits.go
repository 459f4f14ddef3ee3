package web

import (
	"fmt"
	"math"
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/mnist"
)

// ownDigits is the visitor's own digits, kept in IndexedDB.
type ownDigits struct {
	count   int
	label   int  // the label the next added digit gets
	chosen  bool // the visitor chose label; else it follows the prediction
	message string
}

// renderOwn is the visitor's digits: label and add what is drawn, teach,
// forget.
func (p *Page) renderOwn(m *messages) app.UI {
	count := m.ownNone
	if p.own.count > 0 {
		count = fmt.Sprintf(m.ownCount, p.own.count)
	}
	return app.Section().Class("panel own").Body(
		app.H2().Text(m.ownTitle),
		app.P().Class("hint").Text(m.ownHint),
		app.Div().Class("buttons").Body(
			app.Label().Class("field").Body(
				app.Span().Text(m.thisDigitIs),
				app.Select().DataSet("testid", "sample-label").OnChange(p.onLabel).Body(
					app.Range(make([]struct{}, mnist.Classes)).Slice(func(d int) app.UI {
						return app.Option().Value(d).Selected(d == p.own.label).Text(d)
					}),
				),
			),
			app.Button().DataSet("testid", "add-sample").Text(m.addSample).OnClick(p.onAddSample),
			app.Button().DataSet("testid", "teach").Text(m.teach).
				Disabled(p.own.count == 0 || p.training() || p.model == nil).OnClick(p.onTeach),
			app.Button().DataSet("testid", "forget").Text(m.forget).
				Disabled(p.own.count == 0).OnClick(p.onForget),
		),
		app.P().DataSet("testid", "own-count").Text(count),
		app.If(p.own.message != "", app.P().Class("notice").Attr("role", "status").Text(p.own.message)),
	)
}

func (p *Page) onLabel(ctx app.Context, e app.Event) {
	if d, err := strconv.Atoi(ctx.JSSrc().Get("value").String()); err == nil {
		p.own.label, p.own.chosen = d, true
	}
}

// onAddSample keeps what the model reads of the drawing, as bytes, with
// its label.
func (p *Page) onAddSample(ctx app.Context, e app.Event) {
	if p.input == nil {
		p.own.message = p.msg.drawFirst
		return
	}
	pixels := make([]byte, len(p.input))
	for i, v := range p.input {
		pixels[i] = byte(math.Round(255 * math.Min(math.Max(float64(v), 0), 1)))
	}
	label := p.own.label
	p.own.chosen = false
	ctx.Async(func() {
		_, err := store("addDigit", jsBytes(pixels), label)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.own.message = err.Error()
				return
			}
			p.own.count++
			p.own.message = ""
			p.strokes = nil
			p.forgetShown()
			p.redraw()
		})
	})
}

// onTeach fine-tunes the current model on the visitor's digits (see
// trainPanel.teach).
func (p *Page) onTeach(ctx app.Context, e app.Event) {
	if p.train != nil {
		p.train.teach()
	}
}

func (p *Page) onForget(ctx app.Context, e app.Event) {
	ctx.Async(func() {
		_, err := store("clearDigits")
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.own.message = err.Error()
				return
			}
			p.own.count = 0
		})
	})
}

// loadOwnDigits reads the visitor's digits from IndexedDB: their pixels back to
// back, and their labels.
func loadOwnDigits() (pixels, labels []byte, err error) {
	v, err := store("digits")
	if err != nil {
		return nil, nil, err
	}
	for i := range v.Length() {
		d := v.Index(i)
		px := goBytes(d.Get("pixels"))
		label := d.Get("label").Int()
		if len(px) != mnist.Pixels || label < 0 || label >= mnist.Classes {
			continue // not one of ours
		}
		pixels = append(pixels, px...)
		labels = append(labels, byte(label))
	}
	return pixels, labels, nil
}
