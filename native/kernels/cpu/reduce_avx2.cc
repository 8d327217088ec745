// float32 reduction primitives compiled for AVX2+FMA (see reduce_simd.inc).
#include "nr/kernels/reduce.h"
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
#include "reduce_simd.inc"
#undef NR_VEC_BITS
}  // namespace
}  // namespace avx2
NR_PRAGMA_END
const ReduceF32* reduce_f32_avx2() {
  static const ReduceF32 t = {avx2::run_sum, avx2::run_ext, avx2::run_find, avx2::cols_sum, avx2::cols_ext};
  return &t;
}
#else
const ReduceF32* reduce_f32_avx2() { return nullptr; }
#endif
}  // namespace nr
