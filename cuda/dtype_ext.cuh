// Dtype helpers beyond common.cuh's float/half/bfloat16 trio, for kernels that also take float64
// and integer tensors (row reductions, batch/RMS norm, pooling): float/integer dtype tests, the
// accumulation type of each input type (float for half types, double for float64, int64 for
// integers), conversions to and from it, NaN tests and dispatch macros. Internal only.
#pragma once
#include <type_traits>
#include "common.cuh"

namespace nrc {

inline bool is_float_dt(nrc_dtype dt) { return dt == NRC_F32 || dt == NRC_F16 || dt == NRC_BF16 || dt == NRC_F64; }
inline bool is_int_dt(nrc_dtype dt) { return dt == NRC_I32 || dt == NRC_I64; }

// Accumulation type: float for float32/16/bf16, double for float64, int64 for integers.
template <typename T> struct AccOf { using type = float; };
template <> struct AccOf<double> { using type = double; };
template <> struct AccOf<int32_t> { using type = long long; };
template <> struct AccOf<long long> { using type = long long; };
template <typename T> using acc_t = typename AccOf<T>::type;

template <typename A, typename T> __device__ __forceinline__ A cvt_in(T x) {
  if constexpr (std::is_same<T, __half>::value || std::is_same<T, __nv_bfloat16>::value) return (A)to_f<T>(x);
  else return (A)x;
}
template <typename T, typename A> __device__ __forceinline__ T cvt_out(A x) {
  if constexpr (std::is_same<T, __half>::value || std::is_same<T, __nv_bfloat16>::value) return from_f<T>((float)x);
  else return (T)x;
}
template <typename A> __device__ __forceinline__ bool is_nan(A x) {
  if constexpr (std::is_floating_point<A>::value) return x != x;
  else return false;
}

// Float dtypes with float64: T is float, __half, __nv_bfloat16 or double.
#define NRC_DISPATCH_FLOAT4(dt, T, ...)                              \
  switch (dt) {                                                      \
    case NRC_F32: { using T = float; __VA_ARGS__; break; }           \
    case NRC_F16: { using T = __half; __VA_ARGS__; break; }          \
    case NRC_BF16: { using T = __nv_bfloat16; __VA_ARGS__; break; }  \
    case NRC_F64: { using T = double; __VA_ARGS__; break; }          \
    default: return ::nrc::set_error(NRC_ERR_UNSUPPORTED, "unsupported dtype"); \
  }
// The above plus int32 and int64 (int64 as long long, so overloads of device intrinsics resolve).
#define NRC_DISPATCH_NUM6(dt, T, ...)                                \
  switch (dt) {                                                      \
    case NRC_F32: { using T = float; __VA_ARGS__; break; }           \
    case NRC_F16: { using T = __half; __VA_ARGS__; break; }          \
    case NRC_BF16: { using T = __nv_bfloat16; __VA_ARGS__; break; }  \
    case NRC_F64: { using T = double; __VA_ARGS__; break; }          \
    case NRC_I32: { using T = int32_t; __VA_ARGS__; break; }         \
    case NRC_I64: { using T = long long; __VA_ARGS__; break; }       \
    default: return ::nrc::set_error(NRC_ERR_UNSUPPORTED, "unsupported dtype"); \
  }

// Blocks of 256 threads for a grid-stride loop over `work` items, capped at 16 per SM.
inline unsigned grid256(size_t work) { return grid_for(work, 256, (unsigned)props().sms * 16); }

}  // namespace nrc
