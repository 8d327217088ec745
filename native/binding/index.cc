// Bindings for the indexing kernels: gather, scatter (assign/add/mul/amax/amin), advanced indexing
// get/put, nonzero. Every index tensor is checked against its dimension before a kernel runs, so
// out-of-range indices are a RangeError naming the op, the index and the size, never a bad access.
// An optional trailing string argument names the public op for error messages (e.g. "embedding").
#include <string>
#include <vector>
#include "binding/binding.h"
#include "binding/index_args.h"
#include "nr/kernels/index.h"

namespace nr {

namespace {

// Throws a RangeError if any index is outside its dimension (negatives wrap when allow_negative).
void require_in_range(Napi::Env env, const std::string& op, const View& idx, int64_t size, int dim, bool allow_negative) {
  IndexFault f = check_index(idx, size, allow_negative);
  if (f.pos < 0) return;
  throw_range(env, op + ": index " + std::to_string(f.value) + " is out of bounds for dimension " + std::to_string(dim) +
                       " with size " + std::to_string(size));
}

bool reducible(DType t) { return t != DType::b8 && t != DType::f16 && t != DType::bf16; }


}  // namespace

// gather(outBuf, xBuf, indexBuf, [opName]) args: dim, outView, xView, indexView
NR_BINDING(gather) {
  std::string op = index_op_name(info, "gather");
  ArgReader r(info, op.c_str());
  Napi::Env env = info.Env();
  int dim = (int)r.num();
  View out = r.view(0), x = r.view(1), idx = r.view(2);
  require_index_dtype(env, op, idx);
  if (x.ndim < 1 || dim < 0 || dim >= x.ndim) throw_range(env, op + ": dimension out of range for input " + shape_str(x));
  if (idx.ndim != x.ndim)
    throw_range(env, op + ": index " + shape_str(idx) + " and input " + shape_str(x) + " must have the same number of dimensions");
  for (int d = 0; d < x.ndim; ++d)
    if (d != dim && idx.shape[d] > x.shape[d])
      throw_range(env, op + ": size of index " + shape_str(idx) + " must not exceed the input " + shape_str(x) +
                           " except in dimension " + std::to_string(dim));
  if (!same_index_shape(out, idx) || out.dtype != x.dtype) throw_range(env, op + ": output does not match the index shape / input dtype");
  require_in_range(env, op, idx, x.shape[dim], dim, false);
  gather(out, x, idx, dim);
  return env.Undefined();
}

// scatter(outBuf, indexBuf, srcBuf, [opName]) args: mode, dim, outView, indexView, srcView
// out is updated in place; src may be a 0-strided view of a scalar.
NR_BINDING(scatter) {
  std::string op = index_op_name(info, "scatter");
  ArgReader r(info, op.c_str());
  Napi::Env env = info.Env();
  int mode = (int)r.num(), dim = (int)r.num();
  if (mode < 0 || mode > 4) throw_range(env, op + ": bad reduction code");
  if (op == "scatter" && mode != 0) op = scatter_mode_name(mode);
  View out = r.view(0), idx = r.view(1), src = r.view(2);
  require_index_dtype(env, op, idx);
  if (out.ndim < 1 || dim < 0 || dim >= out.ndim) throw_range(env, op + ": dimension out of range for input " + shape_str(out));
  if (idx.ndim != out.ndim || src.ndim != out.ndim)
    throw_range(env, op + ": index " + shape_str(idx) + ", input " + shape_str(out) + " and src " + shape_str(src) +
                         " must have the same number of dimensions");
  for (int d = 0; d < out.ndim; ++d)
    if (idx.shape[d] > src.shape[d] || (d != dim && idx.shape[d] > out.shape[d]))
      throw_range(env, op + ": expected index " + shape_str(idx) + " to be no larger than input " + shape_str(out) +
                           " apart from dimension " + std::to_string(dim) + " and no larger than src " + shape_str(src));
  if (out.dtype != src.dtype)
    throw_type(env, op + ": input (" + dtype_name(out.dtype) + ") and src (" + dtype_name(src.dtype) + ") must have the same dtype");
  if (mode != 0 && !reducible(out.dtype)) throw_type(env, op + ": not supported for " + dtype_name(out.dtype) + " tensors");
  require_in_range(env, op, idx, out.shape[dim], dim, false);
  scatter((ScatterMode)mode, out, idx, src, dim);
  return env.Undefined();
}

// Reads k index views (buffers first_buf..first_buf+k-1), checks them against x's leading dims
// (named by `dims` for messages) and returns them.
static std::vector<View> read_indices(ArgReader& r, const std::string& op, int k, size_t first_buf, const View& x, const int* dims) {
  Napi::Env env = r.env();
  std::vector<View> ix;
  for (int j = 0; j < k; ++j) ix.push_back(r.view(first_buf + j));
  for (int j = 0; j < k; ++j) {
    require_index_dtype(env, op, ix[j]);
    if (ix[j].dtype != ix[0].dtype) throw_type(env, op + ": all index tensors must have the same dtype");
    if (!same_index_shape(ix[j], ix[0])) throw_range(env, op + ": index tensors must be broadcast to one shape");
  }
  for (int j = 0; j < k; ++j) require_in_range(env, op, ix[j], x.shape[j], dims[j], true);
  return ix;
}

// out must be (B..., x.shape[k:]...)
static void require_adv_shape(Napi::Env env, const std::string& op, const View& v, const View& b, const View& x, int k, const char* what) {
  bool ok = v.ndim == b.ndim + x.ndim - k;
  for (int d = 0; ok && d < b.ndim; ++d) ok = v.shape[d] == b.shape[d];
  for (int d = k; ok && d < x.ndim; ++d) ok = v.shape[b.ndim + d - k] == x.shape[d];
  if (!ok) throw_range(env, op + ": " + what + " " + shape_str(v) + " does not match indexing result " + shape_str(b) + " + trailing dims of " + shape_str(x));
}

// indexGather(outBuf, xBuf, idxBuf_0..idxBuf_{k-1}, [opName]) args: k, dims[k], outView, xView, idxViews
NR_BINDING(indexGather) {
  std::string op = index_op_name(info, "index");
  ArgReader r(info, op.c_str());
  Napi::Env env = info.Env();
  int k = (int)r.num();
  if (k < 1 || k > kMaxDims) throw_range(env, op + ": bad number of index tensors");
  int dims[kMaxDims];
  for (int j = 0; j < k; ++j) dims[j] = (int)r.num();
  View out = r.view(0), x = r.view(1);
  if (k > x.ndim) throw_range(env, op + ": too many indices (" + std::to_string(k) + ") for a tensor of shape " + shape_str(x));
  std::vector<View> ix = read_indices(r, op, k, 2, x, dims);
  require_adv_shape(env, op, out, ix[0], x, k, "output");
  if (out.dtype != x.dtype) throw_type(env, op + ": output dtype mismatch");
  index_gather(out, x, k, ix.data());
  return env.Undefined();
}

// indexPut(xBuf, valuesBuf, idxBuf_0..idxBuf_{k-1}, [opName]) args: k, accumulate, dims[k], xView,
// valuesView (B..., R...) with broadcast strides, idxViews. x is updated in place.
NR_BINDING(indexPut) {
  std::string op = index_op_name(info, "indexPut_");
  ArgReader r(info, op.c_str());
  Napi::Env env = info.Env();
  int k = (int)r.num();
  bool accumulate = r.num() != 0;
  if (k < 1 || k > kMaxDims) throw_range(env, op + ": bad number of index tensors");
  int dims[kMaxDims];
  for (int j = 0; j < k; ++j) dims[j] = (int)r.num();
  View x = r.view(0), values = r.view(1);
  if (k > x.ndim) throw_range(env, op + ": too many indices (" + std::to_string(k) + ") for a tensor of shape " + shape_str(x));
  std::vector<View> ix = read_indices(r, op, k, 2, x, dims);
  require_adv_shape(env, op, values, ix[0], x, k, "values");
  if (values.dtype != x.dtype)
    throw_type(env, op + ": values (" + dtype_name(values.dtype) + ") and input (" + dtype_name(x.dtype) + ") must have the same dtype");
  if (accumulate && !reducible(x.dtype)) throw_type(env, op + ": accumulate is not supported for " + dtype_name(x.dtype) + " tensors");
  index_put(x, k, ix.data(), values, accumulate);
  return env.Undefined();
}

// nonzeroCount(xBuf) args: xView -> number of non-zero elements
NR_BINDING(nonzeroCount) {
  ArgReader r(info, "nonzero");
  View x = r.view(0);
  return Napi::Number::New(info.Env(), (double)count_nonzero(x));
}

// nonzero(outBuf, xBuf) args: outView (n, ndim) int64 contiguous, xView
NR_BINDING(nonzero) {
  ArgReader r(info, "nonzero");
  Napi::Env env = info.Env();
  View out = r.view(0), x = r.view(1);
  if (out.dtype != DType::i64 || out.ndim != 2 || out.shape[1] != x.ndim || !out.is_contiguous())
    throw_range(env, "nonzero: output must be a contiguous int64 (n, " + std::to_string(x.ndim) + ") tensor");
  int64_t n = nonzero(out, x);
  if (n != out.shape[0]) throw_error(env, "nonzero: the input changed while it was being read");
  return env.Undefined();
}

}  // namespace nr
