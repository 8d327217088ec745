// Host check of the cumisc kernels' logic, no GPU needed (tools/cuda-host-checks.js runs it in CI):
//  1. the per-element optimizer steps of cuda/optim_ext.cuh (Adam with amsgrad / L2 / decoupled decay /
//     maximize, RMSprop centered / momentum, Adagrad), run on the CPU for several steps, against the CPU
//     reference kernels (native/kernels/ref/optim.cc, float32), same argument derivation as the entry points;
//  2. the cross-entropy row pieces of cuda/loss_ext.cuh (target classification, loss and gradient
//     assembly from lse / weighted sums, as the kernels combine them) in double against
//     native/kernels/ref/loss.cc, with weights, smoothing and ignore indices incl. 0 and -100;
//  3. the adaptive pooling windows of cuda/pool_adaptive.cuh against the CPU kernel's formulas, and the
//     covering ranges of the backward against a brute-force search (all sizes 1..40 x 1..40).
// Build (a .cc compiled as CUDA, so that the dev-harness glob of cuda/dev/*.cu skips it):
//   nvcc -std=c++17 -I cuda -I native/include -x cu -c cuda/dev/cumisc_host_check.cc -o /tmp/chc.o && nvcc /tmp/chc.o native/kernels/ref/optim.cc
//   native/kernels/ref/loss.cc -I native/include -o /tmp/cumisc_host_check
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>
#include "optim_ext.cuh"
#include "loss_ext.cuh"
#include "pool_adaptive.cuh"
#include "nr/kernels/optim.h"
#include "nr/kernels/loss.h"

static int failures = 0, passes = 0;
static void report(bool ok, const char* what, double err) {
  printf("%s %-64s max_rel %.3g\n", ok ? "PASS" : "FAIL", what, err);
  (ok ? passes : failures)++;
}

template <typename T>
static nr::View view1(std::vector<T>& v, nr::DType dt) {
  nr::View w;
  w.dtype = dt; w.ndim = 1; w.numel = (int64_t)v.size(); w.shape[0] = w.numel; w.strides[0] = 1; w.data = (char*)v.data();
  return w;
}
template <typename T>
static nr::View view2(std::vector<T>& v, nr::DType dt, int64_t M, int64_t C) {
  nr::View w;
  w.dtype = dt; w.ndim = 2; w.numel = M * C; w.shape[0] = M; w.shape[1] = C; w.strides[0] = C; w.strides[1] = 1; w.data = (char*)v.data();
  return w;
}
static double rel(double a, double b) { return std::fabs(a - b) / std::max(1e-30, std::max(std::fabs(a), std::fabs(b))); }
static double max_rel(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); i++) m = std::max(m, std::isnan(a[i]) != std::isnan(b[i]) ? 1e30 : std::isnan(a[i]) ? 0 : rel(a[i], b[i]));
  return m;
}

static std::vector<float> randv(size_t n, std::mt19937_64& rng, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

static void check_adam(int amsgrad, int decoupled, float wd, int maximize, std::mt19937_64& rng) {
  const size_t n = 257;
  const float lr = 1e-2f, b1 = 0.9f, b2 = 0.99f, eps = 1e-8f;
  auto p = randv(n, rng, -1, 1), m = std::vector<float>(n, 0), v = m, vm = m;
  auto rp = p, rm = m, rv = v, rvm = vm;
  for (int step = 1; step <= 5; step++) {
    auto g = randv(n, rng, -2, 2);
    // device side: the arguments as nrc_adam_ext derives them
    const double bc1 = 1.0 - std::pow((double)b1, step), bc2 = 1.0 - std::pow((double)b2, step);
    nrc::AdamExtArgs a{(float)((double)lr / bc1), b1, b2, (float)(1.0 - (double)b1), (float)(1.0 - (double)b2), eps, wd,
                       (float)std::sqrt(bc2), (float)(1.0 - (double)lr * (double)wd), decoupled, amsgrad, maximize};
    for (size_t i = 0; i < n; i++) nrc::adam_ext_one(p[i], g[i], m[i], v[i], amsgrad ? &vm[i] : nullptr, a);
    // CPU reference: the arguments as src/optim/adam.ts derives them (double lr / bc1, sqrt(bc2), 1 - lr*wd)
    const double dlr = (double)lr, db1 = (double)b1, db2 = (double)b2, dwd = (double)wd;
    nr::AdamArgs ra{dlr / (1 - std::pow(db1, step)), db1, db2, (double)eps, dwd, std::sqrt(1 - std::pow(db2, step)), 1 - dlr * dwd,
                    decoupled != 0, amsgrad != 0, maximize != 0};
    nr::optim_adam_ref(view1(rp, nr::DType::f32), view1(g, nr::DType::f32), view1(rm, nr::DType::f32), view1(rv, nr::DType::f32),
                       view1(rvm, nr::DType::f32), ra);
  }
  char what[160];
  snprintf(what, sizeof what, "adam amsgrad=%d decoupled=%d wd=%g maximize=%d (5 steps)", amsgrad, decoupled, wd, maximize);
  double e = std::max({max_rel(p, rp), max_rel(m, rm), max_rel(v, rv), amsgrad ? max_rel(vm, rvm) : 0.0});
  report(e <= 1e-5, what, e);
}

static void check_rmsprop(int centered, float mom, float wd, int maximize, std::mt19937_64& rng) {
  const size_t n = 131;
  const float lr = 1e-2f, alpha = 0.95f, eps = 1e-8f;
  auto p = randv(n, rng, -1, 1), sq = std::vector<float>(n, 0), ga = sq, b = sq;
  auto rp = p, rsq = sq, rga = ga, rb = b;
  for (int step = 1; step <= 5; step++) {
    auto g = randv(n, rng, -2, 2);
    nrc::RmspropArgs a{lr, alpha, (float)(1.0 - (double)alpha), eps, wd, mom, centered, maximize};
    for (size_t i = 0; i < n; i++) nrc::rmsprop_one(p[i], g[i], sq[i], centered ? &ga[i] : nullptr, mom > 0 ? &b[i] : nullptr, a);
    nr::RmspropArgs ra{(double)lr, (double)alpha, (double)eps, (double)wd, (double)mom, centered != 0, maximize != 0};
    nr::optim_rmsprop_ref(view1(rp, nr::DType::f32), view1(g, nr::DType::f32), view1(rsq, nr::DType::f32), view1(rga, nr::DType::f32),
                          view1(rb, nr::DType::f32), ra);
  }
  char what[160];
  snprintf(what, sizeof what, "rmsprop centered=%d momentum=%g wd=%g maximize=%d (5 steps)", centered, mom, wd, maximize);
  double e = std::max({max_rel(p, rp), max_rel(sq, rsq), centered ? max_rel(ga, rga) : 0.0, mom > 0 ? max_rel(b, rb) : 0.0});
  report(e <= 1e-5, what, e);
}

static void check_adagrad(float wd, float lr_decay, int maximize, std::mt19937_64& rng) {
  const size_t n = 99;
  const float lr = 5e-2f, eps = 1e-10f;
  auto p = randv(n, rng, -1, 1), s = std::vector<float>(n, 0.1f);
  auto rp = p, rs = s;
  for (int step = 1; step <= 5; step++) {
    auto g = randv(n, rng, -2, 2);
    const double clr = (double)lr / (1 + (step - 1) * (double)lr_decay);
    nrc::AdagradArgs a{(float)clr, eps, wd, maximize};
    for (size_t i = 0; i < n; i++) nrc::adagrad_one(p[i], g[i], s[i], a);
    nr::AdagradArgs ra{clr, (double)eps, (double)wd, maximize != 0};
    nr::optim_adagrad_ref(view1(rp, nr::DType::f32), view1(g, nr::DType::f32), view1(rs, nr::DType::f32), ra);
  }
  char what[160];
  snprintf(what, sizeof what, "adagrad wd=%g lr_decay=%g maximize=%d (5 steps)", wd, lr_decay, maximize);
  double e = std::max(max_rel(p, rp), max_rel(s, rs));
  report(e <= 1e-5, what, e);
}

// The cross-entropy kernels' row assembly, in double, against the CPU reference.
static void check_ce(int64_t M, int64_t C, bool weighted, double e, int64_t ignore, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-3, 3), uw(0.1, 2);
  std::vector<double> x(M * C), w(C), loss(M), lse(M), wt(M), g(M), dx(M * C);
  std::vector<int64_t> t(M);
  for (auto& v : x) v = u(rng);
  for (auto& v : w) v = uw(rng);
  for (auto& v : g) v = u(rng);
  for (int64_t i = 0; i < M; i++) t[i] = i % 4 == 1 ? ignore : (int64_t)(rng() % C);
  nr::View wv = view1(w, nr::DType::f64);
  nr::cross_entropy_fwd_ref(view2(x, nr::DType::f64, M, C), view1(t, nr::DType::i64), weighted ? &wv : nullptr, ignore, e,
                            view1(loss, nr::DType::f64), view1(lse, nr::DType::f64), view1(wt, nr::DType::f64));
  nr::cross_entropy_bwd_ref(view1(g, nr::DType::f64), view2(x, nr::DType::f64, M, C), view1(t, nr::DType::i64), weighted ? &wv : nullptr,
                            ignore, e, view1(lse, nr::DType::f64), view2(dx, nr::DType::f64, M, C));
  double err = 0;
  double W = 0;
  for (int64_t c = 0; c < C; c++) W += weighted ? w[c] : 1.0;
  for (int64_t i = 0; i < M; i++) {
    const double* xr = &x[i * C];
    double m = -INFINITY, s = 0, sm = 0;
    for (int64_t c = 0; c < C; c++) m = std::max(m, xr[c]);
    for (int64_t c = 0; c < C; c++) s += std::exp(xr[c] - m);
    const double l = m + std::log(s);
    for (int64_t c = 0; c < C; c++) sm += (weighted ? w[c] : 1.0) * (xr[c] - l);
    const int kind = nrc::ce_target_kind(t[i], ignore, C);
    double li = 0, wi = 0;
    if (kind == nrc::kTargetValid) { wi = weighted ? w[t[i]] : 1.0; li = nrc::ce_row_loss<double>(xr[t[i]], l, wi, e, (double)C, sm); }
    err = std::max({err, rel(li, loss[i]), rel(wi, wt[i]), rel(l, lse[i])});
    for (int64_t c = 0; c < C; c++) {
      double d = 0;
      if (kind == nrc::kTargetValid) d = g[i] * nrc::ce_grad<double>(std::exp(xr[c] - l), c == t[i], wi, e, (double)C, W, weighted ? w[c] : 1.0);
      if (std::fabs(d - dx[i * C + c]) > 1e-12 * (1 + std::fabs(d))) err = std::max(err, rel(d, dx[i * C + c]));
    }
  }
  char what[160];
  snprintf(what, sizeof what, "cross-entropy rows M=%lld C=%lld weighted=%d e=%g ignore=%lld", (long long)M, (long long)C, weighted, e, (long long)ignore);
  report(err <= 1e-12, what, err);
}

static void check_targets() {
  bool ok = nrc::ce_target_kind(-100, -100, 5) == nrc::kTargetIgnored && nrc::ce_target_kind(0, 0, 5) == nrc::kTargetIgnored &&
            nrc::ce_target_kind(5, -100, 5) == nrc::kTargetBad && nrc::ce_target_kind(-1, -100, 5) == nrc::kTargetBad &&
            nrc::ce_target_kind(4, -100, 5) == nrc::kTargetValid && nrc::ce_target_kind(7, 7, 5) == nrc::kTargetIgnored &&
            nrc::ce_target_kind((int64_t)1 << 40, -100, 5) == nrc::kTargetBad;
  report(ok, "target classification (ignore first, then range)", ok ? 0 : 1);
}

static void check_adaptive() {
  long long bad = 0, cases = 0;
  for (long long in = 1; in <= 40; in++)
    for (long long out = 1; out <= 40; out++) {
      for (long long o = 0; o < out; o++) {
        // the CPU kernel's start_idx / end_idx (native/kernels/cpu/pool.cc)
        const long long s = (o * in) / out, e = ((o + 1) * in + out - 1) / out;
        if (nrc::ada_start(o, out, in) != s || nrc::ada_end(o, out, in) != e || e <= s || e > in) bad++;
      }
      for (long long i = 0; i < in; i++) {
        long long lo, hi, blo = -1, bhi = -1;
        nrc::ada_covering(i, out, in, lo, hi);
        for (long long o = 0; o < out; o++)
          if (nrc::ada_start(o, out, in) <= i && i < nrc::ada_end(o, out, in)) { if (blo < 0) blo = o; bhi = o; }
        // the covering set must be exactly the contiguous range [blo, bhi]
        for (long long o = blo; o <= bhi; o++) if (!(nrc::ada_start(o, out, in) <= i && i < nrc::ada_end(o, out, in))) bad++;
        if (lo != blo || hi != bhi) bad++;
        cases++;
      }
    }
  char what[160];
  snprintf(what, sizeof what, "adaptive pooling windows and covering ranges (%lld positions)", cases);
  report(bad == 0, what, (double)bad);
}

int main() {
  std::mt19937_64 rng(7);
  for (int ams : {0, 1})
    for (int dec : {0, 1})
      for (float wd : {0.f, 0.05f})
        for (int mx : {0, 1}) check_adam(ams, dec, wd, mx, rng);
  for (int cen : {0, 1})
    for (float mom : {0.f, 0.9f})
      for (float wd : {0.f, 0.01f}) check_rmsprop(cen, mom, wd, cen ^ (mom > 0), rng);
  for (float wd : {0.f, 0.1f})
    for (float dec : {0.f, 0.3f}) check_adagrad(wd, dec, wd > 0, rng);
  check_targets();
  for (bool wgt : {false, true})
    for (double e : {0.0, 0.1, 1.0})
      for (int64_t ig : {-100, 0, 3}) check_ce(13, 7, wgt, e, ig, rng);
  check_ce(5, 1, true, 0.2, -100, rng);
  check_adaptive();
  printf("cumisc_host_check: %s (%d passed, %d failed)\n", failures ? "FAIL" : "ok", passes, failures);
  return failures ? 1 : 0;
}
