// Fused attention kernels compiled for the avx512 level (see attention_simd.inc).
#include "nr/kernels/attention.h"
#include "nr/philox.h"
#include "kernels/cpu/attention_table.h"
#include "runtime/threadpool.h"
#include "simd/target.h"

namespace nr {
#if NR_X86
NR_PRAGMA_AVX512
namespace avx512 {
namespace {
#define NR_VEC_BYTES 64
#include "attention_simd.inc"
#undef NR_VEC_BYTES
}  // namespace
}  // namespace avx512
NR_PRAGMA_END
AttnKernels attention_kernels_avx512() { return {avx512::fwd_entry, avx512::bwd_entry}; }
#else
AttnKernels attention_kernels_avx512() { return {nullptr, nullptr}; }
#endif
}  // namespace nr
