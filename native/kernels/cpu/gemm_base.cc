// Portable GEMM microkernels and packing (any CPU, no ISA flags): gemm_simd.inc instantiated with
// small fixed-size "vectors" that the compiler maps onto the baseline SIMD (SSE2 on x86-64, NEON on
// arm64) or scalar code. float32 4x16 and float64 4x8 register tiles.
#include "kernels/cpu/gemm_kernel.h"
// GCC 12 cannot see that the array-of-lanes vectors below are fully written before use.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace nr {
namespace base {
namespace {
#define NR_GEMM_INLINE_NEVER __attribute__((noinline))

// A W-lane vector as a plain array; every operation is an unrolled loop.
template <typename TT, int WW>
struct Vec { TT v[WW]; };

template <typename TT, int WW>
struct VBase {
  using T = TT;
  using V = Vec<TT, WW>;
  static constexpr int W = WW;
  static V zero() { V r; for (int i = 0; i < W; ++i) r.v[i] = T(0); return r; }
  static V set1(T x) { V r; for (int i = 0; i < W; ++i) r.v[i] = x; return r; }
  static V load(const T* p) { V r; for (int i = 0; i < W; ++i) r.v[i] = p[i]; return r; }
  static V loadu(const T* p) { return load(p); }
  static V loadu_n(const T* p, int n) { V r; for (int i = 0; i < W; ++i) r.v[i] = i < n ? p[i] : T(0); return r; }
  static void storeu(T* p, V x) { for (int i = 0; i < W; ++i) p[i] = x.v[i]; }
  static void storeu_n(T* p, V x, int n) { for (int i = 0; i < n; ++i) p[i] = x.v[i]; }
  static V fma(V a, V b, V c) { for (int i = 0; i < W; ++i) c.v[i] += a.v[i] * b.v[i]; return c; }
  static V mul(V a, V b) { for (int i = 0; i < W; ++i) a.v[i] *= b.v[i]; return a; }
  static void transpose_tile(T* dst, int64_t ds, const T* src, int64_t ss, int nr, int nc);
};

using VF = VBase<float, 4>;
using VD = VBase<double, 2>;

#include "gemm_simd.inc"

template <typename TT, int WW>
void VBase<TT, WW>::transpose_tile(T* dst, int64_t ds, const T* src, int64_t ss, int nr, int nc) {
  transpose_tile_scalar<T, WW>(dst, ds, src, ss, nr, nc);
}

constexpr int kMrF = 4, kNvF = 4;   // 4 x 16 floats
constexpr int kMrD = 4, kNvD = 4;   // 4 x 8 doubles

}  // namespace
}  // namespace base

const GemmKernel<float>* gemm_kernel_f32_base() {
  using namespace base;
  static const GemmKernel<float> k = {
      "base-4x16", kMrF, kNvF * VF::W, 256, 64,
      pack_b_entry<VF, kNvF * VF::W>, pack_a_entry<VF, kMrF>, micro_entry<VF, kMrF, kNvF, false>, gemv_entry<VF>};
  return &k;
}
const GemmKernel<double>* gemm_kernel_f64_base() {
  using namespace base;
  static const GemmKernel<double> k = {
      "base-4x8", kMrD, kNvD * VD::W, 256, 64,
      pack_b_entry<VD, kNvD * VD::W>, pack_a_entry<VD, kMrD>, micro_entry<VD, kMrD, kNvD, false>, gemv_entry<VD>};
  return &k;
}

}  // namespace nr
