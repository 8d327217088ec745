// Fused attention kernels compiled for the avx2 level (see attention_simd.inc).
#include "nr/kernels/attention.h"
#include "nr/philox.h"
#include "kernels/cpu/attention_table.h"
#include "runtime/threadpool.h"
#include "simd/target.h"

namespace nr {
#if NR_X86
NR_PRAGMA_AVX2
namespace avx2 {
namespace {
#define NR_VEC_BYTES 32
#include "attention_simd.inc"
#undef NR_VEC_BYTES
}  // namespace
}  // namespace avx2
NR_PRAGMA_END
AttnKernels attention_kernels_avx2() { return {avx2::fwd_entry, avx2::bwd_entry}; }
#else
AttnKernels attention_kernels_avx2() { return {nullptr, nullptr}; }
#endif
}  // namespace nr
