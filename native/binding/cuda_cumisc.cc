// CUDA bindings of the cumisc kernels: cross-entropy with weights / label smoothing / any ignore index
// and NLL (forward, backward), the Adam (amsgrad, L2), RMSprop and Adagrad steps, adaptive average
// pooling and typed fills. Same rules as cuda_nn.cc: every view bounds-checked against its live
// device allocation, layouts, dtypes and sizes checked here; launches are asynchronous. Target
// indices stay on the device: out-of-range targets are clamp-and-flagged by the kernels (reported at
// the next synchronising call), never read or written out of bounds.
#include <cmath>
#include <cstring>
#include "binding/cuda_common.h"
#include "nr/kernels/copy.h"

namespace nr {

namespace {

nrc_dtype float4_dt(Napi::Env env, DType t, const char* op) {
  switch (t) {
    case DType::f32: return NRC_F32;
    case DType::f16: return NRC_F16;
    case DType::bf16: return NRC_BF16;
    case DType::f64: return NRC_F64;
    default: throw_type(env, std::string(op) + ": cuda kernels take float32, float16, bfloat16 or float64");
  }
}
nrc_dtype grad_dt(Napi::Env env, DType t, const char* op) {
  if (t == DType::f64) throw_type(env, std::string(op) + ": cuda gradients must be float32, float16 or bfloat16");
  return float4_dt(env, t, op);
}
DType acc_of(DType t) { return t == DType::f64 ? DType::f64 : DType::f32; }
bool acc_vec(const View& v, DType acc, int64_t n) { return v.dtype == acc && v.is_contiguous() && v.numel == n; }
int64_t index_arg(Napi::Env env, double v, const char* op) {
  cuda_need(env, v == std::floor(v) && std::fabs(v) <= 9007199254740992.0, op, "ignoreIndex must be an integer");
  return (int64_t)v;
}

// logits (rows, C) contiguous float, targets int64 (rows), optional weight (C) of the accumulation dtype.
struct RowsViews { View x, t; OptView w; int64_t rows, C; DType acc; };
RowsViews rows_views(Napi::Env env, const View& x, const View& t, const OptView& w, const char* op) {
  cuda_need(env, x.ndim == 2 && x.is_contiguous(), op, "input must be contiguous (rows, C)");
  RowsViews v{x, t, w, x.shape[0], x.shape[1], acc_of(x.dtype)};
  float4_dt(env, x.dtype, op);
  cuda_need(env, t.dtype == DType::i64 && t.is_contiguous() && t.numel == v.rows, op, "targets must be contiguous int64 (rows)");
  cuda_need(env, !w.on || acc_vec(w.v, v.acc, v.C), op, "class weights must be contiguous (C) of float32 (float64 for float64 input)");
  cuda_need(env, v.C > 0 || v.rows == 0, op, "the class dim must not be empty");
  return v;
}

}  // namespace

// cudaCrossEntropyExtFwd(x, t, w|0, loss, lse, wt), args: num(ignoreIndex), num(smoothing), views x (rows, C),
// t int64 (rows), [w (C)], loss, lse, wt (rows) of the accumulation dtype (float32; float64 for float64 x).
NR_BINDING(cudaCrossEntropyExtFwd) {
  Napi::Env env = info.Env();
  const char* op = "crossEntropy";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  int64_t ignore = index_arg(env, r.num(), op);
  double e = r.num();
  View x = r.view_in(cuda_buf(info, 0, op)), t = r.view_in(cuda_buf(info, 1, op));
  OptView w = opt_view(info, r, 2, op);
  View loss = r.view_in(cuda_buf(info, 3, op)), lse = r.view_in(cuda_buf(info, 4, op)), wt = r.view_in(cuda_buf(info, 5, op));
  RowsViews v = rows_views(env, x, t, w, op);
  cuda_need(env, e >= 0 && e <= 1, op, "labelSmoothing must be in [0, 1]");
  cuda_need(env, acc_vec(loss, v.acc, v.rows) && acc_vec(lse, v.acc, v.rows) && acc_vec(wt, v.acc, v.rows), op, "loss, lse and wt must be contiguous (rows) of the accumulation dtype");
  if (v.rows == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_cross_entropy_ext_fwd(float4_dt(env, x.dtype, op), x.data, t.ptr<int64_t>(), nrc_dtype_of(v.acc),
                                                      w.on ? w.v.data : nullptr, ignore, e, loss.data, lse.data, wt.data,
                                                      (size_t)v.rows, (size_t)v.C), op);
  return env.Undefined();
}

// cudaCrossEntropyExtBwd(g, x, t, w|0, lse, dx), args: num(ignoreIndex), num(smoothing), views g (rows, acc dtype),
// x (rows, C), t int64 (rows), [w (C)], lse (rows), dx (rows, C) of x's dtype (overwritten).
NR_BINDING(cudaCrossEntropyExtBwd) {
  Napi::Env env = info.Env();
  const char* op = "crossEntropy backward";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  int64_t ignore = index_arg(env, r.num(), op);
  double e = r.num();
  View g = r.view_in(cuda_buf(info, 0, op)), x = r.view_in(cuda_buf(info, 1, op)), t = r.view_in(cuda_buf(info, 2, op));
  OptView w = opt_view(info, r, 3, op);
  View lse = r.view_in(cuda_buf(info, 4, op)), dx = r.view_in(cuda_buf(info, 5, op));
  RowsViews v = rows_views(env, x, t, w, op);
  cuda_need(env, e >= 0 && e <= 1, op, "labelSmoothing must be in [0, 1]");
  cuda_need(env, acc_vec(g, v.acc, v.rows) && acc_vec(lse, v.acc, v.rows), op, "g and lse must be contiguous (rows) of the accumulation dtype");
  cuda_need(env, dx.dtype == x.dtype && dx.is_contiguous() && dx.numel == x.numel, op, "dx must match the logits");
  if (v.rows == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_cross_entropy_ext_bwd(float4_dt(env, x.dtype, op), g.data, x.data, t.ptr<int64_t>(), nrc_dtype_of(v.acc),
                                                      w.on ? w.v.data : nullptr, ignore, e, lse.data, dx.data, (size_t)v.rows, (size_t)v.C), op);
  return env.Undefined();
}

// cudaNllFwd(x, t, w|0, loss, wt), args: num(ignoreIndex), views x (rows, C), t int64 (rows), [w (C)], loss, wt (rows).
NR_BINDING(cudaNllFwd) {
  Napi::Env env = info.Env();
  const char* op = "nllLoss";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  int64_t ignore = index_arg(env, r.num(), op);
  View x = r.view_in(cuda_buf(info, 0, op)), t = r.view_in(cuda_buf(info, 1, op));
  OptView w = opt_view(info, r, 2, op);
  View loss = r.view_in(cuda_buf(info, 3, op)), wt = r.view_in(cuda_buf(info, 4, op));
  RowsViews v = rows_views(env, x, t, w, op);
  cuda_need(env, acc_vec(loss, v.acc, v.rows) && acc_vec(wt, v.acc, v.rows), op, "loss and wt must be contiguous (rows) of the accumulation dtype");
  if (v.rows == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_nll_fwd(float4_dt(env, x.dtype, op), x.data, t.ptr<int64_t>(), nrc_dtype_of(v.acc), w.on ? w.v.data : nullptr,
                                        ignore, loss.data, wt.data, (size_t)v.rows, (size_t)v.C), op);
  return env.Undefined();
}

// cudaNllBwd(g, t, w|0, dx), args: num(ignoreIndex), views g (rows, acc dtype), t int64 (rows), [w (C)], dx (rows, C).
NR_BINDING(cudaNllBwd) {
  Napi::Env env = info.Env();
  const char* op = "nllLoss backward";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  int64_t ignore = index_arg(env, r.num(), op);
  View g = r.view_in(cuda_buf(info, 0, op)), t = r.view_in(cuda_buf(info, 1, op));
  OptView w = opt_view(info, r, 2, op);
  View dx = r.view_in(cuda_buf(info, 3, op));
  RowsViews v = rows_views(env, dx, t, w, op);
  cuda_need(env, acc_vec(g, v.acc, v.rows), op, "g must be contiguous (rows) of the accumulation dtype");
  if (v.rows == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_nll_bwd(float4_dt(env, dx.dtype, op), g.data, t.ptr<int64_t>(), nrc_dtype_of(v.acc), w.on ? w.v.data : nullptr,
                                        ignore, dx.data, (size_t)v.rows, (size_t)v.C), op);
  return env.Undefined();
}

// cudaAdamExt(p, g, m, v, vmax|0), args: nums lr, beta1, beta2, eps, weightDecay, step, decoupled, maximize, then views
// p, g, m, v, [vmax]: p/m/v/vmax contiguous float32, g contiguous float32/16/bf16, all of one size.
NR_BINDING(cudaAdamExt) {
  Napi::Env env = info.Env();
  const char* op = "Adam";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  float lr = (float)r.num(), b1 = (float)r.num(), b2 = (float)r.num(), eps = (float)r.num(), wd = (float)r.num();
  double step = r.num();
  int decoupled = r.num() != 0, maximize = r.num() != 0;
  View p = r.view_in(cuda_buf(info, 0, op)), g = r.view_in(cuda_buf(info, 1, op));
  View m = r.view_in(cuda_buf(info, 2, op)), v = r.view_in(cuda_buf(info, 3, op));
  OptView vm = opt_view(info, r, 4, op);
  auto same = [&](const View& t) { return f32_contig(t) && t.numel == p.numel; };
  cuda_need(env, same(p) && same(m) && same(v) && (!vm.on || same(vm.v)) && g.is_contiguous() && g.numel == p.numel, op,
            "cuda parameters and their state must be contiguous float32 of the gradient's size");
  cuda_need(env, step >= 1 && step <= 2147483647.0 && step == (double)(int)step, op, "bad step count");
  if (p.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_adam_ext(p.ptr<float>(), g.data, grad_dt(env, g.dtype, op), m.ptr<float>(), v.ptr<float>(), opt_f32(vm),
                                         (size_t)p.numel, lr, b1, b2, eps, wd, (int)step, decoupled, maximize, 1.f), op);
  return env.Undefined();
}

// cudaRmsprop(p, g, sq, ga|0, buf|0), args: nums lr, alpha, eps, weightDecay, momentum, maximize, then views.
NR_BINDING(cudaRmsprop) {
  Napi::Env env = info.Env();
  const char* op = "RMSprop";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  float lr = (float)r.num(), alpha = (float)r.num(), eps = (float)r.num(), wd = (float)r.num(), mom = (float)r.num();
  int maximize = r.num() != 0;
  View p = r.view_in(cuda_buf(info, 0, op)), g = r.view_in(cuda_buf(info, 1, op)), sq = r.view_in(cuda_buf(info, 2, op));
  OptView ga = opt_view(info, r, 3, op), buf = opt_view(info, r, 4, op);
  auto same = [&](const View& t) { return f32_contig(t) && t.numel == p.numel; };
  cuda_need(env, same(p) && same(sq) && (!ga.on || same(ga.v)) && (!buf.on || same(buf.v)) && g.is_contiguous() && g.numel == p.numel, op,
            "cuda parameters and their state must be contiguous float32 of the gradient's size");
  cuda_need(env, (mom > 0) == buf.on, op, "a momentum buffer is needed exactly when momentum > 0");
  if (p.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_rmsprop(p.ptr<float>(), g.data, grad_dt(env, g.dtype, op), sq.ptr<float>(), opt_f32(ga), opt_f32(buf),
                                        (size_t)p.numel, lr, alpha, eps, wd, mom, maximize, 1.f), op);
  return env.Undefined();
}

// cudaAdagrad(p, g, sum), args: nums clr, eps, weightDecay, maximize, then views.
NR_BINDING(cudaAdagrad) {
  Napi::Env env = info.Env();
  const char* op = "Adagrad";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  float clr = (float)r.num(), eps = (float)r.num(), wd = (float)r.num();
  int maximize = r.num() != 0;
  View p = r.view_in(cuda_buf(info, 0, op)), g = r.view_in(cuda_buf(info, 1, op)), s = r.view_in(cuda_buf(info, 2, op));
  cuda_need(env, f32_contig(p) && f32_contig(s) && s.numel == p.numel && g.is_contiguous() && g.numel == p.numel, op,
            "cuda parameters and their state must be contiguous float32 of the gradient's size");
  if (p.numel == 0) return env.Undefined();
  cuda_check(env, api, api->nrc_adagrad(p.ptr<float>(), g.data, grad_dt(env, g.dtype, op), s.ptr<float>(), (size_t)p.numel, clr, eps, wd,
                                        maximize, 1.f), op);
  return env.Undefined();
}

// cudaAdaptiveAvgPool2d(big, small), args: num(backward), views big (planes, H, W), small (planes, P, Q), contiguous,
// one float dtype. Forward: small = pool(big); backward: big = grad of small (overwritten).
NR_BINDING(cudaAdaptiveAvgPool2d) {
  Napi::Env env = info.Env();
  const char* op = "adaptiveAvgPool2d";
  const CudaApi* api = cuda_api_or_throw(env, op);
  ArgReader r(info, op);
  bool bwd = r.num() != 0;
  View big = r.view_in(cuda_buf(info, 0, op)), small = r.view_in(cuda_buf(info, 1, op));
  cuda_need(env, big.ndim == 3 && small.ndim == 3 && big.is_contiguous() && small.is_contiguous() && big.dtype == small.dtype &&
                big.shape[0] == small.shape[0], op, "expected contiguous (planes, H, W) and (planes, P, Q) of one dtype");
  nrc_dtype dt = float4_dt(env, big.dtype, op);
  const int64_t n = big.shape[0], H = big.shape[1], W = big.shape[2], P = small.shape[1], Q = small.shape[2];
  cuda_need(env, H >= 1 && W >= 1 && P >= 1 && Q >= 1, op, "sizes must be positive");
  if (n == 0) return env.Undefined();
  nrc_status s = bwd ? api->nrc_adaptive_avgpool2d_bwd(dt, small.data, big.data, n, H, W, P, Q)
                     : api->nrc_adaptive_avgpool2d_fwd(dt, big.data, small.data, n, H, W, P, Q);
  cuda_check(env, api, s, op);
  return env.Undefined();
}

// cudaFillValue(dst), args: num(value), view(dst contiguous, any dtype): dst = value converted exactly as the
// CPU fill (nr::fill_view on a one-element host view), filled on the device without a host upload.
NR_BINDING(cudaFillValue) {
  Napi::Env env = info.Env();
  const CudaApi* api = cuda_api_or_throw(env, "fill_");
  ArgReader r(info, "fill_");
  double value = r.num();
  View d = r.view_in(cuda_buf(info, 0, "fill_"));
  cuda_need(env, d.is_contiguous(), "fill_", "the device fill takes contiguous memory");
  if (d.numel == 0) return env.Undefined();
  alignas(8) char pattern[8] = {0};
  View one;
  one.dtype = d.dtype;
  one.ndim = 0;
  one.numel = 1;
  one.data = pattern;
  fill_view(one, value);
  cuda_check(env, api, api->nrc_fill_pattern(d.data, (size_t)d.numel, (size_t)dtype_size(d.dtype), pattern), "fill_");
  return env.Undefined();
}

}  // namespace nr
