// Contiguous float32 cross-entropy row kernels compiled for AVX2 (see loss_simd.inc).
#include <cstdint>
#include "nr/kernels/loss.h"
#include "simd/target.h"

namespace nr {
#if NR_X86
NR_PRAGMA_AVX2
namespace avx2 {
namespace {
#include "loss_simd.inc"
}  // namespace
}  // namespace avx2
NR_PRAGMA_END
const LossF32* loss_f32_avx2() {
  static const LossF32 t = {avx2::row_lse_f32, avx2::row_scaled_softmax_f32};
  return &t;
}
#else
const LossF32* loss_f32_avx2() { return nullptr; }
#endif
}  // namespace nr
