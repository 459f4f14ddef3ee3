//go:build js && wasm

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"syscall/js"
	"unsafe"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/internal/jsbridge"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// portReplica is the leader's side of a replica in another worker, reached
// through a MessagePort. A share of a training step goes out as {config,
// params, x, y, seed} and comes back as {grad, loss, correct}; a share of
// an evaluation goes out as {config, params, x, logits: true} and comes
// back as {logits}; either may come back as {error}.
type portReplica struct {
	port   js.Value
	config string // the model's configuration, JSON
	done   chan shareResult
}

type shareResult struct {
	s   lstm.Share
	err error
}

func newPortReplica(port js.Value, cfg lstm.Config) *portReplica {
	b, _ := json.Marshal(cfg) // a Config always encodes
	r := &portReplica{port: port, config: string(b), done: make(chan shareResult, 1)}
	port.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := args[0].Get("data")
		if e := msg.Get("error"); truthy(e) {
			r.done <- shareResult{err: errors.New(e.String())}
			return nil
		}
		if l := msg.Get("logits"); truthy(l) {
			r.done <- shareResult{s: lstm.Share{Logits: floatsOf(l)}}
			return nil
		}
		r.done <- shareResult{s: lstm.Share{
			Grad: floatsOf(msg.Get("grad")), Loss: float32(msg.Get("loss").Float()), Correct: msg.Get("correct").Int(),
		}}
		return nil
	}))
	return r
}

func (r *portReplica) Start(params []float32, x lstm.Tensor, y []int, seed uint64) error {
	labels := make([]byte, len(y))
	for i, l := range y {
		labels[i] = byte(l)
	}
	p, xs, ys := jsFloats(params), jsFloats(x.Data), jsBuffer(labels)
	r.port.Call("postMessage", object(map[string]any{
		"config": r.config, "params": p, "x": xs, "y": ys, "seed": strconv.FormatUint(seed, 10),
	}), []any{p, xs, ys})
	return nil
}

func (r *portReplica) StartLogits(params []float32, x lstm.Tensor) error {
	p, xs := jsFloats(params), jsFloats(x.Data)
	r.port.Call("postMessage", object(map[string]any{
		"config": r.config, "params": p, "x": xs, "logits": true,
	}), []any{p, xs})
	return nil
}

func (r *portReplica) Wait() (lstm.Share, error) {
	res := <-r.done
	return res.s, res.err
}

// serveReplica makes this worker a replica answering the shares the
// leader sends on port (of training steps and of evaluations), with a
// classifier of the leader's configuration.
func serveReplica(be *cpu.Backend, port js.Value) {
	var (
		c      *lstm.Classifier
		config string
	)
	port.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := args[0].Get("data")
		go func() { // the callback returns at once; the share runs on its own
			s, err := func() (lstm.Share, error) {
				if cfg := msg.Get("config").String(); c == nil || cfg != config {
					var lc lstm.Config
					if err := json.Unmarshal([]byte(cfg), &lc); err != nil {
						return lstm.Share{}, fmt.Errorf("replica: config: %w", err)
					}
					var err error
					if c, err = lstm.NewClassifier(be, lc, mnist.Classes, 0); err != nil {
						return lstm.Share{}, fmt.Errorf("replica: %w", err)
					}
					config = cfg
				}
				if truthy(msg.Get("logits")) {
					x := floatsOf(msg.Get("x"))
					return c.ShareLogits(floatsOf(msg.Get("params")), lstm.Tensor{Shape: []int{len(x) / mnist.Pixels, mnist.Rows, mnist.Cols}, Data: x})
				}
				seed, err := strconv.ParseUint(msg.Get("seed").String(), 10, 64)
				if err != nil {
					return lstm.Share{}, fmt.Errorf("replica: seed: %w", err)
				}
				labels := jsbridge.Bytes(msg.Get("y"))
				y := make([]int, len(labels))
				for i, l := range labels {
					y[i] = int(l)
				}
				x := lstm.Tensor{Shape: []int{len(y), mnist.Rows, mnist.Cols}, Data: floatsOf(msg.Get("x"))}
				return c.ShareGradient(floatsOf(msg.Get("params")), x, y, seed)
			}()
			if err != nil {
				port.Call("postMessage", object(map[string]any{"error": err.Error()}))
				return
			}
			if s.Logits != nil {
				l := jsFloats(s.Logits)
				port.Call("postMessage", object(map[string]any{"logits": l}), []any{l})
				return
			}
			g := jsFloats(s.Grad)
			port.Call("postMessage", object(map[string]any{"grad": g, "loss": s.Loss, "correct": s.Correct}), []any{g})
		}()
		return nil
	}))
}

// jsFloats copies v into a new ArrayBuffer of little-endian float32.
func jsFloats(v []float32) js.Value { return jsBuffer(byteView(v)) }

// floatsOf copies an ArrayBuffer of float32 into Go, straight into the
// floats' memory (js/wasm is little-endian).
func floatsOf(v js.Value) []float32 {
	u8 := js.Global().Get("Uint8Array").New(v)
	f := make([]float32, u8.Length()/4)
	js.CopyBytesToGo(byteView(f), u8)
	return f
}

// byteView is the memory of f as bytes.
func byteView(f []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), 4*len(f))
}
