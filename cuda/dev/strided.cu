// Dev harness for the strided kernels (nrc_copy_strided, nrc_binary_strided): random shapes and views
// (contiguous, permuted, sliced with steps and offsets, stride-0 broadcast inputs, in-place) for every
// dtype pair / dtype x op, plus 0-d, empty, 12-d, tiled transposes with ragged edges and a view whose
// offsets need 64-bit math, against a CPU reference that mirrors the conversion rules. Whole output
// buffers are poisoned (0xFF) first and compared byte for byte outside the view, so stray writes show.
// Then argument errors, and (without --quick) GB/s of a 1 GiB transposed copy, a head permute and
// a broadcast add against a plain cudaMemcpy. Usage: strided [--quick]
#include "strided_ref.h"

static void test_copy(nrc_dtype ddt, nrc_dtype sdt, const std::vector<i64>& shape, int dl, int sl, bool inplace) {
  HView dv = make_view(shape, dl, false), sv = inplace ? dv : make_view(shape, sl, true);
  size_t des = nrc::dtype_size(ddt), ses = nrc::dtype_size(sdt);
  std::vector<uint8_t> hs(sv.n * ses), hd(dv.n * des, 0xFF);
  fill_random(sdt, hs, true);
  if (inplace) hd = hs;
  std::vector<uint8_t> ref = hd;
  const nrc_view* vs[2] = {&dv.v, &sv.v};
  each(vs, 2, [&](const i64* off) { hst(ddt, &ref[off[0] * des], hld(sdt, &hs[off[1] * ses])); });
  Buf D(dv.n, ddt), S(sv.n, sdt);
  void* dp = upload(D, hd);
  const void* sp = inplace ? dp : upload(S, hs);
  CHECK_NRC(nrc_copy_strided(ddt, dp, &dv.v, sdt, sp, &sv.v));
  report(same(ddt, download(D), ref, 0), std::string("copy ") + dtname(sdt) + "->" + dtname(ddt) + " dst " +
                                             desc(dv.v) + " src " + desc(sv.v) + (inplace ? " in-place" : ""));
}

static void test_binary(int op, nrc_dtype dt, const std::vector<i64>& shape, int ol, int al, int bl, bool inplace) {
  HView ov = make_view(shape, ol, false), av = inplace ? ov : make_view(shape, al, true), bv = make_view(shape, bl, true);
  size_t es = nrc::dtype_size(dt);
  std::vector<uint8_t> ha(av.n * es), hb(bv.n * es), ho(ov.n * es, 0xFF);
  fill_random(dt, ha, op != 6);
  fill_random(dt, hb, op != 6);
  if (op == 6)  // pow: small positive bases and exponents in +-4, plus some negative integral cases
    for (auto* h : {&ha, &hb})
      for (size_t i = 0; i < h->size(); i += es) hst(dt, &(*h)[i], {1, h == &ha ? (rnd(400) + 1) / 37.0 : (rnd(161) - 80) / 20.0, 0});
  if (inplace) ho = ha;
  std::vector<uint8_t> ref = ho;
  const nrc_view* vs[3] = {&ov.v, &av.v, &bv.v};
  each(vs, 3, [&](const i64* off) {
    hst(dt, &ref[off[0] * es], href_op(op, dt, hld(dt, &ha[off[1] * es]), hld(dt, &hb[off[2] * es])));
  });
  Buf O(ov.n, dt), A(av.n, dt), B(bv.n, dt);
  void* op_ = upload(O, ho);
  const void* ap = inplace ? op_ : upload(A, ha);
  CHECK_NRC(nrc_binary_strided((nrc_binary_op)op, dt, op_, &ov.v, ap, &av.v, upload(B, hb), &bv.v));
  double tol = op != 6 ? 0 : dt == NRC_F64 ? 1e-14 : dt == NRC_F32 ? 4e-7 : dt == NRC_F16 ? 1e-3 : 8e-3;
  report(same(dt, download(O), ref, tol), std::string("binary ") + kOps[op] + " " + dtname(dt) + " out " + desc(ov.v) +
                                             " a " + desc(av.v) + " b " + desc(bv.v) + (inplace ? " in-place" : ""));
}

static std::vector<i64> rand_shape(int max_nd, bool big) {
  int nd = (int)rnd(max_nd + 1);
  std::vector<i64> s(nd);
  int nbig = 0;  // at most two long dims (16..75), so buffers stay small
  for (auto& x : s) x = big && nbig < 2 && rnd(2) ? (nbig++, 16 + rnd(60)) : rnd(10) == 0 ? 0 : 1 + rnd(6);
  return s;
}


static void expect(nrc_status got, nrc_status want, const char* what) {
  bool ok = got == want;
  printf("%s %-44s -> %d %s\n", ok ? "PASS" : "FAIL", what, got, got ? nrc_last_error() : "");
  if (!ok) g_failures++;
}
static nrc_view dense(std::vector<i64> shape) {
  nrc_view v{};
  v.ndim = (int)shape.size();
  i64 acc = 1;
  for (int i = v.ndim - 1; i >= 0; i--) { v.shape[i] = shape[i]; v.strides[i] = acc; acc *= shape[i]; }
  return v;
}

static void errors() {
  Buf X(64, NRC_F32);
  nrc_view v = dense({4, 4}), w = v, t = v;
  w.ndim = 13;
  expect(nrc_copy_strided(NRC_F32, X.p, &v, NRC_F32, X.p, &w), NRC_ERR_INVALID_ARG, "copy ndim 13");
  w = v; w.strides[0] = -4;
  expect(nrc_copy_strided(NRC_F32, X.p, &w, NRC_F32, X.p, &v), NRC_ERR_INVALID_ARG, "copy negative stride");
  w = dense({4, 2});
  expect(nrc_copy_strided(NRC_F32, X.p, &v, NRC_F32, X.p, &w), NRC_ERR_INVALID_ARG, "copy shape mismatch");
  expect(nrc_copy_strided((nrc_dtype)8, X.p, &v, NRC_F32, X.p, &t), NRC_ERR_INVALID_ARG, "copy dtype code 8");
  w = v; w.strides[0] = 0;
  expect(nrc_copy_strided(NRC_F32, X.p, &w, NRC_F32, X.p, &v), NRC_ERR_INVALID_ARG, "copy dst stride 0");
  expect(nrc_copy_strided(NRC_F16, X.p, &v, NRC_F32, X.p, &v), NRC_ERR_INVALID_ARG, "copy in place f32->f16");
  expect(nrc_copy_strided(NRC_F32, nullptr, &v, NRC_F32, X.p, &v), NRC_ERR_INVALID_ARG, "copy null dst");
  expect(nrc_copy_strided(NRC_F32, X.p, nullptr, NRC_F32, X.p, &v), NRC_ERR_INVALID_ARG, "copy null view");
  w = dense({4, 0});
  expect(nrc_copy_strided(NRC_F32, nullptr, &w, NRC_F32, nullptr, &w), NRC_OK, "copy empty, null pointers");
  expect(nrc_binary_strided(NRC_ADD, NRC_U8, X.p, &v, X.p, &v, X.p, &v), NRC_ERR_UNSUPPORTED, "binary uint8");
  expect(nrc_binary_strided(NRC_POW, NRC_I32, X.p, &v, X.p, &v, X.p, &v), NRC_ERR_UNSUPPORTED, "binary pow int32");
  expect(nrc_binary_strided((nrc_binary_op)7, NRC_F32, X.p, &v, X.p, &v, X.p, &v), NRC_ERR_INVALID_ARG, "binary op 7");
  w = dense({4, 1});
  expect(nrc_binary_strided(NRC_ADD, NRC_F32, X.p, &v, X.p, &v, X.p, &w), NRC_ERR_INVALID_ARG, "binary shape mismatch");
  expect(nrc_binary(NRC_MAXIMUM, NRC_F32, X.p, X.p, X.p, 4), NRC_ERR_UNSUPPORTED, "nrc_binary maximum");
  expect(nrc_binary(NRC_ADD, NRC_I32, X.p, X.p, X.p, 4), NRC_ERR_UNSUPPORTED, "nrc_binary int32");
  expect(nrc_unary(NRC_RELU, (nrc_dtype)9, X.p, X.p, 4), NRC_ERR_INVALID_ARG, "nrc_unary dtype code 9");
  expect(nrc_fill(NRC_F64, X.p, 4, 1.f), NRC_ERR_UNSUPPORTED, "nrc_fill float64");
  expect(nrc_cast(NRC_I32, X.p, NRC_F32, X.p, 4), NRC_ERR_UNSUPPORTED, "nrc_cast int32 source");
  expect(nrc_sum_all(NRC_I32, X.p, X.as<float>(), 4), NRC_ERR_UNSUPPORTED, "nrc_sum_all int32");
  expect(nrc_softmax(NRC_BOOL, X.p, X.p, 2, 2), NRC_ERR_UNSUPPORTED, "nrc_softmax bool");
  expect(nrc_gemm(NRC_I64, 0, 0, 2, 2, 2, 1.f, X.p, 2, X.p, 2, 0.f, X.p, 2, 0), NRC_ERR_UNSUPPORTED, "nrc_gemm int64");
  expect(nrc_adamw(X.as<float>(), X.p, NRC_F64, X.as<float>(), X.as<float>(), 4, 1e-3f, 0.9f, 0.99f, 1e-8f, 0.f, 1, 1.f,
                   nullptr, NRC_F32), NRC_ERR_UNSUPPORTED, "nrc_adamw float64 grad");
}

// A source row stride of 2^31 + 5 elements: offsets need the 64-bit gather kernels.
static void wide() {
  const i64 rs = (1ll << 31) + 5;
  Buf S(rs + 8, NRC_U8), D(6, NRC_I32);
  cudaMemset(S.p, 7, S.bytes());
  uint8_t r0[3] = {1, 2, 3}, r1[3] = {4, 5, 6};
  CHECK_NRC(nrc_memcpy_h2d(S.as<uint8_t>() + 1, r0, 3));
  CHECK_NRC(nrc_memcpy_h2d(S.as<uint8_t>() + 1 + rs, r1, 3));
  nrc_view sv = dense({2, 3}), dv = dense({2, 3});
  sv.strides[0] = rs;
  sv.offset = 1;
  D.poison();
  CHECK_NRC(nrc_copy_strided(NRC_I32, D.p, &dv, NRC_U8, S.p, &sv));
  std::vector<int32_t> h(6);
  CHECK_NRC(nrc_sync());
  CHECK_NRC(nrc_memcpy_d2h(h.data(), D.p, 24));
  bool ok = true;
  for (int i = 0; i < 6; i++) ok = ok && h[i] == i + 1;
  report(ok, "copy uint8->int32 with 64-bit offsets");
  printf("%s copy with a 2^31+5 row stride (64-bit gather)\n", ok ? "PASS" : "FAIL");
}

static void bench() {
  const i64 N = 16384;  // N x N float32 = 1 GiB
  const double gb = N * N * 4 / 1e9;
  Buf A(N * N, NRC_F32), O(N * N, NRC_F32), bias(N, NRC_F32);
  A.uniform(1, -1.f, 1.f);
  bias.uniform(2, -1.f, 1.f);
  nrc_view dv = dense({N, N}), tv = dense({N, N}), rowb = dense({N, N}), colb = dense({N, N});
  tv.strides[0] = 1; tv.strides[1] = N;
  rowb.strides[0] = 0;  // bias along the last dim
  colb.strides[0] = 1; colb.strides[1] = 0;
  double ms = time_ms([&] { nrc_memcpy_d2d(O.p, A.p, A.bytes()); });
  result("strided/memcpy/float32/16384x16384", "cudaMemcpy", ms, 2 * gb / (ms * 1e-3), "GB/s");
  ms = time_ms([&] { nrc_copy_strided(NRC_F32, O.p, &dv, NRC_F32, A.p, &dv); });
  result("strided/copy/float32/16384x16384", "nrc_copy_strided", ms, 2 * gb / (ms * 1e-3), "GB/s");
  ms = time_ms([&] { nrc_copy_strided(NRC_F32, O.p, &dv, NRC_F32, A.p, &tv); });
  result("strided/copy_transpose/float32/16384x16384", "nrc_copy_strided", ms, 2 * gb / (ms * 1e-3), "GB/s");
  {  // spot check of the transposed copy
    std::vector<float> ha(N * N), ho(N * N);
    CHECK_NRC(nrc_sync());
    CHECK_NRC(nrc_memcpy_d2h(ha.data(), A.p, A.bytes()));
    CHECK_NRC(nrc_memcpy_d2h(ho.data(), O.p, O.bytes()));
    bool ok = true;
    for (int k = 0; k < 1000000 && ok; k++) { i64 i = rnd(N), j = rnd(N); ok = ho[i * N + j] == ha[j * N + i]; }
    report(ok, "1 GiB transposed copy spot check");
    printf("%s 1 GiB transposed copy, 10^6 spot checks\n", ok ? "PASS" : "FAIL");
  }
  Buf H(N * N, NRC_BF16);
  ms = time_ms([&] { nrc_copy_strided(NRC_BF16, H.p, &dv, NRC_F32, A.p, &tv); });
  result("strided/copy_transpose_to_bf16/float32/16384x16384", "nrc_copy_strided", ms, 1.5 * gb / (ms * 1e-3), "GB/s");
  {  // (B, S, H, D) -> (B, H, S, D), as around attention
    nrc_view pd = dense({64, 32, 2048, 64}), ps = pd;
    ps.strides[1] = 64; ps.strides[2] = 32 * 64;
    ms = time_ms([&] { nrc_copy_strided(NRC_F32, O.p, &pd, NRC_F32, A.p, &ps); });
    result("strided/copy_permute_bshd_bhsd/float32/64x2048x32x64", "nrc_copy_strided", ms, 2 * gb / (ms * 1e-3), "GB/s");
  }
  ms = time_ms([&] { nrc_binary_strided(NRC_ADD, NRC_F32, O.p, &dv, A.p, &dv, O.p, &dv); });
  result("strided/add/float32/16384x16384", "nrc_binary_strided", ms, 3 * gb / (ms * 1e-3), "GB/s");
  ms = time_ms([&] { nrc_binary_strided(NRC_ADD, NRC_F32, O.p, &dv, A.p, &dv, bias.p, &rowb); });
  result("strided/add_bcast_row/float32/16384x16384", "nrc_binary_strided", ms, 2 * gb / (ms * 1e-3), "GB/s");
  ms = time_ms([&] { nrc_binary_strided(NRC_ADD, NRC_F32, O.p, &dv, A.p, &dv, bias.p, &colb); });
  result("strided/add_bcast_col/float32/16384x16384", "nrc_binary_strided", ms, 2 * gb / (ms * 1e-3), "GB/s");
  ms = time_ms([&] { nrc_binary_strided(NRC_ADD, NRC_F32, O.p, &dv, A.p, &tv, bias.p, &rowb); });
  result("strided/add_transposed_bcast/float32/16384x16384", "nrc_binary_strided", ms, 2 * gb / (ms * 1e-3), "GB/s");
}

int main(int argc, char** argv) {
  init(argc, argv);
  const int reps = g_quick ? 2 : 10;
  int f0 = g_failures;
  for (nrc_dtype d : kAll)
    for (nrc_dtype s : kAll) {
      for (int r = 0; r < reps; r++) test_copy(d, s, rand_shape(4, r % 2 == 1), (int)rnd(3), (int)rnd(5), false);
      if (nrc::dtype_size(d) == nrc::dtype_size(s)) test_copy(d, s, rand_shape(3, false), (int)rnd(3), 0, true);
    }
  for (int r = 0; r < reps; r++) {
    test_copy(NRC_BF16, NRC_F32, {}, 0, 0, false);                      // 0-d
    test_copy(NRC_I64, NRC_F16, {3, 0, 2}, 1, 2, false);                 // empty
    std::vector<i64> s12(12);
    for (auto& x : s12) x = 1 + rnd(2);
    test_copy(NRC_F32, NRC_BOOL, s12, (int)rnd(3), (int)rnd(5), false);  // 12-d
    test_copy(NRC_F32, NRC_F32, {257, 129}, 0, 4, false);                // tiled, ragged tiles
    test_copy(NRC_F64, NRC_U8, {40, 3, 70}, 0, 4, false);                // tiled with a batch dim
    test_copy(NRC_BF16, NRC_BF16, {5, 33, 47}, 4, 0, false);             // transposed dst
    test_copy(NRC_F16, NRC_I32, {6, 20, 7, 32}, 0, 1, false);            // permutes
  }
  printf("%s copy: %d random views per dtype pair + in-place, 0-d, empty, 12-d, tiled transposes\n",
         g_failures == f0 ? "PASS" : "FAIL", reps);
  f0 = g_failures;
  for (nrc_dtype dt : {NRC_F32, NRC_F16, NRC_BF16, NRC_F64, NRC_I32, NRC_I64})
    for (int op = 0; op < 7; op++) {
      if (op == 6 && (dt == NRC_I32 || dt == NRC_I64)) continue;
      for (int r = 0; r < reps; r++)
        test_binary(op, dt, rand_shape(4, r % 2 == 1), (int)rnd(3), (int)rnd(5), (int)rnd(5), r == 0);
      test_binary(op, dt, {}, 0, 0, 0, false);
      std::vector<i64> s12(12);
      for (auto& x : s12) x = 1 + rnd(2);
      test_binary(op, dt, s12, (int)rnd(3), 3, 3, false);
    }
  printf("%s binary: %d random views per dtype x op (1 in-place), 0-d, 12-d\n", g_failures == f0 ? "PASS" : "FAIL", reps);
  errors();
  wide();
  if (!g_quick) bench();
  return finish("strided");
}
