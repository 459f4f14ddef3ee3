//go:build !js

package web

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lstm-digits/lstm-digits/assets"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// TestBrowserInside checks the deeper views of "Inside the LSTM" on the
// Example 7: the rows' attribution beside the image, the gates and one
// cell's step, each drawn and holding the numbers the library computes
// natively from the same model and the page's own input, and that no
// task of the page's thread did over 50 ms of work meanwhile.
func TestBrowserInside(t *testing.T) {
	b := openApp(t, 90*time.Second, "the inside views")
	ctx := b.ctx
	model, _, err := decodeModel(assets.Model)
	must(t, "the bundled model", err)

	// A first prediction, untraced: the first of a page runs while the
	// browser still compiles its WebAssembly.
	must(t, "example", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="example-button"]`))))
	_, err = waitFor(ctx, `document.querySelector('[data-testid="row-attribution"]').dataset.occlusion ? "ok" : ""`)
	must(t, "the first attribution", err)
	must(t, "clear", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="clear-button"]`))))
	_, err = waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent === "" ? "ok" : ""`)
	must(t, "cleared", err)

	stop := traceTasks(ctx, t)
	must(t, "example", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="example-button"]`))))
	if seven, err := waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent`); err != nil || seven != "7" {
		t.Fatalf("the example 7 reads as %q (%v)", seven, err)
	}
	attr := `document.querySelector('[data-testid="row-attribution"]')`
	_, err = waitFor(ctx, `(a => a.dataset.grad && a.dataset.occlusion ? "ok" : "")(`+attr+`)`)
	must(t, "the rows' attribution", err)
	must(t, "gates", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="gates-toggle"]`))))
	_, err = waitFor(ctx, `(g => g && g.dataset.gates ? "ok" : "")(document.querySelector('[data-testid="gates-view"]'))`)
	must(t, "the gates' view", err)
	// Click layer 2's forget gate at step 20, unit 64.
	must(t, "pick a cell", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
		`(() => { const c = document.getElementById("gate-f-1"), r = c.getBoundingClientRect();
		c.dispatchEvent(new MouseEvent("click", {clientX: r.left + r.width * 64.5 / 128, clientY: r.top + r.height * 19.5 / 28, bubbles: true})); })()`)))
	_, err = waitFor(ctx, `(c => c.dataset.values ? "ok" : "")(document.querySelector('[data-testid="cell-step"]'))`)
	must(t, "the cell's step", err)
	checkThread(t, stop(), "drawing the Example and computing the inside views")

	input := parseFloats(t, "the page's input", attrOf(t, b, "gates-view", "input"))
	if len(input) != mnist.Rows*mnist.Cols {
		t.Fatalf("the page's input has %d values", len(input))
	}
	x32 := make([]float32, len(input))
	for i, v := range input {
		x32[i] = float32(v)
	}
	x := lstm.Tensor{Shape: []int{mnist.Rows, mnist.Cols}, Data: x32}
	tr, err := model.Trace(x)
	must(t, "trace", err)

	// The attribution: the page's against the library's, and the same top rows.
	class, err := strconv.Atoi(attrOf(t, b, "row-attribution", "class"))
	if err != nil || class != 7 {
		t.Errorf("the attribution is of class %q, want 7", attrOf(t, b, "row-attribution", "class"))
	}
	for _, m := range []struct {
		name, attr string
		f          func(lstm.Tensor, int) ([]float64, error)
	}{
		{"gradient × input", "grad", model.GradientTimesInput},
		{"occlusion", "occlusion", func(x lstm.Tensor, class int) ([]float64, error) { return model.Occlusion(x, class, nil) }},
	} {
		want, err := m.f(x, 7)
		must(t, m.name, err)
		got := parseFloats(t, m.name, attrOf(t, b, "row-attribution", m.attr))
		checkClose(t, m.name+" of each row, the page's against the library's", got, want, 1e-4)
		top, wantTop := topRows(got), topRows(want)
		t.Logf("%s: top rows %s (the library: %s); %s ms in the page", m.name, top, wantTop, attrOf(t, b, "row-attribution", m.attr+"-ms"))
		if top != wantTop {
			t.Errorf("%s: the page's top rows are %s, the library's %s", m.name, top, wantTop)
		}
		for _, r := range strings.Split(top, ", ") {
			row, _ := strconv.Atoi(r)
			if ink := slices.Max(x32[(row-1)*mnist.Cols : row*mnist.Cols]); m.attr == "grad" && ink == 0 {
				t.Errorf("%s: row %d leads but holds no ink", m.name, row)
			}
		}
	}

	// The gates at the shown step, every layer, against the library's trace.
	step, err := strconv.Atoi(attrOf(t, b, "gates-view", "step"))
	must(t, "the gates' step", err)
	layers := strings.Split(attrOf(t, b, "gates-view", "gates"), ";")
	if len(layers) != len(tr.Gates) {
		t.Fatalf("the page shows the gates of %d layers, want %d", len(layers), len(tr.Gates))
	}
	for k, l := range layers {
		checkClose(t, "layer "+strconv.Itoa(k+1)+"'s gates at step "+strconv.Itoa(step+1), parseFloats(t, "gates", l), f64(tr.Gates[k][step]), 1e-5)
	}
	checkCanvases(t, b, []string{"gate-i-0", "gate-f-0", "gate-g-0", "gate-o-0", "gate-i-1", "gate-f-1", "gate-g-1", "gate-o-1", "gate-summary-0", "gate-summary-1", "attr-map"})

	// The cell's step: the picked cell, its values the library's, and its
	// arithmetic consistent.
	if cell := attrOf(t, b, "cell-step", "cell"); cell != "1,19,64" {
		t.Errorf("the picked cell is %q, want layer index 1, step index 19, unit 64", cell)
	}
	v := parseFloats(t, "the cell's values", attrOf(t, b, "cell-step", "values"))
	z := parseFloats(t, "the cell's z", attrOf(t, b, "cell-step", "z"))
	if len(v) != 7 || len(z) != 4 {
		t.Fatalf("the cell step shows %d values and %d z, want 7 and 4", len(v), len(z))
	}
	H := model.Config().HiddenSize
	i, f, g, o, cPrev, c, h := v[0], v[1], v[2], v[3], v[4], v[5], v[6]
	sig := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	checkClose(t, "the cell's gates from its z", []float64{i, f, g, o}, []float64{sig(z[0]), sig(z[1]), math.Tanh(z[2]), sig(z[3])}, 1e-5)
	checkClose(t, "the cell's c_t and h_t from the shown values", []float64{c, h}, []float64{f*cPrev + i*g, o * math.Tanh(c)}, 1e-5)
	checkClose(t, "the cell's values against the library's trace", v, []float64{
		float64(tr.Gates[1][19][64]), float64(tr.Gates[1][19][H+64]), float64(tr.Gates[1][19][2*H+64]), float64(tr.Gates[1][19][3*H+64]),
		float64(tr.C[1][18][64]), float64(tr.C[1][19][64]), float64(tr.H[1][19][64]),
	}, 1e-5)
	// Once more with the gates shown: the time of a drawing's trace and gates.
	must(t, "clear", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="clear-button"]`))))
	must(t, "example", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="example-button"]`))))
	_, err = waitFor(ctx, `document.querySelector('[data-testid="row-attribution"]').dataset.occlusion ? "ok" : ""`)
	must(t, "the attribution of the Example again", err)
	for _, id := range []string{"gates-ms", "cell-ms"} {
		ms, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="`+id+`"]`)))
		must(t, id, err)
		t.Logf("%s: %s", id, ms)
	}
	t.Logf("the attribution of the Example again: %s ms for gradient × input, %s ms for occlusion",
		attrOf(t, b, "row-attribution", "grad-ms"), attrOf(t, b, "row-attribution", "occlusion-ms"))
	b.shotOf("inside-views", ".inside")
	b.shotOf("row-attribution", ".result")

	must(t, "language", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="language-button"]`))))
	if _, err := waitFor(ctx, `/第 2 层/.test(document.querySelector('[data-testid="cell-step"]').textContent) ? "ok" : ""`); err != nil {
		t.Errorf("the cell's step is not in Chinese after the switch: %v", err)
	}
	b.shotOf("inside-views-chinese", ".inside")
}

// attrOf reads the data attribute name of the element of a test id.
func attrOf(t *testing.T, b *browser, testid, name string) string {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`document.querySelector('[data-testid="`+testid+`"]').dataset[`+strconv.Quote(camel(name))+`] || ""`))
	must(t, testid+" "+name, err)
	return v
}

// camel is a data attribute's name as dataset spells it.
func camel(name string) string {
	parts := strings.Split(name, "-")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

// parseFloats reads comma-separated numbers.
func parseFloats(t *testing.T, what, s string) []float64 {
	t.Helper()
	var vs []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatalf("%s: %q is not a list of numbers: %v", what, s, err)
		}
		vs = append(vs, v)
	}
	return vs
}

func f64(vs []float32) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = float64(v)
	}
	return out
}

// checkClose fails unless got and want have the same length and differ
// by at most tol·max(1, max|want|) (the page's SIMD128 kernels round
// differently from the native ones), and logs the largest difference.
func checkClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return
	}
	scale, worst := 1.0, 0.0
	for i := range want {
		scale = math.Max(scale, math.Abs(want[i]))
		worst = math.Max(worst, math.Abs(got[i]-want[i]))
	}
	if worst > tol*scale || math.IsNaN(worst) {
		t.Errorf("%s: largest difference %.3g, over %.3g", what, worst, tol*scale)
		return
	}
	t.Logf("%s: largest difference %.3g", what, worst)
}

// checkCanvases fails for each canvas of ids that is missing, not wholly
// painted or one flat colour.
func checkCanvases(t *testing.T, b *browser, ids []string) {
	t.Helper()
	stats := canvasStats(b.ctx, t, "the inside views", ids)
	for _, s := range stats {
		switch {
		case s.W*s.H == 0:
			t.Errorf("no canvas %s", s.ID)
		case s.Opaque != s.W*s.H:
			t.Errorf("%s: %d of %d pixels painted", s.ID, s.Opaque, s.W*s.H)
		case s.Tint < 3:
			t.Errorf("%s is nearly blank: %d colours", s.ID, s.Tint)
		}
	}
}
