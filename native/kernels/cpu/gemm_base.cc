// Portable GEMM microkernels and packing (any CPU, no ISA flags): gemm_simd.inc instantiated with
// small fixed-size "vectors" that the compiler maps onto the baseline SIMD (SSE2 on x86-64, NEON on
// arm64) or scalar code. float32 4x8 and float64 4x4 register tiles.
#include "kernels/cpu/gemm_kernel.h"
// GCC 12 flags the zero-initialised edge tile in gemm_simd.inc as maybe-uninitialized (memcpy stores).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace nr {
namespace base {
namespace {
#define NR_GEMM_INLINE_NEVER __attribute__((noinline))

// W-lane vectors as GCC/clang vector extensions: 128-bit, so they map onto SSE2 on any x86-64 and
// NEON on arm64 without ISA flags. fma is a*b + c (the compiler may or may not fuse it).
template <typename TT, int WW>
struct VBase {
  using T = TT;
  typedef TT V __attribute__((vector_size(sizeof(TT) * WW)));
  static constexpr int W = WW;
  static V zero() { return V{}; }
  static V set1(T x) { V r = V{}; return r + x; }
  static V load(const T* p) { V r; __builtin_memcpy(&r, p, sizeof(V)); return r; }
  static V loadu(const T* p) { return load(p); }
  static V loadu_n(const T* p, int n) { V r = V{}; for (int i = 0; i < n; ++i) r[i] = p[i]; return r; }
  static void storeu(T* p, V x) { __builtin_memcpy(p, &x, sizeof(V)); }
  static void storeu_n(T* p, V x, int n) { for (int i = 0; i < n; ++i) p[i] = x[i]; }
  static V fma(V a, V b, V c) { return a * b + c; }
  static V mul(V a, V b) { return a * b; }
  struct M { int lo, hi; };  // lane set [lo, hi)
  static M lanes(int lo, int hi) { return M{lo, hi}; }
  static V merge_m(V acc, M m, const T* p) { for (int i = m.lo; i < m.hi; ++i) acc[i] = p[i]; return acc; }
  static V gather_m(const T* p, const int32_t* idx, M m) { V r = V{}; for (int i = m.lo; i < m.hi; ++i) r[i] = p[idx[i]]; return r; }
  static void transpose_tile(T* dst, int64_t ds, const T* src, int64_t ss, int nr, int nc);
};

using VF = VBase<float, 4>;
using VD = VBase<double, 2>;

#include "gemm_simd.inc"
#include "gemm_conv_pack.inc"

template <typename TT, int WW>
void VBase<TT, WW>::transpose_tile(T* dst, int64_t ds, const T* src, int64_t ss, int nr, int nc) {
  transpose_tile_scalar<T, WW>(dst, ds, src, ss, nr, nc);
}

constexpr int kMrF = 4, kNvF = 2;   // 4 x 8 floats: 8 accumulators fit the 16 SSE registers
constexpr int kMrD = 4, kNvD = 2;   // 4 x 4 doubles

}  // namespace
}  // namespace base

const GemmKernel<float>* gemm_kernel_f32_base() {
  using namespace base;
  static const GemmKernel<float> k = {
      "base-4x8", kMrF, kNvF * VF::W, 256, 64, 256,
      pack_b_entry<VF, kNvF * VF::W>, pack_b_conv_entry<VF, kNvF * VF::W>, pack_a_entry<VF, kMrF>, micro_entry<VF, kMrF, kNvF, false>, gemv_entry<VF>};
  return &k;
}
const GemmKernel<double>* gemm_kernel_f64_base() {
  using namespace base;
  static const GemmKernel<double> k = {
      "base-4x4", kMrD, kNvD * VD::W, 256, 64, 256,
      pack_b_entry<VD, kNvD * VD::W>, pack_b_conv_entry<VD, kNvD * VD::W>, pack_a_entry<VD, kMrD>, micro_entry<VD, kMrD, kNvD, false>, gemv_entry<VD>};
  return &k;
}

}  // namespace nr
