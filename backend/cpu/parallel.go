package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// parallelFor splits [0, n) into contiguous ranges, one per thread (at most
// GOMAXPROCS of them, each of at least grain items), and runs f on each,
// the first on the calling goroutine. It returns when all are done.
//
// The other ranges go to the members of a team of goroutines that wait
// for work by spinning for a while before they sleep, and the caller
// spins for them too: a training step runs hundreds of parallel sections
// a few milliseconds apart, and on a virtual machine a CPU that idles
// between them is taken back by the host and given back late (steal
// time), which made two threads slower than one. A call made while the
// team is busy (from two goroutines at once) starts goroutines instead.
func parallelFor(n, grain int, f func(lo, hi int)) { inRanges(n, threads(n, grain), f) }

// inRanges is parallelFor's body: it runs f on w ranges of [0, n) at once.
func inRanges(n, w int, f func(lo, hi int)) {
	if w <= 1 {
		f(0, n)
		return
	}
	if !crew.mu.TryLock() {
		var wg sync.WaitGroup
		for i := 1; i < w; i++ {
			wg.Go(func() { f(i*n/w, (i+1)*n/w) })
		}
		f(0, n/w)
		wg.Wait()
		return
	}
	defer crew.mu.Unlock()
	for len(crew.members) < w-1 {
		m := &member{wake: make(chan struct{}, 1)}
		crew.members = append(crew.members, m)
		go m.run()
	}
	var left atomic.Int32
	left.Store(int32(w - 1))
	for i := 1; i < w; i++ {
		crew.members[i-1].give(&job{f: f, lo: i * n / w, hi: (i + 1) * n / w, left: &left})
	}
	f(0, n/w)
	for spins := 0; left.Load() > 0; spins++ {
		if spins%64 == 63 {
			runtime.Gosched()
		}
	}
}

// parallelLockstep is parallelFor for ranges that run as a team through
// a sequence of steps: each range calls wait at the end of each step, and
// wait returns once every range has called it as often, so a step may read
// what every range wrote in the one before. A range that waits spins
// (yielding now and then): its partners are running, and the steps are a
// few microseconds long.
func parallelLockstep(n, grain int, f func(lo, hi int, wait func())) {
	w := threads(n, grain)
	team := int64(max(w, 1)) // the ranges inRanges runs
	var arrived atomic.Int64 // calls of wait, by all ranges
	inRanges(n, w, func(lo, hi int) {
		var calls int64 // this range's
		f(lo, hi, func() {
			calls++
			arrived.Add(1)
			for spins := 0; arrived.Load() < calls*team; spins++ {
				if spins%1024 == 1023 {
					runtime.Gosched()
				}
			}
		})
	})
}

// threads returns how many ranges parallelFor splits n items of the
// given grain into (0 or 1: it runs f alone).
func threads(n, grain int) int { return min(runtime.GOMAXPROCS(0), n/max(grain, 1)) }

// spinFor is how long a member of the team spins for its next range
// after its last before it sleeps, and so how long a CPU stays busy after
// the last parallel section.
const spinFor = 5 * time.Millisecond

// crew is parallelFor's team; its lock is held by the call using it.
var crew struct {
	mu      sync.Mutex
	members []*member
}

// job is one range of a parallelFor; left counts the ranges not yet done.
type job struct {
	f      func(lo, hi int)
	lo, hi int
	left   *atomic.Int32
}

// member is a goroutine of the team: it runs the jobs given to it, one at
// a time.
type member struct {
	next   atomic.Pointer[job]
	asleep atomic.Bool
	wake   chan struct{}
}

// give hands j to m, waking it if it sleeps.
func (m *member) give(j *job) {
	m.next.Store(j)
	if m.asleep.Load() {
		select {
		case m.wake <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
}

// run is the member's loop: wait for a job, spinning for spinFor and then
// sleeping until given one, and run it.
func (m *member) run() {
	for {
		j := m.await()
		m.next.Store(nil)
		j.f(j.lo, j.hi)
		j.left.Add(-1)
	}
}

// await returns the next job given to m.
func (m *member) await() *job {
	start := time.Now()
	for spins := 0; ; spins++ {
		if j := m.next.Load(); j != nil {
			return j
		}
		if spins%64 != 63 {
			continue
		}
		runtime.Gosched()
		if time.Since(start) < spinFor {
			continue
		}
		// Sleep; give checks asleep after storing its job, so either it
		// sees asleep and wakes m, or m sees the job here.
		m.asleep.Store(true)
		if j := m.next.Load(); j != nil {
			m.asleep.Store(false)
			return j
		}
		<-m.wake
		m.asleep.Store(false)
		start = time.Now()
	}
}

// copyGrain is the fewest values copied or packed worth a thread: about
// 10 µs of copying.
const copyGrain = 1 << 15

// dotGrain is the fewest multiply-adds of a product by the dot kernels
// worth a thread: about 3 µs of work, which a thread's start outweighs
// several times over (a prediction's 28-row input projection of a
// 128-unit layer takes two).
const dotGrain = 1 << 18

// gemmGrain is the fewest rows of an m×n×k product worth a thread: about
// a million multiply-adds.
func gemmGrain(n, k int) int { return max(1, (1<<20)/max(1, n*k)) }
