package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/lstm"
)

// Where the current model came from.
const (
	fromBundle = "bundled"
	fromTrain  = "trained"
	fromUpload = "uploaded:" // followed by the file's name
)

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
				Disabled(p.source == fromBundle || p.training()).OnClick(p.onReset),
		),
		notice,
	)
}

// decodeModel reads a model file on the CPU backend and checks that it is
// a digit model.
func decodeModel(file []byte) (*lstm.Classifier, map[string]string, error) {
	c, meta, err := lstm.Decode(cpu.New(), file)
	if err != nil {
		return nil, nil, err
	}
	if err := digit.Check(c); err != nil {
		return nil, nil, err
	}
	return c, meta, nil
}

// setModel makes c, read from file with metadata meta, the page's model,
// the one the drawing view runs (after the next predict).
func (p *Page) setModel(c *lstm.Classifier, meta map[string]string, file []byte, source string) {
	p.model, p.modelFile, p.source, p.err = c, file, source, nil
	p.accuracy, p.testN = 0, 0
	if rec, ok := lstm.ReadRecord(meta); ok {
		p.accuracy, p.testN = rec.TestAccuracy, rec.TestImages
	}
	p.startGallery()
}

// keepModel stores the model file, a Uint8Array, in IndexedDB, for the
// next visit (the bundled model by forgetting the one kept). It blocks:
// run it in its own goroutine.
func (p *Page) keepModel(file app.Value, source string) {
	var err error
	if source == fromBundle {
		_, err = store("deleteModel")
	} else {
		_, err = store("putModel", file, source)
	}
	if err != nil {
		p.ctx.Dispatch(func(app.Context) {
			p.modelMsg, p.modelMsgErr = fmt.Sprintf(p.msg.storageFailed, err), true
		})
	}
}

// useModel decodes a model file and makes it the page's model; keep
// stores it in IndexedDB too.
func (p *Page) useModel(ctx app.Context, file []byte, source string, keep bool) error {
	c, meta, err := decodeModel(file)
	if err != nil {
		return err
	}
	p.setModel(c, meta, file, source)
	p.predict()
	if keep {
		ctx.Async(func() { p.keepModel(jsBytes(file), source) })
	}
	return nil
}

// installTrained makes a model file from a training run the page's model
// (the worker has stored it in IndexedDB). Reading it and predicting the
// drawing again with it each run in a task of their own, after the
// training panel's redraw, so that neither keeps the page's thread for
// long while the workers train on.
func (p *Page) installTrained(file []byte) {
	p.ctx.Async(func() {
		time.Sleep(uiInterval / 2) // past the panel's redraw, due at the next frame
		nextTask()
		read := make(chan error, 1)
		p.ctx.Dispatch(func(app.Context) { read <- p.readTrained(file) })
		if err := <-read; err != nil {
			p.train.ctx.Dispatch(func(app.Context) { p.train.view.err = fmt.Errorf("the trained model: %w", err) })
			return
		}
		nextTask()
		p.ctx.Dispatch(func(app.Context) {
			p.predict()
			if !p.memoryHeld { // a run's first model in: from here the page's memory stays flat
				digit.HoldMemory()
				p.memoryHeld = true
			}
		})
	})
}

// readTrained makes a trained model file the page's model: read into the
// current model in place when it has the file's configuration (as it has
// from the second epoch of a run on), which allocates no new model, else
// decoded anew.
func (p *Page) readTrained(file []byte) error {
	if p.model != nil {
		if meta, err := p.model.ReadWeights(file); err == nil {
			p.setModel(p.model, meta, file, fromTrain)
			return nil
		}
	}
	c, meta, err := decodeModel(file)
	if err != nil {
		return err
	}
	p.setModel(c, meta, file, fromTrain)
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
	if p.training() || p.bundled == nil {
		return
	}
	if err := p.useModel(ctx, p.bundled, fromBundle, true); err != nil {
		p.err = err
	}
	p.modelMsg, p.modelMsgErr = "", false
}
