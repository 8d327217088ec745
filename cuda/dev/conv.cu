// Dev harness for the 2-D convolution (nrc_conv2d_fwd / _bwd_data / _bwd_filter): checks all three
// passes (and dbias) against a float64 CPU direct convolution on many small odd geometries (stride
// 1/2/3, padding, dilation 2, groups 1/2/4/C, 1x1 .. 7x7, asymmetric kernels), every dtype, outputs
// poisoned, on the default path, float32 on TF32 tensor cores (allow_tf32), the forced SIMT path (the sm_75 path for f16/bf16) and
// the implicit GEMM for depthwise geometries; bad-argument checks; then ResNet-50 / LeNet / MNIST
// layers checked against naive GPU kernels and timed (TFLOP/s, key conv/<pass>/<dtype>/<layer>,
// PyTorch/cuDNN peers in bench_torch.py). Usage: conv [--quick]
#include "harness.h"
#include "conv_common.cuh"

using namespace dev;

struct Geo {
  const char* name;
  int N, C, H, W, K, R, S, sh, sw, ph, pw, dh, dw, groups;
  nrc_conv2d_geom geom() const {
    nrc_conv2d_geom g{N, C, H, W, K, R, S, 0, 0, sh, sw, ph, pw, dh, dw, groups};
    g.P = (H + 2 * ph - dh * (R - 1) - 1) / sh + 1;
    g.Q = (W + 2 * pw - dw * (S - 1) - 1) / sw + 1;
    return g;
  }
};
static size_t nx(const nrc_conv2d_geom& g) { return (size_t)g.N * g.C * g.H * g.W; }
static size_t ny(const nrc_conv2d_geom& g) { return (size_t)g.N * g.K * g.P * g.Q; }
static size_t nw(const nrc_conv2d_geom& g) { return (size_t)g.K * (g.C / g.groups) * g.R * g.S; }
static double flops(const nrc_conv2d_geom& g) { return 2.0 * ny(g) * (g.C / g.groups) * g.R * g.S; }

// Calls fn(xi, wi, yi) for every tap that lands inside x: the definition of the convolution.
template <typename F>
static void for_each_tap(const nrc_conv2d_geom& g, F fn) {
  int Cg = g.C / g.groups, Kg = g.K / g.groups;
  for (int n = 0; n < g.N; n++)
    for (int k = 0; k < g.K; k++)
      for (int p = 0; p < g.P; p++)
        for (int q = 0; q < g.Q; q++)
          for (int c = 0; c < Cg; c++)
            for (int r = 0; r < g.R; r++)
              for (int s = 0; s < g.S; s++) {
                int h = p * g.sh - g.ph + r * g.dh, w = q * g.sw - g.pw + s * g.dw;
                if (h < 0 || h >= g.H || w < 0 || w >= g.W) continue;
                int ci = (k / Kg) * Cg + c;
                fn((((size_t)n * g.C + ci) * g.H + h) * g.W + w, (((size_t)k * Cg + c) * g.R + r) * g.S + s,
                   (((size_t)n * g.K + k) * g.P + p) * g.Q + q);
              }
}

static double tol_for(nrc_dtype dt) { return dt == NRC_F32 ? 1e-5 : dt == NRC_BF16 ? 1e-2 : 3e-3; }

// mode 0: default dispatch; 1: SIMT kernels forced; 2: implicit GEMM even for depthwise
static void validate(const Geo& G, nrc_dtype dt, int mode, uint64_t seed, bool tf32 = false) {
  nrc_conv2d_geom g = G.geom();
  auto hx = randn(nx(g), seed), hw = randn(nw(g), seed + 1), hdy = randn(ny(g), seed + 2), hb = randn(g.K, seed + 3);
  round_to(hx, dt); round_to(hw, dt); round_to(hdy, dt);
  std::vector<double> y(ny(g)), dx(nx(g), 0.0), dw(nw(g), 0.0), db(g.K, 0.0);
  for (size_t i = 0; i < y.size(); i++) y[i] = hb[(i / ((size_t)g.P * g.Q)) % g.K];
  for_each_tap(g, [&](size_t xi, size_t wi, size_t yi) {
    y[yi] += (double)hx[xi] * hw[wi];
    dx[xi] += (double)hdy[yi] * hw[wi];
    dw[wi] += (double)hdy[yi] * hx[xi];
  });
  for (size_t i = 0; i < hdy.size(); i++) db[(i / ((size_t)g.P * g.Q)) % g.K] += hdy[i];
  Buf X(nx(g), dt), Wt(nw(g), dt), DY(ny(g), dt), B(g.K, NRC_F32), Y(ny(g), dt), DX(nx(g), dt), DW(nw(g), dt),
      DB(g.K, NRC_F32);
  X.upload(hx); Wt.upload(hw); DY.upload(hdy); B.upload(hb);
  nrc::g_conv_force_simt = mode == 1;
  nrc::g_conv_no_depthwise = mode == 2;
  char what[200];
  const char* mname = mode == 0 ? (tf32 ? " [tf32]" : "") : mode == 1 ? " [simt]" : " [igemm]";
  const double tol = tf32 ? 5e-3 : tol_for(dt);
  snprintf(what, sizeof what, "%-10s %s fwd%s", G.name, dtname(dt), mname);
  Y.poison();
  CHECK_NRC(nrc_conv2d_fwd(dt, &g, X.p, Wt.p, B.as<float>(), Y.p, tf32));
  check(what, Y.download(), y, tol);
  snprintf(what, sizeof what, "%-10s %s bwd_data%s", G.name, dtname(dt), mname);
  DX.poison();
  CHECK_NRC(nrc_conv2d_bwd_data(dt, &g, DY.p, Wt.p, DX.p, tf32));
  check(what, DX.download(), dx, tol);
  snprintf(what, sizeof what, "%-10s %s bwd_filter%s", G.name, dtname(dt), mname);
  DW.poison(); DB.poison();
  CHECK_NRC(nrc_conv2d_bwd_filter(dt, &g, X.p, DY.p, DW.p, DB.as<float>(), tf32));
  check(what, DW.download(), dw, tol);
  snprintf(what, sizeof what, "%-10s %s dbias%s", G.name, dtname(dt), mname);
  check(what, DB.download(), db, 1e-5);
  nrc::g_conv_force_simt = 0;
  nrc::g_conv_no_depthwise = 0;
}

static void bad_args() {
  Buf X(64, NRC_F32), Wt(64, NRC_F32), Y(64, NRC_F32);
  nrc_conv2d_geom g{1, 2, 4, 4, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1};  // P, Q = 2, 2 with stride 1: wrong
  expect_status("fwd: P/Q inconsistent", nrc_conv2d_fwd(NRC_F32, &g, X.p, Wt.p, nullptr, Y.p, 0), NRC_ERR_INVALID_ARG);
  g.P = g.Q = 4;
  g.groups = 3;
  expect_status("fwd: groups does not divide C", nrc_conv2d_fwd(NRC_F32, &g, X.p, Wt.p, nullptr, Y.p, 0), NRC_ERR_INVALID_ARG);
  g.groups = 1;
  g.ph = -1;
  expect_status("bwd_data: negative padding", nrc_conv2d_bwd_data(NRC_F32, &g, Y.p, Wt.p, X.p, 0), NRC_ERR_INVALID_ARG);
  g.ph = 1;
  g.R = 0;
  expect_status("bwd_filter: zero kernel size", nrc_conv2d_bwd_filter(NRC_F32, &g, X.p, Y.p, Wt.p, nullptr, 0), NRC_ERR_INVALID_ARG);
  g.R = 3;
  expect_status("fwd: null w", nrc_conv2d_fwd(NRC_F32, &g, X.p, nullptr, nullptr, Y.p, 0), NRC_ERR_INVALID_ARG);
  expect_status("fwd: bad dtype", nrc_conv2d_fwd(NRC_F64, &g, X.p, Wt.p, nullptr, Y.p, 0), NRC_ERR_INVALID_ARG);
  nrc_conv2d_geom big{1024, 1024, 64, 64, 8, 1, 1, 64, 64, 1, 1, 0, 0, 1, 1, 1};  // x has 2^32 elements
  expect_status("fwd: 2^32-element x", nrc_conv2d_fwd(NRC_F32, &big, X.p, Wt.p, nullptr, Y.p, 0), NRC_ERR_UNSUPPORTED);
}

// ---- naive GPU references for the big layers (fp32 accumulation, float outputs) ----
template <typename T>
__global__ void naive_fwd(nrc_conv2d_geom g, const T* x, const T* w, float* y) {
  int Cg = g.C / g.groups, Kg = g.K / g.groups;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (int64_t)g.N * g.K * g.P * g.Q; i += (int64_t)gridDim.x * blockDim.x) {
    int q = i % g.Q, p = (i / g.Q) % g.P, k = (i / ((int64_t)g.P * g.Q)) % g.K, n = i / ((int64_t)g.K * g.P * g.Q);
    float acc = 0.f;
    for (int c = 0; c < Cg; c++)
      for (int r = 0; r < g.R; r++)
        for (int s = 0; s < g.S; s++) {
          int h = p * g.sh - g.ph + r * g.dh, ww = q * g.sw - g.pw + s * g.dw;
          if (h < 0 || h >= g.H || ww < 0 || ww >= g.W) continue;
          acc += nrc::to_f(x[(((int64_t)n * g.C + (k / Kg) * Cg + c) * g.H + h) * g.W + ww]) *
                 nrc::to_f(w[(((int64_t)k * Cg + c) * g.R + r) * g.S + s]);
        }
    y[i] = acc;
  }
}
template <typename T>
__global__ void naive_bwd_data(nrc_conv2d_geom g, const T* dy, const T* w, float* dx) {
  int Cg = g.C / g.groups, Kg = g.K / g.groups;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (int64_t)g.N * g.C * g.H * g.W; i += (int64_t)gridDim.x * blockDim.x) {
    int ww = i % g.W, h = (i / g.W) % g.H, ci = (i / ((int64_t)g.H * g.W)) % g.C, n = i / ((int64_t)g.C * g.H * g.W);
    int grp = ci / Cg, c = ci % Cg;
    float acc = 0.f;
    for (int k = grp * Kg; k < (grp + 1) * Kg; k++)
      for (int r = 0; r < g.R; r++)
        for (int s = 0; s < g.S; s++) {
          int th = h + g.ph - r * g.dh, tw = ww + g.pw - s * g.dw;
          if (th < 0 || tw < 0 || th % g.sh || tw % g.sw || th / g.sh >= g.P || tw / g.sw >= g.Q) continue;
          acc += nrc::to_f(dy[(((int64_t)n * g.K + k) * g.P + th / g.sh) * g.Q + tw / g.sw]) *
                 nrc::to_f(w[(((int64_t)k * Cg + c) * g.R + r) * g.S + s]);
        }
    dx[i] = acc;
  }
}
template <typename T>
__global__ void naive_bwd_filter(nrc_conv2d_geom g, const T* x, const T* dy, float* dw) {
  int Cg = g.C / g.groups, Kg = g.K / g.groups;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (int64_t)g.K * Cg * g.R * g.S; i += (int64_t)gridDim.x * blockDim.x) {
    int s = i % g.S, r = (i / g.S) % g.R, c = (i / (g.S * g.R)) % Cg, k = i / ((int64_t)g.S * g.R * Cg);
    int ci = (k / Kg) * Cg + c;
    float acc = 0.f;
    for (int n = 0; n < g.N; n++)
      for (int p = 0; p < g.P; p++)
        for (int q = 0; q < g.Q; q++) {
          int h = p * g.sh - g.ph + r * g.dh, ww = q * g.sw - g.pw + s * g.dw;
          if (h < 0 || h >= g.H || ww < 0 || ww >= g.W) continue;
          acc += nrc::to_f(dy[(((int64_t)n * g.K + k) * g.P + p) * g.Q + q]) *
                 nrc::to_f(x[(((int64_t)n * g.C + ci) * g.H + h) * g.W + ww]);
        }
    dw[i] = acc;
  }
}

// One big layer: each pass checked against the naive kernel, then timed.
static void layer(const Geo& G, nrc_dtype dt, bool tf32 = false) {
  nrc_conv2d_geom g = G.geom();
  Buf X(nx(g), dt), Wt(nw(g), dt), DY(ny(g), dt), B(g.K, NRC_F32), Y(ny(g), dt), DX(nx(g), dt), DW(nw(g), dt),
      DB(g.K, NRC_F32), R(std::max(std::max(nx(g), ny(g)), nw(g)), NRC_F32);
  X.randn(11); Wt.randn(12, 0.1f); DY.randn(13);
  B.upload(std::vector<float>(g.K, 0.f));  // naive_fwd has no bias
  bool dwise = g.C == g.groups && g.K == g.groups;
  const bool tc = (dt != NRC_F32 || tf32) && nrc::props().cc >= 80;
  const char* variant = dwise ? "direct" : tc ? (tf32 ? "igemm_tf32" : "igemm_mma") : "igemm_simt";
  double tol = tf32 ? 5e-3 : dt == NRC_F32 ? 1e-4 : tol_for(dt);
  for (int pass = 0; pass < 3; pass++) {
    const char* pname = pass == 0 ? "fwd" : pass == 1 ? "bwd_data" : "bwd_filter";
    Buf& out = pass == 0 ? Y : pass == 1 ? DX : DW;
    auto run = [&] {
      if (pass == 0) return nrc_conv2d_fwd(dt, &g, X.p, Wt.p, B.as<float>(), Y.p, tf32);
      if (pass == 1) return nrc_conv2d_bwd_data(dt, &g, DY.p, Wt.p, DX.p, tf32);
      return nrc_conv2d_bwd_filter(dt, &g, X.p, DY.p, DW.p, DB.as<float>(), tf32);
    };
    char key[160];
    snprintf(key, sizeof key, "conv/%s/%s/%s", pname, tf32 ? "tf32" : dtname(dt), G.name);
    out.poison();
    CHECK_NRC(run());
    NRC_DISPATCH_VOID(dt, T, {
      if (pass == 0) naive_fwd<T><<<4096, 256, 0, nrc::stream()>>>(g, X.as<T>(), Wt.as<T>(), R.as<float>());
      if (pass == 1) naive_bwd_data<T><<<4096, 256, 0, nrc::stream()>>>(g, DY.as<T>(), Wt.as<T>(), R.as<float>());
      if (pass == 2) naive_bwd_filter<T><<<4096, 64, 0, nrc::stream()>>>(g, X.as<T>(), DY.as<T>(), R.as<float>());
    });
    std::vector<float> ref = R.download();
    ref.resize(out.n);
    check_f(key, out.download(), ref, tol);
    double ms = time_ms([&] { run(); }, 20, 3);
    result(key, variant, ms, flops(g) / (ms * 1e-3) / 1e12, "TFLOP/s");
  }
}

int main(int argc, char** argv) {
  init(argc, argv);
  // name, N, C, H, W, K, R, S, sh, sw, ph, pw, dh, dw, groups
  const Geo small[] = {
      {"3x3", 2, 3, 9, 11, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1},
      {"3x3s2", 2, 4, 10, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1},
      {"3x3d2", 1, 5, 12, 13, 7, 3, 3, 1, 1, 2, 2, 2, 2, 1},
      {"g2", 2, 6, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2},
      {"g4", 2, 8, 6, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1, 4},
      {"dw", 2, 8, 7, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8},
      {"dws2", 2, 8, 7, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 8},
      {"dwx2", 2, 4, 7, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4},  // depth multiplier 2: implicit GEMM
      {"1x1", 3, 16, 5, 7, 24, 1, 1, 1, 1, 0, 0, 1, 1, 1},
      {"1x1s3", 1, 3, 11, 11, 4, 1, 1, 3, 3, 0, 0, 1, 1, 1},
      {"5x5", 2, 3, 13, 13, 8, 5, 5, 1, 1, 2, 2, 1, 1, 1},
      {"lenet1", 1, 1, 28, 28, 6, 5, 5, 1, 1, 0, 0, 1, 1, 1},
      {"7x7s2", 2, 3, 23, 23, 16, 7, 7, 2, 2, 3, 3, 1, 1, 1},
      {"c40k72", 2, 40, 9, 9, 72, 3, 3, 1, 1, 1, 1, 1, 1, 1},
      {"c70k130", 4, 70, 6, 6, 130, 3, 3, 1, 1, 1, 1, 1, 1, 1},
      {"asym", 2, 6, 9, 7, 4, 3, 2, 3, 2, 0, 1, 2, 1, 2},
      {"pad2", 1, 3, 5, 5, 2, 3, 3, 1, 1, 2, 2, 1, 1, 1},
      {"splitk", 8, 16, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
      {"c32k64s2", 2, 32, 9, 7, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1},  // channels % 32 == 0: per-tile taps
      {"g2c64d2", 2, 64, 9, 10, 64, 3, 3, 1, 2, 2, 1, 2, 1, 2},
      {"c64k32x1", 3, 64, 5, 6, 32, 1, 1, 1, 1, 0, 0, 1, 1, 1},
      {"c64s2", 2, 64, 7, 8, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1},
      {"g2c128d2", 2, 128, 6, 7, 64, 3, 3, 1, 1, 2, 2, 2, 2, 2},
  };
  uint64_t seed = 1000;
  for (nrc_dtype dt : {NRC_F32, NRC_F16, NRC_BF16})
    for (const Geo& G : small) {
      validate(G, dt, 0, seed += 10);
      if (dt != NRC_F32 && nrc::props().cc >= 80) validate(G, dt, 1, seed += 10);
      if (G.C == G.groups && G.K == G.groups) validate(G, dt, 2, seed += 10);
      if (dt == NRC_F32 && nrc::props().cc >= 80) validate(G, dt, 0, seed += 10, true);
    }
  bad_args();
  if (!g_quick) {
    const Geo layers[] = {
        {"r50_56x56_c64_k64_3x3_n32", 32, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {"r50_28x28_c128_k128_3x3_n32", 32, 128, 28, 28, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {"r50_14x14_c256_k256_3x3_n32", 32, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1},
        {"r50_56x56_c256_k64_1x1_n32", 32, 256, 56, 56, 64, 1, 1, 1, 1, 0, 0, 1, 1, 1},
        {"r50_stem_224_c3_k64_7x7s2_n32", 32, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3, 1, 1, 1},
        {"dw_28x28_c256_3x3_n32", 32, 256, 28, 28, 256, 3, 3, 1, 1, 1, 1, 1, 1, 256},
        {"lenet_c1_k6_5x5_28_n128", 128, 1, 28, 28, 6, 5, 5, 1, 1, 0, 0, 1, 1, 1},
        {"lenet_c6_k16_5x5_12_n128", 128, 6, 12, 12, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1},
        {"mnist_c1_k32_3x3_28_n128", 128, 1, 28, 28, 32, 3, 3, 1, 1, 0, 0, 1, 1, 1},
        {"mnist_c32_k64_3x3_26_n128", 128, 32, 26, 26, 64, 3, 3, 1, 1, 0, 0, 1, 1, 1},
    };
    for (const Geo& G : layers) layer(G, NRC_BF16);
    for (const Geo& G : layers) layer(G, NRC_F32);
    for (const Geo& G : layers) layer(G, NRC_F32, true);
    printf("# compare with cuDNN through PyTorch: python3 cuda/dev/bench_torch.py --out results.csv --only conv/ "
           "(same keys), then cuda/dev/compare.py results.csv\n");
  }
  return finish("conv");
}
