// Reference sort and top-k: each row along dim is copied out, ordered with std::stable_sort on
// positions (NaN largest), and written back. Single-threaded; the oracle for kernels/cpu/sort.cc.
#include <algorithm>
#include <vector>
#include "nr/kernels/sort.h"
#include "kernels/index_util.h"
#include "kernels/sort_util.h"

namespace nr {

namespace {

// Writes the first `keep` entries of the stably sorted order of every row of x into values/indices.
template <typename T>
void sorted_rows(const View& values, const View& indices, const View& x, int dim, bool descending, int64_t keep) {
  const int64_t n = x.ndim ? x.shape[dim] : 1;
  const int64_t xs = x.ndim ? x.strides[dim] : 0, vs = values.ndim ? values.strides[dim] : 0, is = indices.ndim ? indices.strides[dim] : 0;
  const View xr = drop_dim(x, dim), vr = drop_dim(values, dim), ir = drop_dim(indices, dim);
  std::vector<T> row((size_t)n);
  std::vector<int64_t> pos((size_t)n);
  StridedIter xi(xr), vi(vr), ii(ir);
  for (int64_t r = 0; r < xr.numel; ++r, xi.next(), vi.next(), ii.next()) {
    for (int64_t i = 0; i < n; ++i) { row[i] = x.ptr<T>()[xi.off + i * xs]; pos[i] = i; }
    std::stable_sort(pos.begin(), pos.end(), [&](int64_t a, int64_t b) {
      return descending ? nan_last_less(row[b], row[a]) : nan_last_less(row[a], row[b]);
    });
    for (int64_t i = 0; i < keep; ++i) {
      values.ptr<T>()[vi.off + i * vs] = row[pos[i]];
      indices.ptr<int64_t>()[ii.off + i * is] = pos[i];
    }
  }
}

}  // namespace

void sort_ref(const View& values, const View& indices, const View& x, int dim, bool descending) {
  if (x.numel == 0) return;
  NR_DISPATCH_SORT(x.dtype, T, sorted_rows<T>(values, indices, x, dim, descending, x.ndim ? x.shape[dim] : 1));
}

void topk_ref(const View& values, const View& indices, const View& x, int dim, int64_t k, bool largest) {
  if (values.numel == 0) return;
  NR_DISPATCH_SORT(x.dtype, T, sorted_rows<T>(values, indices, x, dim, largest, k));
}

}  // namespace nr
