// emu_faults.cuh: kernels with the faults the emulator exists to catch,
// for its own tests (emu_test.go): each must fail there, so that a pass
// of the conformance suite on the emulator means what NOTES.md says.

// fault_no_barrier writes each thread's index to shared memory and reads
// its neighbour's without the __syncthreads between: on the emulator the
// neighbour has not written yet, or wrote before the fill, so out gets NaN.
extern "C" __global__ void fault_no_barrier(float *out)
{
    __shared__ float s[1024];
    s[threadIdx.x] = (float)threadIdx.x;
    out[blockIdx.x * blockDim.x + threadIdx.x] = s[(threadIdx.x + 1) % blockDim.x];
}

// fault_grid_sync waits at the grid barrier: it hangs unless launched
// cooperatively.
extern "C" __global__ void fault_grid_sync(float *out, unsigned int *bar)
{
    grid_sync(bar);
    out[blockIdx.x * blockDim.x + threadIdx.x] = 1.0f;
}

// fault_divergent_barrier has only the first half of the threads reach a
// __syncthreads.
extern "C" __global__ void fault_divergent_barrier(float *out)
{
    if (threadIdx.x < blockDim.x / 2)
        __syncthreads();
    out[threadIdx.x] = 1.0f;
}

// fault_out_of_bounds writes one value past the n it is given.
extern "C" __global__ void fault_out_of_bounds(float *out, int n)
{
    if (blockIdx.x == 0 && threadIdx.x == 0)
        out[n] = 1.0f;
}

// fault_misaligned loads a float4 from out + 1, 4 bytes past a multiple
// of 16.
extern "C" __global__ void fault_misaligned(float *out)
{
    const float4 v = __ldcg(reinterpret_cast<const float4 *>(out + 1));
    out[0] = v.x;
}
