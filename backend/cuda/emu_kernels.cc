//go:build cudaemu

// emu_kernels.cc compiles kernels.cu itself, the file make kernels
// compiles to PTX, as C++ for the emulated device, with emu.h mapping
// CUDA's built-ins, together with emu_faults.cuh, kernels with the faults
// the emulator must catch (emu_test.go launches them).

#include "emu.h"
#include "kernels.cu"
#include "emu_faults.cuh"
#include "emu_kernels.h"

const emu::Kernel emu::kernels[] = {
    EMU_KERNEL(swap_axes01), EMU_KERNEL(scale), EMU_KERNEL(dropout), EMU_KERNEL(adam),
    EMU_KERNEL(add_rows), EMU_KERNEL(sum_rows), EMU_KERNEL(reduce_splits), EMU_KERNEL(sum_squares),
    EMU_KERNEL(sum_partials), EMU_KERNEL(cross_entropy), EMU_KERNEL(gather), EMU_KERNEL(gemm),
    EMU_KERNEL(lstm_forward), EMU_KERNEL(lstm_backward),
    EMU_KERNEL(fault_no_barrier), EMU_KERNEL(fault_grid_sync), EMU_KERNEL(fault_divergent_barrier),
    EMU_KERNEL(fault_out_of_bounds), EMU_KERNEL(fault_misaligned),
};
const int emu::num_kernels = sizeof(emu::kernels) / sizeof(emu::kernels[0]);
