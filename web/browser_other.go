//go:build !wasm

package web

import (
	"errors"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// Outside the browser (the server, which pre-renders the page), the page's
// calls into JavaScript have nothing to call: no event handler or mount,
// which alone use them, runs there.

var errNoBrowser = errors.New("web: JavaScript runs only in the browser")

func await(app.Value) (app.Value, error) { return nil, errNoBrowser }

func goBytes(app.Value) []byte { return nil }

func jsBytes([]byte) app.Value { return nil }

func fetchBytes(string) ([]byte, error) { return nil, errNoBrowser }

func fetchGunzip(string) ([]byte, error) { return nil, errNoBrowser }
