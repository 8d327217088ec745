// Contiguous float32 layer/RMS norm row kernels compiled for AVX512 (see norm_simd.inc).
#include "nr/kernels/norm.h"
#include "simd/target.h"

namespace nr {
#if NR_X86
NR_PRAGMA_AVX512
namespace avx512 {
namespace {
#include "norm_simd.inc"
}  // namespace
}  // namespace avx512
NR_PRAGMA_END
const NormF32* norm_f32_avx512() {
  static const NormF32 t = {avx512::row_fwd_f32, avx512::row_bwd_f32};
  return &t;
}
#else
const NormF32* norm_f32_avx512() { return nullptr; }
#endif
}  // namespace nr
