// Fast cumulative scans: threaded. Contiguous tensors scanned along a non-last dim run down columns
// of the (outer, n, inner) layout with a row of accumulators, so every pass is a contiguous,
// vectorisable sweep; other layouts run the line kernels threaded over lines.
#include <algorithm>
#include <vector>
#include "kernels/ref/scan_lines.h"
#include "runtime/cpu_features.h"

namespace nr {

namespace {

constexpr int64_t kColBlock = 512;

template <typename T>
void scan_cols(ScanOp op, T* out, const T* x, int64_t outer, int64_t n, int64_t inner, bool reverse) {
  const int64_t ncb = (inner + kColBlock - 1) / kColBlock;
  parallel_for(outer * ncb, scan_grain(n * std::min(kColBlock, inner)), [&](int64_t b, int64_t e) {
    std::vector<ScanAcc<T>> acc((size_t)kColBlock);
    for (int64_t u = b; u < e; ++u) {
      const int64_t o = u / ncb, j0 = (u % ncb) * kColBlock, w = std::min(kColBlock, inner - j0);
      std::fill(acc.begin(), acc.begin() + w, op == ScanOp::sum ? ScanAcc<T>(0) : ScanAcc<T>(1));
      ScanAcc<T>* a = acc.data();
      for (int64_t i = 0; i < n; ++i) {
        const int64_t r = reverse ? n - 1 - i : i;
        const T* xr = x + (o * n + r) * inner + j0;
        T* orow = out + (o * n + r) * inner + j0;
        if (op == ScanOp::sum) for (int64_t j = 0; j < w; ++j) { a[j] += to_acc<T>(xr[j]); orow[j] = from_acc<T>(a[j]); }
        else for (int64_t j = 0; j < w; ++j) { a[j] *= to_acc<T>(xr[j]); orow[j] = from_acc<T>(a[j]); }
      }
    }
  });
}

}  // namespace

void scan(ScanOp op, const View& out, const View& x, int dim, bool reverse) {
  if (out.numel == 0) return;
  if (active_isa() == Isa::kRef) return scan_ref(op, out, x, dim, reverse);
  if (out.is_contiguous() && x.is_contiguous()) {
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < dim; ++d) outer *= x.shape[d];
    for (int d = dim + 1; d < x.ndim; ++d) inner *= x.shape[d];
    if (inner > 1) {
      NR_DISPATCH_ARITH(x.dtype, T, scan_cols<T>(op, out.ptr<T>(), x.ptr<T>(), outer, x.shape[dim], inner, reverse));
      return;
    }
  }
  scan_lines_all(op, out, x, dim, reverse, true);
}

void cumprod_backward(const View& gx, const View& g, const View& x, int dim) {
  if (gx.numel == 0) return;
  if (active_isa() == Isa::kRef) return cumprod_backward_ref(gx, g, x, dim);
  cumprod_backward_lines_all(gx, g, x, dim, true);
}

}  // namespace nr
