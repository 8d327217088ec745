// Dev harness for the indexing kernels (cuda/index.cu, cuda/index_adv.cu): nrc_gather, nrc_scatter
// (assign/add/multiply/amax/amin), nrc_index_check, nrc_index_gather, nrc_index_put and nonzero,
// against a float64 CPU reference written from native/kernels/ref/index.cc, on small odd shapes with
// permuted (non-contiguous) inputs, strided and broadcast (0-strided) index views, int32 and int64
// indices, duplicates (atomics), negative / out-of-range indices (flagged by nrc_index_check and never
// touched by the kernels), empty tensors and NaN/-0.0 for nonzero; outputs poisoned before each call.
// Then (without --quick) timings of an index_select-like gather, a scatter-add and nonzero.
// Usage: index [--quick]
#include "harness_types.h"
#include <numeric>

using namespace dev;

namespace {

std::mt19937_64 rng(12345);
int64_t rnd(int64_t lo, int64_t hi) { return lo + (int64_t)(rng() % (uint64_t)(hi - lo)); }  // [lo, hi)

// A strided view over a buffer (element offsets).
struct V {
  std::vector<int64_t> shape, strides;
  int64_t offset = 0;
  int64_t numel() const { int64_t n = 1; for (auto s : shape) n *= s; return n; }
  int64_t at(int64_t lin) const {  // element offset of row-major position lin
    int64_t o = offset;
    for (int d = (int)shape.size() - 1; d >= 0; --d) { o += (lin % shape[d]) * strides[d]; lin /= shape[d]; }
    return o;
  }
  std::vector<int64_t> coord(int64_t lin) const {
    std::vector<int64_t> c(shape.size());
    for (int d = (int)shape.size() - 1; d >= 0; --d) { c[d] = lin % shape[d]; lin /= shape[d]; }
    return c;
  }
  int64_t off_of(const std::vector<int64_t>& c) const { int64_t o = offset; for (size_t d = 0; d < c.size(); ++d) o += c[d] * strides[d]; return o; }
  int64_t span() const { int64_t m = offset; for (size_t d = 0; d < shape.size(); ++d) if (shape[d] == 0) return 0; else m += (shape[d] - 1) * strides[d]; return m + 1; }
  nrc_view nv() const {
    nrc_view v{};
    v.ndim = (int)shape.size();
    v.offset = offset;
    for (int d = 0; d < v.ndim; ++d) { v.shape[d] = shape[d]; v.strides[d] = strides[d]; }
    return v;
  }
};
V contig(std::vector<int64_t> shape) {
  V v; v.shape = shape; v.strides.assign(shape.size(), 1);
  for (int d = (int)shape.size() - 2; d >= 0; --d) v.strides[d] = v.strides[d + 1] * shape[d + 1];
  return v;
}
// storage contiguous of `storage` shape, viewed with dims permuted (view dim i = storage dim perm[i])
V permuted(std::vector<int64_t> storage, std::vector<int> perm) {
  V s = contig(storage), v;
  for (int p : perm) { v.shape.push_back(s.shape[p]); v.strides.push_back(s.strides[p]); }
  return v;
}

bool is_int(nrc_dtype dt) { return dt == NRC_I32 || dt == NRC_I64 || dt == NRC_U8 || dt == NRC_BOOL; }
double wrap_int(double v, nrc_dtype dt) {
  int64_t i = (int64_t)v;
  if (dt == NRC_I32) return (double)(int32_t)(uint32_t)(uint64_t)i;
  if (dt == NRC_U8) return (double)(uint8_t)(uint64_t)i;
  return (double)i;
}
// One reference step of a scatter mode in double (ints wrap each step: exact in any order for add/mul).
double apply(int mode, nrc_dtype dt, double o, double s) {
  switch (mode) {
    case 0: return s;
    case 1: return is_int(dt) ? wrap_int(o + s, dt) : o + s;
    case 2: return is_int(dt) ? wrap_int(o * s, dt) : o * s;
    case 3: return (!std::isnan(o) && (std::isnan(s) || s > o)) ? s : o;
    default: return (!std::isnan(o) && (std::isnan(s) || s < o)) ? s : o;
  }
}
std::vector<double> values(size_t n, nrc_dtype dt, int mode) {
  std::vector<double> v(n);
  for (auto& x : v) {
    if (dt == NRC_U8) x = (double)rnd(0, 10);
    else if (dt == NRC_BOOL) x = (double)rnd(0, 2);
    else if (is_int(dt)) x = (double)rnd(-5, 6);
    else if (mode == 2) x = std::uniform_real_distribution<double>(0.5, 1.5)(rng);
    else x = std::normal_distribution<double>(0, 1)(rng);
  }
  round_all(v, dt);
  return v;
}
const char* dn(nrc_dtype dt) { return nrc::dtype_name(dt); }
std::string shp(const V& v) { std::string s = "("; for (size_t i = 0; i < v.shape.size(); ++i) s += (i ? "," : "") + std::to_string(v.shape[i]); return s + ")"; }

// Index buffer (dtype idt) of view iv with values produced by f(lin).
template <typename F>
void fill_index(TBuf& b, const V& iv, F f) {
  std::vector<double> h(b.n, 0);
  for (int64_t i = 0; i < iv.numel(); ++i) h[iv.at(i)] = (double)f(i);
  b.upload(h);
}

void test_gather(nrc_dtype dt, nrc_dtype idt, int dim) {
  V xv = permuted({3, 5, 7}, {1, 2, 0});  // (5, 7, 3), non-contiguous
  std::vector<int64_t> ish = {4, 6, 2};
  ish[dim] = 9;
  V iv = contig(ish);
  iv.strides = {ish[1] * ish[2] * 2, ish[2] * 2, 2};  // every other element of a larger buffer
  V ov = contig(ish);
  TBuf X(xv.span(), dt), I(iv.span(), idt), O(ov.span(), dt);
  auto xh = values(X.n, dt, 0);
  X.upload(xh);
  std::vector<int64_t> ih(iv.numel());
  fill_index(I, iv, [&](int64_t i) { return ih[i] = rnd(0, xv.shape[dim]); });
  O.poison();
  nrc_view a = ov.nv(), b = xv.nv(), c = iv.nv();
  CHECK_NRC(nrc_gather(dt, O.p, &a, X.p, &b, idt, I.p, &c, dim));
  std::vector<double> ref(O.n);
  for (int64_t i = 0; i < iv.numel(); ++i) {
    auto cd = iv.coord(i);
    cd[dim] = ih[i];
    ref[ov.at(i)] = xh[xv.off_of(cd)];
  }
  check_nan(std::string("gather ") + dn(dt) + " idx " + dn(idt) + " dim " + std::to_string(dim) + " x " + shp(xv) + " idx " + shp(iv), O.download(), ref, 0);
}

void test_scatter(int mode, nrc_dtype dt, nrc_dtype idt, int dim) {
  V ov = permuted({4, 6, 5}, {2, 0, 1});  // (5, 4, 6)
  std::vector<int64_t> ish = {3, 4, 5};
  ish[dim] = mode == 0 ? ov.shape[dim] - 1 : 9;  // assign: distinct targets per line (no duplicates)
  V iv = contig(ish), sv = contig({ish[0] + 1, ish[1] + 1, ish[2] + 1});
  TBuf O(ov.span(), dt), I(iv.span(), idt), S(sv.span(), dt);
  auto oh = values(O.n, dt, mode), sh = values(S.n, dt, mode);
  if ((mode == 3 || mode == 4) && !is_int(dt)) { sh[7] = NAN; oh[ov.at(11)] = NAN; }
  O.upload(oh);
  S.upload(sh);
  std::vector<int64_t> ih(iv.numel());
  if (mode == 0) {
    // a permutation prefix of the target dim along every line
    std::vector<int64_t> perm(ov.shape[dim]);
    for (int64_t i = 0; i < iv.numel(); ++i) {
      auto c = iv.coord(i);
      if (c[dim] == 0) { std::iota(perm.begin(), perm.end(), 0); std::shuffle(perm.begin(), perm.end(), rng); }
      ih[i] = perm[c[dim]];
    }
  } else {
    for (auto& v : ih) v = rnd(0, ov.shape[dim]);
  }
  fill_index(I, iv, [&](int64_t i) { return ih[i]; });
  nrc_view a = ov.nv(), b = iv.nv(), c = sv.nv();
  CHECK_NRC(nrc_scatter(mode, dt, O.p, &a, idt, I.p, &b, S.p, &c, dim));
  std::vector<double> ref = oh;
  for (int64_t i = 0; i < iv.numel(); ++i) {
    auto cd = iv.coord(i);
    double s = sh[sv.off_of(cd)];
    cd[dim] = ih[i];
    double& o = ref[ov.off_of(cd)];
    o = apply(mode, dt, o, s);
  }
  round_all(ref, dt);
  double tol = is_int(dt) || mode >= 3 || mode == 0 ? 0 : dt == NRC_F64 ? 1e-13 : dt == NRC_F32 ? 1e-6 : 1e-2;
  static const char* names[] = {"assign", "add", "multiply", "amax", "amin"};
  check_nan(std::string("scatter ") + names[mode] + " " + dn(dt) + " idx " + dn(idt) + " dim " + std::to_string(dim), O.download(), ref, tol);
}

// Many duplicates on few targets: atomics must not lose updates.
void test_atomics(int mode, nrc_dtype dt, int64_t n, int64_t targets) {
  V ov = contig({targets}), iv = contig({n});
  TBuf O(targets, dt), I(n, NRC_I64), S(n, dt);
  std::vector<double> oh(targets, mode == 2 ? 1.0 : 0.0), sh(n);
  for (auto& v : sh) v = mode == 1 ? 1.0 : mode == 2 ? (rnd(0, 2) ? 1.0 : (dt == NRC_U8 ? 3.0 : -1.0)) : (double)rnd(-1000, 1000);
  if (dt == NRC_U8 && mode >= 3) for (auto& v : sh) v = (double)rnd(0, 256);
  round_all(sh, dt);
  O.upload(oh);
  S.upload(sh);
  std::vector<int64_t> ih(n);
  for (auto& v : ih) v = rnd(0, targets);
  I.upload_i64(ih);
  nrc_view a = ov.nv(), b = iv.nv(), c = iv.nv();
  CHECK_NRC(nrc_scatter(mode, dt, O.p, &a, NRC_I64, I.p, &b, S.p, &c, 0));
  std::vector<double> ref = oh;
  for (int64_t i = 0; i < n; ++i) ref[ih[i]] = apply(mode, dt, ref[ih[i]], sh[i]);
  round_all(ref, dt);
  static const char* names[] = {"assign", "add", "multiply", "amax", "amin"};
  check_nan(std::string("atomics ") + names[mode] + " " + dn(dt) + " n=" + std::to_string(n) + " into " + std::to_string(targets), O.download(), ref, 0);
}

void test_check() {
  V iv = contig({3, 4});
  TBuf I(12, NRC_I64), J(12, NRC_I32);
  std::vector<int64_t> h = {0, 1, 2, 3, 4, -1, 2, 9, 0, 0, -6, 1};
  I.upload_i64(h);
  J.upload(std::vector<double>(h.begin(), h.end()));
  int bad, which;
  int64_t val;
  nrc_index_arg a{NRC_I64, I.p, iv.nv(), 5};
  CHECK_NRC(nrc_index_check(1, &a, 0, &bad, &which, &val));
  bool ok = bad == 1 && which == 0 && val == -1;
  a.dt = NRC_I64;
  CHECK_NRC(nrc_index_check(1, &a, 1, &bad, &which, &val));  // -1 wraps; 9 is the first bad one
  ok = ok && bad == 1 && which == 0 && val == 9;
  nrc_index_arg b[2] = {{NRC_I32, J.p, contig({3}).nv(), 5}, {NRC_I32, J.p, iv.nv(), 10}};  // first fine, second has -1, -6
  CHECK_NRC(nrc_index_check(2, b, 0, &bad, &which, &val));
  ok = ok && bad == 1 && which == 1 && val == -1;
  CHECK_NRC(nrc_index_check(2, b, 1, &bad, &which, &val));
  ok = ok && bad == 0;
  V bc = iv; bc.strides = {0, 1};  // broadcast rows: reads only h[0..3] = 0..3
  nrc_index_arg c{NRC_I64, I.p, bc.nv(), 4};
  CHECK_NRC(nrc_index_check(1, &c, 0, &bad, &which, &val));
  ok = ok && bad == 0;
  c.size = 3;
  CHECK_NRC(nrc_index_check(1, &c, 0, &bad, &which, &val));
  ok = ok && bad == 1 && val == 3;
  nrc_index_arg e{NRC_I64, nullptr, contig({0, 3}).nv(), 0};
  CHECK_NRC(nrc_index_check(1, &e, 0, &bad, &which, &val));
  ok = ok && bad == 0;
  printf("%s index check: first bad (row-major, tensor order), negatives, int32, broadcast, empty\n", ok ? "PASS" : "FAIL");
  if (!ok) g_failures++;
  // kernels given bad indices directly: gather writes 0, scatter skips; nothing out of bounds (sanitizer)
  TBuf X(5, NRC_F32), O(12, NRC_F32);
  X.upload({1, 2, 3, 4, 5});
  O.poison();
  nrc_view xv = contig({5}).nv(), ov = contig({12}).nv(), ixv = contig({12}).nv();
  CHECK_NRC(nrc_gather(NRC_F32, O.p, &ov, X.p, &xv, NRC_I64, I.p, &ixv, 0));
  check_nan("gather with unchecked bad indices writes 0", O.download(), {1, 2, 3, 4, 5, 0, 3, 0, 1, 1, 0, 2}, 0);
  TBuf S(12, NRC_F32);
  S.upload(std::vector<double>(12, 1.0));
  X.upload({0, 0, 0, 0, 0});
  CHECK_NRC(nrc_scatter(1, NRC_F32, X.p, &xv, NRC_I64, I.p, &ixv, S.p, &ixv, 0));
  check_nan("scatter-add with unchecked bad indices skips them", X.download(), {3, 2, 2, 1, 1}, 0);
}

// x (6, 4, 5) as a permuted view of a (4, 5, 6) buffer, indexed on its first two dims by B = (3, 4)
// broadcast views (idx0 (3, 1) -> stride (1, 0), idx1 (4) -> (0, 1)), with negative indices.
void test_advanced(nrc_dtype dt, nrc_dtype idt, bool put, bool accumulate) {
  V xv = permuted({4, 5, 6}, {2, 0, 1});
  V b0 = {{3, 4}, {1, 0}, 0}, b1 = {{3, 4}, {0, 1}, 0};
  TBuf X(xv.span(), dt), I0(3, idt), I1(4, idt);
  std::vector<double> i0 = {5, -1, 2}, i1 = {-4, 3, 0, 3};  // duplicates: (2, 3) twice...
  if (put && !accumulate) i1 = {-4, 3, 1, 2};              // assign: distinct targets
  I0.upload(i0);
  I1.upload(i1);
  auto xh = values(X.n, dt, 1);
  X.upload(xh);
  const void* ip[2] = {I0.p, I1.p};
  nrc_view ivs[2] = {b0.nv(), b1.nv()};
  V bv = contig({3, 4, 5});
  auto wrapi = [](double v, int64_t s) { return (int64_t)(v < 0 ? v + s : v); };
  std::string what = std::string(put ? (accumulate ? "index_put accumulate " : "index_put ") : "index_gather ") + dn(dt) + " idx " + dn(idt);
  if (!put) {
    TBuf O(bv.numel(), dt);
    O.poison();
    nrc_view ov = bv.nv(), xvv = xv.nv();
    CHECK_NRC(nrc_index_gather(dt, O.p, &ov, X.p, &xvv, 2, idt, ip, ivs));
    std::vector<double> ref(O.n);
    for (int64_t i = 0; i < bv.numel(); ++i) {
      auto c = bv.coord(i);
      ref[i] = xh[xv.off_of({wrapi(i0[c[0]], 6), wrapi(i1[c[1]], 4), c[2]})];
    }
    check_nan(what, O.download(), ref, 0);
  } else {
    V vv = {{3, 4, 5}, {0, 5, 1}, 0};  // values broadcast along B's first dim
    TBuf Vb(20, dt);
    auto vh = values(20, dt, 1);
    Vb.upload(vh);
    nrc_view xvv = xv.nv(), vvv = vv.nv();
    CHECK_NRC(nrc_index_put(accumulate, dt, X.p, &xvv, Vb.p, &vvv, 2, idt, ip, ivs));
    std::vector<double> ref = xh;
    for (int64_t i = 0; i < vv.numel(); ++i) {
      auto c = vv.coord(i);
      double& o = ref[xv.off_of({wrapi(i0[c[0]], 6), wrapi(i1[c[1]], 4), c[2]})];
      o = apply(accumulate ? 1 : 0, dt, o, vh[vv.at(i)]);
    }
    round_all(ref, dt);
    check_nan(what, X.download(), ref, is_int(dt) || !accumulate ? 0 : dt == NRC_F32 ? 1e-6 : dt == NRC_F64 ? 1e-13 : 1e-2);
  }
}

void test_nonzero(nrc_dtype dt, V xv, double density) {
  TBuf X(std::max<int64_t>(xv.span(), 1), dt);
  std::vector<double> h(X.n);
  for (auto& v : h) {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    v = u < density ? (is_int(dt) ? (dt == NRC_BOOL ? 1.0 : (double)rnd(1, 3)) : (u < density / 8 ? NAN : std::normal_distribution<double>(0, 1)(rng))) : (rnd(0, 2) && !is_int(dt) ? -0.0 : 0.0);
  }
  X.upload(h);
  int64_t count = -1;
  nrc_view v = xv.nv();
  CHECK_NRC(nrc_count_nonzero(dt, X.p, &v, &count));
  std::vector<int64_t> ref;
  for (int64_t i = 0; i < xv.numel(); ++i) {
    double e = h[xv.at(i)];
    if (e != 0 || std::isnan(e)) { auto c = xv.coord(i); ref.insert(ref.end(), c.begin(), c.end()); }
  }
  int64_t nd = (int64_t)xv.shape.size(), rows = nd ? (int64_t)ref.size() / nd : (xv.numel() && (h[0] != 0 || std::isnan(h[0])));
  TBuf O(std::max<int64_t>(rows * nd, 1), NRC_I64);
  O.poison();
  CHECK_NRC(nrc_nonzero(dt, X.p, &v, O.as<int64_t>(), rows));
  auto out = O.download_i64();
  out.resize(ref.size());
  bool ok = count == rows;
  if (!ok) { printf("FAIL nonzero count %lld want %lld\n", (long long)count, (long long)rows); g_failures++; }
  check_i64(std::string("nonzero ") + dn(dt) + " " + shp(xv) + " rows " + std::to_string(rows), out, ref);
}

void test_errors() {
  TBuf X(8, NRC_BOOL), I(4, NRC_I64);
  nrc_view v = contig({8}).nv(), iv = contig({4}).nv(), v2 = contig({2, 4}).nv();
  expect_status("scatter add on bool", nrc_scatter(1, NRC_BOOL, X.p, &v, NRC_I64, I.p, &iv, X.p, &iv, 0), NRC_ERR_UNSUPPORTED);
  expect_status("scatter with a float index", nrc_scatter(0, NRC_BOOL, X.p, &v, NRC_F32, I.p, &iv, X.p, &iv, 0), NRC_ERR_INVALID_ARG);
  expect_status("gather dim out of range", nrc_gather(NRC_BOOL, X.p, &iv, X.p, &v, NRC_I64, I.p, &iv, 1), NRC_ERR_INVALID_ARG);
  expect_status("gather rank mismatch", nrc_gather(NRC_BOOL, X.p, &iv, X.p, &v2, NRC_I64, I.p, &iv, 0), NRC_ERR_INVALID_ARG);
  nrc_view ov = contig({8}).nv(); ov.strides[0] = 0;
  expect_status("scatter into a self-overlapping view", nrc_scatter(0, NRC_BOOL, X.p, &ov, NRC_I64, I.p, &iv, X.p, &iv, 0), NRC_ERR_INVALID_ARG);
  const void* ip[1] = {I.p};
  expect_status("index_gather with too many indices", nrc_index_gather(NRC_BOOL, X.p, &iv, X.p, &v, 2, NRC_I64, ip, &iv), NRC_ERR_INVALID_ARG);
}

void bench() {
  // index_select of 65536 rows of 1024 float32 (a 0-strided index view, as indexSelect passes it)
  const int64_t R = 65536, C = 1024;
  for (nrc_dtype dt : {NRC_F32, NRC_BF16}) {
    TBuf X(R * C, dt), O(R * C, dt), I(R, NRC_I64);
    std::vector<int64_t> ih(R);
    for (auto& v : ih) v = rnd(0, R);
    I.upload_i64(ih);
    V xv = contig({R, C}), iv = {{R, C}, {1, 0}, 0};
    nrc_view a = xv.nv(), b = xv.nv(), c = iv.nv();
    double ms = time_ms([&] { nrc_gather(dt, O.p, &a, X.p, &b, NRC_I64, I.p, &c, 0); });
    result(std::string("index/select_rows/") + dn(dt), "ours", ms, gbps(2.0 * R * C * nrc::dtype_size(dt), ms), "GB/s");
    ms = time_ms([&] { nrc_scatter(1, dt, X.p, &a, NRC_I64, I.p, &c, O.p, &b, 0); });
    result(std::string("index/index_add_rows/") + dn(dt), "ours", ms, gbps(3.0 * R * C * nrc::dtype_size(dt), ms), "GB/s");
  }
  const int64_t N = 1 << 26;
  TBuf X(N, NRC_F32), O(N, NRC_I64);
  X.upload(values(N, NRC_F32, 0));
  nrc_view v = contig({N}).nv();
  int64_t count = 0;
  double ms = time_ms([&] { nrc_count_nonzero(NRC_F32, X.p, &v, &count); });
  result("index/count_nonzero/float32", "ours", ms, gbps(4.0 * N, ms), "GB/s");
  ms = time_ms([&] { nrc_nonzero(NRC_F32, X.p, &v, O.as<int64_t>(), N); });
  result("index/nonzero_dense/float32", "ours", ms, gbps(2 * 4.0 * N + 8.0 * N, ms), "GB/s");
}

}  // namespace

int main(int argc, char** argv) {
  init(argc, argv);
  for (nrc_dtype dt : {NRC_F32, NRC_F64, NRC_F16, NRC_I64, NRC_U8, NRC_BOOL})
    for (int dim = 0; dim < 3; ++dim) test_gather(dt, dim == 1 ? NRC_I32 : NRC_I64, dim);
  for (int mode = 0; mode <= 4; ++mode)
    for (nrc_dtype dt : {NRC_F32, NRC_F64, NRC_F16, NRC_BF16, NRC_I32, NRC_I64, NRC_U8})
      for (int dim = 0; dim < 3; ++dim) test_scatter(mode, dt, dim == 2 ? NRC_I32 : NRC_I64, dim);
  test_scatter(0, NRC_BOOL, NRC_I64, 1);
  for (nrc_dtype dt : {NRC_F32, NRC_F64, NRC_I32, NRC_I64}) test_atomics(1, dt, 200003, 7);
  for (nrc_dtype dt : {NRC_F16, NRC_BF16}) test_atomics(1, dt, 7 * 64 + 3, 7);
  test_atomics(1, NRC_U8, 100001, 5);
  for (nrc_dtype dt : {NRC_F32, NRC_F64, NRC_I32, NRC_I64, NRC_U8, NRC_F16, NRC_BF16}) {
    test_atomics(2, dt, 50001, 3);
    test_atomics(3, dt, 100003, 11);
    test_atomics(4, dt, 100003, 11);
  }
  test_check();
  for (nrc_dtype dt : {NRC_F32, NRC_F16, NRC_I64, NRC_BOOL}) test_advanced(dt, dt == NRC_F16 ? NRC_I32 : NRC_I64, false, false);
  for (nrc_dtype dt : {NRC_F32, NRC_BF16, NRC_U8}) test_advanced(dt, NRC_I64, true, false);
  for (nrc_dtype dt : {NRC_F32, NRC_F64, NRC_BF16, NRC_I64, NRC_U8}) test_advanced(dt, NRC_I32, true, true);
  for (nrc_dtype dt : {NRC_F32, NRC_F64, NRC_F16, NRC_BF16, NRC_U8, NRC_BOOL, NRC_I64, NRC_I32}) {
    test_nonzero(dt, contig({37, 129}), 0.3);
    test_nonzero(dt, permuted({41, 300, 5}, {2, 1, 0}), 0.5);  // 61500 elements: 31 chunks
  }
  test_nonzero(NRC_F32, contig({0}), 0.5);
  test_nonzero(NRC_F32, contig({3, 0, 2}), 0.5);
  test_nonzero(NRC_F32, contig({}), 1.0);
  test_nonzero(NRC_F32, contig({2049}), 0.0);
  test_nonzero(NRC_F32, contig({4097}), 1.0);
  test_errors();
  if (!g_quick) bench();
  return finish("index");
}
