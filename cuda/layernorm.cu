// LayerNorm over the last dim of x (rows, C) with fp32 weight/bias, forward and backward.
// Fast path (C % 8 == 0, 16-byte aligned, C <= 8192): a row is held in registers as NV 8-element
// vectors per thread, by a warp (C <= 1024) or a 256-thread block; mean and variance are two-pass
// in fp32 over the registers, so x is read once. The backward keeps dweight/dbias partial sums in
// registers across the rows a thread group visits, then adds them once per block (atomics: the
// summation order is not deterministic). Other shapes use the scalar warp-per-row kernels.
#include "vec.cuh"

namespace nrc {
namespace {

// x, y (rows, C); w, b (C); mean, rstd (rows) may be null
template <typename T>
__global__ void layernorm_fwd_kernel(const T* __restrict__ x, const float* __restrict__ w, const float* __restrict__ b,
                                     T* __restrict__ y, float* __restrict__ mean, float* __restrict__ rstd,
                                     size_t rows, int C, float eps) {
  size_t row = (size_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  int lane = threadIdx.x & 31;
  if (row >= rows) return;
  const T* xr = x + row * C;
  float s = 0.f;
  for (int c = lane; c < C; c += 32) s += to_f(xr[c]);
  float mu = warp_sum(s) / C;
  float v = 0.f;
  for (int c = lane; c < C; c += 32) { float d = to_f(xr[c]) - mu; v += d * d; }
  float rs = rsqrtf(warp_sum(v) / C + eps);
  T* yr = y + row * C;
  for (int c = lane; c < C; c += 32) {
    float n = (to_f(xr[c]) - mu) * rs;
    yr[c] = from_f<T>(n * (w ? w[c] : 1.f) + (b ? b[c] : 0.f));
  }
  if (lane == 0) {
    if (mean) mean[row] = mu;
    if (rstd) rstd[row] = rs;
  }
}

// dy, x, dx (rows, C); w (C); mean, rstd (rows); dw, db (C) accumulated. Dynamic smem: 2*C floats
// when SHARED (per-block partial sums), else global atomics per element.
template <typename T, bool SHARED>
__global__ void layernorm_bwd_kernel(const T* __restrict__ dy, const T* __restrict__ x, const float* __restrict__ w,
                                     const float* __restrict__ mean, const float* __restrict__ rstd, T* __restrict__ dx,
                                     float* __restrict__ dw, float* __restrict__ db, size_t rows, int C) {
  extern __shared__ float acc[];  // [0, C): dweight partial, [C, 2C): dbias partial
  if (SHARED) {
    for (int c = threadIdx.x; c < 2 * C; c += blockDim.x) acc[c] = 0.f;
    __syncthreads();
  }
  int lane = threadIdx.x & 31;
  size_t warps = (size_t)gridDim.x * (blockDim.x / 32);
  for (size_t row = (size_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; row < rows; row += warps) {
    const T* dyr = dy + row * C;
    const T* xr = x + row * C;
    float mu = mean[row], rs = rstd[row];
    float s1 = 0.f, s2 = 0.f;  // sum(dy*w), sum(dy*w*xhat)
    for (int c = lane; c < C; c += 32) {
      float g = to_f(dyr[c]) * (w ? w[c] : 1.f);
      float xh = (to_f(xr[c]) - mu) * rs;
      s1 += g; s2 += g * xh;
    }
    s1 = warp_sum(s1) / C;
    s2 = warp_sum(s2) / C;
    T* dxr = dx + row * C;
    for (int c = lane; c < C; c += 32) {
      float d = to_f(dyr[c]);
      float xh = (to_f(xr[c]) - mu) * rs;
      dxr[c] = from_f<T>(rs * (d * (w ? w[c] : 1.f) - s1 - xh * s2));
      if (SHARED) {
        atomicAdd(&acc[c], d * xh);
        atomicAdd(&acc[C + c], d);
      } else {
        if (dw) atomicAdd(&dw[c], d * xh);
        if (db) atomicAdd(&db[c], d);
      }
    }
  }
  if (SHARED) {
    __syncthreads();
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
      if (dw) atomicAdd(&dw[c], acc[c]);
      if (db) atomicAdd(&db[c], acc[C + c]);
    }
  }
}

// Row reduction over TPR threads (a warp, or the whole block of TPR threads).
template <int TPR>
__device__ __forceinline__ float row_sum(float v, float* shm) {
  if (TPR == 32) return warp_sum(v);
  return block_sum(v, shm);
}

// x, y (rows, C); TPR threads per row (32: rows = blockDim/32 per block; 256: one row per block,
// grid-strided); each thread holds vectors t, t+TPR, ... (NV at most) of its row.
template <typename T, int NV, int TPR>
__global__ void __launch_bounds__(256) layernorm_fwd_vec(const T* __restrict__ x, const float* __restrict__ w,
                                                         const float* __restrict__ b, T* __restrict__ y,
                                                         float* __restrict__ mean, float* __restrict__ rstd,
                                                         size_t rows, int C, float eps) {
  __shared__ float shm[32];
  const int t = threadIdx.x % TPR;
  const int nvec = C / kVec;
  const size_t per_block = blockDim.x / TPR;
  for (size_t row = blockIdx.x * per_block + threadIdx.x / TPR; row < rows; row += (size_t)gridDim.x * per_block) {
    const T* xr = x + row * C;
    float v[NV][kVec];
    float s = 0.f;
#pragma unroll
    for (int i = 0; i < NV; i++) {
      int vi = t + i * TPR;
      if (vi < nvec) {
        load8(xr + vi * kVec, v[i]);
#pragma unroll
        for (int j = 0; j < kVec; j++) s += v[i][j];
      }
    }
    float mu = row_sum<TPR>(s, shm) / C;
    float q = 0.f;
#pragma unroll
    for (int i = 0; i < NV; i++)
      if (t + i * TPR < nvec)
#pragma unroll
        for (int j = 0; j < kVec; j++) { float d = v[i][j] - mu; q += d * d; }
    float rs = rsqrtf(row_sum<TPR>(q, shm) / C + eps);
    T* yr = y + row * C;
#pragma unroll
    for (int i = 0; i < NV; i++) {
      int vi = t + i * TPR;
      if (vi < nvec) {
        float o[kVec];
#pragma unroll
        for (int j = 0; j < kVec; j++) {
          int c = vi * kVec + j;
          o[j] = (v[i][j] - mu) * rs * (w ? w[c] : 1.f) + (b ? b[c] : 0.f);
        }
        store8(yr + vi * kVec, o);
      }
    }
    if (t == 0) {
      if (mean) mean[row] = mu;
      if (rstd) rstd[row] = rs;
    }
  }
}

// dy, x, dx (rows, C); w (C); mean, rstd (rows); dw, db (C) accumulated. Layout as layernorm_fwd_vec.
// Dynamic shared memory (TPR == 32): 2*C floats for the per-block dweight/dbias sums.
template <typename T, int NV, int TPR>
__global__ void __launch_bounds__(256) layernorm_bwd_vec(const T* __restrict__ dy, const T* __restrict__ x,
                                                         const float* __restrict__ w, const float* __restrict__ mean,
                                                         const float* __restrict__ rstd, T* __restrict__ dx,
                                                         float* __restrict__ dw, float* __restrict__ db, size_t rows, int C) {
  extern __shared__ float acc[];
  __shared__ float shm[32];
  const int t = threadIdx.x % TPR;
  const int nvec = C / kVec;
  const size_t per_block = blockDim.x / TPR;
  float adw[NV][kVec] = {}, adb[NV][kVec] = {};
  for (size_t row = blockIdx.x * per_block + threadIdx.x / TPR; row < rows; row += (size_t)gridDim.x * per_block) {
    const T* dyr = dy + row * C;
    const T* xr = x + row * C;
    const float mu = mean[row], rs = rstd[row];
    float g[NV][kVec], xh[NV][kVec];
    float s1 = 0.f, s2 = 0.f;
#pragma unroll
    for (int i = 0; i < NV; i++) {
      int vi = t + i * TPR;
      if (vi < nvec) {
        float d[kVec];
        load8(dyr + vi * kVec, d);
        load8(xr + vi * kVec, xh[i]);
#pragma unroll
        for (int j = 0; j < kVec; j++) {
          xh[i][j] = (xh[i][j] - mu) * rs;
          g[i][j] = d[j] * (w ? w[vi * kVec + j] : 1.f);
          s1 += g[i][j];
          s2 += g[i][j] * xh[i][j];
          adw[i][j] += d[j] * xh[i][j];
          adb[i][j] += d[j];
        }
      }
    }
    s1 = row_sum<TPR>(s1, shm) / C;
    s2 = row_sum<TPR>(s2, shm) / C;
    T* dxr = dx + row * C;
#pragma unroll
    for (int i = 0; i < NV; i++) {
      int vi = t + i * TPR;
      if (vi < nvec) {
        float o[kVec];
#pragma unroll
        for (int j = 0; j < kVec; j++) o[j] = rs * (g[i][j] - s1 - xh[i][j] * s2);
        store8(dxr + vi * kVec, o);
      }
    }
  }
  if (TPR == 32) {  // several warps share columns: sum in shared memory first
    for (int c = threadIdx.x; c < 2 * C; c += blockDim.x) acc[c] = 0.f;
    __syncthreads();
#pragma unroll
    for (int i = 0; i < NV; i++) {
      int vi = t + i * TPR;
      if (vi < nvec)
#pragma unroll
        for (int j = 0; j < kVec; j++) {
          atomicAdd(&acc[vi * kVec + j], adw[i][j]);
          atomicAdd(&acc[C + vi * kVec + j], adb[i][j]);
        }
    }
    __syncthreads();
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
      if (dw) atomicAdd(&dw[c], acc[c]);
      if (db) atomicAdd(&db[c], acc[C + c]);
    }
  } else {
#pragma unroll
    for (int i = 0; i < NV; i++) {
      int vi = t + i * TPR;
      if (vi < nvec)
#pragma unroll
        for (int j = 0; j < kVec; j++) {
          if (dw) atomicAdd(&dw[vi * kVec + j], adw[i][j]);
          if (db) atomicAdd(&db[vi * kVec + j], adb[i][j]);
        }
    }
  }
}

// Picks (NV, TPR) for the vector path; false when the shape needs the scalar kernels.
bool vec_config(size_t C, const void* a, const void* b, int& nv, int& tpr) {
  if (C % kVec || !aligned16(a) || !aligned16(b) || C > 8192) return false;
  size_t nvec = C / kVec;
  tpr = nvec <= 32 * 4 ? 32 : 256;
  size_t need = (nvec + tpr - 1) / tpr;
  nv = need <= 1 ? 1 : need <= 2 ? 2 : 4;
  return true;
}

template <typename T, int NV, int TPR>
nrc_status fwd_vec(const void* x, const float* w, const float* b, void* y, float* mean, float* rstd, size_t rows,
                   int C, float eps) {
  size_t per_block = 256 / TPR;
  unsigned g = grid_for(rows, (unsigned)per_block, (unsigned)props().sms * 16);
  layernorm_fwd_vec<T, NV, TPR><<<g, 256, 0, stream()>>>((const T*)x, w, b, (T*)y, mean, rstd, rows, C, eps);
  NRC_LAUNCHED("nrc_layernorm_fwd");
  return NRC_OK;
}

template <typename T, int NV, int TPR>
nrc_status bwd_vec(const void* dy, const void* x, const float* w, const float* mean, const float* rstd, void* dx,
                   float* dw, float* db, size_t rows, int C) {
  size_t per_block = 256 / TPR;
  unsigned g = grid_for(rows, (unsigned)per_block, (unsigned)props().sms * 2);
  size_t smem = TPR == 32 ? 2 * (size_t)C * sizeof(float) : 0;
  if (smem > 48 * 1024)
    NRC_CUDA(cudaFuncSetAttribute(layernorm_bwd_vec<T, NV, TPR>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem),
             "nrc_layernorm_bwd");
  layernorm_bwd_vec<T, NV, TPR><<<g, 256, smem, stream()>>>((const T*)dy, (const T*)x, w, mean, rstd, (T*)dx, dw, db,
                                                            rows, C);
  NRC_LAUNCHED("nrc_layernorm_bwd");
  return NRC_OK;
}

#define NRC_LN_VEC(fn, T, nv, tpr, ...)                                              \
  do {                                                                              \
    if (tpr == 32) {                                                                \
      if (nv == 1) return fn<T, 1, 32>(__VA_ARGS__);                                \
      if (nv == 2) return fn<T, 2, 32>(__VA_ARGS__);                                \
      return fn<T, 4, 32>(__VA_ARGS__);                                             \
    }                                                                               \
    if (nv == 1) return fn<T, 1, 256>(__VA_ARGS__);                                 \
    if (nv == 2) return fn<T, 2, 256>(__VA_ARGS__);                                 \
    return fn<T, 4, 256>(__VA_ARGS__);                                              \
  } while (0)

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_layernorm_fwd(nrc_dtype dt, const void* x, const float* weight, const float* bias, void* y,
                             float* mean, float* rstd, size_t rows, size_t C, float eps) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_layernorm_fwd");
  if (!rows) return NRC_OK;
  NRC_ARG(C > 0 && C < (1u << 30), "nrc_layernorm_fwd: C must be in [1, 2^30)");
  NRC_ARG(x && y, "nrc_layernorm_fwd: null pointer");
  unsigned g = (unsigned)((rows + 7) / 8);
  NRC_ARG(rows < (1ull << 34), "nrc_layernorm_fwd: too many rows");
  int nv, tpr;
  if (vec_config(C, x, y, nv, tpr)) {
    NRC_DISPATCH(dt, T, NRC_LN_VEC(fwd_vec, T, nv, tpr, x, weight, bias, y, mean, rstd, rows, (int)C, eps));
  }
  NRC_DISPATCH(dt, T, layernorm_fwd_kernel<T><<<g, 256, 0, stream()>>>((const T*)x, weight, bias, (T*)y, mean, rstd,
                                                                       rows, (int)C, eps));
  NRC_LAUNCHED("nrc_layernorm_fwd");
  return NRC_OK;
}

nrc_status nrc_layernorm_bwd(nrc_dtype dt, const void* dy, const void* x, const float* weight, const float* mean,
                             const float* rstd, void* dx, float* dweight, float* dbias, size_t rows, size_t C) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_layernorm_bwd");
  if (!rows) return NRC_OK;
  NRC_ARG(C > 0 && C < (1u << 30), "nrc_layernorm_bwd: C must be in [1, 2^30)");
  NRC_ARG(dy && x && mean && rstd && dx, "nrc_layernorm_bwd: null pointer");
  int nv, tpr;
  if (vec_config(C, x, dy, nv, tpr) && aligned16(dx)) {
    NRC_DISPATCH(dt, T, NRC_LN_VEC(bwd_vec, T, nv, tpr, dy, x, weight, mean, rstd, dx, dweight, dbias, rows, (int)C));
  }
  size_t smem = 2 * C * sizeof(float);
  unsigned g = grid_for(rows, 8, (unsigned)props().sms * 2);
  bool shared = smem <= (size_t)props().smem_optin;
  NRC_DISPATCH(dt, T,
    if (shared) {
      NRC_CUDA(cudaFuncSetAttribute(layernorm_bwd_kernel<T, true>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    (int)smem), "nrc_layernorm_bwd");
      layernorm_bwd_kernel<T, true><<<g, 256, smem, stream()>>>((const T*)dy, (const T*)x, weight, mean, rstd,
                                                                (T*)dx, dweight, dbias, rows, (int)C);
    } else {
      layernorm_bwd_kernel<T, false><<<g, 256, 0, stream()>>>((const T*)dy, (const T*)x, weight, mean, rstd,
                                                              (T*)dx, dweight, dbias, rows, (int)C);
    });
  NRC_LAUNCHED("nrc_layernorm_bwd");
  return NRC_OK;
}

}  // extern "C"
