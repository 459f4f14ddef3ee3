// emu_api.h: the emulated device's C interface, which driver_emu.go calls
// in place of the CUDA driver (build tag cudaemu). Device addresses are
// host addresses of memory the emulator mapped; each allocation ends at a
// page that faults when touched. Functions that can fail return 0 on
// success, else -1 with a message in err (errlen bytes).
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// emu_alloc maps bytes of device memory, filled with NaN (all bits set).
int emu_alloc(size_t bytes, uint64_t *ptr, char *err, size_t errlen);
// emu_free unmaps an allocation made by emu_alloc.
void emu_free(uint64_t ptr);
// emu_check says whether [p, p+bytes) lies inside one live allocation.
int emu_check(uint64_t p, size_t bytes, char *err, size_t errlen);

// The copies and the fill check that the device range lies inside one
// allocation.
int emu_upload(uint64_t dst, const void *src, size_t bytes, char *err, size_t errlen);
int emu_download(void *dst, uint64_t src, size_t bytes, char *err, size_t errlen);
int emu_copy(uint64_t dst, uint64_t src, size_t bytes, char *err, size_t errlen);
int emu_memset32(uint64_t dst, uint32_t v, size_t n, char *err, size_t errlen);

// emu_kernel returns the index of the kernel called name, or -1.
int emu_kernel(const char *name);

// emu_launch runs kernel k on a gx×gy grid of blocks of block threads with
// shared bytes of dynamic shared memory, its parameters in 8-byte holders
// (n of them). Blocks run in an order, and each block's threads between
// barriers in an order, drawn from seed. cooperative: every block is
// alive at once, as cuLaunchCooperativeKernel has them.
int emu_launch(int k, unsigned gx, unsigned gy, unsigned block, unsigned shared, int cooperative,
               const uint64_t *holders, int n, uint64_t seed, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
