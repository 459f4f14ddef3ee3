//go:build wasm

package web

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/internal/jsbridge"
)

// The page's side of internal/jsbridge, which the training worker shares:
// go-app's values converted at the edge.

// await waits for a JavaScript promise and returns its value, or its
// rejection as an error. It blocks, so it must run in its own goroutine
// (ctx.Async), never in a JS callback.
func await(promise app.Value) (app.Value, error) {
	v, err := jsbridge.Await(app.JSValue(promise))
	return app.ValueOf(v), err
}

// goBytes copies a Uint8Array or an ArrayBuffer into Go.
func goBytes(v app.Value) []byte { return jsbridge.Bytes(app.JSValue(v)) }

// jsBytes copies b into a new Uint8Array.
func jsBytes(b []byte) app.Value { return app.ValueOf(jsbridge.Uint8Array(b)) }

// fetchBytes GETs url with the browser's fetch. It blocks, as await does.
func fetchBytes(url string) ([]byte, error) { return jsbridge.Fetch(url) }

// fetchGunzip GETs a gzip file and returns it decompressed by the browser.
func fetchGunzip(url string) ([]byte, error) { return jsbridge.FetchGunzip(url) }
