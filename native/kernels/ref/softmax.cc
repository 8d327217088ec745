// Reference softmax / log-softmax kernels: for every line along `dim` (any strides), the max, the
// sum of exp(x - max) in double, then the outputs; the fused backward likewise. The same line
// functions run threaded over lines as the generic path of the fast dispatcher.
#include <algorithm>
#include <cmath>
#include "nr/kernels/dispatch.h"
#include "nr/kernels/softmax.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

// v with `dim` removed: iterating it visits the start of every line.
View lines_of(const View& v, int dim) {
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

// o[k*os] = softmax / log_softmax of x[k*xs], k < n.
template <typename T>
void fwd_line(T* o, int64_t os, const T* x, int64_t xs, int64_t n, bool log) {
  double m = -INFINITY;
  for (int64_t k = 0; k < n; ++k) {
    double v = (double)x[k * xs];
    if (v > m || std::isnan(v)) m = v;  // a NaN sticks
  }
  double s = 0;
  for (int64_t k = 0; k < n; ++k) s += std::exp((double)x[k * xs] - m);
  if (log) {
    double ls = std::log(s);
    for (int64_t k = 0; k < n; ++k) o[k * os] = (T)(((double)x[k * xs] - m) - ls);
  } else {
    for (int64_t k = 0; k < n; ++k) o[k * os] = (T)(std::exp((double)x[k * xs] - m) / s);
  }
}

template <typename T>
void bwd_line(T* gx, int64_t gxs, const T* g, int64_t gs, const T* y, int64_t ys, int64_t n, bool log) {
  double acc = 0;
  if (log) {
    for (int64_t k = 0; k < n; ++k) acc += (double)g[k * gs];
    for (int64_t k = 0; k < n; ++k) gx[k * gxs] = (T)((double)g[k * gs] - std::exp((double)y[k * ys]) * acc);
  } else {
    for (int64_t k = 0; k < n; ++k) acc += (double)g[k * gs] * (double)y[k * ys];
    for (int64_t k = 0; k < n; ++k) gx[k * gxs] = (T)((double)y[k * ys] * ((double)g[k * gs] - acc));
  }
}

template <typename T>
void fwd_all(const View& out, const View& x, int dim, bool log, bool threaded) {
  View lo = lines_of(out, dim), lx = lines_of(x, dim);
  const int64_t n = x.shape[dim], os = out.strides[dim], xs = x.strides[dim];
  auto body = [&](int64_t b, int64_t e) {
    StridedIter io(lo, b), ix(lx, b);
    for (int64_t i = b; i < e; ++i, io.next(), ix.next()) fwd_line<T>(out.ptr<T>() + io.off, os, x.ptr<T>() + ix.off, xs, n, log);
  };
  if (threaded) parallel_for(lo.numel, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, n)), body);
  else body(0, lo.numel);
}

template <typename T>
void bwd_all(const View& gx, const View& g, const View& y, int dim, bool log, bool threaded) {
  View lgx = lines_of(gx, dim), lg = lines_of(g, dim), ly = lines_of(y, dim);
  const int64_t n = g.shape[dim];
  auto body = [&](int64_t b, int64_t e) {
    StridedIter a(lgx, b), c(lg, b), d(ly, b);
    for (int64_t i = b; i < e; ++i, a.next(), c.next(), d.next())
      bwd_line<T>(gx.ptr<T>() + a.off, gx.strides[dim], g.ptr<T>() + c.off, g.strides[dim], y.ptr<T>() + d.off, y.strides[dim], n, log);
  };
  if (threaded) parallel_for(lg.numel, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, n)), body);
  else body(0, lg.numel);
}

}  // namespace

void softmax_ref(const View& out, const View& x, int dim, bool log) {
  if (out.numel == 0) return;
  NR_DISPATCH_FLOAT(x.dtype, T, fwd_all<T>(out, x, dim, log, false));
}
void softmax_backward_ref(const View& gx, const View& g, const View& y, int dim, bool log) {
  if (gx.numel == 0) return;
  NR_DISPATCH_FLOAT(g.dtype, T, bwd_all<T>(gx, g, y, dim, log, false));
}
void softmax_generic(const View& out, const View& x, int dim, bool log) {
  if (out.numel == 0) return;
  NR_DISPATCH_FLOAT(x.dtype, T, fwd_all<T>(out, x, dim, log, true));
}
void softmax_backward_generic(const View& gx, const View& g, const View& y, int dim, bool log) {
  if (gx.numel == 0) return;
  NR_DISPATCH_FLOAT(g.dtype, T, bwd_all<T>(gx, g, y, dim, log, true));
}

}  // namespace nr
