// Fast reduction dispatch: float32 sums/means over a contiguous innermost block use a
// multi-accumulator loop; other layouts use the generic threaded kernel.
#include <algorithm>
#include "nr/kernels/reduce.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

void reduce_generic(ReduceOp op, const View& out, const View& x, int nkept, double param);

namespace {

// Sum of n contiguous floats with 8 independent accumulators (vectorisable, stable enough).
float sum_contig(const float* p, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += p[i + k];
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += p[i];
  return s;
}

}  // namespace

void reduce(ReduceOp op, const View& out, const View& x, int nkept, double param) {
  if (out.numel == 0) return;
  if (active_isa() == Isa::kRef) return reduce_ref(op, out, x, nkept, param);
  // Contiguous trailing block of float32: inner = one run of length n per output.
  if ((op == ReduceOp::sum || op == ReduceOp::mean) && x.dtype == DType::f32 && out.dtype == DType::f32 && x.is_contiguous() && x.numel > 0) {
    int64_t n = 1;
    for (int d = nkept; d < x.ndim; ++d) n *= x.shape[d];
    const float* xp = x.ptr<float>();
    float* op_ = out.ptr<float>();
    float scale = op == ReduceOp::mean ? 1.0f / (float)n : 1.0f;
    parallel_for(out.numel, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) op_[i] = sum_contig(xp + i * n, n) * scale;
    });
    return;
  }
  reduce_generic(op, out, x, nkept, param);
}

}  // namespace nr
