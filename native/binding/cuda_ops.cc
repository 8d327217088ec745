// CUDA kernels for JS tensors: each binding reads its views from the argument block against the
// device allocations it was given (bounds-checked like host views), checks what the library kernel
// needs (dtype, contiguity, sizes) and launches it on the library's stream. Nothing here waits for
// the GPU; errors raised inside kernels surface at the next readback (nrc_sync).
#include "binding/cuda_common.h"
#include <climits>

namespace nr {

namespace {

bool is_float16ish(DType t) { return t == DType::f32 || t == DType::f16 || t == DType::bf16; }

void same_shape(Napi::Env env, const View& a, const View& b, const char* op) {
  bool ok = a.ndim == b.ndim;
  for (int d = 0; ok && d < a.ndim; ++d) ok = a.shape[d] == b.shape[d];
  if (!ok) throw_range(env, std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) + " differ");
}

int as_int(Napi::Env env, int64_t x, const char* op) {
  if (x < 0 || x > INT_MAX) throw_range(env, std::string(op) + ": dimension " + std::to_string(x) + " is too large for the CUDA GEMM");
  return (int)x;
}
}  // namespace

// cudaCopy(dst, src), args: view(dst), view(src broadcast to dst's shape): converts dtype as it copies.
NR_BINDING(cudaCopy) {
  Napi::Env env = info.Env();
  const CudaApi* a = cuda_api_or_throw(env, "copy_");
  ArgReader r(info, "copy_");
  View d = r.view_in(cuda_buf(info, 0, "copy_"));
  View s = r.view_in(cuda_buf(info, 1, "copy_"));
  same_shape(env, d, s, "copy_");
  nrc_view dv = to_nrc_view(env, d, "copy_"), sv = to_nrc_view(env, s, "copy_");
  cuda_check(env, a, a->nrc_copy_strided(nrc_dtype_of(d.dtype), d.data, &dv, nrc_dtype_of(s.dtype), s.data, &sv), "copy_");
  return env.Undefined();
}

// cudaBinary(out, a, b), args: num(ext), num(op), num(alpha), num(beta), view(out), view(a), view(b), with a
// and b of one dtype broadcast to out's shape. ext 0: nrc_binary_op (add..pow), out of the operands' dtype;
// ext 1: nrc_binary_ext_op (activation backward, comparisons, logical, rounding division), out of the
// operands' dtype or bool.
NR_BINDING(cudaBinary) {
  Napi::Env env = info.Env();
  ArgReader r(info, "binary");
  bool ext = r.num() != 0;
  int64_t op = r.i64();
  float al = (float)r.num(), be = (float)r.num();
  const CudaApi* api = cuda_api_or_throw(env, "binary");
  View o = r.view_in(cuda_buf(info, 0, "binary"));
  View x = r.view_in(cuda_buf(info, 1, "binary"));
  View y = r.view_in(cuda_buf(info, 2, "binary"));
  same_shape(env, o, x, "binary");
  same_shape(env, o, y, "binary");
  if (x.dtype != y.dtype || (!ext && o.dtype != x.dtype)) throw_type(env, "binary: operands must share one dtype (and the output's) on cuda");
  if (op < 0 || op > (ext ? (int64_t)NRCB_FLOOR_DIVIDE : (int64_t)NRC_POW)) throw_range(env, "binary: unknown op code");
  nrc_view ov = to_nrc_view(env, o, "binary"), xv = to_nrc_view(env, x, "binary"), yv = to_nrc_view(env, y, "binary");
  nrc_status s = ext ? api->nrc_binary_ext((nrc_binary_ext_op)op, nrc_dtype_of(x.dtype), nrc_dtype_of(o.dtype), o.data, &ov, x.data, &xv, y.data, &yv, al, be)
                     : api->nrc_binary_strided((nrc_binary_op)op, nrc_dtype_of(o.dtype), o.data, &ov, x.data, &xv, y.data, &yv);
  cuda_check(env, api, s, "binary");
  return env.Undefined();
}

// cudaUnary(out, x), args: num(op: nrc_unary_ext_op), num(a), num(b), view(out), view(x) (same shape;
// out of x's dtype, or bool for the predicates).
NR_BINDING(cudaUnary) {
  Napi::Env env = info.Env();
  ArgReader r(info, "unary");
  int64_t op = r.i64();
  float a = (float)r.num(), b = (float)r.num();
  const CudaApi* api = cuda_api_or_throw(env, "unary");
  View o = r.view_in(cuda_buf(info, 0, "unary"));
  View x = r.view_in(cuda_buf(info, 1, "unary"));
  same_shape(env, o, x, "unary");
  if (op < 0 || op > NRCU_LOGICAL_NOT) throw_range(env, "unary: unknown op code");
  cuda_need(env, o.dtype == (op >= NRCU_ISNAN ? DType::b8 : x.dtype), "unary", "output dtype must be the input's (bool for predicates)");
  nrc_view ov = to_nrc_view(env, o, "unary"), xv = to_nrc_view(env, x, "unary");
  cuda_check(env, api, api->nrc_unary_strided((nrc_unary_ext_op)op, nrc_dtype_of(x.dtype), o.data, &ov, x.data, &xv, a, b), "unary");
  return env.Undefined();
}

// cudaWhere(out, cond, a, b), args: view(out), view(cond: bool), view(a), view(b), all broadcast to out's shape.
NR_BINDING(cudaWhere) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, "where");
  ArgReader r(info, "where");
  View o = r.view_in(cuda_buf(info, 0, "where")), c = r.view_in(cuda_buf(info, 1, "where"));
  View x = r.view_in(cuda_buf(info, 2, "where")), y = r.view_in(cuda_buf(info, 3, "where"));
  same_shape(env, o, c, "where");
  same_shape(env, o, x, "where");
  same_shape(env, o, y, "where");
  if (c.dtype != DType::b8 || x.dtype != o.dtype || y.dtype != o.dtype) throw_type(env, "where: expected a bool condition and values of the output dtype");
  nrc_view ov = to_nrc_view(env, o, "where"), cv = to_nrc_view(env, c, "where"), xv = to_nrc_view(env, x, "where"), yv = to_nrc_view(env, y, "where");
  cuda_check(env, api, api->nrc_where_strided(nrc_dtype_of(o.dtype), o.data, &ov, c.data, &cv, x.data, &xv, y.data, &yv), "where");
  return env.Undefined();
}

// cudaDropout(x, y, mask), args: num(p), num(seedLo), num(seedHi), num(offset), view(x), view(y), view(mask: uint8);
// all contiguous with one element count; x and y of one float dtype.
NR_BINDING(cudaDropout) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, "dropout");
  ArgReader r(info, "dropout");
  float p = (float)r.num();
  uint64_t lo = (uint64_t)r.num(), hi = (uint64_t)r.num(), off = (uint64_t)r.num();
  View x = r.view_in(cuda_buf(info, 0, "dropout")), y = r.view_in(cuda_buf(info, 1, "dropout")), m = r.view_in(cuda_buf(info, 2, "dropout"));
  if (!x.is_contiguous() || !y.is_contiguous() || !m.is_contiguous() || x.numel != y.numel || m.numel != x.numel ||
      x.dtype != y.dtype || m.dtype != DType::u8 || !is_float16ish(x.dtype))
    throw_error(env, "dropout: expected contiguous float32/float16/bfloat16 x and y and a uint8 mask of one size");
  if (!(p >= 0.f && p < 1.f)) throw_range(env, "dropout: p must be in [0, 1)");
  if (x.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_dropout(nrc_dtype_of(x.dtype), x.data, y.data, m.ptr<uint8_t>(), (size_t)x.numel, p, lo | (hi << 32), off), "dropout");
  return env.Undefined();
}

// cudaFillFloat(dst), args: num(value), view(dst: contiguous float32/float16/bfloat16): the library's fill
// kernel, queued on the stream (no host round trip).
NR_BINDING(cudaFillFloat) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, "fill_");
  ArgReader r(info, "fill_");
  float value = (float)r.num();
  View d = r.view_in(cuda_buf(info, 0, "fill_"));
  cuda_need(env, d.is_contiguous() && is_float16ish(d.dtype), "fill_", "the device fill takes contiguous float32/float16/bfloat16 memory");
  if (d.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_fill(nrc_dtype_of(d.dtype), d.data, (size_t)d.numel, value), "fill_");
  return env.Undefined();
}

// cudaGemm(A, B, C), args: view(op(A): (M,K)), view(op(B): (K,N)), view(C: (M,N)), alpha, beta,
// allowTf32. A and B may be transposed views (unit stride in either dim); C must be row-major.
NR_BINDING(cudaGemm) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, "matmul");
  ArgReader r(info, "matmul");
  View A = r.view_in(cuda_buf(info, 0, "matmul"));
  View B = r.view_in(cuda_buf(info, 1, "matmul"));
  View C = r.view_in(cuda_buf(info, 2, "matmul"));
  float alpha = (float)r.num(), beta = (float)r.num();
  int tf32 = r.num() != 0;
  if (A.ndim != 2 || B.ndim != 2 || C.ndim != 2 || A.shape[1] != B.shape[0] || C.shape[0] != A.shape[0] || C.shape[1] != B.shape[1])
    throw_range(env, "matmul: cuda GEMM shapes " + shape_str(A) + " @ " + shape_str(B) + " -> " + shape_str(C) + " do not match");
  if (A.dtype != B.dtype || A.dtype != C.dtype || !is_float16ish(A.dtype))
    throw_type(env, "matmul: cuda GEMM takes float32, float16 or bfloat16 operands of one dtype");
  int M = as_int(env, C.shape[0], "matmul"), N = as_int(env, C.shape[1], "matmul"), K = as_int(env, A.shape[1], "matmul");
  // (rows, cols) view -> trans flag and leading dimension of its storage: row-major when the column
  // stride is 1 (ld = row stride), column-major when the row stride is 1 (ld = column stride). A dim of
  // size 1 takes the dense value; any other layout (e.g. expanded, ld < the dense size) is refused.
  auto layout = [&](const View& v, int* trans, int* ld) {
    int64_t rows = v.shape[0], cols = v.shape[1];
    int64_t rs = rows <= 1 ? cols : v.strides[0], cs = cols <= 1 ? 1 : v.strides[1];
    if (cs == 1 && rs >= cols) { *trans = 0; *ld = as_int(env, rs < 1 ? 1 : rs, "matmul"); return; }
    int64_t rs2 = rows <= 1 ? 1 : v.strides[0], cs2 = cols <= 1 ? rows : v.strides[1];
    if (rs2 == 1 && cs2 >= rows) { *trans = 1; *ld = as_int(env, cs2 < 1 ? 1 : cs2, "matmul"); return; }
    throw_error(env, "matmul: cuda GEMM operand " + shape_str(v) + " is neither row- nor column-major (make it contiguous)");
  };
  int ta, tb, tc, lda, ldb, ldc;
  layout(A, &ta, &lda);
  layout(B, &tb, &ldb);
  layout(C, &tc, &ldc);
  if (tc) throw_error(env, "matmul: the cuda GEMM output must be row-major");
  if (M == 0 || N == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_gemm(nrc_dtype_of(C.dtype), ta, tb, M, N, K, alpha, A.data, lda, B.data, ldb, beta, C.data, ldc, tf32), "matmul");
  return env.Undefined();
}

// cudaSoftmax(out, x), args: view(out), view(x): contiguous, same float dtype, over the last dim.
NR_BINDING(cudaSoftmax) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, "softmax");
  ArgReader r(info, "softmax");
  View o = r.view_in(cuda_buf(info, 0, "softmax"));
  View x = r.view_in(cuda_buf(info, 1, "softmax"));
  same_shape(env, o, x, "softmax");
  if (x.dtype != o.dtype || !is_float16ish(o.dtype)) throw_type(env, "softmax: cuda kernels take float32, float16 or bfloat16");
  if (!o.is_contiguous() || !x.is_contiguous()) throw_error(env, "softmax: cuda views must be contiguous");
  if (o.numel == 0) return env.Undefined();
  size_t cols = o.ndim ? (size_t)o.shape[o.ndim - 1] : 1;
  cuda_check(env, api, api->nrc_softmax(nrc_dtype_of(o.dtype), x.data, o.data, (size_t)o.numel / cols, cols), "softmax");
  return env.Undefined();
}

// cudaSumRows(out, x), args: num(cols), view(out: float32 rows), view(x: contiguous rows*cols).
NR_BINDING(cudaSumRows) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, "sum");
  ArgReader r(info, "sum");
  int64_t cols = r.i64();
  View o = r.view_in(cuda_buf(info, 0, "sum"));
  View x = r.view_in(cuda_buf(info, 1, "sum"));
  if (o.dtype != DType::f32 || !o.is_contiguous() || !x.is_contiguous() || !is_float16ish(x.dtype))
    throw_type(env, "sum: the cuda row sum takes a contiguous float32/float16/bfloat16 input and a float32 output");
  if (cols < 1 || x.numel % cols != 0 || o.numel != x.numel / cols) throw_range(env, "sum: row sum sizes do not match");
  if (o.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_sum_rows(nrc_dtype_of(x.dtype), x.data, o.ptr<float>(), (size_t)o.numel, (size_t)cols), "sum");
  return env.Undefined();
}

}  // namespace nr
