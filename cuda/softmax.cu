// Softmax over the last dim and fused cross-entropy (loss + gradient of the logits in one kernel).
// Rows are independent: a warp per row when the row is short, a block per row otherwise; each
// keeps an online (max, sum of exp) pair, merged across lanes, then a second pass writes outputs
// (the re-read of the row mostly hits L2). 16-byte vector loads when rows allow.
#include "vec.cuh"

// The scalar loops after an `if (VEC) { ...; return; }` are unreachable in the VEC instantiations.
#pragma nv_diag_suppress 128

namespace nrc {
namespace {

// Merges two online-softmax states (m, s): s is the sum of exp(x - m).
__device__ __forceinline__ void merge(float& m, float& s, float m2, float s2) {
  float mn = fmaxf(m, m2);
  if (mn == -INFINITY) return;  // both empty
  s = s * __expf(m - mn) + s2 * __expf(m2 - mn);
  m = mn;
}

// Row state over x[0..cols) using `nthreads` threads with index `t` (a warp or a block). VEC: 8
// elements per 16-byte load (cols % 8 == 0, row 16-byte aligned), one rescale per chunk.
template <typename T, bool VEC>
__device__ __forceinline__ void row_state(const T* __restrict__ x, size_t cols, int t, int nthreads, float& m, float& s) {
  m = -INFINITY; s = 0.f;
  if (VEC) {
    for (size_t i = t; i < cols / kVec; i += nthreads) {
      float v[kVec];
      load8(x + i * kVec, v);
      float cm = v[0];
#pragma unroll
      for (int j = 1; j < kVec; j++) cm = fmaxf(cm, v[j]);
      if (cm > m) { s *= __expf(m - cm); m = cm; }
      if (m == -INFINITY) continue;  // all -inf so far: contributes nothing
#pragma unroll
      for (int j = 0; j < kVec; j++) s += __expf(v[j] - m);
    }
    return;
  }
  for (size_t c = t; c < cols; c += nthreads) {
    float v = to_f(x[c]);
    if (v > m) { s = s * __expf(m - v) + 1.f; m = v; }
    else if (m != -INFINITY) s += __expf(v - m);
  }
}

__device__ __forceinline__ void warp_merge(float& m, float& s) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
    merge(m, s, m2, s2);
  }
}

__device__ __forceinline__ void block_merge(float& m, float& s) {
  __shared__ float sm[32], ss[32];
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  warp_merge(m, s);
  __syncthreads();
  if (lane == 0) { sm[wid] = m; ss[wid] = s; }
  __syncthreads();
  m = lane < nw ? sm[lane] : -INFINITY;
  s = lane < nw ? ss[lane] : 0.f;
  warp_merge(m, s);
}

// x, y are (rows, cols); WARP: one warp per row, else one block per row. VEC: see row_state.
template <typename T, bool WARP, bool VEC>
__global__ void softmax_kernel(const T* __restrict__ x, T* __restrict__ y, size_t rows, size_t cols) {
  size_t row = WARP ? (size_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32 : blockIdx.x;
  if (row >= rows) return;
  int t = WARP ? (threadIdx.x & 31) : threadIdx.x, nt = WARP ? 32 : blockDim.x;
  const T* xr = x + row * cols;
  T* yr = y + row * cols;
  float m, s;
  row_state<T, VEC>(xr, cols, t, nt, m, s);
  if (WARP) warp_merge(m, s); else block_merge(m, s);
  float inv = 1.f / s;
  if (VEC) {
    for (size_t i = t; i < cols / kVec; i += nt) {
      float v[kVec];
      load8(xr + i * kVec, v);
#pragma unroll
      for (int j = 0; j < kVec; j++) v[j] = __expf(v[j] - m) * inv;
      store8(yr + i * kVec, v);
    }
    return;
  }
  for (size_t c = t; c < cols; c += nt) yr[c] = from_f<T>(__expf(to_f(xr[c]) - m) * inv);
}

// logits, dlogits are (rows, V); targets, losses are (rows). One block per row.
template <typename T, bool VEC>
__global__ void cross_entropy_kernel(const T* __restrict__ logits, const int32_t* __restrict__ targets,
                                     float* __restrict__ losses, T* __restrict__ dlogits, float dscale,
                                     size_t V, int* flag) {
  size_t row = blockIdx.x;
  const T* xr = logits + row * V;
  int tgt = targets[row];
  bool ignore = tgt == -100;
  bool bad = !ignore && (tgt < 0 || (size_t)tgt >= V);
  if (bad && threadIdx.x == 0) atomicOr(flag, kFlagTargetIndex);
  float m, s;
  row_state<T, VEC>(xr, V, threadIdx.x, blockDim.x, m, s);
  block_merge(m, s);
  if (threadIdx.x == 0) losses[row] = (ignore || bad) ? 0.f : (logf(s) + m - to_f(xr[tgt]));
  if (!dlogits) return;
  T* dr = dlogits + row * V;
  float inv = 1.f / s;
  float scale = (ignore || bad) ? 0.f : dscale;
  if (VEC) {
    for (size_t i = threadIdx.x; i < V / kVec; i += blockDim.x) {
      float v[kVec];
      load8(xr + i * kVec, v);
#pragma unroll
      for (int j = 0; j < kVec; j++) v[j] = (__expf(v[j] - m) * inv - ((int)(i * kVec + j) == tgt ? 1.f : 0.f)) * scale;
      store8(dr + i * kVec, v);
    }
    return;
  }
  for (size_t c = threadIdx.x; c < V; c += blockDim.x) {
    float p = __expf(to_f(xr[c]) - m) * inv;
    dr[c] = from_f<T>((p - ((int)c == tgt ? 1.f : 0.f)) * scale);
  }
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_softmax(nrc_dtype dt, const void* x, void* y, size_t rows, size_t cols) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_softmax");
  if (!rows || !cols) return NRC_OK;
  NRC_ARG(x && y, "nrc_softmax: null pointer");
  NRC_ARG(rows < (1ull << 31), "nrc_softmax: too many rows");
  bool vec = cols % kVec == 0 && aligned16(x) && aligned16(y);
  if (cols <= 1024) {
    unsigned g = (unsigned)((rows + 7) / 8);
    NRC_DISPATCH(dt, T,
      if (vec) softmax_kernel<T, true, true><<<g, 256, 0, stream()>>>((const T*)x, (T*)y, rows, cols);
      else softmax_kernel<T, true, false><<<g, 256, 0, stream()>>>((const T*)x, (T*)y, rows, cols));
  } else {
    NRC_DISPATCH(dt, T,
      if (vec) softmax_kernel<T, false, true><<<(unsigned)rows, 512, 0, stream()>>>((const T*)x, (T*)y, rows, cols);
      else softmax_kernel<T, false, false><<<(unsigned)rows, 512, 0, stream()>>>((const T*)x, (T*)y, rows, cols));
  }
  NRC_LAUNCHED("nrc_softmax");
  return NRC_OK;
}

nrc_status nrc_cross_entropy(nrc_dtype dt, const void* logits, const int32_t* targets, float* losses,
                             void* dlogits, float dloss_scale, size_t rows, size_t V) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_cross_entropy");
  if (!rows) return NRC_OK;
  NRC_ARG(V > 0, "nrc_cross_entropy: V must be positive");
  NRC_ARG(logits && targets && losses, "nrc_cross_entropy: null pointer");
  NRC_ARG(rows < (1ull << 31) && V < (1ull << 31), "nrc_cross_entropy: too large");
  bool vec = V % kVec == 0 && aligned16(logits) && (!dlogits || aligned16(dlogits));
  NRC_DISPATCH(dt, T,
    if (vec) cross_entropy_kernel<T, true><<<(unsigned)rows, 512, 0, stream()>>>(
        (const T*)logits, targets, losses, (T*)dlogits, dloss_scale, V, device_error_flag());
    else cross_entropy_kernel<T, false><<<(unsigned)rows, 512, 0, stream()>>>(
        (const T*)logits, targets, losses, (T*)dlogits, dloss_scale, V, device_error_flag()));
  NRC_LAUNCHED("nrc_cross_entropy");
  return NRC_OK;
}

}  // extern "C"
