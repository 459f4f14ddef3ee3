//go:build cuda || cudaemu

package cuda

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"unsafe"

	"github.com/lstm-digits/lstm-digits/backend"
)

// Backend computes on one GPU, in the device's primary context. All its
// work goes to the default stream, in order; only downloads (and
// SumSquares) wait for it. It is not safe for concurrent use.
//
// Built with the tag cudaemu instead of cuda, the same Backend computes on
// an emulated device: kernels.cu compiled for the CPU (see device in
// driver_emu.go).
type Backend struct {
	dev         *device
	fn          map[string]function
	name        string
	sms, shared int     // multiprocessors; opt-in dynamic shared memory per block
	bar         uintptr // the grid barrier's two counters, barrierBytes apart
	scratch     region  // temporaries of one operation
	stage       region  // small host values uploaded by one operation
	sums        region  // the partial sums of one two-stage sum (partials)
	// occupancy caches the occupancy query of the persistent kernels:
	// blocks per SM, by kernel and dynamic shared memory.
	occupancy map[occupancyKey]int
	// freed holds the allocations whose Buffers the GC found unreachable,
	// for enter to free (release).
	freedMu sync.Mutex
	freed   []uintptr
}

// occupancyKey is a persistent launch's kernel and shared memory.
type occupancyKey struct {
	name   string
	shared int
}

// region is a device allocation reused by successive operations, which
// run in order on the default stream, and grown when one needs more.
type region struct {
	ptr  uintptr
	size int // bytes
	used int
}

// New opens GPU 0, loads the kernels (the driver JIT-compiles the PTX for
// the GPU) and returns the backend. Under the tag cudaemu it opens the
// emulated device.
func New() (*Backend, error) {
	dev, err := openDevice()
	if err != nil {
		return nil, err
	}
	return newBackend(dev)
}

// newBackend finds the kernels on an opened device and makes the grid
// barrier.
func newBackend(dev *device) (*Backend, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	be := &Backend{dev: dev, fn: make(map[string]function), name: dev.name, sms: dev.sms, shared: dev.sharedOptIn,
		occupancy: make(map[occupancyKey]int)}
	if err := dev.bind(); err != nil {
		return nil, fmt.Errorf("cuda: %s: set context: %w", be.name, err)
	}
	for _, name := range kernelNames {
		f, err := dev.function(name)
		if err != nil {
			return nil, fmt.Errorf("cuda: kernel %s: %w", name, err)
		}
		be.fn[name] = f
	}
	for _, name := range []string{"lstm_forward", "lstm_backward"} {
		if err := dev.setMaxShared(be.fn[name], be.shared); err != nil {
			return nil, fmt.Errorf("cuda: kernel %s: shared memory %d bytes: %w", name, be.shared, err)
		}
	}
	bar, err := dev.alloc(2 * barrierBytes)
	if err == nil {
		err = dev.memset32(bar, 0, 2*barrierBytes/4)
	}
	if err != nil {
		return nil, fmt.Errorf("cuda: %s: grid barrier: %w", be.name, err)
	}
	be.bar = bar
	return be, nil
}

var _ backend.Resident = (*Backend)(nil)

// Name returns "cuda", with the GPU's name.
func (be *Backend) Name() string { return "cuda (" + be.name + ")" }

// enter binds the calling goroutine to its thread and the backend's
// context to the thread, for the driver calls of one operation; call the
// returned function when done.
func (be *Backend) enter() func() {
	runtime.LockOSThread()
	be.check("set context", be.dev.bind())
	be.scratch.used, be.stage.used = 0, 0
	be.freeReleased()
	return runtime.UnlockOSThread
}

// release is the cleanup of an allocation: it queues p for the next
// operation to free. The GC may find a Buffer unreachable while a driver
// call given its address still runs (its last use was computing that
// address), so freeing it here could unmap memory under a copy or a
// launch.
func (be *Backend) release(p uintptr) {
	be.freedMu.Lock()
	defer be.freedMu.Unlock()
	be.freed = append(be.freed, p)
}

// freeReleased frees the released allocations, after the work queued on
// the device, which may still use them, is done.
func (be *Backend) freeReleased() {
	be.freedMu.Lock()
	freed := be.freed
	be.freed = nil
	be.freedMu.Unlock()
	if len(freed) == 0 {
		return
	}
	be.check("synchronize", be.dev.synchronize())
	for _, p := range freed {
		be.dev.free(p)
	}
}

// check panics with a backend.DeviceError on a driver error: the
// backend's methods have no error result, and a failing driver call mid-run
// is a broken device (or a kernel that faulted), which the command reports
// as a one-line error (backend.Recover).
func (be *Backend) check(what string, err error) {
	if err != nil {
		panic(&backend.DeviceError{Err: fmt.Errorf("cuda: %s: %s: %w", be.name, what, err)})
	}
}

// Buffer is the CUDA backend's buffer: a view of n float32 values at
// offset off of a device allocation.
type Buffer struct {
	mem    *allocation
	off, n int
}

// allocation is device memory, released when no Buffer refers to it and
// then freed by the next operation (release).
type allocation struct{ ptr uintptr }

// Len returns the number of values.
func (b Buffer) Len() int { return b.n }

// Slice returns the view of n values from off.
func (b Buffer) Slice(off, n int) backend.Buffer {
	if off < 0 || n < 0 || off+n > b.n {
		panic(fmt.Sprintf("cuda: Slice(%d, %d) of a buffer of %d values", off, n, b.n))
	}
	return Buffer{b.mem, b.off + off, n}
}

// ptr returns the device address of b's first value, or 0 (NULL) for a
// nil buffer.
func ptr(b backend.Buffer) uintptr {
	if b == nil {
		return 0
	}
	buf, ok := b.(Buffer)
	if !ok {
		panic(fmt.Sprintf("cuda: buffer of type %T belongs to another backend", b))
	}
	return buf.mem.ptr + 4*uintptr(buf.off)
}

// New returns a zeroed buffer of n values.
func (be *Backend) New(n int) backend.Buffer {
	defer be.enter()()
	a := &allocation{}
	if n > 0 {
		p, err := be.dev.alloc(4 * n)
		be.check(fmt.Sprintf("allocate %d values", n), err)
		be.check("zero", be.dev.memset32(p, 0, n))
		a.ptr = p
		runtime.AddCleanup(a, be.release, p)
	}
	return Buffer{mem: a, n: n}
}

// Upload copies src into dst.
func (be *Backend) Upload(dst backend.Buffer, src []float32) {
	defer be.enter()()
	mustLen("Upload", len(src), dst.Len())
	if len(src) > 0 {
		be.check("upload", be.dev.upload(ptr(dst), unsafe.Pointer(&src[0]), 4*len(src)))
	}
}

// Download copies src into dst, waiting for the work that writes it.
func (be *Backend) Download(dst []float32, src backend.Buffer) {
	defer be.enter()()
	be.download(dst, src)
}

func (be *Backend) download(dst []float32, src backend.Buffer) {
	mustLen("Download", len(dst), src.Len())
	if len(dst) > 0 {
		be.check("download", be.dev.download(unsafe.Pointer(&dst[0]), ptr(src), 4*len(dst)))
	}
}

// Zero sets every value of b to 0.
func (be *Backend) Zero(b backend.Buffer) {
	defer be.enter()()
	if b.Len() > 0 {
		be.check("zero", be.dev.memset32(ptr(b), 0, b.Len()))
	}
}

// Copy copies src into dst.
func (be *Backend) Copy(dst, src backend.Buffer) {
	defer be.enter()()
	mustLen("Copy", src.Len(), dst.Len())
	if src.Len() > 0 {
		be.check("copy", be.dev.copy(ptr(dst), ptr(src), 4*src.Len()))
	}
}

// alloc returns n values of r, growing it (after the device is idle, as
// earlier operations may still use it) when needed. The values of one
// operation do not overlap; the next operation reuses them.
func (be *Backend) alloc(r *region, n int) uintptr {
	bytes := (4*n + 255) &^ 255
	if r.used+bytes > r.size {
		if r.used > 0 {
			panic("cuda: a region grew in the middle of an operation") // operations size their temporaries first
		}
		if r.size > 0 {
			be.check("synchronize", be.dev.synchronize())
			be.dev.free(r.ptr)
		}
		size := max(bytes, 2*r.size)
		p, err := be.dev.alloc(size)
		be.check(fmt.Sprintf("allocate %d bytes of temporaries", size), err)
		r.ptr, r.size = p, size
	}
	p := r.ptr + uintptr(r.used)
	r.used += bytes
	return p
}

// reserveRegion makes r hold at least n values in one operation, so that
// its allocs of n values in total do not grow it.
func (be *Backend) reserveRegion(r *region, n int) {
	be.alloc(r, n+64*4)
	r.used = 0
}

// partials returns n values for the partial sums of one two-stage sum
// (split-k gemm, sum_rows, sum_squares). Each two-stage sum reuses the
// region from its start: its second pass has read the partials before the
// next sum's first pass writes them, as all launches run in order on the
// default stream.
func (be *Backend) partials(n int) uintptr {
	be.sums.used = 0
	return be.alloc(&be.sums, n)
}

// stageInts uploads integers as float32 values and returns their device
// address: labels and lengths; for none, 0 (NULL). The copy waits for
// earlier work on the default stream, which may still read the stage.
func (be *Backend) stageInts(v []int) uintptr {
	if len(v) == 0 {
		return 0
	}
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	p := be.alloc(&be.stage, len(f))
	be.check("upload integers", be.dev.upload(p, unsafe.Pointer(&f[0]), 4*len(f)))
	return p
}

// launch runs kernel name on grid blocks of threads threads, passing each
// argument in an 8-byte holder (packArgs).
func (be *Backend) launch(name string, grid int, args ...any) {
	be.launchGrid(name, grid, 1, args...)
}

// launchGrid is launch on a two-dimensional grid of gx×gy blocks.
func (be *Backend) launchGrid(name string, gx, gy int, args ...any) {
	h, err := packArgs(args...)
	be.check(name, err)
	be.check("launch "+name, be.dev.launch(be.fn[name], gx, gy, threads, 0, false, h))
}

// launchCooperative runs a persistent kernel, every block co-resident.
func (be *Backend) launchCooperative(name string, p lstmPlan, args ...any) {
	f := be.fn[name]
	key := occupancyKey{name, p.Shared}
	n, ok := be.occupancy[key]
	if !ok {
		var err error
		n, err = be.dev.maxActiveBlocks(f, threads, p.Shared)
		be.check(name+": occupancy", err)
		be.occupancy[key] = n
	}
	if n*be.sms < p.Grid {
		panic(fmt.Sprintf("cuda: %s: %s: %d blocks with %d bytes of shared memory cannot all be resident (%d per SM)", be.name, name, p.Grid, p.Shared, n))
	}
	h, err := packArgs(args...)
	be.check(name, err)
	be.check("launch "+name, be.dev.launch(f, p.Grid, 1, threads, p.Shared, true, h))
}

func mustLen(op string, got, want int) {
	if got != want {
		panic(fmt.Sprintf("cuda: %s: length %d, want %d", op, got, want))
	}
}

// mustFit panics when a count does not fit the kernels' 32-bit ints.
func mustFit(op string, n int) {
	if n > math.MaxInt32 {
		panic(fmt.Sprintf("cuda: %s: %d values is more than the kernels index", op, n))
	}
}
