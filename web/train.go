package web

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/lstm"
	"github.com/lstm-digits/lstm-digits/mnist"
	"github.com/lstm-digits/lstm-digits/web/training"
)

// WorkerPath is the script of the training worker (worker.js, which runs
// worker.wasm).
const WorkerPath = "/web/worker.js"

// Where the current model came from.
const (
	fromBundle = "bundled"
	fromTrain  = "trained"
	fromUpload = "uploaded:" // followed by the file's name
)

// trainState is the training panel's state: the settings being edited,
// the workers of the run in progress and what they reported.
type trainState struct {
	form    training.Settings
	workers []app.Value
	funcs   []app.Func // the workers' handlers, released with them
	run     int        // counts the runs, so that a late message of an old one is dropped
	running bool
	paused  bool
	start   *training.Start
	steps   []training.Step
	epochs  []training.EpochSummary
	done    string // the closing message of the last run
	err     error

	mu    sync.Mutex
	inbox []workerMsg // messages not shown yet
}

// workerMsg is a message from a run's leader worker: a report (JSON), a
// model file, the end of the run or an error.
type workerMsg struct {
	run                   int
	kind, report, message string
	model                 []byte
}

// uiInterval is the shortest time between two updates of the training
// panel: steps can come by the dozen each second, and each update redraws
// the page on its thread.
const uiInterval = 200 * time.Millisecond

// mineState is the visitor's own digits, kept in IndexedDB.
type mineState struct {
	count   int
	label   int  // the label the next added digit gets
	chosen  bool // the visitor chose label; else it follows the prediction
	message string
}

// initTraining sets the panel's defaults: the seed's settings, from
// scratch, with as many workers as the browser has cores (at most 4).
func (p *Page) initTraining() {
	p.train.form = training.Defaults()
	cores := app.Window().Get("navigator").Get("hardwareConcurrency")
	if cores.Truthy() {
		p.train.form.Workers = min(max(cores.Int(), 1), 4)
	}
}

// sourceText names where the model came from.
func (p *Page) sourceText(m *messages) string {
	switch {
	case p.source == fromTrain:
		return m.sourceTrained
	case strings.HasPrefix(p.source, fromUpload):
		return fmt.Sprintf(m.sourceUploaded, strings.TrimPrefix(p.source, fromUpload))
	}
	return m.sourceBundled
}

// accuracyText is the model's test accuracy as its training record gives
// it.
func (p *Page) accuracyText(m *messages) string {
	if p.testN == 0 {
		return m.modelUntested
	}
	return fmt.Sprintf(m.modelAccuracy, 100*p.accuracy, p.testN)
}

// renderModel is the model panel: where the model came from, its size and
// accuracy, and download, upload and reset.
func (p *Page) renderModel(m *messages) app.UI {
	var about []app.UI
	if p.model != nil {
		cfg := p.model.Config()
		about = []app.UI{
			app.P().DataSet("testid", "model-summary").Body(
				app.Strong().Text(p.sourceText(m)), app.Text(" · "+p.accuracyText(m)),
			),
			app.P().Class("hint").Text(fmt.Sprintf(m.modelShape, p.model.Params().Count(), cfg.HiddenSize, cfg.NumLayers)),
		}
	}
	notice := app.P().Class("notice").Attr("role", "status").DataSet("testid", "model-message").Text(p.modelMsg)
	if p.modelMsgErr {
		notice = notice.Class("error").Attr("role", "alert")
	}
	return app.Section().Class("panel model").Body(
		app.H2().Text(m.modelTitle),
		app.Div().Body(about...),
		app.Div().Class("buttons").Body(
			app.Button().DataSet("testid", "model-download").Text(m.download).
				Disabled(p.model == nil).OnClick(p.onDownload),
			app.Label().Class("button").Body(
				app.Text(m.upload),
				app.Input().Type("file").Accept(".safetensors").DataSet("testid", "model-upload").
					Class("file").OnChange(p.onUpload),
			),
			app.Button().DataSet("testid", "model-reset").Text(m.reset).
				Disabled(p.source == fromBundle || p.train.running).OnClick(p.onReset),
		),
		notice,
	)
}

// renderTraining is the training panel.
func (p *Page) renderTraining(m *messages) app.UI {
	t := &p.train
	f := t.form
	running := t.running
	field := func(label, name string, value any, disabled bool) app.UI {
		return app.Label().Class("field").Body(
			app.Span().Text(label),
			app.Input().Type("number").Name(name).DataSet("testid", "train-"+name).
				Value(value).Disabled(disabled || running).OnChange(p.onField(name)),
		)
	}
	lr := strconv.FormatFloat(float64(f.LR), 'g', -1, 32)
	return app.Section().Class("panel train").Body(
		app.H2().Text(m.trainTitle),
		app.P().Class("hint").Text(m.trainHint),
		app.Div().Class("form").Body(
			app.Label().Class("field wide").Body(
				app.Span().Text(m.startFrom),
				app.Select().DataSet("testid", "train-from").Disabled(running).OnChange(p.onFrom).Body(
					app.Option().Value("model").Selected(!f.FromScratch).Text(m.fromModel),
					app.Option().Value("scratch").Selected(f.FromScratch).Text(m.fromScratch),
				),
			),
			field(m.hiddenSize, "hidden", f.Hidden, !f.FromScratch),
			field(m.layers, "layers", f.Layers, !f.FromScratch),
			field(m.learningRate, "lr", lr, false),
			field(m.batchSize, "batch", f.Batch, false),
			field(m.epochs, "epochs", f.Epochs, false),
			field(m.trainImages, "train_images", f.TrainImages, false),
			field(m.testImages, "test_images", f.TestImages, false),
			field(m.workers, "workers", f.Workers, false),
			field(m.mineTimes, "mine", f.Mine, false),
		),
		app.Div().Class("buttons").Body(
			app.Button().DataSet("testid", "train-start").Text(m.start).
				Disabled(running || p.model == nil && !f.FromScratch).OnClick(p.onTrainStart),
			app.Button().DataSet("testid", "train-pause").Disabled(!running || t.start == nil).
				Text(map[bool]string{false: m.pause, true: m.resume}[t.paused]).OnClick(p.onTrainPause),
			app.Button().DataSet("testid", "train-stop").Text(m.stop).Disabled(!running).OnClick(p.onTrainStop),
		),
		p.renderProgress(m),
		app.If(t.err != nil, app.P().Class("notice error").Attr("role", "alert").DataSet("testid", "train-error").
			Text(fmt.Sprintf(m.trainFailed, t.err))),
		app.If(t.done != "", app.P().Class("notice").Attr("role", "status").DataSet("testid", "train-done").Text(t.done)),
		app.Div().Class("charts").Body(
			p.lossChart(m),
			p.accuracyChart(m),
		),
		p.renderConfusion(m),
	)
}

// renderProgress is the run's progress bar and its three figures.
func (p *Page) renderProgress(m *messages) app.UI {
	t := &p.train
	var (
		done, total     int
		status          string
		loss, acc, rate string
	)
	switch {
	case t.running && t.start == nil:
		status = fmt.Sprintf(m.starting, t.form.Workers)
	case len(t.steps) > 0:
		last := t.steps[len(t.steps)-1]
		done, total = last.Step+1, t.start.Steps
		status = fmt.Sprintf(m.progress, last.Epoch+1, total/t.start.Batches, last.Batch+1, t.start.Batches)
		if t.running {
			status += " · " + fmt.Sprintf(m.speed, last.SamplesPerSec, clock(last.ETA))
		}
		if t.paused {
			status += " · " + m.paused
		}
		loss = strconv.FormatFloat(float64(last.Loss), 'f', 4, 32)
		rate = strconv.FormatFloat(last.SamplesPerSec, 'f', 0, 64)
	}
	if n := len(t.epochs); n > 0 {
		acc = strconv.FormatFloat(t.epochs[n-1].TestAccuracy, 'f', 4, 64)
	}
	return app.Div().Class("progress").Body(
		app.Progress().DataSet("testid", "train-progress").Max(max(total, 1)).Value(done),
		app.P().Class("status-line").Text(status),
		app.Dl().Class("figures").Body(
			figure(m.lossLabel, "train-loss", loss),
			figure(m.accuracyLabel, "train-accuracy", acc),
			figure(m.throughputLabel, "train-throughput", rate),
		),
	)
}

func figure(label, testid, value string) app.UI {
	return app.Div().Body(app.Dt().Text(label), app.Dd().DataSet("testid", testid).Text(value))
}

// clock writes seconds as m:ss or h:mm:ss.
func clock(seconds float64) string {
	s := int(math.Round(seconds))
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// The matrix and the charts are written as HTML and SVG text (app.Raw):
// the browser parses them natively, and go-app only compares the text from
// one update to the next, which keeps each update of the page short.

// renderConfusion is the last evaluation's confusion matrix, each cell
// shaded by its share of the row, with the per-digit accuracy beside.
func (p *Page) renderConfusion(m *messages) app.UI {
	n := len(p.train.epochs)
	if n == 0 {
		return app.Div().DataSet("testid", "confusion").Class("confusion empty")
	}
	ev := p.train.epochs[n-1]
	var rows strings.Builder
	rows.WriteString("<tr><th></th>")
	for d := range mnist.Classes {
		fmt.Fprintf(&rows, `<th scope="col">%d</th>`, d)
	}
	fmt.Fprintf(&rows, `<th scope="col">%s</th></tr>`, html.EscapeString(m.perClass))
	total := 0
	for t, row := range ev.Confusion {
		sum := 0
		for _, c := range row {
			sum += c
		}
		total += sum
		fmt.Fprintf(&rows, `<tr><th scope="row">%d</th>`, t)
		for pred, c := range row {
			share := 0.0
			if sum > 0 {
				share = float64(c) / float64(sum)
			}
			cls := "cell"
			if pred == t {
				cls += " diagonal"
			}
			if share > 0.5 {
				cls += " dark"
			}
			fmt.Fprintf(&rows, `<td class="%s" style="background: rgba(29, 78, 137, %.3f)">%d</td>`, cls, share, c)
		}
		acc := "–"
		if a := ev.PerClass[t]; a >= 0 {
			acc = fmt.Sprintf("%.1f%%", 100*a)
		}
		fmt.Fprintf(&rows, `<td class="per-class">%s</td></tr>`, acc)
	}
	return app.Raw(fmt.Sprintf(`<figure class="confusion" data-testid="confusion"><figcaption>%s</figcaption><table><tbody>%s</tbody></table></figure>`,
		html.EscapeString(fmt.Sprintf(m.confusion, total)), rows.String()))
}

// The charts' frame is chartW×chartH user units.
const (
	chartW, chartH = 600, 160
	// chartPoints is the most points a line gets: longer series are
	// averaged in buckets, which also smooths the per-batch noise.
	chartPoints = 600
)

// lossChart plots the training loss of every batch.
func (p *Page) lossChart(m *messages) app.UI {
	t := &p.train
	losses := make([]float64, len(t.steps))
	top := 0.1
	for i, s := range t.steps {
		losses[i] = float64(s.Loss)
		top = max(top, losses[i])
	}
	return chart("loss-chart", m.lossChart, top,
		fmt.Sprintf(`<polyline class="series loss" points="%s"/>`, line(losses, p.totalSteps(), top)))
}

// accuracyChart plots every batch's training accuracy and, as dots, the
// test accuracy after each epoch.
func (p *Page) accuracyChart(m *messages) app.UI {
	t := &p.train
	acc := make([]float64, len(t.steps))
	for i, s := range t.steps {
		acc[i] = s.Accuracy
	}
	total := p.totalSteps()
	var shapes strings.Builder
	fmt.Fprintf(&shapes, `<polyline class="series accuracy" points="%s"/>`, line(acc, total, 1))
	if t.start != nil {
		for _, e := range t.epochs {
			x := float64(min(e.Epoch+1, total/t.start.Batches)*t.start.Batches) / float64(total) * chartW
			if e.Stopped {
				x = float64(len(t.steps)) / float64(total) * chartW
			}
			fmt.Fprintf(&shapes, `<circle class="test-point" cx="%.1f" cy="%.1f" r="4"><title>%.2f%%</title></circle>`,
				x, chartH*(1-e.TestAccuracy), 100*e.TestAccuracy)
		}
	}
	return chart("accuracy-chart", m.accuracyChart, 1, shapes.String())
}

// totalSteps is the length of the charts' x axis: the run's steps.
func (p *Page) totalSteps() int {
	if p.train.start == nil {
		return 1
	}
	return p.train.start.Steps
}

// chart frames the SVG shapes in a figure, its y axis from 0 to top.
func chart(testid, caption string, top float64, shapes string) app.UI {
	var grid strings.Builder
	fmt.Fprintf(&grid, `<rect class="frame" x="0" y="0" width="%d" height="%d"/>`, chartW, chartH)
	for _, f := range []float64{0.25, 0.5, 0.75} {
		fmt.Fprintf(&grid, `<line class="grid" x1="0" x2="%d" y1="%.1f" y2="%.1f"/>`, chartW, chartH*f, chartH*f)
	}
	c := html.EscapeString(caption)
	return app.Raw(fmt.Sprintf(`<figure class="chart"><figcaption>%s <span class="axis">(0–%s)</span></figcaption>`+
		`<svg xmlns="http://www.w3.org/2000/svg" data-testid="%s" viewBox="0 0 %d %d" preserveAspectRatio="none" role="img" aria-label="%s">%s%s</svg></figure>`,
		c, strconv.FormatFloat(top, 'g', 3, 64), testid, chartW, chartH, c, grid.String(), shapes))
}

// line returns the points of a polyline through values, value i at x =
// i/total of the width and y = value/top of the height (0 at the bottom),
// averaged in buckets to at most chartPoints points.
func line(values []float64, total int, top float64) string {
	if len(values) == 0 {
		return ""
	}
	bucket := max(1, (len(values)+chartPoints-1)/chartPoints)
	var b strings.Builder
	for lo := 0; lo < len(values); lo += bucket {
		hi := min(lo+bucket, len(values))
		sum := 0.0
		for _, v := range values[lo:hi] {
			sum += v
		}
		x := (float64(lo+hi) / 2) / float64(max(total, 1)) * chartW
		y := chartH * (1 - math.Min(sum/float64(hi-lo)/top, 1))
		fmt.Fprintf(&b, "%.1f,%.1f ", x, y)
	}
	return strings.TrimSpace(b.String())
}

// renderMine is the visitor's digits: label and add what is drawn, teach,
// forget.
func (p *Page) renderMine(m *messages) app.UI {
	count := m.mineNone
	if p.mine.count > 0 {
		count = fmt.Sprintf(m.mineCount, p.mine.count)
	}
	return app.Section().Class("panel mine").Body(
		app.H2().Text(m.mineTitle),
		app.P().Class("hint").Text(m.mineHint),
		app.Div().Class("buttons").Body(
			app.Label().Class("field").Body(
				app.Span().Text(m.thisDigitIs),
				app.Select().DataSet("testid", "sample-label").OnChange(p.onLabel).Body(
					app.Range(make([]struct{}, mnist.Classes)).Slice(func(d int) app.UI {
						return app.Option().Value(d).Selected(d == p.mine.label).Text(d)
					}),
				),
			),
			app.Button().DataSet("testid", "add-sample").Text(m.addSample).OnClick(p.onAddSample),
			app.Button().DataSet("testid", "teach").Text(m.teach).
				Disabled(p.mine.count == 0 || p.train.running || p.model == nil).OnClick(p.onTeach),
			app.Button().DataSet("testid", "forget").Text(m.forget).
				Disabled(p.mine.count == 0).OnClick(p.onForget),
		),
		app.P().DataSet("testid", "mine-count").Text(count),
		app.If(p.mine.message != "", app.P().Class("notice").Attr("role", "status").Text(p.mine.message)),
	)
}

// onField reads the number input name into the settings.
func (p *Page) onField(name string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		v := ctx.JSSrc().Get("value").String()
		f := &p.train.form
		if name == "lr" {
			if x, err := strconv.ParseFloat(v, 32); err == nil {
				f.LR = float32(x)
			}
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return
		}
		*map[string]*int{
			"hidden": &f.Hidden, "layers": &f.Layers, "batch": &f.Batch, "epochs": &f.Epochs,
			"train_images": &f.TrainImages, "test_images": &f.TestImages, "workers": &f.Workers, "mine": &f.Mine,
		}[name] = n
	}
}

func (p *Page) onFrom(ctx app.Context, e app.Event) {
	p.train.form.FromScratch = ctx.JSSrc().Get("value").String() == "scratch"
}

func (p *Page) onTrainStart(ctx app.Context, e app.Event) {
	p.startTraining(ctx, p.train.form)
}

// startTraining starts a run with settings s: it reads the visitor's digits
// if s asks for them, starts the workers, and hands the leader the run.
func (p *Page) startTraining(ctx app.Context, s training.Settings) {
	t := &p.train
	if t.running {
		return
	}
	if err := s.Validate(); err != nil {
		t.err = err
		return
	}
	if !s.FromScratch && p.modelFile == nil {
		t.err = fmt.Errorf("no model to fine-tune yet")
		return
	}
	t.form = s
	t.running, t.paused, t.start, t.steps, t.epochs, t.done, t.err = true, false, nil, nil, nil, "", nil
	settings, _ := json.Marshal(s) // Settings always encode
	model := p.modelFile
	ctx.Async(func() {
		var mine any // null, or the visitor's digits
		if s.Mine > 0 {
			pixels, labels, err := loadMine()
			if err == nil && len(labels) > 0 {
				mine = map[string]any{"pixels": jsBytes(pixels), "labels": jsBytes(labels)}
			} else if err != nil {
				ctx.Dispatch(func(ctx app.Context) { p.trainFailed(err) })
				return
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.launchWorkers(ctx, s.Workers, map[string]any{
				"type": "train", "settings": string(settings), "model": jsBytes(model), "mine": mine,
			})
		})
	})
}

// launchWorkers starts n workers, the first the leader and the others its
// replicas, connected by message channels, and sends the leader msg.
func (p *Page) launchWorkers(ctx app.Context, n int, msg map[string]any) {
	t := &p.train
	w := app.Window()
	t.run++
	run := t.run
	onMsg := app.FuncOf(func(_ app.Value, args []app.Value) any {
		data := args[0].Get("data")
		m := workerMsg{run: run, kind: data.Get("type").String()}
		switch m.kind {
		case "report":
			m.report = data.Get("report").String()
		case "error":
			m.message = data.Get("message").String()
		}
		if model := data.Get("model"); model.Truthy() {
			m.model = goBytes(model)
		}
		p.queue(ctx, m)
		return nil
	})
	onError := app.FuncOf(func(_ app.Value, args []app.Value) any {
		msg := "the worker failed"
		if m := args[0].Get("message"); m.Truthy() {
			msg = m.String()
		}
		p.queue(ctx, workerMsg{run: run, kind: "error", message: msg})
		return nil
	})
	t.funcs = []app.Func{onMsg, onError}
	var peers []app.Value
	for i := range n {
		worker := w.Get("Worker").New(WorkerPath)
		worker.Set("onerror", onError)
		t.workers = append(t.workers, worker)
		if i == 0 {
			worker.Set("onmessage", onMsg)
			continue
		}
		ch := w.Get("MessageChannel").New()
		peers = append(peers, ch.Get("port1"))
		worker.Call("postMessage", map[string]any{"type": "replica", "port": ch.Get("port2")}, jsArray(ch.Get("port2")))
	}
	msg["peers"] = jsArray(peers...)
	t.workers[0].Call("postMessage", msg, jsArray(peers...))
}

// queue keeps a worker's message for the next update of the panel, which
// it schedules, uiInterval from now, if none is.
func (p *Page) queue(ctx app.Context, m workerMsg) {
	t := &p.train
	t.mu.Lock()
	t.inbox = append(t.inbox, m)
	first := len(t.inbox) == 1
	t.mu.Unlock()
	if first {
		ctx.Async(func() {
			time.Sleep(uiInterval)
			ctx.Dispatch(p.drain)
		})
	}
}

// drain shows the queued messages of the current run. The last model file
// among them becomes the page's model in a task of its own, after this
// update is drawn, so that neither makes the page's thread busy for long.
func (p *Page) drain(ctx app.Context) {
	t := &p.train
	t.mu.Lock()
	msgs := t.inbox
	t.inbox = nil
	t.mu.Unlock()
	var model []byte
	for _, m := range msgs {
		if m.run != t.run || !t.running {
			continue
		}
		if m.model != nil {
			model = m.model
		}
		p.onWorker(m)
	}
	if model != nil {
		ctx.Async(func() {
			time.Sleep(time.Millisecond) // a new task
			ctx.Dispatch(func(ctx app.Context) {
				if err := p.useModel(ctx, model, fromTrain, true); err != nil {
					p.train.err = fmt.Errorf("the trained model: %w", err)
				}
			})
		})
	}
}

// onWorker takes in a message from the run's leader worker.
func (p *Page) onWorker(m workerMsg) {
	t := &p.train
	switch m.kind {
	case "report":
		var r training.Report
		if err := json.Unmarshal([]byte(m.report), &r); err != nil {
			p.trainFailed(fmt.Errorf("a report from the worker: %w", err))
			return
		}
		switch {
		case r.Start != nil:
			t.start = r.Start
		case r.Step != nil:
			t.steps = append(t.steps, *r.Step)
		case r.Epoch != nil:
			t.epochs = append(t.epochs, *r.Epoch)
		}
	case "done":
		p.stopWorkers()
		if n := len(t.epochs); n > 0 {
			msg := p.msg.trainDone
			if t.epochs[n-1].Stopped {
				msg = p.msg.trainStopped
			}
			t.done = fmt.Sprintf(msg, 100*t.epochs[n-1].TestAccuracy)
		}
	case "error":
		p.trainFailed(fmt.Errorf("%s", m.message))
	}
}

// trainFailed ends the run with err.
func (p *Page) trainFailed(err error) {
	p.stopWorkers()
	p.train.err = err
}

// stopWorkers ends the workers of the run.
func (p *Page) stopWorkers() {
	t := &p.train
	for _, w := range t.workers {
		w.Call("terminate")
	}
	for _, f := range t.funcs {
		f.Release()
	}
	t.workers, t.funcs, t.running, t.paused = nil, nil, false, false
}

func (p *Page) onTrainPause(ctx app.Context, e app.Event) {
	t := &p.train
	if !t.running || len(t.workers) == 0 {
		return
	}
	t.paused = !t.paused
	t.workers[0].Call("postMessage", map[string]any{"type": map[bool]string{true: "pause", false: "resume"}[t.paused]})
}

func (p *Page) onTrainStop(ctx app.Context, e app.Event) {
	t := &p.train
	if !t.running || len(t.workers) == 0 {
		return
	}
	if t.start == nil { // still loading: nothing learned to keep
		p.stopWorkers()
		return
	}
	t.paused = false
	t.workers[0].Call("postMessage", map[string]any{"type": "stop"})
}

// useModel decodes a model file and makes it the page's model, the one the
// drawing view runs; keep stores it in IndexedDB, for the next visit.
func (p *Page) useModel(ctx app.Context, file []byte, source string, keep bool) error {
	c, meta, err := lstm.Decode(cpu.New(), file)
	if err != nil {
		return err
	}
	if c.Config().InputSize != mnist.Cols || c.NumClasses != mnist.Classes || !c.Config().BatchFirst {
		return fmt.Errorf("it reads %d features into %d classes; this page needs %d into %d, batch first",
			c.Config().InputSize, c.NumClasses, mnist.Cols, mnist.Classes)
	}
	p.model, p.modelFile, p.source, p.err = c, file, source, nil
	p.accuracy, p.testN = 0, 0
	if rec, ok := lstm.ReadRecord(meta); ok {
		p.accuracy, p.testN = rec.TestAccuracy, rec.TestImages
	}
	p.predict()
	if keep {
		ctx.Async(func() {
			var err error
			if source == fromBundle {
				_, err = store("deleteModel")
			} else {
				_, err = store("putModel", jsBytes(file), source)
			}
			if err != nil {
				ctx.Dispatch(func(ctx app.Context) {
					p.modelMsg, p.modelMsgErr = fmt.Sprintf(p.msg.storageFailed, err), true
				})
			}
		})
	}
	return nil
}

func (p *Page) onDownload(ctx app.Context, e app.Event) {
	if p.modelFile != nil {
		saveFile("lstm-digits-model.safetensors", "application/octet-stream", p.modelFile)
	}
}

func (p *Page) onUpload(ctx app.Context, e app.Event) {
	files := ctx.JSSrc().Get("files")
	if !files.Truthy() || files.Length() == 0 {
		return
	}
	file := files.Index(0)
	name := file.Get("name").String()
	ctx.JSSrc().Set("value", "") // the same file may be chosen again
	ctx.Async(func() {
		buf, err := await(file.Call("arrayBuffer"))
		var data []byte
		if err == nil {
			data = goBytes(buf)
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err == nil {
				err = p.useModel(ctx, data, fromUpload+name, true)
			}
			if err != nil {
				p.modelMsg, p.modelMsgErr = fmt.Sprintf(p.msg.uploadFailed, name, err)+" "+p.msg.modelKept, true
				return
			}
			p.modelMsg, p.modelMsgErr = fmt.Sprintf(p.msg.uploadDone, name)+" "+p.msg.storedOnly, false
		})
	})
}

func (p *Page) onReset(ctx app.Context, e app.Event) {
	if p.train.running || p.bundled == nil {
		return
	}
	if err := p.useModel(ctx, p.bundled, fromBundle, true); err != nil {
		p.err = err
	}
	p.modelMsg, p.modelMsgErr = "", false
}

func (p *Page) onLabel(ctx app.Context, e app.Event) {
	if d, err := strconv.Atoi(ctx.JSSrc().Get("value").String()); err == nil {
		p.mine.label, p.mine.chosen = d, true
	}
}

// onAddSample keeps what the model reads of the drawing, as bytes, with
// its label.
func (p *Page) onAddSample(ctx app.Context, e app.Event) {
	if p.input == nil {
		p.mine.message = p.msg.drawFirst
		return
	}
	pixels := make([]byte, len(p.input))
	for i, v := range p.input {
		pixels[i] = byte(math.Round(255 * math.Min(math.Max(float64(v), 0), 1)))
	}
	label := p.mine.label
	p.mine.chosen = false
	ctx.Async(func() {
		_, err := store("addDigit", jsBytes(pixels), label)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.mine.message = err.Error()
				return
			}
			p.mine.count++
			p.mine.message = ""
			p.strokes = nil
			p.redraw()
		})
	})
}

// onTeach fine-tunes the current model on the visitor's digits mixed with
// 2,000 MNIST images, for two epochs.
func (p *Page) onTeach(ctx app.Context, e app.Event) {
	s := p.train.form
	s.FromScratch, s.Epochs, s.TrainImages, s.Mine = false, 2, 2000, 10
	p.startTraining(ctx, s)
}

func (p *Page) onForget(ctx app.Context, e app.Event) {
	ctx.Async(func() {
		_, err := store("clearDigits")
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.mine.message = err.Error()
				return
			}
			p.mine.count = 0
		})
	})
}

// loadMine reads the visitor's digits from IndexedDB: their pixels back to
// back, and their labels.
func loadMine() (pixels, labels []byte, err error) {
	v, err := store("digits")
	if err != nil {
		return nil, nil, err
	}
	for i := range v.Length() {
		d := v.Index(i)
		px := goBytes(d.Get("pixels"))
		label := d.Get("label").Int()
		if len(px) != mnist.Pixels || label < 0 || label >= mnist.Classes {
			continue // not one of ours
		}
		pixels = append(pixels, px...)
		labels = append(labels, byte(label))
	}
	return pixels, labels, nil
}
