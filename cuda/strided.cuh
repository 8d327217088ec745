// Internals shared by the strided kernels (strided.cu: nrc_copy_strided, strided_binary.cu:
// nrc_binary_strided): element conversions between the 8 dtypes, the host-side plan of a strided
// launch (validation, dims sorted by the output's strides, size-1 dims dropped, mergeable dims
// coalesced), the by-value geometry the kernels receive, and a fast 32-bit divider for turning a
// linear index into per-view offsets. Internal only.
#pragma once
#include <string>
#include "common.cuh"

namespace nrc {

// ---- element types and conversions ----
struct Bool8 { uint8_t v; };  // NRC_BOOL: one byte, 0 or 1 (any non-zero byte reads as true)

// ld: a stored element to its compute type (float for f32/f16/bf16, double, int64 for integers/bool).
__device__ __forceinline__ float ld(float x) { return x; }
__device__ __forceinline__ float ld(__half x) { return __half2float(x); }
__device__ __forceinline__ float ld(__nv_bfloat16 x) { return __bfloat162float(x); }
__device__ __forceinline__ double ld(double x) { return x; }
__device__ __forceinline__ long long ld(int32_t x) { return x; }
__device__ __forceinline__ long long ld(long long x) { return x; }
__device__ __forceinline__ long long ld(uint8_t x) { return x; }
__device__ __forceinline__ long long ld(Bool8 x) { return x.v != 0; }

// to_int: float -> int64 truncating toward zero (cvt.rzi: NaN gives 0, out of range saturates).
__device__ __forceinline__ long long to_int(float v) { return (long long)v; }
__device__ __forceinline__ long long to_int(double v) { return (long long)v; }
__device__ __forceinline__ long long to_int(long long v) { return v; }

// St<D>::from(v): a compute value to the stored type D (integers wrap like a C cast from int64).
template <typename D> struct St;
template <> struct St<float> { template <typename M> __device__ static float from(M v) { return (float)v; } };
template <> struct St<double> { template <typename M> __device__ static double from(M v) { return (double)v; } };
template <> struct St<__half> {
  template <typename M> __device__ static __half from(M v) { return __float2half_rn((float)v); }
};
template <> struct St<__nv_bfloat16> {
  template <typename M> __device__ static __nv_bfloat16 from(M v) { return __float2bfloat16_rn((float)v); }
};
template <> struct St<int32_t> {
  template <typename M> __device__ static int32_t from(M v) { return (int32_t)(uint32_t)(unsigned long long)to_int(v); }
};
template <> struct St<long long> { template <typename M> __device__ static long long from(M v) { return to_int(v); } };
template <> struct St<uint8_t> {
  template <typename M> __device__ static uint8_t from(M v) { return (uint8_t)(unsigned long long)to_int(v); }
};
template <> struct St<Bool8> { template <typename M> __device__ static Bool8 from(M v) { return Bool8{(uint8_t)(v != 0)}; } };

// Calls body with T bound to the C++ storage type of any of the 8 dtypes (int64 is long long).
#define NRC_DISPATCH_ALL(dt, T, ...)                                    \
  switch (dt) {                                                         \
    case NRC_F32: { using T = float; __VA_ARGS__; break; }              \
    case NRC_F16: { using T = __half; __VA_ARGS__; break; }             \
    case NRC_BF16: { using T = __nv_bfloat16; __VA_ARGS__; break; }     \
    case NRC_F64: { using T = double; __VA_ARGS__; break; }             \
    case NRC_I32: { using T = int32_t; __VA_ARGS__; break; }            \
    case NRC_I64: { using T = long long; __VA_ARGS__; break; }          \
    case NRC_U8: { using T = uint8_t; __VA_ARGS__; break; }             \
    case NRC_BOOL: { using T = Bool8; __VA_ARGS__; break; }             \
    default: return ::nrc::set_error(NRC_ERR_INVALID_ARG, "unknown dtype"); \
  }

// 8 elements of T moved as one aligned unit (8..64 bytes: one or more 16-byte transactions).
template <typename T>
struct alignas(8 * sizeof(T) < 16 ? 8 * sizeof(T) : 16) Pack8 { T v[8]; };
inline bool aligned_for_pack(const void* p, size_t elem) {
  size_t a = 8 * elem < 16 ? 8 * elem : 16;
  return ((uintptr_t)p % a) == 0;
}
// Pack loads/stores as explicit 8- or 16-byte vector transactions.
template <typename T>
__device__ __forceinline__ Pack8<T> ld_pack(const T* p) {
  Pack8<T> r;
  if constexpr (sizeof(T) == 1) {
    *reinterpret_cast<uint2*>(&r) = *reinterpret_cast<const uint2*>(p);
  } else {
#pragma unroll
    for (int k = 0; k < (int)sizeof(T) / 2; k++) reinterpret_cast<uint4*>(&r)[k] = reinterpret_cast<const uint4*>(p)[k];
  }
  return r;
}
template <typename T>
__device__ __forceinline__ void st_pack(T* p, const Pack8<T>& r) {
  if constexpr (sizeof(T) == 1) {
    *reinterpret_cast<uint2*>(p) = *reinterpret_cast<const uint2*>(&r);
  } else {
#pragma unroll
    for (int k = 0; k < (int)sizeof(T) / 2; k++) reinterpret_cast<uint4*>(p)[k] = reinterpret_cast<const uint4*>(&r)[k];
  }
}

// ---- 32-bit division by a runtime constant: n / d = (umulhi(n, m) + n) >> s, n < 2^31 ----
struct Div32 {
  uint32_t d = 1, m = 0, s = 0;
  void init(uint32_t div) {  // div in [1, 2^31)
    d = div;
    for (s = 0; s < 32; s++)
      if ((1ull << s) >= div) break;
    m = (uint32_t)(((1ull << 32) * ((1ull << s) - div)) / div + 1);
  }
  __device__ __forceinline__ uint32_t div(uint32_t n) const { return (__umulhi(n, m) + n) >> s; }
};

// ---- plan of a strided launch over NV views (view 0 is the output) ----
template <int NV>
struct Plan {
  int nd = 0;                         // after sorting/coalescing; 0 = one element
  int64_t numel = 0;
  int64_t size[NRC_MAX_DIMS];         // outermost first
  int64_t stride[NV][NRC_MAX_DIMS];
  int64_t offset[NV];
  int64_t span[NV];                   // largest element offset reached, relative to offset[v]
  bool contiguous() const {           // every view dense in the same order
    if (nd == 0) return true;
    if (nd > 1) return false;
    for (int v = 0; v < NV; v++)
      if (stride[v][0] != 1) return false;
    return true;
  }
  bool narrow() const {               // linear index and all offsets fit 31 bits
    if (numel >= (1ll << 31)) return false;
    for (int v = 0; v < NV; v++)
      if (span[v] >= (1ll << 31)) return false;
    return true;
  }
};

// Geometry for the gather kernels, by value. Narrow: 32-bit offsets and fast dividers.
template <int NV>
struct Geo32 {
  int nd;
  Div32 div[NRC_MAX_DIMS];            // div[i] divides by size[i] (i >= 1)
  int32_t size[NRC_MAX_DIMS];
  int32_t stride[NV][NRC_MAX_DIMS];
  __device__ __forceinline__ void offsets(uint32_t idx, uint32_t (&off)[NV]) const {
#pragma unroll
    for (int v = 0; v < NV; v++) off[v] = 0;
#pragma unroll
    for (int i = NRC_MAX_DIMS - 1; i >= 1; i--) {
      if (i < nd) {
        uint32_t q = div[i].div(idx), r = idx - q * (uint32_t)size[i];
#pragma unroll
        for (int v = 0; v < NV; v++) off[v] += r * (uint32_t)stride[v][i];
        idx = q;
      }
    }
#pragma unroll
    for (int v = 0; v < NV; v++) off[v] += idx * (uint32_t)stride[v][0];
  }
};
template <int NV>
struct Geo64 {
  int nd;
  int64_t size[NRC_MAX_DIMS];
  int64_t stride[NV][NRC_MAX_DIMS];
  __device__ __forceinline__ void offsets(int64_t idx, int64_t (&off)[NV]) const {
#pragma unroll
    for (int v = 0; v < NV; v++) off[v] = 0;
    for (int i = nd - 1; i >= 1; i--) {
      int64_t q = idx / size[i], r = idx - q * size[i];
#pragma unroll
      for (int v = 0; v < NV; v++) off[v] += r * stride[v][i];
      idx = q;
    }
#pragma unroll
    for (int v = 0; v < NV; v++) off[v] += idx * stride[v][0];
  }
};

// Validates the views (names[v] in messages, elem[v] bytes per element) and builds the plan.
// Errors name fn and every view's shape. The output (view 0) may not have a stride-0 dim of size > 1.
nrc_status plan_views(const char* fn, int nv, const nrc_view* const* views, const char* const* names,
                      const size_t* elem, int64_t* size, int64_t (*stride)[NRC_MAX_DIMS], int64_t* offset,
                      int64_t* span, int& nd, int64_t& numel);
template <int NV>
nrc_status make_plan(const char* fn, const nrc_view* const (&views)[NV], const char* const (&names)[NV],
                     const size_t (&elem)[NV], Plan<NV>& p) {
  return plan_views(fn, NV, views, names, elem, p.size, p.stride, p.offset, p.span, p.nd, p.numel);
}
template <int NV>
Geo32<NV> geo32(const Plan<NV>& p) {
  Geo32<NV> g{};
  g.nd = p.nd;
  for (int i = 0; i < p.nd; i++) {
    g.size[i] = (int32_t)p.size[i];
    g.div[i].init((uint32_t)p.size[i]);
    for (int v = 0; v < NV; v++) g.stride[v][i] = (int32_t)p.stride[v][i];
  }
  return g;
}
template <int NV>
Geo64<NV> geo64(const Plan<NV>& p) {
  Geo64<NV> g{};
  g.nd = p.nd;
  for (int i = 0; i < p.nd; i++) {
    g.size[i] = p.size[i];
    for (int v = 0; v < NV; v++) g.stride[v][i] = p.stride[v][i];
  }
  return g;
}

}  // namespace nrc
