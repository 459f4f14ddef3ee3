package cpu

import (
	"runtime"
	"sync"
)

// parallelFor splits [0, n) into contiguous ranges, one per thread (at most
// GOMAXPROCS of them, each of at least grain items), and runs f on each,
// the first on the calling goroutine. It returns when all are done.
func parallelFor(n, grain int, f func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), n/max(grain, 1))
	if w <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := 1; i < w; i++ {
		lo, hi := i*n/w, (i+1)*n/w
		wg.Go(func() { f(lo, hi) })
	}
	f(0, n/w)
	wg.Wait()
}

// gemmGrain is the fewest rows of an m×n×k product worth a thread: about
// a million multiply-adds.
func gemmGrain(n, k int) int { return max(1, (1<<20)/max(1, n*k)) }
