//go:build cuda

package cuda

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>
#include <stdint.h>

// launch_cooperative launches f with the kernel parameters in holders,
// one 8-byte holder per parameter, on the default stream.
static CUresult launch_cooperative(CUfunction f, unsigned grid, unsigned block, unsigned shared,
                                   uint64_t *holders, int n) {
	void *params[32];
	if (n > 32)
		return CUDA_ERROR_INVALID_VALUE;
	for (int i = 0; i < n; i++)
		params[i] = &holders[i];
	return cuLaunchCooperativeKernel(f, grid, 1, 1, block, 1, 1, shared, 0, params);
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
	"fmt"
	"unsafe"

	"gorgonia.org/cu"
)

// The driver calls that gorgonia.org/cu v0.9.6 lacks: it stubs
// cuLaunchCooperativeKernel and has no cuFuncSetAttribute, and its device
// attributes stop before the opt-in shared memory size.

// cfunc returns the driver's handle of f. cu.Function is a struct of one
// field, the CUfunction, so its memory is the handle.
func cfunc(f cu.Function) C.CUfunction { return *(*C.CUfunction)(unsafe.Pointer(&f)) }

// driverError describes a driver result, or returns nil for success.
func driverError(r C.CUresult) error {
	if r == C.CUDA_SUCCESS {
		return nil
	}
	return fmt.Errorf("%s (code %d)", C.GoString(C.error_name(r)), int(r))
}

// launchCooperative launches f on grid blocks of block threads, all
// co-resident, with the given dynamic shared memory and argument holders.
func launchCooperative(f cu.Function, grid, block, shared int, holders []uint64) error {
	return driverError(C.launch_cooperative(cfunc(f), C.uint(grid), C.uint(block), C.uint(shared),
		(*C.uint64_t)(unsafe.Pointer(&holders[0])), C.int(len(holders))))
}

// setMaxShared lets f use up to bytes of dynamic shared memory.
func setMaxShared(f cu.Function, bytes int) error {
	return driverError(C.set_max_shared(cfunc(f), C.int(bytes)))
}

// Device attributes read through deviceAttribute.
const (
	attrCooperativeLaunch = C.CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH
	attrSharedOptIn       = C.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN
	attrSMs               = C.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT
)

// deviceAttribute returns an attribute of device d.
func deviceAttribute(d cu.Device, attr C.int) (int, error) {
	var v C.int
	err := driverError(C.device_attribute(&v, attr, C.CUdevice(d)))
	return int(v), err
}
