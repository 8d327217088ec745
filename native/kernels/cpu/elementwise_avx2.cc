// Contiguous float32 elementwise kernels compiled for AVX2+FMA (see elementwise_simd.inc).
#include "nr/kernels/elementwise.h"
#include "simd/target.h"
#if NR_X86
#include <immintrin.h>
#endif

namespace nr {
#if NR_X86
NR_PRAGMA_AVX2
namespace avx2 {
namespace {
#define NR_VEC_BITS 256
#include "simd/vec.inc"
#include "simd/vmath.inc"
#include "elementwise_simd.inc"
#undef NR_VEC_BITS
}  // namespace
}  // namespace avx2
NR_PRAGMA_END
const ElementwiseF32* elementwise_f32_avx2() {
  static const ElementwiseF32 t = {avx2::unary_f32, avx2::binary_f32, avx2::compare_f32};
  return &t;
}
#else
const ElementwiseF32* elementwise_f32_avx2() { return nullptr; }
#endif
}  // namespace nr
