// Dev harness for the fused Adam (amsgrad, L2 / decoupled decay, maximize), RMSprop and Adagrad steps
// (cuda/optim_ext.cu): five steps against a float64 CPU model of the torch.optim formulas (the order of
// native/kernels/ref/optim.cc), every option combination, fp32/bf16/fp16 gradients (rounded on the host
// first), odd n and an unaligned sub-buffer; argument errors; timing of Adam+amsgrad at 2^26 params.
// Usage: optim_ext [--quick]
#include "harness_types.h"

using namespace dev;

enum Kind { ADAM, RMSPROP, ADAGRAD };
struct Cfg { Kind kind; int amsgrad, decoupled; float wd; int maximize; int centered; float momentum; float lr_decay; };

static void validate(nrc_dtype gdt, size_t n, size_t off, const Cfg& k, uint64_t seed) {
  const float lr = 1e-2f, b1 = 0.9f, b2 = 0.99f, eps = 1e-8f, alpha = 0.95f;
  auto p0 = randn<double>(n, seed);
  std::vector<double> rp = p0, s1(n, k.kind == ADAGRAD ? 0.1 : 0.0), s2(n, 0.0), s3(n, 0.0);
  TBuf P(n + off, NRC_F32), G(n + off, gdt), A(n + off, NRC_F32), B(n + off, NRC_F32), C(n + off, NRC_F32);
  auto pad = [&](const std::vector<double>& v) { std::vector<double> u(off, 0.0); u.insert(u.end(), v.begin(), v.end()); return u; };
  P.upload(pad(p0)); A.upload(pad(s1)); B.upload(pad(s2)); C.upload(pad(s3));
  float* pp = P.as<float>() + off; float* a = A.as<float>() + off; float* b = B.as<float>() + off; float* c = C.as<float>() + off;
  const void* gp = (const char*)G.p + off * nrc::dtype_size(gdt);
  for (int step = 1; step <= 5; step++) {
    auto g = randn<double>(n, seed + 10 + step);
    round_all(g, gdt);
    G.upload(pad(g));
    if (k.kind == ADAM) CHECK_NRC(nrc_adam_ext(pp, gp, gdt, a, b, k.amsgrad ? c : nullptr, n, lr, b1, b2, eps, k.wd, step, k.decoupled, k.maximize, 1.f));
    else if (k.kind == RMSPROP) CHECK_NRC(nrc_rmsprop(pp, gp, gdt, a, k.centered ? b : nullptr, k.momentum > 0 ? c : nullptr, n, lr, alpha, eps, k.wd, k.momentum, k.maximize, 1.f));
    else CHECK_NRC(nrc_adagrad(pp, gp, gdt, a, n, lr / (1 + (step - 1) * k.lr_decay), eps, k.wd, k.maximize, 1.f));
    const double bc1 = 1 - std::pow((double)b1, step), bc2 = 1 - std::pow((double)b2, step);
    for (size_t i = 0; i < n; i++) {
      double d = k.maximize ? -g[i] : g[i], &p = rp[i];
      if (k.kind == ADAM) {
        if (k.decoupled) p *= 1 - (double)lr * k.wd; else d += (double)k.wd * p;
        s1[i] = s1[i] * b1 + (1 - (double)b1) * d;
        s2[i] = s2[i] * b2 + (1 - (double)b2) * d * d;
        double v = s2[i];
        if (k.amsgrad) { s3[i] = std::max(s3[i], s2[i]); v = s3[i]; }
        p -= (double)lr / bc1 * (s1[i] / (std::sqrt(v) / std::sqrt(bc2) + eps));
      } else if (k.kind == RMSPROP) {
        d += (double)k.wd * p;
        s1[i] = s1[i] * alpha + (1 - (double)alpha) * d * d;
        double avg = s1[i];
        if (k.centered) { s2[i] = s2[i] * alpha + (1 - (double)alpha) * d; avg -= s2[i] * s2[i]; }
        avg = std::sqrt(avg) + eps;
        if (k.momentum > 0) { s3[i] = s3[i] * k.momentum + d / avg; p -= lr * s3[i]; } else p -= lr * d / avg;
      } else {
        d += (double)k.wd * p;
        s1[i] += d * d;
        p -= (double)lr / (1 + (step - 1) * (double)k.lr_decay) * d / (std::sqrt(s1[i]) + eps);
      }
    }
  }
  char what[200];
  snprintf(what, sizeof what, "%s g=%s n=%zu off=%zu ams=%d dec=%d wd=%.2f max=%d cen=%d mom=%.1f", k.kind == ADAM ? "adam" : k.kind == RMSPROP ? "rmsprop" : "adagrad",
           dtname(gdt), n, off, k.amsgrad, k.decoupled, k.wd, k.maximize, k.centered, k.momentum);
  auto tail = [&](const TBuf& t) { auto v = t.download(); return std::vector<double>(v.begin() + off, v.end()); };
  check_nan(std::string(what) + " param", tail(P), rp, 1e-5);
  check_nan(std::string(what) + " state1", tail(A), s1, 1e-5);
  if (k.kind == ADAM || k.centered) check_nan(std::string(what) + " state2", tail(B), s2, 1e-5);
  if ((k.kind == ADAM && k.amsgrad) || (k.kind == RMSPROP && k.momentum > 0)) check_nan(std::string(what) + " state3", tail(C), s3, 1e-5);
}

int main(int argc, char** argv) {
  init(argc, argv);
  std::vector<Cfg> cfgs;
  for (int ams : {0, 1}) for (int dec : {0, 1}) for (float wd : {0.f, 0.05f}) cfgs.push_back({ADAM, ams, dec, wd, ams ^ dec, 0, 0, 0});
  for (int cen : {0, 1}) for (float mom : {0.f, 0.9f}) cfgs.push_back({RMSPROP, 0, 0, cen ? 0.01f : 0.f, mom > 0, cen, mom, 0});
  for (float dec : {0.f, 0.3f}) cfgs.push_back({ADAGRAD, 0, 0, dec > 0 ? 0.1f : 0.f, dec > 0, 0, 0, dec});
  uint64_t seed = 1;
  for (nrc_dtype gdt : {NRC_F32, NRC_BF16, NRC_F16})
    for (const Cfg& k : cfgs) {
      validate(gdt, 1003, 0, k, seed++);
      validate(gdt, 4096 + 3, 1, k, seed++);
      if (!g_quick) validate(gdt, 1 << 18, 0, k, seed++);
    }
  {
    TBuf P(16, NRC_F32), G(16, NRC_F32);
    float* p = P.as<float>();
    expect_status("adam step 0 rejected", nrc_adam_ext(p, G.p, NRC_F32, p, p, nullptr, 16, 0.1f, 0.9f, 0.99f, 1e-8f, 0, 0, 0, 0, 1), NRC_ERR_INVALID_ARG, "step");
    expect_status("adam float64 grad rejected", nrc_adam_ext(p, G.p, NRC_F64, p, p, nullptr, 16, 0.1f, 0.9f, 0.99f, 1e-8f, 0, 1, 0, 0, 1), NRC_ERR_UNSUPPORTED, "grad");
    expect_status("rmsprop momentum without buffer rejected", nrc_rmsprop(p, G.p, NRC_F32, p, nullptr, nullptr, 16, 0.1f, 0.9f, 1e-8f, 0, 0.9f, 0, 1), NRC_ERR_INVALID_ARG, "momentum");
    expect_status("adagrad n == 0 is a no-op", nrc_adagrad(nullptr, nullptr, NRC_F32, nullptr, 0, 0.1f, 1e-10f, 0, 0, 1), NRC_OK, nullptr);
  }
  if (!g_quick) {
    const size_t n = 1 << 26;
    Buf P(n, NRC_F32), M(n, NRC_F32), V(n, NRC_F32), VM(n, NRC_F32), G(n, NRC_F32);
    P.randn(1); M.randn(2, 0.1f); V.randn(3, 0.1f); VM.randn(4, 0.1f); G.randn(5);
    double ms = time_ms([&] { nrc_adam_ext(P.as<float>(), G.p, NRC_F32, M.as<float>(), V.as<float>(), VM.as<float>(), n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, 3, 0, 0, 1.f); });
    result("adam_amsgrad_l2/f32/" + std::to_string(n), "nrc_adam_ext", ms, gbps((double)n * (4 * 2 * 4 + 4), ms), "GB/s");
  }
  return finish("optim_ext");
}
