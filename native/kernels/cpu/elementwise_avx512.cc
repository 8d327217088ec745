// Contiguous float32 elementwise kernels compiled for AVX512 (see elementwise_simd.inc).
#include "nr/kernels/elementwise.h"
#include "simd/target.h"

namespace nr {
#if NR_X86
NR_PRAGMA_AVX512
namespace avx512 {
namespace {
#include "elementwise_simd.inc"
}  // namespace
}  // namespace avx512
NR_PRAGMA_END
const ElementwiseF32* elementwise_f32_avx512() {
  static const ElementwiseF32 t = {avx512::unary_f32, avx512::binary_f32, avx512::binary_scalar_f32};
  return &t;
}
#else
const ElementwiseF32* elementwise_f32_avx512() { return nullptr; }
#endif
}  // namespace nr
