// Package web is the browser app of lstm-digits: a go-app page where one
// draws a digit, the LSTM reads it in WebAssembly, and the page shows the
// prediction, its probabilities and the network's states at each of the 28
// time steps; and where one trains the LSTM, from scratch or fine-tuning it
// on one's own digits, in Web Workers (worker.js running package
// wasm/worker, which runs package digit), with live charts, while
// the page stays responsive. The model lives in IndexedDB (store.js) and
// downloads and uploads as safetensors.
//
// The components and routes compile into both the browser build (package
// wasm) and the server (digits serve), which pre-renders the page; the
// server itself, its assets and the static export are in the files built
// without the wasm tag, so they stay out of the browser's binary.
package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// ModelPath is where the server offers the bundled model, which the page
// fetches once at start.
const ModelPath = "/web/model.safetensors"

// Route registers the page's routes with go-app; the browser entry point
// and the server both call it.
func Route() {
	app.Route("/", &Page{})
}

// Page is the whole app: drawing, prediction, the LSTM's inside view and
// the explanation.
type Page struct {
	app.Compo

	msg *messages

	model     *lstm.Classifier
	modelFile []byte // the model's file, for download and fine-tuning
	bundled   []byte // the bundled model's file, for reset
	source    string // where the model came from: fromBundle, fromTrain or fromUpload+name
	err       error  // what went wrong, shown instead of the model's details
	accuracy  float64
	testN     int
	// modelMsg says how the last upload or save went; modelMsgErr marks
	// it as an error.
	modelMsg    string
	modelMsgErr bool

	ctx   app.Context // the page's own, from OnMount
	train *trainPanel // the training panel, once mounted
	own   ownDigits   // the visitor's own digits

	strokes  [][]point
	drawing  bool
	pointer  int // the id of the pointer drawing
	lastPred time.Time
	// memoryHeld says the page holds its memory (digit.HoldMemory), which
	// it does once a training run's first model is in.
	memoryHeld bool

	what    whatIf  // erased rows, a loaded test image, a pinned drawing
	gal     gallery // the model's mistakes on the test images
	link    link    // what the page's link asked for
	linkErr error   // what was wrong with it

	input []float32 // the model's 28×28 input, its erased rows blank; nil without ink
	probs []float64
	trace *lstm.Trace
	ms    float64
	step  int // highlighted time step, -1 for none
	deep  deepInside
}

// OnMount picks the language and loads the model: the one kept in
// IndexedDB from an earlier visit (trained or uploaded here), else the
// bundled one.
func (p *Page) OnMount(ctx app.Context) {
	p.link, p.linkErr = parseLink(app.Window().URL().RawQuery)
	p.what.erased, p.what.shownIndex = p.link.erased, -1
	p.msg = pick(app.Window().Get("navigator").Get("language").String())
	if p.link.lang != "" {
		p.msg = pick(p.link.lang)
	}
	app.Window().Get("document").Get("documentElement").Set("lang", p.msg.lang)
	p.ctx = ctx
	p.step = -1
	ctx.Async(func() {
		bundled, err := fetchBytes(ModelPath)
		var kept []byte
		source := fromBundle
		if v, serr := store("getModel"); serr == nil && v.Truthy() {
			kept, source = goBytes(v.Get("bytes")), v.Get("source").String()
		}
		count, cerr := store("countDigits")
		ctx.Dispatch(func(ctx app.Context) {
			if cerr == nil {
				p.own.count = count.Int()
			}
			if err != nil {
				p.err = fmt.Errorf("load model: %w", err)
				return
			}
			p.bundled = bundled
			if kept != nil && p.useModel(ctx, kept, source, false) == nil {
				return
			}
			if err := p.useModel(ctx, bundled, fromBundle, false); err != nil {
				p.err = fmt.Errorf("load model: %w", err)
			}
		})
		p.loadTestImages()
	})
}

// Render draws the page.
func (p *Page) Render() app.UI {
	m := p.msg
	if m == nil {
		m = english
	}
	return app.Div().Class("page").Body(
		app.Header().Body(
			app.H1().Text(m.title),
			app.P().Class("tagline").Text(m.tagline),
			app.Button().Class("lang").DataSet("testid", "language-button").
				Aria("label", m.languageLabel).Text(m.switchTo).OnClick(p.onLanguage),
			p.renderStatus(m),
			p.renderShare(m),
		),
		app.Main().Body(
			app.Section().Class("panel draw").Body(
				app.H2().Text(m.draw),
				app.Canvas().ID("digit-canvas").DataSet("testid", "digit-canvas").
					Width(canvasSide).Height(canvasSide).TabIndex(0).
					Aria("label", m.canvasLabel).Attr("role", "img").
					On("pointerdown", p.onDown).On("pointermove", p.onMove).
					On("pointerup", p.onUp).On("pointercancel", p.onUp).
					OnKeyDown(p.onKey),
				p.renderAnswerBar(m),
				app.Div().Class("buttons").Body(
					app.Button().DataSet("testid", "clear-button").Text(m.clear).OnClick(p.onClear),
					app.Button().DataSet("testid", "undo-button").Text(m.undo).OnClick(p.onUndo),
					app.Button().DataSet("testid", "example-button").Text(m.example).OnClick(p.onExample),
				),
				app.P().Class("hint").Text(m.drawHint),
			),
			app.Section().Class("panel result").Body(
				app.H2().Text(m.modelSees),
				p.renderModelInput(m),
				app.H2().Text(m.prediction),
				app.Div().Class("prediction").DataSet("testid", "prediction").Aria("live", "polite").
					Text(p.predicted()),
				app.If(p.probs == nil, app.P().Class("hint").Text(m.noInk)),
				app.H3().Text(m.probabilities),
				p.renderBars(),
				app.P().Class("ms").Body(
					app.If(p.probs != nil, app.Text(fmt.Sprintf(m.inferenceMs, p.ms, kernelsText(m)))),
					app.Span().Class("hidden-value").DataSet("testid", "inference-ms").Text(p.msText()),
					app.Span().Class("hidden-value").DataSet("testid", "kernels").Text(kernelsInUse),
				),
			),
			p.renderInside(m),
			p.renderCompare(m),
			p.renderGallery(m),
			p.renderModel(m),
			p.renderOwn(m),
			newTrainPanel(p, m),
			app.Section().Class("panel how").Body(
				app.H2().Text(m.howTitle),
				app.P().Text(m.howIntro),
				renderTerms(m.howArgs),
				renderTerms(m.howOutputs),
				app.P().Text(m.howOutro),
			),
		),
	)
}

// training says whether a training run is under way.
func (p *Page) training() bool {
	return p.train != nil && p.train.running
}

// refresh redraws the page, as after an event of its own.
func (p *Page) refresh() {
	if p.ctx != nil {
		p.ctx.Dispatch(func(app.Context) {})
	}
}

func (p *Page) renderStatus(m *messages) app.UI {
	switch {
	case p.err != nil:
		return app.P().Class("status error").Attr("role", "alert").Text(fmt.Sprintf(m.loadFailed, p.err))
	case p.model == nil:
		return app.P().Class("status").DataSet("testid", "model-loading").Text(m.loading)
	}
	info := fmt.Sprintf(m.modelInfo, 100*p.accuracy, p.testN, len(p.modelFile)/1024)
	if p.source != fromBundle {
		info = p.sourceText(m) + " · " + p.accuracyText(m)
	}
	return app.P().Class("status").DataSet("testid", "model-info").Text(info)
}

func (p *Page) renderBars() app.UI {
	best := -1
	if p.probs != nil {
		best = lstm.Argmax(p.probs)
	}
	return app.Ul().Class("bars").Body(
		app.Range(make([]struct{}, mnist.Classes)).Slice(func(d int) app.UI {
			v := 0.0
			if p.probs != nil {
				v = p.probs[d]
			}
			cls := "bar"
			if d == best {
				cls += " best"
			}
			return app.Li().Class(cls).Body(
				app.Span().Class("digit").Text(strconv.Itoa(d)),
				app.Span().Class("track").Body(
					app.Span().Class("fill").Style("width", fmt.Sprintf("%.1f%%", 100*v)),
				),
				app.Span().Class("value").DataSet("testid", "prob-"+strconv.Itoa(d)).
					Text(p.probText(d)),
			)
		}),
	)
}

func renderTerms(terms [][2]string) app.UI {
	return app.Dl().Body(app.Range(terms).Slice(func(i int) app.UI {
		return app.Div().Body(
			app.Dt().Body(app.Code().Text(terms[i][0])),
			app.Dd().Text(terms[i][1]),
		)
	}))
}

func (p *Page) predicted() string {
	if p.probs == nil {
		return ""
	}
	return strconv.Itoa(lstm.Argmax(p.probs))
}

func (p *Page) probText(d int) string {
	if p.probs == nil {
		return ""
	}
	return strconv.FormatFloat(p.probs[d], 'f', 3, 64)
}

// kernelsText says in m's words which kernels the page computes with.
func kernelsText(m *messages) string {
	if pureGo() {
		return m.noSIMD
	}
	return m.simd
}

// kernelsInUse names the matrix kernels the page computes with, chosen
// once when the program starts (after the host linked the SIMD128 ones,
// or their stand-ins).
var kernelsInUse = cpu.Kernels()[0]

// pureGo reports whether the page, in a browser without WebAssembly
// SIMD128, computes with the pure-Go kernels; its workers, in the same
// browser, do too.
func pureGo() bool {
	return app.IsClient && !strings.HasPrefix(kernelsInUse, "wasmsimd")
}

func (p *Page) msText() string {
	if p.probs == nil {
		return ""
	}
	return strconv.FormatFloat(p.ms, 'f', 2, 64)
}

func (p *Page) onLanguage(ctx app.Context, e app.Event) {
	if p.msg == chinese {
		p.msg = english
	} else {
		p.msg = chinese
	}
	app.Window().Get("document").Get("documentElement").Set("lang", p.msg.lang)
}
