package web

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/digit"
)

// WorkerPath is the script of the training worker (worker.js, which runs
// worker.wasm).
const WorkerPath = "/web/worker.js"

// uiInterval is the shortest time between two updates of the training
// panel: steps can come by the dozen each second, and each update redraws
// the panel on the page's thread.
const uiInterval = 200 * time.Millisecond

// startRun starts a run with settings s.
func (t *trainPanel) startRun(s digit.Settings) { t.launch(s, false) }

// launch starts a run with settings s, or, with resume set, goes on with
// the interrupted run of IndexedDB's checkpoint, whose settings s are: it
// reads the visitor's digits if s asks for them, starts the workers, and
// hands the leader the run.
func (t *trainPanel) launch(s digit.Settings, resume bool) {
	if t.running {
		return
	}
	if err := s.Validate(); err != nil {
		t.view.err = err
		return
	}
	model := t.page.modelFile
	if !s.FromScratch && model == nil && !resume {
		t.view.err = fmt.Errorf("no model to fine-tune yet")
		return
	}
	if resume {
		model = nil // the checkpoint holds the model
	}
	t.form = s
	t.running, t.paused, t.view, t.interrupted = true, false, runView{}, nil
	t.page.startGallery() // stops a search under way: it waits for the run's end
	t.page.refresh()
	// The rest in tasks of their own, after this one has drawn the panel.
	t.ctx.Async(func() {
		nextTask()
		settings, _ := json.Marshal(s) // Settings always encode
		var own any                    // null, or the visitor's digits
		if s.OwnRepeats > 0 {
			pixels, labels, err := loadOwnDigits()
			if err == nil && len(labels) > 0 {
				own = map[string]any{"pixels": jsBytes(pixels), "labels": jsBytes(labels)}
			} else if err != nil {
				t.ctx.Dispatch(func(app.Context) { t.failed(err) })
				return
			}
		}
		msg := map[string]any{"type": "train", "settings": string(settings), "model": jsBytes(model), "own": own, "resume": resume}
		nextTask()
		t.ctx.Dispatch(func(app.Context) {
			t.launchWorkers(s.Workers, msg)
		})
	})
}

// launchWorkers starts n workers, the first the leader and the others its
// replicas, connected by message channels, and sends the leader msg.
func (t *trainPanel) launchWorkers(n int, msg map[string]any) {
	w := app.Window()
	t.run++
	run := t.run
	onMsg := app.FuncOf(func(_ app.Value, args []app.Value) any {
		data := args[0].Get("data")
		m := workerMsg{run: run, kind: data.Get("type").String()}
		switch m.kind {
		case "report":
			m.report = data.Get("report").String()
		case "error":
			m.message = data.Get("message").String()
		case "stored":
			m.message = data.Get("error").String()
		}
		if model := data.Get("model"); model.Truthy() {
			m.model = goBytes(model)
		}
		t.queue(m)
		return nil
	})
	onError := app.FuncOf(func(_ app.Value, args []app.Value) any {
		msg := "the worker failed"
		if m := args[0].Get("message"); m.Truthy() {
			msg = m.String()
		}
		t.queue(workerMsg{run: run, kind: "error", message: msg})
		return nil
	})
	t.funcs = []app.Func{onMsg, onError}
	var peers []app.Value
	for i := range n {
		worker := w.Get("Worker").New(WorkerPath)
		worker.Set("onerror", onError)
		t.workers = append(t.workers, worker)
		if i == 0 {
			worker.Set("onmessage", onMsg)
			continue
		}
		ch := w.Get("MessageChannel").New()
		peers = append(peers, ch.Get("port1"))
		worker.Call("postMessage", map[string]any{"type": "replica", "port": ch.Get("port2")}, jsArray(ch.Get("port2")))
	}
	msg["peers"] = jsArray(peers...)
	t.workers[0].Call("postMessage", msg, jsArray(peers...))
}

// queue keeps a worker's message for the next update of the panel, which
// it schedules, uiInterval from now, if none is.
func (t *trainPanel) queue(m workerMsg) {
	t.mu.Lock()
	t.inbox = append(t.inbox, m)
	first := len(t.inbox) == 1
	t.mu.Unlock()
	if first {
		t.ctx.After(uiInterval, t.drain)
	}
}

// drain shows the queued messages of the current run. The last model file
// among them goes to the page, which installs it in tasks of its own.
func (t *trainPanel) drain(app.Context) {
	t.mu.Lock()
	msgs := t.inbox
	t.inbox = nil
	t.mu.Unlock()
	var model []byte
	for _, m := range msgs {
		if m.run != t.run || !t.running {
			continue
		}
		if m.model != nil {
			model = m.model
		}
		t.take(m)
	}
	if model != nil {
		t.page.installTrained(model)
	}
}

// take takes in a message from the run's leader worker.
func (t *trainPanel) take(m workerMsg) {
	switch t.view.take(m, t.Msg) {
	case ended:
		t.endWorkers(false)
	case failed:
		t.endWorkers(true)
	}
	if m.kind == "stored" { // the worker could not keep the model in IndexedDB
		t.page.ctx.Dispatch(func(app.Context) {
			t.page.modelMsg, t.page.modelMsgErr = fmt.Sprintf(t.Msg.storageFailed, m.message), true
		})
	}
}

// failed ends the run with err.
func (t *trainPanel) failed(err error) {
	t.endWorkers(true)
	t.view.err = err
}

// endWorkers ends the workers of the run: at once if terminate is set,
// else by asking each to close itself, which costs the page's thread
// nothing (a terminate waits there for the worker's thread to stop).
func (t *trainPanel) endWorkers(terminate bool) {
	for _, w := range t.workers {
		if terminate {
			w.Call("terminate")
		} else {
			w.Call("postMessage", map[string]any{"type": "close"})
		}
	}
	for _, f := range t.funcs {
		f.Release()
	}
	t.workers, t.funcs, t.running, t.paused = nil, nil, false, false
	t.page.startGallery() // the mistakes of the run's model
	t.page.refresh()
}
