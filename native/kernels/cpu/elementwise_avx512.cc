// Contiguous float32 elementwise kernels compiled for AVX-512 (see elementwise_simd.inc).
#include "nr/kernels/elementwise.h"
#include "simd/target.h"
#if NR_X86
#include <immintrin.h>
#endif

namespace nr {
#if NR_X86
NR_PRAGMA_AVX512
namespace avx512 {
namespace {
#define NR_VEC_BITS 512
#include "simd/vec.inc"
#include "simd/vmath.inc"
#include "elementwise_simd.inc"
#undef NR_VEC_BITS
}  // namespace
}  // namespace avx512
NR_PRAGMA_END
const ElementwiseF32* elementwise_f32_avx512() {
  static const ElementwiseF32 t = {avx512::unary_f32, avx512::binary_f32, avx512::compare_f32};
  return &t;
}
#else
const ElementwiseF32* elementwise_f32_avx512() { return nullptr; }
#endif
}  // namespace nr
