// Fused normalisation kernels, forward and backward: layer norm and RMS norm over the trailing N
// elements of each of M rows, and batch norm per channel of an (B, C, L) tensor. The forward saves
// the per-row (per-channel) mean and reciprocal std that the backward reuses. float32 and float64;
// every View must be contiguous (the binding checks), optional ones are passed as nullptr.
#pragma once
#include <cstdint>
#include "nr/view.h"

namespace nr {

// Row norm forward. x is (M,N), w and b are (N) or nullptr, y is (M,N), mean and rstd are (M).
//   layer norm: mean = sum(x)/N, var = sum((x-mean)^2)/N, rstd = 1/sqrt(var+eps),
//               y = (x-mean)*rstd*w + b
//   RMS norm  : rstd = 1/sqrt(sum(x^2)/N + eps), y = x*rstd*w (mean is written as 0, b unused)
void row_norm_fwd(bool rms, const View& x, const View* w, const View* b, double eps,
                  const View& y, const View& mean, const View& rstd);
void row_norm_fwd_ref(bool rms, const View& x, const View* w, const View* b, double eps,
                      const View& y, const View& mean, const View& rstd);

// Row norm backward. g and x are (M,N), mean/rstd (M) from the forward, w (N) or nullptr.
// xhat = (x-mean)*rstd (layer) or x*rstd (rms); dxhat = g*w;
//   dx = rstd * (dxhat - mean(dxhat) - xhat*mean(dxhat*xhat))   (layer)
//   dx = rstd * (dxhat - xhat*mean(dxhat*xhat))                  (rms)
//   dw = sum over rows of g*xhat, db = sum over rows of g. dx, dw, db may each be nullptr.
void row_norm_bwd(bool rms, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
                  const View* dx, const View* dw, const View* db);
void row_norm_bwd_ref(bool rms, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
                      const View* dx, const View* dw, const View* db);

// Batch norm forward. x is (B,C,L), w and b are (C) or nullptr, y is (B,C,L); mean, var, rstd are (C).
// training: mean/var (biased) computed over B*L per channel and written to mean/var;
// otherwise mean/var are inputs (running statistics). Both write rstd = 1/sqrt(var+eps) and
// y = (x-mean)*rstd*w + b.
void batch_norm_fwd(bool training, const View& x, const View* w, const View* b, double eps,
                    const View& y, const View& mean, const View& var, const View& rstd);
void batch_norm_fwd_ref(bool training, const View& x, const View* w, const View* b, double eps,
                        const View& y, const View& mean, const View& var, const View& rstd);

// Batch norm backward. g and x are (B,C,L); mean/rstd (C); w (C) or nullptr. With n = B*L,
// xhat = (x-mean)*rstd, dw = sum(g*xhat), db = sum(g) per channel;
//   training: dx = w*rstd*(g - db/n - xhat*dw/n);  eval (statistics are constants): dx = w*rstd*g.
void batch_norm_bwd(bool training, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
                    const View* dx, const View* dw, const View* db);
void batch_norm_bwd_ref(bool training, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
                        const View* dx, const View* dw, const View* db);

// Contiguous float32 row kernels compiled per ISA (norm_simd.inc); nullptr where unavailable.
struct NormF32 {
  // One row of n: writes y (if y != nullptr) and returns mean/rstd through the pointers.
  void (*row_fwd)(bool rms, const float* x, const float* w, const float* b, float* y, int64_t n, float eps,
                  float* mean, float* rstd);
  // One row of n: writes dx (if non-null) and adds g*xhat into dw_acc and g into db_acc (if non-null).
  void (*row_bwd)(bool rms, const float* g, const float* x, const float* w, float mean, float rstd, int64_t n,
                  float* dx, float* dw_acc, float* db_acc);
};
const NormF32* norm_f32_base();
const NormF32* norm_f32_avx2();
const NormF32* norm_f32_avx512();

}  // namespace nr
