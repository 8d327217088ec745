// Dev harness for the flash attention forward with causal offset / additive mask (nrc_flash_attn_fwd_ex)
// and the FA2 backward (nrc_flash_attn_bwd): out, lse, dq, dk, dv against a float64 CPU reference on
// small odd shapes (causal top-left / bottom-right / other offsets, no mask / key padding (B,1,1,S)
// with fully masked rows / full (B,H,L,S) masks, d 64/128, bf16/fp16, (B,H,N,D) and (B,N,H,D)
// layouts), outputs poisoned before each call; unsupported cases must be refused. Then the backward
// is checked on one head at seq 1k against the CPU and timed for seq 1k..8k, d 64/128, causal or not,
// batch*seq = 16k tokens, H*D = 2048 (FLOPs = 2.5 x the forward's, as FA2 counts).
// Usage: attention_bwd [--quick]
#include "harness.h"
#include "flash_tiles.cuh"

using namespace dev;

namespace {

struct Shape { int B, H, Nq, Nk, D; bool causal; int off; };

// float64 reference over heads [0, nbh): out, lse, dq, dk, dv (B,H,N,D) contiguous.
void cpu_ref(const Shape& s, const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
             const std::vector<float>& go, const nrc::flash::Mask& m, int nbh, std::vector<double>& out,
             std::vector<double>& lse, std::vector<double>& dq, std::vector<double>& dk, std::vector<double>& dv) {
  const int D = s.D;
  const double scale = 1.0 / std::sqrt((double)D);
  out.assign((size_t)nbh * s.Nq * D, 0); lse.assign((size_t)nbh * s.Nq, 0);
  dq.assign(out.size(), 0); dk.assign((size_t)nbh * s.Nk * D, 0); dv.assign(dk.size(), 0);
  std::vector<double> p(s.Nk), dp(s.Nk);
  for (int bh = 0; bh < nbh; bh++) {
    const int b = bh / s.H, h = bh % s.H;
    for (int i = 0; i < s.Nq; i++) {
      double mx = -INFINITY;
      for (int j = 0; j < s.Nk; j++) {
        double x = -INFINITY;
        if (!(s.causal && j > i + s.off)) {
          x = 0;
          for (int e = 0; e < D; e++) x += (double)q[((size_t)bh * s.Nq + i) * D + e] * k[((size_t)bh * s.Nk + j) * D + e];
          x = x * scale + (m.p ? (double)m.p[nrc::flash::mask_index(m, b, h, i, j)] : 0.0);
        }
        p[j] = x;
        mx = std::max(mx, x);
      }
      double l = 0;
      for (int j = 0; j < s.Nk; j++) { p[j] = mx == -INFINITY ? 0 : std::exp(p[j] - mx); l += p[j]; }
      for (int j = 0; j < s.Nk; j++) p[j] = l > 0 ? p[j] / l : 0;
      lse[(size_t)bh * s.Nq + i] = l > 0 ? mx + std::log(l) : -INFINITY;
      const float* g = &go[((size_t)bh * s.Nq + i) * D];
      double rs = 0;
      for (int j = 0; j < s.Nk; j++) {
        if (p[j] == 0) { dp[j] = 0; continue; }
        double a = 0;
        for (int e = 0; e < D; e++) {
          const double ve = v[((size_t)bh * s.Nk + j) * D + e];
          out[((size_t)bh * s.Nq + i) * D + e] += p[j] * ve;
          dv[((size_t)bh * s.Nk + j) * D + e] += p[j] * g[e];
          a += g[e] * ve;
        }
        dp[j] = a;
        rs += p[j] * a;
      }
      for (int j = 0; j < s.Nk; j++) {
        if (p[j] == 0) continue;
        const double ds = p[j] * (dp[j] - rs) * scale;
        for (int e = 0; e < D; e++) {
          dq[((size_t)bh * s.Nq + i) * D + e] += ds * k[((size_t)bh * s.Nk + j) * D + e];
          dk[((size_t)bh * s.Nk + j) * D + e] += ds * q[((size_t)bh * s.Nq + i) * D + e];
        }
      }
    }
  }
}

nrc_strides strides(const Shape& s, int N, bool bnhd) {
  if (bnhd) return {(int64_t)N * s.H * s.D, s.D, (int64_t)s.H * s.D};
  return {(int64_t)s.H * N * s.D, (int64_t)N * s.D, s.D};
}
std::vector<float> to_bnhd(const std::vector<float>& x, int B, int H, int N, int D, bool inverse) {
  std::vector<float> y(x.size());
  for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) for (int n = 0; n < N; n++) {
    size_t a = (((size_t)b * H + h) * N + n) * D, c = (((size_t)b * N + n) * H + h) * D;
    memcpy(&y[inverse ? a : c], &x[inverse ? c : a], D * sizeof(float));
  }
  return y;
}

struct Run {  // device buffers of one problem
  Buf q, k, v, o, go, dq, dk, dv, lse;
  Run(const Shape& s, nrc_dtype dt)
      : q((size_t)s.B * s.H * s.Nq * s.D, dt), k((size_t)s.B * s.H * s.Nk * s.D, dt), v(k.n, dt), o(q.n, dt),
        go(q.n, dt), dq(q.n, dt), dk(k.n, dt), dv(k.n, dt), lse((size_t)s.B * s.H * s.Nq, NRC_F32) {}
  nrc_status fwd(nrc_dtype dt, const Shape& s, const nrc_attn_mask* m, bool bnhd) {
    nrc_strides a = strides(s, s.Nq, bnhd), b = strides(s, s.Nk, bnhd);
    return nrc_flash_attn_fwd_ex(dt, q.p, a, k.p, b, v.p, b, o.p, a, lse.as<float>(), s.B, s.H, s.Nq, s.Nk, s.D,
                                 1.f / std::sqrt((float)s.D), s.causal, s.off, m);
  }
  nrc_status bwd(nrc_dtype dt, const Shape& s, const nrc_attn_mask* m, bool bnhd) {
    nrc_strides a = strides(s, s.Nq, bnhd), b = strides(s, s.Nk, bnhd);
    return nrc_flash_attn_bwd(dt, q.p, a, k.p, b, v.p, b, o.p, a, go.p, a, lse.as<float>(), dq.p, a, dk.p, b, dv.p, b,
                              s.B, s.H, s.Nq, s.Nk, s.D, 1.f / std::sqrt((float)s.D), s.causal, s.off, m);
  }
};

// mask_kind: 0 none, 1 key padding (B,1,1,Nk) (last batch fully padded when B > 1), 2 full (B,H,Nq,Nk)
void validate(nrc_dtype dt, Shape s, int mask_kind, bool bnhd, uint64_t seed) {
  const size_t nq = (size_t)s.B * s.H * s.Nq * s.D, nk = (size_t)s.B * s.H * s.Nk * s.D;
  auto hq = randn(nq, seed), hk = randn(nk, seed + 1), hv = randn(nk, seed + 2), hg = randn(nq, seed + 3);
  round_to(hq, dt); round_to(hk, dt); round_to(hv, dt); round_to(hg, dt);
  std::vector<float> hm;
  nrc::flash::Mask m{nullptr, 0, 0, 0, 0};
  if (mask_kind == 1) {
    hm.assign((size_t)s.B * s.Nk, 0.f);
    for (int b = 0; b < s.B; b++) {
      int len = b == s.B - 1 && s.B > 1 ? 0 : std::max(1, s.Nk - 5 * b - 2);
      for (int j = len; j < s.Nk; j++) hm[(size_t)b * s.Nk + j] = -INFINITY;
    }
    m = {hm.data(), s.Nk, 0, 0, 1};
  } else if (mask_kind == 2) {
    hm = uniform(nq / s.D * s.Nk, seed + 4, -2.f, 2.f);
    for (size_t i = 0; i < hm.size(); i += 7) hm[i] = -INFINITY;
    m = {hm.data(), (int64_t)s.H * s.Nq * s.Nk, (int64_t)s.Nq * s.Nk, s.Nk, 1};
  }
  std::vector<double> out, lse, dq, dk, dv;
  cpu_ref(s, hq, hk, hv, hg, m, s.B * s.H, out, lse, dq, dk, dv);

  Run r(s, dt);
  Buf dm(std::max<size_t>(hm.size(), 1), NRC_F32);
  nrc_attn_mask am{nullptr, m.sb, m.sh, m.si, m.sj};
  if (m.p) { dm.upload(hm); am.ptr = dm.as<float>(); }
  auto up = [&](Buf& b, const std::vector<float>& h, int N) { b.upload(bnhd ? to_bnhd(h, s.B, s.H, N, s.D, false) : h); };
  auto down = [&](const Buf& b, int N) { auto h = b.download(); return bnhd ? to_bnhd(h, s.B, s.H, N, s.D, true) : h; };
  up(r.q, hq, s.Nq); up(r.k, hk, s.Nk); up(r.v, hv, s.Nk); up(r.go, hg, s.Nq);
  char what[160];
  snprintf(what, sizeof what, "%s d%d B%d H%d Nq%d Nk%d %s off%d mask%d%s", dtname(dt), s.D, s.B, s.H, s.Nq, s.Nk,
           s.causal ? "causal" : "full", s.off, mask_kind, bnhd ? " BNHD" : "");
  const double tol = dt == NRC_BF16 ? 2.5e-2 : 6e-3;
  r.o.poison(); r.lse.poison();
  CHECK_NRC(r.fwd(dt, s, m.p ? &am : nullptr, bnhd));
  check((std::string("fwd out ") + what).c_str(), down(r.o, s.Nq), out, tol);
  auto l = r.lse.download();
  size_t bad = 0;
  for (size_t i = 0; i < l.size(); i++)
    bad += std::isinf(lse[i]) ? l[i] != -INFINITY : !(std::fabs(l[i] - lse[i]) <= 1e-2 * (1 + std::fabs(lse[i])));
  printf("%s fwd lse %s (%zu bad rows)\n", bad ? "FAIL" : "PASS", what, bad);
  if (bad) g_failures++;
  r.dq.poison(); r.dk.poison(); r.dv.poison();
  CHECK_NRC(r.bwd(dt, s, m.p ? &am : nullptr, bnhd));
  check((std::string("bwd dq ") + what).c_str(), down(r.dq, s.Nq), dq, tol);
  check((std::string("bwd dk ") + what).c_str(), down(r.dk, s.Nk), dk, tol);
  check((std::string("bwd dv ") + what).c_str(), down(r.dv, s.Nk), dv, tol);
}

void refusals() {
  Buf a(16 * 96, NRC_BF16), l(16, NRC_F32);
  nrc_strides st{16 * 96, 16 * 96, 96};
  expect_status("bwd d96 refused", nrc_flash_attn_bwd(NRC_BF16, a.p, st, a.p, st, a.p, st, a.p, st, a.p, st, l.as<float>(), a.p, st, a.p, st, a.p, st, 1, 1, 16, 16, 96, 0.1f, 0, 0, nullptr), NRC_ERR_UNSUPPORTED, "head dim");
  expect_status("bwd float32 refused", nrc_flash_attn_bwd(NRC_F32, a.p, st, a.p, st, a.p, st, a.p, st, a.p, st, l.as<float>(), a.p, st, a.p, st, a.p, st, 1, 1, 16, 16, 96, 0.1f, 0, 0, nullptr), NRC_ERR_UNSUPPORTED);
  nrc_strides odd{16 * 64, 16 * 64, 65};
  expect_status("bwd odd stride refused", nrc_flash_attn_bwd(NRC_BF16, a.p, odd, a.p, odd, a.p, odd, a.p, odd, a.p, odd, l.as<float>(), a.p, odd, a.p, odd, a.p, odd, 1, 1, 8, 8, 64, 0.1f, 0, 0, nullptr), NRC_ERR_UNSUPPORTED, "strides");
}

void large(nrc_dtype dt, int N, int D, bool causal, int mask_kind) {
  Shape s{std::max(1, 16384 / N), 2048 / D, N, N, D, causal, 0};
  Run r(s, dt);
  r.q.randn(21); r.k.randn(22); r.v.randn(23); r.go.randn(24);
  Buf dm((size_t)s.B * N, NRC_F32);
  std::vector<float> hm((size_t)s.B * N, 0.f);
  for (int b = 0; b < s.B; b++) for (int j = N - N / 8 * (b % 4); j < N; j++) hm[(size_t)b * N + j] = -INFINITY;
  dm.upload(hm);
  nrc_attn_mask am{dm.as<float>(), N, 0, 0, 1};
  const nrc_attn_mask* mp = mask_kind ? &am : nullptr;
  char key[128];
  snprintf(key, sizeof key, "attn_bwd/%s/d%d/%s%s/B%dH%dN%d", dtname(dt), D, causal ? "causal" : "full", mask_kind ? "+pad" : "", s.B, s.H, N);
  CHECK_NRC(r.fwd(dt, s, mp, false));
  if (N == 1024 && !mask_kind) {  // head (0, 0) against the CPU
    r.dq.poison(); r.dk.poison(); r.dv.poison();
    CHECK_NRC(r.bwd(dt, s, mp, false));
    auto cut = [&](const Buf& b, int n) { auto h = b.download(); h.resize((size_t)n * D); return h; };
    auto hq = cut(r.q, N), hk = cut(r.k, N), hv = cut(r.v, N), hg = cut(r.go, N);
    std::vector<double> out, lse, dq, dk, dv;
    cpu_ref(s, hq, hk, hv, hg, nrc::flash::Mask{nullptr, 0, 0, 0, 0}, 1, out, lse, dq, dk, dv);
    const double tol = dt == NRC_BF16 ? 2.5e-2 : 6e-3;
    check((std::string(key) + " dq head0 vs cpu").c_str(), cut(r.dq, N), dq, tol);
    check((std::string(key) + " dk head0 vs cpu").c_str(), cut(r.dk, N), dk, tol);
    check((std::string(key) + " dv head0 vs cpu").c_str(), cut(r.dv, N), dv, tol);
  }
  const double flops = 2.5 * 4.0 * s.B * s.H * (double)N * N * D * (causal ? 0.5 : 1.0);
  double ms = time_ms([&] { r.bwd(dt, s, mp, false); }, 10, 3);
  result(key, "flash_bwd", ms, flops / (ms * 1e-3) / 1e12, "TFLOP/s");
  ms = time_ms([&] { r.fwd(dt, s, mp, false); }, 10, 3);
  char fkey[128];
  snprintf(fkey, sizeof fkey, "attn_fwd_ex/%s/d%d/%s%s/B%dH%dN%d", dtname(dt), D, causal ? "causal" : "full", mask_kind ? "+pad" : "", s.B, s.H, N);
  result(fkey, "flash_fwd_ex", ms, flops / 2.5 / (ms * 1e-3) / 1e12, "TFLOP/s");
}

}  // namespace

int main(int argc, char** argv) {
  init(argc, argv);
  refusals();
  uint64_t seed = 100;
  for (nrc_dtype dt : {NRC_BF16, NRC_F16})
    for (int D : {64, 128}) {
      for (int mk = 0; mk < 3; mk++) {
        validate(dt, {2, 3, 130, 130, D, false, 0}, mk, false, seed += 5);
        validate(dt, {2, 2, 130, 130, D, true, 0}, mk, false, seed += 5);
        validate(dt, {2, 2, 77, 200, D, true, 0}, mk, false, seed += 5);      // top-left, L < S
        validate(dt, {2, 2, 200, 77, D, true, 0}, mk, false, seed += 5);      // top-left, L > S
        validate(dt, {1, 2, 200, 77, D, true, 77 - 200}, mk, false, seed += 5);  // bottom-right: rows see nothing
        validate(dt, {2, 1, 65, 63, D, true, 17}, mk, false, seed += 5);
      }
      validate(dt, {2, 2, 1, 1, D, false, 0}, 0, false, seed += 5);
      validate(dt, {2, 3, 129, 70, D, true, 0}, 1, true, seed += 5);
    }
  if (!g_quick) {
    for (int D : {128, 64})
      for (bool causal : {false, true})
        for (int N : {1024, 2048, 4096, 8192}) large(NRC_BF16, N, D, causal, 0);
    large(NRC_BF16, 4096, 128, false, 1);
    large(NRC_F16, 4096, 128, false, 0);
  }
  return finish("attention_bwd");
}
