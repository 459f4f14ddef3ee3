//go:build js && wasm

// Command wasm is the browser side of the lstm-digits web app: it registers
// the page's routes and runs the go-app page. It carries only the page and
// the model code; the server (digits serve) lives in cmd/digits.
package main

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/web"
)

func main() {
	web.Route()
	app.RunWhenOnBrowser()
}
