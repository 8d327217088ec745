// CUDA bindings of the indexing kernels (cuda/index.cu, cuda/index_adv.cu): gather and scatter along a
// dim, advanced indexing get/put, nonzero. Argument layouts are those of the CPU bindings (index.cc),
// with device handles instead of buffers, so src/ops/gather.ts and advindex.ts fill the argument block
// once for either device. Shapes, dtypes and view bounds are checked here; index values are checked on
// the device by nrc_index_check before any data moves (a synchronous readback of one 8-byte fault word),
// and an out-of-range index is a RangeError with the CPU's message (op, value, dimension, size).
// nonzeroCount is synchronous too (the count sizes the output).
#include <string>
#include <vector>
#include "binding/cuda_common.h"
#include "binding/index_args.h"

namespace nr {

namespace {

// Checks the index views on the device; throws the CPU's RangeError for the first bad element.
void check_indices(Napi::Env env, const CudaApi* api, const std::string& op, const std::vector<View>& ix, const std::vector<int64_t>& sizes,
                   const std::vector<int>& dims, bool allow_negative) {
  std::vector<nrc_index_arg> a(ix.size());
  for (size_t j = 0; j < ix.size(); ++j) a[j] = nrc_index_arg{nrc_dtype_of(ix[j].dtype), ix[j].data, to_nrc_view(env, ix[j], op), sizes[j]};
  int bad = 0, which = -1;
  int64_t value = 0;
  cuda_check(env, api, api->nrc_index_check((int)a.size(), a.data(), allow_negative ? 1 : 0, &bad, &which, &value), op.c_str());
  if (bad)
    throw_range(env, op + ": index " + std::to_string(value) + " is out of bounds for dimension " + std::to_string(dims[which]) + " with size " +
                         std::to_string(sizes[which]));
}


}  // namespace

// cudaGather(out, x, index, [opName]) args: dim, outView, xView, indexView (as the CPU gather)
NR_BINDING(cudaGather) {
  std::string op = index_op_name(info, "gather");
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, op.c_str());
  ArgReader r(info, op.c_str());
  int dim = (int)r.num();
  View out = r.view_in(cuda_buf(info, 0, op.c_str())), x = r.view_in(cuda_buf(info, 1, op.c_str())), idx = r.view_in(cuda_buf(info, 2, op.c_str()));
  require_index_dtype(env, op, idx);
  if (x.ndim < 1 || dim < 0 || dim >= x.ndim) throw_range(env, op + ": dimension out of range for input " + shape_str(x));
  if (idx.ndim != x.ndim)
    throw_range(env, op + ": index " + shape_str(idx) + " and input " + shape_str(x) + " must have the same number of dimensions");
  for (int d = 0; d < x.ndim; ++d)
    if (d != dim && idx.shape[d] > x.shape[d])
      throw_range(env, op + ": size of index " + shape_str(idx) + " must not exceed the input " + shape_str(x) + " except in dimension " +
                           std::to_string(dim));
  if (!same_index_shape(out, idx) || out.dtype != x.dtype) throw_range(env, op + ": output does not match the index shape / input dtype");
  check_indices(env, api, op, {idx}, {x.shape[dim]}, {dim}, false);
  nrc_view ov = to_nrc_view(env, out, op), xv = to_nrc_view(env, x, op), iv = to_nrc_view(env, idx, op);
  cuda_check(env, api, api->nrc_gather(nrc_dtype_of(x.dtype), out.data, &ov, x.data, &xv, nrc_dtype_of(idx.dtype), idx.data, &iv, dim), op.c_str());
  return env.Undefined();
}

// cudaScatter(out, index, src, [opName]) args: mode, dim, outView, indexView, srcView; out updated in place.
NR_BINDING(cudaScatter) {
  std::string op = index_op_name(info, "scatter");
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, op.c_str());
  ArgReader r(info, op.c_str());
  int mode = (int)r.num(), dim = (int)r.num();
  if (mode < 0 || mode > 4) throw_range(env, op + ": bad reduction code");
  if (op == "scatter" && mode != 0) op = scatter_mode_name(mode);
  View out = r.view_in(cuda_buf(info, 0, op.c_str())), idx = r.view_in(cuda_buf(info, 1, op.c_str())), src = r.view_in(cuda_buf(info, 2, op.c_str()));
  require_index_dtype(env, op, idx);
  if (out.ndim < 1 || dim < 0 || dim >= out.ndim) throw_range(env, op + ": dimension out of range for input " + shape_str(out));
  if (idx.ndim != out.ndim || src.ndim != out.ndim)
    throw_range(env, op + ": index " + shape_str(idx) + ", input " + shape_str(out) + " and src " + shape_str(src) +
                         " must have the same number of dimensions");
  for (int d = 0; d < out.ndim; ++d)
    if (idx.shape[d] > src.shape[d] || (d != dim && idx.shape[d] > out.shape[d]))
      throw_range(env, op + ": expected index " + shape_str(idx) + " to be no larger than input " + shape_str(out) + " apart from dimension " +
                           std::to_string(dim) + " and no larger than src " + shape_str(src));
  if (out.dtype != src.dtype)
    throw_type(env, op + ": input (" + dtype_name(out.dtype) + ") and src (" + dtype_name(src.dtype) + ") must have the same dtype");
  if (mode != 0 && out.dtype == DType::b8) throw_type(env, op + ": not supported for " + dtype_name(out.dtype) + " tensors");
  check_indices(env, api, op, {idx}, {out.shape[dim]}, {dim}, false);
  nrc_view ov = to_nrc_view(env, out, op), iv = to_nrc_view(env, idx, op), sv = to_nrc_view(env, src, op);
  cuda_check(env, api, api->nrc_scatter(mode, nrc_dtype_of(out.dtype), out.data, &ov, nrc_dtype_of(idx.dtype), idx.data, &iv, src.data, &sv, dim),
             op.c_str());
  return env.Undefined();
}

namespace {

// The k index views (handles first..first+k-1): one dtype, one shape, checked against x's leading dims.
std::vector<View> adv_indices(const Napi::CallbackInfo& info, ArgReader& r, const std::string& op, int k, size_t first) {
  Napi::Env env = info.Env();
  std::vector<View> ix;
  for (int j = 0; j < k; ++j) ix.push_back(r.view_in(cuda_buf(info, first + j, op.c_str())));
  for (int j = 0; j < k; ++j) {
    require_index_dtype(env, op, ix[j]);
    if (ix[j].dtype != ix[0].dtype) throw_type(env, op + ": all index tensors must have the same dtype");
    if (!same_index_shape(ix[j], ix[0])) throw_range(env, op + ": index tensors must be broadcast to one shape");
  }
  return ix;
}

// v must be (B..., x.shape[k:]...)
void require_adv_shape(Napi::Env env, const std::string& op, const View& v, const View& b, const View& x, int k, const char* what) {
  bool ok = v.ndim == b.ndim + x.ndim - k;
  for (int d = 0; ok && d < b.ndim; ++d) ok = v.shape[d] == b.shape[d];
  for (int d = k; ok && d < x.ndim; ++d) ok = v.shape[b.ndim + d - k] == x.shape[d];
  if (!ok) throw_range(env, op + ": " + what + " " + shape_str(v) + " does not match indexing result " + shape_str(b) + " + trailing dims of " + shape_str(x));
}

// Reads k and the dims list; checks k against x later.
int read_k(Napi::Env env, ArgReader& r, const std::string& op) {
  int k = (int)r.num();
  if (k < 1 || k > kMaxDims) throw_range(env, op + ": bad number of index tensors");
  return k;
}

void check_adv(Napi::Env env, const CudaApi* api, const std::string& op, const std::vector<View>& ix, const View& x, int k, const int* dims) {
  std::vector<int64_t> sizes;
  std::vector<int> dv;
  for (int j = 0; j < k; ++j) { sizes.push_back(x.shape[j]); dv.push_back(dims[j]); }
  check_indices(env, api, op, ix, sizes, dv, true);
}

}  // namespace

// cudaIndexGather(out, x, idx_0..idx_{k-1}, [opName]) args: k, dims[k], outView, xView, idxViews
NR_BINDING(cudaIndexGather) {
  std::string op = index_op_name(info, "index");
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, op.c_str());
  ArgReader r(info, op.c_str());
  int k = read_k(env, r, op);
  int dims[kMaxDims];
  for (int j = 0; j < k; ++j) dims[j] = (int)r.num();
  View out = r.view_in(cuda_buf(info, 0, op.c_str())), x = r.view_in(cuda_buf(info, 1, op.c_str()));
  if (k > x.ndim) throw_range(env, op + ": too many indices (" + std::to_string(k) + ") for a tensor of shape " + shape_str(x));
  std::vector<View> ix = adv_indices(info, r, op, k, 2);
  require_adv_shape(env, op, out, ix[0], x, k, "output");
  if (out.dtype != x.dtype) throw_type(env, op + ": output dtype mismatch");
  check_adv(env, api, op, ix, x, k, dims);
  nrc_view ov = to_nrc_view(env, out, op), xv = to_nrc_view(env, x, op);
  std::vector<nrc_view> iv;
  std::vector<const void*> ip;
  for (const View& v : ix) { iv.push_back(to_nrc_view(env, v, op)); ip.push_back(v.data); }
  cuda_check(env, api, api->nrc_index_gather(nrc_dtype_of(x.dtype), out.data, &ov, x.data, &xv, k, nrc_dtype_of(ix[0].dtype), ip.data(), iv.data()),
             op.c_str());
  return env.Undefined();
}

// cudaIndexPut(x, values, idx_0..idx_{k-1}, [opName]) args: k, accumulate, dims[k], xView, valuesView (B..., R...)
// with broadcast strides, idxViews. x is updated in place.
NR_BINDING(cudaIndexPut) {
  std::string op = index_op_name(info, "indexPut_");
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, op.c_str());
  ArgReader r(info, op.c_str());
  int k = read_k(env, r, op);
  bool accumulate = r.num() != 0;
  int dims[kMaxDims];
  for (int j = 0; j < k; ++j) dims[j] = (int)r.num();
  View x = r.view_in(cuda_buf(info, 0, op.c_str())), values = r.view_in(cuda_buf(info, 1, op.c_str()));
  if (k > x.ndim) throw_range(env, op + ": too many indices (" + std::to_string(k) + ") for a tensor of shape " + shape_str(x));
  std::vector<View> ix = adv_indices(info, r, op, k, 2);
  require_adv_shape(env, op, values, ix[0], x, k, "values");
  if (values.dtype != x.dtype)
    throw_type(env, op + ": values (" + dtype_name(values.dtype) + ") and input (" + dtype_name(x.dtype) + ") must have the same dtype");
  if (accumulate && x.dtype == DType::b8) throw_type(env, op + ": accumulate is not supported for " + dtype_name(x.dtype) + " tensors");
  check_adv(env, api, op, ix, x, k, dims);
  nrc_view xv = to_nrc_view(env, x, op), vv = to_nrc_view(env, values, op);
  std::vector<nrc_view> iv;
  std::vector<const void*> ip;
  for (const View& v : ix) { iv.push_back(to_nrc_view(env, v, op)); ip.push_back(v.data); }
  cuda_check(env, api,
             api->nrc_index_put(accumulate ? 1 : 0, nrc_dtype_of(x.dtype), x.data, &xv, values.data, &vv, k, nrc_dtype_of(ix[0].dtype), ip.data(), iv.data()),
             op.c_str());
  return env.Undefined();
}

// cudaNonzeroCount(x) args: xView -> number of non-zero elements (synchronous)
NR_BINDING(cudaNonzeroCount) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, "nonzero");
  ArgReader r(info, "nonzero");
  View x = r.view_in(cuda_buf(info, 0, "nonzero"));
  nrc_view xv = to_nrc_view(env, x, "nonzero");
  int64_t n = 0;
  cuda_check(env, api, api->nrc_count_nonzero(nrc_dtype_of(x.dtype), x.data, &xv, &n), "nonzero");
  return Napi::Number::New(env, (double)n);
}

// cudaNonzero(out, x) args: outView (n, ndim) int64 contiguous, xView
NR_BINDING(cudaNonzero) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, "nonzero");
  ArgReader r(info, "nonzero");
  View out = r.view_in(cuda_buf(info, 0, "nonzero")), x = r.view_in(cuda_buf(info, 1, "nonzero"));
  if (out.dtype != DType::i64 || out.ndim != 2 || out.shape[1] != x.ndim || !out.is_contiguous())
    throw_range(env, "nonzero: output must be a contiguous int64 (n, " + std::to_string(x.ndim) + ") tensor");
  nrc_view xv = to_nrc_view(env, x, "nonzero");
  cuda_check(env, api, api->nrc_nonzero(nrc_dtype_of(x.dtype), x.data, &xv, out.ptr<int64_t>(), out.shape[0]), "nonzero");
  return env.Undefined();
}

}  // namespace nr
