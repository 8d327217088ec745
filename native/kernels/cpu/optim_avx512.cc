// Contiguous optimizer loops compiled for AVX512 (see optim_simd.inc).
#include "nr/kernels/optim.h"
#include "simd/target.h"

namespace nr {
#if NR_X86
NR_PRAGMA_AVX512
namespace avx512 {
namespace {
#include "optim_simd.inc"
}  // namespace
}  // namespace avx512
NR_PRAGMA_END
const OptimKernels* optim_kernels_avx512() { return &avx512::kTable; }
#else
const OptimKernels* optim_kernels_avx512() { return nullptr; }
#endif
}  // namespace nr
