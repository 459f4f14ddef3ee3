//go:build !js

package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// memorySlack is how much the memory may grow after the first epoch and
// still count as flat: one of the Go runtime's heap arenas in
// WebAssembly (4 MiB), which a heap that stays the same size may still
// take once, as the collector's pacing varies.
const memorySlack = 4 << 20

// TestBrowserMemory trains for 20 epochs (small ones) and checks that the
// memory stops growing after the first epoch: the leader worker's and the
// page's Go memory (runtime.MemStats.Sys, their WebAssembly memory, which
// the panel reports after each epoch) and the page's JavaScript heap with
// its array buffers, after a garbage collection, after epoch 1 and at the
// end.
func TestBrowserMemory(t *testing.T) {
	ctx := openApp(t, 3*time.Minute, "cold").ctx
	setFields(ctx, t, map[string]string{"train-from": "scratch", "train-epochs": "20", "train-train_images": "300", "train-test_images": "100", "train-batch": "100"})
	click(ctx, t, "train-start")
	_, err := waitWithin(ctx, time.Minute, `(e => e && e.textContent.split(",").length >= 1 ? "ok" : "")(document.querySelector('[data-testid="train-memory-epochs"]'))`)
	must(t, "the first epoch", err)
	early := jsHeap(ctx, t)
	t.Logf("run: %s", waitDone(ctx, t))
	late := jsHeap(ctx, t)
	text, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`[data-testid="train-memory-epochs"]`)))
	must(t, "memory per epoch", err)
	var worker, page []uint64
	for _, e := range strings.Split(text, ",") {
		w, p, _ := strings.Cut(e, ":")
		wn, err1 := strconv.ParseUint(w, 10, 64)
		pn, err2 := strconv.ParseUint(p, 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("memory per epoch %q", text)
		}
		worker, page = append(worker, wn), append(page, pn)
	}
	if len(worker) != 20 {
		t.Fatalf("memory of %d epochs, want 20: %q", len(worker), text)
	}
	mib := func(v uint64) float64 { return float64(v) / (1 << 20) }
	var each []string
	for i := range worker {
		each = append(each, fmt.Sprintf("%.0f/%.0f", mib(worker[i]), mib(page[i])))
	}
	t.Logf("worker/page MiB after each epoch: %s", strings.Join(each, " "))
	t.Logf("worker's memory: %.1f MiB after epoch 1, %.1f after 2, %.1f after 20; page's: %.1f, %.1f, %.1f",
		mib(worker[0]), mib(worker[1]), mib(worker[19]), mib(page[0]), mib(page[1]), mib(page[19]))
	t.Logf("page's JavaScript heap and buffers after a collection: %.1f MiB after epoch 1, %.1f at the end", early/(1<<20), late/(1<<20))
	for _, m := range []struct {
		what       string
		first, end uint64
	}{{"the worker's memory", worker[0], worker[19]}, {"the page's Go memory", page[0], page[19]}, {"the page's JavaScript heap", uint64(early), uint64(late)}} {
		if m.end > m.first+memorySlack {
			t.Errorf("%s grew from %.1f MiB after epoch 1 to %.1f after 20", m.what, mib(m.first), mib(m.end))
		}
	}
}

// jsHeap is the page's JavaScript heap in use with its array buffers'
// storage, in bytes, after a garbage collection.
func jsHeap(ctx context.Context, t *testing.T) float64 {
	t.Helper()
	_, err := chromedp.Call(ctx, heapprofiler.CollectGarbage, cdp.Empty{})
	must(t, "collect garbage", err)
	u, err := chromedp.Call(ctx, cdpruntime.GetHeapUsage, cdp.Empty{})
	must(t, "heap usage", err)
	return u.UsedSize + u.BackingStorageSize
}
