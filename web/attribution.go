package web

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// Which rows decided the answer: beside the 28×28 image, for the predicted
// class, each row's gradient × input (lstm.Classifier.GradientTimesInput,
// the model's backward pass) and its occlusion (Occlusion: the class's
// probability less that with the row blanked). They are computed after
// the pen lifts, in tasks of their own after the prediction's (the
// gradient in one, the occlusion of occlusionRows rows in each of the
// next), so that drawing stays as quick as before and no task holds the
// page's thread for long.

// rowAttribution is the attribution of one prediction.
type rowAttribution struct {
	class         int
	grad, occ     []float64 // nil until computed
	gradMs, occMs float64   // how long each took
}

// scheduleAttribution clears the attribution of the last prediction and,
// when the pen is up and there is a prediction, computes the new one in
// later tasks.
func (p *Page) scheduleAttribution() {
	p.deep.attr = nil
	if p.drawing || p.probs == nil || p.ctx == nil {
		p.paintAttribution()
		return
	}
	a := &rowAttribution{class: lstm.Argmax(p.probs)}
	p.deep.attr = a
	p.paintAttribution()
	x := lstm.Tensor{Shape: []int{mnist.Rows, mnist.Cols}, Data: p.input}
	parts := []func() error{func() (err error) {
		a.grad, a.gradMs, err = timed(func() ([]float64, error) { return p.model.GradientTimesInput(x, a.class) })
		return err
	}}
	var occ []float64
	for from := 0; from < mnist.Rows; from += occlusionRows {
		steps := make([]int, 0, occlusionRows)
		for t := from; t < min(from+occlusionRows, mnist.Rows); t++ {
			steps = append(steps, t)
		}
		parts = append(parts, func() error {
			drops, ms, err := timed(func() ([]float64, error) { return p.model.Occlusion(x, a.class, steps) })
			occ, a.occMs = append(occ, drops...), a.occMs+ms
			if len(occ) == mnist.Rows {
				a.occ = occ
			}
			return err
		})
	}
	p.ctx.Async(func() {
		for _, part := range parts {
			nextTask()
			done := make(chan bool, 1)
			p.ctx.Dispatch(func(app.Context) {
				if p.deep.attr != a || p.model == nil { // a newer prediction took its place
					done <- false
					return
				}
				if err := part(); err != nil {
					p.err = fmt.Errorf("attribution: %w", err)
					done <- false
					return
				}
				p.paintAttribution()
				done <- true
			})
			if !<-done {
				return
			}
		}
	})
}

// occlusionRows is how many blanked rows one task of the page predicts.
const occlusionRows = 7

// timed runs f and returns its result with the milliseconds it took.
func timed(f func() ([]float64, error)) ([]float64, float64, error) {
	start := time.Now()
	v, err := f()
	return v, float64(time.Since(start).Microseconds()) / 1000, err
}

// renderAttribution is the two columns beside the image, their top rows
// and times.
func (p *Page) renderAttribution(dm *insideMessages) app.UI {
	a := p.deep.attr
	fig := app.Figure().Class("attribution").DataSet("testid", "row-attribution")
	if a == nil {
		return fig.Body(app.Canvas().ID("attr-map").Width(2).Height(mnist.Rows).Aria("label", dm.attrLabel).Attr("role", "img"))
	}
	var notes []app.UI
	if a.grad != nil {
		fig = fig.DataSet("grad", floats64(a.grad)).DataSet("grad-ms", strconv.FormatFloat(a.gradMs, 'f', 2, 64))
		notes = append(notes, app.Div().Text(fmt.Sprintf(dm.attrGrad, topRows(a.grad), a.gradMs)))
	}
	if a.occ != nil {
		fig = fig.DataSet("occlusion", floats64(a.occ)).DataSet("occlusion-ms", strconv.FormatFloat(a.occMs, 'f', 2, 64))
		notes = append(notes, app.Div().Text(fmt.Sprintf(dm.attrOcc, topRows(a.occ), a.occMs)))
	}
	return fig.DataSet("class", strconv.Itoa(a.class)).Body(
		app.Canvas().ID("attr-map").Width(2).Height(mnist.Rows).Aria("label", dm.attrLabel).Attr("role", "img"),
		app.FigCaption().Body(append([]app.UI{app.Div().Text(fmt.Sprintf(dm.attrCaption, a.class))}, notes...)...),
	)
}

// floats64 writes vs comma-separated, shortest round-trip.
func floats64(vs []float64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

// topRows names the three rows (from 1) of largest value.
func topRows(v []float64) string {
	rows := make([]int, len(v))
	for i := range rows {
		rows[i] = i
	}
	sort.SliceStable(rows, func(a, b int) bool { return v[rows[a]] > v[rows[b]] })
	names := make([]string, 0, 3)
	for _, r := range rows[:min(3, len(rows))] {
		names = append(names, strconv.Itoa(r+1))
	}
	return strings.Join(names, ", ")
}

// paintAttribution draws each column scaled by its largest magnitude, red
// for rows that spoke for the class, blue against; blank until computed.
func (p *Page) paintAttribution() {
	pix := make([]byte, 4*mnist.Rows*2)
	a := p.deep.attr
	for col := range 2 {
		var v []float64
		if a != nil {
			v = [2][]float64{a.grad, a.occ}[col]
		}
		scale := 0.0
		for _, x := range v {
			scale = math.Max(scale, math.Abs(x))
		}
		for r := range mnist.Rows {
			x := 0.0
			if v != nil && scale > 0 {
				x = v[r] / scale
			}
			setPixel(pix, r*2+col, diverging(x))
		}
	}
	putPixels("attr-map", 2, mnist.Rows, pix)
}
