// Dev harness for adaptive average pooling (cuda/pool_adaptive.cu) and the typed fill (cuda/fill_ext.cu):
// forward and backward against a float64 CPU reference (native/kernels/cpu/pool.cc adaf/adab windows) for
// F32/F16/BF16/F64, sizes that do and do not divide (7x5 -> 3x2, 10x10 -> 3x7, 1x1 -> 4x4, 13x1 -> 5x1,
// 6x6 -> 6x6), zero planes; poisoned outputs. Fill: every dtype and element size against the expected
// bit pattern, odd n. Timing: 256x512 planes 14x14 -> 5x5 (bf16). Usage: pool_adaptive [--quick]
#include "harness_types.h"

using namespace dev;

static void validate(nrc_dtype dt, long long planes, long long H, long long W, long long P, long long Q, uint64_t seed) {
  auto x = randn<double>(planes * H * W, seed);
  auto g = randn<double>(planes * P * Q, seed + 1);
  round_all(x, dt); round_all(g, dt);
  std::vector<double> y(planes * P * Q, 0), dx(planes * H * W, 0);
  auto st = [](long long o, long long out, long long in) { return (o * in) / out; };
  auto en = [](long long o, long long out, long long in) { return ((o + 1) * in + out - 1) / out; };
  for (long long pl = 0; pl < planes; pl++)
    for (long long p = 0; p < P; p++)
      for (long long q = 0; q < Q; q++) {
        long long h0 = st(p, P, H), h1 = en(p, P, H), w0 = st(q, Q, W), w1 = en(q, Q, W);
        double acc = 0, area = (double)((h1 - h0) * (w1 - w0));
        for (long long h = h0; h < h1; h++) for (long long w = w0; w < w1; w++) acc += x[(pl * H + h) * W + w];
        y[(pl * P + p) * Q + q] = acc / area;
        for (long long h = h0; h < h1; h++) for (long long w = w0; w < w1; w++) dx[(pl * H + h) * W + w] += g[(pl * P + p) * Q + q] / area;
      }
  TBuf X(planes * H * W, dt), Y(planes * P * Q, dt), G(planes * P * Q, dt), D(planes * H * W, dt);
  X.upload(x); G.upload(g); Y.poison(); D.poison();
  CHECK_NRC(nrc_adaptive_avgpool2d_fwd(dt, X.p, Y.p, planes, H, W, P, Q));
  CHECK_NRC(nrc_adaptive_avgpool2d_bwd(dt, G.p, D.p, planes, H, W, P, Q));
  round_all(y, dt); round_all(dx, dt);
  const double tol = dt == NRC_F64 ? 1e-13 : dt == NRC_F32 ? 1e-6 : 1e-2;
  char what[200];
  snprintf(what, sizeof what, "adaptive_avgpool2d %s planes=%lld (%lld, %lld) -> (%lld, %lld)", dtname(dt), planes, H, W, P, Q);
  check_nan(std::string(what) + " fwd", Y.download(), y, tol);
  check_nan(std::string(what) + " bwd", D.download(), dx, tol);
}

static void fill_check(nrc_dtype dt, size_t n, double value, double want) {
  TBuf T(n, dt);
  T.poison();
  const size_t es = nrc::dtype_size(dt);
  std::vector<double> one{value};
  TBuf O(1, dt);
  O.upload(one);   // the host conversion of TBuf as the element pattern
  std::vector<char> pat(es);
  CHECK_NRC(nrc_sync());
  cudaMemcpy(pat.data(), O.p, es, cudaMemcpyDeviceToHost);
  CHECK_NRC(nrc_fill_pattern(T.p, n, es, pat.data()));
  char what[120];
  snprintf(what, sizeof what, "fill_pattern %s n=%zu value=%g", dtname(dt), n, value);
  check_nan(what, T.download(), std::vector<double>(n, want), 0);
}

int main(int argc, char** argv) {
  init(argc, argv);
  const long long geos[][5] = {{3, 7, 5, 3, 2}, {2, 10, 10, 3, 7}, {5, 1, 1, 4, 4}, {4, 13, 1, 5, 1}, {2, 6, 6, 6, 6}, {0, 4, 4, 2, 2}, {1, 33, 17, 5, 9}};
  uint64_t seed = 1;
  for (nrc_dtype dt : {NRC_F32, NRC_F16, NRC_BF16, NRC_F64})
    for (auto& g : geos) validate(dt, g[0], g[1], g[2], g[3], g[4], seed++);
  expect_status("adaptive pool int32 rejected", nrc_adaptive_avgpool2d_fwd(NRC_I32, nullptr, nullptr, 1, 2, 2, 1, 1), NRC_ERR_UNSUPPORTED, "dtype");
  expect_status("adaptive pool P = 0 rejected", nrc_adaptive_avgpool2d_fwd(NRC_F32, nullptr, nullptr, 1, 2, 2, 0, 1), NRC_ERR_INVALID_ARG, "positive");
  fill_check(NRC_F64, 1001, 0.1, 0.1);
  fill_check(NRC_F32, 7, -2.5, -2.5);
  fill_check(NRC_BF16, 9, 3.0, 3.0);
  fill_check(NRC_I32, 1003, -7, -7);
  fill_check(NRC_I64, 5, 123456789012.0, 123456789012.0);
  fill_check(NRC_U8, 4099, 200, 200);
  fill_check(NRC_BOOL, 33, 1, 1);
  expect_status("fill elem_size 3 rejected", nrc_fill_pattern(nullptr, 4, 3, nullptr), NRC_ERR_INVALID_ARG, "elem_size");
  if (!g_quick) {
    const long long planes = 256 * 512, H = 14, W = 14, P = 5, Q = 5;
    Buf X(planes * H * W, NRC_BF16), Y(planes * P * Q, NRC_BF16), D(planes * H * W, NRC_BF16);
    X.randn(1);
    double f = time_ms([&] { nrc_adaptive_avgpool2d_fwd(NRC_BF16, X.p, Y.p, planes, H, W, P, Q); });
    double b = time_ms([&] { nrc_adaptive_avgpool2d_bwd(NRC_BF16, Y.p, D.p, planes, H, W, P, Q); });
    const double bytes = (double)planes * (H * W + P * Q) * 2;
    result("adaptive_avgpool2d/fwd/bf16/131072x14x14->5x5", "nrc_adaptive_avgpool2d_fwd", f, gbps(bytes, f), "GB/s");
    result("adaptive_avgpool2d/bwd/bf16/131072x14x14->5x5", "nrc_adaptive_avgpool2d_bwd", b, gbps(bytes, b), "GB/s");
  }
  return finish("pool_adaptive");
}
