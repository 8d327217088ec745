// Sum reductions with fp32 accumulation: over the last dim of a (rows, cols) tensor, and over all
// elements (deterministic two-pass: per-block partials, then one block sums them in fixed order).
#include "vec.cuh"

namespace nrc {
namespace {

constexpr int kPartials = 1024;  // blocks in pass 1 of sum_all (upper bound)

// partial[blockIdx.x] = sum of x over this block's grid-stride share; x is (n)
template <typename T, bool VEC>
__global__ void sum_partial_kernel(const T* __restrict__ x, size_t n, float* __restrict__ partial) {
  __shared__ float shm[32];
  size_t stride = (size_t)gridDim.x * blockDim.x;
  size_t tid = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  float acc = 0.f;
  size_t nv = VEC ? n / kVec : 0;
  for (size_t i = tid; i < nv; i += stride) {
    float v[kVec];
    load8(x + i * kVec, v);
#pragma unroll
    for (int j = 0; j < kVec; j++) acc += v[j];
  }
  for (size_t i = nv * kVec + tid; i < n; i += stride) acc += to_f(x[i]);
  acc = block_sum(acc, shm);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// out[0] = sum of partial (np); one block of 1024 threads
__global__ void sum_final_kernel(const float* __restrict__ partial, int np, float* __restrict__ out) {
  __shared__ float shm[32];
  float acc = 0.f;
  for (int i = threadIdx.x; i < np; i += blockDim.x) acc += partial[i];
  acc = block_sum(acc, shm);
  if (threadIdx.x == 0) out[0] = acc;
}

// x is (rows, cols); out[r] = sum_c x[r, c]. One warp per row (cols small).
template <typename T>
__global__ void sum_rows_warp_kernel(const T* __restrict__ x, float* __restrict__ out, size_t rows, size_t cols) {
  size_t row = (size_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  int lane = threadIdx.x & 31;
  if (row >= rows) return;
  const T* p = x + row * cols;
  float acc = 0.f;
  for (size_t c = lane; c < cols; c += 32) acc += to_f(p[c]);
  acc = warp_sum(acc);
  if (lane == 0) out[row] = acc;
}

// x is (rows, cols); one block per row (cols large), vector loads when the row is 16-byte aligned.
template <typename T>
__global__ void sum_rows_block_kernel(const T* __restrict__ x, float* __restrict__ out, size_t cols) {
  __shared__ float shm[32];
  const T* p = x + (size_t)blockIdx.x * cols;
  float acc = 0.f;
  size_t nv = aligned16_dev(p) ? cols / kVec : 0;
  for (size_t i = threadIdx.x; i < nv; i += blockDim.x) {
    float v[kVec];
    load8(p + i * kVec, v);
#pragma unroll
    for (int j = 0; j < kVec; j++) acc += v[j];
  }
  for (size_t c = nv * kVec + threadIdx.x; c < cols; c += blockDim.x) acc += to_f(p[c]);
  acc = block_sum(acc, shm);
  if (threadIdx.x == 0) out[blockIdx.x] = acc;
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_sum_all(nrc_dtype dt, const void* x, float* out, size_t n) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_sum_all");
  NRC_ARG(out, "nrc_sum_all: null output");
  if (!n) return nrc_fill(NRC_F32, out, 1, 0.f);
  NRC_ARG(x, "nrc_sum_all: null input");
  bool vec = aligned16(x);
  unsigned g = grid_for(vec ? n / kVec + 1 : n, 256, std::min<unsigned>(kPartials, props().sms * 4));
  float* partial = nullptr;
  NRC_CUDA(cudaMallocAsync((void**)&partial, g * sizeof(float), stream()), "nrc_sum_all");
  NRC_DISPATCH(dt, T,
    if (vec) sum_partial_kernel<T, true><<<g, 256, 0, stream()>>>((const T*)x, n, partial);
    else sum_partial_kernel<T, false><<<g, 256, 0, stream()>>>((const T*)x, n, partial));
  cudaError_t e = cudaGetLastError();
  if (e == cudaSuccess) {
    sum_final_kernel<<<1, 1024, 0, stream()>>>(partial, (int)g, out);
    e = cudaGetLastError();
  }
  cudaFreeAsync(partial, stream());
  if (e != cudaSuccess) return cuda_error(e, "nrc_sum_all");
  return NRC_OK;
}

nrc_status nrc_sum_rows(nrc_dtype dt, const void* x, float* out, size_t rows, size_t cols) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_sum_rows");
  if (!rows) return NRC_OK;
  NRC_ARG(out, "nrc_sum_rows: null output");
  if (!cols) return nrc_fill(NRC_F32, out, rows, 0.f);
  NRC_ARG(x, "nrc_sum_rows: null input");
  NRC_ARG(rows < (1ull << 31), "nrc_sum_rows: too many rows");
  if (cols <= 512) {
    unsigned g = (unsigned)((rows + 7) / 8);
    NRC_DISPATCH(dt, T, sum_rows_warp_kernel<T><<<g, 256, 0, stream()>>>((const T*)x, out, rows, cols));
  } else {
    NRC_DISPATCH(dt, T, sum_rows_block_kernel<T><<<(unsigned)rows, 256, 0, stream()>>>((const T*)x, out, cols));
  }
  NRC_LAUNCHED("nrc_sum_rows");
  return NRC_OK;
}

}  // extern "C"
