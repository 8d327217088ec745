// Reductions over trailing dims. The caller (JS) permutes the input view so the dims to keep come
// first and the dims to reduce come last: x is (K..., R...) with nkept leading dims; out is
// contiguous with prod(K) elements. Indices (argmax/argmin/max/min) are positions in the flattened
// R block, which equal the index along the dim when one dim is reduced.
#pragma once
#include "nr/view.h"

namespace nr {

#define NR_REDUCE_OPS(X) X(sum) X(mean) X(prod) X(amax) X(amin) X(argmax) X(argmin) X(var) X(logsumexp) X(norm) X(any) X(all)

enum class ReduceOp : int {
#define NR_X(n) n,
  NR_REDUCE_OPS(NR_X)
#undef NR_X
  kCount
};
const char* reduce_name(ReduceOp op);

// param: var -> correction; norm -> p (inf allowed). out dtype: sum/prod of ints -> int64,
// argmax/argmin -> int64, any/all -> bool, amax/amin -> input dtype, the rest float (= input).
void reduce(ReduceOp op, const View& out, const View& x, int nkept, double param);
void reduce_ref(ReduceOp op, const View& out, const View& x, int nkept, double param);

// max/min with indices over the R block: values (x's dtype) and indices (int64), both contiguous.
void reduce_minmax(bool is_max, const View& values, const View& indices, const View& x, int nkept);

}  // namespace nr
