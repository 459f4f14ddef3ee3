package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/lstm-digits/lstm-digits/lstm"
)

// progress shows a training run on stderr: a bar redrawn in place on a
// terminal (at most ten times a second), and a line per epoch anywhere.
type progress struct {
	w        io.Writer
	terminal bool
	last     time.Time
	drawn    bool
	first    int // the first step this process took (a resumed run starts late)
}

func newProgress(f *os.File) *progress {
	st, err := f.Stat()
	return &progress{w: f, terminal: err == nil && st.Mode()&os.ModeCharDevice != 0, first: -1}
}

// step redraws the bar after a training step.
func (p *progress) step(r lstm.StepReport) {
	if p.first < 0 {
		p.first = r.Step
	}
	if !p.terminal || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	done := r.Step + 1
	const width = 24
	filled := width * done / r.Steps
	// The time per step so far, over the steps this process took.
	perStep := float64(r.Elapsed) / float64(done-p.first)
	eta := time.Duration(perStep * float64(r.Steps-done)).Round(time.Second).String()
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  epoch %d  loss %.4f  acc %5.1f%%  %5.0f samples/s  ETA %s \033[K",
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled), 100*float64(done)/float64(r.Steps),
		r.Epoch+1, r.Loss, 100*r.Accuracy, r.SamplesPerSec, eta)
	p.drawn = true
}

// epochDone prints an epoch's line.
func (p *progress) epochDone(m epochMetrics) {
	p.clear()
	fmt.Fprintf(p.w, "epoch %2d  train loss %.4f  acc %6.2f%%  test loss %.4f  acc %6.2f%%  %5.0f samples/s\n",
		m.Epoch, m.TrainLoss, 100*m.TrainAccuracy, m.TestLoss, 100*m.TestAccuracy, m.SamplesPerSec)
}

// finish clears the bar.
func (p *progress) finish() { p.clear() }

func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}
