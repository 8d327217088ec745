// Sorting kernels along one dim: sort (values + int64 indices) and top-k. Order is total and
// deterministic: NaN sorts as the largest value (as in PyTorch), and equal values keep their
// original order (the sort is stable, both ascending and descending).
// Supported dtypes: float32, float64, int32, int64, uint8, bool (float16/bfloat16 are sorted as
// float32 by the caller).
#pragma once
#include "nr/view.h"

namespace nr {

// values (x's dtype) and indices (int64) have x's shape; each row along dim is sorted.
void sort(const View& values, const View& indices, const View& x, int dim, bool descending);
void sort_ref(const View& values, const View& indices, const View& x, int dim, bool descending);

// values/indices have x's shape with dim -> k (0 <= k <= x.shape[dim]): the k largest (largest) or
// smallest values of each row, in sorted order (largest first when largest), ties by position.
void topk(const View& values, const View& indices, const View& x, int dim, int64_t k, bool largest);
void topk_ref(const View& values, const View& indices, const View& x, int dim, int64_t k, bool largest);

}  // namespace nr
