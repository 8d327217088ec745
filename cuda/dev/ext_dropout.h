// Part of the elementwise_ext harness (included by elementwise_ext.cu after its helpers):
// nrc_dropout against the host Philox (native/include/nr/philox.h), a 64-bit-geometry case, and the
// 1 GiB timings against cudaMemcpy.
#pragma once

namespace {

// Host dropout: keep = philox_uniform(seed, offset, i) >= p; y = keep ? x * (1 / (1 - p)) : 0.
void ref_dropout(nrc_dtype dt, const std::vector<uint8_t>& x, std::vector<uint8_t>& y, std::vector<uint8_t>& m,
                 size_t n, float p, uint64_t seed, uint64_t off) {
  const double s = 1.0 / (1.0 - (double)p);
  const size_t es = dsize(dt);
  for (size_t i = 0; i < n; i++) {
    bool keep = nr::philox_uniform(seed, off, i) >= p;
    m[i] = keep;
    if (dt == NRC_F64) put<double>(dt, &y[i * es], keep ? get<double>(dt, &x[i * es]) * s : 0.0);
    else put<float>(dt, &y[i * es], keep ? get<float>(dt, &x[i * es]) * (float)s : 0.f);
  }
}

// One call on n elements at element offsets (xo, yo) and mask byte offset mo; checks y and mask
// against the host; returns the mask.
std::vector<uint8_t> run_dropout(nrc_dtype dt, size_t n, float p, uint64_t seed, uint64_t off, size_t xo, size_t yo,
                                 size_t mo, bool inplace, const char* what) {
  const size_t es = dsize(dt);
  auto xb = rand_bytes(dt, n + xo, seed ^ off ^ n);
  Dev X(xb.size()), Y((n + yo) * es), M(n + mo);
  X.up(xb);
  Y.poison();
  M.poison();
  const void* xp = (const uint8_t*)X.p + xo * es;
  void* yp = inplace ? (void*)xp : (uint8_t*)Y.p + yo * es;
  CHECK_NRC(nrc_dropout(dt, xp, yp, (uint8_t*)M.p + mo, n, p, seed, off));
  std::vector<uint8_t> xs(xb.begin() + xo * es, xb.end()), want(n * es), wm(n);
  ref_dropout(dt, xs, want, wm, n, p, seed, off);
  std::vector<uint8_t> got = inplace ? X.down() : Y.down(), gm = M.down();
  got.erase(got.begin(), got.begin() + (inplace ? xo : yo) * es);
  gm.erase(gm.begin(), gm.begin() + mo);
  char name[160];
  snprintf(name, sizeof name, "dropout %s n=%zu p=%.2f %s values", dtname(dt), n, p, what);
  compare(name, dt, got, want, std::vector<char>(n, 1), true, 0);
  snprintf(name, sizeof name, "dropout %s n=%zu p=%.2f %s mask", dtname(dt), n, p, what);
  compare(name, NRC_U8, gm, wm, std::vector<char>(n, 1), true, 0);
  return gm;
}

void check_true(bool ok, const std::string& what) {
  printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
  if (!ok) g_failures++;
}

void test_dropout() {
  const size_t big = g_quick ? 100003 : 10000003;
  const float p = 0.3f;
  auto m = run_dropout(NRC_F32, big, p, 1234, 77, 0, 0, 0, false, "dense");
  size_t kept = 0;
  for (uint8_t b : m) kept += b;
  double rate = (double)kept / big, tol = 5 * std::sqrt(p * (1 - p) / big);
  char s[160];
  snprintf(s, sizeof s, "dropout keep rate %.5f vs %.5f (tol %.1e)", rate, 1 - p, tol);
  check_true(std::fabs(rate - (1 - p)) <= tol, s);
  auto m2 = run_dropout(NRC_F32, big, p, 1234, 77, 0, 0, 0, false, "again");
  check_true(m == m2, "dropout same (seed, offset) gives the same mask");
  auto m3 = run_dropout(NRC_F32, big, p, 1234, 78, 0, 0, 0, false, "offset+1");
  size_t diff = 0;
  for (size_t i = 0; i < big; i++) diff += m[i] != m3[i];
  snprintf(s, sizeof s, "dropout offset+1 changes %.3f of the mask (expect ~%.3f)", (double)diff / big, 2 * p * (1 - p));
  check_true((double)diff / big > p * (1 - p), s);
  auto m4 = run_dropout(NRC_F32, big, p, 1235, 77, 0, 0, 0, false, "seed+1");
  diff = 0;
  for (size_t i = 0; i < big; i++) diff += m[i] != m4[i];
  check_true((double)diff / big > p * (1 - p), "dropout seed+1 changes the mask");
  for (nrc_dtype dt : {NRC_F16, NRC_BF16, NRC_F64, NRC_F32}) {
    run_dropout(dt, 100003, 0.5f, 9, 1ull << 40, 0, 0, 0, false, "dense");
    run_dropout(dt, 1001, 0.1f, 9, 3, 1, 3, 5, false, "misaligned");
    run_dropout(dt, 4099, 0.7f, 10, 0, 0, 0, 0, true, "in place");
  }
  auto z = run_dropout(NRC_F32, 1003, 0.f, 5, 0, 0, 0, 0, false, "p=0");
  check_true(std::count(z.begin(), z.end(), 1) == 1003, "dropout p=0 keeps everything");
  z = run_dropout(NRC_BF16, 1003, 1.f, 5, 0, 0, 0, 0, false, "p=1");
  check_true(std::count(z.begin(), z.end(), 0) == 1003, "dropout p=1 drops everything");
}

// Offsets beyond 2^31 take the 64-bit geometry: x is a (2, 4) bool view with row stride 2^31.
void test_wide() {
  const int64_t rs = (int64_t)1 << 31;
  Dev X((size_t)rs + 8), O(8);
  std::vector<uint8_t> row0 = {1, 0, 1, 0}, row1 = {0, 0, 1, 1};
  CHECK_NRC(nrc_memcpy_h2d(X.p, row0.data(), 4));
  CHECK_NRC(nrc_memcpy_h2d((uint8_t*)X.p + rs, row1.data(), 4));
  nrc_view xv = make_view({2, 4}, {rs, 1}, 0), ov = make_view({2, 4}, {4, 1}, 0);
  O.poison();
  CHECK_NRC(nrc_unary_strided(NRCU_LOGICAL_NOT, NRC_BOOL, O.p, &ov, X.p, &xv, 0, 0));
  std::vector<uint8_t> want = {0, 1, 0, 1, 1, 1, 0, 0};
  check_true(O.down() == want, "logical_not over a view spanning 2^31 elements (64-bit offsets)");
}

void bench() {
  test_wide();
  const size_t bytes = (size_t)1 << 30, n = bytes / 4;
  Dev X(bytes), Y(bytes), M(n), C(n);
  rand_kernel<float><<<1024, 256, 0, nrc::stream()>>>((float*)X.p, n, 3, 0.f, 2.f, true);
  rand_kernel<float><<<1024, 256, 0, nrc::stream()>>>((float*)Y.p, n, 4, 0.f, 2.f, true);
  cudaMemsetAsync(C.p, 1, n, nrc::stream());
  const std::string sz = "/1GiB";
  double ms = time_ms([&] { nrc_memcpy_d2d(Y.p, X.p, bytes); });
  const double copy = 2.0 * bytes / (ms * 1e-3) / 1e9;
  result("ext_copy" + sz, "cudaMemcpy", ms, copy, "GB/s");
  nrc_view v = make_view({(int64_t)n}, {1}, 0);
  nrc_view t = make_view({16384, 16384}, {1, 16384}, 0), d = make_view({16384, 16384}, {16384, 1}, 0);
  auto rep = [&](const char* key, const char* fn, double moved, auto f) {
    double t_ms = time_ms(f);
    double gbs = moved / (t_ms * 1e-3) / 1e9;
    result(std::string(key) + sz, fn, t_ms, gbs, "GB/s");
    printf("# %-28s %.0f GB/s = %.2f of cudaMemcpy\n", key, gbs, gbs / copy);
  };
  rep("unary_relu/float32", "nrc_unary_strided", 2.0 * bytes, [&] { nrc_unary_strided(NRCU_RELU, NRC_F32, Y.p, &v, X.p, &v, 0, 0); });
  rep("unary_gelu_tanh/float32", "nrc_unary_strided", 2.0 * bytes, [&] { nrc_unary_strided(NRCU_GELU_TANH, NRC_F32, Y.p, &v, X.p, &v, 0, 0); });
  nrc_view v16 = make_view({(int64_t)n * 2}, {1}, 0);
  rep("unary_silu/bfloat16", "nrc_unary_strided", 2.0 * bytes, [&] { nrc_unary_strided(NRCU_SILU, NRC_BF16, Y.p, &v16, X.p, &v16, 0, 0); });
  rep("unary_relu_transposed/float32", "nrc_unary_strided", 2.0 * bytes, [&] { nrc_unary_strided(NRCU_RELU, NRC_F32, Y.p, &d, X.p, &t, 0, 0); });
  rep("binary_lt/float32", "nrc_binary_ext", 2.0 * bytes + n, [&] { nrc_binary_ext(NRCB_LT, NRC_F32, NRC_BOOL, M.p, &v, X.p, &v, Y.p, &v, 0, 0); });
  rep("where/float32", "nrc_where_strided", 3.0 * bytes + n, [&] { nrc_where_strided(NRC_F32, Y.p, &v, C.p, &v, X.p, &v, Y.p, &v); });
  rep("dropout/float32", "nrc_dropout", 2.0 * bytes + n, [&] { nrc_dropout(NRC_F32, X.p, Y.p, (uint8_t*)M.p, n, 0.1f, 7, 0); });
  rep("dropout/bfloat16 (512MiB)", "nrc_dropout", 5.0 * n, [&] { nrc_dropout(NRC_BF16, X.p, Y.p, (uint8_t*)M.p, n, 0.1f, 7, 0); });
}

}  // namespace
