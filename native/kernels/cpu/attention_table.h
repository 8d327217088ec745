// The per-ISA entry points of the fused attention kernels (attention_{base,avx2,avx512}.cc).
#pragma once
#include "nr/kernels/attention.h"

namespace nr {

struct AttnKernels {
  void (*fwd)(const AttnShape&, const View&, const View&, const View&, const View*, const View&, const View&);
  void (*bwd)(const AttnShape&, const View&, const View&, const View&, const View*, const View&, const View&, const View&,
              const View&, const View&, const View&);
};
AttnKernels attention_kernels_base();
AttnKernels attention_kernels_avx2();
AttnKernels attention_kernels_avx512();

}  // namespace nr
