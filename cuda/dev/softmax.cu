// Dev harness for softmax and fused cross-entropy (loss + dlogits): CPU reference in float64 on odd
// shapes (warp-per-row and block-per-row paths, ignore_index -100, an out-of-range target that
// nrc_sync must report), then timing at (8192, 50304) logits, as in GPT-2 training.
// Usage: softmax [--quick]
#include "harness.h"

using namespace dev;

static void validate(nrc_dtype dt, size_t rows, size_t V, uint64_t seed) {
  double tol = dt == NRC_F32 ? 1e-5 : dt == NRC_BF16 ? 1e-2 : 2e-3;
  auto x = randn(rows * V, seed, 3.f);
  round_to(x, dt);
  std::vector<int32_t> t(rows);
  for (size_t r = 0; r < rows; r++) t[r] = (int32_t)((r * 7919 + seed) % V);
  if (rows > 2) t[1] = -100;
  std::vector<double> sm(rows * V), loss(rows), dl(rows * V);
  int valid = 0;
  for (int32_t ti : t) valid += ti != -100;
  for (size_t r = 0; r < rows; r++) {
    double mx = -INFINITY, s = 0;
    for (size_t c = 0; c < V; c++) mx = std::max(mx, (double)x[r * V + c]);
    for (size_t c = 0; c < V; c++) s += std::exp(x[r * V + c] - mx);
    for (size_t c = 0; c < V; c++) sm[r * V + c] = std::exp(x[r * V + c] - mx) / s;
    loss[r] = t[r] == -100 ? 0 : std::log(s) + mx - x[r * V + t[r]];
    for (size_t c = 0; c < V; c++)
      dl[r * V + c] = t[r] == -100 ? 0 : (sm[r * V + c] - ((int)c == t[r])) / valid;
  }
  Buf X(rows * V, dt), Y(rows * V, dt), T(rows, NRC_F32), L(rows, NRC_F32), D(rows * V, dt);
  X.upload(x);
  CHECK_NRC(nrc_memcpy_h2d(T.p, t.data(), rows * 4));
  char what[128];
  Y.poison();
  CHECK_NRC(nrc_softmax(dt, X.p, Y.p, rows, V));
  snprintf(what, sizeof what, "softmax %s %zux%zu", dtname(dt), rows, V);
  check(what, Y.download(), sm, tol);
  L.poison(); D.poison();
  CHECK_NRC(nrc_cross_entropy(dt, X.p, T.as<int32_t>(), L.as<float>(), D.p, 1.f / valid, rows, V));
  snprintf(what, sizeof what, "cross_entropy loss %s %zux%zu", dtname(dt), rows, V);
  check(what, L.download(), loss, 1e-5);
  snprintf(what, sizeof what, "cross_entropy dlogits %s %zux%zu", dtname(dt), rows, V);
  check(what, D.download(), dl, tol);
  // an out-of-range target must be reported by nrc_sync, not crash
  t[0] = (int32_t)V;
  CHECK_NRC(nrc_memcpy_h2d(T.p, t.data(), rows * 4));
  CHECK_NRC(nrc_cross_entropy(dt, X.p, T.as<int32_t>(), L.as<float>(), nullptr, 1.f, rows, V));
  nrc_status s = nrc_sync();
  bool ok = s == NRC_ERR_DEVICE_ASSERT && strstr(nrc_last_error(), "target");
  printf("%s cross_entropy bad target reported: %s\n", ok ? "PASS" : "FAIL", nrc_last_error());
  if (!ok) g_failures++;
}

int main(int argc, char** argv) {
  init(argc, argv);
  for (nrc_dtype dt : {NRC_F32, NRC_BF16, NRC_F16}) {
    validate(dt, 37, 1000, 1);   // warp per row (softmax)
    validate(dt, 9, 50257, 2);   // block per row
  }
  if (!g_quick) {
    const size_t rows = 8192, V = 50304;
    for (nrc_dtype dt : {NRC_BF16, NRC_F32}) {
      Buf X(rows * V, dt), Y(rows * V, dt), T(rows, NRC_F32), L(rows, NRC_F32);
      X.randn(5);
      std::vector<int32_t> t(rows);
      for (size_t r = 0; r < rows; r++) t[r] = (int32_t)(r * 31 % V);
      CHECK_NRC(nrc_memcpy_h2d(T.p, t.data(), rows * 4));
      std::string sfx = std::string("/") + dtname(dt) + "/" + std::to_string(rows) + "x" + std::to_string(V);
      double ms = time_ms([&] { nrc_softmax(dt, X.p, Y.p, rows, V); });
      result("softmax" + sfx, "nrc_softmax", ms, 2.0 * X.bytes() / (ms * 1e-3) / 1e9, "GB/s");
      ms = time_ms([&] { nrc_cross_entropy(dt, X.p, T.as<int32_t>(), L.as<float>(), Y.p, 1.f / rows, rows, V); });
      result("cross_entropy_fwd_bwd" + sfx, "nrc_cross_entropy", ms, 2.0 * X.bytes() / (ms * 1e-3) / 1e9, "GB/s");
    }
  }
  return finish("softmax");
}
