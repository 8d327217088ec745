// Per-row pieces of the weighted / label-smoothed cross-entropy and NLL kernels (cuda/loss_ext.cu),
// host-callable so that cuda/dev/cumisc_host_check.cu can compare them with the CPU reference
// formulas (native/kernels/ref/loss.cc) without a GPU.
#pragma once
#include <cstdint>

namespace nrc {

enum : int { kTargetValid = 0, kTargetIgnored = 1, kTargetBad = 2 };

// Whether target t of a row with C classes is used, ignored (t == ignore, checked first, as the CPU
// kernels do), or out of range.
__host__ __device__ inline int ce_target_kind(int64_t t, long long ignore, long long C) {
  if (t == ignore) return kTargetIgnored;
  return t < 0 || t >= C ? kTargetBad : kTargetValid;
}

// loss of one row: (1-e) * -wt (xt - lse) + e/C * -sm, where sm = sum_c w_c (x_c - lse).
template <typename A>
__host__ __device__ inline A ce_row_loss(A xt, A lse, A wt, A e, A C, A sm) {
  A v = ((A)1 - e) * -wt * (xt - lse);
  if (e > 0) v += e / C * -sm;
  return v;
}

// d loss / d x_c of one row (before the incoming gradient): p = softmax_c, W = sum of weights (or C).
template <typename A>
__host__ __device__ inline A ce_grad(A p, bool is_target, A wt, A e, A C, A W, A wc) {
  A v = ((A)1 - e) * wt * (p - (is_target ? (A)1 : (A)0));
  if (e > 0) v += e / C * (W * p - wc);
  return v;
}

}  // namespace nrc
