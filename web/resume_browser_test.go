//go:build !js

package web

import (
	"context"
	"encoding/base64"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/lstm"
)

// TestBrowserResume trains from scratch, reloads the page once the run's
// first checkpoint is in IndexedDB (which ends the workers mid-run), and
// resumes the run from the offer the page then makes; the resumed run
// ends with exactly the parameters of the same run never interrupted,
// trained next, and leaves no checkpoint behind.
func TestBrowserResume(t *testing.T) {
	ctx := openApp(t, 3*time.Minute, "cold").ctx
	settings := map[string]string{"train-from": "scratch", "train-epochs": "3", "train-train_images": "600", "train-test_images": "100", "train-batch": "50"}
	setFields(ctx, t, settings)
	click(ctx, t, "train-start")
	epoch, err := waitWithin(ctx, 2*time.Minute, `lstmStore.getCheckpointInfo().then(i => i ? String(i.epoch) : "")`)
	must(t, "the first checkpoint", err)
	must(t, "reload", chromedp.Do(ctx, chromedp.Reload()))
	interactive(ctx, t, "reloaded mid-run")
	offer, err := waitFor(ctx, `(e => e ? e.textContent : "")(document.querySelector('[data-testid="resume-offer"]'))`)
	must(t, "the offer to resume", err)
	t.Logf("reloaded with the checkpoint of epoch %s in IndexedDB; the page offers: %s", epoch, offer)
	if m := regexp.MustCompile(`epoch (\d) of 3`).FindStringSubmatch(offer); m == nil || m[1] < epoch {
		t.Errorf("the offer %q does not name epoch %s (or a later one) of 3", offer, epoch)
	}
	click(ctx, t, "train-resume-run")
	// It goes on from the checkpoint: its first step shown is past the
	// epochs done (12 steps each), where a run started over would show
	// its first steps.
	first, err := waitFor(ctx, `(e => e && e.value > 0 ? String(e.value) : "")(document.querySelector('[data-testid="train-progress"]'))`)
	must(t, "the resumed run's progress", err)
	if n, _ := strconv.Atoi(first); n <= 12*int(epoch[0]-'0') {
		t.Errorf("the resumed run's first progress shown is %s steps: it started over (want over %d)", first, 12*int(epoch[0]-'0'))
	}
	t.Logf("resumed at %s steps of 36: %s", first, waitDone(ctx, t))
	resumed := storedParams(ctx, t)
	if left, err := waitFor(ctx, `lstmStore.getCheckpointInfo().then(i => i ? "left" : "none")`); err != nil || left != "none" {
		t.Errorf("after the resumed run ended, IndexedDB holds a checkpoint: %q (%v)", left, err)
	}

	setFields(ctx, t, settings)
	click(ctx, t, "train-start")
	t.Logf("never interrupted: %s", waitDone(ctx, t))
	whole := storedParams(ctx, t)
	for _, p := range whole.List() {
		a, _ := whole.Get(p.Name)
		r, _ := resumed.Get(p.Name)
		if !slices.Equal(a, r) {
			t.Fatalf("parameter %s differs between the run never interrupted and the resumed one", p.Name)
		}
	}
	t.Logf("the resumed run's %d parameters equal the uninterrupted run's bit for bit", whole.Count())
}

// storedParams are the parameters of the model the page keeps in
// IndexedDB (the last run's, which its worker stored).
func storedParams(ctx context.Context, t *testing.T) *lstm.Params {
	t.Helper()
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`lstmStore.getModel().then(m => {
		let s = "";
		for (let i = 0; i < m.bytes.length; i += 8192) s += String.fromCharCode(...m.bytes.subarray(i, i + 8192));
		return btoa(s);
	})`, chromedp.EvalAwaitPromise))
	must(t, "the stored model", err)
	file, err := base64.StdEncoding.DecodeString(b64)
	must(t, "the stored model's bytes", err)
	c, _, err := lstm.Decode(cpu.New(), file)
	must(t, "decode the stored model", err)
	return c.Params()
}
