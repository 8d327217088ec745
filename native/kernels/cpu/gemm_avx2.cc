// GEMM microkernels and packing for AVX2+FMA (float32 6x16 and float64 6x8 register tiles); the
// code is gemm_simd.inc instantiated with AVX2 vector traits. Called only on CPUs with AVX2+FMA.
#include "kernels/cpu/gemm_kernel.h"
#include "simd/target.h"
#if NR_X86
#include <immintrin.h>
#endif

namespace nr {
#if NR_X86
NR_PRAGMA_AVX2
namespace avx2 {
namespace {
#define NR_GEMM_INLINE_NEVER __attribute__((noinline))

// Lane mask with the first n (0..8) 32-bit lanes set, from a sliding window over a constant table.
inline __m256i mask32(int n) {
  alignas(32) static const int32_t tbl[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tbl + 8 - n));
}
inline __m256i mask64(int n) {
  alignas(32) static const int64_t tbl[8] = {-1, -1, -1, -1, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(tbl + 4 - n));
}

struct VF {
  using T = float;
  using V = __m256;
  static constexpr int W = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V set1(T x) { return _mm256_set1_ps(x); }
  static V load(const T* p) { return _mm256_load_ps(p); }
  static V loadu(const T* p) { return _mm256_loadu_ps(p); }
  static V loadu_n(const T* p, int n) { return _mm256_maskload_ps(p, mask32(n)); }
  static void storeu(T* p, V v) { _mm256_storeu_ps(p, v); }
  static void storeu_n(T* p, V v, int n) { _mm256_maskstore_ps(p, mask32(n), v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  using M = __m256i;  // lane set [lo, hi)
  static M lanes(int lo, int hi) { return _mm256_andnot_si256(mask32(lo), mask32(hi)); }
  // acc must be zero on m's lanes (maskload zeroes the others, and never touches their memory).
  static V merge_m(V acc, M m, const T* p) { return _mm256_or_ps(acc, _mm256_maskload_ps(p, m)); }
  // lanes in m = p[idx[lane]] (idx: W int32 offsets), others 0; masked lanes touch no memory
  static V gather_m(const T* p, const int32_t* idx, M m) {
    return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), p, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx)), _mm256_castsi256_ps(m), 4);
  }
  static void transpose_tile(T* dst, int64_t ds, const T* src, int64_t ss, int nr, int nc);
};

struct VD {
  using T = double;
  using V = __m256d;
  static constexpr int W = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V set1(T x) { return _mm256_set1_pd(x); }
  static V load(const T* p) { return _mm256_load_pd(p); }
  static V loadu(const T* p) { return _mm256_loadu_pd(p); }
  static V loadu_n(const T* p, int n) { return _mm256_maskload_pd(p, mask64(n)); }
  static void storeu(T* p, V v) { _mm256_storeu_pd(p, v); }
  static void storeu_n(T* p, V v, int n) { _mm256_maskstore_pd(p, mask64(n), v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
  using M = __m256i;
  static M lanes(int lo, int hi) { return _mm256_andnot_si256(mask64(lo), mask64(hi)); }
  static V merge_m(V acc, M m, const T* p) { return _mm256_or_pd(acc, _mm256_maskload_pd(p, m)); }
  static V gather_m(const T* p, const int32_t* idx, M m) {
    return _mm256_mask_i32gather_pd(_mm256_setzero_pd(), p, _mm_loadu_si128(reinterpret_cast<const __m128i*>(idx)), _mm256_castsi256_pd(m), 8);
  }
  static void transpose_tile(T* dst, int64_t ds, const T* src, int64_t ss, int nr, int nc);
};

#include "gemm_simd.inc"
#include "gemm_conv_pack.inc"

// 8x8 float transpose in registers: unpack pairs, then 4-element groups, then 128-bit halves.
void VF::transpose_tile(float* dst, int64_t ds, const float* src, int64_t ss, int nr, int nc) {
  __m256 r[8], t[8];
  const __m256i lm = mask32(nc);
  for (int i = 0; i < 8; ++i) r[i] = i < nr ? _mm256_maskload_ps(src + i * ss, lm) : _mm256_setzero_ps();
  for (int m = 0; m < 4; ++m) {
    t[2 * m] = _mm256_unpacklo_ps(r[2 * m], r[2 * m + 1]);
    t[2 * m + 1] = _mm256_unpackhi_ps(r[2 * m], r[2 * m + 1]);
  }
  for (int m = 0; m < 2; ++m) {  // r[4m+c], half L = rows 4m..4m+3 at column 4L+c
    r[4 * m + 0] = _mm256_shuffle_ps(t[4 * m], t[4 * m + 2], 0x44);
    r[4 * m + 1] = _mm256_shuffle_ps(t[4 * m], t[4 * m + 2], 0xEE);
    r[4 * m + 2] = _mm256_shuffle_ps(t[4 * m + 1], t[4 * m + 3], 0x44);
    r[4 * m + 3] = _mm256_shuffle_ps(t[4 * m + 1], t[4 * m + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    t[c] = _mm256_permute2f128_ps(r[c], r[4 + c], 0x20);
    t[4 + c] = _mm256_permute2f128_ps(r[c], r[4 + c], 0x31);
  }
  for (int q = 0; q < nc; ++q) _mm256_storeu_ps(dst + q * ds, t[q]);
}

void VD::transpose_tile(double* dst, int64_t ds, const double* src, int64_t ss, int nr, int nc) {
  transpose_tile_scalar<double, 4>(dst, ds, src, ss, nr, nc);
}

constexpr int kMrF = 6, kNvF = 2;   // 6 x 16 floats: 12 accumulators
constexpr int kMrD = 6, kNvD = 2;   // 6 x 8 doubles

}  // namespace
}  // namespace avx2
NR_PRAGMA_END

const GemmKernel<float>* gemm_kernel_f32_avx2() {
  using namespace avx2;
  static const GemmKernel<float> k = {
      "avx2-6x16", kMrF, kNvF * VF::W, 512, 120, 256,
      pack_b_entry<VF, kNvF * VF::W>, pack_b_conv_entry<VF, kNvF * VF::W>, pack_a_entry<VF, kMrF>, micro_entry<VF, kMrF, kNvF>, gemv_entry<VF>};
  return &k;
}
const GemmKernel<double>* gemm_kernel_f64_avx2() {
  using namespace avx2;
  static const GemmKernel<double> k = {
      "avx2-6x8", kMrD, kNvD * VD::W, 256, 96, 256,
      pack_b_entry<VD, kNvD * VD::W>, pack_b_conv_entry<VD, kNvD * VD::W>, pack_a_entry<VD, kMrD>, micro_entry<VD, kMrD, kNvD>, gemv_entry<VD>};
  return &k;
}
#else
const GemmKernel<float>* gemm_kernel_f32_avx2() { return nullptr; }
const GemmKernel<double>* gemm_kernel_f64_avx2() { return nullptr; }
#endif
}  // namespace nr
