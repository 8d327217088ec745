// float32 cross-entropy row kernels compiled for AVX2 (see loss_simd.inc).
#include <cstdint>
#include "nr/kernels/loss.h"
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
#include "loss_simd.inc"
#undef NR_VEC_BITS
}  // namespace
}  // namespace avx2
NR_PRAGMA_END
const LossF32* loss_f32_avx2() {
  static const LossF32 t = {avx2::ce_row_lse, avx2::ce_row_scaled_softmax};
  return &t;
}
#else
const LossF32* loss_f32_avx2() { return nullptr; }
#endif
}  // namespace nr
