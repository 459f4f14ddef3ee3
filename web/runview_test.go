package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/digit"
)

// report is the worker's "report" message for r.
func report(t *testing.T, r digit.Report) workerMsg {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return workerMsg{kind: "report", report: string(b)}
}

// TestRunViewProtocol plays the leader's side of a run, as plain Go: a
// start, steps, an epoch, the end, and the messages that fail a run.
func TestRunViewProtocol(t *testing.T) {
	var v runView
	for _, m := range []workerMsg{
		report(t, digit.Report{Loading: &digit.Loading{Bytes: 1 << 20, Total: 11 << 20}}),
		report(t, digit.Report{Start: &digit.Start{Steps: 4, Batches: 2, Workers: 1}}),
		report(t, digit.Report{Step: &digit.Step{Step: 0, Loss: 2.3}}),
		report(t, digit.Report{Step: &digit.Step{Step: 1, Loss: 2.1}}),
		report(t, digit.Report{Epoch: &digit.EpochSummary{Epoch: 0, TestAccuracy: 0.5}}),
		{kind: "stored", message: "IndexedDB putModel: QuotaExceededError"},
	} {
		if e := v.take(m, english); e != goesOn {
			t.Fatalf("%s message: ending %d, want the run to go on", m.kind, e)
		}
	}
	if v.loading == nil || v.loading.Total != 11<<20 || v.start == nil || v.start.Steps != 4 || len(v.steps) != 2 || v.steps[1].Loss != 2.1 || len(v.epochs) != 1 {
		t.Fatalf("after a start, 2 steps and an epoch: %+v", v)
	}
	if !strings.Contains(v.stored, "QuotaExceededError") || v.err != nil {
		t.Fatalf("a failed store: stored %q, err %v (the run goes on)", v.stored, v.err)
	}
	if e := v.take(workerMsg{kind: "done"}, english); e != ended || v.done != "Done: 50.00% correct on the test images. The drawing above uses this model now." {
		t.Fatalf("done: ending %d, message %q", e, v.done)
	}

	stopped := runView{epochs: []digit.EpochSummary{{TestAccuracy: 0.25, Stopped: true}}}
	if stopped.take(workerMsg{kind: "done"}, english); !strings.HasPrefix(stopped.done, "Stopped: 25.00%") {
		t.Errorf("done after a stop: %q", stopped.done)
	}

	for _, tc := range []struct {
		m    workerMsg
		want string
	}{
		{workerMsg{kind: "error", message: "the training worker did not start: no SIMD128"}, "no SIMD128"},
		{workerMsg{kind: "report", report: "{not json"}, "a report from the worker: "},
		{workerMsg{kind: "report", report: "{}"}, "says nothing"},
		{workerMsg{kind: "hello"}, `unknown type "hello"`},
	} {
		var v runView
		if e := v.take(tc.m, english); e != failed || v.err == nil || !strings.Contains(v.err.Error(), tc.want) {
			t.Errorf("%+v: ending %d, error %v, want a failed run saying %q", tc.m, e, v.err, tc.want)
		}
	}
}
