// Softmax and log-softmax along one dim, forward and fused backward. Views may have any strides;
// all have the same shape; dtype float32 or float64. Reductions accumulate in double and subtract
// the max first, so results are stable for any finite input; a NaN or +Inf in a line makes the line
// NaN, a line of all -Inf is NaN (as in PyTorch).
#pragma once
#include "nr/view.h"

namespace nr {

// out = softmax(x) or log_softmax(x) along dim.
void softmax(const View& out, const View& x, int dim, bool log);
// Fused backward along dim, given the forward output y and the incoming gradient g:
//   softmax:     gx = y * (g - sum(g * y))
//   log_softmax: gx = g - exp(y) * sum(g)
void softmax_backward(const View& gx, const View& g, const View& y, int dim, bool log);

// Reference (single-threaded, strided) and generic threaded versions of the same.
void softmax_ref(const View& out, const View& x, int dim, bool log);
void softmax_backward_ref(const View& gx, const View& g, const View& y, int dim, bool log);
void softmax_generic(const View& out, const View& x, int dim, bool log);
void softmax_backward_generic(const View& gx, const View& g, const View& y, int dim, bool log);

// float32 SIMD kernels per ISA over contiguous data. Rows: one line of n floats. Cols: a block of
// w columns of an (n, stride) row-major matrix, the softmax running down each column; scratch holds
// 2*w doubles.
struct SoftmaxF32 {
  void (*fwd_row)(float* out, const float* x, int64_t n, bool log);
  void (*fwd_cols)(float* out, const float* x, int64_t n, int64_t stride, int64_t w, bool log, double* scratch);
  void (*bwd_row)(float* gx, const float* g, const float* y, int64_t n, bool log);
  void (*bwd_cols)(float* gx, const float* g, const float* y, int64_t n, int64_t stride, int64_t w, bool log, double* scratch);
};
const SoftmaxF32* softmax_f32_avx2();    // null where not compiled (arm64)
const SoftmaxF32* softmax_f32_avx512();

}  // namespace nr
