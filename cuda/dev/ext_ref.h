// Host side of the elementwise_ext harness: typed host arrays of any of the 8 dtypes (raw bytes, as
// the device holds them), random data with NaN/Inf/±0/rounding ties/integer extremes, strided view
// walking, and the CPU oracle: the scalar definitions of native/include/nr/kernels/elementwise.h
// (nr::unary_scalar / nr::binary_scalar, the CPU reference kernels' own code) applied per element,
// float16/bfloat16 computed in float and rounded, as the CPU path does.
#pragma once
#include <cstdint>
#include <limits>
#include "harness.h"
// the CPU header's generic code compares unsigned values with 0 (nvcc warning 186 for uint8_t)
#pragma nv_diag_suppress 186
#include "nr/kernels/elementwise.h"
#pragma nv_diag_default 186

namespace dev {

inline size_t dsize(nrc_dtype dt) { return nrc::dtype_size(dt); }
inline bool is_flt(nrc_dtype dt) { return dt == NRC_F32 || dt == NRC_F16 || dt == NRC_BF16 || dt == NRC_F64; }

// Raw element access: typed value in compute type T (float for the 16-bit floats).
template <typename T> T get(nrc_dtype dt, const uint8_t* p) {
  if (dt == NRC_F16) { __half h; memcpy(&h, p, 2); return (T)__half2float(h); }
  if (dt == NRC_BF16) { __nv_bfloat16 h; memcpy(&h, p, 2); return (T)__bfloat162float(h); }
  T v; memcpy(&v, p, sizeof(T)); return v;
}
template <typename T> void put(nrc_dtype dt, uint8_t* p, T v) {
  if (dt == NRC_BOOL) { *p = v != T(0); return; }
  if (dt == NRC_F16) { __half h = __float2half_rn((float)v); memcpy(p, &h, 2); return; }
  if (dt == NRC_BF16) { __nv_bfloat16 h = __float2bfloat16_rn((float)v); memcpy(p, &h, 2); return; }
  memcpy(p, &v, sizeof(T));
}
inline double as_double(nrc_dtype dt, const uint8_t* p) {
  switch (dt) {
    case NRC_F32: case NRC_F16: case NRC_BF16: return get<float>(dt, p);
    case NRC_F64: return get<double>(dt, p);
    case NRC_I32: return get<int32_t>(dt, p);
    case NRC_I64: return (double)get<int64_t>(dt, p);
    default: return *p;
  }
}

// Random values for dtype dt: mostly N(0, 3), plus integers, ties (k + 0.5) and special values.
inline std::vector<uint8_t> rand_bytes(nrc_dtype dt, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd(0., 3.);
  std::vector<uint8_t> b(n * dsize(dt));
  const double sp[] = {NAN, INFINITY, -INFINITY, 0., -0., 0.5, -0.5, 1.5, -2.5, 2.5, 1., -1., 1e30, -1e30, 1e-30, 88., 20.5};
  const int64_t isp[] = {0, 1, -1, 2, -2, 7, -7, INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX};
  for (size_t i = 0; i < n; i++) {
    uint8_t* p = &b[i * dsize(dt)];
    unsigned r = rng() % 10;
    if (is_flt(dt)) {
      double v = r < 6 ? nd(rng) : r < 8 ? (double)((int64_t)(rng() % 17) - 8) + (r == 7 ? 0.5 : 0.) : sp[rng() % 17];
      if (dt == NRC_F64) put<double>(dt, p, v); else put<float>(dt, p, (float)v);
    } else if (dt == NRC_BOOL) {
      *p = rng() & 1;
    } else if (dt == NRC_U8) {
      *p = r < 2 ? 0 : (uint8_t)rng();
    } else {
      int64_t v = r < 7 ? (int64_t)(rng() % 41) - 20 : isp[rng() % 11];
      if (dt == NRC_I32) put<int32_t>(dt, p, (int32_t)v); else put<int64_t>(dt, p, v);
    }
  }
  return b;
}

// Element offsets of a view in row-major order.
inline std::vector<int64_t> offsets(const nrc_view& v) {
  int64_t n = 1;
  for (int d = 0; d < v.ndim; d++) n *= v.shape[d];
  std::vector<int64_t> o(n);
  std::vector<int64_t> idx(v.ndim, 0);
  for (int64_t i = 0; i < n; i++) {
    int64_t off = v.offset;
    for (int d = 0; d < v.ndim; d++) off += idx[d] * v.strides[d];
    o[i] = off;
    for (int d = v.ndim - 1; d >= 0; d--) { if (++idx[d] < v.shape[d]) break; idx[d] = 0; }
  }
  return o;
}
inline int64_t extent(const nrc_view& v) {  // elements a buffer needs to hold the view
  int64_t e = v.offset + 1;
  for (int d = 0; d < v.ndim; d++) e += (v.shape[d] - 1) * v.strides[d];
  return e;
}
inline nrc_view make_view(std::initializer_list<int64_t> shape, std::initializer_list<int64_t> strides, int64_t off) {
  nrc_view v{};
  v.ndim = (int)shape.size();
  v.offset = off;
  int d = 0;
  for (int64_t s : shape) v.shape[d++] = s;
  d = 0;
  for (int64_t s : strides) v.strides[d++] = s;
  return v;
}

// Calls body with T = the CPU compute type of dt (uint8_t for U8 and BOOL, as the CPU dispatch).
#define DEV_DISPATCH_CPU(dt, T, ...)                                                    \
  switch (dt) {                                                                         \
    case NRC_F32: case NRC_F16: case NRC_BF16: { using T = float; __VA_ARGS__; break; } \
    case NRC_F64: { using T = double; __VA_ARGS__; break; }                             \
    case NRC_I32: { using T = int32_t; __VA_ARGS__; break; }                            \
    case NRC_I64: { using T = int64_t; __VA_ARGS__; break; }                            \
    default: { using T = uint8_t; __VA_ARGS__; break; }                                 \
  }

// Expected output bytes (buffer of out's extent) of unary op `uop` over the views.
inline void ref_unary(nr::UnaryOp uop, bool pred, nrc_dtype dt, std::vector<uint8_t>& out, const nrc_view& ov,
                      const std::vector<uint8_t>& x, const nrc_view& xv, float a, float b) {
  auto oo = offsets(ov), xo = offsets(xv);
  nrc_dtype odt = pred ? NRC_BOOL : dt;
  DEV_DISPATCH_CPU(dt, T, for (size_t i = 0; i < oo.size(); i++) {
    T r = nr::unary_scalar<T>(uop, get<T>(dt, &x[xo[i] * dsize(dt)]), (double)a, (double)b);
    put<T>(odt, &out[oo[i] * dsize(odt)], r);
  });
}
inline void ref_binary(nr::BinaryOp bop, bool cmp, nrc_dtype dt, std::vector<uint8_t>& out, const nrc_view& ov,
                       const std::vector<uint8_t>& x, const nrc_view& xv, const std::vector<uint8_t>& y,
                       const nrc_view& yv, float alpha, float beta) {
  auto oo = offsets(ov), xo = offsets(xv), yo = offsets(yv);
  nrc_dtype odt = cmp ? NRC_BOOL : dt;
  DEV_DISPATCH_CPU(dt, T, for (size_t i = 0; i < oo.size(); i++) {
    T r = nr::binary_scalar<T>(bop, get<T>(dt, &x[xo[i] * dsize(dt)]), get<T>(dt, &y[yo[i] * dsize(dt)]),
                               (double)alpha, (double)beta);
    put<T>(odt, &out[oo[i] * dsize(odt)], r);
  });
}

// Marks the elements of a buffer of `n` elements that view v covers.
inline std::vector<char> coverage(const nrc_view& v, size_t n) {
  std::vector<char> c(n, 0);
  for (int64_t o : offsets(v)) c[o] = 1;
  return c;
}

// Compares every element of the two out buffers (whole extent: elements outside the view, in[i] == 0,
// must still hold the poison bytes). exact: bit equality (any NaN equals any NaN); else
// |d| <= tol * max(1, |ref|) with NaN/Inf matching exactly. Prints one line, counts a failure.
inline bool compare(const std::string& what, nrc_dtype dt, const std::vector<uint8_t>& got,
                    const std::vector<uint8_t>& want, const std::vector<char>& in, bool exact, double tol) {
  size_t es = dsize(dt), n = want.size() / es, bad = 0, first = n;
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    double g = as_double(dt, &got[i * es]), w = as_double(dt, &want[i * es]);
    bool ok;
    if (!in[i]) ok = memcmp(&got[i * es], &want[i * es], es) == 0;
    else if (std::isnan(w) || std::isnan(g)) ok = std::isnan(w) && std::isnan(g);
    else if (exact || std::isinf(w) || std::isinf(g)) ok = memcmp(&got[i * es], &want[i * es], es) == 0;
    else { double e = std::fabs(g - w) / std::max(1.0, std::fabs(w)); worst = std::max(worst, e); ok = e <= tol; }
    if (!ok && !bad++) first = i;
  }
  printf("%s %-58s %s", bad ? "FAIL" : "PASS", what.c_str(), exact ? "exact" : "");
  if (!exact) printf("max_rel %.1e (tol %.0e)", worst, tol);
  if (bad) printf("  %zu bad, first [%zu] got %.9g want %.9g", bad, first, as_double(dt, &got[first * es]), as_double(dt, &want[first * es]));
  printf("\n");
  if (bad) g_failures++;
  return !bad;
}

}  // namespace dev
