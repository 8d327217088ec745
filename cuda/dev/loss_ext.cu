// Dev harness for the weighted / label-smoothed cross-entropy and NLL kernels (cuda/loss_ext.cu):
// forward (loss, lse, wt) and backward (dlogits) against a float64 CPU reference written from
// native/kernels/ref/loss.cc, for F32/F16/BF16/F64 logits, odd shapes (C = 1, 7, 1000, 5003; rows 1..67),
// with and without class weights, smoothing 0 / 0.1 / 1, ignore indices -100 / 0 / 3, an all -inf row,
// empty row counts; outputs poisoned before every call. Out-of-range targets must be flagged (the next
// nrc_sync fails) and give zero rows. Argument errors. Timing: fwd+bwd at 8192 x 50304 (bf16).
// Usage: loss_ext [--quick]
#include "harness_types.h"

using namespace dev;

struct Case { size_t rows, C; bool weighted; double e; int64_t ignore; };

static void ref_ce(const std::vector<double>& x, const std::vector<int64_t>& t, const std::vector<double>* w, int64_t ignore, double e,
                   const std::vector<double>& g, size_t M, size_t C, std::vector<double>& loss, std::vector<double>& lse,
                   std::vector<double>& wt, std::vector<double>& dx) {
  loss.assign(M, 0); lse.assign(M, 0); wt.assign(M, 0); dx.assign(M * C, 0);
  double W = 0;
  for (size_t c = 0; c < C; c++) W += w ? (*w)[c] : 1.0;
  for (size_t i = 0; i < M; i++) {
    const double* xr = &x[i * C];
    double mx = -INFINITY, s = 0;
    for (size_t c = 0; c < C; c++) mx = std::max(mx, xr[c]);
    for (size_t c = 0; c < C; c++) s += std::exp(xr[c] - mx);
    const double l = std::isinf(mx) ? mx : mx + std::log(s);
    lse[i] = l;
    const int64_t tt = t[i];
    if (tt == ignore) continue;
    const double wi = w ? (*w)[tt] : 1.0;
    double v = (1 - e) * -wi * (xr[tt] - l);
    if (e > 0) {
      double sm = 0;
      for (size_t c = 0; c < C; c++) sm += (w ? (*w)[c] : 1.0) * (xr[c] - l);
      v += e / C * -sm;
    }
    loss[i] = v; wt[i] = wi;
    for (size_t c = 0; c < C; c++) {
      const double p = std::exp(xr[c] - l);
      double d = (1 - e) * wi * (p - ((int64_t)c == tt ? 1.0 : 0.0));
      if (e > 0) d += e / C * (W * p - (w ? (*w)[c] : 1.0));
      dx[i * C + c] = g[i] * d;
    }
  }
}

static void validate(nrc_dtype dt, const Case& k, uint64_t seed) {
  const size_t M = k.rows, C = k.C;
  const nrc_dtype acc = dt == NRC_F64 ? NRC_F64 : NRC_F32;
  auto x = randn<double>(M * C, seed, 2.0);
  round_all(x, dt);
  if (M > 2) for (size_t c = 0; c < C; c++) x[2 * C + c] = -INFINITY;   // an all -inf row (NaN gradient, as the CPU)
  std::vector<int64_t> t(M);
  std::mt19937_64 rng(seed + 1);
  for (size_t i = 0; i < M; i++) t[i] = (i % 5 == 3) ? k.ignore : (int64_t)(rng() % C);
  auto w = uniform<double>(C, seed + 2, 0.2, 2.0);
  round_all(w, acc);
  auto g = randn<double>(M, seed + 3);
  round_all(g, acc);
  std::vector<double> loss, lse, wt, dx;
  ref_ce(x, t, k.weighted ? &w : nullptr, k.ignore, k.e, g, M, C, loss, lse, wt, dx);
  TBuf X(M * C, dt), T(M, NRC_I64), Wb(C, acc), L(M, acc), S(M, acc), Wt(M, acc), G(M, acc), D(M * C, dt);
  X.upload(x); T.upload_i64(t); Wb.upload(w); G.upload(g);
  L.poison(); S.poison(); Wt.poison(); D.poison();
  const void* wp = k.weighted ? Wb.p : nullptr;
  CHECK_NRC(nrc_cross_entropy_ext_fwd(dt, X.p, T.as<int64_t>(), acc, wp, k.ignore, k.e, L.p, S.p, Wt.p, M, C));
  CHECK_NRC(nrc_cross_entropy_ext_bwd(dt, G.p, X.p, T.as<int64_t>(), acc, wp, k.ignore, k.e, S.p, D.p, M, C));
  const double tol = dt == NRC_F64 ? 1e-12 : dt == NRC_F32 ? 1e-5 : 1e-2;
  char what[200];
  snprintf(what, sizeof what, "ce %s (%zu, %zu) w=%d e=%.1f ignore=%lld", dtname(dt), M, C, k.weighted, k.e, (long long)k.ignore);
  // the all -inf row: loss -> nan/inf like the CPU; compare only the finite rows' values there
  check_nan(std::string(what) + " loss", L.download(), loss, tol);
  check_nan(std::string(what) + " lse", S.download(), lse, tol);
  check_nan(std::string(what) + " wt", Wt.download(), wt, 0);
  auto out = D.download();
  round_all(dx, dt);
  check_nan(std::string(what) + " dlogits", out, dx, dt == NRC_F64 ? 1e-12 : dt == NRC_F32 ? 1e-5 : 2e-2);
  // NLL on the same data as log-probabilities
  std::vector<double> nl(M, 0), nw(M, 0), nd(M * C, 0);
  for (size_t i = 0; i < M; i++) {
    if (t[i] == k.ignore) continue;
    const double wi = k.weighted ? w[t[i]] : 1.0;
    nl[i] = -wi * x[i * C + t[i]]; nw[i] = wi; nd[i * C + t[i]] = -g[i] * wi;
  }
  round_all(nd, dt);
  L.poison(); Wt.poison(); D.poison();
  CHECK_NRC(nrc_nll_fwd(dt, X.p, T.as<int64_t>(), acc, wp, k.ignore, L.p, Wt.p, M, C));
  CHECK_NRC(nrc_nll_bwd(dt, G.p, T.as<int64_t>(), acc, wp, k.ignore, D.p, M, C));
  snprintf(what, sizeof what, "nll %s (%zu, %zu) w=%d ignore=%lld", dtname(dt), M, C, k.weighted, (long long)k.ignore);
  check_nan(std::string(what) + " loss", L.download(), nl, tol);
  check_nan(std::string(what) + " wt", Wt.download(), nw, 0);
  check_nan(std::string(what) + " dx", D.download(), nd, dt == NRC_F64 || dt == NRC_F32 ? 1e-7 : 1e-2);
}

static void bad_targets() {
  const size_t M = 5, C = 4;
  TBuf X(M * C, NRC_F32), T(M, NRC_I64), L(M, NRC_F32), S(M, NRC_F32), Wt(M, NRC_F32), G(M, NRC_F32), D(M * C, NRC_F32);
  X.upload(randn<double>(M * C, 9));
  G.upload(std::vector<double>(M, 1.0));
  T.upload_i64({0, 4, -1, 2, -100});   // 4 and -1 are out of range
  CHECK_NRC(nrc_cross_entropy_ext_fwd(NRC_F32, X.p, T.as<int64_t>(), NRC_F32, nullptr, -100, 0.0, L.p, S.p, Wt.p, M, C));
  expect_status("out-of-range targets flagged at the next sync", nrc_sync(), NRC_ERR_DEVICE_ASSERT, "target");
  CHECK_NRC(nrc_cross_entropy_ext_bwd(NRC_F32, G.p, X.p, T.as<int64_t>(), NRC_F32, nullptr, -100, 0.0, S.p, D.p, M, C));
  CHECK_NRC(nrc_nll_fwd(NRC_F32, X.p, T.as<int64_t>(), NRC_F32, nullptr, -100, L.p, Wt.p, M, C));
  expect_status("nll out-of-range targets flagged", nrc_sync(), NRC_ERR_DEVICE_ASSERT, "target");
  auto l = L.download(), wt = Wt.download(), d = D.download();
  bool ok = l[1] == 0 && l[2] == 0 && wt[1] == 0 && wt[2] == 0;
  for (size_t c = 0; c < C; c++) ok = ok && d[1 * C + c] == 0 && d[2 * C + c] == 0;
  printf("%s bad-target rows give zero loss, weight and gradient\n", ok ? "PASS" : "FAIL");
  if (!ok) g_failures++;
}

int main(int argc, char** argv) {
  init(argc, argv);
  const Case cases[] = {
      {1, 1, false, 0.0, -100}, {13, 7, false, 0.0, -100}, {13, 7, true, 0.1, 0}, {67, 1000, true, 0.0, 3},
      {31, 5003, false, 0.1, -100}, {9, 7, true, 1.0, -100}, {0, 7, true, 0.1, -100},
  };
  uint64_t seed = 1;
  for (nrc_dtype dt : {NRC_F32, NRC_F16, NRC_BF16, NRC_F64})
    for (const Case& k : cases) validate(dt, k, seed++);
  bad_targets();
  {
    TBuf X(8, NRC_F32), T(2, NRC_I64), L(2, NRC_F32);
    expect_status("int32 logits rejected", nrc_cross_entropy_ext_fwd(NRC_I32, X.p, T.as<int64_t>(), NRC_F32, nullptr, -100, 0, L.p, L.p, L.p, 2, 4),
                  NRC_ERR_UNSUPPORTED, "dtype");
    expect_status("float64 acc for float32 logits rejected", nrc_cross_entropy_ext_fwd(NRC_F32, X.p, T.as<int64_t>(), NRC_F64, nullptr, -100, 0, L.p, L.p, L.p, 2, 4),
                  NRC_ERR_INVALID_ARG, "float64");
    expect_status("smoothing > 1 rejected", nrc_cross_entropy_ext_fwd(NRC_F32, X.p, T.as<int64_t>(), NRC_F32, nullptr, -100, 1.5, L.p, L.p, L.p, 2, 4),
                  NRC_ERR_INVALID_ARG, "smoothing");
    expect_status("C == 0 rejected", nrc_nll_fwd(NRC_F32, X.p, T.as<int64_t>(), NRC_F32, nullptr, -100, L.p, L.p, 2, 0), NRC_ERR_INVALID_ARG, "C must");
  }
  if (!g_quick) {
    const size_t M = 8192, V = 50304;
    TBuf X(M * V, NRC_BF16), T(M, NRC_I64), L(M, NRC_F32), S(M, NRC_F32), Wt(M, NRC_F32), G(M, NRC_F32), D(M * V, NRC_BF16), Wb(V, NRC_F32);
    { Buf tmp(M * V, NRC_BF16); tmp.randn(1); cudaMemcpy(X.p, tmp.p, X.bytes(), cudaMemcpyDeviceToDevice); }
    std::vector<int64_t> t(M);
    for (size_t i = 0; i < M; i++) t[i] = (int64_t)((i * 7919) % V);
    T.upload_i64(t);
    G.upload(std::vector<double>(M, 1.0 / M));
    Wb.upload(uniform<double>(V, 3, 0.5, 1.5));
    double ms = time_ms([&] {
      nrc_cross_entropy_ext_fwd(NRC_BF16, X.p, T.as<int64_t>(), NRC_F32, Wb.p, -100, 0.1, L.p, S.p, Wt.p, M, V);
      nrc_cross_entropy_ext_bwd(NRC_BF16, G.p, X.p, T.as<int64_t>(), NRC_F32, Wb.p, -100, 0.1, S.p, D.p, M, V);
    });
    result("cross_entropy_ext/bf16/8192x50304", "nrc_cross_entropy_ext fwd+bwd (weights, smoothing)", ms, gbps(3.0 * M * V * 2, ms), "GB/s");
  }
  return finish("loss_ext");
}
