// Contiguous float32 layer/RMS norm row kernels compiled for AVX2 (see norm_simd.inc).
#include "nr/kernels/norm.h"
#include "simd/target.h"

namespace nr {
#if NR_X86
NR_PRAGMA_AVX2
namespace avx2 {
namespace {
#include "norm_simd.inc"
}  // namespace
}  // namespace avx2
NR_PRAGMA_END
const NormF32* norm_f32_avx2() {
  static const NormF32 t = {avx2::row_fwd_f32, avx2::row_bwd_f32};
  return &t;
}
#else
const NormF32* norm_f32_avx2() { return nullptr; }
#endif
}  // namespace nr
