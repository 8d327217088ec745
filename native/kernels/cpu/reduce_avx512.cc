// float32 reduction primitives compiled for AVX-512 (see reduce_simd.inc).
#include "nr/kernels/reduce.h"
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
#include "reduce_simd.inc"
#undef NR_VEC_BITS
}  // namespace
}  // namespace avx512
NR_PRAGMA_END
const ReduceF32* reduce_f32_avx512() {
  static const ReduceF32 t = {avx512::run_sum, avx512::run_ext, avx512::run_find, avx512::cols_sum, avx512::cols_ext};
  return &t;
}
#else
const ReduceF32* reduce_f32_avx512() { return nullptr; }
#endif
}  // namespace nr
