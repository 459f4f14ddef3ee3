//go:build !js

package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// publishedMNIST holds the four real MNIST files, read once for all the
// browser tests.
var publishedMNIST struct {
	once  sync.Once
	files [][]byte
	err   error
}

// offerMNIST has site offer all of MNIST, as digits serve does where it
// finds the files; without them the page's runs on all of MNIST fail with
// the page's message, which the test that asks for them reports.
func offerMNIST(t *testing.T, site *Site) {
	t.Helper()
	p := &publishedMNIST
	p.once.Do(func() {
		var dir string
		if dir, p.err = mnist.Locate(context.Background()); p.err == nil {
			p.files, p.err = mnist.ReadPublished(dir)
		}
	})
	if p.err != nil {
		t.Logf("the site offers no MNIST files: %v", p.err)
		return
	}
	if err := site.OfferMNIST(p.files); err != nil {
		t.Fatal(err)
	}
}

// mnistServer wraps the site: it counts the requests for the MNIST files,
// sends them slowly (so that the page's progress can be seen), or answers
// 404 for them, as if the server did not offer them.
type mnistServer struct {
	requests atomic.Int32
	absent   atomic.Bool
}

func (m *mnistServer) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, digit.MNISTDir) {
			h.ServeHTTP(w, r)
			return
		}
		m.requests.Add(1)
		if m.absent.Load() {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(slowWriter{w}, r)
	})
}

// slowWriter writes in chunks of 64 KiB, 5 ms apart: 11.6 MB in about a
// second.
type slowWriter struct{ http.ResponseWriter }

func (s slowWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		k := min(len(b), 64<<10)
		w, err := s.ResponseWriter.Write(b[:k])
		n += w
		if err != nil {
			return n, err
		}
		s.ResponseWriter.(http.Flusher).Flush()
		b = b[k:]
		time.Sleep(5 * time.Millisecond)
	}
	return n, nil
}

// TestBrowserAllMNIST trains on all of MNIST in the page: picking it sets
// all of its 60,000 and 10,000 images; the four files come with the
// progress shown, are checked in the worker and kept in the browser's
// cache, where the next run finds them with no request, though the server
// no longer offers them (as offline); without the cache, a server that
// does not offer them gives a message, and the model is kept. The run itself is
// small (a fine-tune on 1,000 of the 60,000 images) so that it fits CI, and
// the page's thread stays free while the worker loads and checks 55 MB.
func TestBrowserAllMNIST(t *testing.T) {
	var srv mnistServer
	b := openApp(t, 3*time.Minute, "cold", srv.wrap)
	ctx := b.ctx
	// The preset: the seed's run on all of MNIST, from scratch, on every core.
	click(ctx, t, "train-seed-mnist")
	cores, err := chromedp.Run(ctx, chromedp.Evaluate[int](`navigator.hardwareConcurrency`))
	must(t, "cores", err)
	fieldsAre := func(after string, want map[string]string) {
		t.Helper()
		for id, v := range want {
			if _, err := waitWithin(ctx, 5*time.Second, `document.querySelector('[data-testid="`+id+`"]').value === "`+v+`" ? "ok" : ""`); err != nil {
				t.Errorf("after %s, %s is not %s", after, id, v)
			}
		}
	}
	fieldsAre("the preset", map[string]string{"train-data": digit.DataMNIST, "train-from": "scratch", "train-train_images": "60000",
		"train-test_images": "10000", "train-epochs": "20", "train-batch": "100", "train-workers": strconv.Itoa(min(max(cores, 1), 4))})
	setFields(ctx, t, map[string]string{"train-data": digit.DataSubset})
	setFields(ctx, t, map[string]string{"train-data": digit.DataMNIST})
	fieldsAre("picking all of MNIST", map[string]string{"train-train_images": "60000", "train-test_images": "10000"})
	// A fine-tune of the bundled model: its accuracy on 3,000 of the test
	// images says the worker read them and their labels right.
	setFields(ctx, t, map[string]string{"train-from": "model", "train-epochs": "1", "train-train_images": "1000", "train-test_images": "3000"})
	stop := traceTasks(ctx, t)
	click(ctx, t, "train-start")
	// The download's progress, as the visitor sees it.
	var seen []string
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
			const p = document.querySelector('[data-testid="train-progress"]'), s = document.querySelector(".train .status-line");
			return p.value + "/" + p.max + " " + s.textContent;
		})()`))
		must(t, "progress", err)
		if strings.Contains(v, "MNIST") && (len(seen) == 0 || seen[len(seen)-1] != v) {
			if len(seen) == 1 {
				b.shotOf("all-mnist-loading", ".train")
			}
			seen = append(seen, v)
		}
		if strings.Contains(v, "Epoch") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("the download as shown: %s", strings.Join(seen, " | "))
	loading := 0
	for _, v := range seen {
		if strings.Contains(v, "Loading all of MNIST: ") && !strings.HasPrefix(v, "0/") {
			loading++
		}
	}
	if loading < 2 || !strings.Contains(strings.Join(seen, "|"), "of 11.6 MB") {
		t.Errorf("the download's progress was shown %d times, want it to move: %q", loading, seen)
	}
	t.Logf("run: %s", waitDone(ctx, t))
	checkTasks(t, stop(), "while loading all of MNIST and training on it")
	if mem, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`[data-testid="train-memory"]`))); err == nil {
		t.Logf("memory with all of MNIST loaded (worker · page): %s", mem)
	}
	if n := srv.requests.Load(); n != 4 {
		t.Errorf("%d requests for the MNIST files, want 4", n)
	}
	cached, err := chromedp.Run(ctx, chromedp.Evaluate[int](`caches.open("lstm-digits-mnist").then((c) => c.keys()).then((k) => k.length)`, chromedp.EvalAwaitPromise))
	must(t, "the cache", err)
	if cached != 4 {
		t.Errorf("%d MNIST files in the browser's cache, want 4", cached)
	}
	accuracy := func() float64 {
		v, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(`[data-testid="train-accuracy"]`)))
		must(t, "accuracy", err)
		return mustFloat(t, strings.TrimSpace(v))
	}
	if a := accuracy(); a < 0.97 {
		t.Errorf("test accuracy %.4f on 3,000 of all of MNIST's test images, fine-tuned from the bundled model: the images or labels are not read right", a)
	}

	// Again, with the server no longer offering them: from the cache, as
	// offline, with no request.
	srv.absent.Store(true)
	click(ctx, t, "train-start")
	t.Logf("second run, the server without the files: %s", waitDone(ctx, t))
	if n := srv.requests.Load(); n != 4 {
		t.Errorf("%d requests for the MNIST files after a second run, want 4: not from the cache", n)
	}

	// A server without them, and no cache: a message; the model is kept.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`caches.delete("lstm-digits-mnist")`, chromedp.EvalAwaitPromise))
	must(t, "empty the cache", err)
	stored := `lstmStore.getModel().then((m) => m.bytes.reduce((h, b) => (h * 31 + b) >>> 0, 0))`
	before, err := chromedp.Run(ctx, chromedp.Evaluate[int](stored, chromedp.EvalAwaitPromise))
	must(t, "the stored model", err)
	click(ctx, t, "train-start")
	msg, err := waitWithin(ctx, time.Minute, `(e => e ? e.textContent : "")(document.querySelector('[data-testid="train-error"]'))`)
	must(t, "the message of a server without MNIST", err)
	if !strings.Contains(msg, "this server does not offer all of MNIST") || strings.Contains(msg, "\n") {
		t.Errorf("message %q, want one line saying the server does not offer all of MNIST", msg)
	}
	if after, err := chromedp.Run(ctx, chromedp.Evaluate[int](stored, chromedp.EvalAwaitPromise)); err != nil || after != before {
		t.Errorf("the failed run changed the stored model (hash %d, then %d, %v)", before, after, err)
	}
}

// TestBrowserSeedOnMNIST is the seed's own run in the page, opt-in
// (WEB_FULL_MNIST=1; WEB_FULL_MNIST_EPOCHS sets the epochs, default the
// seed's 20, and WEB_FULL_MNIST_WORKERS the workers): the preset "the
// seed's settings on all of MNIST", from scratch, on every core (the
// preset's workers). It logs each epoch's test accuracy on the 10,000 test
// images and the time since the start, when an epoch first ended at
// 98.5 % or more, and every task over 50 ms on the page's thread (a
// PerformanceObserver, the whole run). It fails if no epoch reached
// 98.5 %; the time it took is the machine's, so it is only logged.
func TestBrowserSeedOnMNIST(t *testing.T) {
	if os.Getenv("WEB_FULL_MNIST") == "" {
		t.Skip("the seed's run on all of MNIST takes many minutes: set WEB_FULL_MNIST=1")
	}
	epochs := os.Getenv("WEB_FULL_MNIST_EPOCHS")
	if epochs == "" {
		epochs = "20"
	}
	ctx := openApp(t, 3*time.Hour, "cold").ctx
	must(t, "observe long tasks", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		window.longTasks = [];
		new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longTasks.push(Math.round(e.duration)); }).observe({type: "longtask"});
	})()`)))
	click(ctx, t, "train-seed-mnist")
	setFields(ctx, t, map[string]string{"train-epochs": epochs})
	if w := os.Getenv("WEB_FULL_MNIST_WORKERS"); w != "" {
		setFields(ctx, t, map[string]string{"train-workers": w})
	}
	start := time.Now()
	click(ctx, t, "train-start")
	n, want := 0, mustFloat(t, epochs)
	reached := "" // when an epoch first ended at 98.5 % or more
	for float64(n) < want {
		time.Sleep(time.Second)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
			const m = document.querySelector('[data-testid="train-memory-epochs"]'), a = document.querySelector('[data-testid="train-accuracy"]'), e = document.querySelector('[data-testid="train-error"]');
			return e ? "error " + e.textContent : (m.textContent ? m.textContent.split(",").length : 0) + " " + a.textContent + " " + m.textContent;
		})()`))
		must(t, "the run", err)
		if strings.HasPrefix(v, "error ") {
			t.Fatal(v)
		}
		f := strings.Fields(v)
		if k, _ := strconv.Atoi(f[0]); k > n {
			n = k
			t.Logf("epoch %d: test accuracy %s at %s (worker:page memory %s)", n, f[1], time.Since(start).Round(time.Second), f[len(f)-1])
			if a, err := strconv.ParseFloat(f[1], 64); err == nil && a >= 0.985 && reached == "" {
				reached = fmt.Sprintf("after epoch %d, %s after Start", n, time.Since(start).Round(time.Second))
			}
		}
	}
	if reached == "" {
		t.Errorf("no epoch ended at 98.5 %% or more on the test images")
	} else {
		t.Logf("98.5 %% first reached %s", reached)
	}
	t.Logf("run: %s", waitDone(ctx, t))
	long, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`window.longTasks`))
	must(t, "long tasks", err)
	t.Logf("tasks over 50 ms on the page's thread, the whole run: %v", long)
}
