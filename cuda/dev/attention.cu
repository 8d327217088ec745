// Dev harness for flash attention forward: variant 1 is a plain GPU kernel (fp32 math, one block
// per query row, defined here) checked against a float64 CPU reference; variant 2 is the library's
// nrc_flash_attn_fwd, checked against the CPU at small odd sizes (causal or not, Nq != Nk,
// (B,H,N,D) and (B,N,H,D) layouts, d 64/128, bf16/fp16, lse too) and against variant 1 at
// seq 1k-2k, then timed for seq 1k..8k with batch*seq = 16k tokens and H*D = 2048.
// Usage: attention [--quick]
#include "harness.h"

using namespace dev;
namespace nrc { extern int g_flash_cfg; }
static const char* kCfgName[] = {"default", "flash_4wx16", "", "flash_4wx32"};  // see dispatch_cfg

// Reference attention on the GPU: one block (128 threads) per (b, h, query row), fp32 throughout.
// q (B,H,Nq,D), k/v (B,H,Nk,D) contiguous, out float32 (B,H,Nq,D), lse (B,H,Nq).
template <typename T>
__global__ void attn_naive(const T* q, const T* k, const T* v, float* out, float* lse, int H, int Nq, int Nk, int D,
                           float scale, int causal) {
  extern __shared__ float sc[];  // Nk scores
  __shared__ float red[32];
  int row = blockIdx.x, bh = blockIdx.y;
  const T* qr = q + ((size_t)bh * Nq + row) * D;
  const T* kb = k + (size_t)bh * Nk * D;
  const T* vb = v + (size_t)bh * Nk * D;
  int lim = causal ? row + (Nk - Nq) : Nk - 1;
  float mx = -INFINITY;
  for (int j = threadIdx.x; j < Nk; j += blockDim.x) {
    float s = -INFINITY;
    if (j <= lim) {
      s = 0.f;
      for (int d = 0; d < D; d++) s += nrc::to_f(qr[d]) * nrc::to_f(kb[(size_t)j * D + d]);
      s *= scale;
    }
    sc[j] = s;
    mx = fmaxf(mx, s);
  }
  mx = nrc::block_max(mx, red);
  float sum = 0.f;
  for (int j = threadIdx.x; j < Nk; j += blockDim.x) {
    float e = mx == -INFINITY ? 0.f : __expf(sc[j] - mx);
    sc[j] = e;
    sum += e;
  }
  sum = nrc::block_sum(sum, red);
  __syncthreads();
  const int cnt = min(lim + 1, Nk);
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    float acc = 0.f;
    for (int j = 0; j < cnt; j++) acc += sc[j] * nrc::to_f(vb[(size_t)j * D + d]);
    out[((size_t)bh * Nq + row) * D + d] = sum > 0.f ? acc / sum : 0.f;
  }
  if (threadIdx.x == 0) lse[(size_t)bh * Nq + row] = sum > 0.f ? mx + logf(sum) : -INFINITY;
}

static void cpu_attn(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v, int BH,
                     int Nq, int Nk, int D, float scale, bool causal, std::vector<double>& out, std::vector<double>& lse) {
  out.assign((size_t)BH * Nq * D, 0.0);
  lse.assign((size_t)BH * Nq, 0.0);
  std::vector<double> s(Nk);
  for (int bh = 0; bh < BH; bh++)
    for (int i = 0; i < Nq; i++) {
      int lim = causal ? i + (Nk - Nq) : Nk - 1;
      double mx = -INFINITY;
      for (int j = 0; j < Nk; j++) {
        if (j > lim) { s[j] = -INFINITY; continue; }
        double acc = 0;
        for (int d = 0; d < D; d++) acc += (double)q[((size_t)bh * Nq + i) * D + d] * k[((size_t)bh * Nk + j) * D + d];
        s[j] = acc * scale;
        mx = std::max(mx, s[j]);
      }
      double sum = 0;
      for (int j = 0; j < Nk; j++) { s[j] = j > lim ? 0 : std::exp(s[j] - mx); sum += s[j]; }
      for (int d = 0; d < D; d++) {
        double acc = 0;
        for (int j = 0; j < Nk; j++) acc += s[j] * v[((size_t)bh * Nk + j) * D + d];
        out[((size_t)bh * Nq + i) * D + d] = sum > 0 ? acc / sum : 0;
      }
      lse[(size_t)bh * Nq + i] = sum > 0 ? mx + std::log(sum) : -INFINITY;
    }
}

// Runs nrc_flash_attn_fwd on contiguous (B,H,N,D) buffers, or, when bnhd, on (B,N,H,D) storage.
static nrc_status flash(nrc_dtype dt, const Buf& q, const Buf& k, const Buf& v, Buf& o, float* lse, int B, int H,
                        int Nq, int Nk, int D, bool causal, bool bnhd) {
  nrc_strides sq, sk, so;
  if (bnhd) {
    sq = {(int64_t)Nq * H * D, D, (int64_t)H * D};
    sk = {(int64_t)Nk * H * D, D, (int64_t)H * D};
  } else {
    sq = {(int64_t)H * Nq * D, (int64_t)Nq * D, D};
    sk = {(int64_t)H * Nk * D, (int64_t)Nk * D, D};
  }
  so = sq;
  return nrc_flash_attn_fwd(dt, q.p, sq, k.p, sk, v.p, sk, o.p, so, lse, B, H, Nq, Nk, D, 1.f / std::sqrt((float)D), causal);
}

// (B,H,N,D) <-> (B,N,H,D) on the host
static std::vector<float> to_bnhd(const std::vector<float>& x, int B, int H, int N, int D) {
  std::vector<float> y(x.size());
  for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) for (int n = 0; n < N; n++)
    memcpy(&y[(((size_t)b * N + n) * H + h) * D], &x[(((size_t)b * H + h) * N + n) * D], D * sizeof(float));
  return y;
}
static std::vector<float> from_bnhd(const std::vector<float>& y, int B, int H, int N, int D) {
  std::vector<float> x(y.size());
  for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) for (int n = 0; n < N; n++)
    memcpy(&x[(((size_t)b * H + h) * N + n) * D], &y[(((size_t)b * N + n) * H + h) * D], D * sizeof(float));
  return x;
}

static void validate_small(nrc_dtype dt, int B, int H, int Nq, int Nk, int D, bool causal, bool bnhd, uint64_t seed) {
  size_t nq = (size_t)B * H * Nq * D, nk = (size_t)B * H * Nk * D;
  auto hq = randn(nq, seed), hk = randn(nk, seed + 1), hv = randn(nk, seed + 2);
  round_to(hq, dt); round_to(hk, dt); round_to(hv, dt);
  float scale = 1.f / std::sqrt((float)D);
  std::vector<double> ref, ref_lse;
  cpu_attn(hq, hk, hv, B * H, Nq, Nk, D, scale, causal, ref, ref_lse);
  Buf q(nq, dt), k(nk, dt), v(nk, dt), o(nq, dt), lse((size_t)B * H * Nq, NRC_F32);
  char what[128];
  snprintf(what, sizeof what, "v2 flash %s d%d B%d H%d Nq%d Nk%d %s%s", dtname(dt), D, B, H, Nq, Nk,
           causal ? "causal" : "full", bnhd ? " BNHD" : "");
  if (bnhd) { q.upload(to_bnhd(hq, B, H, Nq, D)); k.upload(to_bnhd(hk, B, H, Nk, D)); v.upload(to_bnhd(hv, B, H, Nk, D)); }
  else { q.upload(hq); k.upload(hk); v.upload(hv); }
  for (int cfg : {1, 3}) {
    nrc::g_flash_cfg = cfg;
    o.poison(); lse.poison();
    CHECK_NRC(flash(dt, q, k, v, o, lse.as<float>(), B, H, Nq, Nk, D, causal, bnhd));
    auto out = o.download();
    if (bnhd) out = from_bnhd(out, B, H, Nq, D);
    std::string w = std::string(what) + " " + kCfgName[cfg];
    check(w.c_str(), out, ref, dt == NRC_BF16 ? 1.5e-2 : 4e-3);
    // lse: rows that see no key (causal with Nk < Nq) are -inf in both
    auto l = lse.download();
    std::vector<float> lf; std::vector<double> lr;
    size_t inf_ok = 0;
    for (size_t i = 0; i < l.size(); i++) {
      if (std::isfinite(ref_lse[i])) { lf.push_back(l[i]); lr.push_back(ref_lse[i]); }
      else inf_ok += l[i] == -INFINITY;
    }
    check((w + " lse").c_str(), lf, lr, 1e-3);
    if (inf_ok != l.size() - lf.size()) { printf("FAIL %s: rows without keys must have lse -inf\n", w.c_str()); g_failures++; }
  }
  nrc::g_flash_cfg = 0;

  if (!bnhd) {  // variant 1 against the CPU too (it is the reference for the large sizes)
    Buf o1(nq, NRC_F32), l1((size_t)B * H * Nq, NRC_F32);
    dim3 grid(Nq, B * H);

    if (dt == NRC_BF16) attn_naive<__nv_bfloat16><<<grid, 128, (Nk + 16) * 4, nrc::stream()>>>(q.as<__nv_bfloat16>(), k.as<__nv_bfloat16>(), v.as<__nv_bfloat16>(), o1.as<float>(), l1.as<float>(), H, Nq, Nk, D, scale, causal);
    else attn_naive<__half><<<grid, 128, (Nk + 16) * 4, nrc::stream()>>>(q.as<__half>(), k.as<__half>(), v.as<__half>(), o1.as<float>(), l1.as<float>(), H, Nq, Nk, D, scale, causal);
    snprintf(what, sizeof what, "v1 naive %s d%d B%d H%d Nq%d Nk%d %s", dtname(dt), D, B, H, Nq, Nk, causal ? "causal" : "full");
    check(what, o1.download(), ref, 1e-5);
  }
}

static void large(nrc_dtype dt, int N, int D, bool causal) {
  int B = std::max(1, 16384 / N), H = 2048 / D;
  size_t n = (size_t)B * H * N * D;
  Buf q(n, dt), k(n, dt), v(n, dt), o(n, dt);
  q.randn(11); k.randn(12); v.randn(13);
  char key[96];
  snprintf(key, sizeof key, "attn_fwd/%s/d%d/%s/B%dH%dN%d", dtname(dt), D, causal ? "causal" : "full", B, H, N);
  if (N <= 1024) {  // compare with variant 1 (slow: a block per query row)
    Buf o1(n, NRC_F32), l1((size_t)B * H * N, NRC_F32);
    dim3 grid(N, B * H);
    float scale = 1.f / std::sqrt((float)D);
    if (dt == NRC_BF16) attn_naive<__nv_bfloat16><<<grid, 128, (N + 16) * 4, nrc::stream()>>>(q.as<__nv_bfloat16>(), k.as<__nv_bfloat16>(), v.as<__nv_bfloat16>(), o1.as<float>(), l1.as<float>(), H, N, N, D, scale, causal);
    else attn_naive<__half><<<grid, 128, (N + 16) * 4, nrc::stream()>>>(q.as<__half>(), k.as<__half>(), v.as<__half>(), o1.as<float>(), l1.as<float>(), H, N, N, D, scale, causal);
    auto ref = o1.download();
    for (int cfg : {1, 3}) {
      nrc::g_flash_cfg = cfg;
      o.poison();
      CHECK_NRC(flash(dt, q, k, v, o, nullptr, B, H, N, N, D, causal, false));
      check_f((std::string(key) + " v2 vs v1 " + kCfgName[cfg]).c_str(), o.download(), ref, dt == NRC_BF16 ? 1.5e-2 : 4e-3);
    }
  }
  double flops = 4.0 * B * H * (double)N * N * D * (causal ? 0.5 : 1.0);
  for (int cfg : {0, 1, 3}) {  // 0: what nrc_flash_attn_fwd picks by default
    nrc::g_flash_cfg = cfg;
    double ms = time_ms([&] { flash(dt, q, k, v, o, nullptr, B, H, N, N, D, causal, false); }, 10, 3);
    result(key, kCfgName[cfg], ms, flops / (ms * 1e-3) / 1e12, "TFLOP/s");
  }
  nrc::g_flash_cfg = 0;
}

int main(int argc, char** argv) {
  init(argc, argv);
  uint64_t seed = 1;
  for (nrc_dtype dt : {NRC_BF16, NRC_F16})
    for (int D : {64, 128})
      for (bool causal : {false, true}) {
        validate_small(dt, 2, 3, 200, 200, D, causal, false, seed += 3);
        validate_small(dt, 1, 2, 77, 300, D, causal, false, seed += 3);
        validate_small(dt, 1, 2, 300, 77, D, causal, false, seed += 3);  // causal: some rows see nothing
        validate_small(dt, 2, 2, 129, 129, D, causal, true, seed += 3);
      }
  if (!g_quick) {
    for (int D : {128, 64})
      for (bool causal : {false, true})
        for (int N : {1024, 2048, 4096, 8192}) large(NRC_BF16, N, D, causal);
    large(NRC_F16, 4096, 128, false);
  }
  return finish("attention");
}
