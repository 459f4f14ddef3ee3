//go:build !wasm

package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/assets"
)

func testSite(t *testing.T) *Site {
	t.Helper()
	s, err := newSite("test", []byte("raw wasm"), []byte("brotli wasm"), []byte("gzip wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, h http.Handler, method, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestSiteHeaders(t *testing.T) {
	s := testSite(t)
	for _, path := range []string{"/", "/web/app.wasm", "/web/app.css", ModelPath, "/app.js", "/manifest.webmanifest", "/web/icon-192.png"} {
		w := get(t, s, http.MethodGet, path, nil)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: status %d", path, w.Code)
		}
		h := w.Header()
		if got := h.Get("Content-Security-Policy"); got != CSP {
			t.Errorf("GET %s: Content-Security-Policy %q", path, got)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: security headers %v", path, h)
		}
		if h.Get("Cache-Control") == "" {
			t.Errorf("GET %s: no Cache-Control", path)
		}
	}
	if !strings.Contains(CSP, "'wasm-unsafe-eval'") || strings.Contains(CSP, "http") {
		t.Errorf("CSP %q: want wasm-unsafe-eval and nothing remote", CSP)
	}
	page := get(t, s, http.MethodGet, "/", nil).Body.String()
	for _, want := range []string{`data-testid="digit-canvas"`, `data-testid="model-input"`, `/web/icon.svg`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "https://") {
		t.Error("page refers to a remote resource")
	}
	if got := get(t, s, http.MethodGet, ModelPath, nil).Body.Bytes(); !bytes.Equal(got, assets.Model) {
		t.Error("model: not the bundled model")
	}
}

func TestSiteWasmEncodings(t *testing.T) {
	s := testSite(t)
	for _, c := range []struct{ accept, encoding, body string }{
		{"", "", "raw wasm"},
		{"gzip", "gzip", "gzip wasm"},
		{"gzip, deflate, br", "br", "brotli wasm"},
		{"br;q=0, gzip", "gzip", "gzip wasm"},
		{"identity", "", "raw wasm"},
	} {
		w := get(t, s, http.MethodGet, "/web/app.wasm", map[string]string{"Accept-Encoding": c.accept})
		h := w.Header()
		if w.Body.String() != c.body || h.Get("Content-Encoding") != c.encoding {
			t.Errorf("Accept-Encoding %q: got %q encoded %q, want %q encoded %q",
				c.accept, w.Body, h.Get("Content-Encoding"), c.body, c.encoding)
		}
		if h.Get("Content-Type") != "application/wasm" || h.Get("Vary") != "Accept-Encoding" || h.Get(wasmSizeHeader) != "8" {
			t.Errorf("Accept-Encoding %q: headers %v", c.accept, h)
		}
		etag := h.Get("ETag")
		again := get(t, s, http.MethodGet, "/web/app.wasm", map[string]string{"Accept-Encoding": c.accept, "If-None-Match": etag})
		if again.Code != http.StatusNotModified {
			t.Errorf("Accept-Encoding %q: If-None-Match %s: status %d", c.accept, etag, again.Code)
		}
	}
}

func TestSiteMethods(t *testing.T) {
	s := testSite(t)
	head := get(t, s, http.MethodHead, "/web/app.wasm", nil)
	if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") != "8" {
		t.Errorf("HEAD: status %d, body %d bytes, headers %v", head.Code, head.Body.Len(), head.Header())
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		w := get(t, s, m, "/", nil)
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: status %d, Allow %q", m, w.Code, w.Header().Get("Allow"))
		}
	}
}

func TestExportStatic(t *testing.T) {
	dir := t.TempDir()
	if err := testSite(t).ExportStatic(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "app.js", "wasm_exec.js", "manifest.webmanifest", "web/app.wasm", "web/model.safetensors", "web/app.css", "web/icon.svg"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}
