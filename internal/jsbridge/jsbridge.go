//go:build js && wasm

// Package jsbridge is what the web app's page (package web) and its
// training worker (wasm/worker) share of calling into JavaScript: waiting
// for a promise, fetching a URL, and copying bytes between Go and
// JavaScript. It works in a page and in a worker alike, and builds for
// js/wasm only.
package jsbridge

import (
	"errors"
	"fmt"
	"syscall/js"
)

// Await waits for promise and returns its value, or its rejection as an
// error. It blocks, so it must run in a goroutine of its own, never in a
// JavaScript callback (which would wait for itself).
func Await(promise js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	done := make(chan result, 1)
	onValue := js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		done <- result{v: v}
		return nil
	})
	onError := js.FuncOf(func(_ js.Value, args []js.Value) any {
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

// Fetch GETs url with the global fetch (which the page's service worker
// answers from its cache when offline) and returns the body. It blocks,
// as Await does.
func Fetch(url string) ([]byte, error) {
	resp, err := Await(js.Global().Call("fetch", url))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	if !resp.Get("ok").Bool() {
		return nil, fmt.Errorf("fetch %s: HTTP %d", url, resp.Get("status").Int())
	}
	buf, err := Await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	return Bytes(buf), nil
}

// Bytes copies an ArrayBuffer, or the bytes a typed array views, into Go.
func Bytes(v js.Value) []byte {
	u8 := js.Global().Get("Uint8Array")
	switch {
	case v.InstanceOf(u8):
	case v.Get("buffer").Truthy(): // another typed array, or a DataView
		v = u8.New(v.Get("buffer"), v.Get("byteOffset"), v.Get("byteLength"))
	default:
		v = u8.New(v)
	}
	b := make([]byte, v.Length())
	js.CopyBytesToGo(b, v)
	return b
}

// Uint8Array copies b into a new Uint8Array.
func Uint8Array(b []byte) js.Value {
	u8 := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u8, b)
	return u8
}

// FetchGunzip GETs url, as Fetch does, and returns its body decompressed
// from gzip by the browser's DecompressionStream, which works off the
// calling thread.
func FetchGunzip(url string) ([]byte, error) {
	resp, err := Await(js.Global().Call("fetch", url))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	if !resp.Get("ok").Bool() {
		return nil, fmt.Errorf("fetch %s: HTTP %d", url, resp.Get("status").Int())
	}
	body := resp.Get("body").Call("pipeThrough", js.Global().Get("DecompressionStream").New("gzip"))
	buf, err := Await(js.Global().Get("Response").New(body).Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: gunzip: %w", url, err)
	}
	return Bytes(buf), nil
}
