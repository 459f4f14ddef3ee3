package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// checkCover runs parallelFor over n items and fails unless every item
// was visited exactly once, in ranges of at least grain items.
func checkCover(t *testing.T, n, grain int) {
	t.Helper()
	seen := make([]atomic.Int32, n)
	var short atomic.Int32
	parallelFor(n, grain, func(lo, hi int) {
		if hi-lo < grain && hi-lo < n {
			short.Add(1)
		}
		for i := lo; i < hi; i++ {
			seen[i].Add(1)
		}
	})
	for i := range seen {
		if c := seen[i].Load(); c != 1 {
			t.Errorf("parallelFor(%d, %d): item %d visited %d times", n, grain, i, c)
			return
		}
	}
	if short.Load() > 0 {
		t.Errorf("parallelFor(%d, %d): %d ranges shorter than the grain", n, grain, short.Load())
	}
}

// TestParallelFor checks that parallelFor's team covers every range once:
// at each thread count, after its members have gone to sleep (spinFor),
// from several goroutines at once (the team busy, goroutines started
// instead), and from inside one of its own ranges.
func TestParallelFor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 4} {
		runtime.GOMAXPROCS(procs)
		for _, c := range [][2]int{{1, 1}, {7, 1}, {100, 8}, {100, 30}, {1000, 1}} {
			checkCover(t, c[0], c[1])
		}
	}
	runtime.GOMAXPROCS(4)
	time.Sleep(2 * spinFor) // the members sleep now
	checkCover(t, 100, 1)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				checkCover(t, 64, 1)
			}
		})
	}
	wg.Wait()

	var outer, inner atomic.Int32 // (js/wasm keeps GOMAXPROCS at 1: one outer range)
	parallelFor(4, 1, func(lo, hi int) {
		outer.Add(1)
		parallelFor(10, 1, func(lo, hi int) { inner.Add(int32(hi - lo)) })
	})
	if got, want := inner.Load(), 10*outer.Load(); got != want {
		t.Errorf("nested parallelFor visited %d items in %d outer ranges, want %d", got, outer.Load(), want)
	}
}

// TestParallelLockstep checks that parallelLockstep's wait holds each
// range until every range has finished the step: after each wait, a range
// finds every item written in that step, by whichever range owns it.
func TestParallelLockstep(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 4} {
		runtime.GOMAXPROCS(procs)
		const n, steps = 12, 200
		items := make([]atomic.Int32, n)
		var stale, ranges atomic.Int32
		parallelLockstep(n, 1, func(lo, hi int, wait func()) {
			ranges.Add(1)
			for step := int32(1); step <= steps; step++ {
				for i := lo; i < hi; i++ {
					items[i].Store(step)
				}
				wait()
				for i := range items {
					if items[i].Load() < step {
						stale.Add(1)
					}
				}
				wait() // no range writes the next step before all have read this one
			}
		})
		if stale.Load() > 0 {
			t.Errorf("GOMAXPROCS %d: %d reads after a wait saw an item of an earlier step", procs, stale.Load())
		}
		// (js/wasm keeps GOMAXPROCS at 1)
		if got, want := ranges.Load(), int32(min(runtime.GOMAXPROCS(0), n)); got != want {
			t.Errorf("GOMAXPROCS %d: %d ranges, want %d", procs, got, want)
		}
	}
}
