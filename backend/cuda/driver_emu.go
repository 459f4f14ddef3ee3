//go:build cudaemu

package cuda

/*
#cgo CXXFLAGS: -std=c++17 -O2 -Wall -Wno-sign-compare
#include <stdlib.h>
#include "emu_api.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"unsafe"
)

// device is the emulated device of the build tag cudaemu: kernels.cu
// compiled as C++ (emu_kernels.cc), its threads run as fibers on the CPU
// (emu_runtime.cc), with the methods of driver_gpu.go's device, so that
// the backend's host code (launch plans, argument packing, offsets and
// sizes) runs unchanged against it. What it catches and what only a GPU
// can is in NOTES.md.
type device struct {
	name string
	sms  int // multiprocessors
	// sharedOptIn is the dynamic shared memory a block may have, in bytes.
	sharedOptIn int

	mu        sync.Mutex
	maxShared map[function]int // per kernel, as set by setMaxShared
	launches  uint64           // launches so far: each draws its orders from seed+launches
	seed      uint64
	// failAt, when not 0, makes launch number failAt and those after it
	// fail as a driver would after a kernel fault (CUDAEMU_FAIL_LAUNCH).
	failAt uint64
}

// function is a kernel of emu_kernels.cc's table.
type function int

// Emulated device geometry: what New gives under the tag cudaemu.
const (
	emuSMs    = 5         // several hidden units per block at the seed model's 128
	emuShared = 227 << 10 // an H200's opt-in shared memory per block
	// emuSharedDefault is what a kernel may use before setMaxShared, and
	// emuSharedPerSM a multiprocessor's shared memory, as on an H200.
	emuSharedDefault = 48 << 10
	emuSharedPerSM   = 228 << 10
	emuThreadsPerSM  = 2048
)

// openDevice opens the emulated device with the default geometry. The
// environment variable CUDAEMU_FAIL_LAUNCH=N makes its Nth launch and
// every later one fail, to test what a driver error in the middle of a
// run does.
func openDevice() (*device, error) {
	d := emulated(emuSMs, emuShared, 1)
	if v := os.Getenv("CUDAEMU_FAIL_LAUNCH"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return nil, fmt.Errorf("cuda: CUDAEMU_FAIL_LAUNCH=%q: want a launch number from 1", v)
		}
		d.failAt = n
	}
	return d, nil
}

// emulated returns an emulated device of sms multiprocessors whose blocks
// may use up to shared bytes of dynamic shared memory, drawing its block
// and thread orders from seed.
func emulated(sms, shared int, seed uint64) *device {
	return &device{
		name: fmt.Sprintf("emulated on the CPU, %d SMs, %d bytes of shared memory", sms, shared),
		sms:  sms, sharedOptIn: shared, maxShared: make(map[function]int), seed: seed,
	}
}

// errBuf holds an emulator call's message.
type errBuf [512]C.char

func (e *errBuf) err(rc C.int) error {
	if rc == 0 {
		return nil
	}
	return errors.New(C.GoString(&e[0]))
}

func (d *device) bind() error { return nil }

func (d *device) alloc(bytes int) (uintptr, error) {
	var e errBuf
	var p C.uint64_t
	err := e.err(C.emu_alloc(C.size_t(bytes), &p, &e[0], C.size_t(len(e))))
	return uintptr(p), err
}

func (d *device) free(p uintptr) { C.emu_free(C.uint64_t(p)) }

func (d *device) memset32(p uintptr, v uint32, n int) error {
	var e errBuf
	return e.err(C.emu_memset32(C.uint64_t(p), C.uint32_t(v), C.size_t(n), &e[0], C.size_t(len(e))))
}

func (d *device) upload(dst uintptr, src unsafe.Pointer, bytes int) error {
	var e errBuf
	return e.err(C.emu_upload(C.uint64_t(dst), src, C.size_t(bytes), &e[0], C.size_t(len(e))))
}

func (d *device) download(dst unsafe.Pointer, src uintptr, bytes int) error {
	var e errBuf
	return e.err(C.emu_download(dst, C.uint64_t(src), C.size_t(bytes), &e[0], C.size_t(len(e))))
}

func (d *device) copy(dst, src uintptr, bytes int) error {
	var e errBuf
	return e.err(C.emu_copy(C.uint64_t(dst), C.uint64_t(src), C.size_t(bytes), &e[0], C.size_t(len(e))))
}

// synchronize returns at once: a launch has finished when emu_launch returns.
func (d *device) synchronize() error { return nil }

func (d *device) function(name string) (function, error) {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	k := C.emu_kernel(cs)
	if k < 0 {
		return 0, fmt.Errorf("no kernel %s in the emulator's table (emu_kernels.cc)", name)
	}
	return function(k), nil
}

func (d *device) setMaxShared(f function, bytes int) error {
	if bytes > d.sharedOptIn {
		return fmt.Errorf("%d bytes of shared memory is more than the device's %d", bytes, d.sharedOptIn)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.maxShared[f] = bytes
	return nil
}

// limit returns the dynamic shared memory f may use.
func (d *device) limit(f function) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if n, ok := d.maxShared[f]; ok {
		return n
	}
	return emuSharedDefault
}

// maxActiveBlocks is the occupancy of an H200-like multiprocessor: its
// threads and shared memory (with the 1 KB the driver keeps per block).
func (d *device) maxActiveBlocks(f function, threads, shared int) (int, error) {
	if shared > d.limit(f) {
		return 0, nil
	}
	return min(emuThreadsPerSM/threads, emuSharedPerSM/(shared+1<<10)), nil
}

func (d *device) launch(f function, gx, gy, threads, shared int, cooperative bool, holders []uint64) error {
	if shared > d.limit(f) {
		return fmt.Errorf("%d bytes of dynamic shared memory, more than the kernel's %d (CUDA_ERROR_INVALID_VALUE)", shared, d.limit(f))
	}
	coop := C.int(0)
	if cooperative {
		n, _ := d.maxActiveBlocks(f, threads, shared)
		if gx*gy > n*d.sms {
			return fmt.Errorf("%d blocks cannot all be resident, %d per SM on %d SMs (CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE)", gx*gy, n, d.sms)
		}
		coop = 1
	}
	d.mu.Lock()
	d.launches++
	seed, failed := d.seed+d.launches, d.failAt > 0 && d.launches >= d.failAt
	d.mu.Unlock()
	if failed {
		return errors.New("unspecified launch failure (CUDA_ERROR_LAUNCH_FAILED, injected by CUDAEMU_FAIL_LAUNCH)")
	}
	var h *C.uint64_t
	if len(holders) > 0 {
		h = (*C.uint64_t)(unsafe.Pointer(&holders[0]))
	}
	var e errBuf
	return e.err(C.emu_launch(C.int(f), C.uint(gx), C.uint(gy), C.uint(threads), C.uint(shared), coop,
		h, C.int(len(holders)), C.uint64_t(seed), &e[0], C.size_t(len(e))))
}
