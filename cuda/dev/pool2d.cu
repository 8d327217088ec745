// Dev harness for 2-D max/avg pooling forward and backward: a CPU model transcribed from
// native/kernels/cpu/pool.cc (maxf/maxb/avgf/avgb, the reference order) on geometries with padding,
// stride, dilation, ceil mode (incl. a dropped last window), count_include_pad, divisor_override,
// odd sizes, NaN inputs (first NaN wins) and ties; every float dtype; outputs poisoned first; argument
// errors. Then timing (GB/s of x + y traffic) for ResNet's 3x3/2 max pool and a 2x2 avg pool.
// Usage: pool2d [--quick]
#include "harness_types.h"

using namespace dev;

struct G { int N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw; bool ceil, cip; int div; };

static int out_size(int n, int k, int s, int p, int d, bool ceil) {
  int span = n + 2 * p - d * (k - 1) - 1;
  int o = (ceil ? (int)std::ceil(span / (double)s) : (int)std::floor(span / (double)s)) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

static void validate(nrc_dtype dt, const G& g, uint64_t seed) {
  const int Ho = out_size(g.H, g.kh, g.sh, g.ph, g.dh, g.ceil), Wo = out_size(g.W, g.kw, g.sw, g.pw, g.dw, g.ceil);
  const size_t planes = (size_t)g.N * g.C, nx = planes * g.H * g.W, ny = planes * Ho * Wo;
  auto x = randn<double>(nx, seed);
  std::mt19937_64 rng(seed + 3);
  for (size_t i = 0; i < nx; i++) {
    if (i % 3 == 0) x[i] = (double)((int)(rng() % 3));  // ties
    if (rng() % 97 == 0) x[i] = NAN;
  }
  auto dy = randn<double>(ny, seed + 1);
  round_all(x, dt); round_all(dy, dt);
  // max forward / backward (reference order)
  std::vector<double> ym(ny), dxm(nx, 0.0), ya(ny), dxa(nx, 0.0);
  std::vector<int64_t> im(ny);
  for (size_t pl = 0; pl < planes; pl++)
    for (int p = 0; p < Ho; p++)
      for (int q = 0; q < Wo; q++) {
        double best = -INFINITY;
        int64_t bi = -1;
        for (int r = 0; r < g.kh; r++) {
          int ih = p * g.sh - g.ph + r * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          for (int t = 0; t < g.kw; t++) {
            int iw = q * g.sw - g.pw + t * g.dw;
            if (iw < 0 || iw >= g.W) continue;
            double v = x[pl * g.H * g.W + ih * g.W + iw];
            if (bi < 0 || v > best || std::isnan(v)) { best = v; bi = ih * g.W + iw; if (std::isnan(v)) goto done; }
          }
        }
      done:
        size_t o = (pl * Ho + p) * Wo + q;
        ym[o] = best; im[o] = bi;
        if (bi >= 0) dxm[pl * g.H * g.W + bi] += dy[o];
        // avg
        int hs = p * g.sh - g.ph, ws = q * g.sw - g.pw;
        int he = std::min(hs + g.kh, g.H + g.ph), we = std::min(ws + g.kw, g.W + g.pw);
        int pool = (he - hs) * (we - ws);
        int h0 = std::max(hs, 0), w0 = std::max(ws, 0), h1 = std::min(he, g.H), w1 = std::min(we, g.W);
        int div = g.div ? g.div : g.cip ? pool : (h1 - h0) * (w1 - w0);
        double acc = 0;
        for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) acc += x[pl * g.H * g.W + ih * g.W + iw];
        ya[o] = div > 0 ? acc / div : 0.0;
        if (div > 0)
          for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) dxa[pl * g.H * g.W + ih * g.W + iw] += dy[o] / div;
      }
  TBuf X(nx, dt), Y(ny, dt), I(ny, NRC_I64), DY(ny, dt), DX(nx, dt);
  X.upload(x); DY.upload(dy);
  Y.poison(); I.poison(); DX.poison();
  char what[260];
  snprintf(what, sizeof what, "%s x(%d,%d,%d,%d) k(%d,%d) s(%d,%d) p(%d,%d) d(%d,%d) ceil=%d cip=%d div=%d -> (%d,%d)", nrc::dtype_name(dt),
           g.N, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.ceil, g.cip, g.div, Ho, Wo);
  std::string s = what;
  const double tol = dt == NRC_F64 ? 1e-12 : dt == NRC_F32 ? 1e-6 : dt == NRC_BF16 ? 1e-2 : 2e-3;
  CHECK_NRC(nrc_maxpool2d_fwd(dt, X.p, Y.p, I.as<int64_t>(), g.N, g.C, g.H, g.W, Ho, Wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw));
  check_nan("maxpool fwd y " + s, Y.download(), ym, 0);
  check_i64("maxpool fwd idx " + s, I.download_i64(), im);
  CHECK_NRC(nrc_maxpool2d_bwd(dt, DY.p, I.as<int64_t>(), DX.p, g.N, g.C, g.H, g.W, Ho, Wo));
  check_nan("maxpool bwd dx " + s, DX.download(), dxm, tol);
  // average pooling has no dilation: only when d == 1
  if (g.dh == 1 && g.dw == 1) {
    Y.poison(); DX.poison();
    CHECK_NRC(nrc_avgpool2d_fwd(dt, X.p, Y.p, g.N, g.C, g.H, g.W, Ho, Wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.cip, g.div));
    check_nan("avgpool fwd y " + s, Y.download(), ya, tol);
    CHECK_NRC(nrc_avgpool2d_bwd(dt, DY.p, DX.p, g.N, g.C, g.H, g.W, Ho, Wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.cip, g.div));
    check_nan("avgpool bwd dx " + s, DX.download(), dxa, tol);
  }
}

static void bad_args() {
  TBuf X(64, NRC_F32), Y(64, NRC_F32), I(64, NRC_I64);
  expect_status("padding > kernel/2 rejected", nrc_maxpool2d_fwd(NRC_F32, X.p, Y.p, I.as<int64_t>(), 1, 1, 8, 8, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1),
                NRC_ERR_INVALID_ARG, "half the kernel");
  expect_status("wrong output size rejected", nrc_maxpool2d_fwd(NRC_F32, X.p, Y.p, I.as<int64_t>(), 1, 1, 8, 8, 3, 4, 2, 2, 2, 2, 0, 0, 1, 1),
                NRC_ERR_INVALID_ARG, "output size");
  expect_status("stride 0 rejected", nrc_avgpool2d_fwd(NRC_F32, X.p, Y.p, 1, 1, 8, 8, 4, 4, 2, 2, 0, 2, 0, 0, 1, 0), NRC_ERR_INVALID_ARG, "stride");
  expect_status("negative size rejected", nrc_avgpool2d_fwd(NRC_F32, X.p, Y.p, -1, 1, 8, 8, 4, 4, 2, 2, 2, 2, 0, 0, 1, 0), NRC_ERR_INVALID_ARG, "negative");
  expect_status("int64 rejected", nrc_avgpool2d_fwd(NRC_I64, X.p, Y.p, 1, 1, 8, 8, 4, 4, 2, 2, 2, 2, 0, 0, 1, 0), NRC_ERR_UNSUPPORTED, "dtype");
}

static void bench(nrc_dtype dt, const G& g, bool is_max) {
  const int Ho = out_size(g.H, g.kh, g.sh, g.ph, g.dh, g.ceil), Wo = out_size(g.W, g.kw, g.sw, g.pw, g.dw, g.ceil);
  const size_t planes = (size_t)g.N * g.C, nx = planes * g.H * g.W, ny = planes * Ho * Wo;
  Buf X(nx, dt), Y(ny, dt), DX(nx, dt);
  TBuf I(ny, NRC_I64);
  X.randn(1);
  std::string key = std::string(is_max ? "maxpool2d" : "avgpool2d") + "/" + dtname(dt) + "/" + std::to_string(g.N) + "x" +
                    std::to_string(g.C) + "x" + std::to_string(g.H) + "x" + std::to_string(g.W) + "_k" + std::to_string(g.kh);
  double ms, fbytes = (double)(nx + ny) * nrc::dtype_size(dt) + (is_max ? ny * 8.0 : 0.0);
  if (is_max) ms = time_ms([&] { nrc_maxpool2d_fwd(dt, X.p, Y.p, I.as<int64_t>(), g.N, g.C, g.H, g.W, Ho, Wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, 1, 1); });
  else ms = time_ms([&] { nrc_avgpool2d_fwd(dt, X.p, Y.p, g.N, g.C, g.H, g.W, Ho, Wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, 1, 0); });
  result(key + "_fwd", is_max ? "nrc_maxpool2d_fwd" : "nrc_avgpool2d_fwd", ms, gbps(fbytes, ms), "GB/s");
  if (is_max) ms = time_ms([&] { nrc_maxpool2d_bwd(dt, Y.p, I.as<int64_t>(), DX.p, g.N, g.C, g.H, g.W, Ho, Wo); });
  else ms = time_ms([&] { nrc_avgpool2d_bwd(dt, Y.p, DX.p, g.N, g.C, g.H, g.W, Ho, Wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, 1, 0); });
  result(key + "_bwd", is_max ? "nrc_maxpool2d_bwd" : "nrc_avgpool2d_bwd", ms, gbps(fbytes, ms), "GB/s");
}

int main(int argc, char** argv) {
  init(argc, argv);
  const G geos[] = {
      {2, 3, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1, false, true, 0},
      {2, 3, 9, 11, 3, 3, 2, 2, 1, 1, 1, 1, false, true, 0},
      {1, 4, 10, 7, 3, 3, 2, 2, 1, 1, 1, 1, true, false, 0},   // ceil mode
      {1, 2, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1, true, true, 0},     // ceil mode drops the window starting in the padding
      {2, 2, 13, 9, 3, 2, 3, 1, 1, 0, 2, 1, false, true, 0},   // dilation (max only)
      {1, 3, 7, 9, 4, 3, 1, 2, 2, 1, 1, 1, false, false, 0},
      {1, 3, 7, 9, 3, 3, 2, 2, 1, 1, 1, 1, true, true, 5},     // divisor_override
      {3, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, false, true, 0},
      {2, 5, 31, 17, 5, 5, 3, 3, 2, 2, 2, 2, true, false, 0},
  };
  uint64_t seed = 1;
  for (nrc_dtype dt : {NRC_F32, NRC_BF16, NRC_F16, NRC_F64})
    for (const G& g : geos) validate(dt, g, seed++);
  std::mt19937 rng(2024);  // random geometries (fixed seed: reproducible)
  for (int i = 0; i < (g_quick ? 6 : 24); i++) {
    G g{};
    g.N = 1 + rng() % 3; g.C = 1 + rng() % 4; g.H = 1 + rng() % 20; g.W = 1 + rng() % 20;
    g.kh = 1 + rng() % std::min(5, g.H); g.kw = 1 + rng() % std::min(5, g.W);
    g.sh = 1 + rng() % 3; g.sw = 1 + rng() % 3; g.ph = rng() % (g.kh / 2 + 1); g.pw = rng() % (g.kw / 2 + 1);
    g.dh = g.H >= 2 * g.kh ? 1 + rng() % 2 : 1; g.dw = g.W >= 2 * g.kw ? 1 + rng() % 2 : 1;
    g.ceil = rng() % 2; g.cip = rng() % 2; g.div = rng() % 4 == 0 ? 1 + rng() % 9 : 0;
    if (out_size(g.H, g.kh, g.sh, g.ph, g.dh, g.ceil) < 1 || out_size(g.W, g.kw, g.sw, g.pw, g.dw, g.ceil) < 1) continue;
    validate((nrc_dtype)(rng() % 4), g, seed++);
  }
  if (!g_quick) validate(NRC_F32, G{8, 64, 56, 56, 3, 3, 2, 2, 1, 1, 1, 1, false, true, 0}, seed++);
  bad_args();
  if (!g_quick) {
    for (nrc_dtype dt : {NRC_F32, NRC_BF16}) {
      bench(dt, G{64, 64, 112, 112, 3, 3, 2, 2, 1, 1, 1, 1, false, true, 0}, true);
      bench(dt, G{64, 256, 56, 56, 2, 2, 2, 2, 0, 0, 1, 1, false, true, 0}, false);
    }
  }
  return finish("pool2d");
}
