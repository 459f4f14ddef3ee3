package lstm

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
)

// TestTrainStepSteadyMemory checks that a training step, once the first has
// run, allocates almost nothing: the workspace, the backend's pools and the
// packed weights are reused, so the garbage collector has nothing to do
// however long training runs.
func TestTrainStepSteadyMemory(t *testing.T) {
	c, err := NewClassifier(cpu.New(), seedConfig(), seedClasses, 1)
	if err != nil {
		t.Fatal(err)
	}
	opt := NewAdam(c.Params(), DefaultAdam())
	x, labels := seedBatch(32)
	step := func() {
		if _, err := c.TrainStep(x, labels, opt, 1); err != nil {
			t.Fatal(err)
		}
	}
	// The pools a collection empties would refill with fresh allocations:
	// warm up and measure between collections. On one thread: with several,
	// a slice a worker returned can sit in its thread's private pool slot,
	// which another thread's Get cannot reach, and the count would depend
	// on scheduling (by some 100 KB a step at most).
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	step()
	step()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const steps = 5
	for range steps {
		step()
	}
	runtime.ReadMemStats(&after)
	perStep := (after.TotalAlloc - before.TotalAlloc) / steps
	t.Logf("%d bytes and %d allocations per step", perStep, (after.Mallocs-before.Mallocs)/steps)
	// A step's buffers are some 10 MB; what remains is bookkeeping.
	if perStep > 64<<10 {
		t.Fatalf("a training step allocates %d bytes once warm; want under 64 KiB", perStep)
	}
}
