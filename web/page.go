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
	"image"
	"math"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// ModelPath is where the server offers the bundled model, which the page
// fetches once at start.
const ModelPath = "/web/model.safetensors"

// Canvas and drawing sizes, in canvas pixels.
const (
	canvasSide = 280
	inkWidth   = 20
	// throttle is the shortest time between two predictions while drawing.
	throttle = 100 * time.Millisecond
)

// Route registers the page's routes with go-app; the browser entry point
// and the server both call it.
func Route() {
	app.Route("/", &Page{})
}

type point struct{ x, y float64 }

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

	input []float32 // the model's 28×28 input; nil without ink
	probs []float64
	trace *lstm.Trace
	ms    float64
	step  int // highlighted time step, -1 for none
}

// OnMount picks the language and loads the model: the one kept in
// IndexedDB from an earlier visit (trained or uploaded here), else the
// bundled one.
func (p *Page) OnMount(ctx app.Context) {
	p.msg = pick(app.Window().Get("navigator").Get("language").String())
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
	})
}

// fetchBytes GETs url with the browser's fetch. It blocks, so it must run
// in its own goroutine, never in a JS callback.
func fetchBytes(url string) ([]byte, error) {
	resp, err := await(app.Window().Call("fetch", url))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	if !resp.Get("ok").Bool() {
		return nil, fmt.Errorf("fetch %s: HTTP %d", url, resp.Get("status").Int())
	}
	buf, err := await(resp.Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	return goBytes(buf), nil
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
				app.Div().Class("buttons").Body(
					app.Button().DataSet("testid", "clear-button").Text(m.clear).OnClick(p.onClear),
					app.Button().DataSet("testid", "undo-button").Text(m.undo).OnClick(p.onUndo),
					app.Button().DataSet("testid", "example-button").Text(m.example).OnClick(p.onExample),
				),
				app.P().Class("hint").Text(m.drawHint),
			),
			app.Section().Class("panel result").Body(
				app.H2().Text(m.modelSees),
				app.Canvas().ID("model-input").DataSet("testid", "model-input").
					Width(mnist.Cols).Height(mnist.Rows).Aria("label", m.modelInputLabel).Attr("role", "img"),
				app.H2().Text(m.prediction),
				app.Div().Class("prediction").DataSet("testid", "prediction").Aria("live", "polite").
					Text(p.predicted()),
				app.If(p.probs == nil, app.P().Class("hint").Text(m.noInk)),
				app.H3().Text(m.probabilities),
				p.renderBars(),
				app.P().Class("ms").Body(
					app.If(p.probs != nil, app.Text(fmt.Sprintf(m.inferenceMs, p.ms))),
					app.Span().Class("hidden-value").DataSet("testid", "inference-ms").Text(p.msText()),
				),
			),
			p.renderInside(m),
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

func (p *Page) renderInside(m *messages) app.UI {
	step := ""
	if p.step >= 0 {
		step = fmt.Sprintf(m.step, p.step+1)
	}
	layers, units := digit.LSTMConfig().NumLayers, digit.LSTMConfig().HiddenSize
	if p.model != nil {
		layers, units = p.model.Config().NumLayers, p.model.Config().HiddenSize
	}
	digits := make([]string, mnist.Classes)
	for d := range digits {
		digits[d] = strconv.Itoa(d)
	}
	maps := []app.UI{heatmap("probs-map", m.probsPerStep, mnist.Classes, p.step, digits, p.onHover)}
	for k := range layers {
		maps = append(maps,
			heatmap(fmt.Sprintf("h-map-%d", k), fmt.Sprintf(m.hidden, k+1, units), units, p.step, nil, p.onHover),
			heatmap(fmt.Sprintf("c-map-%d", k), fmt.Sprintf(m.cell, k+1, units), units, p.step, nil, p.onHover))
	}
	return app.Section().Class("panel inside").Body(
		app.H2().Text(m.inside),
		app.P().Class("hint").Text(m.insideHint),
		app.Label().Class("slider").Body(
			app.Span().Text(m.stepSliderLabel),
			app.Input().Type("range").Min(0).Max(mnist.Rows-1).Value(max(p.step, 0)).
				OnInput(p.onSlider),
			app.Span().Class("step").Text(step),
		),
		app.Div().Class("maps").Body(maps...),
	)
}

// heatmap is a captioned canvas of 28 rows (time steps) by cols, the
// highlighted step marked; labels, if any, name the columns.
func heatmap(id, caption string, cols, step int, labels []string, hover app.EventHandler) app.UI {
	return app.Figure().Class("map").Body(
		app.FigCaption().Text(caption),
		app.Div().Class("frame").Body(
			app.Canvas().ID(id).Width(cols).Height(mnist.Rows).
				On("pointermove", hover).On("pointerdown", hover),
			app.If(step >= 0, app.Div().Class("marker").
				Style("top", fmt.Sprintf("%.3f%%", 100*float64(step)/mnist.Rows)).
				Style("height", fmt.Sprintf("%.3f%%", 100.0/mnist.Rows))),
		),
		app.If(len(labels) > 0, app.Div().Class("labels").Body(
			app.Range(labels).Slice(func(i int) app.UI { return app.Span().Text(labels[i]) }),
		)),
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

// canvasPoint is where the pointer event e is, in canvas pixels.
func canvasPoint(e app.Event) point {
	c := e.Get("currentTarget")
	r := c.Call("getBoundingClientRect")
	sx := float64(canvasSide) / r.Get("width").Float()
	sy := float64(canvasSide) / r.Get("height").Float()
	return point{
		(e.Get("clientX").Float() - r.Get("left").Float()) * sx,
		(e.Get("clientY").Float() - r.Get("top").Float()) * sy,
	}
}

// The pointer handlers never call ctx.PreventUpdate: in go-app v9 it
// vetoes every update of the component until the next frame, so the update
// that pen-up asks for would be lost when both come in one frame.

func (p *Page) onDown(ctx app.Context, e app.Event) {
	if p.drawing || e.Get("button").Int() != 0 {
		return // a second finger, or not the main button
	}
	e.PreventDefault()
	e.Get("currentTarget").Call("setPointerCapture", e.Get("pointerId"))
	e.Get("currentTarget").Call("focus")
	p.drawing = true
	p.pointer = e.Get("pointerId").Int()
	p.strokes = append(p.strokes, []point{canvasPoint(e)})
	p.paint()
}

func (p *Page) onMove(ctx app.Context, e app.Event) {
	if !p.drawing || e.Get("pointerId").Int() != p.pointer {
		return
	}
	e.PreventDefault()
	s := &p.strokes[len(p.strokes)-1]
	*s = append(*s, canvasPoint(e))
	p.paint()
	if time.Since(p.lastPred) < throttle {
		return
	}
	p.predict()
}

func (p *Page) onUp(ctx app.Context, e app.Event) {
	if !p.drawing || e.Get("pointerId").Int() != p.pointer {
		return
	}
	p.drawing = false
	p.predict()
}

func (p *Page) onKey(ctx app.Context, e app.Event) {
	key := e.Get("key").String()
	switch {
	case key == "Delete" || key == "Backspace":
		p.onClear(ctx, e)
	case key == "z" && (e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool()):
		p.onUndo(ctx, e)
	case key == "e" || key == "E":
		p.onExample(ctx, e)
	default:
		return
	}
	e.PreventDefault()
}

func (p *Page) onClear(ctx app.Context, e app.Event) {
	p.strokes = nil
	p.redraw()
}

func (p *Page) onUndo(ctx app.Context, e app.Event) {
	if len(p.strokes) > 0 {
		p.strokes = p.strokes[:len(p.strokes)-1]
	}
	p.redraw()
}

func (p *Page) onExample(ctx app.Context, e app.Event) {
	p.strokes = exampleStrokes()
	p.redraw()
}

func (p *Page) onSlider(ctx app.Context, e app.Event) {
	n, err := strconv.Atoi(ctx.JSSrc().Get("value").String())
	if err != nil {
		return
	}
	p.step = n
	p.paintInput()
}

func (p *Page) onHover(ctx app.Context, e app.Event) {
	c := e.Get("currentTarget")
	r := c.Call("getBoundingClientRect")
	row := int((e.Get("clientY").Float() - r.Get("top").Float()) / r.Get("height").Float() * mnist.Rows)
	if row < 0 || row >= mnist.Rows || row == p.step {
		return
	}
	p.step = row
	p.paintInput()
}

// redraw repaints every stroke and predicts again.
func (p *Page) redraw() {
	p.paint()
	p.predict()
}

// paint draws the strokes on the drawing canvas: smooth quadratic curves
// through the midpoints of successive pointer positions, dark ink on a
// transparent canvas (which mnist.Preprocess reads as background).
func (p *Page) paint() {
	c := canvasContext("digit-canvas")
	if c.IsNull() {
		return
	}
	c.Call("clearRect", 0, 0, canvasSide, canvasSide)
	c.Set("lineWidth", inkWidth)
	c.Set("lineCap", "round")
	c.Set("lineJoin", "round")
	c.Set("strokeStyle", "#111")
	for _, s := range p.strokes {
		c.Call("beginPath")
		c.Call("moveTo", s[0].x, s[0].y)
		if len(s) == 1 {
			c.Call("lineTo", s[0].x+0.1, s[0].y)
		}
		for i := 1; i < len(s)-1; i++ {
			mx, my := (s[i].x+s[i+1].x)/2, (s[i].y+s[i+1].y)/2
			c.Call("quadraticCurveTo", s[i].x, s[i].y, mx, my)
		}
		if n := len(s); n > 1 {
			c.Call("lineTo", s[n-1].x, s[n-1].y)
		}
		c.Call("stroke")
	}
}

func canvasContext(id string) app.Value {
	el := app.Window().GetElementByID(id)
	if el == nil || el.IsNull() || el.IsUndefined() {
		return app.Null()
	}
	return el.Call("getContext", "2d")
}

// predict preprocesses the drawing, runs the model on it, and traces its
// states step by step.
func (p *Page) predict() {
	p.lastPred = time.Now()
	p.input, p.probs, p.trace = nil, nil, nil
	if p.model != nil && len(p.strokes) > 0 {
		if err := p.infer(); err != nil {
			p.err = fmt.Errorf("predict: %w", err)
		}
	}
	p.paintInput()
	p.paintMaps()
}

func (p *Page) infer() error {
	c := canvasContext("digit-canvas")
	data := c.Call("getImageData", 0, 0, canvasSide, canvasSide).Get("data")
	img := image.NewNRGBA(image.Rect(0, 0, canvasSide, canvasSide))
	app.CopyBytesToGo(img.Pix, data)
	x, err := mnist.Preprocess(img)
	if err != nil {
		return nil // no ink yet: nothing to predict
	}
	in := lstm.Tensor{Shape: []int{1, mnist.Rows, mnist.Cols}, Data: x}
	start := time.Now()
	logits, err := p.model.Logits(in)
	if err != nil {
		return err
	}
	p.ms = float64(time.Since(start).Microseconds()) / 1000
	trace, err := p.model.Trace(lstm.Tensor{Shape: []int{mnist.Rows, mnist.Cols}, Data: x})
	if err != nil {
		return err
	}
	p.input, p.probs, p.trace = x, lstm.Softmax(logits.Data), trace
	if !p.own.chosen {
		p.own.label = lstm.Argmax(p.probs) // the label to add it under, unless the visitor chose one
	}
	return nil
}

// paintInput draws the model's 28×28 input, the highlighted step's row
// tinted.
func (p *Page) paintInput() {
	pix := make([]byte, 4*mnist.Rows*mnist.Cols)
	for i := range mnist.Rows * mnist.Cols {
		v := 0.0
		if p.input != nil {
			v = float64(p.input[i])
		}
		r, g, b := gray(v)
		if p.step >= 0 && i/mnist.Cols == p.step {
			r, g, b = blend(r, 255), blend(g, 170), blend(b, 0)
		}
		pix[4*i], pix[4*i+1], pix[4*i+2], pix[4*i+3] = r, g, b, 255
	}
	putPixels("model-input", mnist.Cols, mnist.Rows, pix)
}

// paintMaps draws the per-step probabilities and every layer's h and
// tanh(c).
func (p *Page) paintMaps() {
	t := p.trace
	probs := make([]byte, 4*mnist.Rows*mnist.Classes)
	for s := range mnist.Rows {
		for d := range mnist.Classes {
			v := 0.0
			if t != nil {
				v = t.Probs[s][d]
			}
			setPixel(probs, s*mnist.Classes+d, heat(v))
		}
	}
	putPixels("probs-map", mnist.Classes, mnist.Rows, probs)
	if p.model == nil {
		return
	}
	cfg := p.model.Config()
	for k := range cfg.NumLayers {
		paintStates(fmt.Sprintf("h-map-%d", k), cfg.HiddenSize, t, func(t *lstm.Trace) [][]float32 { return t.H[k] }, false)
		paintStates(fmt.Sprintf("c-map-%d", k), cfg.HiddenSize, t, func(t *lstm.Trace) [][]float32 { return t.C[k] }, true)
	}
}

// paintStates draws one layer's states, cols units wide, one row per
// step, through tanh when squash is set (c is unbounded; h is already in
// [-1, 1]).
func paintStates(id string, cols int, t *lstm.Trace, states func(*lstm.Trace) [][]float32, squash bool) {
	pix := make([]byte, 4*mnist.Rows*cols)
	for s := range mnist.Rows {
		for j := range cols {
			v := 0.0
			if t != nil {
				row := states(t)[s]
				if j < len(row) {
					v = float64(row[j])
				}
				if squash {
					v = math.Tanh(v)
				}
			}
			setPixel(pix, s*cols+j, diverging(v))
		}
	}
	putPixels(id, cols, mnist.Rows, pix)
}

func putPixels(id string, w, h int, pix []byte) {
	c := canvasContext(id)
	if c.IsNull() {
		return
	}
	arr := app.Window().Get("Uint8ClampedArray").New(len(pix))
	app.CopyBytesToJS(arr, pix)
	img := app.Window().Get("ImageData").New(arr, w, h)
	c.Call("putImageData", img, 0, 0)
}

func setPixel(pix []byte, i int, rgb [3]byte) {
	pix[4*i], pix[4*i+1], pix[4*i+2], pix[4*i+3] = rgb[0], rgb[1], rgb[2], 255
}

func gray(v float64) (r, g, b byte) {
	x := byte(math.Round(255 * math.Min(math.Max(v, 0), 1)))
	return x, x, x
}

func blend(a, b byte) byte { return byte((int(a) + int(b)) / 2) }

// heat maps v in [0, 1] from near white to deep blue.
func heat(v float64) [3]byte {
	v = math.Min(math.Max(v, 0), 1)
	return [3]byte{byte(247 - 239*v), byte(251 - 203*v), byte(255 - 148*v)}
}

// diverging maps v in [-1, 1] to blue (negative), white (0), red
// (positive).
func diverging(v float64) [3]byte {
	v = math.Min(math.Max(v, -1), 1)
	if v < 0 {
		return [3]byte{byte(255 + 222*v), byte(255 + 153*v), byte(255 + 40*v)}
	}
	return [3]byte{255, byte(255 - 200*v), byte(255 - 215*v)}
}
