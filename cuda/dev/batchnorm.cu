// Dev harness for batch norm: float64 CPU model of native/kernels/ref/norm.cc (batch) plus the running
// statistics update of src/ops/norm.ts, over (N, C, S) shapes reaching the column (S < 64) and row
// (S >= 64, warp and block) statistics paths and both elementwise forms, with/without weight, bias and
// running stats, eval mode, a large channel mean (shifted-sum variance), every float dtype; outputs
// poisoned first; argument errors. Then timing for BatchNorm2d (32, 256, 56x56) and BatchNorm1d
// (65536, 1024) forward (training) and backward in bf16 and fp32.
// Usage: batchnorm [--quick]
#include "harness_types.h"

using namespace dev;

static void validate(nrc_dtype dt, size_t N, size_t C, size_t S, bool affine, bool running, uint64_t seed, double offset = 0) {
  const double tol = dt == NRC_F64 ? 1e-10 : dt == NRC_F32 ? 2e-5 : dt == NRC_BF16 ? 1e-2 : 3e-3;
  const size_t n = N * C * S;
  auto x = randn<double>(n, seed, 2.0), dy = randn<double>(n, seed + 1);
  for (size_t i = 0; i < n; i++) x[i] += offset + 0.5 * (double)((i / S) % C);  // per-channel means differ
  auto w = randn<double>(C, seed + 2), b = randn<double>(C, seed + 3), rm0 = randn<double>(C, seed + 4), rv0 = uniform<double>(C, seed + 5, 0.5, 2.0);
  round_all(x, dt); round_all(dy, dt);
  for (auto* v : {&w, &b, &rm0, &rv0}) round_all(*v, NRC_F32);
  const float eps = 1e-5f, momentum = 0.1f;
  const double M = (double)(N * S);
  std::vector<double> mean(C), rstd(C), y(n), dx(n), dw(C), db(C), rm(rm0), rv(rv0), ye(n);
  for (size_t c = 0; c < C; c++) {
    double mu = 0, var = 0;
    for (size_t i = 0; i < N; i++) for (size_t s = 0; s < S; s++) mu += x[(i * C + c) * S + s];
    mu /= M;
    for (size_t i = 0; i < N; i++) for (size_t s = 0; s < S; s++) { double d = x[(i * C + c) * S + s] - mu; var += d * d; }
    var /= M;
    double r = 1 / std::sqrt(var + (double)eps);
    mean[c] = mu; rstd[c] = r;
    rm[c] = (float)((float)rm0[c] * (1.f - momentum) + momentum * (float)mu);
    rv[c] = (float)((float)rv0[c] * (1.f - momentum) + momentum * (float)(var * M / (M - 1)));
    double wc = affine ? w[c] : 1.0, bc = affine ? b[c] : 0.0, re = 1 / std::sqrt(rv0[c] + (double)eps);
    double sg = 0, sgx = 0;
    // the backward uses the float32 saved statistics, as the kernel does
    const double mf = (double)(float)mu, rf = (double)(float)r;
    for (size_t i = 0; i < N; i++)
      for (size_t s = 0; s < S; s++) {
        size_t at = (i * C + c) * S + s;
        y[at] = (x[at] - mu) * r * wc + bc;
        ye[at] = (x[at] - rm0[c]) * re * wc + bc;
        sg += dy[at];
        sgx += dy[at] * (x[at] - mf) * rf;
      }
    dw[c] = sgx; db[c] = sg;
    for (size_t i = 0; i < N; i++)
      for (size_t s = 0; s < S; s++) {
        size_t at = (i * C + c) * S + s;
        dx[at] = wc * rf * (dy[at] - sg / M - (x[at] - mf) * rf * sgx / M);
      }
  }
  TBuf X(n, dt), Y(n, dt), DY(n, dt), DX(n, dt), W(C, NRC_F32), B(C, NRC_F32), SM(C, NRC_F32), SR(C, NRC_F32), RM(C, NRC_F32),
      RV(C, NRC_F32), DW(C, NRC_F32), DB(C, NRC_F32);
  X.upload(x); DY.upload(dy); W.upload(w); B.upload(b); RM.upload(rm0); RV.upload(rv0);
  Y.poison(); DX.poison(); SM.poison(); SR.poison(); DW.poison(); DB.poison();
  const float* wp = affine ? W.as<float>() : nullptr;
  const float* bp = affine ? B.as<float>() : nullptr;
  char what[220];
  snprintf(what, sizeof what, "%s N=%zu C=%zu S=%zu affine=%d running=%d off=%g", nrc::dtype_name(dt), N, C, S, affine, running, offset);
  std::string sfx = what;
  CHECK_NRC(nrc_batchnorm_fwd(dt, X.p, wp, bp, Y.p, SM.as<float>(), SR.as<float>(), running ? RM.as<float>() : nullptr,
                              running ? RV.as<float>() : nullptr, N, C, S, eps, momentum, 1));
  check_nan("batchnorm fwd y " + sfx, Y.download(), y, tol);
  check_nan("batchnorm fwd mean " + sfx, SM.download(), mean, 1e-6);
  check_nan("batchnorm fwd rstd " + sfx, SR.download(), rstd, 1e-5);
  if (running) {
    check_nan("batchnorm running_mean " + sfx, RM.download(), rm, 1e-6);
    check_nan("batchnorm running_var " + sfx, RV.download(), rv, 1e-5);
  }
  CHECK_NRC(nrc_batchnorm_bwd(dt, DY.p, X.p, wp, SM.as<float>(), SR.as<float>(), DX.p, DW.as<float>(), DB.as<float>(), N, C, S));
  check_nan("batchnorm bwd dx " + sfx, DX.download(), dx, dt == NRC_F64 ? 1e-6 : tol);  // float32 saved stats
  check_nan("batchnorm bwd dweight " + sfx, DW.download(), dw, dt == NRC_F64 ? 1e-6 : std::max(tol, 1e-5));
  check_nan("batchnorm bwd dbias " + sfx, DB.download(), db, dt == NRC_F64 ? 1e-6 : 1e-5);
  // eval mode with the original running statistics
  RM.upload(rm0); RV.upload(rv0);
  Y.poison();
  CHECK_NRC(nrc_batchnorm_fwd(dt, X.p, wp, bp, Y.p, nullptr, nullptr, RM.as<float>(), RV.as<float>(), N, C, S, eps, momentum, 0));
  check_nan("batchnorm eval y " + sfx, Y.download(), ye, tol);
}

static void bad_args() {
  TBuf X(64, NRC_F32), Y(64, NRC_F32), M(4, NRC_F32);
  expect_status("one value per channel in training rejected",
                nrc_batchnorm_fwd(NRC_F32, X.p, nullptr, nullptr, Y.p, M.as<float>(), M.as<float>(), nullptr, nullptr, 1, 4, 1, 1e-5f, 0.1f, 1),
                NRC_ERR_INVALID_ARG, "more than 1 value");
  expect_status("eval without running stats rejected",
                nrc_batchnorm_fwd(NRC_F32, X.p, nullptr, nullptr, Y.p, nullptr, nullptr, nullptr, nullptr, 4, 4, 4, 1e-5f, 0.1f, 0),
                NRC_ERR_INVALID_ARG, "running");
  expect_status("running_mean without running_var rejected",
                nrc_batchnorm_fwd(NRC_F32, X.p, nullptr, nullptr, Y.p, M.as<float>(), M.as<float>(), M.as<float>(), nullptr, 4, 4, 4, 1e-5f, 0.1f, 1),
                NRC_ERR_INVALID_ARG, "together");
  expect_status("int32 rejected",
                nrc_batchnorm_fwd(NRC_I32, X.p, nullptr, nullptr, Y.p, M.as<float>(), M.as<float>(), nullptr, nullptr, 4, 4, 4, 1e-5f, 0.1f, 1),
                NRC_ERR_UNSUPPORTED, "dtype");
}

static void bench(nrc_dtype dt, size_t N, size_t C, size_t S) {
  const size_t n = N * C * S;
  Buf X(n, dt), Y(n, dt), DX(n, dt), W(C, NRC_F32), B(C, NRC_F32), SM(C, NRC_F32), SR(C, NRC_F32), RM(C, NRC_F32), RV(C, NRC_F32),
      DW(C, NRC_F32), DB(C, NRC_F32);
  X.randn(1); W.randn(2); B.randn(3);
  CHECK_NRC(nrc_fill(NRC_F32, RM.p, C, 0.f));
  CHECK_NRC(nrc_fill(NRC_F32, RV.p, C, 1.f));
  std::string sfx = std::string("/") + dtname(dt) + "/" + std::to_string(N) + "x" + std::to_string(C) + "x" + std::to_string(S);
  double ms = time_ms([&] {
    nrc_batchnorm_fwd(dt, X.p, W.as<float>(), B.as<float>(), Y.p, SM.as<float>(), SR.as<float>(), RM.as<float>(), RV.as<float>(), N, C,
                      S, 1e-5f, 0.1f, 1);
  });
  result("batchnorm_fwd" + sfx, "nrc_batchnorm_fwd", ms, gbps(3.0 * X.bytes(), ms), "GB/s");  // x read twice, y written
  ms = time_ms([&] {
    nrc_batchnorm_bwd(dt, Y.p, X.p, W.as<float>(), SM.as<float>(), SR.as<float>(), DX.p, DW.as<float>(), DB.as<float>(), N, C, S);
  });
  result("batchnorm_bwd" + sfx, "nrc_batchnorm_bwd", ms, gbps(5.0 * X.bytes(), ms), "GB/s");  // x, dy read twice, dx written
}

int main(int argc, char** argv) {
  init(argc, argv);
  uint64_t seed = 1;
  for (nrc_dtype dt : {NRC_F32, NRC_BF16, NRC_F16, NRC_F64}) {
    validate(dt, 37, 5, 1, true, true, seed++);         // BatchNorm1d (N, C): column stats, flat apply
    validate(dt, 4, 3, 49, false, true, seed++);        // 7x7: column stats
    validate(dt, 3, 6, 97, true, false, seed++);        // row stats (warp), unaligned rows
    validate(dt, 2, 3, 3001, true, true, seed++);       // row stats (block)
    validate(dt, 2, 1, 2, true, true, seed++);          // smallest training batch
    if (dt == NRC_F32 || dt == NRC_F64) validate(dt, 16, 4, 10, true, true, seed++, 1000.0);  // large mean
    if (!g_quick) validate(dt, 300, 64, 33, true, true, seed++);
  }
  std::mt19937 rng(2024);  // random shapes (fixed seed: reproducible)
  for (int i = 0; i < (g_quick ? 4 : 12); i++) {
    size_t N = 1 + rng() % 40, C = 1 + rng() % 9, S = rng() % 2 ? 1 + rng() % 70 : 1 + rng() % 600;
    if (N * S < 2) N = 2;
    validate((nrc_dtype)(rng() % 4), N, C, S, rng() % 2, rng() % 2, seed++);
  }
  bad_args();
  if (!g_quick) {
    for (nrc_dtype dt : {NRC_F32, NRC_BF16}) {
      bench(dt, 32, 256, 56 * 56);
      bench(dt, 65536, 1024, 1);
    }
  }
  return finish("batchnorm");
}
