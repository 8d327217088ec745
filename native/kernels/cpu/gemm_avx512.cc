// GEMM microkernels and packing for AVX-512 (float32 8x48 and float64 8x24 register tiles); the
// code is gemm_simd.inc instantiated with AVX-512 vector traits. Called only on CPUs with AVX-512.
#include "kernels/cpu/gemm_kernel.h"
#include "simd/target.h"
#if NR_X86
#include <immintrin.h>
#endif
// GCC 12's AVX-512 headers trip -Wuninitialized on their own internal undefined vectors.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace nr {
#if NR_X86
NR_PRAGMA_AVX512
namespace avx512 {
namespace {
#define NR_GEMM_INLINE_NEVER __attribute__((noinline))

inline __mmask16 mask16(int n) { return (__mmask16)((1u << n) - 1u); }
inline __mmask8 mask8(int n) { return (__mmask8)((1u << n) - 1u); }

struct VF {
  using T = float;
  using V = __m512;
  static constexpr int W = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(T x) { return _mm512_set1_ps(x); }
  static V load(const T* p) { return _mm512_load_ps(p); }
  static V loadu(const T* p) { return _mm512_loadu_ps(p); }
  static V loadu_n(const T* p, int n) { return _mm512_maskz_loadu_ps(mask16(n), p); }
  static void storeu(T* p, V v) { _mm512_storeu_ps(p, v); }
  static void storeu_n(T* p, V v, int n) { _mm512_mask_storeu_ps(p, mask16(n), v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  using M = __mmask16;  // lane set [lo, hi)
  static M lanes(int lo, int hi) { return (M)(((1u << hi) - 1u) & ~((1u << lo) - 1u)); }
  static V merge_m(V acc, M m, const T* p) { return _mm512_mask_loadu_ps(acc, m, p); }
  // lanes in m = p[idx[lane]] (idx: W int32 offsets), others 0; masked lanes touch no memory
  static V gather_m(const T* p, const int32_t* idx, M m) {
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, _mm512_loadu_si512(idx), p, 4);
  }
  static void transpose_tile(T* dst, int64_t ds, const T* src, int64_t ss, int nr, int nc);
};

struct VD {
  using T = double;
  using V = __m512d;
  static constexpr int W = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V set1(T x) { return _mm512_set1_pd(x); }
  static V load(const T* p) { return _mm512_load_pd(p); }
  static V loadu(const T* p) { return _mm512_loadu_pd(p); }
  static V loadu_n(const T* p, int n) { return _mm512_maskz_loadu_pd(mask8(n), p); }
  static void storeu(T* p, V v) { _mm512_storeu_pd(p, v); }
  static void storeu_n(T* p, V v, int n) { _mm512_mask_storeu_pd(p, mask8(n), v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  using M = __mmask8;
  static M lanes(int lo, int hi) { return (M)(((1u << hi) - 1u) & ~((1u << lo) - 1u)); }
  static V merge_m(V acc, M m, const T* p) { return _mm512_mask_loadu_pd(acc, m, p); }
  static V gather_m(const T* p, const int32_t* idx, M m) {
    return _mm512_mask_i32gather_pd(_mm512_setzero_pd(), m, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx)), p, 8);
  }
  static void transpose_tile(T* dst, int64_t ds, const T* src, int64_t ss, int nr, int nc);
};

#include "gemm_simd.inc"
#include "gemm_conv_pack.inc"

// 16x16 float transpose in registers: unpack pairs, then 4-element groups, then 128-bit lanes.
void VF::transpose_tile(float* dst, int64_t ds, const float* src, int64_t ss, int nr, int nc) {
  __m512 r[16], t[16];
  const __mmask16 lm = mask16(nc);
  for (int i = 0; i < 16; ++i) r[i] = i < nr ? _mm512_maskz_loadu_ps(lm, src + i * ss) : _mm512_setzero_ps();
  for (int m = 0; m < 8; ++m) {
    t[2 * m] = _mm512_unpacklo_ps(r[2 * m], r[2 * m + 1]);
    t[2 * m + 1] = _mm512_unpackhi_ps(r[2 * m], r[2 * m + 1]);
  }
  for (int m = 0; m < 4; ++m) {  // r[4m+c], lane L = rows 4m..4m+3 at column 4L+c
    r[4 * m + 0] = _mm512_shuffle_ps(t[4 * m], t[4 * m + 2], 0x44);
    r[4 * m + 1] = _mm512_shuffle_ps(t[4 * m], t[4 * m + 2], 0xEE);
    r[4 * m + 2] = _mm512_shuffle_ps(t[4 * m + 1], t[4 * m + 3], 0x44);
    r[4 * m + 3] = _mm512_shuffle_ps(t[4 * m + 1], t[4 * m + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 v = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88), w = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
    const __m512 v2 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88), w2 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
    t[c] = _mm512_shuffle_f32x4(v, v2, 0x88);
    t[8 + c] = _mm512_shuffle_f32x4(v, v2, 0xDD);
    t[4 + c] = _mm512_shuffle_f32x4(w, w2, 0x88);
    t[12 + c] = _mm512_shuffle_f32x4(w, w2, 0xDD);
  }
  for (int q = 0; q < nc; ++q) _mm512_storeu_ps(dst + q * ds, t[q]);
}

void VD::transpose_tile(double* dst, int64_t ds, const double* src, int64_t ss, int nr, int nc) {
  transpose_tile_scalar<double, 8>(dst, ds, src, ss, nr, nc);
}

// 8 x 48 floats: 24 accumulators + 3 B vectors + 1 broadcast. Measured on Zen 5 against 6x64,
// 14x32 and 12x32: all reach ~250 GFLOP/s/core from L1, and 8 rows divide the usual batch sizes
// (no ragged row tiles at M = 128, 256, 784), which wins on the small training shapes.
constexpr int kMrF = 8, kNvF = 3;
constexpr int kMrD = 8, kNvD = 3;   // 8 x 24 doubles: 24 accumulators

}  // namespace
}  // namespace avx512
NR_PRAGMA_END

const GemmKernel<float>* gemm_kernel_f32_avx512() {
  using namespace avx512;
  static const GemmKernel<float> k = {
      "avx512-8x48", kMrF, kNvF * VF::W, 1024, 120, 512,
      pack_b_entry<VF, kNvF * VF::W>, pack_b_conv_entry<VF, kNvF * VF::W>, pack_a_entry<VF, kMrF>, micro_entry<VF, kMrF, kNvF>, gemv_entry<VF>};
  return &k;
}
const GemmKernel<double>* gemm_kernel_f64_avx512() {
  using namespace avx512;
  static const GemmKernel<double> k = {
      "avx512-8x24", kMrD, kNvD * VD::W, 256, 96, 512,
      pack_b_entry<VD, kNvD * VD::W>, pack_b_conv_entry<VD, kNvD * VD::W>, pack_a_entry<VD, kMrD>, micro_entry<VD, kMrD, kNvD>, gemv_entry<VD>};
  return &k;
}
#else
const GemmKernel<float>* gemm_kernel_f32_avx512() { return nullptr; }
const GemmKernel<double>* gemm_kernel_f64_avx512() { return nullptr; }
#endif
}  // namespace nr
