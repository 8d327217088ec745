// Reference normalisation kernels (the oracle for kernels/cpu/norm.cc): single-threaded, strided
// element access, double accumulation, written to read like the formulas in nr/kernels/norm.h.
#include <cmath>
#include "nr/kernels/dispatch.h"
#include "nr/kernels/norm.h"

namespace nr {

namespace {

// Element (i) of a 1-D view, (i,j) of a 2-D view, (i,j,k) of a 3-D view.
template <typename T> inline T& at1(const View& v, int64_t i) { return v.ptr<T>()[i * v.strides[0]]; }
template <typename T> inline T& at2(const View& v, int64_t i, int64_t j) { return v.ptr<T>()[i * v.strides[0] + j * v.strides[1]]; }
template <typename T> inline T& at3(const View& v, int64_t i, int64_t j, int64_t k) {
  return v.ptr<T>()[i * v.strides[0] + j * v.strides[1] + k * v.strides[2]];
}

// x is (M,N), w/b are (N) or null, y is (M,N), mean/rstd are (M)
template <typename T>
void row_fwd(bool rms, const View& x, const View* w, const View* b, double eps, const View& y, const View& mean, const View& rstd) {
  const int64_t M = x.shape[0], N = x.shape[1];
  for (int64_t i = 0; i < M; ++i) {
    double mu = 0, ss = 0;
    if (!rms) {
      for (int64_t j = 0; j < N; ++j) mu += (double)at2<T>(x, i, j);
      mu = N ? mu / (double)N : 0.0;
    }
    for (int64_t j = 0; j < N; ++j) { double d = (double)at2<T>(x, i, j) - mu; ss += d * d; }
    double r = 1.0 / std::sqrt((N ? ss / (double)N : 0.0) + eps);
    at1<T>(mean, i) = (T)mu;
    at1<T>(rstd, i) = (T)r;
    for (int64_t j = 0; j < N; ++j) {
      double v = ((double)at2<T>(x, i, j) - mu) * r;
      if (w) v *= (double)at1<T>(*w, j);
      if (b && !rms) v += (double)at1<T>(*b, j);
      at2<T>(y, i, j) = (T)v;
    }
  }
}

// g, x are (M,N); mean/rstd (M); w (N) or null; dx (M,N), dw/db (N) or null
template <typename T>
void row_bwd(bool rms, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
             const View* dx, const View* dw, const View* db) {
  const int64_t M = x.shape[0], N = x.shape[1];
  if (dw) for (int64_t j = 0; j < N; ++j) at1<T>(*dw, j) = 0;
  if (db) for (int64_t j = 0; j < N; ++j) at1<T>(*db, j) = 0;
  for (int64_t i = 0; i < M; ++i) {
    const double mu = (double)at1<T>(mean, i), r = (double)at1<T>(rstd, i);
    double sum_d = 0, sum_dx = 0;   // sum(dxhat), sum(dxhat*xhat)
    for (int64_t j = 0; j < N; ++j) {
      double gv = (double)at2<T>(g, i, j), xh = ((double)at2<T>(x, i, j) - mu) * r;
      double d = w ? gv * (double)at1<T>(*w, j) : gv;
      sum_d += d;
      sum_dx += d * xh;
    }
    const double md = rms ? 0.0 : sum_d / (double)N, mdx = sum_dx / (double)N;
    for (int64_t j = 0; j < N; ++j) {
      double gv = (double)at2<T>(g, i, j), xh = ((double)at2<T>(x, i, j) - mu) * r;
      double d = w ? gv * (double)at1<T>(*w, j) : gv;
      if (dx) at2<T>(*dx, i, j) = (T)(r * (d - md - xh * mdx));
      if (dw) at1<T>(*dw, j) = (T)((double)at1<T>(*dw, j) + gv * xh);
      if (db) at1<T>(*db, j) = (T)((double)at1<T>(*db, j) + gv);
    }
  }
}

// x is (B,C,L); w/b (C) or null; y (B,C,L); mean/var/rstd (C)
template <typename T>
void bn_fwd(bool training, const View& x, const View* w, const View* b, double eps, const View& y, const View& mean,
            const View& var, const View& rstd) {
  const int64_t B = x.shape[0], C = x.shape[1], L = x.shape[2];
  const double n = (double)(B * L);
  for (int64_t c = 0; c < C; ++c) {
    double mu, v;
    if (training) {
      mu = 0;
      for (int64_t i = 0; i < B; ++i)
        for (int64_t k = 0; k < L; ++k) mu += (double)at3<T>(x, i, c, k);
      mu = n > 0 ? mu / n : 0.0;
      v = 0;
      for (int64_t i = 0; i < B; ++i)
        for (int64_t k = 0; k < L; ++k) { double d = (double)at3<T>(x, i, c, k) - mu; v += d * d; }
      v = n > 0 ? v / n : 0.0;
      at1<T>(mean, c) = (T)mu;
      at1<T>(var, c) = (T)v;
    } else {
      mu = (double)at1<T>(mean, c);
      v = (double)at1<T>(var, c);
    }
    const double r = 1.0 / std::sqrt(v + eps);
    at1<T>(rstd, c) = (T)r;
    const double wc = w ? (double)at1<T>(*w, c) : 1.0, bc = b ? (double)at1<T>(*b, c) : 0.0;
    for (int64_t i = 0; i < B; ++i)
      for (int64_t k = 0; k < L; ++k) at3<T>(y, i, c, k) = (T)(((double)at3<T>(x, i, c, k) - mu) * r * wc + bc);
  }
}

// g, x (B,C,L); mean/rstd (C); w (C) or null; dx (B,C,L), dw/db (C) or null
template <typename T>
void bn_bwd(bool training, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
            const View* dx, const View* dw, const View* db) {
  const int64_t B = x.shape[0], C = x.shape[1], L = x.shape[2];
  const double n = (double)(B * L);
  for (int64_t c = 0; c < C; ++c) {
    const double mu = (double)at1<T>(mean, c), r = (double)at1<T>(rstd, c), wc = w ? (double)at1<T>(*w, c) : 1.0;
    double sg = 0, sgx = 0;
    for (int64_t i = 0; i < B; ++i)
      for (int64_t k = 0; k < L; ++k) {
        double gv = (double)at3<T>(g, i, c, k);
        sg += gv;
        sgx += gv * ((double)at3<T>(x, i, c, k) - mu) * r;
      }
    if (dw) at1<T>(*dw, c) = (T)sgx;
    if (db) at1<T>(*db, c) = (T)sg;
    if (!dx) continue;
    for (int64_t i = 0; i < B; ++i)
      for (int64_t k = 0; k < L; ++k) {
        double gv = (double)at3<T>(g, i, c, k);
        double v = training ? gv - sg / n - ((double)at3<T>(x, i, c, k) - mu) * r * sgx / n : gv;
        at3<T>(*dx, i, c, k) = (T)(wc * r * v);
      }
  }
}

}  // namespace

void row_norm_fwd_ref(bool rms, const View& x, const View* w, const View* b, double eps, const View& y, const View& mean,
                      const View& rstd) {
  NR_DISPATCH_FLOAT(x.dtype, T, row_fwd<T>(rms, x, w, b, eps, y, mean, rstd));
}

void row_norm_bwd_ref(bool rms, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
                      const View* dx, const View* dw, const View* db) {
  NR_DISPATCH_FLOAT(x.dtype, T, row_bwd<T>(rms, g, x, w, mean, rstd, dx, dw, db));
}

void batch_norm_fwd_ref(bool training, const View& x, const View* w, const View* b, double eps, const View& y,
                        const View& mean, const View& var, const View& rstd) {
  NR_DISPATCH_FLOAT(x.dtype, T, bn_fwd<T>(training, x, w, b, eps, y, mean, var, rstd));
}

void batch_norm_bwd_ref(bool training, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
                        const View* dx, const View* dw, const View* db) {
  NR_DISPATCH_FLOAT(x.dtype, T, bn_bwd<T>(training, g, x, w, mean, rstd, dx, dw, db));
}

}  // namespace nr
