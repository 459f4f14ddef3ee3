package web

import (
	"fmt"
	"image"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// The drawing panel: strokes from a pointer (mouse, finger, pen) or the
// keys, painted on the canvas, then read as MNIST reads a digit and run
// through the model, live while the visitor draws.

// Canvas and drawing sizes, in canvas pixels.
const (
	canvasSide = 280
	inkWidth   = 20
	// throttle is the shortest time between two predictions while drawing.
	throttle = 100 * time.Millisecond
)

type point struct{ x, y float64 }

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
	if p.what.shown != nil { // a stroke replaces a loaded test image
		p.forgetShown()
		p.paint()
	}
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
	p.forgetShown()
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
	p.forgetShown()
	p.redraw()
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
	p.paintShown(c)
}

func canvasContext(id string) app.Value {
	el := app.Window().GetElementByID(id)
	if el == nil || el.IsNull() || el.IsUndefined() {
		return app.Null()
	}
	return el.Call("getContext", "2d")
}

// predict reads the drawing (or the test image loaded) as the model's
// input and runs the model on it.
func (p *Page) predict() {
	p.lastPred = time.Now()
	p.what.raw = nil
	switch {
	case p.model == nil:
	case len(p.strokes) > 0:
		x, err := readCanvas()
		if err == nil {
			p.what.raw = x
		} // else no ink yet: nothing to predict
	case p.what.shown != nil:
		p.what.raw = p.what.shown
	}
	p.run()
}

// run runs the model on the input, its erased rows blanked, and traces
// its states step by step; then it paints the views of them.
func (p *Page) run() {
	p.input, p.probs, p.trace = nil, nil, nil
	if p.what.raw != nil && p.model != nil {
		if err := p.infer(p.what.masked()); err != nil {
			p.err = fmt.Errorf("predict: %w", err)
		}
	}
	p.paintInput()
	p.paintMaps()
	p.paintCompare()
	p.computeCell()
	p.scheduleAttribution()
}

// readCanvas preprocesses the drawing canvas as MNIST reads a digit; it
// fails when there is no ink.
func readCanvas() ([]float32, error) {
	c := canvasContext("digit-canvas")
	data := c.Call("getImageData", 0, 0, canvasSide, canvasSide).Get("data")
	img := image.NewNRGBA(image.Rect(0, 0, canvasSide, canvasSide))
	app.CopyBytesToGo(img.Pix, data)
	return mnist.Preprocess(img)
}

// infer runs the model on x, 28×28, and traces it.
func (p *Page) infer(x []float32) error {
	in := lstm.Tensor{Shape: []int{1, mnist.Rows, mnist.Cols}, Data: x}
	start := time.Now()
	logits, err := p.model.Logits(in)
	if err != nil {
		return err
	}
	p.ms = float64(time.Since(start).Microseconds()) / 1000
	start = time.Now()
	trace, err := p.model.Trace(lstm.Tensor{Shape: []int{mnist.Rows, mnist.Cols}, Data: x})
	if err != nil {
		return err
	}
	p.deep.traceMs = float64(time.Since(start).Microseconds()) / 1000
	p.input, p.probs, p.trace = x, lstm.Softmax(logits.Data), trace
	if !p.own.chosen {
		p.own.label = lstm.Argmax(p.probs) // the label to add it under, unless the visitor chose one
	}
	return nil
}
