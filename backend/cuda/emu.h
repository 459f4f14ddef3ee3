// emu.h: CUDA's built-ins on the CPU, so that kernels.cu compiles as C++
// for the emulated device of the build tag cudaemu (emu_kernels.cc,
// emu_runtime.cc; see NOTES.md, "The emulator"). Each CUDA thread is a
// fiber; a block's fibers run on one OS thread and switch only at
// __syncthreads and __nanosleep, so every barrier is a real one and a read
// that a barrier should order shows as the NaN that shared memory is
// filled with before the write.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace emu {

// uint3 is CUDA's type of threadIdx, blockIdx, blockDim and gridDim:
// unsigned, so that arithmetic on them wraps as it does on the GPU.
struct uint3 {
	unsigned int x, y, z;
};

// Fiber is one CUDA thread of a launch.
struct Fiber {
	uint3 thread_idx;
	uint3 block_idx;
	unsigned char *dynamic_shared; // the block's extern __shared__ memory
};

// Launch is what every thread of a launch sees alike.
struct Launch {
	uint3 grid_dim, block_dim;
};

extern thread_local Fiber *current; // the running fiber
extern thread_local const Launch *launch;

void syncthreads();  // the block's barrier
void yield();        // let the other fibers run (a spinning thread's pause)
// misaligned records that the running thread loaded a value of align
// bytes from p, an address that is not a multiple of align, which faults
// on a GPU (a misaligned address): the launch fails when it ends.
void misaligned(const void *p, size_t align);

// aligned_load is a load of *p that checks p's alignment as a GPU does.
template <typename T> inline T aligned_load(const T *p)
{
	if (reinterpret_cast<uintptr_t>(p) % alignof(T) != 0) {
		misaligned(p, alignof(T));
		T v;
		std::memcpy(&v, p, sizeof(T));
		return v;
	}
	return *p;
}

} // namespace emu

// CUDA's vector type of four floats, aligned as on the GPU.
struct alignas(16) float4 {
	float x, y, z, w;
};

#define threadIdx (emu::current->thread_idx)
#define blockIdx (emu::current->block_idx)
#define blockDim (emu::launch->block_dim)
#define gridDim (emu::launch->grid_dim)

#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__ __restrict
// Static shared memory lives in one section, which the runtime fills with
// NaN before each block of a launch and saves and restores when it
// switches between the blocks of a cooperative launch, so that each block
// has its own.
#define __shared__ __attribute__((section("emu_shared"), aligned(16))) static
// The dynamic shared memory of the block, exactly the launch's size.
#define DYNAMIC_SHARED(type, name) type *name = reinterpret_cast<type *>(emu::current->dynamic_shared)

inline void __syncthreads() { emu::syncthreads(); }
inline void __nanosleep(unsigned int) { emu::yield(); }
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

template <typename T> inline T __ldg(const T *p) { return emu::aligned_load(p); }
template <typename T> inline T __ldcg(const T *p) { return emu::aligned_load(p); }

inline unsigned int atomicAdd(unsigned int *p, unsigned int v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
inline unsigned int atomicExch(unsigned int *p, unsigned int v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }

// CUDA's integer min and max, for the argument types the kernels mix.
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long min(long a, long b) { return a < b ? a : b; }
inline long max(long a, long b) { return a > b ? a : b; }
inline unsigned int min(unsigned int a, unsigned int b) { return a < b ? a : b; }
inline unsigned int max(unsigned int a, unsigned int b) { return a > b ? a : b; }

using std::exp;
using std::fmax;
using std::log;
