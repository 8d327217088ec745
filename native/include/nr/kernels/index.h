// Indexing kernels: gather/scatter along a dim (also index_select/index_add through broadcast
// index views), advanced (tensor) indexing get and put, and nonzero.
// Index tensors are int32 or int64 views. Kernels wrap negative values (i < 0 -> i + size) and
// otherwise trust them: bindings validate every index tensor with check_index first.
// Every fast kernel is deterministic: duplicate targets are applied in row-major order of the index,
// exactly as the reference kernel does (so float accumulation is bit-identical to the reference).
#pragma once
#include "nr/view.h"

namespace nr {

// pos: row-major position of the first bad element in idx, -1 when every index is valid.
struct IndexFault { int64_t pos = -1; int64_t value = 0; };
// Checks every element of idx lies in [0, size), or in [-size, size) when allow_negative. Dims with
// stride 0 (broadcast) are checked once.
IndexFault check_index(const View& idx, int64_t size, bool allow_negative);

enum class ScatterMode : int { assign = 0, add = 1, mul = 2, amax = 3, amin = 4 };

// out and index have the same shape (ndim >= 1); index.shape[d] <= x.shape[d] for d != dim.
//   out[p] = x[p with p[dim] = index[p]]
// Any dtype (data movement only).
void gather(const View& out, const View& x, const View& index, int dim);
void gather_ref(const View& out, const View& x, const View& index, int dim);

// index.shape[d] <= src.shape[d] for every d, and <= out.shape[d] for d != dim; out and src share a
// dtype (arithmetic dtypes for the reducing modes; assign moves any dtype). For every position p of
// index, in row-major order:   out[p with p[dim] = index[p]]  (=, +=, *=, max=, min=)  src[p]
// amax/amin propagate NaN.
void scatter(ScatterMode mode, const View& out, const View& index, const View& src, int dim);
void scatter_ref(ScatterMode mode, const View& out, const View& index, const View& src, int dim);

// Advanced indexing. x is (A_0..A_{k-1}, R...); indices[j] (j < k) all have shape B (broadcast
// strides allowed); out is (B..., R...):   out[b, r] = x[indices[0][b], ..., indices[k-1][b], r]
void index_gather(const View& out, const View& x, int k, const View* indices);
void index_gather_ref(const View& out, const View& x, int k, const View* indices);

// x is (A_0..A_{k-1}, R...), indices as above, values is (B..., R...) (broadcast strides allowed):
//   x[indices[0][b], ..., indices[k-1][b], r]  (= or +=)  values[b, r]   in row-major order of (b, r)
void index_put(const View& x, int k, const View* indices, const View& values, bool accumulate);
void index_put_ref(const View& x, int k, const View* indices, const View& values, bool accumulate);

// Number of non-zero elements of x (any dtype; NaN counts as non-zero, -0.0 as zero).
int64_t count_nonzero(const View& x);
int64_t count_nonzero_ref(const View& x);
// out is (n, x.ndim) int64, contiguous: the coordinates of the non-zero elements of x in row-major
// order. Writes at most out.shape[0] rows; returns the number of non-zero elements.
int64_t nonzero(const View& out, const View& x);
int64_t nonzero_ref(const View& out, const View& x);

}  // namespace nr
