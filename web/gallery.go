package web

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"slices"
	"sync/atomic"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// "Where it goes wrong": the shipped test images that the model in use
// reads wrong, found on the page's thread in slices of a few milliseconds,
// each in a task of its own, so that the page stays free; found again
// whenever the model changes (after an epoch of training, an upload or a
// reset).

// Gallery sizes: images read per call of the model, the work done before
// the thread is handed back, and the mistakes shown (all are counted).
const (
	galleryBatch = 8
	gallerySlice = 12 * time.Millisecond
	galleryShown = 60
)

// gallery is the page's gallery state.
type gallery struct {
	test *mnist.Set // the shipped test images; nil until loaded
	// gen counts the searches: a search stops when a newer one starts.
	gen      atomic.Int64
	version  int64       // counts the changes of what the panel shows
	view     app.Context // the panel's own, once mounted
	busy     bool
	waiting  bool // for the training run to end
	mistakes []mistake
	workMs   float64 // the search's work, in milliseconds, without the waits between slices
	err      error
}

// mistake is a test image the model reads wrong.
type mistake struct {
	index, label, read int
	prob               float64 // the probability of what it reads
	thumb              string  // a data URL of the image, for the first galleryShown
}

// loadTestImages fetches the shipped subset (the browser decompresses it)
// and keeps its test images, then looks for the model's mistakes and shows
// the test image a link names. It blocks: run it in its own goroutine.
func (p *Page) loadTestImages() {
	raw, err := fetchGunzip(digit.SubsetPath)
	var sub *digit.Subset
	if err == nil {
		nextTask()
		sub, err = digit.ParseSubset(raw)
	}
	p.ctx.Dispatch(func(app.Context) {
		if err != nil {
			p.gal.err = err
			p.gal.version++
			return
		}
		// Only the test images stay: 1.5 MB, not the 9.4 MB of the file.
		p.gal.test = &mnist.Set{Pixels: slices.Clone(sub.Test.Pixels), Labels: slices.Clone(sub.Test.Labels)}
		p.startGallery()
		if i := p.link.image; i >= 0 {
			if i >= sub.Test.Len() {
				p.linkErr = fmt.Errorf("image=%d: the test images are 0 to %d", i, sub.Test.Len()-1)
				return
			}
			p.showTest(i)
		}
	})
}

// startGallery starts a search for the current model's mistakes, which
// stops any earlier one; while a training run goes on it waits for the
// run's end (endWorkers starts it), so that the search's slices and its
// redraws of the page do not add to the run's.
func (p *Page) startGallery() {
	if p.gal.test == nil || p.model == nil || p.ctx == nil {
		return
	}
	gen := p.gal.gen.Add(1)
	p.gal.busy = true
	p.gal.version++
	if p.gal.waiting = p.training(); p.gal.waiting {
		return // the end of the run starts it: the page's thread stays the training panel's
	}
	c, test := p.model, p.gal.test
	p.ctx.Async(func() { p.findMistakes(gen, c, test) })
}

// findMistakes reads every image of test with the page's model c, a slice
// at a time, and shows what it reads wrong unless a newer search (gen)
// started meanwhile. A new model, or new weights read into c in place (as
// each epoch of training does), starts a newer search, so the slices of a
// search all read with the same weights: no slice yields mid-way, and each
// checks gen first.
func (p *Page) findMistakes(gen int64, c *lstm.Classifier, test *mnist.Set) {
	nextTask()
	var work time.Duration
	start := time.Now()
	// yield hands the thread back once the slice has worked gallerySlice,
	// and says whether this search is still the newest.
	yield := func() bool {
		if time.Since(start) > gallerySlice {
			work += time.Since(start)
			nextTask()
			start = time.Now()
		}
		return p.gal.gen.Load() == gen
	}
	found, err := func() ([]mistake, error) {
		x, y, idx := make([]float32, galleryBatch*mnist.Pixels), make([]int, galleryBatch), make([]int, galleryBatch)
		var found []mistake
		for i := 0; i < test.Len(); i += galleryBatch {
			if !yield() {
				return nil, nil
			}
			n := min(galleryBatch, test.Len()-i)
			for k := range n {
				idx[k] = i + k
			}
			if err := test.Fill(x, y, idx[:n]); err != nil {
				return nil, err
			}
			logits, err := c.Logits(lstm.Tensor{Shape: []int{n, mnist.Rows, mnist.Cols}, Data: x[:n*mnist.Pixels]})
			if err != nil {
				return nil, err
			}
			for k := range n {
				row := logits.Data[k*mnist.Classes : (k+1)*mnist.Classes]
				if read := lstm.Argmax(row); read != y[k] {
					found = append(found, mistake{index: i + k, label: y[k], read: read, prob: lstm.Softmax(row)[read]})
				}
			}
		}
		slices.SortStableFunc(found, func(a, b mistake) int { return cmp.Compare(b.prob, a.prob) })
		for k := range min(len(found), galleryShown) {
			if !yield() {
				return nil, nil
			}
			found[k].thumb = thumbnail(test.Image(found[k].index))
		}
		return found, nil
	}()
	work += time.Since(start)
	nextTask()
	ctx := p.ctx
	if p.gal.view != nil {
		ctx = p.gal.view // the panel's own: the rest of the page is not redrawn
	}
	ctx.Dispatch(func(app.Context) {
		if p.gal.gen.Load() != gen {
			return
		}
		p.gal.busy, p.gal.mistakes, p.gal.err = false, found, err
		p.gal.version++
		p.gal.workMs = float64(work.Microseconds()) / 1000
	})
}

// thumbnail is a PNG data URL of a 28×28 image, dark ink on white.
func thumbnail(pixels []uint8) string {
	img := image.NewGray(image.Rect(0, 0, mnist.Cols, mnist.Rows))
	for i, v := range pixels {
		img.Pix[i] = 255 - v
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "" // an in-memory image always encodes
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// showTest loads test image i into the drawing view.
func (p *Page) showTest(i int) {
	t := p.gal.test
	if t == nil || i < 0 || i >= t.Len() {
		return
	}
	x := make([]float32, mnist.Pixels)
	if err := t.Fill(x, make([]int, 1), []int{i}); err != nil {
		return
	}
	p.strokes = nil
	p.what.shown, p.what.shownIndex = x, i
	p.redraw()
}

// galleryView is the panel of mistakes, a component of its own so that the
// page's redraws (after each epoch of training, each drawing) pass over it
// unless the gallery changed: go-app redraws a child only when its
// exported fields change.
type galleryView struct {
	app.Compo

	// Msg is the page's language; Version counts the gallery's changes.
	Msg     *messages
	Version int64

	page *Page
}

// renderGallery is the gallery's panel.
func (p *Page) renderGallery(m *messages) app.UI {
	return &galleryView{Msg: m, Version: p.gal.version, page: p}
}

// OnMount makes the panel the page's.
func (v *galleryView) OnMount(ctx app.Context) { v.page.gal.view = ctx }

// Render draws the panel.
func (v *galleryView) Render() app.UI {
	w, p := v.Msg.whatIf(), v.page
	g := &p.gal
	var status string
	switch {
	case g.err != nil:
		status = fmt.Sprintf(w.galleryFailed, g.err)
	case g.waiting:
		status = w.galleryWaits
	case g.test == nil || g.busy:
		n := 0
		if g.test != nil {
			n = g.test.Len()
		}
		status = fmt.Sprintf(w.galleryBusy, n)
	default:
		status = fmt.Sprintf(w.galleryCount, len(g.mistakes), g.test.Len(), g.workMs)
	}
	count := ""
	if g.test != nil && !g.busy && g.err == nil {
		count = fmt.Sprint(len(g.mistakes))
	}
	shown := g.mistakes[:min(len(g.mistakes), galleryShown)]
	return app.Section().Class("panel gallery").DataSet("testid", "mistakes-gallery").Body(
		app.H2().Text(w.galleryTitle),
		app.P().Class("hint").Text(w.galleryHint),
		app.P().Class("status-line").Attr("role", "status").Text(status),
		app.Span().Class("hidden-value").DataSet("testid", "mistakes-count").Text(count),
		app.Ul().Class("mistakes").Body(
			app.Range(shown).Slice(func(k int) app.UI {
				mk := shown[k]
				caption := fmt.Sprintf(w.galleryItem, mk.label, mk.read, 100*mk.prob)
				return app.Li().Body(
					app.Button().Class("mistake").DataSet("testid", fmt.Sprintf("mistake-%d", k)).
						DataSet("index", mk.index).DataSet("read", mk.read).Title(caption).
						OnClick(func(app.Context, app.Event) { p.showTest(mk.index); p.scrollToDrawing(); p.refresh() }).Body(
						app.Img().Src(mk.thumb).Alt(caption).Width(56).Height(56),
						app.Span().Text(caption),
					),
				)
			}),
		),
	)
}

// scrollToDrawing brings the drawing view into sight.
func (p *Page) scrollToDrawing() {
	if c := app.Window().GetElementByID("digit-canvas"); c != nil && c.Truthy() {
		c.Call("scrollIntoView", map[string]any{"block": "center"})
	}
}
