// Kernels of the CUDA backend (package cuda). make kernels compiles this
// file to kernels.ptx, which the package embeds; see NOTES.md for the
// versions, their costs and the launch configurations (chosen in plan.go).
//
// Conventions: every buffer is float32; integers that travel in buffers
// (labels, lengths, sample indices) are stored as float32 values, exact
// below 2^24. Pointers that may be absent are NULL. No kernel uses atomic
// additions on values: every sum is taken in a fixed order, so results
// repeat bit for bit. The only atomics are the grid barrier's counter.

#include <stdint.h>

#define SIGMOID(x) (1.0f / (1.0f + expf(-(x))))

// DYNAMIC_SHARED declares the block's dynamic shared memory, the bytes the
// launch gives it; the CPU emulator's header (emu.h) has its own.
#ifndef DYNAMIC_SHARED
#define DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

// NT is the threads per block of every launch (threads in plan.go). SB is
// how many loads a thread of a staging or summing loop issues before it
// uses any of them (stageBatch in plan.go): the loads of a batch overlap,
// so that a batch costs about one L2 round trip instead of SB (see
// NOTES.md, "A latency model"). 16 float4s are 64 registers, which the
// persistent kernels (one block of 256 threads per SM) have to spare.
#define NT 256
#define SB 16

// load_units reads W values at p through L2 (rows that other blocks of the
// same launch may have written): one float, or a float4 from an address
// that is a multiple of 16 bytes.
__device__ __forceinline__ void load_units(float (&v)[1], const float *p) { v[0] = __ldcg(p); }

__device__ __forceinline__ void load_units(float (&v)[4], const float *p)
{
    const float4 q = __ldcg(reinterpret_cast<const float4 *>(p));
    v[0] = q.x;
    v[1] = q.y;
    v[2] = q.z;
    v[3] = q.w;
}

// stage_units copies the rows×cols block at src (row stride lds) to dst in
// shared memory (row stride ldd), W values per load; cols is a multiple of
// W. Each thread issues SB loads, then stores what they brought.
template <int W>
__device__ void stage_units(float *dst, int ldd, const float *src, long lds, int rows, int cols)
{
    const int per_row = cols / W, units = rows * per_row;
    for (int u0 = threadIdx.x; u0 < units; u0 += SB * blockDim.x) {
        float v[SB][W];
        for (int i = 0; i < SB; i++) {
            const int u = u0 + i * blockDim.x;
            if (u < units)
                load_units(v[i], src + (long)(u / per_row) * lds + (u % per_row) * W);
        }
        for (int i = 0; i < SB; i++) {
            const int u = u0 + i * blockDim.x;
            if (u < units)
                for (int q = 0; q < W; q++)
                    dst[(u / per_row) * ldd + (u % per_row) * W + q] = v[i][q];
        }
    }
}

// stage_rows copies the rows×cols block at src (row stride lds; NULL reads
// as zeros) to dst in shared memory (row stride ldd). With vec, it loads
// float4s: the caller's plan has checked that src and lds keep every
// row's start a multiple of 16 bytes and that cols is a multiple of 4.
// It ends without a barrier.
__device__ void stage_rows(float *dst, int ldd, const float *src, long lds, int rows, int cols, int vec)
{
    if (src == NULL) {
        for (int e = threadIdx.x; e < rows * cols; e += blockDim.x)
            dst[(e / cols) * ldd + e % cols] = 0.0f;
    } else if (vec) {
        stage_units<4>(dst, ldd, src, lds, rows, cols);
    } else {
        stage_units<1>(dst, ldd, src, lds, rows, cols);
    }
}

// sum_strided returns p[0] + p[stride] + … + p[(count-1)·stride], added in
// that order, SB loads in flight.
__device__ float sum_strided(const float *p, long stride, int count)
{
    float s = 0.0f;
    for (int c0 = 0; c0 < count; c0 += SB) {
        float v[SB];
        for (int i = 0; i < SB; i++)
            v[i] = c0 + i < count ? p[(c0 + i) * stride] : 0.0f;
        for (int i = 0; i < SB && c0 + i < count; i++)
            s += v[i];
    }
    return s;
}

// block_sum returns to every thread of the block the sum of the threads'
// values s, added by a tree in shared memory in a fixed order.
__device__ double block_sum(double s)
{
    __shared__ double part[NT];
    part[threadIdx.x] = s;
    __syncthreads();
    for (int w = NT / 2; w > 0; w /= 2) {
        if (threadIdx.x < w)
            part[threadIdx.x] += part[threadIdx.x + w];
        __syncthreads();
    }
    return part[0];
}

// ---------------------------------------------------------------------
// Grid barrier for the persistent LSTM kernels, launched cooperatively
// (cuLaunchCooperativeKernel guarantees that every block is resident).
// bar[0] counts arrivals and is back to 0 after every barrier;
// bar[BAR_GEN], on a cache line of its own (barrierBytes in plan.go), is
// the generation, bumped by the last block to arrive. The waiting threads
// pause between reads of it (which also lets the CPU emulator's other
// blocks run).
#define BAR_GEN 32

__device__ void grid_sync(unsigned int *bar)
{
    __syncthreads();
    if (threadIdx.x == 0) {
        volatile unsigned int *gen = bar + BAR_GEN;
        unsigned int g = *gen;
        __threadfence();
        if (atomicAdd(bar, 1u) == gridDim.x - 1) {
            atomicExch(bar, 0u);
            __threadfence();
            atomicAdd(bar + BAR_GEN, 1u);
        } else {
            while (*gen == g)
                __nanosleep(32);
        }
        __threadfence();
    }
    __syncthreads();
}

// ---------------------------------------------------------------------
// Pointwise and layout kernels.

// swap_axes01 writes the [a, b, f] array src to dst as [b, a, f].
extern "C" __global__ void swap_axes01(float *dst, const float *src, int a, int b, int f)
{
    long n = (long)a * b * f;
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < n; e += (long)gridDim.x * blockDim.x) {
        long k = e % f, ij = e / f;
        long j = ij % b, i = ij / b;
        dst[(j * a + i) * f + k] = src[e];
    }
}

// scale multiplies x[0:n] by s.
extern "C" __global__ void scale(float *x, long n, float s)
{
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < n; e += (long)gridDim.x * blockDim.x)
        x[e] *= s;
}

// dropout sets dst = src*scale where backend.DropoutKeep(seed, index, p),
// else 0: the SplitMix64 finaliser of seed + (index+1)*golden.
extern "C" __global__ void dropout(float *dst, const float *src, long n, float p, float scale, unsigned long long seed)
{
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < n; e += (long)gridDim.x * blockDim.x) {
        unsigned long long z = seed + ((unsigned long long)e + 1ull) * 0x9e3779b97f4a7c15ull;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        float u = (float)(z >> 40) / 16777216.0f;
        dst[e] = u >= p ? src[e] * scale : 0.0f;
    }
}

// adam is one step of torch.optim.Adam over n values, in the CPU
// backend's order of operations; step_size = lr/(1-beta1^step) and
// bc2_sqrt = sqrt(1-beta2^step) come from the host, computed in float64.
extern "C" __global__ void adam(float *p, const float *g, float *m, float *v, long n,
                                float step_size, float beta1, float one_minus_beta1,
                                float beta2, float one_minus_beta2, float eps,
                                float weight_decay, float bc2_sqrt)
{
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < n; e += (long)gridDim.x * blockDim.x) {
        float gi = g[e];
        if (weight_decay != 0.0f)
            gi += weight_decay * p[e];
        float mi = m[e] * beta1 + gi * one_minus_beta1;
        float vi = v[e] * beta2 + gi * gi * one_minus_beta2;
        m[e] = mi;
        v[e] = vi;
        float denom = sqrtf(vi) / bc2_sqrt + eps;
        p[e] -= step_size * (mi / denom);
    }
}

// add_rows adds v[0:w] to each of the n rows of y [n, w].
extern "C" __global__ void add_rows(float *y, const float *v, int n, int w)
{
    long total = (long)n * w;
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < total; e += (long)gridDim.x * blockDim.x)
        y[e] += v[e % w];
}

// sum_rows sums the rows of x [n, w] in splits of rc rows (blockIdx.y is
// the split), one thread per column adding a split's rows in order. With
// one split it adds the column sums into s1 and, when it is not NULL, s2;
// with several, split s writes its sums to s1[s·w : s·w+w], partials that
// reduce_splits then adds in order.
extern "C" __global__ void sum_rows(float *s1, float *s2, const float *x, int n, int w, int rc)
{
    const int r0 = blockIdx.y * rc, rows = max(0, min(rc, n - r0));
    for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < w; j += gridDim.x * blockDim.x) {
        const float s = sum_strided(x + (long)r0 * w + j, w, rows);
        if (gridDim.y > 1) {
            s1[(long)blockIdx.y * w + j] = s;
        } else {
            s1[j] += s;
            if (s2 != NULL)
                s2[j] += s;
        }
    }
}

// reduce_splits is the second pass of a split sum (gemm's split of k,
// sum_rows): p holds splits [m, n] partials one after another, and it
// writes c = Σ_s p[s] + beta·c (row stride ldc), the partials added in the
// order of s, and likewise c2 when it is not NULL; with beta = 0, c and c2
// are not read.
extern "C" __global__ void reduce_splits(float *c, float *c2, int ldc, const float *p, int m, int n, int splits, float beta)
{
    const long mn = (long)m * n;
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < mn; e += (long)gridDim.x * blockDim.x) {
        const float s = sum_strided(p + e, mn, splits);
        const long at = (e / n) * ldc + e % n;
        c[at] = beta == 0.0f ? s : s + beta * c[at];
        if (c2 != NULL)
            c2[at] = beta == 0.0f ? s : s + beta * c2[at];
    }
}

// sum_squares writes to partial[blockIdx.x] the block's share of
// Σ x[0:n]², in double: thread i of the grid adds the squares of x[i],
// x[i + stride], … (stride the grid's threads) in order, SB loads in
// flight, then the block adds its threads' sums by a tree. sum_partials
// adds the blocks' shares; the grid is a function of n alone, so the
// result repeats.
extern "C" __global__ void sum_squares(double *partial, const float *x, long n)
{
    const long stride = (long)gridDim.x * blockDim.x;
    double s = 0.0;
    for (long e0 = blockIdx.x * (long)blockDim.x + threadIdx.x; e0 < n; e0 += SB * stride) {
        float v[SB];
        for (int i = 0; i < SB; i++)
            v[i] = e0 + i * stride < n ? x[e0 + i * stride] : 0.0f;
        for (int i = 0; i < SB; i++)
            s += (double)v[i] * v[i];
    }
    const double total = block_sum(s);
    if (threadIdx.x == 0)
        partial[blockIdx.x] = total;
}

// sum_partials writes the sum of partial[0:p] to out[0] as a float: one
// block, each thread adding a strided share in order, then the tree.
extern "C" __global__ void sum_partials(float *out, const double *partial, int p)
{
    double s = 0.0;
    for (int e = threadIdx.x; e < p; e += blockDim.x)
        s += partial[e];
    const double total = block_sum(s);
    if (threadIdx.x == 0)
        out[0] = (float)total;
}

// cross_entropy writes the mean softmax cross-entropy of logits [n, classes]
// against labels (class indices as float32) to stats[0] and, when dlogits
// is not NULL, its gradient; when stats_correct is set it also writes to
// stats[1] the number of rows whose largest logit (the first on ties) is
// the label. One block; each row in double, the rows summed in a fixed order.
extern "C" __global__ void cross_entropy(float *stats, float *dlogits, const float *logits, const float *labels,
                                         int n, int classes, int stats_correct)
{
    __shared__ double part[256];
    __shared__ int hits[256];
    double total = 0.0;
    int correct = 0;
    for (int r = threadIdx.x; r < n; r += blockDim.x) {
        const float *row = logits + (long)r * classes;
        int label = (int)labels[r];
        double mx = -INFINITY;
        int best = 0;
        for (int j = 0; j < classes; j++) {
            mx = fmax(mx, (double)row[j]);
            if (row[j] > row[best])
                best = j;
        }
        double sum = 0.0;
        for (int j = 0; j < classes; j++)
            sum += exp((double)row[j] - mx);
        double lse = mx + log(sum);
        total += lse - (double)row[label];
        correct += best == label;
        if (dlogits != NULL) {
            float *drow = dlogits + (long)r * classes;
            for (int j = 0; j < classes; j++) {
                double p = exp((double)row[j] - lse);
                if (j == label)
                    p -= 1.0;
                drow[j] = (float)(p / (double)n);
            }
        }
    }
    part[threadIdx.x] = total;
    hits[threadIdx.x] = correct;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w /= 2) {
        if (threadIdx.x < w) {
            part[threadIdx.x] += part[threadIdx.x + w];
            hits[threadIdx.x] += hits[threadIdx.x + w];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        stats[0] = (float)(part[0] / (double)n);
        if (stats_correct)
            stats[1] = (float)hits[0];
    }
}

// gather writes samples order[off : off+n] of a byte data set (width bytes
// each) to x [n, width] as byte/255, and their labels to y [n].
extern "C" __global__ void gather(float *x, float *y, const uint8_t *pixels, const uint8_t *labels,
                                  const float *order, int off, int n, int width)
{
    long total = (long)n * width;
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < total; e += (long)gridDim.x * blockDim.x) {
        long k = e / width, j = e % width;
        long i = (long)order[off + k];
        x[e] = (float)pixels[i * width + j] / 255.0f;
        if (j == 0)
            y[k] = (float)labels[i];
    }
}

// ---------------------------------------------------------------------
// gemm: C = op(A)·op(B) + beta·C, row-major, C m×n, inner dimension k;
// op transposes when its flag is set. 64×64 tiles of C per block of NT
// threads, 4×4 values per thread, k in steps of GK through shared memory,
// each step's GL values of each operand per thread loaded before any is
// stored. With beta = 0, C is written without being read.
//
// Split along k: blockIdx.y = s·tiles + the row tile, where tiles is the
// number of row tiles; split s covers k values [s·kc, s·kc+kc) ∩ [0, k)
// (kc a multiple of GK) and writes its product to the [m, ldc] slab
// C + s·m·ldc. Unsplit, kc = k; split, the host passes the partials
// buffer as C with beta = 0, and reduce_splits adds the slabs in order.

#define GT 64
#define GK 16
#define GL (GK * GT / NT)

// tile_at places value e of a staged GK×GT tile of an operand, stepping
// along the operand's contiguous axis (k with along_k, else the other) so
// that neighbouring threads load neighbouring values.
__device__ __forceinline__ void tile_at(int e, int along_k, int *kk, int *ii)
{
    if (along_k) {
        *kk = e % GK;
        *ii = e / GK;
    } else {
        *ii = e % GT;
        *kk = e / GT;
    }
}

extern "C" __global__ void gemm(int trans_a, int trans_b, int m, int n, int k, int kc,
                                const float *A, int lda, const float *B, int ldb,
                                float beta, float *C, int ldc)
{
    __shared__ float As[GK][GT + 1];
    __shared__ float Bs[GK][GT + 1];
    const int tiles = (m + GT - 1) / GT, split = blockIdx.y / tiles;
    const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    const int row0 = (blockIdx.y % tiles) * GT, col0 = blockIdx.x * GT;
    const int kend = min(k, split * kc + kc);
    C += (long)split * m * ldc;
    float acc[4][4] = {{0}};
    for (int p0 = split * kc; p0 < kend; p0 += GK) {
        float a[GL], b[GL];
        for (int l = 0; l < GL; l++) {
            const int e = threadIdx.x + l * NT;
            int kk, ii, jj;
            tile_at(e, !trans_a, &kk, &ii);
            int i = row0 + ii, p = p0 + kk;
            a[l] = i < m && p < kend ? (trans_a ? A[(long)p * lda + i] : A[(long)i * lda + p]) : 0.0f;
            tile_at(e, trans_b, &kk, &jj);
            int j = col0 + jj;
            p = p0 + kk;
            b[l] = j < n && p < kend ? (trans_b ? B[(long)j * ldb + p] : B[(long)p * ldb + j]) : 0.0f;
        }
        for (int l = 0; l < GL; l++) {
            const int e = threadIdx.x + l * NT;
            int kk, ii;
            tile_at(e, !trans_a, &kk, &ii);
            As[kk][ii] = a[l];
            tile_at(e, trans_b, &kk, &ii);
            Bs[kk][ii] = b[l];
        }
        __syncthreads();
        for (int kk = 0; kk < GK; kk++) {
            float ra[4], rb[4];
            for (int r = 0; r < 4; r++) {
                ra[r] = As[kk][ty + 16 * r];
                rb[r] = Bs[kk][tx + 16 * r];
            }
            for (int r = 0; r < 4; r++)
                for (int c = 0; c < 4; c++)
                    acc[r][c] += ra[r] * rb[c];
        }
        __syncthreads();
    }
    for (int r = 0; r < 4; r++) {
        int i = row0 + ty + 16 * r;
        if (i >= m)
            continue;
        for (int c = 0; c < 4; c++) {
            int j = col0 + tx + 16 * c;
            if (j >= n)
                continue;
            float *cp = C + (long)i * ldc + j;
            *cp = beta == 0.0f ? acc[r][c] : acc[r][c] + beta * *cp;
        }
    }
}

// ---------------------------------------------------------------------
// The persistent LSTM kernels: one cooperative launch runs a layer's whole
// time loop, with a grid barrier between the steps' dependent phases.
//
// Block blk owns the hidden units [blk·J, blk·J+J) ∩ [0, H) (all four
// gates of each) and the output columns [blk·JO, blk·JO+JO) ∩ [0, O).
// With staged set, the block copies its slice of the recurrent weights
// into shared memory once and reads it from there at every step; the
// shared memory after it holds a chunk of bc sequences' rows (of h in the
// forward pass, of the gate gradients in the backward pass), loaded by
// stage_rows: coalesced, SB loads in flight per thread, float4s with vec
// (which the host sets when every staged row starts on 16 bytes). Rows
// written by other blocks in the same launch are read with __ldcg
// (through L2, not the SM's incoherent L1).

// The reserve layout is the CPU backend's: gates [T·B, 4H] (activated),
// c [T·B, H], h [T·B, O], and with a projection m [T·B, H].

__device__ __forceinline__ int time_at(int k, int T, int reverse) { return reverse ? T - 1 - k : k; }

__device__ __forceinline__ bool is_active(const float *lengths, int t, int b)
{
    return lengths == NULL || (float)t < lengths[b];
}

// lstm_forward runs the time loop of LSTMForward. gates holds the input
// projection x·W_ihᵀ on entry and the activated gates (zero at padding
// steps) on return.
extern "C" __global__ void lstm_forward(
    float *gates, float *c_res, float *h_res, float *m_res,
    const float *whh, const float *bih, const float *bhh, const float *whr,
    const float *h0, const float *c0, const float *lengths,
    float *y, int ldy, float *hn, float *cn,
    int T, int B, int H, int O, int reverse, int J, int staged, int bc, int vec, unsigned int *bar)
{
    DYNAMIC_SHARED(float, smem);
    const int G = 4 * H, j0 = blockIdx.x * J, jn = max(0, min(J, H - j0));
    const int ld = O + 1; // padded row of the h chunk: no bank conflicts
    float *ws = smem;     // [4][J][O] when staged
    float *hs = staged ? smem + 4 * J * O : smem;
    if (staged)
        for (int q = 0; q < 4; q++)
            stage_rows(ws + q * J * O, O, whh + (long)(q * H + j0) * O, O, jn, O, vec);
    for (int k = 0; k < T; k++) {
        const int t = time_at(k, T, reverse);
        const float *hprev = k == 0 ? h0 : h_res + (long)time_at(k - 1, T, reverse) * B * O;
        const float *cprev = k == 0 ? c0 : c_res + (long)time_at(k - 1, T, reverse) * B * H;
        for (int b0 = 0; b0 < B; b0 += bc) {
            const int bn = min(bc, B - b0);
            __syncthreads(); // the previous chunk's reads of hs are done
            stage_rows(hs, ld, hprev == NULL ? NULL : hprev + (long)b0 * O, O, bn, O, vec);
            __syncthreads();
            for (int it = threadIdx.x; it < bn * jn; it += blockDim.x) {
                const int bb = it % bn, jj = it / bn, b = b0 + bb, j = j0 + jj;
                const long row = (long)t * B + b;
                float *g = gates + row * G;
                const float cp = cprev == NULL ? 0.0f : cprev[(long)b * H + j];
                if (!is_active(lengths, t, b)) {
                    for (int q = 0; q < 4; q++)
                        g[q * H + j] = 0.0f;
                    c_res[row * H + j] = cp;
                    if (m_res != NULL) {
                        m_res[row * H + j] = 0.0f;
                    } else {
                        h_res[row * O + j] = hs[bb * ld + j];
                        y[row * ldy + j] = 0.0f;
                    }
                    continue;
                }
                float a[4];
                for (int q = 0; q < 4; q++) {
                    a[q] = g[q * H + j];
                    if (bih != NULL)
                        a[q] += bih[q * H + j] + bhh[q * H + j];
                }
                const float *hrow = hs + bb * ld;
                if (staged) {
                    const float *w = ws + jj * O;
                    for (int kk = 0; kk < O; kk++) {
                        float hk = hrow[kk];
                        for (int q = 0; q < 4; q++)
                            a[q] += hk * w[q * J * O + kk];
                    }
                } else {
                    for (int kk = 0; kk < O; kk++) {
                        float hk = hrow[kk];
                        for (int q = 0; q < 4; q++)
                            a[q] += hk * __ldg(whh + (long)(q * H + j) * O + kk);
                    }
                }
                float ig = SIGMOID(a[0]), fg = SIGMOID(a[1]), gg = tanhf(a[2]), og = SIGMOID(a[3]);
                g[j] = ig;
                g[H + j] = fg;
                g[2 * H + j] = gg;
                g[3 * H + j] = og;
                float c = fg * cp + ig * gg;
                float mv = og * tanhf(c);
                c_res[row * H + j] = c;
                if (m_res != NULL) {
                    m_res[row * H + j] = mv;
                } else {
                    h_res[row * O + j] = mv;
                    y[row * ldy + j] = mv;
                }
            }
        }
        grid_sync(bar);
        if (m_res != NULL) { // the projection h = m·W_hrᵀ, split over the whole grid
            for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < (long)B * O; e += (long)gridDim.x * blockDim.x) {
                const int b = e / O, o = e % O;
                const long row = (long)t * B + b;
                float h;
                if (is_active(lengths, t, b)) {
                    h = 0.0f;
                    for (int kk = 0; kk < H; kk++)
                        h += __ldcg(m_res + row * H + kk) * __ldg(whr + (long)o * H + kk);
                    y[row * ldy + o] = h;
                } else {
                    h = hprev == NULL ? 0.0f : __ldcg(hprev + (long)b * O + o);
                    y[row * ldy + o] = 0.0f;
                }
                h_res[row * O + o] = h;
            }
            grid_sync(bar);
        }
    }
    const int last = time_at(T - 1, T, reverse);
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < (long)B * O; e += (long)gridDim.x * blockDim.x)
        hn[e] = __ldcg(h_res + (long)last * B * O + e);
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < (long)B * H; e += (long)gridDim.x * blockDim.x)
        cn[e] = __ldcg(c_res + (long)last * B * H + e);
}

// lstm_backward runs the time loop of LSTMBackward: it turns the reserve's
// activated gates into the gradients of the gate pre-activations in place
// (rows of padding steps stay zero) and writes the gradients with respect
// to the initial state. dh_next [B, O] and dc_next [B, H] are scratch; with
// a projection, dh_all [T·B, O] receives every step's dh (for W_hr's
// gradient) and dm [B, H] is scratch. The block owns units as in
// lstm_forward for the cell, and output columns [blk·JO, +JO) for the
// recurrent product dh = dA·W_hh; staged, ws holds W_hh's columns
// [4H][JO] of the block, and the shared memory after it bc sequences'
// rows of dA in chunks of rc values: rc = 4H, the whole [bc, 4H] block in
// one pass, where shared memory holds it (an H200's does for the seed
// model, bc = B = 100: 205 KB), else chunkRows (plan.go).

extern "C" __global__ void lstm_backward(
    float *gates, const float *c_res, const float *m_res, const float *c0,
    const float *whh, const float *whr, const float *dy, int ldy, const float *lengths,
    const float *dhn, const float *dcn, float *dh_all, float *dh_next, float *dc_next, float *dm,
    float *dh0, float *dc0,
    int T, int B, int H, int O, int reverse, int J, int JO, int staged, int bc, int rc, int vec,
    unsigned int *bar)
{
    DYNAMIC_SHARED(float, smem);
    const int G = 4 * H;
    const int j0 = blockIdx.x * J, jn = max(0, min(J, H - j0));
    const int o0 = blockIdx.x * JO, on = max(0, min(JO, O - o0));
    float *ws = smem;                       // [G][JO] when staged
    float *as = staged ? smem + G * JO : smem; // [bc][rc+1]
    if (staged)
        stage_rows(ws, JO, whh + o0, O, G, on, 0);
    // Each block initialises the state gradients it owns.
    for (int it = threadIdx.x; it < B * on; it += blockDim.x) {
        const int b = it % B, o = o0 + it / B;
        dh_next[(long)b * O + o] = dhn == NULL ? 0.0f : dhn[(long)b * O + o];
    }
    for (int it = threadIdx.x; it < B * jn; it += blockDim.x) {
        const int b = it % B, j = j0 + it / B;
        dc_next[(long)b * H + j] = dcn == NULL ? 0.0f : dcn[(long)b * H + j];
    }
    grid_sync(bar);
    for (int k = T - 1; k >= 0; k--) {
        const int t = time_at(k, T, reverse);
        const float *cprev = k == 0 ? c0 : c_res + (long)time_at(k - 1, T, reverse) * B * H;
        if (dh_all != NULL) { // with a projection: dh, then dm = dh·W_hr
            for (int it = threadIdx.x; it < B * on; it += blockDim.x) {
                const int b = it % B, o = o0 + it / B;
                const long row = (long)t * B + b;
                dh_all[row * O + o] = is_active(lengths, t, b) ? dy[row * ldy + o] + __ldcg(dh_next + (long)b * O + o) : 0.0f;
            }
            grid_sync(bar);
            for (int it = threadIdx.x; it < B * jn; it += blockDim.x) {
                const int b = it % B, j = j0 + it / B;
                const long row = (long)t * B + b;
                float s = 0.0f;
                for (int o = 0; o < O; o++)
                    s += __ldcg(dh_all + row * O + o) * __ldg(whr + (long)o * H + j);
                dm[(long)b * H + j] = s;
            }
        }
        // The cell: gate gradients and dc for the block's units.
        for (int it = threadIdx.x; it < B * jn; it += blockDim.x) {
            const int b = it % B, j = j0 + it / B;
            const long row = (long)t * B + b;
            if (!is_active(lengths, t, b))
                continue; // the gates row is zero: no gradient flows
            const float dmj = dh_all != NULL ? dm[(long)b * H + j] : dy[row * ldy + j] + __ldcg(dh_next + (long)b * O + j);
            float *g = gates + row * G;
            const float ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
            const float tc = tanhf(c_res[row * H + j]);
            const float cp = cprev == NULL ? 0.0f : cprev[(long)b * H + j];
            const float dc = dc_next[(long)b * H + j] + dmj * og * (1.0f - tc * tc);
            g[j] = dc * gg * ig * (1.0f - ig);
            g[H + j] = dc * cp * fg * (1.0f - fg);
            g[2 * H + j] = dc * ig * (1.0f - gg * gg);
            g[3 * H + j] = dmj * tc * og * (1.0f - og);
            dc_next[(long)b * H + j] = dc * fg;
        }
        grid_sync(bar);
        // The recurrent product dh_next = dA·W_hh for the block's columns,
        // bc sequences at a time, dA staged rc values at a time.
        for (int b0 = 0; b0 < B; b0 += bc) {
            const int bn = min(bc, B - b0);
            float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f}; // items it = threadIdx.x + s·blockDim.x
            for (int r0 = 0; r0 < G; r0 += rc) {
                const int rn = min(rc, G - r0);
                __syncthreads();
                stage_rows(as, rc + 1, gates + ((long)t * B + b0) * G + r0, G, bn, rn, vec);
                __syncthreads();
                for (int s = 0; s < 4; s++) {
                    const int it = threadIdx.x + s * blockDim.x;
                    if (it >= bn * on)
                        break;
                    const int bb = it % bn, oo = it / bn;
                    const float *arow = as + bb * (rc + 1);
                    float sum = acc[s];
                    if (staged) {
                        for (int rr = 0; rr < rn; rr++)
                            sum += arow[rr] * ws[(r0 + rr) * JO + oo];
                    } else {
                        for (int rr = 0; rr < rn; rr++)
                            sum += arow[rr] * __ldg(whh + (long)(r0 + rr) * O + o0 + oo);
                    }
                    acc[s] = sum;
                }
            }
            for (int s = 0; s < 4; s++) {
                const int it = threadIdx.x + s * blockDim.x;
                if (it >= bn * on)
                    break;
                const int b = b0 + it % bn, o = o0 + it / bn;
                if (is_active(lengths, t, b))
                    dh_next[(long)b * O + o] = acc[s];
            }
        }
        grid_sync(bar);
    }
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < (long)B * O; e += (long)gridDim.x * blockDim.x)
        if (dh0 != NULL)
            dh0[e] = __ldcg(dh_next + e);
    for (long e = blockIdx.x * (long)blockDim.x + threadIdx.x; e < (long)B * H; e += (long)gridDim.x * blockDim.x)
        if (dc0 != NULL)
            dc0[e] = __ldcg(dc_next + e);
}
