package web

import (
	"errors"
	"fmt"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// This file holds the page's calls into the browser beyond the DOM:
// promises, IndexedDB (through store.js), byte arrays and downloads.

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
