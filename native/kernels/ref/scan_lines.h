// Line-at-a-time scan kernels (any strides), used single-threaded by the reference and threaded
// over lines by the fast dispatcher for layouts without a specialised path.
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>
#include "nr/kernels/dispatch.h"
#include "nr/kernels/scan.h"
#include "runtime/threadpool.h"

namespace nr {

// Accumulator type: double for floats, wrapping uint64 for integers.
template <typename T> using ScanAcc = typename std::conditional<std::is_floating_point<T>::value, double, uint64_t>::type;
template <typename T> inline ScanAcc<T> to_acc(T v) {
  if constexpr (std::is_floating_point<T>::value) return (double)v; else return (uint64_t)(int64_t)v;
}
template <typename T> inline T from_acc(ScanAcc<T> a) {
  if constexpr (std::is_floating_point<T>::value) return (T)a; else return (T)(int64_t)a;
}

// v with `dim` removed: iterating it visits the start of every line.
inline View scan_lines_of(const View& v, int dim) {
  View r;
  r.dtype = v.dtype;
  r.data = v.data;
  r.numel = 1;
  for (int d = 0; d < v.ndim; ++d) {
    if (d == dim) continue;
    r.shape[r.ndim] = v.shape[d];
    r.strides[r.ndim] = v.strides[d];
    r.numel *= v.shape[d];
    ++r.ndim;
  }
  return r;
}

template <typename T>
inline void scan_line(ScanOp op, T* o, int64_t os, const T* x, int64_t xs, int64_t n, bool reverse) {
  ScanAcc<T> acc = op == ScanOp::sum ? ScanAcc<T>(0) : ScanAcc<T>(1);
  for (int64_t i = 0; i < n; ++i) {
    int64_t k = reverse ? n - 1 - i : i;
    ScanAcc<T> v = to_acc<T>(x[k * xs]);
    acc = op == ScanOp::sum ? acc + v : acc * v;
    o[k * os] = from_acc<T>(acc);
  }
}

// S (n doubles) is scratch.
template <typename T>
inline void cumprod_bw_line(T* gx, int64_t gxs, const T* g, int64_t gs, const T* x, int64_t xs, int64_t n, double* S) {
  double s = 0;
  for (int64_t k = n - 1; k >= 0; --k) {
    s = k + 1 < n ? (double)g[k * gs] + (double)x[(k + 1) * xs] * s : (double)g[k * gs];
    S[k] = s;
  }
  double p = 1;
  for (int64_t k = 0; k < n; ++k) {
    gx[k * gxs] = (T)(p * S[k]);
    p *= (double)x[k * xs];
  }
}

inline int64_t scan_grain(int64_t n) { return std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, n)); }

inline void scan_lines_all(ScanOp op, const View& out, const View& x, int dim, bool reverse, bool threaded) {
  View lo = scan_lines_of(out, dim), lx = scan_lines_of(x, dim);
  const int64_t n = x.shape[dim];
  NR_DISPATCH_ARITH(x.dtype, T, {
    auto body = [&](int64_t b, int64_t e) {
      StridedIter io(lo, b), ix(lx, b);
      for (int64_t i = b; i < e; ++i, io.next(), ix.next())
        scan_line<T>(op, out.ptr<T>() + io.off, out.strides[dim], x.ptr<T>() + ix.off, x.strides[dim], n, reverse);
    };
    if (threaded) parallel_for(lo.numel, scan_grain(n), body); else body(0, lo.numel);
  });
}

inline void cumprod_backward_lines_all(const View& gx, const View& g, const View& x, int dim, bool threaded) {
  View l0 = scan_lines_of(gx, dim), l1 = scan_lines_of(g, dim), l2 = scan_lines_of(x, dim);
  const int64_t n = g.shape[dim];
  NR_DISPATCH_FLOAT(x.dtype, T, {
    auto body = [&](int64_t b, int64_t e) {
      std::vector<double> S((size_t)n);
      StridedIter a(l0, b), c(l1, b), d(l2, b);
      for (int64_t i = b; i < e; ++i, a.next(), c.next(), d.next())
        cumprod_bw_line<T>(gx.ptr<T>() + a.off, gx.strides[dim], g.ptr<T>() + c.off, g.strides[dim], x.ptr<T>() + d.off, x.strides[dim], n, S.data());
    };
    if (threaded) parallel_for(l1.numel, scan_grain(n), body); else body(0, l1.numel);
  });
}

}  // namespace nr
