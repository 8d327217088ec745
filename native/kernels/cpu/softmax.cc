// Fast softmax / log-softmax dispatch: contiguous float32 runs the per-ISA SIMD kernels, one row at
// a time when dim is the last (contiguous) dim, else down columns of the (outer, n, inner) layout in
// blocks of columns; lines and blocks are split over threads. Other cases use the generic threaded
// line loop (the reference algorithm).
#include <algorithm>
#include <vector>
#include "nr/kernels/softmax.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

constexpr int64_t kColBlock = 256;   // columns per unit in the column layout
constexpr int64_t kMinInner = 8;     // narrower inner blocks use the generic loop

const SoftmaxF32* f32_table() {
  switch (active_isa()) {
    case Isa::kAvx512: return softmax_f32_avx512() ? softmax_f32_avx512() : softmax_f32_avx2();
    case Isa::kAvx2: return softmax_f32_avx2();
    default: return nullptr;
  }
}

// (outer, n, inner) sizes of a contiguous tensor around dim.
struct Split { int64_t outer, n, inner; };
Split split_at(const View& v, int dim) {
  Split s{1, v.shape[dim], 1};
  for (int d = 0; d < dim; ++d) s.outer *= v.shape[d];
  for (int d = dim + 1; d < v.ndim; ++d) s.inner *= v.shape[d];
  return s;
}

// Runs row(i) for each of `rows` lines of n, or cols(o, j0, w, scratch) for each column block.
template <typename Row, typename Cols>
void run_layout(const Split& s, Row&& row, Cols&& cols) {
  if (s.inner == 1) {
    parallel_for(s.outer, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, s.n)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) row(i);
    });
    return;
  }
  const int64_t ncb = (s.inner + kColBlock - 1) / kColBlock;
  const int64_t per_unit = s.n * std::min(kColBlock, s.inner);
  parallel_for(s.outer * ncb, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, per_unit)), [&](int64_t b, int64_t e) {
    std::vector<double> scratch(2 * kColBlock);
    for (int64_t u = b; u < e; ++u) {
      int64_t o = u / ncb, j0 = (u % ncb) * kColBlock;
      cols(o, j0, std::min(kColBlock, s.inner - j0), scratch.data());
    }
  });
}

bool fast_ok(const SoftmaxF32* t, const View& a, const View& b, int dim) {
  return t && a.dtype == DType::f32 && b.dtype == DType::f32 && a.is_contiguous() && b.is_contiguous() &&
         (split_at(a, dim).inner == 1 || split_at(a, dim).inner >= kMinInner);
}

}  // namespace

void softmax(const View& out, const View& x, int dim, bool log) {
  if (out.numel == 0) return;
  if (active_isa() == Isa::kRef) return softmax_ref(out, x, dim, log);
  const SoftmaxF32* t = f32_table();
  if (fast_ok(t, out, x, dim)) {
    const Split s = split_at(x, dim);
    float* o = out.ptr<float>();
    const float* xp = x.ptr<float>();
    const int64_t line = s.n * s.inner;
    run_layout(s, [&](int64_t i) { t->fwd_row(o + i * s.n, xp + i * s.n, s.n, log); },
               [&](int64_t oi, int64_t j0, int64_t w, double* sc) { t->fwd_cols(o + oi * line + j0, xp + oi * line + j0, s.n, s.inner, w, log, sc); });
    return;
  }
  softmax_generic(out, x, dim, log);
}

void softmax_backward(const View& gx, const View& g, const View& y, int dim, bool log) {
  if (gx.numel == 0) return;
  if (active_isa() == Isa::kRef) return softmax_backward_ref(gx, g, y, dim, log);
  const SoftmaxF32* t = f32_table();
  if (fast_ok(t, gx, g, dim) && y.dtype == DType::f32 && y.is_contiguous()) {
    const Split s = split_at(g, dim);
    float* o = gx.ptr<float>();
    const float* gp = g.ptr<float>();
    const float* yp = y.ptr<float>();
    const int64_t line = s.n * s.inner;
    run_layout(s, [&](int64_t i) { t->bwd_row(o + i * s.n, gp + i * s.n, yp + i * s.n, s.n, log); },
               [&](int64_t oi, int64_t j0, int64_t w, double* sc) {
                 t->bwd_cols(o + oi * line + j0, gp + oi * line + j0, yp + oi * line + j0, s.n, s.inner, w, log, sc);
               });
    return;
  }
  softmax_backward_generic(gx, g, y, dim, log);
}

}  // namespace nr
