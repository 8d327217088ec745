// Dev harness for GEMM: validates every variant (1 naive, 2 fp32 SIMT, 3 mma.sync, 4 wgmma/TMA;
// 0 = nrc_gemm's own choice) against a float64 CPU reference on small odd shapes for all
// transposes and dtypes, then the fast variants against variant 1 at 4096^3, and benchmarks them.
// Usage: gemm [--quick]
#include "harness.h"
#include "gemm.cuh"

using namespace dev;
using nrc::GemmAlgo;
using nrc::GemmArgs;

// C (M,N) = alpha * op(A) @ op(B) + beta * C0, in double.
static std::vector<double> ref_gemm(const std::vector<float>& A, const std::vector<float>& B, const std::vector<float>& C0,
                                    bool ta, bool tb, int M, int N, int K, float alpha, float beta) {
  std::vector<double> C((size_t)M * N);
  for (int m = 0; m < M; m++)
    for (int n = 0; n < N; n++) {
      double acc = 0;
      for (int k = 0; k < K; k++)
        acc += (double)(ta ? A[(size_t)k * M + m] : A[(size_t)m * K + k]) * (tb ? B[(size_t)n * K + k] : B[(size_t)k * N + n]);
      C[(size_t)m * N + n] = alpha * acc + (beta != 0.f ? beta * (double)C0[(size_t)m * N + n] : 0.0);
    }
  return C;
}

static double tol_for(nrc_dtype dt, bool tf32) {
  if (dt == NRC_F32) return tf32 ? 5e-3 : 1e-5;
  return dt == NRC_BF16 ? 1e-2 : 3e-3;  // output rounding dominates
}

static GemmArgs args_for(nrc_dtype dt, bool ta, bool tb, int M, int N, int K, float alpha, const Buf& A, const Buf& B,
                         float beta, Buf& C, bool tf32) {
  return GemmArgs{dt, ta, tb, M, N, K, alpha, A.p, ta ? M : K, B.p, tb ? K : N, beta, C.p, N, tf32};
}

static void validate_small(nrc_dtype dt, bool tf32, int M, int N, int K, bool ta, bool tb, float alpha, float beta, uint64_t seed) {
  auto hA = randn((size_t)M * K, seed), hB = randn((size_t)K * N, seed + 1), hC = randn((size_t)M * N, seed + 2);
  round_to(hA, dt); round_to(hB, dt); round_to(hC, dt);
  auto ref = ref_gemm(hA, hB, hC, ta, tb, M, N, K, alpha, beta);
  Buf A((size_t)M * K, dt), B((size_t)K * N, dt), C((size_t)M * N, dt);
  A.upload(hA); B.upload(hB);
  for (int v = 0; v <= 4; v++) {
    if (beta != 0.f) C.upload(hC); else C.poison();
    GemmArgs g = args_for(dt, ta, tb, M, N, K, alpha, A, B, beta, C, tf32);
    nrc_status s = nrc::gemm_run((GemmAlgo)v, g);
    char what[160];
    snprintf(what, sizeof what, "v%d %-8s %s%s %s %dx%dx%d a=%.1f b=%.1f", v, nrc::gemm_algo_name((GemmAlgo)v),
             ta ? "T" : "N", tb ? "T" : "N", tf32 ? "tf32" : dtname(dt), M, N, K, alpha, beta);
    if (s == NRC_ERR_UNSUPPORTED) { printf("skip %-60s (%s)\n", what, nrc_last_error()); continue; }
    CHECK_NRC(s);
    // variant 2 (SIMT) is exact fp32 even when tf32 is allowed
    check(what, C.download(), ref, v == 2 || (v == 1 && tf32) ? 1e-5 : tol_for(dt, tf32));
  }
}

// Large square check of variant v against variant 1 (fp32 accumulation, same inputs), then timing.
static void large(nrc_dtype dt, bool tf32, bool ta, bool tb, int S, const std::vector<int>& variants) {
  Buf A((size_t)S * S, dt), B((size_t)S * S, dt), C((size_t)S * S, dt), R((size_t)S * S, dt);
  A.randn(7);
  B.randn(8);
  std::vector<float> ref;
  if (S <= 4096) {
    GemmArgs r = args_for(dt, ta, tb, S, S, S, 1.f, A, B, 0.f, R, false);
    CHECK_NRC(nrc::gemm_run(GemmAlgo::kNaive, r));
    ref = R.download();
  }
  char key[96];
  snprintf(key, sizeof key, "gemm/%s/%s%s/%dx%dx%d", tf32 ? "tf32" : dtname(dt), ta ? "T" : "N", tb ? "T" : "N", S, S, S);
  for (int v : variants) {
    GemmArgs g = args_for(dt, ta, tb, S, S, S, 1.f, A, B, 0.f, C, tf32);
    C.poison();
    nrc_status s = nrc::gemm_run((GemmAlgo)v, g);
    if (s == NRC_ERR_UNSUPPORTED) { printf("skip %s v%d (%s)\n", key, v, nrc_last_error()); continue; }
    CHECK_NRC(s);
    if (!ref.empty()) {
      char what[128];
      snprintf(what, sizeof what, "%s v%d %s vs v1", key, v, nrc::gemm_algo_name((GemmAlgo)v));
      check_f(what, C.download(), ref, tol_for(dt, tf32) * (dt == NRC_F32 && !tf32 ? 10 : 1));
    }
    double ms = time_ms([&] { nrc::gemm_run((GemmAlgo)v, g); }, 20, 5);
    result(key, nrc::gemm_algo_name((GemmAlgo)v), ms, 2.0 * S * S * (double)S / (ms * 1e-3) / 1e12, "TFLOP/s");
  }
}

// Checks the MN-major wgmma descriptor offsets on one NN product; keeps the first pair that works.
static void probe_mn_desc() {
  if (!nrc::gemm_wgmma_available()) return;
  const int M = 128, N = 256, K = 128;
  auto hA = randn((size_t)M * K, 1), hB = randn((size_t)K * N, 2);
  round_to(hA, NRC_BF16); round_to(hB, NRC_BF16);
  auto ref = ref_gemm(hA, hB, {}, false, false, M, N, K, 1.f, 0.f);
  Buf A((size_t)M * K, NRC_BF16), B((size_t)K * N, NRC_BF16), C((size_t)M * N, NRC_BF16);
  A.upload(hA); B.upload(hB);
  const uint32_t cand[][2] = {{8192, 1024}, {1024, 8192}};
  for (auto& c : cand) {
    nrc::g_wgmma_mn_lbo = c[0]; nrc::g_wgmma_mn_sbo = c[1];
    C.poison();
    CHECK_NRC(nrc::gemm_run(GemmAlgo::kWgmma, args_for(NRC_BF16, false, false, M, N, K, 1.f, A, B, 0.f, C, false)));
    auto out = C.download();
    double num = 0, den = 0;
    for (size_t i = 0; i < ref.size(); i++) { double d = out[i] - ref[i]; num += d * d; den += ref[i] * ref[i]; }
    double rel = std::sqrt(num / den);
    printf("probe wgmma MN-major descriptor lbo=%u sbo=%u: rel_err %.2e\n", c[0], c[1], rel);
    if (rel < 1e-2) return;
  }
  nrc::g_wgmma_mn_lbo = 8192; nrc::g_wgmma_mn_sbo = 1024;
}

int main(int argc, char** argv) {
  init(argc, argv);
  probe_mn_desc();
  uint64_t seed = 100;
  struct Shape { int M, N, K; };
  const Shape shapes[] = {{128, 256, 64}, {257, 136, 200}, {64, 520, 1000}, {33, 45, 17}, {1, 8, 8}};
  for (nrc_dtype dt : {NRC_BF16, NRC_F16, NRC_F32})
    for (bool tf32 : {false, true}) {
      if (tf32 && dt != NRC_F32) continue;
      for (const Shape& s : shapes)
        for (int t = 0; t < 4; t++) validate_small(dt, tf32, s.M, s.N, s.K, t & 1, t & 2, 1.f, 0.f, seed++);
      validate_small(dt, tf32, 200, 264, 96, false, true, 0.5f, -1.5f, seed++);  // alpha/beta
      validate_small(dt, tf32, 200, 264, 96, false, false, 0.5f, -1.5f, seed++);
    }
  if (!g_quick) {
    large(NRC_BF16, false, false, true, 4096, {4, 3, 0});
    large(NRC_BF16, false, false, false, 4096, {4, 3, 0});
    large(NRC_BF16, false, true, false, 4096, {4});
    large(NRC_F16, false, false, true, 4096, {4, 3});
    large(NRC_F32, false, false, false, 4096, {2});
    large(NRC_F32, false, false, true, 4096, {2});
    large(NRC_F32, true, false, true, 4096, {4});
    large(NRC_BF16, false, false, true, 2048, {4});
    large(NRC_BF16, false, false, true, 8192, {4});
  }
  return finish("gemm");
}
