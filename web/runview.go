package web

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lstm-digits/lstm-digits/digit"
)

// workerMsg is a message from a run's leader worker, as plain Go (the
// panel converts it from the JavaScript message at the edge): a report
// (JSON), a model file, the end of the run, an error, or a failure to
// store the model.
type workerMsg struct {
	run                   int
	kind, report, message string
	model                 []byte
}

// runView is what the training panel knows of a run, built from the
// leader's messages alone: plain Go, tested natively (runview_test.go).
type runView struct {
	loading *digit.Loading // the data's download, before the run starts
	start   *digit.Start
	steps   []digit.Step
	epochs  []digit.EpochSummary
	// pageMemory is the page's memory (digit.Memory) as each epoch's
	// report came, beside the worker's in epochs.
	pageMemory []uint64
	done       string // the closing message, once the run is done
	err        error  // why the run failed
	stored     string // why the worker could not store a model, if it could not
}

// An ending is how a message ends a run.
type ending int

const (
	goesOn ending = iota // the run goes on
	ended                // the run is done: its workers may close themselves
	failed               // the run failed: end its workers at once
)

// take applies m, with the panel's messages msgs, and says whether and how
// it ends the run.
func (v *runView) take(m workerMsg, msgs *messages) ending {
	switch m.kind {
	case "report":
		var r digit.Report
		if err := json.Unmarshal([]byte(m.report), &r); err != nil {
			v.err = fmt.Errorf("a report from the worker: %w", err)
			return failed
		}
		switch {
		case r.Loading != nil:
			v.loading = r.Loading
		case r.Start != nil:
			v.start = r.Start
		case r.Step != nil:
			v.steps = append(v.steps, *r.Step)
		case r.Epoch != nil:
			v.epochs = append(v.epochs, *r.Epoch)
			v.pageMemory = append(v.pageMemory, digit.Memory())
		default:
			v.err = errors.New("a report from the worker says nothing")
			return failed
		}
	case "done":
		if n := len(v.epochs); n > 0 {
			msg := msgs.trainDone
			if v.epochs[n-1].Stopped {
				msg = msgs.trainStopped
			}
			v.done = fmt.Sprintf(msg, 100*v.epochs[n-1].TestAccuracy)
		}
		return ended
	case "error":
		v.err = errors.New(m.message)
		return failed
	case "stored":
		v.stored = m.message
	default:
		v.err = fmt.Errorf("the worker sent a message of unknown type %q", m.kind)
		return failed
	}
	return goesOn
}
