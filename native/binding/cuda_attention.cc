// Flash attention bindings with a causal offset, an additive float32 mask and the backward
// (nrc_flash_attn_fwd_ex, nrc_flash_attn_bwd). Every view is bounds-checked against its live device
// allocation (ArgReader::view_in, so a broadcast mask view with stride-0 dims is checked as the view
// it is); shapes, dtypes and layouts are checked here; the launches are asynchronous.
#include <cmath>
#include "binding/cuda_common.h"

namespace nr {

namespace {

const char* kOp = "scaledDotProductAttention";

nrc_dtype half_dt(Napi::Env env, DType t) {
  if (t == DType::bf16) return NRC_BF16;
  if (t == DType::f16) return NRC_F16;
  throw_type(env, std::string(kOp) + ": the flash kernels take bfloat16 or float16");
}

nrc_strides st(const View& t) { return nrc_strides{t.strides[0], t.strides[1], t.strides[2]}; }

bool rank4(const View& t, DType dt) { return t.ndim == 4 && t.strides[3] == 1 && t.dtype == dt; }
bool shape4(const View& t, int64_t a, int64_t b, int64_t c, int64_t d) {
  return t.shape[0] == a && t.shape[1] == b && t.shape[2] == c && t.shape[3] == d;
}

// q (B,H,L,D), k and v (B,H,S,D) of one dtype with a contiguous last dim.
void check_qkv(Napi::Env env, const View& q, const View& k, const View& v) {
  cuda_need(env, rank4(q, q.dtype) && rank4(k, q.dtype) && rank4(v, q.dtype), kOp,
            "flash attention takes 4-D (B, H, N, D) views of one dtype with a contiguous last dim");
  cuda_need(env, shape4(k, q.shape[0], q.shape[1], k.shape[2], q.shape[3]) && shape4(v, q.shape[0], q.shape[1], k.shape[2], q.shape[3]),
            kOp, "query " + shape_str(q) + ", key " + shape_str(k) + " and value " + shape_str(v) + " do not match");
  cuda_need(env, q.shape[0] <= 65535 && q.shape[1] <= 65535 && q.shape[2] < (1LL << 31) && k.shape[2] < (1LL << 31), kOp,
            "too many batches, heads or positions for the flash kernels");
}

// The optional mask: float32 (B,H,L,S) view (stride 0 = broadcast).
nrc_attn_mask mask_arg(Napi::Env env, const OptView& m, const View& q, const View& k) {
  if (!m.on) return nrc_attn_mask{nullptr, 0, 0, 0, 0};
  const View& v = m.v;
  cuda_need(env, v.ndim == 4 && v.dtype == DType::f32 && shape4(v, q.shape[0], q.shape[1], q.shape[2], k.shape[2]), kOp,
            "mask " + shape_str(v) + " must be a float32 view of shape (B, H, L, S) = (" + std::to_string(q.shape[0]) + ", " +
                std::to_string(q.shape[1]) + ", " + std::to_string(q.shape[2]) + ", " + std::to_string(k.shape[2]) + ")");
  return nrc_attn_mask{v.ptr<float>(), v.strides[0], v.strides[1], v.strides[2], v.strides[3]};
}

void check_lse(Napi::Env env, const View& lse, const View& q) {
  cuda_need(env, lse.dtype == DType::f32 && lse.is_contiguous() && lse.numel == q.shape[0] * q.shape[1] * q.shape[2], kOp,
            "lse must be a contiguous float32 (B, H, L) tensor");
}

}  // namespace

// cudaFlashAttnFwdEx(q, k, v, out, lse, mask|0), args: num(scale), num(causal), num(causal offset),
// views q, k, v (see check_qkv), out like q, lse (B,H,L) float32, [mask]. Query i sees keys
// j <= i + offset when causal.
NR_BINDING(cudaFlashAttnFwdEx) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, kOp);
  ArgReader r(info, kOp);
  const float scale = (float)r.num();
  const int causal = r.num() != 0;
  const double off = r.num();
  View q = r.view_in(cuda_buf(info, 0, kOp)), k = r.view_in(cuda_buf(info, 1, kOp));
  View v = r.view_in(cuda_buf(info, 2, kOp)), o = r.view_in(cuda_buf(info, 3, kOp));
  View lse = r.view_in(cuda_buf(info, 4, kOp));
  OptView m = opt_view(info, r, 5, kOp);
  check_qkv(env, q, k, v);
  cuda_need(env, rank4(o, q.dtype) && shape4(o, q.shape[0], q.shape[1], q.shape[2], q.shape[3]), kOp, "output " + shape_str(o) + " does not match the query");
  check_lse(env, lse, q);
  cuda_need(env, std::fabs(off) < 2147483647.0 && off == std::floor(off), kOp, "causal offset must be an int32");
  nrc_attn_mask mk = mask_arg(env, m, q, k);
  if (q.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_flash_attn_fwd_ex(half_dt(env, q.dtype), q.data, st(q), k.data, st(k), v.data, st(v), o.data, st(o),
                                                  lse.ptr<float>(), (int)q.shape[0], (int)q.shape[1], (int)q.shape[2], (int)k.shape[2],
                                                  (int)q.shape[3], scale, causal, (int)off, m.on ? &mk : nullptr), kOp);
  return env.Undefined();
}

// cudaFlashAttnBwd(q, k, v, out, dout, lse, dq, dk, dv, mask|0), args: num(scale), num(causal),
// num(causal offset), the views in that order: out, dout, dq like q; dk, dv like k; lse from the
// forward with the same arguments.
NR_BINDING(cudaFlashAttnBwd) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, kOp);
  ArgReader r(info, kOp);
  const float scale = (float)r.num();
  const int causal = r.num() != 0;
  const double off = r.num();
  View t[9];
  for (int i = 0; i < 9; i++) t[i] = r.view_in(cuda_buf(info, i, kOp));
  const View &q = t[0], &k = t[1], &v = t[2], &o = t[3], &go = t[4], &lse = t[5], &dq = t[6], &dk = t[7], &dv = t[8];
  OptView m = opt_view(info, r, 9, kOp);
  check_qkv(env, q, k, v);
  for (const View* x : {&o, &go, &dq})
    cuda_need(env, rank4(*x, q.dtype) && shape4(*x, q.shape[0], q.shape[1], q.shape[2], q.shape[3]), kOp,
              "output, output gradient and query gradient must match the query " + shape_str(q));
  for (const View* x : {&dk, &dv})
    cuda_need(env, rank4(*x, q.dtype) && shape4(*x, k.shape[0], k.shape[1], k.shape[2], k.shape[3]), kOp,
              "key and value gradients must match the key " + shape_str(k));
  check_lse(env, lse, q);
  cuda_need(env, std::fabs(off) < 2147483647.0 && off == std::floor(off), kOp, "causal offset must be an int32");
  nrc_attn_mask mk = mask_arg(env, m, q, k);
  if (q.numel == 0 && k.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_flash_attn_bwd(half_dt(env, q.dtype), q.data, st(q), k.data, st(k), v.data, st(v), o.data, st(o),
                                               go.data, st(go), lse.ptr<float>(), dq.data, st(dq), dk.data, st(dk), dv.data, st(dv),
                                               (int)q.shape[0], (int)q.shape[1], (int)q.shape[2], (int)k.shape[2], (int)q.shape[3],
                                               scale, causal, (int)off, m.on ? &mk : nullptr), kOp);
  return env.Undefined();
}

}  // namespace nr
