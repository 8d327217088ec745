// Shared internals of libneurona_cuda: error reporting (thread-local last error), the per-device
// stream and async error flag, dtype helpers (load/store as float), and launch checks.
// Internal only: nothing here is exported from the shared library.
#pragma once
#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cstdint>
#include <cstdio>
#include <algorithm>
#include <string>
#include "neurona_cuda.h"

namespace nrc {

// ---- errors ----
nrc_status set_error(nrc_status s, const std::string& msg);
nrc_status cuda_error(cudaError_t e, const char* what);  // maps OOM etc., records "what: cuda msg"
nrc_status require_init();                              // NRC_OK once nrc_init succeeded

#define NRC_CUDA(call, what)                          \
  do {                                                \
    cudaError_t nrc_e_ = (call);                      \
    if (nrc_e_ != cudaSuccess) return ::nrc::cuda_error(nrc_e_, what); \
  } while (0)
// After a kernel launch: reports launch-configuration errors (not asynchronous faults).
#define NRC_LAUNCHED(what) NRC_CUDA(cudaGetLastError(), what)
#define NRC_ARG(cond, msg)                                               \
  do {                                                                   \
    if (!(cond)) return ::nrc::set_error(NRC_ERR_INVALID_ARG, msg);      \
  } while (0)
#define NRC_INIT() \
  do { nrc_status nrc_s_ = ::nrc::require_init(); if (nrc_s_ != NRC_OK) return nrc_s_; } while (0)

// ---- per-device state ----
cudaStream_t stream();            // the library's stream on the current device
int* device_error_flag();         // device int that kernels set (atomicOr) on bad input
struct DeviceProps { int cc; int sms; int smem_optin; int l2; };
const DeviceProps& props();       // of the current device
// Error codes kernels OR into the flag (bit per cause).
enum : int { kFlagEmbeddingIndex = 1, kFlagTargetIndex = 2 };

// ---- dtypes ----
// dtype_valid: any of the 8 codes; dtype_ok: the float types the contiguous kernels handle.
inline bool dtype_valid(nrc_dtype dt) { return (int)dt >= (int)NRC_F32 && (int)dt <= (int)NRC_BOOL; }
inline bool dtype_ok(nrc_dtype dt) { return dt == NRC_F32 || dt == NRC_F16 || dt == NRC_BF16; }
inline size_t dtype_size(nrc_dtype dt) {
  switch (dt) {
    case NRC_F64: case NRC_I64: return 8;
    case NRC_F32: case NRC_I32: return 4;
    case NRC_F16: case NRC_BF16: return 2;
    default: return 1;  // U8, BOOL (and unknown codes, which callers reject first)
  }
}
const char* dtype_name(nrc_dtype dt);
// Entry-point check of kernels that take F32/F16/BF16 only: another known dtype gives
// NRC_ERR_UNSUPPORTED, an unknown code NRC_ERR_INVALID_ARG; the message names fn and the dtype.
nrc_status check_float_dtype(nrc_dtype dt, const char* fn);
#define NRC_FLOAT_DTYPE(dt, fn) \
  do { nrc_status nrc_s_ = ::nrc::check_float_dtype(dt, fn); if (nrc_s_ != NRC_OK) return nrc_s_; } while (0)

template <typename T> __device__ __forceinline__ float to_f(T x);
template <> __device__ __forceinline__ float to_f<float>(float x) { return x; }
template <> __device__ __forceinline__ float to_f<__half>(__half x) { return __half2float(x); }
template <> __device__ __forceinline__ float to_f<__nv_bfloat16>(__nv_bfloat16 x) { return __bfloat162float(x); }
template <typename T> __device__ __forceinline__ T from_f(float x);
template <> __device__ __forceinline__ float from_f<float>(float x) { return x; }
template <> __device__ __forceinline__ __half from_f<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ __nv_bfloat16 from_f<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

// 16-byte vector of T, for coalesced 128-bit loads and stores.
template <typename T>
struct alignas(16) Vec16 {
  static constexpr int N = 16 / sizeof(T);
  T v[N];
};

// Dispatches a lambda-like functor on the C++ type of dt: DISPATCH(dt, T, body). Float types only:
// entry points check with NRC_FLOAT_DTYPE first (the default case is a last guard).
#define NRC_DISPATCH(dt, T, ...)                                   \
  switch (dt) {                                                    \
    case NRC_F32: { using T = float; __VA_ARGS__; break; }         \
    case NRC_F16: { using T = __half; __VA_ARGS__; break; }        \
    case NRC_BF16: { using T = __nv_bfloat16; __VA_ARGS__; break; } \
    default: return ::nrc::set_error(NRC_ERR_UNSUPPORTED, "dtype not handled by this kernel"); \
  }

inline unsigned grid_for(size_t work, unsigned block, unsigned max_blocks) {
  size_t g = (work + block - 1) / block;
  if (g < 1) g = 1;
  return (unsigned)(g > max_blocks ? max_blocks : g);
}

// Warp-level sum / max.
__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
// Block-wide sum; every thread gets the result. `shm` holds 32 floats. blockDim.x % 32 == 0.
__device__ __forceinline__ float block_sum(float v, float* shm) {
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();
  if (lane == 0) shm[wid] = v;
  __syncthreads();
  v = lane < nw ? shm[lane] : 0.f;
  return warp_sum(v);
}
__device__ __forceinline__ float block_max(float v, float* shm) {
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) shm[wid] = v;
  __syncthreads();
  v = lane < nw ? shm[lane] : -INFINITY;
  return warp_max(v);
}

}  // namespace nrc
