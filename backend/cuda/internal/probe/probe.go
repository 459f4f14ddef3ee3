//go:build cuda

// Package probe initialises the CUDA driver before gorgonia.org/cu does,
// to fail with a clear one-line message instead of cu's: cu's package
// init calls cuInit and, when it fails, prints a link and exits. Go
// initialises the packages that are ready in the order of their import
// paths (the spec, since Go 1.21), and this package's path sorts before
// gorgonia.org/cu's, so importing it (as package cuda does) runs this
// check first. Without libcuda.so.1 at all, the dynamic loader refuses the
// binary before any Go code runs (exit 127).
package probe

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>

static CUresult probe(int *count, const char **name) {
	CUresult r = cuInit(0);
	if (r == CUDA_SUCCESS)
		r = cuDeviceGetCount(count);
	if (r != CUDA_SUCCESS && cuGetErrorName(r, name) != CUDA_SUCCESS)
		*name = "unknown error";
	return r;
}
*/
import "C"

import (
	"fmt"
	"os"
)

func init() {
	var count C.int
	var name *C.char
	if r := C.probe(&count, &name); r != C.CUDA_SUCCESS {
		fmt.Fprintf(os.Stderr, "%s: the CUDA driver found no usable GPU (cuInit: %s, code %d); this is a CUDA build (make cuda): run a CPU build (make build) on this machine\n",
			os.Args[0], C.GoString(name), int(r))
		os.Exit(1)
	}
	if count == 0 {
		fmt.Fprintf(os.Stderr, "%s: the CUDA driver reports no GPU; this is a CUDA build (make cuda): run a CPU build (make build) on this machine\n", os.Args[0])
		os.Exit(1)
	}
}
