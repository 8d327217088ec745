// RMSNorm over the last dim of x (rows, C) with optional fp32 weight (C), forward and backward, for
// float32/16/bf16 (float math) and float64 (double math). Formulas of native/kernels/ref/norm.cc:
//   rstd = 1/sqrt(sum(x^2)/C + eps)  (C == 0: 1/sqrt(eps)),  y = x*rstd*w
//   g = dy*w, xhat = x*rstd:  dx = rstd*(g - xhat*sum(g*xhat)/C),  dw += sum over rows of dy*xhat
// A row is handled by a warp (C <= 1024, 8 rows per block) or a 256-thread block, grid-strided over
// rows, with 16-byte vector accesses (rowvec.cuh); x is read twice (the second read mostly from L2).
// dweight: per-block partial sums in shared memory (C <= 8192), added once per block with atomics
// (summation order not deterministic, as layernorm.cu); wider rows add straight to global memory.
#include "rowvec.cuh"

namespace nrc {
namespace {

// x, y (rows, C); w (C) or null; rstd (rows) or null.
template <typename T, int TPR>
__global__ void __launch_bounds__(256) rms_fwd_kernel(const T* __restrict__ x, const float* __restrict__ w, T* __restrict__ y,
                                                      float* __restrict__ rstd, size_t rows, size_t C, float eps) {
  using A = acc_t<T>;
  __shared__ A shm[32];
  const int t = threadIdx.x % TPR;
  const size_t rpb = blockDim.x / TPR;
  for (size_t row = blockIdx.x * rpb + threadIdx.x / TPR; row < rows; row += (size_t)gridDim.x * rpb) {
    const T* xr = x + row * C;
    A ss = 0;
    row_apply<T>(xr, nullptr, nullptr, C, t, TPR, [&](size_t, A v, A) { ss += v * v; return v; });
    ss = group_sum<TPR>(ss, shm);
    const A r = (A)1 / sqrt((C ? ss / (A)C : (A)0) + (A)eps);
    row_apply<T>(xr, nullptr, y + row * C, C, t, TPR, [&](size_t c, A v, A) { return w ? v * r * (A)w[c] : v * r; });
    if (t == 0 && rstd) rstd[row] = (float)r;
  }
}

// dy, x, dx (rows, C); w (C) or null; rstd (rows); dw (C) or null, accumulated. Dynamic shared
// memory: C floats when SHARED (per-block dweight partials).
template <typename T, int TPR, bool SHARED>
__global__ void __launch_bounds__(256) rms_bwd_kernel(const T* __restrict__ dy, const T* __restrict__ x, const float* __restrict__ w,
                                                      const float* __restrict__ rstd, T* __restrict__ dx, float* __restrict__ dw,
                                                      size_t rows, size_t C) {
  using A = acc_t<T>;
  extern __shared__ float acc[];
  __shared__ A shm[32];
  if (SHARED) {
    for (size_t c = threadIdx.x; c < C; c += blockDim.x) acc[c] = 0.f;
    __syncthreads();
  }
  const int t = threadIdx.x % TPR;
  const size_t rpb = blockDim.x / TPR;
  for (size_t row = blockIdx.x * rpb + threadIdx.x / TPR; row < rows; row += (size_t)gridDim.x * rpb) {
    const T* dyr = dy + row * C;
    const T* xr = x + row * C;
    const A r = (A)rstd[row];
    A s = 0;  // sum(g * xhat)
    row_apply<T, 1>(dyr, xr, nullptr, C, t, TPR, [&](size_t c, A g, A xv) {
      A xh = xv * r;
      if (dw) {
        if (SHARED) atomicAdd(&acc[c], (float)(g * xh));
        else atomicAdd(&dw[c], (float)(g * xh));
      }
      s += (w ? g * (A)w[c] : g) * xh;
      return g;
    });
    const A m = group_sum<TPR>(s, shm) / (A)C;
    if (dx) row_apply<T>(dyr, xr, dx + row * C, C, t, TPR, [&](size_t c, A g, A xv) {
      return r * ((w ? g * (A)w[c] : g) - xv * r * m);
    });
  }
  if (SHARED && dw) {
    __syncthreads();
    for (size_t c = threadIdx.x; c < C; c += blockDim.x) atomicAdd(&dw[c], acc[c]);
  }
}

constexpr size_t kSharedMaxC = 8192;

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_rmsnorm_fwd(nrc_dtype dt, const void* x, const float* weight, void* y, float* rstd, size_t rows, size_t C, float eps) {
  NRC_INIT();
  const std::string fn = std::string("nrc_rmsnorm_fwd(") + dtype_name(dt) + ", " + std::to_string(rows) + "x" + std::to_string(C) + ")";
  if (!is_float_dt(dt)) return set_error(NRC_ERR_UNSUPPORTED, fn + ": dtype must be float32, float16, bfloat16 or float64");
  NRC_ARG(eps >= 0.f, fn + ": eps must be >= 0");
  if (!rows) return NRC_OK;
  NRC_ARG((x && y) || !C, fn + ": null x or y");
  NRC_ARG(rows < (1ull << 40) && C < (1ull << 40), fn + ": too large");
  const unsigned rpb = C <= 1024 ? 8 : 1;
  const unsigned grid = grid_for(rows, rpb, (unsigned)props().sms * 16);
  if (C <= 1024) NRC_DISPATCH_FLOAT4(dt, T, rms_fwd_kernel<T, 32><<<grid, 256, 0, stream()>>>((const T*)x, weight, (T*)y, rstd, rows, C, eps))
  else NRC_DISPATCH_FLOAT4(dt, T, rms_fwd_kernel<T, 256><<<grid, 256, 0, stream()>>>((const T*)x, weight, (T*)y, rstd, rows, C, eps))
  NRC_LAUNCHED("nrc_rmsnorm_fwd");
  return NRC_OK;
}

nrc_status nrc_rmsnorm_bwd(nrc_dtype dt, const void* dy, const void* x, const float* weight, const float* rstd, void* dx,
                           float* dweight, size_t rows, size_t C) {
  NRC_INIT();
  const std::string fn = std::string("nrc_rmsnorm_bwd(") + dtype_name(dt) + ", " + std::to_string(rows) + "x" + std::to_string(C) + ")";
  if (!is_float_dt(dt)) return set_error(NRC_ERR_UNSUPPORTED, fn + ": dtype must be float32, float16, bfloat16 or float64");
  if (!rows || !C || (!dx && !dweight)) return NRC_OK;
  NRC_ARG(dy && x && rstd, fn + ": null dy, x or rstd");
  NRC_ARG(rows < (1ull << 40) && C < (1ull << 40), fn + ": too large");
  const unsigned rpb = C <= 1024 ? 8 : 1;
  const bool shared = dweight && C <= kSharedMaxC;
  // With dweight, few blocks that each visit many rows (the per-block flush costs C atomics).
  const unsigned cap = (unsigned)props().sms * (dweight ? 4 : 16);
  const unsigned grid = grid_for(rows, rpb, cap);
  const size_t smem = shared ? C * sizeof(float) : 0;
  cudaStream_t st = stream();
#define NRC_RMS_BWD(TPR)                                                                                     \
  NRC_DISPATCH_FLOAT4(dt, T,                                                                                 \
    if (shared) rms_bwd_kernel<T, TPR, true><<<grid, 256, smem, st>>>((const T*)dy, (const T*)x, weight, rstd, (T*)dx, dweight, rows, C); \
    else rms_bwd_kernel<T, TPR, false><<<grid, 256, 0, st>>>((const T*)dy, (const T*)x, weight, rstd, (T*)dx, dweight, rows, C))
  if (C <= 1024) { NRC_RMS_BWD(32) } else { NRC_RMS_BWD(256) }
#undef NRC_RMS_BWD
  NRC_LAUNCHED("nrc_rmsnorm_bwd");
  return NRC_OK;
}

}  // extern "C"
