//go:build !js

package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// TestBrowser runs the app in headless Chromium, cold (a fresh profile):
// it measures the time to interactive, draws a 1 with pointer events and
// replays MNIST test digits, and checks the predictions, the
// probabilities, the timing, the heat maps of "Inside the LSTM" (read back
// pixel by pixel), and Clear. Then it waits for go-app's service worker to
// cache everything the page fetched, stops the server, reloads, and checks
// that the page loads and predicts offline: more digits, the Example
// button and the language switch. It fails on any console error, and
// saves screenshots on every run into $WEB_ARTIFACTS (default: a
// temporary folder; the test logs where). It skips without Chromium or
// without the built wasm, unless WEB_REQUIRE_BROWSER is set (make test
// sets it).
func TestBrowser(t *testing.T) {
	b := openBrowser(t, 60*time.Second)
	ctx, url, srv, screenshot := b.ctx, b.url, b.srv, b.screenshot
	defer b.checkConsole()

	// Cold: a fresh profile, nothing cached.
	start := time.Now()
	must(t, "load", chromedp.Do(ctx, chromedp.Navigate(url)))
	tti := interactive(ctx, t, "cold")
	t.Logf("loaded in %v (as the test saw it)", time.Since(start).Round(time.Millisecond))
	if !tti.Cold {
		t.Errorf("the first visit came from a cache: %+v", tti)
	}
	screenshot("loaded")

	rect, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y, W, H float64 }](
		`(() => { const r = document.querySelector('[data-testid="digit-canvas"]').getBoundingClientRect();
		return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`))
	must(t, "canvas", err)
	clear := func() {
		t.Helper()
		must(t, "clear", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="clear-button"]`))))
		_, err := waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent === "" ? "empty" : ""`)
		must(t, "cleared", err)
	}

	// A 1: one stroke from top to bottom, slightly slanted, as a mouse.
	var stroke []chromedp.Action[chromedp.Void]
	const n = 24
	for i := 0; i <= n; i++ {
		f := float64(i) / n
		x, y := rect.X+rect.W*(0.55-0.08*f), rect.Y+rect.H*(0.18+0.64*f)
		typ := chromedp.MouseMoved
		switch i {
		case 0:
			typ = chromedp.MousePressed
		case n:
			stroke = append(stroke, chromedp.MouseEvent(chromedp.MouseMoved, x, y, chromedp.ButtonLeft))
			typ = chromedp.MouseReleased
		}
		stroke = append(stroke, chromedp.MouseEvent(typ, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)), chromedp.Sleep(5*time.Millisecond))
	}
	must(t, "draw", chromedp.Do(ctx, stroke...))
	digit, err := waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent`)
	must(t, "prediction", err)
	if d, err := strconv.Atoi(digit); err != nil || d < 0 || d > 9 {
		t.Fatalf("prediction %q: not a digit", digit)
	}
	t.Logf("a drawn 1 reads as %s", digit)
	if digit != "1" {
		t.Errorf("a drawn 1 reads as %s", digit)
	}
	probs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...Array(10).keys()].map(d => document.querySelector('[data-testid="prob-' + d + '"]').textContent)`))
	must(t, "probabilities", err)
	sum := 0.0
	for d, s := range probs {
		p, err := strconv.ParseFloat(s, 64)
		if err != nil || p < 0 || p > 1 {
			t.Errorf("prob-%d = %q: not a probability", d, s)
		}
		sum += p
	}
	if sum < 0.99 || sum > 1.01 {
		t.Errorf("probabilities %v sum to %g", probs, sum)
	}
	ms, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="inference-ms"]`)))
	must(t, "inference-ms", err)
	if v, err := strconv.ParseFloat(strings.TrimSpace(ms), 64); err != nil || v <= 0 {
		t.Errorf("inference-ms %q: not a positive number", ms)
	}
	t.Logf("one prediction in Chromium: %s ms", ms)
	if k, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`[data-testid="kernels"]`))); err != nil || !strings.HasPrefix(k, "wasmsimd") {
		t.Errorf("the page computes with the kernels %q (%v), want the SIMD128 ones", k, err)
	}
	checkMaps(ctx, t, "the drawn 1", true)

	// Point at step 14 of layer 1's hidden state: its row is marked.
	must(t, "hover", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
		`(() => { const c = document.getElementById("h-map-0"), r = c.getBoundingClientRect();
		c.dispatchEvent(new PointerEvent("pointermove", {clientX: r.left + r.width / 2, clientY: r.top + r.height * 13.5 / 28, bubbles: true})); })()`)))
	_, err = waitFor(ctx, `document.querySelectorAll(".inside .marker").length > 0 && /14/.test(document.querySelector(".inside .step").textContent) ? "ok" : ""`)
	must(t, "hover marks step 14", err)
	screenshot("one")

	clear()
	checkMaps(ctx, t, "after Clear", false)

	// Real MNIST digits, replayed as strokes along each row's runs of ink.
	data, err := mnist.LoadDefault(ctx)
	if err != nil {
		t.Logf("no MNIST replay: %v", err)
	}
	replayDigit := func(i int) {
		t.Helper()
		label := strconv.Itoa(int(data.Test.Labels[i]))
		must(t, "replay", chromedp.Do(ctx, replay(rect.X, rect.Y, rect.W/mnist.Cols, data.Test.Image(i))...))
		// Each stroke's pen-up predicts: wait for the last answer.
		if _, err := waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent === `+
			strconv.Quote(label)+` ? "ok" : ""`); err != nil {
			got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="prediction"]`)))
			t.Errorf("%s: MNIST test image %d, a %s, replayed, reads as %q", b.getPhase(), i, label, got)
		}
		checkMaps(ctx, t, "MNIST test image "+strconv.Itoa(i), true)
		screenshot(fmt.Sprintf("%s-mnist-%d-a-%s", b.getPhase(), i, label))
		clear()
	}
	if data != nil {
		for i := range 3 {
			replayDigit(i)
		}
	}

	// Offline: once go-app's service worker is active, its cache holds
	// every file the page fetched; stop the server and load again.
	_, err = waitFor(ctx, `navigator.serviceWorker.getRegistration().then(r => r && r.active && r.active.state === "activated" ? "ok" : "")`)
	must(t, "service worker", err)
	missing, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async () => {
		const paths = new Set(`+jsList(offlineNeeds)+`);
		for (const e of performance.getEntriesByType("resource")) {
			const u = new URL(e.name);
			if (u.origin === location.origin) paths.add(u.pathname);
		}
		const missing = [];
		for (const p of paths) if (!(await caches.match(p))) missing.push(p);
		return missing;
	})()`, chromedp.EvalAwaitPromise))
	must(t, "cache", err)
	if len(missing) > 0 {
		t.Fatalf("the service worker's cache lacks %v", missing)
	}
	srv.Close()
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Fatal("the server still answers")
	}
	b.setPhase("offline")
	must(t, "offline reload", chromedp.Do(ctx, chromedp.Reload()))
	warm := interactive(ctx, t, "offline")
	if warm.Cold {
		t.Errorf("offline, the page came from the network: %+v", warm)
	}
	controlled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`navigator.serviceWorker.controller !== null`))
	must(t, "controller", err)
	if !controlled {
		t.Error("offline, the service worker does not control the page")
	}
	screenshot("offline-loaded")
	if data != nil {
		for i := 3; i < 5; i++ {
			replayDigit(i)
		}
	} else {
		must(t, "draw offline", chromedp.Do(ctx, stroke...))
		if d, err := waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent`); err != nil || d != "1" {
			t.Errorf("offline, a drawn 1 reads as %q (%v)", d, err)
		}
		checkMaps(ctx, t, "offline", true)
		clear()
	}

	// The Example button (and the key E) draws a 7 for those without a pointer.
	must(t, "example", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="example-button"]`))))
	if seven, err := waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent`); err != nil || seven != "7" {
		t.Errorf("the example 7 reads as %q (%v)", seven, err)
	}

	before, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="clear-button"]`)))
	must(t, "language", err)
	must(t, "language", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="language-button"]`))))
	after, err := waitFor(ctx, `(t => t !== `+strconv.Quote(before)+` ? t : "")(document.querySelector('[data-testid="clear-button"]').textContent)`)
	must(t, "language", err)
	if before != "Clear" || after != "清除" {
		t.Errorf("language switch: Clear button %q, then %q", before, after)
	}
	screenshot("offline-example-chinese")
}

// browser is a headless Chromium on a fresh profile, and the site served
// to it on a local port.
type browser struct {
	t         *testing.T
	ctx       context.Context
	url       string
	srv       *http.Server
	artifacts string
	downloads string // where downloads land

	mu       sync.Mutex
	problems []string // console errors and exceptions
	phase    string   // what the test is at, for the messages
	shots    int
}

// openBrowser serves the site and starts Chromium for a test of at most
// timeout. It skips without Chromium or without the built wasm, unless
// WEB_REQUIRE_BROWSER is set (make test sets it). Screenshots go to
// $WEB_ARTIFACTS (default: a temporary folder; the test logs where), and
// one is taken when the test fails. Each of wrap, in order, wraps the
// site's handler.
func openBrowser(t *testing.T, timeout time.Duration, wrap ...func(http.Handler) http.Handler) *browser {
	if testing.Short() {
		t.Skip("a browser test")
	}
	skip := t.Skip
	if os.Getenv("WEB_REQUIRE_BROWSER") != "" {
		skip = t.Fatal
	}
	chromium := findChromium()
	if chromium == "" {
		skip("no Chromium (set CHROMIUM, or install Debian's chromium)")
	}
	site, err := NewSite("test")
	if err != nil {
		skip(err)
	}
	offerMNIST(t, site)
	b := &browser{t: t, artifacts: os.Getenv("WEB_ARTIFACTS"), downloads: t.TempDir(), phase: "online"}
	if b.artifacts == "" {
		b.artifacts = t.TempDir()
	}
	if err := os.MkdirAll(b.artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", b.artifacts)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = site
	for _, w := range wrap {
		h = w(h)
	}
	b.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)
	t.Cleanup(func() { b.srv.Close() })
	b.url = "http://" + ln.Addr().String() + "/"

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	ctx, cancel = chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.NoFirstRun,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// go-app renders on animation frames: keep them coming.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1100),
	)
	t.Cleanup(cancel)
	ctx, cancel = chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	b.ctx = ctx

	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == "error" || m.IsException() {
				b.mu.Lock()
				b.problems = append(b.problems, b.phase+": "+m.String()+" "+m.URL)
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			b.screenshot("failure")
			t.Logf("screenshot of the failure in %s", b.artifacts)
		}
	})
	return b
}

func (b *browser) setPhase(p string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.phase = p
}

func (b *browser) getPhase() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.phase
}

// screenshot saves the whole page as the next numbered PNG.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	b.save(name, chromedp.FullScreenshot(100))
}

// shotOf saves the element css selects as the next numbered PNG.
func (b *browser) shotOf(name, css string) {
	b.t.Helper()
	b.save(name, chromedp.Screenshot(chromedp.CSS(css)))
}

// save runs shoot and writes its PNG into the artifacts folder.
func (b *browser) save(name string, shoot chromedp.Action[[]byte]) {
	b.t.Helper()
	shot, err := chromedp.Run(context.WithoutCancel(b.ctx), shoot)
	if err != nil {
		b.t.Logf("no screenshot %s: %v", name, err)
		return
	}
	b.mu.Lock()
	b.shots++
	path := filepath.Join(b.artifacts, fmt.Sprintf("%s-%02d-%s.png", b.t.Name(), b.shots, name))
	b.mu.Unlock()
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		b.t.Errorf("screenshot: %v", err)
	}
}

// openApp opens the app in a new browser (openBrowser with wrap) and
// waits until it is interactive, what naming the visit in the log; the
// console is checked when the test ends.
func openApp(t *testing.T, timeout time.Duration, what string, wrap ...func(http.Handler) http.Handler) *browser {
	t.Helper()
	b := openBrowser(t, timeout, wrap...)
	t.Cleanup(b.checkConsole)
	must(t, "load", chromedp.Do(b.ctx, chromedp.Navigate(b.url)))
	interactive(b.ctx, t, what)
	return b
}

// checkConsole fails the test for every console error or exception seen.
func (b *browser) checkConsole() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("console: %s", p)
	}
}

// offlineNeeds are the paths the service worker must cache, besides those
// the page fetched.
var offlineNeeds = []string{
	"/", "/app.js", "/wasm_exec.js", "/app.css", "/manifest.webmanifest", "/web/app.wasm",
	ModelPath, "/web/app.css", "/web/icon.svg", "/web/icon-192.png", "/web/icon-512.png",
	"/web/store.js", "/web/linksimd.js", WorkerPath, "/web/worker.wasm", "/web/simd.wasm", "/web/simd.js", digit.SubsetPath,
}

func jsList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// timing is when, in ms from the navigation's start, the wasm loader went
// (go-app has mounted the page: the canvas takes strokes) and the model
// was ready (a stroke gets an answer), and whether the page came from the
// network (Cold) rather than the service worker or a cache.
type timing struct {
	LoaderGone, ModelReady, Installed float64
	Cold                              bool
}

// interactive waits, after a navigation, until the wasm loader is gone and
// the model is loaded, and logs the time to interactive. A mutation
// observer notes the times, so they do not depend on polling.
func interactive(ctx context.Context, t *testing.T, what string) timing {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	tm, err := chromedp.Run(ctx, chromedp.Evaluate[timing](`new Promise(resolve => {
		const r = {Installed: performance.now()};
		const nav = performance.getEntriesByType("navigation")[0];
		r.Cold = !!nav && nav.transferSize > 0 && nav.workerStart === 0;
		let obs;
		const check = () => {
			const now = performance.now();
			if (r.LoaderGone === undefined && !document.getElementById("app-wasm-loader")) r.LoaderGone = now;
			if (r.ModelReady === undefined && document.querySelector('[data-testid="model-info"]')) r.ModelReady = now;
			if (r.LoaderGone !== undefined && r.ModelReady !== undefined) {
				if (obs) obs.disconnect();
				resolve(r);
				return true;
			}
			return false;
		};
		if (!check()) {
			obs = new MutationObserver(check);
			obs.observe(document.documentElement, {childList: true, subtree: true, attributes: true, characterData: true});
		}
	})`, chromedp.EvalAwaitPromise))
	must(t, what+" load", err)
	t.Logf("time to interactive, %s: wasm loader gone at %.0f ms, model ready (a stroke gets an answer) at %.0f ms after navigation start",
		what, tm.LoaderGone, tm.ModelReady)
	if tm.LoaderGone <= tm.Installed {
		t.Logf("(%s: the loader was gone before the test looked, at %.0f ms: an upper bound)", what, tm.Installed)
	}
	return tm
}

// checkMaps reads back the pixels of the model's input and of the heat
// maps of "Inside the LSTM": after a prediction (painted) every map is
// opaque and many-coloured; without ink, each is one flat colour.
func checkMaps(ctx context.Context, t *testing.T, what string, painted bool) {
	t.Helper()
	stats := canvasStats(ctx, t, what, []string{"model-input", "probs-map", "h-map-0", "c-map-0", "h-map-1", "c-map-1"})
	for _, s := range stats {
		least := 40 // colours of a painted map: the states vary widely
		switch s.ID {
		case "model-input", "probs-map":
			least = 3
		}
		switch {
		case s.W*s.H == 0:
			t.Errorf("%s: no canvas %s", what, s.ID)
		case s.Opaque != s.W*s.H:
			t.Errorf("%s: %s: %d of %d pixels painted", what, s.ID, s.Opaque, s.W*s.H)
		case painted && s.Tint < least:
			t.Errorf("%s: %s is nearly blank: %d colours", what, s.ID, s.Tint)
		case !painted && s.Tint > 1 && (s.ID != "model-input" || s.Tint > 2): // the input may tint the marked step's row
			t.Errorf("%s: %s is not blank: %d colours", what, s.ID, s.Tint)
		}
	}
}

// canvasStat is what a canvas holds: its size, how many of its pixels are
// opaque and how many colours it has; W and H are 0 when it is missing.
type canvasStat struct {
	ID                 string
	W, H, Opaque, Tint int
}

// canvasStats reads back the pixels of the canvases of ids.
func canvasStats(ctx context.Context, t *testing.T, what string, ids []string) []canvasStat {
	t.Helper()
	stats, err := chromedp.Run(ctx, chromedp.Evaluate[[]canvasStat](jsList(ids)+`.map(id => {
		const c = document.getElementById(id);
		if (!c) return {ID: id};
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		const tints = new Set();
		let opaque = 0;
		for (let i = 0; i < d.length; i += 4) {
			if (d[i + 3] === 255) opaque++;
			tints.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
		}
		return {ID: id, W: c.width, H: c.height, Opaque: opaque, Tint: tints.size};
	})`))
	must(t, what+": canvases", err)
	return stats
}

// replay draws the 28×28 MNIST image img on a canvas whose corner is at
// (x, y) with pixels side/28 wide, as mouse strokes: one along each run of
// ink (pixels above half) in each row.
func replay(x, y, side float64, img []uint8) []chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	at := func(c, r int) (float64, float64) { return x + (float64(c)+0.5)*side, y + (float64(r)+0.5)*side }
	for r := range mnist.Rows {
		for c := 0; c < mnist.Cols; c++ {
			if img[r*mnist.Cols+c] < 128 {
				continue
			}
			start := c
			for c+1 < mnist.Cols && img[r*mnist.Cols+c+1] >= 128 {
				c++
			}
			x0, y0 := at(start, r)
			x1, y1 := at(c, r)
			steps = append(steps,
				chromedp.MouseEvent(chromedp.MousePressed, x0, y0, chromedp.ButtonLeft, chromedp.ClickCount(1)),
				chromedp.MouseEvent(chromedp.MouseMoved, x1, y1, chromedp.ButtonLeft),
				chromedp.MouseEvent(chromedp.MouseReleased, x1, y1, chromedp.ButtonLeft, chromedp.ClickCount(1)))
		}
	}
	return steps
}

// waitFor evaluates the JavaScript expression, a string or a promise of
// one, every 20 ms until it is not empty, for at most 10 s, and returns
// it. (chromedp.Poll timed out here although its predicate held.)
func waitFor(ctx context.Context, expression string) (string, error) {
	return waitWithin(ctx, 10*time.Second, expression)
}

// waitWithin is waitFor for at most limit.
func waitWithin(ctx context.Context, limit time.Duration, expression string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expression, chromedp.EvalAwaitPromise))
		if err != nil || v != "" {
			return v, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func must(t *testing.T, step string, err error) {
	t.Helper()
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: timed out", step)
		}
		t.Fatalf("%s: %v", step, err)
	}
}

// findChromium returns the browser to test with: $CHROMIUM, else the first
// of the usual names on the PATH, else "".
func findChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
