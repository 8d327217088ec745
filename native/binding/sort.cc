// Bindings for sort and top-k along a dim: shape, dtype and k checks, then the kernel.
#include "binding/binding.h"
#include "nr/kernels/sort.h"

namespace nr {

namespace {

bool sortable(DType t) { return t != DType::f16 && t != DType::bf16; }

// values/indices must have x's shape with dim -> len, values x's dtype, indices int64.
void require_outputs(Napi::Env env, const char* op, const View& v, const View& ix, const View& x, int dim, int64_t len) {
  bool ok = v.ndim == x.ndim && ix.ndim == x.ndim && v.dtype == x.dtype && ix.dtype == DType::i64;
  for (int d = 0; ok && d < x.ndim; ++d) {
    int64_t want = d == dim ? len : x.shape[d];
    ok = v.shape[d] == want && ix.shape[d] == want;
  }
  if (!ok) throw_range(env, std::string(op) + ": outputs do not match input " + shape_str(x));
}

}  // namespace

// sort(valuesBuf, indicesBuf, xBuf) args: dim, descending, valuesView, indicesView, xView
NR_BINDING(sort) {
  ArgReader r(info, "sort");
  Napi::Env env = info.Env();
  int dim = (int)r.num();
  bool desc = r.num() != 0;
  View v = r.view(0), ix = r.view(1), x = r.view(2);
  if (x.ndim < 1 || dim < 0 || dim >= x.ndim) throw_range(env, "sort: dimension out of range for input " + shape_str(x));
  if (!sortable(x.dtype)) throw_type(env, std::string("sort: ") + dtype_name(x.dtype) + " is sorted as float32 (convert first)");
  require_outputs(env, "sort", v, ix, x, dim, x.shape[dim]);
  sort(v, ix, x, dim, desc);
  return env.Undefined();
}

// topk(valuesBuf, indicesBuf, xBuf) args: dim, k, largest, valuesView, indicesView, xView
NR_BINDING(topk) {
  ArgReader r(info, "topk");
  Napi::Env env = info.Env();
  int dim = (int)r.num();
  double kd = r.num();
  bool largest = r.num() != 0;
  View v = r.view(0), ix = r.view(1), x = r.view(2);
  if (x.ndim < 1 || dim < 0 || dim >= x.ndim) throw_range(env, "topk: dimension out of range for input " + shape_str(x));
  if (!(kd >= 0 && kd <= (double)x.shape[dim]) || kd != (double)(int64_t)kd)
    throw_range(env, "topk: k (" + std::to_string(kd) + ") out of range for dimension " + std::to_string(dim) + " of size " + std::to_string(x.shape[dim]));
  if (!sortable(x.dtype)) throw_type(env, std::string("topk: ") + dtype_name(x.dtype) + " is sorted as float32 (convert first)");
  int64_t k = (int64_t)kd;
  require_outputs(env, "topk", v, ix, x, dim, k);
  topk(v, ix, x, dim, k, largest);
  return env.Undefined();
}

}  // namespace nr
