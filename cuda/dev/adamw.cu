// Dev harness for fused AdamW: validates two steps against a float64 CPU model of torch.optim.AdamW
// (fp32/bf16/fp16 grads, grad scale, low-precision param copy, odd n and unaligned tails), then
// times one step over 2^26 parameters (bandwidth: p, m, v read+written, g read).
// Usage: adamw [--quick]
#include "harness.h"

using namespace dev;

static void validate(nrc_dtype gdt, nrc_dtype lpdt, size_t n, uint64_t seed) {
  auto p = randn(n, seed), m = randn(n, seed + 1, 0.1f), v = uniform(n, seed + 2, 0.f, 0.1f);
  const float lr = 1e-2f, b1 = 0.9f, b2 = 0.95f, eps = 1e-8f, wd = 0.1f, gscale = 0.5f;
  Buf P(n, NRC_F32), M(n, NRC_F32), V(n, NRC_F32), G(n, gdt), L(n, lpdt);
  P.upload(p); M.upload(m); V.upload(v);
  std::vector<double> rp(p.begin(), p.end()), rm(m.begin(), m.end()), rv(v.begin(), v.end());
  for (int step = 1; step <= 2; step++) {
    auto g = randn(n, seed + 10 + step);
    round_to(g, gdt);
    G.upload(g);
    L.poison();
    CHECK_NRC(nrc_adamw(P.as<float>(), G.p, gdt, M.as<float>(), V.as<float>(), n, lr, b1, b2, eps, wd, step, gscale, L.p, lpdt));
    double bc1 = 1 - std::pow((double)b1, step), bc2 = 1 - std::pow((double)b2, step);
    for (size_t i = 0; i < n; i++) {
      double gi = g[i] * (double)gscale;
      rm[i] = b1 * rm[i] + (1 - b1) * gi;
      rv[i] = b2 * rv[i] + (1 - b2) * gi * gi;
      rp[i] *= 1 - (double)lr * wd;
      rp[i] -= lr / bc1 * rm[i] / (std::sqrt(rv[i]) / std::sqrt(bc2) + eps);
    }
  }
  char what[128];
  snprintf(what, sizeof what, "adamw grad %s n=%zu: params", dtname(gdt), n);
  check(what, P.download(), rp, 1e-6);
  snprintf(what, sizeof what, "adamw grad %s n=%zu: m", dtname(gdt), n);
  check(what, M.download(), rm, 1e-6);
  snprintf(what, sizeof what, "adamw grad %s n=%zu: v", dtname(gdt), n);
  check(what, V.download(), rv, 1e-6);
  snprintf(what, sizeof what, "adamw grad %s n=%zu: %s copy", dtname(gdt), n, dtname(lpdt));
  check(what, L.download(), rp, lpdt == NRC_BF16 ? 8e-3 : lpdt == NRC_F16 ? 1e-3 : 1e-6);
}

int main(int argc, char** argv) {
  init(argc, argv);
  validate(NRC_F32, NRC_BF16, 100003, 1);
  validate(NRC_BF16, NRC_F16, 4099, 20);
  validate(NRC_F16, NRC_F32, 7, 40);
  if (!g_quick) {
    const size_t n = (size_t)1 << 26;
    Buf P(n, NRC_F32), M(n, NRC_F32), V(n, NRC_F32), G(n, NRC_F32);
    P.randn(1); M.randn(2, 0.1f); V.uniform(3, 0.f, 0.1f); G.randn(4);
    int step = 1;
    double ms = time_ms([&] {
      nrc_adamw(P.as<float>(), G.p, NRC_F32, M.as<float>(), V.as<float>(), n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, step++, 1.f,
                nullptr, NRC_F32);
    });
    result("adamw/float32/" + std::to_string(n), "nrc_adamw", ms, 7.0 * 4 * n / (ms * 1e-3) / 1e9, "GB/s");
  }
  return finish("adamw");
}
