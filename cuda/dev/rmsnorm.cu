// Dev harness for RMSNorm forward/backward: float64 CPU model of native/kernels/ref/norm.cc (rms) on
// odd shapes reaching the warp and block paths, with and without weight, every float dtype, an
// unaligned row start, C == 0; dweight accumulates into existing values; outputs poisoned first.
// Then timing at (16384, 768) and (16384, 4096) bf16.
// Usage: rmsnorm [--quick]
#include "harness_types.h"

using namespace dev;

static void validate(nrc_dtype dt, size_t rows, size_t C, bool with_w, size_t off, uint64_t seed) {
  const double tol = dt == NRC_F64 ? 1e-12 : dt == NRC_F32 ? 1e-5 : dt == NRC_BF16 ? 1e-2 : 2e-3;
  auto x = randn<double>(rows * C, seed, 2.0), dy = randn<double>(rows * C, seed + 1);
  auto w = randn<double>(C, seed + 2), dw0 = randn<double>(C, seed + 3);
  round_all(x, dt); round_all(dy, dt); round_all(w, NRC_F32); round_all(dw0, NRC_F32);
  const float eps = 1e-5f;
  std::vector<double> y(rows * C), rstd(rows), dx(rows * C), dw(dw0);
  for (size_t r = 0; r < rows; r++) {
    double ss = 0;
    for (size_t c = 0; c < C; c++) ss += x[r * C + c] * x[r * C + c];
    double rs = 1 / std::sqrt((C ? ss / C : 0.0) + (double)eps);
    rstd[r] = (double)(float)rs;
    double s = 0;
    for (size_t c = 0; c < C; c++) {
      double wc = with_w ? w[c] : 1.0, xh = x[r * C + c] * rs;
      y[r * C + c] = xh * wc;
      s += dy[r * C + c] * wc * xh;
      dw[c] += dy[r * C + c] * xh;
    }
    for (size_t c = 0; c < C; c++) {
      double wc = with_w ? w[c] : 1.0, xh = x[r * C + c] * rs;
      dx[r * C + c] = rs * (dy[r * C + c] * wc - xh * s / (double)C);
    }
  }
  // off: the tensors start `off` elements into their buffers (rows not 16-byte aligned)
  TBuf X(rows * C + off, dt), Y(rows * C + off, dt), DY(rows * C + off, dt), DX(rows * C + off, dt), W(C, NRC_F32), DW(C, NRC_F32),
      R(rows, NRC_F32);
  std::vector<double> xo(off, 0.0), dyo(off, 0.0);
  xo.insert(xo.end(), x.begin(), x.end());
  dyo.insert(dyo.end(), dy.begin(), dy.end());
  X.upload(xo); DY.upload(dyo); W.upload(w); DW.upload(dw0);
  Y.poison(); DX.poison(); R.poison();
  const size_t es = nrc::dtype_size(dt);
  void* xp = (char*)X.p + off * es;
  void* yp = (char*)Y.p + off * es;
  void* dyp = (char*)DY.p + off * es;
  void* dxp = (char*)DX.p + off * es;
  const float* wp = with_w ? W.as<float>() : nullptr;
  CHECK_NRC(nrc_rmsnorm_fwd(dt, xp, wp, yp, R.as<float>(), rows, C, eps));
  CHECK_NRC(nrc_rmsnorm_bwd(dt, dyp, xp, wp, R.as<float>(), dxp, DW.as<float>(), rows, C));
  char what[200];
  auto tail = [&](const std::vector<double>& v) { return std::vector<double>(v.begin() + off, v.end()); };
  snprintf(what, sizeof what, "rmsnorm fwd %s %zux%zu w=%d off=%zu", nrc::dtype_name(dt), rows, C, with_w, off);
  check_nan(what, tail(Y.download()), y, tol);
  snprintf(what, sizeof what, "rmsnorm rstd %s %zux%zu", nrc::dtype_name(dt), rows, C);
  check_nan(what, R.download(), rstd, 1e-6);
  snprintf(what, sizeof what, "rmsnorm bwd dx %s %zux%zu w=%d off=%zu", nrc::dtype_name(dt), rows, C, with_w, off);
  check_nan(what, tail(DX.download()), dx, tol);
  snprintf(what, sizeof what, "rmsnorm bwd dweight (+=) %s %zux%zu", nrc::dtype_name(dt), rows, C);
  check_nan(what, DW.download(), dw, dt == NRC_F64 || dt == NRC_F32 ? 1e-5 : tol);
}

int main(int argc, char** argv) {
  init(argc, argv);
  uint64_t seed = 1;
  for (nrc_dtype dt : {NRC_F32, NRC_BF16, NRC_F16, NRC_F64}) {
    validate(dt, 67, 768, true, 0, seed++);
    validate(dt, 33, 77, false, 0, seed++);
    validate(dt, 9, 1001, true, 1, seed++);    // unaligned rows, scalar path
    validate(dt, 5, 4099, true, 3, seed++);    // block per row
    validate(dt, 4, 0, true, 0, seed++);       // C == 0: rstd = 1/sqrt(eps)
    if (!g_quick) validate(dt, 3000, 9000, true, 0, seed++);  // dweight through global atomics
  }
  std::mt19937 rng(2024);  // random shapes (fixed seed: reproducible)
  for (int i = 0; i < (g_quick ? 4 : 12); i++) {
    size_t rows = 1 + rng() % 50, C = rng() % 2 ? 1 + rng() % 1100 : 1 + rng() % 6000;
    validate((nrc_dtype)(rng() % 4), rows, C, rng() % 2, rng() % 3, seed++);
  }
  if (!g_quick) {
    for (size_t C : {(size_t)768, (size_t)4096}) {
      const size_t rows = 16384;
      nrc_dtype dt = NRC_BF16;
      Buf X(rows * C, dt), Y(rows * C, dt), DX(rows * C, dt), W(C, NRC_F32), R(rows, NRC_F32), DW(C, NRC_F32);
      X.randn(1); W.randn(2);
      std::string sfx = std::string("/") + dtname(dt) + "/" + std::to_string(rows) + "x" + std::to_string(C);
      double ms = time_ms([&] { nrc_rmsnorm_fwd(dt, X.p, W.as<float>(), Y.p, R.as<float>(), rows, C, 1e-5f); });
      result("rmsnorm_fwd" + sfx, "nrc_rmsnorm_fwd", ms, gbps(2.0 * X.bytes(), ms), "GB/s");
      ms = time_ms([&] { nrc_rmsnorm_bwd(dt, Y.p, X.p, W.as<float>(), R.as<float>(), DX.p, DW.as<float>(), rows, C); });
      result("rmsnorm_bwd" + sfx, "nrc_rmsnorm_bwd", ms, gbps(3.0 * X.bytes(), ms), "GB/s");
    }
  }
  return finish("rmsnorm");
}
