// float32 softmax / log-softmax kernels compiled for AVX2+FMA (see softmax_simd.inc).
#include "nr/kernels/softmax.h"
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
#include "softmax_simd.inc"
#undef NR_VEC_BITS
}  // namespace
}  // namespace avx2
NR_PRAGMA_END
const SoftmaxF32* softmax_f32_avx2() {
  static const SoftmaxF32 t = {avx2::sm_fwd_row, avx2::sm_fwd_cols, avx2::sm_bwd_row, avx2::sm_bwd_cols};
  return &t;
}
#else
const SoftmaxF32* softmax_f32_avx2() { return nullptr; }
#endif
}  // namespace nr
