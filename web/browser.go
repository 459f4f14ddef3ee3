package web

import (
	"errors"
	"fmt"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// This file holds the page's calls into the browser beyond the DOM:
// promises, IndexedDB (through store.js), byte arrays and downloads.

// await waits for a JavaScript promise and returns its value, or its
// rejection as an error. It blocks, so it must run in its own goroutine
// (ctx.Async), never in a JS callback.
func await(promise app.Value) (app.Value, error) {
	type result struct {
		v   app.Value
		err error
	}
	done := make(chan result, 1)
	onValue := app.FuncOf(func(_ app.Value, args []app.Value) any {
		v := app.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		done <- result{v: v}
		return nil
	})
	onError := app.FuncOf(func(_ app.Value, args []app.Value) any {
		msg := "rejected"
		if len(args) > 0 && args[0].Truthy() {
			msg = args[0].Call("toString").String()
		}
		done <- result{err: errors.New(msg)}
		return nil
	})
	defer onValue.Release()
	defer onError.Release()
	promise.Call("then", onValue, onError)
	r := <-done
	return r.v, r.err
}

// store calls fn of store.js's lstmStore with args and waits for its
// promise.
func store(fn string, args ...any) (app.Value, error) {
	s := app.Window().Get("lstmStore")
	if !s.Truthy() {
		return nil, errors.New("store.js is not loaded")
	}
	v, err := await(s.Call(fn, args...))
	if err != nil {
		return nil, fmt.Errorf("IndexedDB %s: %w", fn, err)
	}
	return v, nil
}

// goBytes copies a Uint8Array or an ArrayBuffer into Go.
func goBytes(v app.Value) []byte {
	u8 := app.Window().Get("Uint8Array").New(v)
	b := make([]byte, u8.Get("length").Int())
	app.CopyBytesToGo(b, u8)
	return b
}

// jsBytes copies b into a new Uint8Array.
func jsBytes(b []byte) app.Value {
	u8 := app.Window().Get("Uint8Array").New(len(b))
	app.CopyBytesToJS(u8, b)
	return u8
}

// jsArray returns a JavaScript array of vs. (go-app passes a []any of
// Values on as Go values, which syscall/js refuses: build arrays here.)
func jsArray(vs ...app.Value) app.Value {
	a := app.Window().Get("Array").New()
	for _, v := range vs {
		a.Call("push", v)
	}
	return a
}

// nextTask returns once the browser has run a task of its own: what the
// goroutine does after it runs in a later task than what it did before.
// (Go's scheduler runs every ready goroutine before it hands the thread
// back to the browser, so a short time.Sleep may not end the task.) It
// blocks, so it must run in its own goroutine (ctx.Async).
func nextTask() {
	done := make(chan struct{})
	f := app.FuncOf(func(app.Value, []app.Value) any {
		close(done)
		return nil
	})
	defer f.Release()
	app.Window().Call("setTimeout", f, 0)
	<-done
}

// saveFile offers data to the visitor as a download named name.
func saveFile(name, mime string, data []byte) {
	w := app.Window()
	blob := w.Get("Blob").New(jsArray(jsBytes(data)), map[string]any{"type": mime})
	url := w.Get("URL").Call("createObjectURL", blob)
	a := w.Get("document").Call("createElement", "a")
	a.Set("href", url)
	a.Set("download", name)
	w.Get("document").Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	w.Get("URL").Call("revokeObjectURL", url)
}

// fetchBytes GETs url with the browser's fetch. It blocks, so it must run
// in its own goroutine, never in a JS callback.
func fetchBytes(url string) ([]byte, error) {
	resp, err := await(app.Window().Call("fetch", url))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	if !resp.Get("ok").Bool() {
		return nil, fmt.Errorf("fetch %s: HTTP %d", url, resp.Get("status").Int())
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	return goBytes(buf), nil
}
