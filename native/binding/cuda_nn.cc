// CUDA layer kernels for JS tensors: layernorm (forward/backward), softmax cross-entropy with the
// logits gradient fused into the forward, embedding (forward/backward), the fused AdamW step and
// flash attention (forward). Same rules as cuda_ops.cc: views bounds-checked against live device
// allocations, layouts and dtypes checked here, the launch is asynchronous.
#include "binding/cuda_common.h"

namespace nr {

namespace {

nrc_dtype float_dt(Napi::Env env, DType t, const char* op) {
  switch (t) {
    case DType::f32: return NRC_F32;
    case DType::f16: return NRC_F16;
    case DType::bf16: return NRC_BF16;
    default: throw_type(env, std::string(op) + ": cuda kernels take float32, float16 or bfloat16");
  }
}

}  // namespace

// cudaLayerNormFwd(x, w|0, b|0, y, mean, rstd), args: num(eps), view(x), [view(w)], [view(b)], view(y),
// view(mean), view(rstd). x, y (rows, C) contiguous of one float dtype; w, b (C) and mean, rstd (rows) float32.
NR_BINDING(cudaLayerNormFwd) {
  Napi::Env env = info.Env();
  const char* op = "layerNorm";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  float eps = (float)r.num();
  View x = r.view_in(cuda_buf(info, 0, op));
  OptView w = opt_view(info, r, 1, op), b = opt_view(info, r, 2, op);
  View y = r.view_in(cuda_buf(info, 3, op)), mean = r.view_in(cuda_buf(info, 4, op)), rstd = r.view_in(cuda_buf(info, 5, op));
  cuda_need(env, x.ndim == 2 && x.is_contiguous() && y.is_contiguous() && x.dtype == y.dtype && x.numel == y.numel, op, "x and y must be contiguous (rows, C) of one dtype");
  int64_t rows = x.shape[0], C = x.shape[1];
  cuda_need(env, (!w.on || (f32_contig(w.v) && w.v.numel == C)) && (!b.on || (f32_contig(b.v) && b.v.numel == C)), op, "weight and bias must be contiguous float32 (C)");
  cuda_need(env, f32_contig(mean) && f32_contig(rstd) && mean.numel == rows && rstd.numel == rows, op, "mean and rstd must be float32 (rows)");
  if (rows == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_layernorm_fwd(float_dt(env, x.dtype, op), x.data, w.on ? w.v.ptr<float>() : nullptr,
                                              b.on ? b.v.ptr<float>() : nullptr, y.data, mean.ptr<float>(), rstd.ptr<float>(),
                                              (size_t)rows, (size_t)C, eps), op);
  return env.Undefined();
}

// cudaLayerNormBwd(dy, x, w|0, mean, rstd, dx, dw, db), args: views in that order (w only when given).
// dw and db (C, float32) are accumulated into: the caller zeroes them.
NR_BINDING(cudaLayerNormBwd) {
  Napi::Env env = info.Env();
  const char* op = "layerNorm backward";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  NormBwdViews v = norm_bwd_views(info, r, 2, op);
  const View &dy = v.dy, &x = v.x, &mean = v.mean, &rstd = v.rstd, &dx = v.dx, &dw = v.dw, &db = v.db;
  const OptView& w = v.w;
  int64_t rows = x.shape[0], C = x.shape[1];
  cuda_need(env, (!w.on || (f32_contig(w.v) && w.v.numel == C)) && f32_contig(dw) && f32_contig(db) && dw.numel == C && db.numel == C, op, "weight, dweight and dbias must be float32 (C)");
  cuda_need(env, f32_contig(mean) && f32_contig(rstd) && mean.numel == rows && rstd.numel == rows, op, "mean and rstd must be float32 (rows)");
  if (rows == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_layernorm_bwd(float_dt(env, x.dtype, op), dy.data, x.data, w.on ? w.v.ptr<float>() : nullptr,
                                              mean.ptr<float>(), rstd.ptr<float>(), dx.data, dw.ptr<float>(), db.ptr<float>(),
                                              (size_t)rows, (size_t)C), op);
  return env.Undefined();
}

// cudaCrossEntropy(logits, targets, losses, dlogits|0), args: num(dlossScale), view(logits (rows, V)),
// view(targets int32 (rows)), view(losses float32 (rows)), [view(dlogits (rows, V))]. Target -100 = ignored;
// other targets outside [0, V) are reported by the next readback.
NR_BINDING(cudaCrossEntropy) {
  Napi::Env env = info.Env();
  const char* op = "crossEntropy";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  float scale = (float)r.num();
  View x = r.view_in(cuda_buf(info, 0, op)), t = r.view_in(cuda_buf(info, 1, op)), l = r.view_in(cuda_buf(info, 2, op));
  OptView d = opt_view(info, r, 3, op);
  cuda_need(env, x.ndim == 2 && x.is_contiguous(), op, "logits must be contiguous (rows, V)");
  int64_t rows = x.shape[0], V = x.shape[1];
  cuda_need(env, t.dtype == DType::i32 && t.is_contiguous() && t.numel == rows && f32_contig(l) && l.numel == rows, op, "targets must be int32 (rows) and losses float32 (rows)");
  cuda_need(env, !d.on || (d.v.dtype == x.dtype && d.v.is_contiguous() && d.v.numel == x.numel), op, "dlogits must match the logits");
  if (rows == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_cross_entropy(float_dt(env, x.dtype, op), x.data, t.ptr<int32_t>(), l.ptr<float>(),
                                              d.on ? d.v.data : nullptr, scale, (size_t)rows, (size_t)V), op);
  return env.Undefined();
}

// cudaEmbeddingFwd(table, idx, out), args: view(table (V, C)), view(idx int32 (n)), view(out (n, C)).
NR_BINDING(cudaEmbeddingFwd) {
  Napi::Env env = info.Env();
  const char* op = "embedding";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  View tb = r.view_in(cuda_buf(info, 0, op)), idx = r.view_in(cuda_buf(info, 1, op)), out = r.view_in(cuda_buf(info, 2, op));
  cuda_need(env, tb.ndim == 2 && tb.is_contiguous() && idx.dtype == DType::i32 && idx.is_contiguous() && out.is_contiguous() &&
                out.dtype == tb.dtype && out.numel == idx.numel * tb.shape[1], op, "expected table (V, C), int32 ids (n) and out (n, C), contiguous");
  if (out.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_embedding_fwd(float_dt(env, tb.dtype, op), tb.data, idx.ptr<int32_t>(), out.data, (size_t)idx.numel,
                                              (size_t)tb.shape[0], (size_t)tb.shape[1]), op);
  return env.Undefined();
}

// cudaEmbeddingBwd(dout, idx, dtable), args: view(dout (n, C)), view(idx int32 (n)), view(dtable float32 (V, C)),
// dtable accumulated into (the caller zeroes it).
NR_BINDING(cudaEmbeddingBwd) {
  Napi::Env env = info.Env();
  const char* op = "embedding backward";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  View g = r.view_in(cuda_buf(info, 0, op)), idx = r.view_in(cuda_buf(info, 1, op)), dt = r.view_in(cuda_buf(info, 2, op));
  cuda_need(env, dt.ndim == 2 && f32_contig(dt) && idx.dtype == DType::i32 && idx.is_contiguous() && g.is_contiguous() && g.numel == idx.numel * dt.shape[1],
       op, "expected dout (n, C), int32 ids (n) and a float32 table gradient (V, C), contiguous");
  if (g.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_embedding_bwd(float_dt(env, g.dtype, op), g.data, idx.ptr<int32_t>(), dt.ptr<float>(), (size_t)idx.numel,
                                              (size_t)dt.shape[0], (size_t)dt.shape[1]), op);
  return env.Undefined();
}

// cudaAdamW(param, grad, m, v), args: nums lr, beta1, beta2, eps, weightDecay, step, gradScale, then views
// param, grad, m, v (param/m/v contiguous float32, grad contiguous float of the same size).
NR_BINDING(cudaAdamW) {
  Napi::Env env = info.Env();
  const char* op = "AdamW";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  float lr = (float)r.num(), b1 = (float)r.num(), b2 = (float)r.num(), eps = (float)r.num(), wd = (float)r.num();
  double step = r.num();
  float gs = (float)r.num();
  View p = r.view_in(cuda_buf(info, 0, op)), g = r.view_in(cuda_buf(info, 1, op));
  View m = r.view_in(cuda_buf(info, 2, op)), v = r.view_in(cuda_buf(info, 3, op));
  cuda_need(env, f32_contig(p) && f32_contig(m) && f32_contig(v) && g.is_contiguous() && g.numel == p.numel && m.numel == p.numel && v.numel == p.numel,
       op, "cuda parameters, exp_avg and exp_avg_sq must be contiguous float32 of the gradient's size");
  cuda_need(env, step >= 1 && step <= 2147483647.0 && step == (double)(int)step, op, "bad step count");
  if (p.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_adamw(p.ptr<float>(), g.data, float_dt(env, g.dtype, op), m.ptr<float>(), v.ptr<float>(), (size_t)p.numel,
                                      lr, b1, b2, eps, wd, (int)step, gs, nullptr, NRC_F32), op);
  return env.Undefined();
}

// cudaFlashAttnFwd(q, k, v, out), args: num(scale), num(causal), views q (B,H,Nq,D), k, v (B,H,Nk,D),
// out (B,H,Nq,D) with a contiguous last dim (any batch/head/sequence strides); bf16/fp16, D 64 or 128.
NR_BINDING(cudaFlashAttnFwd) {
  Napi::Env env = info.Env();
  const char* op = "scaledDotProductAttention";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  float scale = (float)r.num();
  int causal = r.num() != 0;
  View q = r.view_in(cuda_buf(info, 0, op)), k = r.view_in(cuda_buf(info, 1, op));
  View v = r.view_in(cuda_buf(info, 2, op)), o = r.view_in(cuda_buf(info, 3, op));
  auto ok4 = [&](const View& t) { return t.ndim == 4 && t.strides[3] == 1 && t.dtype == q.dtype; };
  cuda_need(env, ok4(q) && ok4(k) && ok4(v) && ok4(o), op, "flash attention takes 4-D (B, H, N, D) views of one dtype with a contiguous last dim");
  cuda_need(env, k.shape[0] == q.shape[0] && v.shape[0] == q.shape[0] && k.shape[1] == q.shape[1] && v.shape[1] == q.shape[1] &&
                k.shape[2] == v.shape[2] && k.shape[3] == q.shape[3] && v.shape[3] == q.shape[3] &&
                o.shape[0] == q.shape[0] && o.shape[1] == q.shape[1] && o.shape[2] == q.shape[2] && o.shape[3] == q.shape[3],
       op, "query, key, value and output shapes do not match");
  auto st = [](const View& t) { return nrc_strides{t.strides[0], t.strides[1], t.strides[2]}; };
  if (q.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_flash_attn_fwd(float_dt(env, q.dtype, op), q.data, st(q), k.data, st(k), v.data, st(v), o.data, st(o),
                                               nullptr, (int)q.shape[0], (int)q.shape[1], (int)q.shape[2], (int)k.shape[2],
                                               (int)q.shape[3], scale, causal), op);
  return env.Undefined();
}

}  // namespace nr
