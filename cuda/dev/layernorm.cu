// Dev harness for layernorm forward/backward and embedding forward/backward: float64 CPU references
// on odd shapes (dweight/dbias accumulate into existing values; an out-of-range embedding index is
// reported by nrc_sync), then timing at (16384, 768) and (16384, 4096).
// Usage: layernorm [--quick]
#include "harness.h"

using namespace dev;

static void validate_ln(nrc_dtype dt, size_t rows, size_t C, uint64_t seed) {
  double tol = dt == NRC_F32 ? 1e-5 : dt == NRC_BF16 ? 1e-2 : 2e-3;
  auto x = randn(rows * C, seed, 2.f), dy = randn(rows * C, seed + 1);
  auto w = randn(C, seed + 2), b = randn(C, seed + 3), dw0 = randn(C, seed + 4), db0 = randn(C, seed + 5);
  round_to(x, dt); round_to(dy, dt);
  const float eps = 1e-5f;
  std::vector<double> y(rows * C), mean(rows), rstd(rows), dx(rows * C), dw(dw0.begin(), dw0.end()), db(db0.begin(), db0.end());
  for (size_t r = 0; r < rows; r++) {
    double mu = 0, var = 0;
    for (size_t c = 0; c < C; c++) mu += x[r * C + c];
    mu /= C;
    for (size_t c = 0; c < C; c++) var += (x[r * C + c] - mu) * (x[r * C + c] - mu);
    double rs = 1 / std::sqrt(var / C + eps);
    mean[r] = mu; rstd[r] = rs;
    double s1 = 0, s2 = 0;
    for (size_t c = 0; c < C; c++) {
      double xh = (x[r * C + c] - mu) * rs;
      y[r * C + c] = xh * w[c] + b[c];
      double g = dy[r * C + c] * w[c];
      s1 += g; s2 += g * xh;
      dw[c] += dy[r * C + c] * xh;
      db[c] += dy[r * C + c];
    }
    for (size_t c = 0; c < C; c++) {
      double xh = (x[r * C + c] - mu) * rs;
      dx[r * C + c] = rs * (dy[r * C + c] * w[c] - s1 / C - xh * s2 / C);
    }
  }
  Buf X(rows * C, dt), Y(rows * C, dt), DY(rows * C, dt), DX(rows * C, dt), W(C, NRC_F32), B(C, NRC_F32),
      DW(C, NRC_F32), DB(C, NRC_F32), M(rows, NRC_F32), R(rows, NRC_F32);
  X.upload(x); DY.upload(dy); W.upload(w); B.upload(b); DW.upload(dw0); DB.upload(db0);
  Y.poison(); M.poison(); R.poison(); DX.poison();
  CHECK_NRC(nrc_layernorm_fwd(dt, X.p, W.as<float>(), B.as<float>(), Y.p, M.as<float>(), R.as<float>(), rows, C, eps));
  CHECK_NRC(nrc_layernorm_bwd(dt, DY.p, X.p, W.as<float>(), M.as<float>(), R.as<float>(), DX.p, DW.as<float>(),
                              DB.as<float>(), rows, C));
  char what[128];
  snprintf(what, sizeof what, "layernorm fwd %s %zux%zu", dtname(dt), rows, C);
  check(what, Y.download(), y, tol);
  snprintf(what, sizeof what, "layernorm mean/rstd %s %zux%zu", dtname(dt), rows, C);
  check(what, M.download(), mean, 1e-5);
  check(what, R.download(), rstd, 1e-5);
  snprintf(what, sizeof what, "layernorm bwd dx %s %zux%zu", dtname(dt), rows, C);
  check(what, DX.download(), dx, tol);
  snprintf(what, sizeof what, "layernorm bwd dweight/dbias %s %zux%zu", dtname(dt), rows, C);
  check(what, DW.download(), dw, 1e-5);
  check(what, DB.download(), db, 1e-5);
}

static void validate_emb(nrc_dtype dt, size_t n, size_t V, size_t C, uint64_t seed) {
  auto table = randn(V * C, seed), dout = randn(n * C, seed + 1);
  round_to(table, dt); round_to(dout, dt);
  std::vector<int32_t> idx(n);
  for (size_t i = 0; i < n; i++) idx[i] = (int32_t)((i * 2654435761u + seed) % V);
  std::vector<double> out(n * C), dt_ref(V * C, 0.0);
  for (size_t i = 0; i < n; i++)
    for (size_t c = 0; c < C; c++) { out[i * C + c] = table[idx[i] * C + c]; dt_ref[idx[i] * C + c] += dout[i * C + c]; }
  Buf T(V * C, dt), O(n * C, dt), I(n, NRC_F32), DO(n * C, dt), DT(V * C, NRC_F32);
  T.upload(table); DO.upload(dout);
  CHECK_NRC(nrc_memcpy_h2d(I.p, idx.data(), n * 4));
  O.poison();
  CHECK_NRC(nrc_fill(NRC_F32, DT.p, V * C, 0.f));
  CHECK_NRC(nrc_embedding_fwd(dt, T.p, I.as<int32_t>(), O.p, n, V, C));
  CHECK_NRC(nrc_embedding_bwd(dt, DO.p, I.as<int32_t>(), DT.as<float>(), n, V, C));
  char what[128];
  snprintf(what, sizeof what, "embedding fwd %s n=%zu V=%zu C=%zu", dtname(dt), n, V, C);
  check(what, O.download(), out, 0);
  snprintf(what, sizeof what, "embedding bwd %s n=%zu V=%zu C=%zu", dtname(dt), n, V, C);
  check(what, DT.download(), dt_ref, 1e-5);
  idx[n / 2] = -3;
  CHECK_NRC(nrc_memcpy_h2d(I.p, idx.data(), n * 4));
  CHECK_NRC(nrc_embedding_fwd(dt, T.p, I.as<int32_t>(), O.p, n, V, C));
  nrc_status s = nrc_sync();
  bool ok = s == NRC_ERR_DEVICE_ASSERT && strstr(nrc_last_error(), "embedding");
  printf("%s embedding bad index reported: %s\n", ok ? "PASS" : "FAIL", nrc_last_error());
  if (!ok) g_failures++;
}

int main(int argc, char** argv) {
  init(argc, argv);
  for (nrc_dtype dt : {NRC_F32, NRC_BF16, NRC_F16}) {
    validate_ln(dt, 67, 768, 1);
    validate_ln(dt, 5, 1001, 2);
    validate_emb(dt, 300, 1000, 64, 3);
    validate_emb(dt, 77, 50, 13, 4);  // scalar path
  }
  if (!g_quick) {
    for (size_t C : {(size_t)768, (size_t)4096}) {
      const size_t rows = 16384;
      nrc_dtype dt = NRC_BF16;
      Buf X(rows * C, dt), Y(rows * C, dt), DX(rows * C, dt), W(C, NRC_F32), B(C, NRC_F32), M(rows, NRC_F32),
          R(rows, NRC_F32), DW(C, NRC_F32), DB(C, NRC_F32);
      X.randn(1); W.randn(2); B.randn(3);
      std::string sfx = std::string("/") + dtname(dt) + "/" + std::to_string(rows) + "x" + std::to_string(C);
      double ms = time_ms([&] { nrc_layernorm_fwd(dt, X.p, W.as<float>(), B.as<float>(), Y.p, M.as<float>(), R.as<float>(), rows, C, 1e-5f); });
      result("layernorm_fwd" + sfx, "nrc_layernorm_fwd", ms, 2.0 * X.bytes() / (ms * 1e-3) / 1e9, "GB/s");
      ms = time_ms([&] { nrc_layernorm_bwd(dt, Y.p, X.p, W.as<float>(), M.as<float>(), R.as<float>(), DX.p, DW.as<float>(), DB.as<float>(), rows, C); });
      result("layernorm_bwd" + sfx, "nrc_layernorm_bwd", ms, 3.0 * X.bytes() / (ms * 1e-3) / 1e9, "GB/s");
    }
  }
  return finish("layernorm");
}
