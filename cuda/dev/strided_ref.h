// Host side of the strided harness (cuda/dev/strided.cu): a mirror of strided.cuh's element
// conversions (ld / St<D>::from, incl. NaN -> 0 and saturation for float -> int), random values and
// random views (contiguous, permuted storage order, slices with steps and offsets, stride-0
// broadcast inputs), a row-major walk over views, and byte-exact comparison of whole buffers.
#pragma once
#include "harness.h"

using namespace dev;
typedef long long i64;

static const nrc_dtype kAll[8] = {NRC_F32, NRC_F16, NRC_BF16, NRC_F64, NRC_I32, NRC_I64, NRC_U8, NRC_BOOL};
static std::mt19937_64 g_rng(12345);
static int g_shown = 0;
static i64 rnd(i64 n) { return n <= 0 ? 0 : (i64)(g_rng() % (uint64_t)n); }

// ---- host mirror of strided.cuh's ld / St<D>::from: k 0 = float value, 1 = double, 2 = int64 ----
struct HV { int k; double d; i64 i; };
static HV hld(nrc_dtype dt, const uint8_t* p) {
  switch (dt) {
    case NRC_F32: { float f; memcpy(&f, p, 4); return {0, f, 0}; }
    case NRC_F16: { __half h; memcpy(&h, p, 2); return {0, __half2float(h), 0}; }
    case NRC_BF16: { __nv_bfloat16 h; memcpy(&h, p, 2); return {0, __bfloat162float(h), 0}; }
    case NRC_F64: { double d; memcpy(&d, p, 8); return {1, d, 0}; }
    case NRC_I32: { int32_t v; memcpy(&v, p, 4); return {2, 0, v}; }
    case NRC_I64: { i64 v; memcpy(&v, p, 8); return {2, 0, v}; }
    case NRC_U8: return {2, 0, p[0]};
    default: return {2, 0, p[0] != 0};
  }
}
static float hf(const HV& v) { return v.k == 2 ? (float)v.i : (float)v.d; }  // one rounding, as on the GPU
static i64 hi(const HV& v) {  // cvt.rzi.s64: truncation, NaN -> 0, saturation
  if (v.k == 2) return v.i;
  double x = v.k == 0 ? (double)(float)v.d : v.d;
  if (x != x) return 0;
  if (x >= 9223372036854775807.0) return INT64_MAX;
  if (x <= -9223372036854775808.0) return INT64_MIN;
  return (i64)x;
}
static void hst(nrc_dtype dt, uint8_t* p, const HV& v) {
  switch (dt) {
    case NRC_F32: { float f = hf(v); memcpy(p, &f, 4); break; }
    case NRC_F16: { __half h = __float2half_rn(hf(v)); memcpy(p, &h, 2); break; }
    case NRC_BF16: { __nv_bfloat16 h = __float2bfloat16_rn(hf(v)); memcpy(p, &h, 2); break; }
    case NRC_F64: { double d = v.k == 2 ? (double)v.i : v.d; memcpy(p, &d, 8); break; }
    case NRC_I32: { int32_t x = (int32_t)(uint32_t)(uint64_t)hi(v); memcpy(p, &x, 4); break; }
    case NRC_I64: { i64 x = hi(v); memcpy(p, &x, 8); break; }
    case NRC_U8: p[0] = (uint8_t)(uint64_t)hi(v); break;
    default: p[0] = v.k == 2 ? v.i != 0 : v.d != 0; break;
  }
}
static bool is_float(nrc_dtype dt) { return dt == NRC_F32 || dt == NRC_F16 || dt == NRC_BF16 || dt == NRC_F64; }
// random stored values: floats in +-300 (some integral, some 0, some NaN when nan), ints small or wide
static void fill_random(nrc_dtype dt, std::vector<uint8_t>& buf, bool nan) {
  size_t es = nrc::dtype_size(dt), n = buf.size() / es;
  for (size_t i = 0; i < n; i++) {
    int c = (int)rnd(10);
    double x = c == 0 ? 0 : c < 4 ? (double)(rnd(601) - 300) : (rnd(1 << 20) - (1 << 19)) / 1747.0;
    if (nan && c == 9 && rnd(3) == 0) x = NAN;
    i64 w = dt == NRC_I64 && c == 8 ? (i64)(g_rng() >> 20) - (1ll << 43) : dt == NRC_I32 && c == 8 ? rnd(1 << 24) - (1 << 23) : 0;
    HV v = is_float(dt) ? HV{1, x, 0} : HV{2, 0, c == 0 ? 0 : w ? w : (i64)rnd(601) - 300};
    hst(dt, &buf[i * es], v);
  }
}

// ---- random views over a buffer. layout 0: contiguous; 1: random storage order; 2: also sliced (steps,
// offsets); 3: also stride-0 broadcast dims (inputs only); 4: reversed storage order (a transpose) ----
struct HView { nrc_view v; size_t n; };  // n: elements in the buffer
static HView make_view(const std::vector<i64>& shape, int layout, bool input) {
  HView h{};
  int nd = (int)shape.size();
  h.v.ndim = nd;
  i64 base[NRC_MAX_DIMS], step[NRC_MAX_DIMS], start[NRC_MAX_DIMS], bs[NRC_MAX_DIMS];
  int perm[NRC_MAX_DIMS];
  for (int i = 0; i < nd; i++) {
    bool slice = layout == 2 || layout == 3;
    step[i] = slice ? 1 + rnd(2) : 1;
    i64 extra = slice ? rnd(3) : 0;
    start[i] = rnd(extra + 1);
    base[i] = std::max<i64>(shape[i] * step[i] + extra, 1);
    perm[i] = i;
  }
  if (layout >= 1 && layout <= 3) std::shuffle(perm, perm + nd, g_rng);
  if (layout == 4) std::reverse(perm, perm + nd);
  i64 acc = 1;
  for (int k = nd - 1; k >= 0; k--) { bs[perm[k]] = acc; acc *= base[perm[k]]; }
  h.v.offset = layout == 2 || layout == 3 ? rnd(4) : 0;
  for (int i = 0; i < nd; i++) {
    h.v.shape[i] = shape[i];
    h.v.strides[i] = bs[i] * step[i];
    h.v.offset += start[i] * bs[i];
    if (input && layout == 3 && rnd(3) == 0) h.v.strides[i] = 0;  // broadcast
  }
  h.n = (size_t)(acc + h.v.offset + 4);
  return h;
}
static i64 numel(const nrc_view& v) { i64 n = 1; for (int i = 0; i < v.ndim; i++) n *= v.shape[i]; return n; }
// calls fn(off[0..nv)) for every element, row-major over the shared shape
template <typename F>
static void each(const nrc_view* const* vs, int nv, F fn) {
  const nrc_view& v0 = *vs[0];
  if (numel(v0) == 0) return;
  i64 idx[NRC_MAX_DIMS] = {0};
  for (;;) {
    i64 off[3];
    for (int k = 0; k < nv; k++) {
      off[k] = vs[k]->offset;
      for (int i = 0; i < v0.ndim; i++) off[k] += idx[i] * vs[k]->strides[i];
    }
    fn(off);
    int i = v0.ndim - 1;
    for (; i >= 0 && ++idx[i] == v0.shape[i]; i--) idx[i] = 0;
    if (i < 0) return;
  }
}
static std::string desc(const nrc_view& v) {
  std::string s = "shape(";
  for (int i = 0; i < v.ndim; i++) s += std::to_string(v.shape[i]) + (i + 1 < v.ndim ? "," : "");
  s += ") strides(";
  for (int i = 0; i < v.ndim; i++) s += std::to_string(v.strides[i]) + (i + 1 < v.ndim ? "," : "");
  return s + ") off " + std::to_string(v.offset);
}
static void* upload(Buf& b, const std::vector<uint8_t>& h) { CHECK_NRC(nrc_memcpy_h2d(b.p, h.data(), h.size())); return b.p; }
static std::vector<uint8_t> download(const Buf& b) {
  std::vector<uint8_t> h(b.bytes());
  CHECK_NRC(nrc_sync());
  CHECK_NRC(nrc_memcpy_d2h(h.data(), b.p, h.size()));
  return h;
}
// got vs ref: exact bytes, except in-view float elements when tol > 0 (relative) and NaN == NaN
static bool same(nrc_dtype dt, const std::vector<uint8_t>& got, const std::vector<uint8_t>& ref, double tol) {
  size_t es = nrc::dtype_size(dt);
  for (size_t i = 0; i < ref.size(); i += es) {
    if (!memcmp(&got[i], &ref[i], es)) continue;
    if (!is_float(dt)) return false;
    HV a = hld(dt, &got[i]), b = hld(dt, &ref[i]);
    if (std::isnan(a.d) && std::isnan(b.d)) continue;
    if (!(std::fabs(a.d - b.d) <= tol * std::fabs(b.d))) return false;
  }
  return true;
}
static void report(bool ok, const std::string& what) {
  if (!ok) { g_failures++; if (g_shown++ < 20) printf("FAIL %s\n", what.c_str()); }
}

static const char* kOps[7] = {"add", "sub", "mul", "div", "maximum", "minimum", "pow"};
static HV href_op(int op, nrc_dtype dt, const HV& a, const HV& b) {
  if (dt == NRC_I32 || dt == NRC_I64) {
    i64 x = a.i, y = b.i;
    uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
    i64 r = op == 0 ? (i64)(ux + uy) : op == 1 ? (i64)(ux - uy) : op == 2 ? (i64)(ux * uy)
          : op == 3 ? (y == 0 ? 0 : y == -1 ? (i64)(0 - ux) : x / y) : op == 4 ? std::max(x, y) : std::min(x, y);
    return {2, 0, r};
  }
  auto f = [&](auto x, auto y) -> decltype(x) {
    switch (op) {
      case 0: return x + y;
      case 1: return x - y;
      case 2: return x * y;
      case 3: return x / y;
      case 4: return x != x ? x : y != y ? y : x > y ? x : y;
      case 5: return x != x ? x : y != y ? y : x < y ? x : y;
      default: return std::pow(x, y);
    }
  };
  if (dt == NRC_F64) return {1, f(a.d, b.d), 0};
  return {0, (double)f((float)a.d, (float)b.d), 0};
}

