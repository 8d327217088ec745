// Bindings for the fused classification losses (cross-entropy over class indices, NLL): check
// dtypes, shapes, contiguity and every target index against the class count before any kernel runs.
#include <cmath>
#include "binding/binding.h"
#include "nr/kernels/loss.h"

namespace nr {

namespace {

[[noreturn]] void fail(ArgReader& r, const std::string& m) { throw_range(r.env(), std::string(r.op()) + ": " + m); }

void expect_float(ArgReader& r, const View& v, DType dt, const char* name) {
  if (v.dtype != dt) throw_type(r.env(), std::string(r.op()) + ": " + name + " has dtype " + dtype_name(v.dtype) + ", expected " + dtype_name(dt));
}

// A 1-D view of n elements (any stride) of dtype dt.
void expect_vec(ArgReader& r, const View& v, int64_t n, DType dt, const char* name) {
  expect_float(r, v, dt, name);
  if (v.ndim != 1 || v.shape[0] != n) fail(r, std::string(name) + " has shape " + shape_str(v) + ", expected [" + std::to_string(n) + "]");
}

// The (M,C) score matrix: float32/float64, contiguous, C >= 1.
void expect_scores(ArgReader& r, const View& x, const char* name) {
  if (x.dtype != DType::f32 && x.dtype != DType::f64)
    throw_type(r.env(), std::string(r.op()) + ": " + name + " must be float32 or float64, got " + dtype_name(x.dtype));
  if (x.ndim != 2 || !x.is_contiguous()) fail(r, std::string(name) + " must be a contiguous (M, C) matrix, got " + shape_str(x));
  if (x.shape[1] < 1) fail(r, std::string(name) + " has no classes (shape " + shape_str(x) + ")");
}

// target is (M) int64; each entry in [0, C) or equal to ignore.
void check_targets(ArgReader& r, const View& t, int64_t M, int64_t C, int64_t ignore) {
  if (t.dtype != DType::i64) throw_type(r.env(), std::string(r.op()) + ": target must be int64, got " + dtype_name(t.dtype));
  if (t.ndim != 1 || t.shape[0] != M) fail(r, "target has shape " + shape_str(t) + ", expected [" + std::to_string(M) + "]");
  const int64_t* p = t.ptr<int64_t>();
  for (int64_t i = 0; i < M; ++i) {
    int64_t v = p[i * t.strides[0]];
    if (v != ignore && (v < 0 || v >= C))
      fail(r, "target " + std::to_string(v) + " is out of bounds for " + std::to_string(C) + " classes");
  }
}

double read_smoothing(ArgReader& r) {
  double e = r.num();
  if (!(e >= 0 && e <= 1)) fail(r, "labelSmoothing must be in [0, 1], got " + std::to_string(e));
  return e;
}

}  // namespace

// crossEntropyFwd(x, target, loss, lse, wt, [w]) args: ignoreIndex, smoothing, hasW, views in that order.
NR_BINDING(crossEntropyFwd) {
  ArgReader r(info, "crossEntropy");
  int64_t ignore = r.i64();
  double e = read_smoothing(r);
  bool hw = r.num() != 0;
  View x = r.view(0);
  expect_scores(r, x, "input");
  const int64_t M = x.shape[0], C = x.shape[1];
  View t = r.view(1);
  check_targets(r, t, M, C, ignore);
  View loss = r.view(2), lse = r.view(3), wt = r.view(4);
  expect_vec(r, loss, M, x.dtype, "loss");
  expect_vec(r, lse, M, x.dtype, "lse");
  expect_vec(r, wt, M, x.dtype, "wt");
  View w;
  if (hw) { w = r.view(5); expect_vec(r, w, C, x.dtype, "weight"); }
  cross_entropy_fwd(x, t, hw ? &w : nullptr, ignore, e, loss, lse, wt);
  return info.Env().Undefined();
}

// crossEntropyBwd(g, x, target, lse, dx, [w]) args: ignoreIndex, smoothing, hasW, views in that order.
NR_BINDING(crossEntropyBwd) {
  ArgReader r(info, "crossEntropy backward");
  int64_t ignore = r.i64();
  double e = read_smoothing(r);
  bool hw = r.num() != 0;
  View g = r.view(0), x = r.view(1);
  expect_scores(r, x, "input");
  const int64_t M = x.shape[0], C = x.shape[1];
  expect_vec(r, g, M, x.dtype, "grad");
  View t = r.view(2);
  check_targets(r, t, M, C, ignore);
  View lse = r.view(3), dx = r.view(4);
  expect_vec(r, lse, M, x.dtype, "lse");
  expect_scores(r, dx, "grad input");
  if (dx.shape[0] != M || dx.shape[1] != C || dx.dtype != x.dtype) fail(r, "grad input has shape " + shape_str(dx) + ", expected " + shape_str(x));
  View w;
  if (hw) { w = r.view(5); expect_vec(r, w, C, x.dtype, "weight"); }
  cross_entropy_bwd(g, x, t, hw ? &w : nullptr, ignore, e, lse, dx);
  return info.Env().Undefined();
}

// nllFwd(x, target, loss, wt, [w]) args: ignoreIndex, hasW, views in that order.
NR_BINDING(nllFwd) {
  ArgReader r(info, "nllLoss");
  int64_t ignore = r.i64();
  bool hw = r.num() != 0;
  View x = r.view(0);
  expect_scores(r, x, "input");
  const int64_t M = x.shape[0], C = x.shape[1];
  View t = r.view(1);
  check_targets(r, t, M, C, ignore);
  View loss = r.view(2), wt = r.view(3);
  expect_vec(r, loss, M, x.dtype, "loss");
  expect_vec(r, wt, M, x.dtype, "wt");
  View w;
  if (hw) { w = r.view(4); expect_vec(r, w, C, x.dtype, "weight"); }
  nll_fwd(x, t, hw ? &w : nullptr, ignore, loss, wt);
  return info.Env().Undefined();
}

// nllBwd(g, target, dx, [w]) args: ignoreIndex, hasW, views in that order.
NR_BINDING(nllBwd) {
  ArgReader r(info, "nllLoss backward");
  int64_t ignore = r.i64();
  bool hw = r.num() != 0;
  View g = r.view(0), t = r.view(1), dx = r.view(2);
  expect_scores(r, dx, "grad input");
  const int64_t M = dx.shape[0], C = dx.shape[1];
  expect_vec(r, g, M, dx.dtype, "grad");
  check_targets(r, t, M, C, ignore);
  View w;
  if (hw) { w = r.view(3); expect_vec(r, w, C, dx.dtype, "weight"); }
  nll_bwd(g, t, hw ? &w : nullptr, ignore, dx);
  return info.Env().Undefined();
}

}  // namespace nr
