//go:build js && wasm

// Command worker is the web app's training worker: web/worker.js runs it
// in a Web Worker, where it trains the LSTM (package digit) off the
// page's thread. It has two roles, set by the first message it gets:
//
//   - {type: "train", settings, model, own, peers, resume}: the leader.
//     It runs the training, reports each step and epoch to the page, and
//     sends a share of every batch to each peer (a MessagePort to a
//     replica). After each epoch but the last it stores the run's
//     checkpoint in IndexedDB, and deletes it when the run ends, so that
//     only a run cut short by a reload or a closed tab leaves one; with
//     resume set, it goes on from that checkpoint instead of starting.
//     Later messages {type: "pause" | "resume" | "stop"} steer the run.
//   - {type: "replica", port}: a replica. It computes the gradients of the
//     shares the leader sends on port (lstm.Classifier.ShareGradient).
//
// Either role ends on {type: "close"}. The leader sends the page
// {type: "report", report, model?}, then {type: "done", model} or
// {type: "error", message}; each model it also stores in IndexedDB, and
// {type: "stored", error} says that this failed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/internal/jsbridge"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

var self = js.Global()

func main() {
	be := cpu.New()
	var (
		busy bool       // a "train" message came
		run  *digit.Run // the run, once ready
		stop context.CancelFunc
	)
	handle := js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := args[0].Get("data")
		switch t := msg.Get("type").String(); t {
		case "train":
			if busy {
				post(errorMessage(errors.New("worker: a run is already going")), nil)
				return nil
			}
			busy = true
			var ctx context.Context
			ctx, stop = context.WithCancel(context.Background())
			go func() { // newRun fetches: it blocks, which a callback must not
				r, err := newRun(be, msg)
				if err != nil {
					post(errorMessage(err), nil)
					return
				}
				run = r
				train(ctx, r)
			}()
		case "stop":
			if stop != nil {
				stop()
			}
		case "pause", "resume":
			if run != nil { // a run still loading cannot be paused yet
				map[string]func(){"pause": run.Control.Pause, "resume": run.Control.Resume}[t]()
			}
		case "replica":
			serveReplica(be, msg.Get("port"))
		case "close": // the run is over: end here, sparing the page a terminate
			self.Call("close")
		default:
			post(errorMessage(fmt.Errorf("worker: unknown message type %q", t)), nil)
		}
		return nil
	})
	// worker.js queued what came before Go started: take those, then the rest.
	self.Call("lstmWorkerReady", handle)
	select {}
}

// newRun prepares the run a "train" message asks for: the settings (JSON),
// the model to fine-tune (bytes, or null), the visitor's digits ({pixels,
// labels} bytes, or null) and the replicas' ports; or, with resume set,
// the run of the checkpoint in IndexedDB (the settings then are its).
func newRun(be *cpu.Backend, msg js.Value) (*digit.Run, error) {
	var s digit.Settings
	if err := json.Unmarshal([]byte(msg.Get("settings").String()), &s); err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	resume := msg.Get("resume").Truthy()
	if !resume {
		forgetCheckpoint() // an older run's, which this one replaces
	}
	data, err := loadData(s)
	if err != nil {
		return nil, err
	}
	var own *mnist.Set
	if m := msg.Get("own"); truthy(m) {
		if own, err = mnist.NewSet(jsbridge.Bytes(m.Get("pixels")), jsbridge.Bytes(m.Get("labels"))); err != nil {
			return nil, fmt.Errorf("your digits: %w", err)
		}
	}
	var model []byte
	if m := msg.Get("model"); truthy(m) {
		model = jsbridge.Bytes(m)
	}
	var r *digit.Run
	if resume {
		r, err = resumeRun(be, data, own)
	} else {
		r, err = digit.NewRun(be, s, data, own, model)
	}
	if err != nil {
		return nil, err
	}
	r.Checkpoint = func(ckpt []byte, epochs int) error {
		settings, _ := json.Marshal(r.Settings) // Settings always encode
		info := object(map[string]any{"epoch": epochs, "settings": string(settings)})
		if _, err := jsbridge.Await(self.Get("lstmStore").Call("putCheckpoint", jsbridge.Uint8Array(ckpt), info)); err != nil {
			post(object(map[string]any{"type": "stored", "error": "IndexedDB putCheckpoint: " + err.Error()}), nil)
		}
		return nil // a run that cannot be resumed still runs
	}
	peers := msg.Get("peers")
	for i := range peers.Length() {
		r.Replicas = append(r.Replicas, newPortReplica(peers.Index(i), r.Classifier().Config()))
	}
	r.Device = fmt.Sprintf("browser: %s, %d worker(s)", be.Name(), len(r.Replicas)+1)
	return r, nil
}

// loadData is what a run with settings s trains and tests on: the
// shipped subset, or all of MNIST, which data.js fetches (or reads from the
// browser's cache, where a run before left it) while the page is told how
// far it got.
func loadData(s digit.Settings) (*digit.Subset, error) {
	if !s.OnMNIST() {
		file, err := jsbridge.Fetch(digit.SubsetPath)
		if err != nil {
			return nil, err
		}
		return digit.DecodeSubset(file)
	}
	var urls []any
	for _, name := range mnist.FileNames() {
		urls = append(urls, digit.MNISTDir+name)
	}
	var last time.Time
	progress := js.FuncOf(func(_ js.Value, args []js.Value) any {
		l := digit.Loading{Bytes: int64(args[0].Float()), Total: int64(args[1].Float()), Cached: args[2].Bool()}
		if l.Bytes < l.Total && time.Since(last) < progressInterval {
			return nil
		}
		last = time.Now()
		post(reportMessage(digit.Report{Loading: &l}), nil)
		return nil
	})
	defer progress.Release()
	files, err := jsbridge.Await(self.Get("lstmData").Call("load", urls, progress))
	if err != nil {
		return nil, fmt.Errorf("all of MNIST: %w", err)
	}
	raw := make([][]byte, files.Length())
	for i := range raw {
		raw[i] = jsbridge.Bytes(files.Index(i))
	}
	d, err := mnist.FromFiles(raw)
	if err != nil {
		return nil, err
	}
	return &digit.Subset{Train: d.Train, Test: d.Test}, nil
}

// progressInterval is the shortest time between two reports of the data's
// download.
const progressInterval = 100 * time.Millisecond

// resumeRun is the run of the checkpoint in IndexedDB.
func resumeRun(be *cpu.Backend, data *digit.Subset, own *mnist.Set) (*digit.Run, error) {
	ckpt, err := jsbridge.Await(self.Get("lstmStore").Call("getCheckpoint"))
	if err != nil {
		return nil, fmt.Errorf("IndexedDB getCheckpoint: %w", err)
	}
	if !truthy(ckpt) {
		return nil, errors.New("the interrupted run's checkpoint is gone from this browser's storage")
	}
	return digit.ResumeRun(be, data, own, jsbridge.Bytes(ckpt))
}

// forgetCheckpoint deletes the checkpoint in IndexedDB, if any. It blocks.
func forgetCheckpoint() {
	if _, err := jsbridge.Await(self.Get("lstmStore").Call("deleteCheckpoint")); err != nil {
		post(object(map[string]any{"type": "stored", "error": "IndexedDB deleteCheckpoint: " + err.Error()}), nil)
	}
}

// train runs r, posting its reports, then its model or its error; the run
// over, its checkpoint goes.
func train(ctx context.Context, r *digit.Run) {
	held := false
	model, err := r.Train(ctx, func(rep digit.Report, model []byte) {
		if rep.Epoch != nil && !held {
			digit.HoldMemory()
			held = true
		}
		post(reportMessage(rep), model)
		// Let the worker's event loop deliver pause and stop: Go's
		// scheduler hands back to JavaScript only when it has nothing to run.
		time.Sleep(time.Millisecond)
	})
	forgetCheckpoint() // before the last post, after which the page may close this worker
	if err != nil {
		post(errorMessage(err), nil)
		return
	}
	post(object(map[string]any{"type": "done"}), model)
}

// reportMessage is the page's message of rep.
func reportMessage(rep digit.Report) js.Value {
	b, _ := json.Marshal(rep) // a Report always encodes
	return object(map[string]any{"type": "report", "report": string(b)})
}

func errorMessage(err error) js.Value {
	return object(map[string]any{"type": "error", "message": err.Error()})
}

// post sends msg to the page, with model (when not nil) as its "model": an
// ArrayBuffer handed over without a copy. The model also goes to
// IndexedDB as the page's kept model first (see keep), so that a post with
// a model blocks.
func post(msg js.Value, model []byte) {
	if model == nil {
		self.Call("postMessage", msg)
		return
	}
	keep(model)
	buf := jsBuffer(model)
	msg.Set("model", buf)
	self.Call("postMessage", msg, []any{buf})
}

// keep stores model in IndexedDB (store.js's putModel) as the model the
// page will load on its next visit, here rather than on the page's thread,
// where copying it in takes a long task. It waits until the model is
// stored, so that the page, which ends the workers when a run is done,
// cannot cut the write short; a failure goes to the page as a "stored"
// message with its error. It blocks: call it from a goroutine, not from a
// callback.
func keep(model []byte) {
	_, err := jsbridge.Await(self.Get("lstmStore").Call("putModel", jsbridge.Uint8Array(model), "trained"))
	if err != nil {
		post(object(map[string]any{"type": "stored", "error": "IndexedDB putModel: " + err.Error()}), nil)
	}
}

// object returns a JavaScript object with the given properties.
func object(props map[string]any) js.Value {
	o := js.Global().Get("Object").New()
	for k, v := range props {
		o.Set(k, v)
	}
	return o
}

// truthy reports whether v is neither undefined nor null.
func truthy(v js.Value) bool { return !v.IsUndefined() && !v.IsNull() }

// jsBuffer copies b into a new ArrayBuffer, which a message can hand over
// without a copy.
func jsBuffer(b []byte) js.Value { return jsbridge.Uint8Array(b).Get("buffer") }

// lstm.Replica is implemented by portReplica (replica.go).
var _ lstm.Replica = (*portReplica)(nil)
