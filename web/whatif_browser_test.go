//go:build !js

package web

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/lstm-digits/lstm-digits/assets"
	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// rowFlip is the what-if example, found by the library with the bundled
// model: the first test image of the shipped subset that the model reads
// surely (over 0.8) as one digit, and as another one, as surely, once a
// single row is erased. It also returns the model's mistakes on the test
// images, counted by lstm.Evaluate.
func rowFlip(t *testing.T) (image, row, before, after, mistakes int) {
	t.Helper()
	c, _, err := lstm.Decode(cpu.New(), assets.Model)
	must(t, "the bundled model", err)
	sub, err := digit.DecodeSubset(assets.MNISTSubset)
	must(t, "the subset", err)
	b, err := mnist.NewBatches(sub.Test, 100, 0)
	must(t, "batches", err)
	ev, err := c.Evaluate(context.Background(), b)
	must(t, "evaluate", err)
	mistakes = ev.Samples
	for d, row := range ev.Confusion {
		mistakes -= row[d]
	}
	x := make([]float32, mnist.Rows*mnist.Pixels)
	for i := range sub.Test.Len() {
		for r := range mnist.Rows { // the image with row r erased, for each r
			must(t, "fill", sub.Test.Fill(x[r*mnist.Pixels:], make([]int, 1), []int{i}))
			clear(x[r*mnist.Pixels+r*mnist.Cols : r*mnist.Pixels+(r+1)*mnist.Cols])
		}
		whole := make([]float32, mnist.Pixels)
		must(t, "fill", sub.Test.Fill(whole, make([]int, 1), []int{i}))
		lw, err := c.Logits(lstm.Tensor{Shape: []int{1, mnist.Rows, mnist.Cols}, Data: whole})
		must(t, "logits", err)
		pw := lstm.Softmax(lw.Data)
		if before = lstm.Argmax(pw); pw[before] < 0.8 {
			continue
		}
		l, err := c.Logits(lstm.Tensor{Shape: []int{mnist.Rows, mnist.Rows, mnist.Cols}, Data: x})
		must(t, "logits", err)
		for r := range mnist.Rows {
			p := lstm.Softmax(l.Data[r*mnist.Classes : (r+1)*mnist.Classes])
			if after = lstm.Argmax(p); after != before && p[after] > 0.8 {
				return i, r, before, after, mistakes
			}
		}
	}
	t.Fatal("no test image whose answer an erased row flips")
	return
}

// TestBrowserWhatIf checks the what-if view, the gallery of mistakes and
// the shareable link in headless Chromium: the gallery counts the bundled
// model's mistakes on the shipped test images as lstm.Evaluate does, a
// click loads one into the drawing view, and an upload finds them again
// with no long task on the page's thread; erasing the row that rowFlip
// found flips the answer and restoring it flips it back, a drawing pinned
// keeps its answer and states; a link restores the training panel's
// settings and the language, and a bad one opens with the defaults and a
// message.
func TestBrowserWhatIf(t *testing.T) {
	image, row, before, after, mistakes := rowFlip(t)
	t.Logf("the bundled model makes %d mistakes on the shipped test images; erasing row %d of test image %d turns a %d into a %d", mistakes, row, image, before, after)
	b := openApp(t, 3*time.Minute, "what-if")
	ctx := b.ctx
	text := func(testid string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const e = document.querySelector('[data-testid="`+testid+`"]'); return e ? e.textContent : "<none>"; })()`))
		must(t, testid, err)
		return v
	}
	waitText := func(testid, want string) {
		t.Helper()
		_, err := waitWithin(ctx, 30*time.Second, `(() => { const e = document.querySelector('[data-testid="`+testid+`"]'); return e && e.textContent === `+strconv.Quote(want)+` ? "ok" : ""; })()`)
		if err != nil {
			t.Fatalf("%s: %q, want %q (%v)", testid, text(testid), want, err)
		}
	}
	countWithin := func(limit time.Duration) string {
		t.Helper()
		n, err := waitWithin(ctx, limit, `document.querySelector('[data-testid="mistakes-count"]').textContent`)
		must(t, "the gallery's count", err)
		return n
	}

	// The gallery: the library's count, and a click loads a mistake.
	if n := countWithin(time.Minute); n != strconv.Itoa(mistakes) {
		t.Errorf("the gallery counts %s mistakes; the library %d", n, mistakes)
	}
	t.Logf("gallery: %s", text("mistakes-gallery"))
	read, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="mistake-0"]').dataset.read`))
	must(t, "the first mistake", err)
	click(ctx, t, "mistake-0")
	waitText("prediction", read)
	b.shotOf("gallery", `[data-testid="mistakes-gallery"]`)

	// An upload (the bundled model again) finds them again, the page free.
	model, err := filepath.Abs(filepath.Join("..", "assets", "model.safetensors"))
	must(t, "the bundled model's file", err)
	stopTrace := traceTasks(ctx, t)
	must(t, "upload", chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="model-upload"]`), []string{model})))
	_, err = waitWithin(ctx, 30*time.Second, `document.querySelector('[data-testid="mistakes-count"]').textContent === "" ? "busy" : ""`)
	must(t, "the gallery starts again", err)
	if n := countWithin(time.Minute); n != strconv.Itoa(mistakes) {
		t.Errorf("after an upload the gallery counts %s mistakes; the library %d", n, mistakes)
	}
	checkGalleryTasks(t, stopTrace(), "while the gallery searched")
	t.Logf("gallery after the upload: %s", text("mistakes-gallery"))

	// What-if: the example through a link, one row erased and restored.
	must(t, "open the example", chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s?image=%d", b.url, image))))
	waitText("prediction", strconv.Itoa(before))
	click(ctx, t, "pin-button")
	toggle := "row-toggle-" + strconv.Itoa(row)
	// The click, timed until the answer on the page changes: one
	// prediction, its trace, the views painted and the page redrawn.
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	ms, err := chromedp.Run(tctx, chromedp.Evaluate[float64](`new Promise(resolve => {
		const p = document.querySelector('[data-testid="prediction"]'), t0 = performance.now();
		const obs = new MutationObserver(() => {
			if (p.textContent === "`+strconv.Itoa(after)+`") { obs.disconnect(); resolve(performance.now() - t0); }
		});
		obs.observe(p, {childList: true, subtree: true, characterData: true});
		document.querySelector('[data-testid="`+toggle+`"]').click();
	})`, chromedp.EvalAwaitPromise))
	cancel()
	must(t, "erase row "+strconv.Itoa(row), err)
	t.Logf("erasing row %d: the answer changed %.1f ms after the click", row, ms)
	waitText("prediction", strconv.Itoa(after))
	if p, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="`+toggle+`"]').getAttribute("aria-pressed")`)); p != "true" {
		t.Errorf("%s: aria-pressed %q after erasing", toggle, p)
	}
	if !strings.HasPrefix(text("pinned-answer"), strconv.Itoa(before)+" ") && !strings.Contains(text("pinned-answer"), " "+strconv.Itoa(before)+" ") {
		t.Errorf("the pinned drawing's answer %q, want %d", text("pinned-answer"), before)
	}
	checkCompare(ctx, t)
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const a = document.querySelector('[data-testid="share-link"]'); a.focus(); return a.href; })()`))
	must(t, "share-link", err)
	if u, err := url.Parse(href); err != nil || u.Query().Get("image") != strconv.Itoa(image) || u.Query().Get("erase") != strconv.Itoa(row) {
		t.Errorf("share-link %q: want image=%d and erase=%d", href, image, row)
	}
	b.shotOf("what-if", `.result`)
	click(ctx, t, toggle)
	waitText("prediction", strconv.Itoa(before))

	// The link shared: its settings, language and erased row come back.
	must(t, "open the shared link", chromedp.Do(ctx, chromedp.Navigate(href)))
	waitText("prediction", strconv.Itoa(after))
	shared := `?from=scratch&hidden=64&layers=1&lr=0.003&batch=32&epochs=7&train_images=3000&test_images=500&workers=2&own_repeats=5&seed=11&lang=zh-CN`
	must(t, "open a link", chromedp.Do(ctx, chromedp.Navigate(b.url+shared)))
	want := map[string]string{"train-hidden": "64", "train-layers": "1", "train-lr": "0.003", "train-batch": "32", "train-epochs": "7",
		"train-train_images": "3000", "train-test_images": "500", "train-workers": "2", "train-own_repeats": "5", "train-from": "scratch"}
	checkFields(ctx, t, "the shared link", want)
	if lang, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "zh-CN" {
		t.Errorf("the shared link in Chinese opens in %q", lang)
	}
	if m := text("link-message"); m != "<none>" {
		t.Errorf("a good link gives the message %q", m)
	}
	countWithin(time.Minute)
	b.screenshot("chinese")

	// A bad link: the defaults, and a message in one line.
	must(t, "open a bad link", chromedp.Do(ctx, chromedp.Navigate(b.url+"?hidden=64&epochs=0")))
	_, err = waitFor(ctx, `document.querySelector('[data-testid="link-message"]') ? "ok" : ""`)
	must(t, "the bad link's message", err)
	if m := text("link-message"); !strings.Contains(m, "epochs must be between") || strings.Contains(m, "\n") {
		t.Errorf("the bad link's message %q", m)
	}
	d := digit.Defaults()
	checkFields(ctx, t, "the bad link", map[string]string{"train-hidden": strconv.Itoa(d.Hidden), "train-epochs": strconv.Itoa(d.Epochs), "train-from": "scratch"})
}

// checkFields checks the training panel's fields, by test id.
func checkFields(ctx context.Context, t *testing.T, what string, want map[string]string) {
	t.Helper()
	interactive(ctx, t, what)
	for id, v := range want {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="`+id+`"]').value`))
		must(t, id, err)
		if got != v {
			t.Errorf("%s: %s = %q, want %q", what, id, got, v)
		}
	}
}

// checkCompare checks that both sides of the comparison are painted and
// differ.
func checkCompare(ctx context.Context, t *testing.T) {
	t.Helper()
	sides, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`["now-h-0", "pinned-h-0"].map(id => {
		const c = document.getElementById(id), d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		const tints = new Set();
		for (let i = 0; i < d.length; i += 4) tints.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
		return tints.size + ":" + c.toDataURL();
	})`))
	must(t, "the comparison", err)
	for i, s := range sides {
		if n, _ := strconv.Atoi(strings.SplitN(s, ":", 2)[0]); n < 40 {
			t.Errorf("side %d of the comparison is nearly blank: %d colours", i, n)
		}
	}
	if len(sides) == 2 && sides[0] == sides[1] {
		t.Error("the pinned drawing's states are the current one's, with a row erased")
	}
}

// checkGalleryTasks is checkTasks for a trace without training workers:
// no task of the page's thread did over longTask ms of work or froze it.
func checkGalleryTasks(t *testing.T, tr *pageTrace, what string) {
	t.Helper()
	if len(tr.tasks) < 20 {
		t.Fatalf("the trace %s has %d tasks: not the page's thread", what, len(tr.tasks))
	}
	for i, task := range tr.longest(3) {
		t.Logf("longest task %d of %d %s: %s", i+1, len(tr.tasks), what, tr.explain(task))
	}
	for _, task := range tr.tasks {
		if wall, work := task.dur/1000, task.cpu/1000; work > longTask || wall > freeze {
			t.Errorf("a task on the page's thread %s: %.1f ms, %.1f of work", what, wall, work)
		}
	}
}

// TestBrowserPhone checks the page on a phone's screen (390×844, touch):
// a digit drawn with a finger (touch events) and one with a pen (pen
// pointer events) are read, and the compact answer under the canvas is in
// view, with the answer, while the canvas is.
func TestBrowserPhone(t *testing.T) {
	b := openBrowser(t, 2*time.Minute)
	t.Cleanup(b.checkConsole)
	ctx := b.ctx
	_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 390, Height: 844, DeviceScaleFactor: 2, Mobile: true})
	must(t, "phone screen", err)
	_, err = chromedp.Call(ctx, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true, MaxTouchPoints: 5})
	must(t, "touch", err)
	must(t, "load", chromedp.Do(ctx, chromedp.Navigate(b.url)))
	interactive(ctx, t, "phone")
	_, err = waitWithin(ctx, 30*time.Second, `document.querySelector('[data-testid="model-info"]') ? "ok" : ""`)
	must(t, "the model", err)

	type box struct{ X, Y, W, H float64 }
	canvas := func() box {
		t.Helper()
		r, err := chromedp.Run(ctx, chromedp.Evaluate[box](`(() => { const c = document.querySelector('[data-testid="digit-canvas"]');
			c.scrollIntoView({block: "start"}); const r = c.getBoundingClientRect(); return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`))
		must(t, "canvas", err)
		return r
	}
	// A 1, top to bottom, at fraction f of the stroke.
	at := func(r box, f float64) (float64, float64) { return r.X + r.W*(0.55-0.08*f), r.Y + r.H*(0.18+0.64*f) }
	const n = 20
	checkAnswer := func(what string) {
		t.Helper()
		d, err := waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent`)
		must(t, what+": prediction", err)
		bar, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
			Top, Bottom float64
			Text        string
		}](`(() => { const r = document.querySelector('[data-testid="answer-bar"]').getBoundingClientRect();
			return {Top: r.top, Bottom: r.bottom, Text: document.querySelector('[data-testid="answer-bar"]').textContent}; })()`))
		must(t, what+": answer bar", err)
		t.Logf("%s reads as %s; the answer bar %q at %.0f–%.0f px of 844", what, d, bar.Text, bar.Top, bar.Bottom)
		if bar.Top < 0 || bar.Bottom > 844 || bar.Bottom-bar.Top < 10 {
			t.Errorf("%s: the answer bar is at %.0f–%.0f px, out of the 844 px in view", what, bar.Top, bar.Bottom)
		}
		if !strings.Contains(bar.Text, " "+d+" ") {
			t.Errorf("%s: the answer bar says %q, the prediction %s", what, bar.Text, d)
		}
		if d != "1" {
			t.Errorf("%s: a drawn 1 reads as %s", what, d)
		}
	}

	// A finger.
	r := canvas()
	for i := 0; i <= n; i++ {
		x, y := at(r, float64(i)/n)
		typ := input.DispatchTouchEventTypeTouchMove
		if i == 0 {
			typ = input.DispatchTouchEventTypeTouchStart
		}
		_, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{{X: x, Y: y}}})
		must(t, "touch", err)
	}
	_, err = chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchEnd, TouchPoints: []*input.TouchPoint{}})
	must(t, "touch end", err)
	checkAnswer("a finger's 1")
	b.screenshot("phone")

	// A pen.
	click(ctx, t, "clear-button")
	_, err = waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent === "" ? "empty" : ""`)
	must(t, "cleared", err)
	r = canvas()
	for i := 0; i <= n; i++ {
		x, y := at(r, float64(i)/n)
		typ := input.DispatchMouseEventTypeMouseMoved
		if i == 0 {
			typ = input.DispatchMouseEventTypeMousePressed
		}
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1, PointerType: input.DispatchMouseEventPointerTypePen, Force: 0.5})
		must(t, "pen", err)
	}
	x, y := at(r, 1)
	_, err = chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseReleased, X: x, Y: y, Button: input.MouseButtonLeft, ClickCount: 1, PointerType: input.DispatchMouseEventPointerTypePen})
	must(t, "pen up", err)
	checkAnswer("a pen's 1")
}
