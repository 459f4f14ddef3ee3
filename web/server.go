//go:build !wasm

package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/assets"
	"github.com/lstm-digits/lstm-digits/digit"
)

// static holds what the Makefile builds into static/: app.wasm (the page)
// and worker.wasm (the training worker), each with its precompressed .br
// and .gz, and the SIMD kernels simd.wasm with their loader simd.js, which
// both use.
//
//go:embed static
var static embed.FS

//go:embed app.css icon.svg worker.js store.js linksimd.js data.js
var files embed.FS

// CSP is the Content-Security-Policy of every response: nothing remote,
// scripts from this origin plus the WebAssembly compilation they need,
// inline styles for the bars' widths.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"connect-src 'self'; worker-src 'self'; manifest-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// wasmSizeHeader carries the uncompressed size of app.wasm, so that the
// loader's progress is right when the wasm comes compressed.
const wasmSizeHeader = "X-Wasm-Content-Length"

// asset is one file the site serves besides the pages.
type asset struct {
	body, br, gz []byte // br and gz: precompressed bodies, or nil
	contentType  string
	immutable    bool // may be cached for a year: only the build changes it
	// noStore keeps it out of the browser's HTTP cache: the page keeps
	// its own copy in Cache Storage.
	noStore bool
}

// Site is the web app: go-app's pages, scripts and manifest, plus the
// embedded wasm, model, style sheet and icons, with security and caching
// headers.
type Site struct {
	app    *app.Handler
	assets map[string]asset
}

// NewSite returns the site of the code named version. Its go-app version
// adds a hash of the wasm, so that every build has its own and browsers
// (and the service worker's cache) fetch the new wasm. It fails if the wasm
// was not built into web/static.
func NewSite(version string) (*Site, error) {
	page, err := readBuild("app.wasm")
	if err != nil {
		return nil, err
	}
	worker, err := readBuild("worker.wasm")
	if err != nil {
		return nil, err
	}
	simd, err := readBuild("simd.wasm")
	if err != nil {
		return nil, err
	}
	simdJS, err := readBuild("simd.js")
	if err != nil {
		return nil, err
	}
	return newSite(version, page, worker, simd.body, simdJS.body)
}

// build is a file the Makefile builds into static/, with its brotli and
// gzip forms (nil when absent).
type build struct{ body, br, gz []byte }

// readBuild reads static/name and its compressed forms.
func readBuild(name string) (build, error) {
	body, err := static.ReadFile("static/" + name)
	if err != nil {
		return build{}, fmt.Errorf("the browser app is not built (run make build): %w", err)
	}
	br, _ := static.ReadFile("static/" + name + ".br")
	gz, _ := static.ReadFile("static/" + name + ".gz")
	return build{body, br, gz}, nil
}

// newSite returns the site serving the given page and worker wasm, and
// the SIMD kernels and their loader.
func newSite(version string, page, worker build, simd, simdJS []byte) (*Site, error) {
	var text [6][]byte
	for i, name := range []string{"app.css", "icon.svg", "worker.js", "store.js", "linksimd.js", "data.js"} {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		text[i] = b
	}
	css, svg, workerJS, storeJS, linkJS, dataJS := text[0], text[1], text[2], text[3], text[4], text[5]
	Route() // the server pre-renders the pages: it needs the routes too
	s := &Site{
		app: &app.Handler{
			Name:        "lstm-digits",
			ShortName:   "digits",
			Title:       "lstm-digits: an LSTM reads your handwriting",
			Description: "Draw a digit; a 2-layer LSTM reads it row by row in WebAssembly and shows what it sees.",
			Lang:        "en",
			Icon: app.Icon{
				Default:    "/web/icon-192.png",
				Large:      "/web/icon-512.png",
				SVG:        "/web/icon.svg",
				AppleTouch: "/web/icon-192.png",
			},
			Styles: []string{"/web/app.css"},
			// Run before app.js: linksimd.js links app.wasm to simd.wasm's
			// kernels through simd.js.
			Scripts:                 []string{"/web/store.js", "/web/simd.js", "/web/linksimd.js"},
			BackgroundColor:         "#f7f7f4",
			ThemeColor:              "#1d4e89",
			LoadingLabel:            "Loading the model… {progress}%",
			Version:                 fmt.Sprintf("%s-%x", version, sha256.Sum256(append(page.body, worker.body...)))[:len(version)+13],
			WasmContentLengthHeader: wasmSizeHeader,
			// The service worker caches these too (go-app adds the pages,
			// its scripts, the wasm, the styles and the PNG icons), so that
			// after one visit the page loads, predicts and trains offline.
			CacheableResources: []string{ModelPath, "/web/icon.svg", WorkerPath, "/web/worker.wasm", "/web/simd.wasm", "/web/simd.js", "/web/data.js", digit.SubsetPath},
		},
		assets: map[string]asset{
			"/web/app.wasm":     {body: page.body, br: page.br, gz: page.gz, contentType: "application/wasm"},
			"/web/worker.wasm":  {body: worker.body, br: worker.br, gz: worker.gz, contentType: "application/wasm"},
			"/web/simd.wasm":    {body: simd, contentType: "application/wasm"},
			"/web/simd.js":      {body: simdJS, contentType: "text/javascript; charset=utf-8"},
			ModelPath:           {body: assets.Model, contentType: "application/octet-stream"},
			digit.SubsetPath:    {body: assets.MNISTSubset, contentType: "application/gzip"},
			WorkerPath:          {body: workerJS, contentType: "text/javascript; charset=utf-8"},
			"/web/store.js":     {body: storeJS, contentType: "text/javascript; charset=utf-8"},
			"/web/linksimd.js":  {body: linkJS, contentType: "text/javascript; charset=utf-8"},
			"/web/data.js":      {body: dataJS, contentType: "text/javascript; charset=utf-8"},
			"/web/app.css":      {body: css, contentType: "text/css; charset=utf-8"},
			"/web/icon.svg":     {body: svg, contentType: "image/svg+xml", immutable: true},
			"/web/icon-192.png": {body: icon(192), contentType: "image/png", immutable: true},
			"/web/icon-512.png": {body: icon(512), contentType: "image/png", immutable: true},
		},
	}
	return s, nil
}

// goappPaths are what go-app's Handler serves for the site: the page, its
// scripts, style sheet and manifest. Everything else is an asset or 404.
var goappPaths = map[string]bool{
	"/":                     true,
	"/app.js":               true,
	"/app-worker.js":        true,
	"/wasm_exec.js":         true,
	"/app.css":              true,
	"/manifest.webmanifest": true,
}

// ServeHTTP serves GET and HEAD requests: the assets, go-app's page and
// scripts, and 404 for any other path.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	a, ok := s.assets[r.URL.Path]
	if !ok {
		if !goappPaths[r.URL.Path] {
			// Not go-app's Handler: it would serve any file under ./web
			// from the disk, and proxy /robots.txt and the like from the
			// host the request names.
			http.NotFound(w, r)
			return
		}
		s.app.ServeHTTP(w, r)
		return
	}
	body := a.body
	h.Set("Content-Type", a.contentType)
	if a.br != nil || a.gz != nil {
		h.Set("Vary", "Accept-Encoding")
		h.Set(wasmSizeHeader, strconv.Itoa(len(a.body)))
		switch enc := acceptEncoding(r); {
		case a.br != nil && enc["br"]:
			h.Set("Content-Encoding", "br")
			body = a.br
		case a.gz != nil && enc["gzip"]:
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
	}
	switch {
	case a.noStore:
		h.Set("Cache-Control", "no-store")
	case a.immutable:
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	default:
		// The pages and the wasm name no version in their URLs:
		// revalidate them by ETag, which changes with the build.
		h.Set("Cache-Control", "no-cache")
		etag := `"` + s.app.Version + `-` + h.Get("Content-Encoding") + `"`
		h.Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

// acceptEncoding returns the codings r accepts (those without q=0).
func acceptEncoding(r *http.Request) map[string]bool {
	enc := map[string]bool{}
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				continue
			}
		}
		enc[strings.ToLower(strings.TrimSpace(name))] = true
	}
	return enc
}

// ExportStatic writes the site to dir as plain files, for any static file
// server: the pages, go-app's scripts and manifest, and the assets
// (uncompressed; the server adds the headers).
func (s *Site) ExportStatic(dir string) error {
	if err := app.GenerateStaticWebsite(dir, s.app); err != nil {
		return fmt.Errorf("export to %s: %w", dir, err)
	}
	for name, a := range s.assets {
		path := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(name, "/")))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, a.body, 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return nil
}

// icon draws the app's icon, side×side pixels: a white stroke of a 1 on the
// theme's blue.
func icon(side int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	blue := color.RGBA{0x1d, 0x4e, 0x89, 0xff}
	for y := range side {
		for x := range side {
			c := blue
			if x > side*44/100 && x < side*56/100 && y > side/5 && y < side*4/5 {
				c = color.RGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img) // writing to a bytes.Buffer cannot fail
	return b.Bytes()
}
