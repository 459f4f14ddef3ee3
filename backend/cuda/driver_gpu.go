//go:build cuda && !cudaemu

package cuda

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>
#include <stdint.h>

// launch launches f with the kernel parameters in holders, one 8-byte
// holder per parameter, on the default stream, cooperatively or not.
static CUresult launch(CUfunction f, unsigned gx, unsigned gy, unsigned block, unsigned shared,
                       int cooperative, uint64_t *holders, int n) {
	void *params[32];
	if (n > 32)
		return CUDA_ERROR_INVALID_VALUE;
	for (int i = 0; i < n; i++)
		params[i] = &holders[i];
	if (cooperative)
		return cuLaunchCooperativeKernel(f, gx, gy, 1, block, 1, 1, shared, 0, params);
	return cuLaunchKernel(f, gx, gy, 1, block, 1, 1, shared, 0, params, NULL);
}

static CUresult set_max_shared(CUfunction f, int bytes) {
	return cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
}

static CUresult device_attribute(int *v, int attr, CUdevice d) {
	return cuDeviceGetAttribute(v, (CUdevice_attribute)attr, d);
}

static const char *error_name(CUresult r) {
	const char *s = "unknown error";
	cuGetErrorName(r, &s);
	return s;
}
*/
import "C"

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	_ "github.com/lstm-digits/lstm-digits/backend/cuda/internal/probe" // a clear error before cu's init
	"gorgonia.org/cu"
)

// device is GPU 0 through the CUDA driver API: gorgonia.org/cu, and a few
// lines of cgo for what cu v0.9.6 lacks (it stubs
// cuLaunchCooperativeKernel, has no cuFuncSetAttribute, and its device
// attributes stop before the opt-in shared memory size). driver_emu.go has
// the same methods for the emulated device.
type device struct {
	dev  cu.Device
	ctx  cu.CUContext
	mod  cu.Module
	name string
	sms  int // multiprocessors
	// sharedOptIn is the dynamic shared memory a block may have, in bytes.
	sharedOptIn int
}

// function is a kernel of the loaded module.
type function = cu.Function

// openDevice opens GPU 0 in its primary context and loads the kernels
// (the driver JIT-compiles the PTX for the GPU).
func openDevice() (*device, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	dev, err := cu.GetDevice(0)
	if err != nil {
		return nil, fmt.Errorf("cuda: device 0: %w", err)
	}
	d := &device{dev: dev}
	if d.name, err = dev.Name(); err != nil {
		return nil, fmt.Errorf("cuda: device 0 name: %w", err)
	}
	if d.ctx, err = dev.RetainPrimaryCtx(); err != nil {
		return nil, fmt.Errorf("cuda: %s: primary context: %w", d.name, err)
	}
	if err := cu.SetCurrentContext(d.ctx); err != nil {
		return nil, fmt.Errorf("cuda: %s: set context: %w", d.name, err)
	}
	coop, err := d.attribute(C.CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH)
	if err == nil && coop == 0 {
		err = fmt.Errorf("no cooperative launch, which the LSTM kernels need")
	}
	if err == nil {
		d.sms, err = d.attribute(C.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
	}
	if err == nil {
		d.sharedOptIn, err = d.attribute(C.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)
	}
	if err != nil {
		return nil, fmt.Errorf("cuda: %s: %w", d.name, err)
	}
	// The driver writes the JIT's messages into these buffers; on a
	// failure they say why (an unsupported PTX ISA, a register limit).
	errLog, infoLog := make([]byte, 16<<10), make([]byte, 16<<10)
	d.mod, err = cu.LoadDataEx(kernelsPTX, &cu.JITErrorLogBuffer{Buffer: errLog}, &cu.JITInfoLogBuffer{Buffer: infoLog})
	runtime.KeepAlive(errLog)
	runtime.KeepAlive(infoLog)
	if err != nil {
		return nil, fmt.Errorf("cuda: %s: load kernels (JIT-compiling the PTX): %w; JIT log: %s", d.name, err, jitLog(errLog, infoLog))
	}
	return d, nil
}

// jitLog returns the JIT's messages from its NUL-terminated log buffers on
// one line.
func jitLog(bufs ...[]byte) string {
	var lines []string
	for _, b := range bufs {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) == 0 {
		return "empty"
	}
	return strings.Join(lines, " | ")
}

// attribute returns an attribute of the device.
func (d *device) attribute(attr C.int) (int, error) {
	var v C.int
	err := driverError(C.device_attribute(&v, attr, C.CUdevice(d.dev)))
	return int(v), err
}

// driverError describes a driver result, or returns nil for success.
func driverError(r C.CUresult) error {
	if r == C.CUDA_SUCCESS {
		return nil
	}
	return fmt.Errorf("%s (code %d)", C.GoString(C.error_name(r)), int(r))
}

// cfunc returns the driver's handle of f. cu.Function is a struct of one
// field, the CUfunction, so its memory is the handle.
func cfunc(f function) C.CUfunction { return *(*C.CUfunction)(unsafe.Pointer(&f)) }

// bind makes the device's context current on the calling OS thread, which
// the caller has locked.
func (d *device) bind() error { return cu.SetCurrentContext(d.ctx) }

func (d *device) alloc(bytes int) (uintptr, error) {
	p, err := cu.MemAlloc(int64(bytes))
	return uintptr(p), err
}

// free releases an allocation; it may run on any goroutine (a cleanup).
func (d *device) free(p uintptr) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if cu.SetCurrentContext(d.ctx) == nil {
		cu.MemFree(cu.DevicePtr(p))
	}
}

func (d *device) memset32(p uintptr, v uint32, n int) error {
	return cu.MemsetD32(cu.DevicePtr(p), v, int64(n))
}

func (d *device) upload(dst uintptr, src unsafe.Pointer, bytes int) error {
	return cu.MemcpyHtoD(cu.DevicePtr(dst), src, int64(bytes))
}

func (d *device) download(dst unsafe.Pointer, src uintptr, bytes int) error {
	return cu.MemcpyDtoH(dst, cu.DevicePtr(src), int64(bytes))
}

func (d *device) copy(dst, src uintptr, bytes int) error {
	return cu.MemcpyDtoD(cu.DevicePtr(dst), cu.DevicePtr(src), int64(bytes))
}

func (d *device) synchronize() error { return cu.Synchronize() }

func (d *device) function(name string) (function, error) { return d.mod.Function(name) }

// setMaxShared lets f use up to bytes of dynamic shared memory.
func (d *device) setMaxShared(f function, bytes int) error {
	return driverError(C.set_max_shared(cfunc(f), C.int(bytes)))
}

// maxActiveBlocks is the occupancy query: how many blocks of f fit on one
// multiprocessor.
func (d *device) maxActiveBlocks(f function, threads, shared int) (int, error) {
	return f.MaxActiveBlocksPerMultiProcessor(threads, int64(shared))
}

// launch runs f on a gx×gy grid of blocks of threads threads with shared
// bytes of dynamic shared memory and the parameters in holders;
// cooperative, every block co-resident (cuLaunchCooperativeKernel).
func (d *device) launch(f function, gx, gy, threads, shared int, cooperative bool, holders []uint64) error {
	var h *C.uint64_t
	if len(holders) > 0 {
		h = (*C.uint64_t)(unsafe.Pointer(&holders[0]))
	}
	coop := C.int(0)
	if cooperative {
		coop = 1
	}
	return driverError(C.launch(cfunc(f), C.uint(gx), C.uint(gy), C.uint(threads), C.uint(shared), coop, h, C.int(len(holders))))
}
