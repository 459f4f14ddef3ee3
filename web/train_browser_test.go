//go:build !js

package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/lstm-digits/lstm-digits/assets"
)

// TestBrowserTraining trains in headless Chromium: a short run from
// scratch in the page's Web Workers, paused and resumed, with the loss
// falling on the chart, the test accuracy and confusion matrix after each
// epoch, and no main-thread task doing over 50 ms of work all along (a
// performance trace of the page's thread). Then it downloads the trained model
// and has digits eval and PyTorch's seed class read it, uploads a corrupt
// file (a message, the model kept), reloads (the model is still there,
// from IndexedDB), adds a digit of "my" handwriting, teaches it (a
// fine-tune with my digits mixed in) and stops that run midway, and resets
// to the bundled model.
func TestBrowserTraining(t *testing.T) {
	b := openBrowser(t, 4*time.Minute)
	ctx := b.ctx
	defer b.checkConsole()
	must(t, "load", chromedp.Do(ctx, chromedp.Navigate(b.url)))
	_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: b.downloads,
	})
	must(t, "downloads", err)
	interactive(ctx, t, "cold")
	summary := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="model-summary"]`)))
		must(t, "model summary", err)
		return s
	}
	if s := summary(); !strings.HasPrefix(s, "The bundled model · 99.") {
		t.Errorf("model summary %q, want the bundled model's", s)
	}

	// The seed's model from scratch, for a short run: 2 epochs of 3,000
	// images, batches of 50 at a higher learning rate.
	setFields(ctx, t, map[string]string{
		"train-from": "scratch", "train-hidden": "128", "train-layers": "2", "train-lr": "0.005",
		"train-batch": "50", "train-epochs": "2", "train-train_images": "3000", "train-test_images": "500",
	})
	workers, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`[data-testid="train-workers"]`)))
	must(t, "workers", err)
	t.Logf("training with %s worker(s) (navigator.hardwareConcurrency − 1, at least 1, at most 4)", workers)
	// Every task on the page's thread from here to the run's end, from a
	// performance trace.
	stopTrace := traceTasks(ctx, t)
	click(ctx, t, "train-start")
	first, err := waitFor(ctx, `document.querySelector('[data-testid="train-loss"]').textContent`)
	must(t, "first step", err)
	t.Logf("first loss %s", first)

	// Pause: no step is taken until Resume.
	waitSteps(ctx, t, 5)
	click(ctx, t, "train-pause")
	_, err = waitFor(ctx, `document.querySelector('[data-testid="train-pause"]').textContent === "Resume" ? "ok" : ""`)
	must(t, "paused", err)
	// The page shows the pause at once, but the worker hears of it between
	// two steps: the step it reported and the page has not shown yet, and
	// the one under way when the message arrives, may still end (a step
	// takes 0.3 s here, longer on a loaded host); no other.
	at := progress(ctx, t)
	time.Sleep(1500 * time.Millisecond)
	mid := progress(ctx, t)
	if mid > at+2 {
		t.Errorf("paused at step %d, yet at step %d 1.5 s later: more than the steps under way", at, mid)
	}
	time.Sleep(1500 * time.Millisecond)
	if now := progress(ctx, t); now != mid {
		t.Errorf("paused, at step %d, yet at step %d 1.5 s later", mid, now)
	}
	b.screenshot("paused")
	click(ctx, t, "train-pause")
	waitSteps(ctx, t, at+3)

	done := waitDone(ctx, t)
	t.Logf("run: %s", done)
	checkTasks(t, stopTrace(), "while training")
	b.screenshot("trained")
	b.shotOf("training-panel", ".train")
	acc, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="train-accuracy"]`)))
	must(t, "accuracy", err)
	if a, err := strconv.ParseFloat(acc, 64); err != nil || a < 0.7 || a > 1 {
		t.Errorf("test accuracy %q after the run, want a number in [0.7, 1]", acc)
	}
	speed, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="train-throughput"]`)))
	must(t, "throughput", err)
	if v, err := strconv.ParseFloat(speed, 64); err != nil || v <= 0 {
		t.Errorf("throughput %q, want a positive number", speed)
	}
	t.Logf("the seed's model in the browser: %s samples/s, test accuracy %s after 2 epochs of 3,000 images", speed, acc)

	// The charts: the loss line falls, the accuracy line and its two test
	// dots are drawn, the confusion matrix has a row per digit.
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Loss          []float64
		Accuracy, Dot int
		Rows          int
	}](`(() => {
		const ys = sel => document.querySelector(sel).getAttribute("points").trim().split(/\s+/).map(p => +p.split(",")[1]);
		return {
			Loss: ys('[data-testid="loss-chart"] polyline'),
			Accuracy: ys('[data-testid="accuracy-chart"] polyline').length,
			Dot: document.querySelectorAll('[data-testid="accuracy-chart"] circle').length,
			Rows: document.querySelectorAll('[data-testid="confusion"] tr').length,
		};
	})()`))
	must(t, "charts", err)
	if n := len(charts.Loss); n < 40 {
		t.Fatalf("the loss chart has %d points, want one per batch (120)", n)
	}
	// y grows downwards: a falling loss is a rising y.
	early, late := mean(charts.Loss[:10]), mean(charts.Loss[len(charts.Loss)-10:])
	if !(late > early+0.3*(160-early)) {
		t.Errorf("the loss did not fall on the chart: mean y %.1f over the first 10 batches, %.1f over the last 10", early, late)
	}
	if charts.Accuracy < 40 || charts.Dot != 2 || charts.Rows != 11 {
		t.Errorf("accuracy chart: %d points and %d test dots (want 2); confusion matrix: %d rows (want 11)", charts.Accuracy, charts.Dot, charts.Rows)
	}
	if _, err := waitFor(ctx, `/^Trained in this browser · /.test(document.querySelector('[data-testid="model-summary"]').textContent) ? "ok" : ""`); err != nil {
		t.Errorf("model summary %q after training", summary())
	}

	// Download the trained model, and read it with digits eval.
	click(ctx, t, "model-download")
	file := filepath.Join(b.downloads, "lstm-digits-model.safetensors")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if st, err := os.Stat(file); err == nil && st.Size() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no download at %s", file)
		}
	}
	out, err := exec.CommandContext(ctx, "go", "run", "../cmd/digits", "eval", "--model", file).CombinedOutput()
	if err != nil {
		t.Fatalf("digits eval on the downloaded model: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)accuracy\s*:?\s*([0-9.]+)%`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("digits eval said no accuracy:\n%s", out)
	}
	t.Logf("digits eval on the downloaded model: %s%% on MNIST's 10,000 test images", m[1])
	if v, _ := strconv.ParseFloat(string(m[1]), 64); v < 70 {
		t.Errorf("the downloaded model scores %s%% in digits eval", m[1])
	}

	// PyTorch's seed class loads it too, and agrees.
	if torch, err := exec.Command("/usr/bin/python3", "-c", "import torch").CombinedOutput(); err == nil {
		out, err := exec.CommandContext(ctx, "/usr/bin/python3", "../tools/torch_eval.py", "--model", file).CombinedOutput()
		if err != nil {
			t.Fatalf("tools/torch_eval.py on the downloaded model: %v\n%s", err, out)
		}
		t.Logf("PyTorch on the downloaded model: %s", strings.TrimSpace(string(out)))
		if !strings.Contains(string(out), fmt.Sprintf("%.4f", mustFloat(t, string(m[1]))/100)) {
			t.Errorf("PyTorch's accuracy %q differs from digits eval's %s%%", out, m[1])
		}
	} else if os.Getenv("LSTM_REQUIRE_TORCH") != "" {
		t.Fatalf("no PyTorch at /usr/bin/python3: %s", torch)
	} else {
		t.Log("no PyTorch at /usr/bin/python3: the downloaded model was not loaded into PyTorch")
	}

	// A corrupt upload: a message, and the trained model stays.
	bad := filepath.Join(t.TempDir(), "broken.safetensors")
	if err := os.WriteFile(bad, assets.Model[:4000], 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, "upload", chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="model-upload"]`), []string{bad})))
	msg, err := waitFor(ctx, `document.querySelector('[data-testid="model-message"]').textContent`)
	must(t, "upload message", err)
	if !strings.HasPrefix(msg, "Could not use broken.safetensors: ") || !strings.HasSuffix(msg, "The previous model is kept.") {
		t.Errorf("after a corrupt upload: %q", msg)
	}
	if s := summary(); !strings.HasPrefix(s, "Trained in this browser") {
		t.Errorf("after a corrupt upload the model is %q", s)
	}
	b.screenshot("corrupt-upload")

	// Reload: the trained model is kept in IndexedDB.
	must(t, "reload", chromedp.Do(ctx, chromedp.Reload()))
	interactive(ctx, t, "reload")
	if s := summary(); !strings.HasPrefix(s, "Trained in this browser") {
		t.Errorf("after a reload the model is %q", s)
	}

	// My handwriting: draw, label, add; fine-tune with it mixed in.
	click(ctx, t, "example-button")
	_, err = waitFor(ctx, `document.querySelector('[data-testid="prediction"]').textContent`)
	must(t, "example", err)
	setFields(ctx, t, map[string]string{"sample-label": "7"})
	click(ctx, t, "add-sample")
	count, err := waitFor(ctx, `(t => /^1 of your digits/.test(t) ? t : "")(document.querySelector('[data-testid="own-count"]').textContent)`)
	must(t, "add a digit", err)
	t.Log(count)
	// Teach: fine-tune on my digit mixed with 2,000 MNIST images, with 2
	// data-parallel workers (a leader and a replica, which the default of
	// one worker per core but one leaves out on 2 cores); stop it midway,
	// which keeps (and evaluates) what it learned so far.
	setFields(ctx, t, map[string]string{"train-test_images": "200", "train-workers": "2"})
	click(ctx, t, "teach")
	waitSteps(ctx, t, 3)
	click(ctx, t, "train-stop")
	if stopped := waitDone(ctx, t); !strings.HasPrefix(stopped, "Stopped: ") {
		t.Errorf("after Stop: %q", stopped)
	} else {
		t.Logf("taught with my digit, then stopped: %s", stopped)
	}

	// On a CPU half as fast (DevTools' CPU throttling of the page), a
	// short run from scratch: still no long task.
	_, err = chromedp.Call(ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: 2})
	must(t, "throttle", err)
	setFields(ctx, t, map[string]string{"train-from": "scratch", "train-epochs": "1", "train-train_images": "1000", "train-test_images": "200"})
	stopTrace = traceTasks(ctx, t)
	click(ctx, t, "train-start")
	_, err = waitFor(ctx, `document.querySelector('[data-testid="train-done"]') ? "" : "started"`)
	must(t, "start", err)
	t.Logf("with the CPU slowed 2×: %s", waitDone(ctx, t))
	checkTasks(t, stopTrace(), "while training on a CPU slowed 2×")
	_, err = chromedp.Call(ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: 1})
	must(t, "throttle", err)

	// Back to the bundled model.
	click(ctx, t, "model-reset")
	if _, err := waitFor(ctx, `/^The bundled model/.test(document.querySelector('[data-testid="model-summary"]').textContent) ? "ok" : ""`); err != nil {
		t.Errorf("after reset the model is %q", summary())
	}
}

// The page's thread while training. A long task, as browsers count it,
// is one over longTask; the page's own work in any task, the thread's
// CPU time in it, must stay under that, at full speed and on a CPU slowed
// 2× (Chromium slows a thread by spinning in it, so its CPU time counts
// the slowing). A task's wall time also counts the
// time its thread waited for a core: on a machine of 2 cores, with a
// worker training at full speed on one of them and the browser's other
// processes and this test on the same two, that wait depends on the
// machine's load, not the page, so wall time is held only to freeze, a
// pause anyone would see, and logged against longTask. The aim at full
// speed is maxTask, which the test logs against: a bound that close to
// what a fast machine measures would fail on a slower one.
const (
	longTask = 50.0  // ms
	maxTask  = 30.0  // ms
	freeze   = 200.0 // ms
)

// traceTasks starts a performance trace of the page; the function it
// returns stops it, a second later, so that the trace holds what the page
// does after a run's end (the last model's install) and its stop, heavy
// for the browser, falls when the page is idle. WEB_TRACE_STACKS=1 adds stack samples, which name the
// functions that ran but slow the page's WebAssembly while they record.
func traceTasks(ctx context.Context, t *testing.T) func() *pageTrace {
	t.Helper()
	stop, err := startTrace(ctx, os.Getenv("WEB_TRACE_STACKS") != "")
	must(t, "start a trace", err)
	return func() *pageTrace {
		t.Helper()
		time.Sleep(time.Second)
		tr, err := stop()
		must(t, "trace", err)
		return tr
	}
}

// checkTasks fails the test if a task of the trace on the page's thread
// did more than longTask ms of work (the thread's CPU time) or took
// longer than freeze ms, and logs
// the three longest with what ran in them and every task whose wall time
// was over longTask.
func checkTasks(t *testing.T, tr *pageTrace, what string) {
	t.Helper()
	fromWorkers := 0
	for _, e := range tr.events {
		if e.name == "HandlePostMessage" {
			fromWorkers++
		}
	}
	if len(tr.tasks) < 50 || fromWorkers == 0 {
		t.Fatalf("the trace %s has %d tasks and %d messages from the workers on the page's thread: not the page's thread", what, len(tr.tasks), fromWorkers)
	}
	checkThread(t, tr, what)
}

// checkThread fails the test if a task of the trace on the page's thread
// did more than longTask ms of work or took longer than freeze ms, and
// logs the three longest and every task over longTask ms of wall time.
func checkThread(t *testing.T, tr *pageTrace, what string) {
	t.Helper()
	for i, task := range tr.longest(3) {
		t.Logf("longest task %d of %d %s: %s", i+1, len(tr.tasks), what, tr.explain(task))
	}
	if longest := tr.tasks[0].dur / 1000; longest > maxTask {
		t.Logf("the longest task %s, %.1f ms, is over the aim of %.0f ms", what, longest, maxTask)
	}
	var long, busy, frozen []string
	for _, task := range tr.tasks {
		wall, work := task.dur/1000, task.cpu/1000
		if wall > longTask {
			long = append(long, fmt.Sprintf("%.1f (%.1f of work)", wall, work))
		}
		if work > longTask {
			busy = append(busy, fmt.Sprintf("%.1f", work))
		}
		if wall > freeze {
			frozen = append(frozen, fmt.Sprintf("%.1f", wall))
		}
	}
	if len(long) > 0 {
		t.Logf("%d tasks on the page's thread %s took over %.0f ms of wall time: %s ms", len(long), what, longTask, strings.Join(long, ", "))
	}
	if len(busy) > 0 {
		t.Errorf("%d tasks on the page's thread %s did over %.0f ms of work (the thread's CPU time): %s ms", len(busy), what, longTask, strings.Join(busy, ", "))
	}
	if len(frozen) > 0 {
		t.Errorf("%d tasks on the page's thread %s froze it for over %.0f ms: %s ms", len(frozen), what, freeze, strings.Join(frozen, ", "))
	}
}

// setFields sets form fields, found by test id, and fires their change
// events, as a visitor's edits do.
func setFields(ctx context.Context, t *testing.T, values map[string]string) {
	t.Helper()
	for id, v := range values {
		must(t, "set "+id, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
			const el = document.querySelector('[data-testid="`+id+`"]');
			el.value = `+strconv.Quote(v)+`;
			el.dispatchEvent(new Event("change", {bubbles: true}));
		})()`)))
	}
}

func click(ctx context.Context, t *testing.T, testid string) {
	t.Helper()
	must(t, "click "+testid, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="`+testid+`"]`))))
}

// progress is the training progress bar's value: the steps taken.
func progress(ctx context.Context, t *testing.T) int {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector('[data-testid="train-progress"]').value`))
	must(t, "progress", err)
	return v
}

// waitSteps waits until the run has taken n steps.
func waitSteps(ctx context.Context, t *testing.T, n int) {
	t.Helper()
	_, err := waitFor(ctx, `document.querySelector('[data-testid="train-progress"]').value >= `+strconv.Itoa(n)+` ? "ok" : ""`)
	must(t, "step "+strconv.Itoa(n), err)
}

// waitDone waits, up to 2 minutes, for the run's closing message, and
// returns it; a training error fails the test.
func waitDone(ctx context.Context, t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
			const d = document.querySelector('[data-testid="train-done"]'), e = document.querySelector('[data-testid="train-error"]');
			return e ? "error: " + e.textContent : d ? d.textContent : "";
		})()`))
		must(t, "training", err)
		if strings.HasPrefix(v, "error: ") {
			t.Fatal(v)
		}
		if v != "" {
			return v
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
