// Fused attention kernels compiled for the base level (see attention_simd.inc).
#include "nr/kernels/attention.h"
#include "nr/philox.h"
#include "kernels/cpu/attention_table.h"
#include "runtime/threadpool.h"
#include "simd/target.h"

namespace nr {


namespace base {
namespace {
#define NR_VEC_BYTES 16
#include "attention_simd.inc"
#undef NR_VEC_BYTES
}  // namespace
}  // namespace base

AttnKernels attention_kernels_base() { return {base::fwd_entry, base::bwd_entry}; }

}  // namespace nr
