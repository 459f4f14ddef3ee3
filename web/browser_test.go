//go:build !js

package web

import (
	"context"
	"errors"
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

	"github.com/lstm-digits/lstm-digits/mnist"
)

// TestBrowser runs the app in headless Chromium: it draws a 1 with pointer
// events, then replays three MNIST test digits, and checks the predictions,
// the probabilities, the timing, Clear, the Example button and the language
// switch, failing on any console error. It skips without
// Chromium or without the built wasm, unless WEB_REQUIRE_BROWSER is set
// (make test sets it). WEB_SCREENSHOT=file.png saves the page once drawn;
// on failure the test saves a screenshot and logs where.
func TestBrowser(t *testing.T) {
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: site, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/"

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
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
	defer cancel()
	ctx, cancel = chromedp.NewContext(ctx)
	defer cancel()

	var (
		mu       sync.Mutex
		problems []string
	)
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == "error" || m.IsException() {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	defer func() {
		if !t.Failed() {
			return
		}
		shot, err := chromedp.Run(context.WithoutCancel(ctx), chromedp.FullScreenshot(100))
		if err != nil {
			t.Logf("no screenshot: %v", err)
			return
		}
		path := filepath.Join(os.TempDir(), "lstm-digits-browser-failure.png")
		if err := os.WriteFile(path, shot, 0o644); err == nil {
			t.Logf("screenshot of the failure: %s", path)
		}
	}()

	start := time.Now()
	must(t, "load", chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitNotPresent(chromedp.CSS("#app-wasm-loader")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="model-info"]`)),
	))
	t.Logf("wasm and model loaded in %v", time.Since(start).Round(time.Millisecond))

	// A 1: one stroke from top to bottom, slightly slanted, as a mouse.
	rect, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ X, Y, W, H float64 }](
		`(() => { const r = document.querySelector('[data-testid="digit-canvas"]').getBoundingClientRect();
		return {X: r.left, Y: r.top, W: r.width, H: r.height}; })()`))
	must(t, "canvas", err)
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
	if path := os.Getenv("WEB_SCREENSHOT"); path != "" {
		// Point at step 14 of layer 1's hidden state: the row lights up.
		must(t, "hover", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
			`(() => { const c = document.getElementById("h-map-0"), r = c.getBoundingClientRect();
			c.dispatchEvent(new PointerEvent("pointermove", {clientX: r.left + r.width / 2, clientY: r.top + r.height * 13.5 / 28, bubbles: true})); })()`)))
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		must(t, "screenshot", err)
		must(t, "screenshot", os.WriteFile(path, shot, 0o644))
	}

	must(t, "clear", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="clear-button"]`))))
	_, err = waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent === "" ? "empty" : ""`)
	must(t, "cleared", err)

	// Real MNIST digits, replayed as strokes along each row's runs of ink.
	data, err := mnist.LoadDefault(ctx)
	if err != nil {
		t.Logf("no MNIST replay: %v", err)
	} else {
		for i := range 3 {
			label := strconv.Itoa(int(data.Test.Labels[i]))
			must(t, "replay", chromedp.Do(ctx, replay(rect.X, rect.Y, rect.W/mnist.Cols, data.Test.Image(i))...))
			// Each stroke's pen-up predicts: wait for the last answer.
			if _, err := waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent === `+
				strconv.Quote(label)+` ? "ok" : ""`); err != nil {
				got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="prediction"]`)))
				t.Errorf("MNIST test image %d, a %s, replayed, reads as %q", i, label, got)
			}
			must(t, "clear", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="clear-button"]`))))
			_, err = waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent === "" ? "empty" : ""`)
			must(t, "cleared", err)
		}
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

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("console: %s", p)
	}
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

// waitFor evaluates the JavaScript expression, a string, every 20 ms until
// it is not empty, for at most 10 s, and returns it. (chromedp.Poll timed
// out here although its predicate held.)
func waitFor(ctx context.Context, expression string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expression))
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
