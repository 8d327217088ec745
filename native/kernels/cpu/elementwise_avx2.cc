// Contiguous float32 elementwise kernels compiled for AVX2 (see elementwise_simd.inc).
#include "nr/kernels/elementwise.h"
#include "simd/target.h"

namespace nr {
#if NR_X86
NR_PRAGMA_AVX2
namespace avx2 {
namespace {
#include "elementwise_simd.inc"
}  // namespace
}  // namespace avx2
NR_PRAGMA_END
const ElementwiseF32* elementwise_f32_avx2() {
  static const ElementwiseF32 t = {avx2::unary_f32, avx2::binary_f32, avx2::binary_scalar_f32};
  return &t;
}
#else
const ElementwiseF32* elementwise_f32_avx2() { return nullptr; }
#endif
}  // namespace nr
