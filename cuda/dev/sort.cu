// Dev harness for nrc_sort / nrc_scatter_lines / nrc_copy_signed: every sortable dtype (float32/64,
// int32/64, uint8) against std::stable_sort with the CPU's nan_last_less on (outer, n, inner) lines:
// odd lengths, ties (small integers), NaNs, -0/+0, empty lines and empty outer dims, keep < n (topk),
// lines longer than the shared-memory sort (4096: the chunked multi-pass path), strided lines (inner > 1);
// values and indices must match exactly, outputs poisoned first. Then the gradient scatter, the
// negative-stride copy (flip), argument errors, and timing (many short rows, medium rows, one long row).
// Usage: sort [--quick]
#include "harness_types.h"

using namespace dev;

static bool nan_last_less(double a, double b) {
  if (a != a) return false;
  if (b != b) return true;
  return a < b;
}
static const char* dn(nrc_dtype dt) { return nrc::dtype_name(dt); }

// Inputs with ties, NaN and signed zeros for floats; the row pattern varies with the line.
static std::vector<double> make_input(nrc_dtype dt, size_t numel, uint64_t seed) {
  std::vector<double> x = randn<double>(numel, seed, 50.0);
  std::mt19937_64 rng(seed + 1);
  const bool flt = dt == NRC_F32 || dt == NRC_F64;
  for (size_t i = 0; i < numel; i++) {
    int mode = (int)(rng() % 6);
    if (mode == 0) x[i] = (double)((int)(rng() % 5) - 2);          // ties
    if (flt && mode == 1 && rng() % 4 == 0) x[i] = NAN;
    if (flt && mode == 2 && rng() % 4 == 0) x[i] = (rng() % 2) ? -0.0 : 0.0;
    if (flt && mode == 3 && rng() % 8 == 0) x[i] = (rng() % 2) ? INFINITY : -INFINITY;
    if (dt == NRC_U8) x[i] = (double)(rng() % 7);
    if (dt == NRC_I64 && mode == 4) x[i] = (double)(int64_t)((rng() % 2 ? 1 : -1) * (int64_t)(rng() >> 12));
  }
  round_all(x, dt);
  return x;
}

static void validate(nrc_dtype dt, size_t outer, size_t n, size_t inner, size_t keep, bool desc, uint64_t seed) {
  const size_t numel = outer * n * inner, onum = outer * keep * inner;
  auto x = make_input(dt, numel, seed);
  TBuf X(numel, dt), V(onum, dt), I(onum, NRC_I64), G(onum, dt), D(numel, dt);
  X.upload(x);
  V.poison(); I.poison();
  CHECK_NRC(nrc_sort(dt, X.p, V.p, I.as<int64_t>(), outer, n, inner, keep, desc));
  std::vector<double> vref(onum);
  std::vector<int64_t> iref(onum);
  std::vector<int64_t> pos(n);
  for (size_t o = 0; o < outer; o++)
    for (size_t i = 0; i < inner; i++) {
      auto at = [&](size_t j) { return x[(o * n + j) * inner + i]; };
      for (size_t j = 0; j < n; j++) pos[j] = (int64_t)j;
      std::stable_sort(pos.begin(), pos.end(), [&](int64_t a, int64_t b) { return desc ? nan_last_less(at(b), at(a)) : nan_last_less(at(a), at(b)); });
      for (size_t t = 0; t < keep; t++) { vref[(o * keep + t) * inner + i] = at(pos[t]); iref[(o * keep + t) * inner + i] = pos[t]; }
    }
  char what[200];
  snprintf(what, sizeof what, "sort %s (%zu, %zu, %zu) keep %zu %s: values", dn(dt), outer, n, inner, keep, desc ? "desc" : "asc");
  if (dt == NRC_I64) {
    std::vector<int64_t> vr(onum);
    for (size_t i = 0; i < onum; i++) vr[i] = (int64_t)vref[i];
    check_i64(what, V.download_i64(), vr);
  } else {
    check_nan(what, V.download(), vref, 0);
  }
  snprintf(what, sizeof what, "sort %s (%zu, %zu, %zu) keep %zu %s: indices", dn(dt), outer, n, inner, keep, desc ? "desc" : "asc");
  check_i64(what, I.download_i64(), iref);
  // gradient scatter: D = zeros, D[.., idx, ..] = G
  if (dt == NRC_F32 || dt == NRC_F64) {
    auto g = randn<double>(onum, seed + 9);
    round_all(g, dt);
    G.upload(g);
    D.poison();
    CHECK_NRC(nrc_scatter_lines(dt, G.p, I.as<int64_t>(), D.p, outer, keep, n, inner));
    std::vector<double> dref(numel, 0.0);
    for (size_t o = 0; o < outer; o++)
      for (size_t t = 0; t < keep; t++)
        for (size_t i = 0; i < inner; i++) dref[(o * n + iref[(o * keep + t) * inner + i]) * inner + i] = g[(o * keep + t) * inner + i];
    snprintf(what, sizeof what, "scatter_lines %s (%zu, %zu, %zu) k %zu", dn(dt), outer, n, inner, keep);
    check_nan(what, D.download(), dref, 0);
  }
}

// flip of a (A, B, C) tensor along dims given by mask, through negative strides.
static void validate_flip(nrc_dtype dt, int64_t A, int64_t B, int64_t Cc, int mask) {
  const size_t numel = (size_t)(A * B * Cc);
  auto x = make_input(dt, numel, 77 + mask);
  TBuf X(numel, dt), Y(numel, dt);
  X.upload(x);
  Y.poison();
  int64_t shape[3] = {A, B, Cc}, st[3] = {B * Cc, Cc, 1}, off = 0;
  for (int d = 0; d < 3; d++)
    if (mask >> d & 1) { off += (shape[d] - 1) * st[d]; st[d] = -st[d]; }
  CHECK_NRC(nrc_copy_signed(dt, Y.p, (const char*)X.p + off * nrc::dtype_size(dt), 3, shape, st));
  std::vector<double> ref(numel);
  for (int64_t a = 0; a < A; a++)
    for (int64_t b = 0; b < B; b++)
      for (int64_t c = 0; c < Cc; c++) ref[(a * B + b) * Cc + c] = x[off + a * st[0] + b * st[1] + c * st[2]];
  char what[160];
  snprintf(what, sizeof what, "copy_signed (flip) %s (%lld, %lld, %lld) dims mask %d", dn(dt), (long long)A, (long long)B, (long long)Cc, mask);
  check_nan(what, Y.download(), ref, 0);
}

int main(int argc, char** argv) {
  init(argc, argv);
  struct S { size_t outer, n, inner; };
  std::vector<S> shapes = {{3, 1, 1}, {2, 7, 1}, {5, 33, 3}, {1, 1000, 1}, {2, 4096, 1}, {1, 4097, 2}, {2, 9001, 1}, {3, 0, 2}, {0, 5, 1}, {4, 2, 7}};
  if (!g_quick) shapes.push_back({1, 70001, 1});
  uint64_t seed = 1;
  for (nrc_dtype dt : {NRC_F32, NRC_F64, NRC_I32, NRC_I64, NRC_U8})
    for (const S& s : shapes)
      for (bool desc : {false, true}) {
        validate(dt, s.outer, s.n, s.inner, s.n, desc, seed++);
        if (s.n > 3) validate(dt, s.outer, s.n, s.inner, std::min<size_t>(5, s.n - 1), desc, seed++);
      }
  for (nrc_dtype dt : {NRC_F32, NRC_F16, NRC_F64, NRC_I64})
    for (int mask = 0; mask < 8; mask++) validate_flip(dt, 3, 5, 7, mask);
  validate_flip(NRC_F32, 1, 1, 1000, 4);
  // argument errors
  TBuf X(64, NRC_F32), V(64, NRC_F32), I(64, NRC_I64);
  expect_status("sort keep > n rejected", nrc_sort(NRC_F32, X.p, V.p, I.as<int64_t>(), 2, 4, 1, 5, 0), NRC_ERR_INVALID_ARG, "keep");
  expect_status("sort of float16 unsupported", nrc_sort(NRC_F16, X.p, V.p, I.as<int64_t>(), 2, 4, 1, 4, 0), NRC_ERR_UNSUPPORTED, "float32");
  expect_status("scatter k > n rejected", nrc_scatter_lines(NRC_F32, V.p, I.as<int64_t>(), X.p, 1, 5, 4, 1), NRC_ERR_INVALID_ARG, "k > n");
  expect_status("copy_signed ndim 13 rejected", nrc_copy_signed(NRC_F32, V.p, X.p, 13, nullptr, nullptr), NRC_ERR_INVALID_ARG, "ndim");
  if (!g_quick) {
    struct T { size_t rows, n; const char* key; };
    for (const T& t : {T{1 << 16, 128, "sort/f32/65536x128"}, T{4096, 4096, "sort/f32/4096x4096"}, T{16, 1 << 20, "sort/f32/16x1M"}, T{1, 1 << 24, "sort/f32/1x16M"}}) {
      Buf Xb(t.rows * t.n, NRC_F32), Vb(t.rows * t.n, NRC_F32);
      TBuf Ib(t.rows * t.n, NRC_I64);
      Xb.randn(5);
      double ms = time_ms([&] { CHECK_NRC(nrc_sort(NRC_F32, Xb.p, Vb.p, Ib.as<int64_t>(), t.rows, t.n, 1, t.n, 0)); }, 10, 2);
      result(t.key, "bitonic", ms, t.rows * t.n / (ms * 1e-3) / 1e9, "Gelem/s");
    }
  }
  return finish("sort");
}
