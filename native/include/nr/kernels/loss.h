// Fused classification-loss kernels: softmax cross-entropy over class indices (with class
// weights, ignore_index and label smoothing, as torch 1.13) and NLL over log-probabilities,
// forward and backward. float32/float64 scores; targets are int64 already checked by the binding
// (each in [0, C) or equal to ignore_index). x and dx are contiguous; 1-D views may be strided.
#pragma once
#include <cstdint>
#include "nr/view.h"

namespace nr {

// x is (M,C) logits, target (M), weight (C) or nullptr; loss, lse, wt are (M).
//   lse_i = log(sum_c exp(x_ic)),  logp_ic = x_ic - lse_i,  t = target_i,  e = smoothing
//   loss_i = (1-e) * (-w_t logp_it) + e/C * (-sum_c w_c logp_ic),  0 where t == ignore_index
//   wt_i   = w_t (1 without weights), 0 where ignored (the denominator of the 'mean' reduction)
void cross_entropy_fwd(const View& x, const View& target, const View* weight, int64_t ignore_index, double smoothing,
                       const View& loss, const View& lse, const View& wt);
void cross_entropy_fwd_ref(const View& x, const View& target, const View* weight, int64_t ignore_index, double smoothing,
                           const View& loss, const View& lse, const View& wt);

// g is (M) (stride 0 for a broadcast scalar), dx is (M,C); with p = exp(x - lse) and W = sum_c w_c:
//   dx_ij = g_i * ((1-e) * w_t * (p_ij - [j == t]) + e/C * (W p_ij - w_j)),  0 rows where ignored
void cross_entropy_bwd(const View& g, const View& x, const View& target, const View* weight, int64_t ignore_index,
                       double smoothing, const View& lse, const View& dx);
void cross_entropy_bwd_ref(const View& g, const View& x, const View& target, const View* weight, int64_t ignore_index,
                           double smoothing, const View& lse, const View& dx);

// x is (M,C) log-probabilities: loss_i = -w_t x_it and wt_i = w_t (both 0 where ignored).
void nll_fwd(const View& x, const View& target, const View* weight, int64_t ignore_index, const View& loss, const View& wt);
// dx (M,C) is overwritten: dx_ij = -g_i w_t [j == t].
void nll_bwd(const View& g, const View& target, const View* weight, int64_t ignore_index, const View& dx);

// Contiguous float32 row kernels compiled per ISA (loss_simd.inc); nullptr where unavailable.
struct LossF32 {
  float (*row_lse)(const float* x, int64_t n);                                    // log(sum(exp(x)))
  void (*row_scaled_softmax)(const float* x, float l, float a, float* out, int64_t n);   // a*exp(x - l)
};
const LossF32* loss_f32_base();
const LossF32* loss_f32_avx2();
const LossF32* loss_f32_avx512();

}  // namespace nr
