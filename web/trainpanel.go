package web

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/digit"
)

// trainPanel is the training panel: the settings, the run's controls,
// progress, charts and confusion matrix. It is a component of its own so
// that the many updates of a run redraw the panel alone: go-app redraws a
// component when its own context dispatches, and a parent's redraw passes
// over a child whose exported fields did not change.
type trainPanel struct {
	app.Compo

	// Msg is the page's language; HasModel says whether there is a model
	// to fine-tune. The page sets both when it draws the panel.
	Msg      *messages
	HasModel bool

	page *Page
	ctx  app.Context // the panel's own: what it dispatches redraws the panel only

	form    digit.Settings
	workers []app.Value
	funcs   []app.Func // the workers' handlers, released with them
	run     int        // counts the runs, so that a late message of an old one is dropped
	running bool
	paused  bool
	view    runView // the last run, as its leader's messages tell it
	// interrupted is a run that a reload or a closed tab cut short, which
	// the panel offers to resume; nil for none.
	interrupted *interruptedRun
	// matrix is the HTML of the confusion matrix after matrixEpochs
	// epochs in the language matrixMsg, written once, not at every update.
	matrix       string
	matrixMsg    *messages
	matrixEpochs int

	mu    sync.Mutex
	inbox []workerMsg // messages not shown yet
}

// newTrainPanel is the panel of page p, with the seed's settings.
func newTrainPanel(p *Page, m *messages) *trainPanel {
	return &trainPanel{Msg: m, HasModel: p.model != nil, page: p, form: digit.Defaults()}
}

// OnMount makes the panel the page's and sets the number of workers:
// one per core but one, which the page keeps for itself (at least 1, at
// most 4).
func (t *trainPanel) OnMount(ctx app.Context) {
	t.ctx = ctx
	t.page.train = t
	l, err := parseLink(app.Window().URL().RawQuery) // the page says what was wrong with a bad one
	if err == nil {
		t.form = l.settings
	}
	if !l.hasWorkers {
		t.form.Workers = workersFor(browserCores(), 1)
	}
	t.findInterrupted()
}

// workersFor is the number of training workers for a browser that
// reports cores cores, keeping keep of them for the page's thread (at
// least 1 worker, at most 4). A run keeps one core by default, so that
// drawing and the panel's updates are never queued behind the workers;
// the seed's run on all of MNIST, long and asked for, keeps none, and the
// page's thread then shares the cores (its tasks stay as short, but may
// wait for a core: web/NOTES.md).
func workersFor(cores, keep int) int {
	return min(max(cores-keep, 1), 4)
}

// browserCores is the browser's navigator.hardwareConcurrency.
func browserCores() int {
	return app.Window().Get("navigator").Get("hardwareConcurrency").Int()
}

// Render draws the panel.
func (t *trainPanel) Render() app.UI {
	m, d := t.Msg, t.Msg.data()
	f := t.form
	running := t.running
	field := func(label, name string, value any, disabled bool) app.UI {
		return app.Label().Class("field").Body(
			app.Span().Text(label),
			app.Input().Type("number").Name(name).DataSet("testid", "train-"+name).
				Value(value).Disabled(disabled || running).OnChange(t.onField(name)),
		)
	}
	lr := strconv.FormatFloat(float64(f.LR), 'g', -1, 32)
	if n := len(t.view.epochs); t.matrix == "" || t.matrixMsg != m || t.matrixEpochs != n {
		var last *digit.EpochSummary
		if n > 0 {
			last = &t.view.epochs[n-1]
		}
		t.matrix, t.matrixMsg, t.matrixEpochs = confusionTable(m, last), m, n
	}
	total, batches := 1, 1
	if t.view.start != nil {
		total, batches = t.view.start.Steps, t.view.start.Batches
	}
	return app.Section().Class("panel train").Body(
		app.H2().Text(m.trainTitle),
		app.P().Class("hint").Text(m.trainHint),
		t.renderInterrupted(m),
		app.If(pureGo(), app.P().Class("hint").DataSet("testid", "no-simd").Text(m.noSIMD)),
		app.Div().Class("form").Body(
			app.Label().Class("field wide").Body(
				app.Span().Text(m.startFrom),
				app.Select().DataSet("testid", "train-from").Disabled(running).OnChange(t.onFrom).Body(
					app.Option().Value("model").Selected(!f.FromScratch).Text(m.fromModel),
					app.Option().Value("scratch").Selected(f.FromScratch).Text(m.fromScratch),
				),
			),
			app.Label().Class("field wide").Body(
				app.Span().Text(d.images),
				app.Select().DataSet("testid", "train-data").Disabled(running).OnChange(t.onData).Body(
					app.Option().Value(digit.DataSubset).Selected(!f.OnMNIST()).Text(d.subset),
					app.Option().Value(digit.DataMNIST).Selected(f.OnMNIST()).Text(d.all),
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
			field(m.ownRepeats, "own_repeats", f.OwnRepeats, false),
		),
		app.Div().Class("buttons").Body(
			app.Button().DataSet("testid", "train-start").Text(m.start).
				Disabled(running || !t.HasModel && !f.FromScratch).OnClick(t.onStart),
			app.Button().DataSet("testid", "train-pause").Disabled(!running || t.view.start == nil).
				Text(map[bool]string{false: m.pause, true: m.resume}[t.paused]).OnClick(t.onPause),
			app.Button().DataSet("testid", "train-stop").Text(m.stop).Disabled(!running).OnClick(t.onStop),
			app.Button().DataSet("testid", "train-seed-mnist").Text(d.seedOnMNIST).Title(d.seedOnMNISTHint).Disabled(running).OnClick(t.onSeedOnMNIST),
		),
		t.renderProgress(m),
		app.If(t.view.err != nil, app.P().Class("notice error").Attr("role", "alert").DataSet("testid", "train-error").
			Text(fmt.Sprintf(m.trainFailed, t.view.err))),
		app.If(t.view.done != "", app.P().Class("notice").Attr("role", "status").DataSet("testid", "train-done").Text(t.view.done)),
		app.Div().Class("charts").Body(
			lossChart(m, t.view.steps, total),
			accuracyChart(m, t.view.steps, t.view.epochs, total, batches),
		),
		app.Raw(t.matrix),
	)
}

// renderProgress is the run's progress bar and its three figures.
func (t *trainPanel) renderProgress(m *messages) app.UI {
	var (
		done, total     int
		status          string
		loss, acc, rate string
	)
	switch l := t.view.loading; {
	case t.running && t.view.start == nil && l != nil:
		const kB, MB = 1e3, 1e6
		all, d := max(l.Total, l.Bytes), m.data()
		done, total = int(l.Bytes/kB), int(all/kB)
		text := d.loading
		if l.Cached {
			text = d.loadingCache
		}
		status = fmt.Sprintf(text, float64(l.Bytes)/MB, float64(all)/MB)
		if l.Bytes == all {
			status = d.checking
		}
	case t.running && t.view.start == nil:
		status = fmt.Sprintf(m.starting, t.form.Workers)
	case len(t.view.steps) > 0:
		last := t.view.steps[len(t.view.steps)-1]
		done, total = last.Step+1, t.view.start.Steps
		status = fmt.Sprintf(m.progress, last.Epoch+1, total/t.view.start.Batches, last.Batch+1, t.view.start.Batches)
		if t.running {
			status += " · " + fmt.Sprintf(m.speed, last.SamplesPerSec, clock(last.ETA))
		}
		if t.paused {
			status += " · " + m.paused
		}
		loss = strconv.FormatFloat(float64(last.Loss), 'f', 4, 32)
		rate = strconv.FormatFloat(last.SamplesPerSec, 'f', 0, 64)
	}
	var mem, memEpochs string
	if n := len(t.view.epochs); n > 0 {
		acc = strconv.FormatFloat(t.view.epochs[n-1].TestAccuracy, 'f', 4, 64)
		mem = fmt.Sprintf(m.memory, t.view.epochs[n-1].Memory>>20, t.view.pageMemory[n-1]>>20)
		var each []string
		for i, e := range t.view.epochs {
			each = append(each, fmt.Sprintf("%d:%d", e.Memory, t.view.pageMemory[i]))
		}
		memEpochs = strings.Join(each, ",")
	}
	return app.Div().Class("progress").Body(
		app.Progress().DataSet("testid", "train-progress").Max(max(total, 1)).Value(done),
		app.P().Class("status-line").Text(status),
		app.Dl().Class("figures").Body(
			figure(m.lossLabel, "train-loss", loss),
			figure(m.accuracyLabel, "train-accuracy", acc),
			figure(m.throughputLabel, "train-throughput", rate),
			figure(m.memoryLabel, "train-memory", mem),
		),
		// Each epoch's worker:page memory in bytes, for the tests.
		app.Span().Class("hidden-value").DataSet("testid", "train-memory-epochs").Text(memEpochs),
	)
}

func figure(label, testid, value string) app.UI {
	return app.Div().Body(app.Dt().Text(label), app.Dd().DataSet("testid", testid).Text(value))
}

// onField reads the number input name into the settings.
func (t *trainPanel) onField(name string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		v := ctx.JSSrc().Get("value").String()
		f := &t.form
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
			"train_images": &f.TrainImages, "test_images": &f.TestImages, "workers": &f.Workers, "own_repeats": &f.OwnRepeats,
		}[name] = n
	}
}

func (t *trainPanel) onFrom(ctx app.Context, e app.Event) {
	t.form.FromScratch = ctx.JSSrc().Get("value").String() == "scratch"
}

// onData picks the data set, with all of its images.
func (t *trainPanel) onData(ctx app.Context, e app.Event) {
	f := &t.form
	f.Data = ctx.JSSrc().Get("value").String()
	all := digit.Defaults()
	if f.OnMNIST() {
		all = digit.SeedOnMNIST()
	}
	f.TrainImages, f.TestImages = all.TrainImages, all.TestImages
}

// onSeedOnMNIST sets the form to the seed's own run: its settings on all
// of MNIST, from scratch, on every core.
func (t *trainPanel) onSeedOnMNIST(ctx app.Context, e app.Event) {
	s := digit.SeedOnMNIST()
	s.Workers = workersFor(browserCores(), 0)
	t.form = s
}

func (t *trainPanel) onStart(ctx app.Context, e app.Event) {
	t.startRun(t.form)
}

func (t *trainPanel) onPause(ctx app.Context, e app.Event) {
	if !t.running || len(t.workers) == 0 {
		return
	}
	t.paused = !t.paused
	t.workers[0].Call("postMessage", map[string]any{"type": map[bool]string{true: "pause", false: "resume"}[t.paused]})
}

func (t *trainPanel) onStop(ctx app.Context, e app.Event) {
	if !t.running || len(t.workers) == 0 {
		return
	}
	if t.view.start == nil { // still loading: nothing learned to keep
		t.endWorkers(true)
		return
	}
	t.paused = false
	t.workers[0].Call("postMessage", map[string]any{"type": "stop"})
}

// teach fine-tunes the page's model on the visitor's digits mixed with
// 2,000 images of the shipped subset, for two epochs, with the panel's
// other settings.
func (t *trainPanel) teach() {
	s := t.form
	s.FromScratch, s.Epochs, s.TrainImages, s.OwnRepeats = false, 2, 2000, 10
	s.Data, s.TestImages = digit.DataSubset, min(s.TestImages, digit.Defaults().TestImages)
	t.ctx.Dispatch(func(app.Context) { t.startRun(s) })
}
