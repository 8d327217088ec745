// Dev harness for nrc_scan (cumsum / cumprod, forward and reverse) and nrc_cumprod_bwd against a CPU
// model of native/kernels/ref/scan_lines.h (double accumulation for floats, wrapping uint64 for
// integers): float32/64, int32/64, uint8 on (outer, n, inner) shapes that reach both paths (warp per
// contiguous line, thread per strided line) with odd lengths, lines longer than one 128-element chunk,
// empty dims; outputs poisoned. Integers and the strided path must match exactly; contiguous float
// lines to 1e-6 (float32) / 1e-13 (float64) relative L2 (the warp combines partial sums in another
// order), and the count of bit-identical float outputs is printed. The cumprod gradient (with zeros in
// x) must match bit for bit. Then argument errors and timing (GB/s of read + write).
// Usage: scan [--quick]
#include "harness_types.h"

using namespace dev;

static const char* dn(nrc_dtype dt) { return nrc::dtype_name(dt); }
static bool is_flt(nrc_dtype dt) { return dt == NRC_F32 || dt == NRC_F64; }

// CPU model of scan_line: double for floats, uint64 wrapping for integers, rounded to dt per output.
static std::vector<double> ref_scan(const std::vector<double>& x, nrc_dtype dt, bool prod, size_t outer, size_t n, size_t inner, bool rev,
                                    std::vector<int64_t>* iref) {
  std::vector<double> out(x.size());
  if (iref) iref->assign(x.size(), 0);
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++) {
      double accf = prod ? 1 : 0;
      uint64_t acci = prod ? 1 : 0;
      for (size_t s = 0; s < n; s++) {
        size_t k = rev ? n - 1 - s : s, at = (o * n + k) * inner + i;
        if (is_flt(dt)) {
          accf = prod ? accf * x[at] : accf + x[at];
          out[at] = dt == NRC_F32 ? (double)(float)accf : accf;
        } else {
          uint64_t v = (uint64_t)(int64_t)x[at];
          acci = prod ? acci * v : acci + v;
          int64_t r = (int64_t)acci;
          if (dt == NRC_I32) r = (int32_t)r;
          if (dt == NRC_U8) r = (uint8_t)r;
          out[at] = (double)r;
          if (iref) (*iref)[at] = r;
        }
      }
    }
  return out;
}

static void validate(nrc_dtype dt, bool prod, size_t outer, size_t n, size_t inner, bool rev, uint64_t seed) {
  const size_t numel = outer * n * inner;
  std::vector<double> x = prod ? uniform<double>(numel, seed, 0.9, 1.1) : randn<double>(numel, seed, 2.0);
  std::mt19937_64 rng(seed);
  if (!is_flt(dt)) for (auto& v : x) v = prod ? (double)((int)(rng() % 7) - 3) : (double)((int64_t)(rng() % 2000001) - 1000000);
  if (dt == NRC_U8) for (auto& v : x) v = (double)(rng() % 256);
  round_all(x, dt);
  TBuf X(numel, dt), O(numel, dt);
  X.upload(x);
  O.poison();
  CHECK_NRC(nrc_scan(prod ? NRCS_PROD : NRCS_SUM, dt, X.p, O.p, outer, n, inner, rev));
  std::vector<int64_t> iref;
  auto ref = ref_scan(x, dt, prod, outer, n, inner, rev, dt == NRC_I64 ? &iref : nullptr);
  char what[200];
  snprintf(what, sizeof what, "%s %s (%zu, %zu, %zu)%s", prod ? "cumprod" : "cumsum", dn(dt), outer, n, inner, rev ? " reverse" : "");
  if (dt == NRC_I64) { check_i64(what, O.download_i64(), iref); return; }
  auto out = O.download();
  const bool exact = !is_flt(dt) || inner > 1;
  check_nan(what, out, ref, exact ? 0 : dt == NRC_F32 ? 1e-6 : 1e-13);
  if (!exact) {
    size_t same = 0;
    for (size_t i = 0; i < numel; i++) same += out[i] == ref[i];
    printf("# %s: %zu of %zu outputs bit-identical to the CPU\n", what, same, numel);
  }
}

static void validate_bwd(nrc_dtype dt, size_t outer, size_t n, size_t inner, uint64_t seed) {
  const size_t numel = outer * n * inner;
  auto x = uniform<double>(numel, seed, -1.5, 1.5), g = randn<double>(numel, seed + 1);
  std::mt19937_64 rng(seed);
  for (size_t l = 0; l < outer * inner && n; l++) {   // lines with no, one and two zeros
    size_t o = l / inner, i = l % inner;
    for (int z = 0; z < (int)(l % 3); z++) x[(o * n + rng() % n) * inner + i] = 0;
  }
  round_all(x, dt); round_all(g, dt);
  TBuf X(numel, dt), G(numel, dt), GX(numel, dt);
  X.upload(x); G.upload(g);
  GX.poison();
  CHECK_NRC(nrc_cumprod_bwd(dt, G.p, X.p, GX.p, outer, n, inner));
  std::vector<double> ref(numel), S(n);
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++) {
      auto at = [&](size_t k) { return (o * n + k) * inner + i; };
      double s = 0;
      for (size_t kk = n; kk-- > 0;) { s = kk + 1 < n ? g[at(kk)] + x[at(kk + 1)] * s : g[at(kk)]; S[kk] = s; }
      double p = 1;
      for (size_t k = 0; k < n; k++) { ref[at(k)] = dt == NRC_F32 ? (double)(float)(p * S[k]) : p * S[k]; p *= x[at(k)]; }
    }
  char what[160];
  snprintf(what, sizeof what, "cumprod backward %s (%zu, %zu, %zu) with zeros", dn(dt), outer, n, inner);
  check_nan(what, GX.download(), ref, 0);
}

int main(int argc, char** argv) {
  init(argc, argv);
  struct S { size_t outer, n, inner; };
  std::vector<S> shapes = {{1, 1, 1}, {3, 7, 1}, {2, 129, 1}, {4, 1000, 1}, {1, 5000, 1}, {2, 33, 5}, {3, 17, 64}, {0, 4, 1}, {2, 0, 3}, {5, 3, 0}};
  if (!g_quick) shapes.push_back({2, 100003, 1});
  uint64_t seed = 11;
  for (nrc_dtype dt : {NRC_F32, NRC_F64, NRC_I32, NRC_I64, NRC_U8})
    for (const S& s : shapes)
      for (bool prod : {false, true})
        for (bool rev : {false, true}) validate(dt, prod, s.outer, s.n, s.inner, rev, seed++);
  for (nrc_dtype dt : {NRC_F32, NRC_F64})
    for (const S& s : shapes) validate_bwd(dt, s.outer, s.n, s.inner, seed++);
  TBuf X(16, NRC_F32), O(16, NRC_F32);
  expect_status("cumsum of float16 unsupported", nrc_scan(NRCS_SUM, NRC_F16, X.p, O.p, 1, 4, 1, 0), NRC_ERR_UNSUPPORTED, "float16");
  expect_status("bad scan op rejected", nrc_scan((nrc_scan_op)7, NRC_F32, X.p, O.p, 1, 4, 1, 0), NRC_ERR_INVALID_ARG, "op");
  expect_status("cumprod backward of int64 unsupported", nrc_cumprod_bwd(NRC_I64, X.p, X.p, O.p, 1, 2, 1), NRC_ERR_UNSUPPORTED, "float64");
  if (!g_quick) {
    struct T { size_t outer, n, inner; const char* key; };
    for (const T& t : {T{4096, 4096, 1, "cumsum/f32/4096x4096/last"}, T{1, 4096, 4096, "cumsum/f32/4096x4096/dim0"}, T{1 << 20, 32, 1, "cumsum/f32/1Mx32/last"},
                       T{4, 1 << 24, 1, "cumsum/f32/4x16M/last"}}) {
      Buf Xb(t.outer * t.n * t.inner, NRC_F32), Ob(t.outer * t.n * t.inner, NRC_F32);
      Xb.randn(3);
      double ms = time_ms([&] { CHECK_NRC(nrc_scan(NRCS_SUM, NRC_F32, Xb.p, Ob.p, t.outer, t.n, t.inner, 0)); });
      result(t.key, "scan", ms, gbps(2.0 * Xb.bytes(), ms), "GB/s");
    }
  }
  return finish("scan");
}
