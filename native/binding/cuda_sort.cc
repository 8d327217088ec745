// CUDA bindings of the scan and sort family (cuda/scan.cu, cuda/sort.cu): cumulative sum/product and
// the cumprod gradient, sort/topk (values + int64 indices) and their gradient scatter, and the
// negative-stride copy behind flip. Every view is bounds-checked against its live device allocation;
// the ops take contiguous tensors and a dim, which is split into (outer, n, inner) here.
#include "binding/cuda_common.h"

namespace nr {

namespace {

struct Lines { size_t outer, n, inner; };

int dim_of(Napi::Env env, double d, const View& v, const char* op) {
  if (!(d >= 0 && d < v.ndim) || d != (double)(int)d) throw_range(env, std::string(op) + ": dim out of range for shape " + shape_str(v));
  return (int)d;
}

// (outer, n, inner) of contiguous v around dim d.
Lines lines_of(const View& v, int d) {
  Lines l{1, (size_t)v.shape[d], 1};
  for (int i = 0; i < d; ++i) l.outer *= (size_t)v.shape[i];
  for (int i = d + 1; i < v.ndim; ++i) l.inner *= (size_t)v.shape[i];
  return l;
}

// v is contiguous with ref's shape except size `len` along d (and dtype dt).
bool matches(const View& v, const View& ref, int d, int64_t len, DType dt) {
  if (v.dtype != dt || v.ndim != ref.ndim || !v.is_contiguous()) return false;
  for (int i = 0; i < v.ndim; ++i)
    if (v.shape[i] != (i == d ? len : ref.shape[i])) return false;
  return true;
}

}  // namespace

// cudaScan(out, x), args: num(op: 0 sum, 1 prod), num(dim), num(reverse), view(out), view(x); both contiguous,
// one dtype and shape.
NR_BINDING(cudaScan) {
  Napi::Env env = info.Env();
  ArgReader r(info, "scan");
  double opc = r.num(), dim = r.num();
  int reverse = r.num() != 0;
  const char* op = opc == 0 ? "cumsum" : "cumprod";
  cuda_need(env, opc == 0 || opc == 1, "scan", "bad op code");
  const CudaApi* api = cuda_api_or_throw(env, op);
  View o = r.view_in(cuda_buf(info, 0, op)), x = r.view_in(cuda_buf(info, 1, op));
  int d = dim_of(env, dim, x, op);
  cuda_need(env, x.is_contiguous() && matches(o, x, d, x.shape[d], x.dtype), op, "cuda input and output must be contiguous of one dtype and shape");
  if (x.numel == 0) return env.Undefined();
  Lines l = lines_of(x, d);
  cuda_check(env, api, api->nrc_scan(opc == 0 ? NRCS_SUM : NRCS_PROD, nrc_dtype_of(x.dtype), x.data, o.data, l.outer, l.n, l.inner, reverse), op);
  return env.Undefined();
}

// cudaCumprodBackward(gx, g, x), args: num(dim), views gx, g, x: contiguous float32/float64 of one shape.
NR_BINDING(cudaCumprodBackward) {
  Napi::Env env = info.Env();
  const char* op = "cumprod backward";
  ArgReader r(info, op);
  double dim = r.num();
  const CudaApi* api = cuda_api_or_throw(env, op);
  View gx = r.view_in(cuda_buf(info, 0, op)), g = r.view_in(cuda_buf(info, 1, op)), x = r.view_in(cuda_buf(info, 2, op));
  int d = dim_of(env, dim, x, op);
  cuda_need(env, (x.dtype == DType::f32 || x.dtype == DType::f64) && x.is_contiguous() && matches(g, x, d, x.shape[d], x.dtype) &&
                matches(gx, x, d, x.shape[d], x.dtype), op, "gx, g and x must be contiguous float32/float64 of one shape");
  if (x.numel == 0) return env.Undefined();
  Lines l = lines_of(x, d);
  cuda_check(env, api, api->nrc_cumprod_bwd(nrc_dtype_of(x.dtype), g.data, x.data, gx.data, l.outer, l.n, l.inner), op);
  return env.Undefined();
}

// cudaSort(values, indices, x), args: num(dim), num(keep), num(descending), views values, indices (int64), x; all
// contiguous, values/indices of x's shape with keep along dim (keep = size for a full sort, k for topk).
NR_BINDING(cudaSort) {
  Napi::Env env = info.Env();
  const char* op = "sort";
  ArgReader r(info, op);
  double dim = r.num(), keepd = r.num();
  int desc = r.num() != 0;
  const CudaApi* api = cuda_api_or_throw(env, op);
  View v = r.view_in(cuda_buf(info, 0, op)), ix = r.view_in(cuda_buf(info, 1, op)), x = r.view_in(cuda_buf(info, 2, op));
  int d = dim_of(env, dim, x, op);
  cuda_need(env, keepd >= 0 && keepd <= (double)x.shape[d] && keepd == (double)(int64_t)keepd, op, "k out of range for shape " + shape_str(x));
  int64_t keep = (int64_t)keepd;
  cuda_need(env, x.is_contiguous() && matches(v, x, d, keep, x.dtype) && matches(ix, x, d, keep, DType::i64), op,
            "values and indices must be contiguous, of the input's shape with k along dim (indices int64), input " + shape_str(x));
  cuda_need(env, x.shape[d] < ((int64_t)1 << 31), op, "lines of 2^31 or more elements are not supported on cuda");
  if (v.numel == 0) return env.Undefined();
  Lines l = lines_of(x, d);
  cuda_check(env, api, api->nrc_sort(nrc_dtype_of(x.dtype), x.data, v.data, ix.ptr<int64_t>(), l.outer, l.n, l.inner, (size_t)keep, desc), op);
  return env.Undefined();
}

// cudaScatterLines(dst, src, idx), args: num(dim), views dst (shape with n along dim), src (k along dim, dst's
// dtype), idx (int64, src's shape); all contiguous. dst = zeros with dst[.., idx, ..] = src (the sort gradient).
NR_BINDING(cudaScatterLines) {
  Napi::Env env = info.Env();
  const char* op = "sort backward";
  ArgReader r(info, op);
  double dim = r.num();
  const CudaApi* api = cuda_api_or_throw(env, op);
  View dst = r.view_in(cuda_buf(info, 0, op)), src = r.view_in(cuda_buf(info, 1, op)), idx = r.view_in(cuda_buf(info, 2, op));
  int d = dim_of(env, dim, dst, op);
  cuda_need(env, dst.is_contiguous() && src.ndim == dst.ndim && src.shape[d] <= dst.shape[d] && matches(src, dst, d, src.shape[d], dst.dtype) &&
                matches(idx, dst, d, src.shape[d], DType::i64), op, "gradient views do not match " + shape_str(dst));
  if (dst.numel == 0) return env.Undefined();
  Lines l = lines_of(dst, d);
  cuda_check(env, api, api->nrc_scatter_lines(nrc_dtype_of(dst.dtype), src.data, idx.ptr<int64_t>(), dst.data, l.outer, (size_t)src.shape[d], l.n, l.inner), op);
  return env.Undefined();
}

// cudaCopySigned(dst, src), args: view(dst contiguous), view(src: dst's shape and dtype, any strides incl. negative).
NR_BINDING(cudaCopySigned) {
  Napi::Env env = info.Env();
  const char* op = "flip";
  ArgReader r(info, op);
  const CudaApi* api = cuda_api_or_throw(env, op);
  View dst = r.view_in(cuda_buf(info, 0, op)), src = r.view_in(cuda_buf(info, 1, op));
  cuda_need(env, dst.is_contiguous() && matches(dst, src, 0, src.ndim ? src.shape[0] : 0, src.dtype), op, "output must be contiguous of the input's shape and dtype");
  if (dst.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_copy_signed(nrc_dtype_of(src.dtype), dst.data, src.data, src.ndim, src.shape, src.strides), op);
  return env.Undefined();
}

}  // namespace nr
