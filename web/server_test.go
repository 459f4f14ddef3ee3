//go:build !wasm

package web

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
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
	s, err := newSite("test", build{[]byte("raw wasm"), []byte("brotli wasm"), []byte("gzip wasm")}, build{[]byte("raw worker"), nil, nil}, []byte("simd"), []byte("simd.js"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, h http.Handler, method, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		if k == "Host" {
			r.Host = v
		}
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
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		for _, path := range []string{"/", "/web/app.wasm", ModelPath, "/app.js", "/app-worker.js", "/no/such/page"} {
			w := get(t, s, m, path, nil)
			if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: status %d, Allow %q", m, path, w.Code, w.Header().Get("Allow"))
			}
			if w.Header().Get("Content-Security-Policy") != CSP {
				t.Errorf("%s %s: no Content-Security-Policy", m, path)
			}
		}
	}
}

// TestSiteNotFound checks that a path the site does not serve is 404, with
// the security headers, rather than a page, a file from the disk (go-app's
// Handler serves ./web/... by default) or a proxied fetch (it fetches
// /robots.txt from the host the request names).
func TestSiteNotFound(t *testing.T) {
	s := testSite(t)
	t.Chdir("..") // the repository's root, where go-app would find web/ on the disk
	for _, path := range []string{
		"/nope", "/index.html", "/web/", "/web/page.go", "/web/server.go", "/web/static/app.wasm",
		"/web/static/app.wasm.br", "/app.wasm", "/goapp.wasm", "/goapp.js", "/manifest.json",
		"/robots.txt", "/sitemap.xml", "/ads.txt", "/go.mod", "/web/icon-1024.png", "/web/app.wasm/",
		"/%2e%2e/go.mod", "//go.mod",
	} {
		for _, m := range []string{http.MethodGet, http.MethodHead} {
			w := get(t, s, m, path, map[string]string{"Host": "127.0.0.1:1"})
			if w.Code != http.StatusNotFound {
				t.Errorf("%s %s: status %d, want 404", m, path, w.Code)
			}
			if w.Header().Get("Content-Security-Policy") != CSP || w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s %s: headers %v", m, path, w.Header())
			}
			noLeak(t, path, w.Body.Bytes())
		}
	}
}

// TestSitePathTraversal sends requests that try to climb out of the
// served paths, through a real server (so that the request line is parsed
// as a browser's or curl --path-as-is's would be), and checks that each is
// refused or 404 and gives away no file.
func TestSitePathTraversal(t *testing.T) {
	s := testSite(t)
	t.Chdir("..")
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, path := range []string{
		"/../go.mod", "/../../etc/passwd", "/./go.mod", "/web/../go.mod", "/web/../../go.mod",
		"/static/..%2f..%2fgo.mod", "/web/..%2fgo.mod", "/web/%2e%2e/", "/web/%2e%2e/go.mod",
		"/web/%2e%2e%2fweb%2fpage.go", "/%2e%2e%2fgo.mod", "/web/..%5cgo.mod", `/web\..\go.mod`,
		`/..\go.mod`, "/web/static%5capp.wasm", "/web/page.go%00", "/web/page.go%00.css",
		"/web/app.css/../page.go", "/web/./page.go", "/web//page.go", "/WEB/page.go",
		"/web/app.css%2f..%2fpage.go", "/web/%252e%252e/go.mod",
	} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			conn.Close()
			t.Errorf("GET %s: %v", path, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 404 or 400", path, resp.StatusCode)
		}
		noLeak(t, path, body)
	}
}

// noLeak fails if body holds a piece of a file of the repository or of
// the system.
func noLeak(t *testing.T, path string, body []byte) {
	t.Helper()
	for _, secret := range []string{"module github.com", "package web", "root:", "raw wasm", "<html"} {
		if bytes.Contains(body, []byte(secret)) {
			t.Errorf("%s: the answer holds %q", path, secret)
		}
	}
}

func TestExportStatic(t *testing.T) {
	dir := t.TempDir()
	site := testSite(t)
	if err := site.OfferMNIST(standInMNIST()); err != nil {
		t.Fatal(err)
	}
	if err := site.ExportStatic(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "app.js", "wasm_exec.js", "manifest.webmanifest", "web/app.wasm", "web/model.safetensors", "web/app.css", "web/icon.svg", "web/data.js", "web/mnist/t10k-labels-idx1-ubyte.gz"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}

// standInMNIST stands in for the four MNIST files where only their
// serving is tested.
func standInMNIST() [][]byte {
	return [][]byte{[]byte("train images"), []byte("train labels"), []byte("test images"), []byte("test labels")}
}

// TestSiteOffersMNIST checks that the four files are served as given,
// under digit.MNISTDir, only once offered.
func TestSiteOffersMNIST(t *testing.T) {
	site := testSite(t)
	const path = "/web/mnist/t10k-images-idx3-ubyte.gz"
	if w := get(t, site, "GET", path, nil); w.Code != http.StatusNotFound {
		t.Errorf("GET %s before it is offered: %d, want 404", path, w.Code)
	}
	if err := site.OfferMNIST(standInMNIST()[:3]); err == nil {
		t.Error("OfferMNIST took three files")
	}
	if err := site.OfferMNIST(standInMNIST()); err != nil {
		t.Fatal(err)
	}
	w := get(t, site, "GET", path, map[string]string{"Accept-Encoding": "gzip, br"})
	if w.Code != http.StatusOK || w.Body.String() != "test images" || w.Header().Get("Content-Encoding") != "" || w.Header().Get("Content-Type") != "application/gzip" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("GET %s: %d %q, headers %v", path, w.Code, w.Body.String(), w.Header())
	}
}
