package web

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// The training panel's charts and confusion matrix are written as HTML and
// SVG text (app.Raw): the browser parses them natively, and go-app only
// compares the text from one update to the next, which keeps each update
// of the panel short.

// The charts' frame is chartW×chartH user units.
const (
	chartW, chartH = 600, 160
	// chartPoints is the most points a line gets: longer series are
	// averaged in buckets, which also smooths the per-batch noise.
	chartPoints = 600
)

// confusionTable is the HTML of an evaluation's confusion matrix, each
// cell shaded by its share of the row, with the per-digit accuracy beside.
func confusionTable(m *messages, ev *digit.EpochSummary) string {
	if ev == nil {
		return `<div data-testid="confusion" class="confusion empty"></div>`
	}
	var rows strings.Builder
	rows.WriteString("<tr><th></th>")
	for d := range mnist.Classes {
		fmt.Fprintf(&rows, `<th scope="col">%d</th>`, d)
	}
	fmt.Fprintf(&rows, `<th scope="col">%s</th></tr>`, html.EscapeString(m.perClass))
	total := 0
	for t, row := range ev.Confusion {
		sum := 0
		for _, c := range row {
			sum += c
		}
		total += sum
		fmt.Fprintf(&rows, `<tr><th scope="row">%d</th>`, t)
		for pred, c := range row {
			share := 0.0
			if sum > 0 {
				share = float64(c) / float64(sum)
			}
			cls := "cell"
			if pred == t {
				cls += " diagonal"
			}
			if share > 0.5 {
				cls += " dark"
			}
			fmt.Fprintf(&rows, `<td class="%s" style="background: rgba(29, 78, 137, %.3f)">%d</td>`, cls, share, c)
		}
		acc := "–"
		if a := ev.PerClass[t]; a >= 0 {
			acc = fmt.Sprintf("%.1f%%", 100*a)
		}
		fmt.Fprintf(&rows, `<td class="per-class">%s</td></tr>`, acc)
	}
	return fmt.Sprintf(`<figure class="confusion" data-testid="confusion"><figcaption>%s</figcaption><table><tbody>%s</tbody></table></figure>`,
		html.EscapeString(fmt.Sprintf(m.confusion, total)), rows.String())
}

// lossChart plots the training loss of every batch of a run of total
// steps.
func lossChart(m *messages, steps []digit.Step, total int) app.UI {
	losses := make([]float64, len(steps))
	top := 0.1
	for i, s := range steps {
		losses[i] = float64(s.Loss)
		top = max(top, losses[i])
	}
	return chart("loss-chart", m.lossChart, top,
		`<polyline class="series loss" points="`+line(losses, total, top)+`"/>`)
}

// accuracyChart plots every batch's training accuracy and, as dots, the
// test accuracy after each epoch of a run of total steps, batches steps an
// epoch.
func accuracyChart(m *messages, steps []digit.Step, epochs []digit.EpochSummary, total, batches int) app.UI {
	acc := make([]float64, len(steps))
	for i, s := range steps {
		acc[i] = s.Accuracy
	}
	var shapes strings.Builder
	shapes.WriteString(`<polyline class="series accuracy" points="` + line(acc, total, 1) + `"/>`)
	for _, e := range epochs {
		x := float64(min(e.Epoch+1, total/max(batches, 1))*batches) / float64(total) * chartW
		if e.Stopped {
			x = float64(len(steps)) / float64(total) * chartW
		}
		fmt.Fprintf(&shapes, `<circle class="test-point" cx="%.1f" cy="%.1f" r="4"><title>%.2f%%</title></circle>`,
			x, chartH*(1-e.TestAccuracy), 100*e.TestAccuracy)
	}
	return chart("accuracy-chart", m.accuracyChart, 1, shapes.String())
}

// chart frames the SVG shapes in a figure, its y axis from 0 to top.
func chart(testid, caption string, top float64, shapes string) app.UI {
	var grid strings.Builder
	fmt.Fprintf(&grid, `<rect class="frame" x="0" y="0" width="%d" height="%d"/>`, chartW, chartH)
	for _, f := range []float64{0.25, 0.5, 0.75} {
		fmt.Fprintf(&grid, `<line class="grid" x1="0" x2="%d" y1="%.1f" y2="%.1f"/>`, chartW, chartH*f, chartH*f)
	}
	c := html.EscapeString(caption)
	return app.Raw(fmt.Sprintf(`<figure class="chart"><figcaption>%s <span class="axis">(0–%s)</span></figcaption>`+
		`<svg xmlns="http://www.w3.org/2000/svg" data-testid="%s" viewBox="0 0 %d %d" preserveAspectRatio="none" role="img" aria-label="%s">%s%s</svg></figure>`,
		c, strconv.FormatFloat(top, 'g', 3, 64), testid, chartW, chartH, c, grid.String(), shapes))
}

// line returns the points of a polyline through values, value i at x =
// i/total of the width and y = value/top of the height (0 at the bottom),
// averaged in buckets to at most chartPoints points.
func line(values []float64, total int, top float64) string {
	if len(values) == 0 {
		return ""
	}
	bucket := max(1, (len(values)+chartPoints-1)/chartPoints)
	b := make([]byte, 0, 12*min(len(values), chartPoints))
	for lo := 0; lo < len(values); lo += bucket {
		hi := min(lo+bucket, len(values))
		sum := 0.0
		for _, v := range values[lo:hi] {
			sum += v
		}
		x := (float64(lo+hi) / 2) / float64(max(total, 1)) * chartW
		y := chartH * (1 - math.Min(sum/float64(hi-lo)/top, 1))
		if lo > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendFloat(b, x, 'f', 1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, y, 'f', 1, 64)
	}
	return string(b)
}

// clock writes seconds as m:ss or h:mm:ss.
func clock(seconds float64) string {
	s := int(math.Round(seconds))
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
