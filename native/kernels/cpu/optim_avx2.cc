// Contiguous optimizer loops compiled for AVX2 (see optim_simd.inc).
#include "nr/kernels/optim.h"
#include "simd/target.h"

namespace nr {
#if NR_X86
NR_PRAGMA_AVX2
namespace avx2 {
namespace {
#include "optim_simd.inc"
}  // namespace
}  // namespace avx2
NR_PRAGMA_END
const OptimKernels* optim_kernels_avx2() { return &avx2::kTable; }
#else
const OptimKernels* optim_kernels_avx2() { return nullptr; }
#endif
}  // namespace nr
