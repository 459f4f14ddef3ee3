//go:build !js

package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserNoSIMD opens the page in a browser that cannot compile the
// SIMD128 kernels (the site answers simd.wasm with a module no engine
// compiles, as one without SIMD128 fails on the real one): the page and
// its worker link the stand-ins, predict and train with the pure-Go
// kernels, and the page says so; no message of failure.
func TestBrowserNoSIMD(t *testing.T) {
	ctx := openApp(t, 2*time.Minute, "without SIMD128", func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/web/simd.wasm" {
				w.Header().Set("Content-Type", "application/wasm")
				w.Write([]byte("\x00asm\x01\x00\x00\x00\x7f")) // a section of an id that does not exist
				return
			}
			h.ServeHTTP(w, r)
		})
	}).ctx
	click(ctx, t, "example-button")
	digit, err := waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent`)
	must(t, "prediction", err)
	if _, err := strconv.Atoi(digit); err != nil {
		t.Errorf("the example reads as %q: not a digit", digit)
	}
	k, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`[data-testid="kernels"]`)))
	must(t, "kernels", err)
	if strings.HasPrefix(k, "wasmsimd") || k == "" {
		t.Errorf("without SIMD128 the page computes with the kernels %q, want the pure-Go ones", k)
	}
	note, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="no-simd"]`)))
	must(t, "the no-SIMD note", err)
	t.Logf("the example reads as %s with the kernels %q; the training panel says: %s", digit, k, note)

	setFields(ctx, t, map[string]string{"train-from": "scratch", "train-epochs": "1", "train-train_images": "300", "train-test_images": "100"})
	click(ctx, t, "train-start")
	done := waitDone(ctx, t)
	if !strings.Contains(done, "%") {
		t.Errorf("the run without SIMD128 ends with %q", done)
	}
	t.Logf("a run without SIMD128: %s", done)
}
