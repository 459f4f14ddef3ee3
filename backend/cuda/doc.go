// Package cuda computes on an NVIDIA GPU through the CUDA driver API
// (gorgonia.org/cu, plus a few lines of cgo for cooperative launches and
// kernel attributes), with its own kernels: kernels.cu, compiled by
// make kernels to kernels.ptx, which the package embeds, so that neither
// users nor CI need nvcc. The driver JIT-compiles the PTX (ISA 7.8,
// compute_80) for whatever GPU it finds.
//
// The backend is behind the build tag cuda: gorgonia.org/cu's package init
// calls cuInit and exits the process when it fails, so nothing in the
// default build may import it. Build with make cuda (go build -tags cuda),
// which needs cuda.h and libcuda.so at build time and libcuda.so.1 (the
// NVIDIA driver) at run time. A cuda build on a machine with the driver but
// no usable GPU stops at start with a one-line message from package probe,
// which runs before gorgonia.org/cu's init; without the driver at all, the
// dynamic loader refuses the binary (exit 127).
//
// Everything stays on the device: parameters, gradients, Adam's moments,
// activations, and, through the Resident methods (see backend.Resident),
// the training set as bytes, with each batch gathered there. A layer's
// whole time loop, forward or backward, is one cooperative launch of a
// persistent kernel that keeps the block's slice of the recurrent weights
// in shared memory and separates the steps with a grid barrier. Every sum
// is taken in a fixed order (no atomic additions), so results repeat bit
// for bit for a given seed. NOTES.md counts the work and gives the kernel
// versions with their predicted times.
//
// The files without the build tag hold the host-side logic that needs no
// GPU (launch plans, argument packing, the embedded PTX and its check), so
// that go test ./... tests it anywhere.
//
// Built with the tag cudaemu instead (make cuda-emu, which needs only
// g++), the package computes on an emulated device: kernels.cu compiled as
// C++ for the CPU with emu.h, our header of CUDA's built-ins, each CUDA
// thread a fiber, behind the same driver methods (driver_emu.go in place
// of driver_gpu.go). The whole Backend, its launch plans and argument
// packing included, then runs the conformance suite without a GPU;
// NOTES.md says what that catches and what only a GPU can.
package cuda
