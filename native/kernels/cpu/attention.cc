// Dispatch of the fused attention kernels by the active kernel level.
#include "kernels/cpu/attention_table.h"
#include "runtime/cpu_features.h"

namespace nr {

static AttnKernels pick() {
  AttnKernels k{nullptr, nullptr};
  switch (active_isa()) {
    case Isa::kAvx512: k = attention_kernels_avx512(); break;
    case Isa::kAvx2: k = attention_kernels_avx2(); break;
    default: break;
  }
  return k.fwd ? k : attention_kernels_base();
}

void attention_forward(const AttnShape& s, const View& q, const View& k, const View& v, const View* mask, const View& out, const View& lse) {
  if (active_isa() == Isa::kRef) return attention_forward_ref(s, q, k, v, mask, out, lse);
  pick().fwd(s, q, k, v, mask, out, lse);
}

void attention_backward(const AttnShape& s, const View& q, const View& k, const View& v, const View* mask, const View& out,
                        const View& lse, const View& dout, const View& dq, const View& dk, const View& dv) {
  if (active_isa() == Isa::kRef) return attention_backward_ref(s, q, k, v, mask, out, lse, dout, dq, dk, dv);
  pick().bwd(s, q, k, v, mask, out, lse, dout, dq, dk, dv);
}

}  // namespace nr
