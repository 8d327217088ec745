// Host emulation of the convolution implicit GEMMs, for machines without a GPU: runs the real
// operand loaders, epilogues and tile maps of cuda/conv_*.cu on the CPU (float32) through a copy
// of the SIMT kernel's block loop (register gather -> shared tile -> multiply -> epilogue, split-K
// ranges included), and checks every pass against a float64 direct convolution on the small
// geometries of cuda/dev/conv.cu, plus the per-element functions of the direct depthwise kernels. Also checks that the tensor-core shared-tile maps cover each
// tile exactly once. It does not exercise the mma fragments or anything else that needs a device.
// Build and run (not part of CMake; links the library's other objects for the host symbols):
//   nvcc -std=c++17 -x cu -arch=sm_80 --expt-relaxed-constexpr -Icuda cuda/dev/conv_emu.cc \
//     $(ls BUILD/CMakeFiles/nrc_objs.dir/cuda/*.o | grep -v /conv) -o /tmp/conv_emu && /tmp/conv_emu
// (add -Xcompiler -fsanitize=address to both steps to catch out-of-bounds gathers: buffers are exact-size)
#include "../conv.cu"
#include "../conv_bwd_data.cu"
#include "../conv_depthwise.cu"
#include "../conv_bwd_filter.cu"
#include "../conv_fwd.cu"
#include <cmath>
#include <random>
#include <vector>

using namespace nrc;
using conv::TileMap;

static int failures = 0;

// The SIMT kernel's block loop on the host (one "thread" after another, same maps and ranges).
template <class LA, class LB, class Epi>
static void emulate(const ConvParams& p) {
  constexpr int BM = conv::ST_BM, BN = conv::ST_BN, BK = conv::ST_BK;
  using MapA = TileMap<LA::kAlongK, BM, BK>;
  using MapB = TileMap<LB::kAlongK, BN, BK>;
  const int gx = (p.M + BM - 1) / BM, gy = (p.Ngemm + BN - 1) / BN, gz = p.g.groups * p.splits;
  const int KT = (p.Kgemm + BK - 1) / BK, ratio = conv::TC_BK / BK;
  std::vector<float> sA(BK * BM), sB(BK * BN), acc(BM * BN);
  for (int bz = 0; bz < gz; bz++)
    for (int by = 0; by < gy; by++)
      for (int bx = 0; bx < gx; bx++) {
        const int grp = bz % p.g.groups, split = bz / p.g.groups, bm = bx * BM, bn = by * BN;
        std::vector<LA> la;
        std::vector<LB> lb;
        for (int t = 0; t < conv::kThreads; t++) { la.emplace_back(p, grp); lb.emplace_back(p, grp); }
        const int kt0 = split * p.kt_per_split * ratio, kt1 = std::min(KT, kt0 + p.kt_per_split * ratio);
        for (int t = 0; t < conv::kThreads; t++) {
          if constexpr (!LA::kAlongK) la[t].fix(bm + MapA::fixed(t));
          if constexpr (!LB::kAlongK) lb[t].fix(bn + MapB::fixed(t));
        }
        std::fill(acc.begin(), acc.end(), 0.f);
        for (int kt = kt0; kt < kt1; kt++) {
          const int k0 = kt * BK;
          std::fill(sA.begin(), sA.end(), NAN);
          std::fill(sB.begin(), sB.end(), NAN);
          for (int t = 0; t < conv::kThreads; t++) {  // the kernel's gather, then its shared store
            float ra[MapA::kCount], rb[MapB::kCount];
            conv::gather<LA, BM, BK, float>(la[t], bm, k0, ra, t);
            conv::gather<LB, BN, BK, float>(lb[t], bn, k0, rb, t);
            for (int i = 0; i < MapA::kCount; i++) {
              int f = MapA::fixed(t), v = MapA::var0(t) + i * MapA::kStep;
              if (LA::kAlongK) sA[f * BM + v] = ra[i]; else sA[v * BM + f] = ra[i];
            }
            for (int i = 0; i < MapB::kCount; i++) {
              int f = MapB::fixed(t), v = MapB::var0(t) + i * MapB::kStep;
              if (LB::kAlongK) sB[f * BN + v] = rb[i]; else sB[v * BN + f] = rb[i];
            }
          }
          for (int k = 0; k < BK; k++)
            for (int m = 0; m < BM; m++)
              for (int n = 0; n < BN; n++) acc[m * BN + n] += sA[k * BM + m] * sB[k * BN + n];
        }
        for (int m = bm; m < std::min(p.M, bm + BM); m++) {
          Epi e(p, grp, split);
          e.row(m);
          for (int n = bn; n < std::min(p.Ngemm, bn + BN); n++) e.store(n, acc[(m - bm) * BN + n - bn]);
        }
      }
}

// Each (mn, k) of a tensor-core tile is written exactly once by the 256 threads.
template <bool AlongK, int E, int ElemBytes>
static void check_tc_map(const char* what) {
  using Map = TileMap<AlongK, E, conv::TC_BK>;
  using S = conv::TcSmem<AlongK, E, ElemBytes>;
  std::vector<int> hits(S::kSize, 0);
  for (int t = 0; t < conv::kThreads; t++)
    for (int i = 0; i < Map::kCount; i++) {
      int f = Map::fixed(t), v = Map::var0(t) + i * Map::kStep;
      int idx = AlongK ? S::idx(v, f) : S::idx(f, v);
      if (idx >= 0 && idx < S::kSize) hits[idx]++;
    }
  int bad = 0;
  for (int mn = 0; mn < E; mn++)
    for (int k = 0; k < conv::TC_BK; k++) bad += hits[S::idx(mn, k)] != 1;
  printf("%s tc tile map %s (%d-byte elements): %d bad cells\n", bad ? "FAIL" : "PASS", what, ElemBytes, bad);
  failures += bad != 0;
}

static void check(const char* what, const std::vector<float>& out, const std::vector<double>& ref) {
  double num = 0, den = 0;
  size_t bad = 0;
  for (size_t i = 0; i < ref.size(); i++) {
    if (!std::isfinite(out[i])) { bad++; continue; }
    num += (out[i] - ref[i]) * (out[i] - ref[i]);
    den += ref[i] * ref[i];
  }
  double rel = std::sqrt(num / (den > 0 ? den : 1));
  bool ok = bad == 0 && rel < 1e-5;
  printf("%s %-36s rel_err %.2e%s\n", ok ? "PASS" : "FAIL", what, rel, bad ? " (non-finite)" : "");
  failures += !ok;
}

static void run(const char* name, nrc_conv2d_geom g) {
  g.P = (g.H + 2 * g.ph - g.dh * (g.R - 1) - 1) / g.sh + 1;
  g.Q = (g.W + 2 * g.pw - g.dw * (g.S - 1) - 1) / g.sw + 1;
  ConvParams p;
  if (conv_validate("emu", NRC_F32, &g, p) != NRC_OK) { printf("FAIL %s: %s\n", name, nrc_last_error()); failures++; return; }
  const int Cg = p.Cg, Kg = p.Kg;
  size_t nx = (size_t)g.N * g.C * g.H * g.W, ny = (size_t)g.N * g.K * g.P * g.Q, nw = (size_t)g.K * Cg * g.R * g.S;
  std::mt19937 rng(nx + ny);
  std::normal_distribution<float> nd;
  std::vector<float> x(nx), w(nw), dy(ny), bias(g.K);
  for (auto* v : {&x, &w, &dy, &bias}) for (auto& e : *v) e = nd(rng);
  std::vector<double> y(ny), dx(nx, 0.0), dw(nw, 0.0);
  for (size_t i = 0; i < ny; i++) y[i] = bias[(i / p.PQ) % g.K];
  for (int n = 0; n < g.N; n++) for (int k = 0; k < g.K; k++) for (int pp = 0; pp < g.P; pp++) for (int q = 0; q < g.Q; q++)
    for (int c = 0; c < Cg; c++) for (int r = 0; r < g.R; r++) for (int s = 0; s < g.S; s++) {
      int h = pp * g.sh - g.ph + r * g.dh, ww = q * g.sw - g.pw + s * g.dw;
      if (h < 0 || h >= g.H || ww < 0 || ww >= g.W) continue;
      size_t xi = (((size_t)n * g.C + (k / Kg) * Cg + c) * g.H + h) * g.W + ww, wi = (((size_t)k * Cg + c) * g.R + r) * g.S + s,
             yi = (((size_t)n * g.K + k) * g.P + pp) * g.Q + q;
      y[yi] += (double)x[xi] * w[wi];
      dx[xi] += (double)dy[yi] * w[wi];
      dw[wi] += (double)dy[yi] * x[xi];
    }
  char what[96];
  std::vector<float> out(ny, NAN);
  conv_fwd_shape(p);
  p.a = x.data(); p.b = w.data(); p.out = out.data(); p.bias = bias.data();
  emulate<FwdA<float>, FwdB<float>, FwdEpi<float>>(p);
  snprintf(what, sizeof what, "%s fwd%s", name, p.kfast ? " (kfast)" : "");
  check(what, out, y);
  out.assign(nx, NAN);
  conv_bwd_data_shape(p);
  p.a = dy.data(); p.b = w.data(); p.out = out.data(); p.bias = nullptr;
  emulate<BdA<float>, BdB<float>, BdEpi<float>>(p);
  snprintf(what, sizeof what, "%s bwd_data%s", name, p.kfast ? " (kfast)" : "");
  check(what, out, dx);
  if (Cg == 1 && Kg == 1) {  // the direct depthwise kernels' per-element functions
    std::vector<float> o(ny), odx(nx), odw(nw, 0.f);
    for (size_t i = 0; i < ny; i++) o[i] = dw_fwd_one(p, x.data(), w.data(), bias.data(), (int)i);
    for (size_t i = 0; i < nx; i++) odx[i] = dw_bwd_data_one(p, dy.data(), w.data(), (int)i);
    for (size_t i = 0; i < nw; i++)
      for (int t = 0; t < 256; t++) odw[i] += dw_bwd_filter_part(p, x.data(), dy.data(), (int)i, t, 256);
    snprintf(what, sizeof what, "%s depthwise fwd", name);
    check(what, o, y);
    snprintf(what, sizeof what, "%s depthwise bwd_data", name);
    check(what, odx, dx);
    snprintf(what, sizeof what, "%s depthwise bwd_filter", name);
    check(what, odw, dw);
  }
  for (int sms : {0, 132, 1000}) {  // no split / split-K as on an H100 / more splits
    conv_bwd_filter_shape(p, sms);
    std::vector<float> part((size_t)p.splits * nw, NAN), sum(nw, 0.f);
    p.a = dy.data(); p.b = x.data(); p.out = part.data();
    emulate<BfA<float>, BfB<float>, BfEpi>(p);
    for (int s = 0; s < p.splits; s++) for (size_t i = 0; i < nw; i++) sum[i] += part[s * nw + i];
    snprintf(what, sizeof what, "%s bwd_filter (%d splits)%s", name, p.splits, p.kfast ? " (kfast)" : "");
    check(what, sum, dw);
  }
}

// FastDiv against / and % (divisors 1..4096 and a few large ones, dividends up to 2^31 - 1).
static void check_fastdiv() {
  std::mt19937 rng(7);
  int bad = 0;
  std::vector<int> ds;
  for (int d = 1; d <= 4096; d++) ds.push_back(d);
  for (int d : {65535, 65536, 65537, 1 << 20, 3 * 1000 * 1000, 0x7fffffff}) ds.push_back(d);
  for (int d : ds) {
    FastDiv f(d);
    for (int i = 0; i < 2000; i++) {
      int n = i < 1000 ? i : i < 1010 ? 0x7fffffff - (i - 1000) : (int)(rng() & 0x7fffffff);
      int q, r = f.divmod(n, q);
      bad += q != n / d || r != n % d;
    }
  }
  printf("%s FastDiv: %d mismatches\n", bad ? "FAIL" : "PASS", bad);
  failures += bad != 0;
}

int main() {
  check_fastdiv();
  check_tc_map<false, conv::TC_BM, 2>("A along m");
  check_tc_map<true, conv::TC_BM, 2>("A along k");
  check_tc_map<false, conv::TC_BN, 2>("B along n");
  check_tc_map<true, conv::TC_BN, 2>("B along k");
  check_tc_map<false, conv::TC_BM, 4>("A along m");
  check_tc_map<true, conv::TC_BM, 4>("A along k");
  check_tc_map<false, conv::TC_BN, 4>("B along n");
  check_tc_map<true, conv::TC_BN, 4>("B along k");
  // N, C, H, W, K, R, S, P, Q (computed), sh, sw, ph, pw, dh, dw, groups
  run("3x3", {2, 3, 9, 11, 5, 3, 3, 0, 0, 1, 1, 1, 1, 1, 1, 1});
  run("3x3s2", {2, 4, 10, 9, 6, 3, 3, 0, 0, 2, 2, 1, 1, 1, 1, 1});
  run("3x3d2", {1, 5, 12, 13, 7, 3, 3, 0, 0, 1, 1, 2, 2, 2, 2, 1});
  run("g2", {2, 6, 8, 8, 4, 3, 3, 0, 0, 1, 1, 1, 1, 1, 1, 2});
  run("g4", {2, 8, 6, 6, 16, 3, 3, 0, 0, 1, 1, 1, 1, 1, 1, 4});
  run("dw", {2, 8, 7, 9, 8, 3, 3, 0, 0, 1, 1, 1, 1, 1, 1, 8});
  run("dws2", {2, 8, 7, 9, 8, 3, 3, 0, 0, 2, 2, 1, 1, 1, 1, 8});
  run("dwd2asym", {3, 5, 11, 9, 5, 3, 2, 0, 0, 2, 1, 2, 0, 2, 3, 5});  // depthwise, dilation, asymmetric
  run("1x1s3", {1, 3, 11, 11, 4, 1, 1, 0, 0, 3, 3, 0, 0, 1, 1, 1});
  run("7x7s2", {2, 3, 23, 23, 16, 7, 7, 0, 0, 2, 2, 3, 3, 1, 1, 1});
  run("c70k130", {4, 70, 6, 6, 130, 3, 3, 0, 0, 1, 1, 1, 1, 1, 1, 1});
  run("asym", {2, 6, 9, 7, 4, 3, 2, 0, 0, 3, 2, 0, 1, 2, 1, 2});
  run("pad2", {1, 3, 5, 5, 2, 3, 3, 0, 0, 1, 1, 2, 2, 1, 1, 1});
  run("c32k64s2", {2, 32, 9, 7, 64, 3, 3, 0, 0, 2, 2, 1, 1, 1, 1, 1});     // kfast fwd and bwd_data
  run("g2c64d2", {2, 64, 9, 10, 64, 3, 3, 0, 0, 1, 2, 2, 1, 2, 1, 2});     // kfast per group, dilation
  run("c64k32x1", {3, 64, 5, 6, 32, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1});     // 1x1
  run("c64s2", {2, 64, 7, 8, 16, 3, 3, 0, 0, 2, 2, 1, 1, 1, 1, 1});          // kfast bwd_filter
  run("g2c128d2", {2, 128, 6, 7, 64, 3, 3, 0, 0, 1, 1, 2, 2, 2, 2, 2});    // kfast everywhere, groups, dilation
  run("splitk", {4, 8, 16, 16, 8, 3, 3, 0, 0, 1, 1, 1, 1, 1, 1, 1});        // N*P*Q = 1024: split-K
  run("c64splitk", {2, 64, 16, 16, 8, 3, 3, 0, 0, 1, 1, 1, 1, 1, 1, 1});   // kfast + split-K
  run("c96k40s3", {1, 96, 11, 11, 40, 3, 3, 0, 0, 3, 3, 1, 1, 1, 1, 1});   // kfast fwd only, stride 3
  printf("# conv_emu: %s (%d failed)\n", failures ? "FAIL" : "ok", failures);
  return failures ? 1 : 0;
}
