// float32 softmax / log-softmax kernels compiled for AVX-512 (see softmax_simd.inc).
#include "nr/kernels/softmax.h"
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
#include "softmax_simd.inc"
#undef NR_VEC_BITS
}  // namespace
}  // namespace avx512
NR_PRAGMA_END
const SoftmaxF32* softmax_f32_avx512() {
  static const SoftmaxF32 t = {avx512::sm_fwd_row, avx512::sm_fwd_cols, avx512::sm_bwd_row, avx512::sm_bwd_cols};
  return &t;
}
#else
const SoftmaxF32* softmax_f32_avx512() { return nullptr; }
#endif
}  // namespace nr
