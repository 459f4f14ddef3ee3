package web

import (
	"encoding/json"
	"fmt"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"github.com/lstm-digits/lstm-digits/digit"
)

// The offer to resume a run that a reload or a closed tab cut short. The
// leader worker keeps its run's checkpoint in IndexedDB after every epoch
// but the last and deletes it when the run ends (wasm/worker), so one
// found there when the page opens is an interrupted run's.

// interruptedRun is what IndexedDB says of the checkpoint it holds: after
// how many epochs it was taken, and the run's settings.
type interruptedRun struct {
	epoch    int
	settings digit.Settings
}

// findInterrupted looks for an interrupted run's checkpoint in IndexedDB,
// in a goroutine, and offers to resume it when there is one.
func (t *trainPanel) findInterrupted() {
	t.ctx.Async(func() {
		v, err := store("getCheckpointInfo")
		if err != nil || !v.Truthy() {
			return // nothing to offer (or no storage, which the model's panel reports)
		}
		run := interruptedRun{epoch: v.Get("epoch").Int()}
		if json.Unmarshal([]byte(v.Get("settings").String()), &run.settings) != nil || run.settings.Validate() != nil {
			return
		}
		t.ctx.Dispatch(func(app.Context) {
			if !t.running {
				t.interrupted = &run
			}
		})
	})
}

// renderInterrupted is the offer: what the run was, Resume and Discard.
func (t *trainPanel) renderInterrupted(m *messages) app.UI {
	r := t.interrupted
	if r == nil || t.running {
		return nil
	}
	s := r.settings
	from := m.fromScratch
	if !s.FromScratch {
		from = m.fromModel
	}
	return app.Div().Class("resume-offer").DataSet("testid", "resume-offer").Body(
		app.P().Text(fmt.Sprintf(m.interrupted, r.epoch, s.Epochs, from, s.TrainImages, s.Batch)),
		app.Button().DataSet("testid", "train-resume-run").Text(m.resumeRun).OnClick(t.onResumeRun),
		app.Button().DataSet("testid", "train-discard-run").Text(m.discardRun).OnClick(t.onDiscardRun),
	)
}

func (t *trainPanel) onResumeRun(ctx app.Context, e app.Event) {
	if r := t.interrupted; r != nil {
		t.interrupted = nil
		t.launch(r.settings, true)
	}
}

func (t *trainPanel) onDiscardRun(ctx app.Context, e app.Event) {
	t.interrupted = nil
	ctx.Async(func() {
		if _, err := store("deleteCheckpoint"); err != nil {
			ctx.Dispatch(func(app.Context) { t.view.err = err })
		}
	})
}
