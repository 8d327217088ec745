// Dev harness for the fused SGD step: three steps (the first initialises the momentum buffer) against
// a float32 CPU model written like native/kernels/ref/optim.cc (grad scaled first), over every option
// combination (momentum, dampening, nesterov, weight decay, maximize), fp32/bf16/fp16 grads, odd n
// (scalar tails) and an unaligned sub-buffer (scalar path); argument errors; then timing at 2^26 params.
// Usage: sgd [--quick]
#include "harness_types.h"

using namespace dev;

struct Cfg { float lr, momentum, dampening, wd; int nesterov, maximize; };

static void validate(nrc_dtype gdt, size_t n, size_t offset, const Cfg& k, uint64_t seed) {
  const float gscale = 0.5f;
  auto p = randn(n, seed), b0 = randn(n, seed + 1);
  std::vector<float> rp = p, rb = b0;
  Buf P(n + offset, NRC_F32), B(n + offset, NRC_F32), G(n + offset, gdt);
  float* pp = P.as<float>() + offset;
  float* bp = B.as<float>() + offset;
  std::vector<float> pad(offset, 0.f);
  std::vector<float> up(pad); up.insert(up.end(), p.begin(), p.end());
  std::vector<float> ub(pad); ub.insert(ub.end(), b0.begin(), b0.end());
  P.upload(up);
  B.upload(ub);  // garbage before the first step: must be ignored
  const float neg_lr = (float)(-(double)k.lr), omd = (float)(1.0 - (double)k.dampening);
  for (int step = 1; step <= 3; step++) {
    auto g = randn(n, seed + 10 + step);
    round_to(g, gdt);
    std::vector<float> ug(pad); ug.insert(ug.end(), g.begin(), g.end());
    G.upload(ug);
    const void* gp = (const char*)G.p + offset * nrc::dtype_size(gdt);
    CHECK_NRC(nrc_sgd(pp, gp, gdt, k.momentum != 0 ? bp : nullptr, n, k.lr, k.momentum, k.dampening, k.wd, k.nesterov, k.maximize,
                      step == 1, gscale));
    for (size_t i = 0; i < n; i++) {
      float d = g[i] * gscale;
      if (k.maximize) d = -d;
      if (k.wd != 0) d = d + k.wd * rp[i];
      if (k.momentum != 0) {
        rb[i] = step == 1 ? d : rb[i] * k.momentum + omd * d;
        d = k.nesterov ? d + k.momentum * rb[i] : rb[i];
      }
      rp[i] = rp[i] + neg_lr * d;
    }
  }
  char what[200];
  snprintf(what, sizeof what, "sgd %s n=%zu off=%zu mom=%.2f damp=%.1f nest=%d wd=%.2f max=%d", dtname(gdt), n, offset, k.momentum,
           k.dampening, k.nesterov, k.wd, k.maximize);
  auto outp = P.download();
  check_f(what, std::vector<float>(outp.begin() + offset, outp.end()), rp, 1e-6);
  if (k.momentum != 0) {
    auto outb = B.download();
    check_f((std::string(what) + " buf").c_str(), std::vector<float>(outb.begin() + offset, outb.end()), rb, 1e-6);
  }
}

int main(int argc, char** argv) {
  init(argc, argv);
  const Cfg cfgs[] = {
      {0.1f, 0.f, 0.f, 0.f, 0, 0},    {0.05f, 0.9f, 0.f, 0.f, 0, 0},  {0.05f, 0.9f, 0.1f, 1e-2f, 0, 0},
      {0.05f, 0.9f, 0.f, 1e-2f, 1, 0}, {0.05f, 0.9f, 0.f, 1e-2f, 1, 1}, {0.1f, 0.f, 0.f, 0.05f, 0, 1},
  };
  uint64_t seed = 1;
  for (nrc_dtype gdt : {NRC_F32, NRC_BF16, NRC_F16})
    for (const Cfg& k : cfgs) {
      validate(gdt, 1003, 0, k, seed++);
      validate(gdt, 4096 + 3, 1, k, seed++);  // unaligned: scalar path
      if (!g_quick) validate(gdt, 1 << 18, 0, k, seed++);
    }
  {
    Buf P(16, NRC_F32), G(16, NRC_F32);
    expect_status("momentum without buffer rejected", nrc_sgd(P.as<float>(), G.p, NRC_F32, nullptr, 16, 0.1f, 0.9f, 0, 0, 0, 0, 1, 1),
                  NRC_ERR_INVALID_ARG, "buffer");
    expect_status("nesterov with dampening rejected", nrc_sgd(P.as<float>(), G.p, NRC_F32, P.as<float>(), 16, 0.1f, 0.9f, 0.5f, 0, 1, 0, 1, 1),
                  NRC_ERR_INVALID_ARG, "Nesterov");
    expect_status("float64 grad rejected", nrc_sgd(P.as<float>(), G.p, NRC_F64, nullptr, 16, 0.1f, 0, 0, 0, 0, 0, 1, 1),
                  NRC_ERR_INVALID_ARG, "grad dtype");
    expect_status("n == 0 is a no-op", nrc_sgd(nullptr, nullptr, NRC_F32, nullptr, 0, 0.1f, 0, 0, 0, 0, 0, 1, 1), NRC_OK, nullptr);
  }
  if (!g_quick) {
    const size_t n = 1 << 26;
    for (nrc_dtype gdt : {NRC_F32, NRC_BF16}) {
      Buf P(n, NRC_F32), B(n, NRC_F32), G(n, gdt);
      P.randn(1); B.randn(2, 0.1f); G.randn(3);
      double ms = time_ms([&] { nrc_sgd(P.as<float>(), G.p, gdt, B.as<float>(), n, 1e-3f, 0.9f, 0.f, 1e-4f, 0, 0, 0, 1.f); });
      double bytes = (double)n * (4 * 4 + nrc::dtype_size(gdt));  // p, buf read+written, g read
      result(std::string("sgd_momentum/") + dtname(gdt) + "/" + std::to_string(n), "nrc_sgd", ms, gbps(bytes, ms), "GB/s");
    }
  }
  return finish("sgd");
}
