// CUDA kernels for the CNN/optimizer side of JS tensors: row reductions and arg-reductions, the
// fused SGD step, batch norm and RMSNorm (forward/backward), 2-D pooling and implicit-GEMM 2-D
// convolution (forward, backward data, backward filter). Argument layouts follow the CPU bindings
// (pool2d and conv geometry blocks are the same), views are bounds-checked against live device
// allocations, launches are asynchronous.
#include "binding/cuda_common.h"

namespace nr {

namespace {

int geo_int(Napi::Env env, double v, const char* op) {
  if (!(v >= 0 && v <= 2147483647.0) || v != (double)(int)v) throw_range(env, std::string(op) + ": geometry value out of range");
  return (int)v;
}
}  // namespace

// cudaReduceRows(out, x), args: num(op: nrc_reduce_op), num(cols), view(out (rows)), view(x (rows*cols) contiguous).
NR_BINDING(cudaReduceRows) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, "reduce");
  ArgReader r(info, "reduce");
  int64_t op = r.i64(), cols = r.i64();
  View o = r.view_in(cuda_buf(info, 0, "reduce")), x = r.view_in(cuda_buf(info, 1, "reduce"));
  cuda_need(env, op >= 0 && op <= NRCR_SUMSQ, "reduce", "unknown op code");
  cuda_need(env, o.is_contiguous() && x.is_contiguous() && cols >= 0 && (cols ? x.numel % cols == 0 && o.numel == x.numel / cols : x.numel == 0),
       "reduce", "row reduction sizes do not match");
  if (o.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_reduce_rows((nrc_reduce_op)op, nrc_dtype_of(x.dtype), x.data, nrc_dtype_of(o.dtype), o.data, (size_t)o.numel, (size_t)cols), "reduce");
  return env.Undefined();
}

// cudaArgReduceRows(out, x), args: num(isMax), num(cols), view(out int64 (rows)), view(x contiguous).
NR_BINDING(cudaArgReduceRows) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, "argmax");
  ArgReader r(info, "argmax");
  int is_max = r.num() != 0;
  int64_t cols = r.i64();
  View o = r.view_in(cuda_buf(info, 0, "argmax")), x = r.view_in(cuda_buf(info, 1, "argmax"));
  cuda_need(env, o.dtype == DType::i64 && o.is_contiguous() && x.is_contiguous() && cols > 0 && x.numel % cols == 0 && o.numel == x.numel / cols,
       is_max ? "argmax" : "argmin", "sizes do not match (or an empty dim)");
  if (o.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_argreduce_rows(is_max, nrc_dtype_of(x.dtype), x.data, o.ptr<int64_t>(), (size_t)o.numel, (size_t)cols), is_max ? "argmax" : "argmin");
  return env.Undefined();
}

// cudaSgd(param, grad, buf|0), args: nums lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep,
// gradScale, then views param (float32), grad, [buf (float32)], all contiguous of one size.
NR_BINDING(cudaSgd) {
  Napi::Env env = info.Env();
  const char* op = "SGD";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  float lr = (float)r.num(), mom = (float)r.num(), damp = (float)r.num(), wd = (float)r.num();
  int nesterov = r.num() != 0, maximize = r.num() != 0, first = r.num() != 0;
  float gs = (float)r.num();
  View p = r.view_in(cuda_buf(info, 0, op)), g = r.view_in(cuda_buf(info, 1, op));
  OptView b = opt_view(info, r, 2, op);
  cuda_need(env, f32_contig(p) && g.is_contiguous() && g.numel == p.numel && (!b.on || (f32_contig(b.v) && b.v.numel == p.numel)) && (b.on || mom == 0.f),
       op, "cuda parameters and momentum buffers must be contiguous float32 of the gradient's size");
  if (p.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_sgd(p.ptr<float>(), g.data, nrc_dtype_of(g.dtype), opt_f32(b), (size_t)p.numel, lr, mom, damp, wd, nesterov, maximize, first, gs), op);
  return env.Undefined();
}

// cudaBatchNormFwd(x, w|0, b|0, y, mean, rstd, runMean|0, runVar|0), args: nums training, eps, momentum, then
// views x (N, C, S), [w], [b], y, mean (C), rstd (C), [runMean], [runVar]; float32 except x and y.
NR_BINDING(cudaBatchNormFwd) {
  Napi::Env env = info.Env();
  const char* op = "batchNorm";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  int training = r.num() != 0;
  float eps = (float)r.num(), mom = (float)r.num();
  View x = r.view_in(cuda_buf(info, 0, op));
  OptView w = opt_view(info, r, 1, op), b = opt_view(info, r, 2, op);
  View y = r.view_in(cuda_buf(info, 3, op)), mean = r.view_in(cuda_buf(info, 4, op)), rstd = r.view_in(cuda_buf(info, 5, op));
  OptView rm = opt_view(info, r, 6, op), rv = opt_view(info, r, 7, op);
  cuda_need(env, x.ndim == 3 && x.is_contiguous() && y.is_contiguous() && y.dtype == x.dtype && y.numel == x.numel, op, "x and y must be contiguous (N, C, S) of one dtype");
  int64_t C = x.shape[1];
  for (const OptView* o : {&w, &b, &rm, &rv}) cuda_need(env, !o->on || (f32_contig(o->v) && o->v.numel == C), op, "weight, bias and running stats must be float32 (C)");
  cuda_need(env, f32_contig(mean) && f32_contig(rstd) && mean.numel == C && rstd.numel == C, op, "mean and rstd must be float32 (C)");
  cuda_need(env, training || (rm.on && rv.on), op, "eval mode needs the running statistics");
  if (x.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_batchnorm_fwd(nrc_dtype_of(x.dtype), x.data, opt_f32(w), opt_f32(b), y.data, mean.ptr<float>(), rstd.ptr<float>(), opt_f32(rm), opt_f32(rv),
                                              (size_t)x.shape[0], (size_t)C, (size_t)x.shape[2], eps, mom, training), op);
  return env.Undefined();
}

// cudaBatchNormBwd(dy, x, w|0, mean, rstd, dx, dw, db), args: views in that order; dw, db float32 (C), overwritten.
NR_BINDING(cudaBatchNormBwd) {
  Napi::Env env = info.Env();
  const char* op = "batchNorm backward";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  NormBwdViews v = norm_bwd_views(info, r, 3, op);
  const View &dy = v.dy, &x = v.x, &mean = v.mean, &rstd = v.rstd, &dx = v.dx, &dw = v.dw, &db = v.db;
  const OptView& w = v.w;
  int64_t C = x.shape[1];
  cuda_need(env, (!w.on || (f32_contig(w.v) && w.v.numel == C)) && f32_contig(mean) && f32_contig(rstd) && f32_contig(dw) && f32_contig(db) && mean.numel == C && rstd.numel == C &&
                dw.numel == C && db.numel == C, op, "weight, saved stats and parameter gradients must be float32 (C)");
  if (x.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_batchnorm_bwd(nrc_dtype_of(x.dtype), dy.data, x.data, opt_f32(w), mean.ptr<float>(), rstd.ptr<float>(), dx.data,
                                              dw.ptr<float>(), db.ptr<float>(), (size_t)x.shape[0], (size_t)C, (size_t)x.shape[2]), op);
  return env.Undefined();
}

// cudaRmsNormFwd(x, w|0, y, rstd), args: num(eps), views x (rows, C), [w float32 (C)], y, rstd float32 (rows).
NR_BINDING(cudaRmsNormFwd) {
  Napi::Env env = info.Env();
  const char* op = "rmsNorm";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  float eps = (float)r.num();
  View x = r.view_in(cuda_buf(info, 0, op));
  OptView w = opt_view(info, r, 1, op);
  View y = r.view_in(cuda_buf(info, 2, op)), rs = r.view_in(cuda_buf(info, 3, op));
  cuda_need(env, x.ndim == 2 && x.is_contiguous() && y.is_contiguous() && y.dtype == x.dtype && y.numel == x.numel, op, "x and y must be contiguous (rows, C)");
  cuda_need(env, (!w.on || (f32_contig(w.v) && w.v.numel == x.shape[1])) && f32_contig(rs) && rs.numel == x.shape[0], op, "weight (C) and rstd (rows) must be float32");
  if (x.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_rmsnorm_fwd(nrc_dtype_of(x.dtype), x.data, opt_f32(w), y.data, rs.ptr<float>(), (size_t)x.shape[0], (size_t)x.shape[1], eps), op);
  return env.Undefined();
}

// cudaRmsNormBwd(dy, x, w|0, rstd, dx, dw), args: views in that order; dw float32 (C) accumulated into.
NR_BINDING(cudaRmsNormBwd) {
  Napi::Env env = info.Env();
  const char* op = "rmsNorm backward";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  View dy = r.view_in(cuda_buf(info, 0, op)), x = r.view_in(cuda_buf(info, 1, op));
  OptView w = opt_view(info, r, 2, op);
  View rs = r.view_in(cuda_buf(info, 3, op)), dx = r.view_in(cuda_buf(info, 4, op)), dw = r.view_in(cuda_buf(info, 5, op));
  cuda_need(env, x.ndim == 2 && x.is_contiguous() && dy.is_contiguous() && dx.is_contiguous() && dy.dtype == x.dtype && dx.dtype == x.dtype &&
                dy.numel == x.numel && dx.numel == x.numel, op, "dy, x and dx must be contiguous (rows, C) of one dtype");
  cuda_need(env, (!w.on || (f32_contig(w.v) && w.v.numel == x.shape[1])) && f32_contig(rs) && rs.numel == x.shape[0] && f32_contig(dw) && dw.numel == x.shape[1],
       op, "weight, rstd and dweight must be float32");
  if (x.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_rmsnorm_bwd(nrc_dtype_of(x.dtype), dy.data, x.data, opt_f32(w), rs.ptr<float>(), dx.data, dw.ptr<float>(),
                                            (size_t)x.shape[0], (size_t)x.shape[1]), op);
  return env.Undefined();
}

// cudaPool2d(big, small, idx|0), args: num(kind: 0 max fwd, 1 max bwd, 2 avg fwd, 3 avg bwd), geometry
// [n, H, W, P, Q, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad, divisor] (n = N*C planes), view(big (n, H, W)),
// view(small (n, P, Q)), [view(idx int64 (n, P, Q))]. Forward reads big and writes small; backward the reverse.
NR_BINDING(cudaPool2d) {
  Napi::Env env = info.Env();
  const char* op = "pool2d";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  int kind = geo_int(env, r.num(), op);
  int g[15];
  for (int& v : g) v = geo_int(env, r.num(), op);
  View big = r.view_in(cuda_buf(info, 0, op)), small = r.view_in(cuda_buf(info, 1, op));
  OptView idx = opt_view(info, r, 2, op);
  const int n = g[0], H = g[1], W = g[2], P = g[3], Q = g[4];
  cuda_need(env, kind <= 3 && big.is_contiguous() && small.is_contiguous() && big.dtype == small.dtype && big.numel == (int64_t)n * H * W &&
                small.numel == (int64_t)n * P * Q && (kind > 1 || (idx.on && idx.v.dtype == DType::i64 && idx.v.is_contiguous() && idx.v.numel == small.numel)),
       op, "pooling views do not match the geometry");
  if (big.numel == 0 || small.numel == 0) return env.Undefined();
  nrc_dtype dt = nrc_dtype_of(big.dtype);
  nrc_status s;
  if (kind == 0) s = api->nrc_maxpool2d_fwd(dt, big.data, small.data, idx.v.ptr<int64_t>(), 1, n, H, W, P, Q, g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12]);
  else if (kind == 1) s = api->nrc_maxpool2d_bwd(dt, small.data, idx.v.ptr<int64_t>(), big.data, 1, n, H, W, P, Q);
  else if (kind == 2) s = api->nrc_avgpool2d_fwd(dt, big.data, small.data, 1, n, H, W, P, Q, g[5], g[6], g[7], g[8], g[9], g[10], g[13], g[14]);
  else s = api->nrc_avgpool2d_bwd(dt, small.data, big.data, 1, n, H, W, P, Q, g[5], g[6], g[7], g[8], g[9], g[10], g[13], g[14]);
  cuda_check(env, api, s, kind < 2 ? "maxPool2d" : "avgPool2d");
  return env.Undefined();
}

// cudaConv2d(a, b, out, bias|0), args: num(which: 0 forward (x, w -> y), 1 backward data (dy, w -> dx),
// 2 backward filter (x, dy -> dw)), num(allowTf32), geometry [N, C, H, W, K, R, S, P, Q, sh, sw, ph, pw, dh, dw,
// groups], views a, b, out, [bias float32 (K): forward bias or backward-filter dbias].
NR_BINDING(cudaConv2d) {
  Napi::Env env = info.Env();
  const char* op = "conv2d";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  int which = geo_int(env, r.num(), op), tf32 = r.num() != 0;
  nrc_conv2d_geom g;
  int* f = &g.N;
  for (int i = 0; i < 16; i++) f[i] = geo_int(env, r.num(), op);
  View a = r.view_in(cuda_buf(info, 0, op)), b = r.view_in(cuda_buf(info, 1, op)), o = r.view_in(cuda_buf(info, 2, op));
  OptView bias = opt_view(info, r, 3, op);
  int64_t nx = (int64_t)g.N * g.C * g.H * g.W, nw = (int64_t)g.K * (g.groups ? g.C / g.groups : 0) * g.R * g.S, ny = (int64_t)g.N * g.K * g.P * g.Q;
  int64_t na = which == 1 ? ny : nx, nb = which == 2 ? ny : nw, no = which == 0 ? ny : which == 1 ? nx : nw;
  cuda_need(env, which <= 2 && a.is_contiguous() && b.is_contiguous() && o.is_contiguous() && a.dtype == b.dtype && a.dtype == o.dtype &&
                a.numel == na && b.numel == nb && o.numel == no && (!bias.on || (f32_contig(bias.v) && bias.v.numel == g.K)),
       op, "convolution views do not match the geometry");
  nrc_dtype dt = nrc_dtype_of(a.dtype);
  nrc_status s = which == 0 ? api->nrc_conv2d_fwd(dt, &g, a.data, b.data, opt_f32(bias), o.data, tf32)
               : which == 1 ? api->nrc_conv2d_bwd_data(dt, &g, a.data, b.data, o.data, tf32)
                            : api->nrc_conv2d_bwd_filter(dt, &g, a.data, b.data, o.data, opt_f32(bias), tf32);
  cuda_check(env, api, s, op);
  return env.Undefined();
}

}  // namespace nr
