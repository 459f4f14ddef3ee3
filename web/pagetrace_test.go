//go:build !js

package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	cdpio "github.com/chromedp/cdproto/io"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
)

// A pageTrace is a Chromium performance trace of the page's thread, what
// DevTools' Performance panel records: its tasks, the timeline events
// inside them (script, HTML parsing, style, layout, paint) and, when
// asked for, samples of the JavaScript and WebAssembly stacks. A test uses
// it to measure every task, not only those over 50 ms that a long-task
// observer sees, and to say what ran in the longest.
type pageTrace struct {
	tasks   []traceSpan // the main thread's tasks, longest first
	start   float64     // when the first of them started
	events  []traceSpan // timeline events on the main thread
	samples []traceSample
}

// A traceSpan is a trace event with a duration; times in µs on the
// trace's clock. cpu is the thread's CPU time in it (tasks only): dur less
// the time the operating system ran other threads on its core.
type traceSpan struct {
	name            string
	start, dur, cpu float64
}

func (s traceSpan) end() float64 { return s.start + s.dur }

// A traceSample is one sample of the main thread's stack: when, and its
// frames' function names, the innermost first.
type traceSample struct {
	at     float64
	frames []string
}

// The trace's categories: DevTools' timeline; with
// stacks, also V8's sampling profiler, which makes the page's
// WebAssembly markedly slower while it records.
var (
	traceCategories = []string{"toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute"}
	stackCategories = []string{"disabled-by-default-v8.cpu_profiler"}
)

// startTrace starts recording, with stack samples if stacks is set; the
// function it returns stops and reads the trace.
func startTrace(ctx context.Context, stacks bool) (stop func() (*pageTrace, error), err error) {
	ctx, cancel := context.WithCancel(ctx)
	complete := chromedp.Events(ctx, tracing.TracingComplete)
	categories := traceCategories
	if stacks {
		categories = append(slices.Clip(categories), stackCategories...)
	}
	_, err = chromedp.Call(ctx, tracing.Start, tracing.StartParams{
		TransferMode: tracing.StartTransferModeReturnAsStream,
		TraceConfig:  &tracing.TraceConfig{IncludedCategories: categories, EnableSampling: stacks},
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("start the trace: %w", err)
	}
	return func() (*pageTrace, error) {
		defer cancel()
		if _, err := chromedp.Call(ctx, tracing.End, cdp.Empty{}); err != nil {
			return nil, fmt.Errorf("end the trace: %w", err)
		}
		for ev, err := range complete {
			if err != nil {
				return nil, fmt.Errorf("end the trace: %w", err)
			}
			var buf bytes.Buffer
			for {
				r, err := chromedp.Call(ctx, cdpio.Read, cdpio.ReadParams{Handle: ev.Stream, Size: 1 << 20})
				if err != nil {
					return nil, fmt.Errorf("read the trace: %w", err)
				}
				buf.Write(r.Data)
				if r.EOF {
					break
				}
			}
			chromedp.Call(ctx, cdpio.Close, cdpio.CloseParams{Handle: ev.Stream}) //nolint:errcheck // only frees it
			return parseTrace(buf.Bytes())
		}
		return nil, fmt.Errorf("end the trace: %w", context.Cause(ctx))
	}, nil
}

// traceEvent is one event of Chromium's JSON trace format.
type traceEvent struct {
	Name string          `json:"name"`
	Ph   string          `json:"ph"`
	Ts   float64         `json:"ts"`
	Dur  float64         `json:"dur"`
	Tdur float64         `json:"tdur"` // the thread's CPU time in it
	Pid  int             `json:"pid"`
	Tid  int             `json:"tid"`
	ID   json.RawMessage `json:"id"` // a number or a string
	Args json.RawMessage `json:"args"`
}

// profileChunk is the data of a ProfileChunk event of V8's sampler.
type profileChunk struct {
	Data struct {
		CPUProfile struct {
			Nodes []struct {
				ID        int `json:"id"`
				Parent    int `json:"parent"`
				CallFrame struct {
					FunctionName string `json:"functionName"`
				} `json:"callFrame"`
			} `json:"nodes"`
			Samples []int `json:"samples"`
		} `json:"cpuProfile"`
		TimeDeltas []float64 `json:"timeDeltas"`
	} `json:"data"`
}

// parseTrace keeps the events of the renderers' main threads.
func parseTrace(data []byte) (*pageTrace, error) {
	var file struct {
		TraceEvents []traceEvent `json:"traceEvents"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("parse the trace: %w", err)
	}
	type thread struct{ pid, tid int }
	main := map[thread]bool{}
	for _, e := range file.TraceEvents {
		if e.Ph == "M" && e.Name == "thread_name" && bytes.Contains(e.Args, []byte(`"CrRendererMain"`)) {
			main[thread{e.Pid, e.Tid}] = true
		}
	}
	tr := &pageTrace{}
	open := map[thread][]traceEvent{} // B events waiting for their E
	type node struct {
		name   string
		parent int
	}
	// The sampler's profiles by id: their nodes, clock and thread.
	nodes := map[string]map[int]node{}
	clock := map[string]float64{}
	sampled := map[string]bool{}
	for _, e := range file.TraceEvents {
		th, id := thread{e.Pid, e.Tid}, string(e.ID)
		switch {
		case e.Ph == "P" && e.Name == "Profile":
			var a struct {
				Data struct {
					StartTime float64 `json:"startTime"`
				} `json:"data"`
			}
			json.Unmarshal(e.Args, &a) //nolint:errcheck // a malformed one has no samples
			clock[id], sampled[id], nodes[id] = a.Data.StartTime, main[th], map[int]node{}
		case e.Ph == "P" && e.Name == "ProfileChunk":
			var a profileChunk
			if json.Unmarshal(e.Args, &a) != nil || nodes[id] == nil {
				continue
			}
			ns := nodes[id]
			for _, n := range a.Data.CPUProfile.Nodes {
				ns[n.ID] = node{n.CallFrame.FunctionName, n.Parent}
			}
			for i, sample := range a.Data.CPUProfile.Samples {
				if i < len(a.Data.TimeDeltas) {
					clock[id] += a.Data.TimeDeltas[i]
				}
				if !sampled[id] {
					continue
				}
				var frames []string
				for n, ok := ns[sample]; ok && len(frames) < 200; n, ok = ns[n.parent] {
					frames = append(frames, n.name)
				}
				tr.samples = append(tr.samples, traceSample{clock[id], frames})
			}
		case !main[th]:
		case e.Ph == "X" && e.Name == "RunTask":
			tr.tasks = append(tr.tasks, traceSpan{e.Name, e.Ts, e.Dur, e.Tdur})
		case e.Ph == "X":
			tr.events = append(tr.events, traceSpan{e.Name, e.Ts, e.Dur, 0})
		case e.Ph == "B":
			open[th] = append(open[th], e)
		case e.Ph == "E" && len(open[th]) > 0:
			b := open[th][len(open[th])-1]
			open[th] = open[th][:len(open[th])-1]
			tr.events = append(tr.events, traceSpan{b.Name, b.Ts, e.Ts - b.Ts, 0})
		}
	}
	slices.SortFunc(tr.tasks, func(a, b traceSpan) int { return cmp.Compare(b.dur, a.dur) })
	if len(tr.tasks) > 0 {
		tr.start = slices.MinFunc(tr.tasks, func(a, b traceSpan) int { return cmp.Compare(a.start, b.start) }).start
	}
	return tr, nil
}

// longest returns the n longest tasks.
func (tr *pageTrace) longest(n int) []traceSpan {
	return tr.tasks[:min(n, len(tr.tasks))]
}

// explain says what ran in a task: the timeline's events (nested ones count in each, so the times overlap:
// "FunctionCall" is the script that a timer or an event ran); and, with
// stacks, the functions most often on the sampled stacks.
func (tr *pageTrace) explain(task traceSpan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "a task of %.1f ms (%.1f ms of the thread's CPU time), %.2f s in: ", task.dur/1000, task.cpu/1000, (task.start-tr.start)/1e6)
	inside := func(spans []traceSpan, n int) []keyValue {
		sum := map[string]float64{}
		for _, s := range spans {
			if s.start >= task.start && s.start < task.end() {
				sum[s.name] += s.dur
			}
		}
		return top(sum, n)
	}
	b.WriteString("the timeline:")
	for _, kv := range inside(tr.events, 8) {
		if kv.key != "ThreadControllerImpl::RunTask" {
			fmt.Fprintf(&b, " %s %.1f ms;", kv.key, kv.value/1000)
		}
	}
	onStack, n := map[string]float64{}, 0
	for _, s := range tr.samples {
		if s.at < task.start || s.at >= task.end() {
			continue
		}
		n++
		seen := map[string]bool{}
		for _, f := range s.frames {
			if f != "" && !seen[f] && !everywhere[f] {
				seen[f] = true
				onStack[f]++
			}
		}
	}
	if n > 0 {
		fmt.Fprintf(&b, " %d stack samples, on them:", n)
		for _, kv := range top(onStack, 12) {
			fmt.Fprintf(&b, " %s %.0f%%;", kv.key, 100*kv.value/float64(n))
		}
	}
	return b.String()
}

// everywhere are frames at the bottom of every stack of the page's Go.
var everywhere = map[string]bool{
	"(root)": true, "(program)": true, "runtime.goexit": true, "wasm_pc_f_loop": true, "wasm_export_resume": true,
	"js-to-wasm::": true, "_resume": true, "runtime.handleEvent": true, "syscall_js.handleEvent": true,
}

type keyValue struct {
	key   string
	value float64
}

// top returns the n largest entries of m, largest first.
func top(m map[string]float64, n int) []keyValue {
	var kv []keyValue
	for k, v := range m {
		kv = append(kv, keyValue{k, v})
	}
	slices.SortFunc(kv, func(a, b keyValue) int { return cmp.Or(cmp.Compare(b.value, a.value), strings.Compare(a.key, b.key)) })
	return kv[:min(n, len(kv))]
}
