// Fast normalisation kernels: layer/RMS norm threaded over rows (float32 rows run the per-ISA SIMD
// kernels of norm_simd.inc), batch norm threaded over channels. Weight/bias gradients are summed
// over a fixed number of row blocks (chosen from the shape only), so results do not depend on the
// thread count. The reference versions live in kernels/ref/norm.cc.
#include <algorithm>
#include <type_traits>
#include <cmath>
#include <vector>
#include "nr/kernels/dispatch.h"
#include "nr/kernels/norm.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace base {
namespace {
#include "norm_simd.inc"
}  // namespace
}  // namespace base

const NormF32* norm_f32_base() {
  static const NormF32 t = {base::row_fwd_f32, base::row_bwd_f32};
  return &t;
}

namespace {

constexpr int64_t kWork = 1 << 15;   // elements per parallel task, roughly
constexpr int64_t kMaxBlocks = 64;   // row blocks for weight/bias gradient partial sums

const NormF32* f32_table() {
  const NormF32* t = nullptr;
  switch (active_isa()) {
    case Isa::kAvx512: t = norm_f32_avx512(); if (!t) t = norm_f32_avx2(); break;
    case Isa::kAvx2: t = norm_f32_avx2(); break;
    default: break;
  }
  return t ? t : norm_f32_base();
}

template <typename T> const T* opt_ptr(const View* v) { return v ? v->ptr<T>() : nullptr; }
template <typename T> T* opt_mut(const View* v) { return v ? v->ptr<T>() : nullptr; }

// ---- row norm, generic T (float64) ------------------------------------------------------------

// x, y are (n); w, b (n) or null
template <typename T>
void row_fwd_t(bool rms, const T* x, const T* w, const T* b, T* y, int64_t n, double eps, T* mean, T* rstd) {
  double mu = 0, ss = 0;
  if (!rms) { for (int64_t j = 0; j < n; ++j) mu += (double)x[j]; mu = n ? mu / (double)n : 0.0; }
  for (int64_t j = 0; j < n; ++j) { double d = (double)x[j] - mu; ss += d * d; }
  const double r = 1.0 / std::sqrt((n ? ss / (double)n : 0.0) + eps);
  *mean = (T)mu;
  *rstd = (T)r;
  for (int64_t j = 0; j < n; ++j) {
    double v = ((double)x[j] - mu) * r;
    if (w) v *= (double)w[j];
    if (b && !rms) v += (double)b[j];
    y[j] = (T)v;
  }
}

// g, x, dx are (n); w (n) or null; dw_acc/db_acc (n) or null
template <typename T>
void row_bwd_t(bool rms, const T* g, const T* x, const T* w, T mu, T r, int64_t n, T* dx, T* dw_acc, T* db_acc) {
  if (dx) {
    T sum_d = 0, sum_dx = 0;
    for (int64_t j = 0; j < n; ++j) {
      T d = w ? g[j] * w[j] : g[j];
      sum_d += d;
      sum_dx += d * (x[j] - mu) * r;
    }
    const T md = rms ? T(0) : sum_d / (T)n, mdx = sum_dx / (T)n;
    for (int64_t j = 0; j < n; ++j) {
      T d = w ? g[j] * w[j] : g[j];
      dx[j] = r * (d - md - (x[j] - mu) * r * mdx);
    }
  }
  if (dw_acc) for (int64_t j = 0; j < n; ++j) dw_acc[j] += g[j] * ((x[j] - mu) * r);
  if (db_acc) for (int64_t j = 0; j < n; ++j) db_acc[j] += g[j];
}

template <typename T>
void row_fwd_par(bool rms, const View& x, const View* w, const View* b, double eps, const View& y, const View& mean,
                 const View& rstd) {
  const int64_t M = x.shape[0], N = x.shape[1];
  const T* xp = x.ptr<T>(); T* yp = y.ptr<T>(); T* mp = mean.ptr<T>(); T* rp = rstd.ptr<T>();
  const T* wp = opt_ptr<T>(w); const T* bp = opt_ptr<T>(b);
  const NormF32* t = std::is_same<T, float>::value ? f32_table() : nullptr;
  parallel_for(M, std::max<int64_t>(1, kWork / std::max<int64_t>(1, N)), [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) {
      if constexpr (std::is_same<T, float>::value)
        t->row_fwd(rms, xp + i * N, wp, bp, yp + i * N, N, (float)eps, mp + i, rp + i);
      else
        row_fwd_t<T>(rms, xp + i * N, wp, bp, yp + i * N, N, eps, mp + i, rp + i);
    }
  });
}

template <typename T>
void row_bwd_par(bool rms, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
                 const View* dx, const View* dw, const View* db) {
  const int64_t M = x.shape[0], N = x.shape[1];
  const T* gp = g.ptr<T>(); const T* xp = x.ptr<T>(); const T* mp = mean.ptr<T>(); const T* rp = rstd.ptr<T>();
  const T* wp = opt_ptr<T>(w);
  T* dxp = opt_mut<T>(dx); T* dwp = opt_mut<T>(dw); T* dbp = opt_mut<T>(db);
  const NormF32* t = std::is_same<T, float>::value ? f32_table() : nullptr;
  auto row = [&](int64_t i, T* dw_acc, T* db_acc) {
    if constexpr (std::is_same<T, float>::value)
      t->row_bwd(rms, gp + i * N, xp + i * N, wp, mp[i], rp[i], N, dxp ? dxp + i * N : nullptr, dw_acc, db_acc);
    else
      row_bwd_t<T>(rms, gp + i * N, xp + i * N, wp, mp[i], rp[i], N, dxp ? dxp + i * N : nullptr, dw_acc, db_acc);
  };
  if (!dwp && !dbp) {
    if (dxp) parallel_for(M, std::max<int64_t>(1, kWork / std::max<int64_t>(1, N)), [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) row(i, nullptr, nullptr);
    });
    return;
  }
  // Weight/bias gradients: partial sums per block of rows, then summed over blocks in order.
  const int64_t nblk = std::min<int64_t>(M, kMaxBlocks), per = nblk ? (M + nblk - 1) / nblk : 0;
  std::vector<T> pw(dwp ? nblk * N : 0, T(0)), pb(dbp ? nblk * N : 0, T(0));
  parallel_for(nblk, 1, [&](int64_t s, int64_t e) {
    for (int64_t k = s; k < e; ++k)
      for (int64_t i = k * per; i < std::min(M, (k + 1) * per); ++i)
        row(i, dwp ? pw.data() + k * N : nullptr, dbp ? pb.data() + k * N : nullptr);
  });
  parallel_for(N, 4096, [&](int64_t s, int64_t e) {
    for (int64_t j = s; j < e; ++j) {
      T aw = 0, ab = 0;
      for (int64_t k = 0; k < nblk; ++k) {
        if (dwp) aw += pw[k * N + j];
        if (dbp) ab += pb[k * N + j];
      }
      if (dwp) dwp[j] = aw;
      if (dbp) dbp[j] = ab;
    }
  });
}

// ---- batch norm ------------------------------------------------------------------------------

// x is (B,C,L) contiguous: channel c of batch item i is the run x[(i*C + c)*L .. +L).
template <typename T>
void bn_fwd_t(bool training, const View& x, const View* w, const View* b, double eps, const View& y, const View& mean,
              const View& var, const View& rstd) {
  const int64_t B = x.shape[0], C = x.shape[1], L = x.shape[2];
  const double n = (double)(B * L);
  const T* xp = x.ptr<T>(); T* yp = y.ptr<T>(); T* mp = mean.ptr<T>(); T* vp = var.ptr<T>(); T* rp = rstd.ptr<T>();
  const T* wp = opt_ptr<T>(w); const T* bp = opt_ptr<T>(b);
  if (L == 1) {
    // (B,C): blocks of channels, rows walked contiguously so the inner loop runs over channels.
    constexpr int64_t CB = 64;
    parallel_for((C + CB - 1) / CB, std::max<int64_t>(1, kWork / std::max<int64_t>(1, B * CB)), [&](int64_t s, int64_t e) {
      for (int64_t blk = s; blk < e; ++blk) {
        const int64_t c0 = blk * CB, nc = std::min(CB, C - c0);
        double mu[CB], sc[CB];
        if (training) {
          double acc[CB] = {0};
          for (int64_t i = 0; i < B; ++i) { const T* row = xp + i * C + c0; for (int64_t c = 0; c < nc; ++c) acc[c] += (double)row[c]; }
          for (int64_t c = 0; c < nc; ++c) mu[c] = n > 0 ? acc[c] / n : 0.0;
          double sq[CB] = {0};
          for (int64_t i = 0; i < B; ++i) {
            const T* row = xp + i * C + c0;
            for (int64_t c = 0; c < nc; ++c) { double d = (double)row[c] - mu[c]; sq[c] += d * d; }
          }
          for (int64_t c = 0; c < nc; ++c) { mp[c0 + c] = (T)mu[c]; vp[c0 + c] = (T)(n > 0 ? sq[c] / n : 0.0); }
        } else {
          for (int64_t c = 0; c < nc; ++c) mu[c] = (double)mp[c0 + c];
        }
        T muT[CB], scT[CB], shT[CB];
        for (int64_t c = 0; c < nc; ++c) {
          double r = 1.0 / std::sqrt((double)vp[c0 + c] + eps);
          rp[c0 + c] = (T)r;
          sc[c] = r * (wp ? (double)wp[c0 + c] : 1.0);
          muT[c] = (T)mu[c]; scT[c] = (T)sc[c]; shT[c] = bp ? bp[c0 + c] : T(0);
        }
        for (int64_t i = 0; i < B; ++i) {
          const T* row = xp + i * C + c0; T* out = yp + i * C + c0;
          for (int64_t c = 0; c < nc; ++c) out[c] = (row[c] - muT[c]) * scT[c] + shT[c];
        }
      }
    });
    return;
  }
  parallel_for(C, std::max<int64_t>(1, kWork / std::max<int64_t>(1, B * L)), [&](int64_t s, int64_t e) {
    for (int64_t c = s; c < e; ++c) {
      double mu;
      if (training) {
        double acc = 0;
        for (int64_t i = 0; i < B; ++i) {
          const T* p = xp + (i * C + c) * L;
          T part = 0;
          for (int64_t k = 0; k < L; ++k) part += p[k];
          acc += (double)part;
        }
        mu = n > 0 ? acc / n : 0.0;
        double sq = 0;
        const T muT = (T)mu;
        for (int64_t i = 0; i < B; ++i) {
          const T* p = xp + (i * C + c) * L;
          T part = 0;
          for (int64_t k = 0; k < L; ++k) { T d = p[k] - muT; part += d * d; }
          sq += (double)part;
        }
        mp[c] = (T)mu;
        vp[c] = (T)(n > 0 ? sq / n : 0.0);
      } else {
        mu = (double)mp[c];
      }
      const double r = 1.0 / std::sqrt((double)vp[c] + eps);
      rp[c] = (T)r;
      const T muT = (T)mu, sc = (T)(r * (wp ? (double)wp[c] : 1.0)), sh = bp ? bp[c] : T(0);
      for (int64_t i = 0; i < B; ++i) {
        const T* p = xp + (i * C + c) * L; T* q = yp + (i * C + c) * L;
        for (int64_t k = 0; k < L; ++k) q[k] = (p[k] - muT) * sc + sh;
      }
    }
  });
}

template <typename T>
void bn_bwd_t(bool training, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
              const View* dx, const View* dw, const View* db) {
  const int64_t B = x.shape[0], C = x.shape[1], L = x.shape[2];
  const double n = (double)(B * L);
  const T* gp = g.ptr<T>(); const T* xp = x.ptr<T>(); const T* mp = mean.ptr<T>(); const T* rp = rstd.ptr<T>();
  const T* wp = opt_ptr<T>(w);
  T* dxp = opt_mut<T>(dx); T* dwp = opt_mut<T>(dw); T* dbp = opt_mut<T>(db);
  // Per channel: sg = sum(g), sgx = sum(g*xhat); then dx = w*r*(g - sg/n - xhat*sgx/n) (training).
  auto finish = [&](int64_t c, double sg, double sgx, double* a, double* bterm) {
    if (dwp) dwp[c] = (T)sgx;
    if (dbp) dbp[c] = (T)sg;
    const double r = (double)rp[c], wc = wp ? (double)wp[c] : 1.0;
    *a = wc * r;                                   // dx = a*g - a*sg/n - a*r*sgx/n*(x-mu)
    *bterm = training ? sgx / n * r : 0.0;
    if (!training) sg = 0;
    return sg / n;
  };
  if (L == 1) {
    constexpr int64_t CB = 64;
    parallel_for((C + CB - 1) / CB, std::max<int64_t>(1, kWork / std::max<int64_t>(1, B * CB)), [&](int64_t s, int64_t e) {
      for (int64_t blk = s; blk < e; ++blk) {
        const int64_t c0 = blk * CB, nc = std::min(CB, C - c0);
        double sg[CB] = {0}, sgx[CB] = {0};
        for (int64_t i = 0; i < B; ++i) {
          const T* gr = gp + i * C + c0; const T* xr = xp + i * C + c0;
          for (int64_t c = 0; c < nc; ++c) { sg[c] += (double)gr[c]; sgx[c] += (double)gr[c] * ((double)xr[c] - (double)mp[c0 + c]); }
        }
        T aT[CB], mT[CB], bT[CB], mgT[CB];
        for (int64_t c = 0; c < nc; ++c) {
          double a, bt;
          double mg = finish(c0 + c, sg[c], sgx[c] * (double)rp[c0 + c], &a, &bt);
          aT[c] = (T)a; mT[c] = mp[c0 + c]; bT[c] = (T)bt; mgT[c] = (T)mg;
        }
        if (!dxp) continue;
        for (int64_t i = 0; i < B; ++i) {
          const T* gr = gp + i * C + c0; const T* xr = xp + i * C + c0; T* o = dxp + i * C + c0;
          for (int64_t c = 0; c < nc; ++c) o[c] = aT[c] * (gr[c] - mgT[c] - (xr[c] - mT[c]) * bT[c]);
        }
      }
    });
    return;
  }
  parallel_for(C, std::max<int64_t>(1, kWork / std::max<int64_t>(1, B * L)), [&](int64_t s, int64_t e) {
    for (int64_t c = s; c < e; ++c) {
      const T muT = mp[c];
      double sg = 0, sgx = 0;
      for (int64_t i = 0; i < B; ++i) {
        const T* gq = gp + (i * C + c) * L; const T* xq = xp + (i * C + c) * L;
        T a = 0, b = 0;
        for (int64_t k = 0; k < L; ++k) { a += gq[k]; b += gq[k] * (xq[k] - muT); }
        sg += (double)a; sgx += (double)b;
      }
      double a, bt;
      double mg = finish(c, sg, sgx * (double)rp[c], &a, &bt);
      if (!dxp) continue;
      const T aT = (T)a, bT = (T)bt, mgT = (T)mg;
      for (int64_t i = 0; i < B; ++i) {
        const T* gq = gp + (i * C + c) * L; const T* xq = xp + (i * C + c) * L; T* o = dxp + (i * C + c) * L;
        for (int64_t k = 0; k < L; ++k) o[k] = aT * (gq[k] - mgT - (xq[k] - muT) * bT);
      }
    }
  });
}

}  // namespace

void row_norm_fwd(bool rms, const View& x, const View* w, const View* b, double eps, const View& y, const View& mean,
                  const View& rstd) {
  if (active_isa() == Isa::kRef) return row_norm_fwd_ref(rms, x, w, b, eps, y, mean, rstd);
  NR_DISPATCH_FLOAT(x.dtype, T, row_fwd_par<T>(rms, x, w, b, eps, y, mean, rstd));
}

void row_norm_bwd(bool rms, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
                  const View* dx, const View* dw, const View* db) {
  if (active_isa() == Isa::kRef) return row_norm_bwd_ref(rms, g, x, w, mean, rstd, dx, dw, db);
  NR_DISPATCH_FLOAT(x.dtype, T, row_bwd_par<T>(rms, g, x, w, mean, rstd, dx, dw, db));
}

void batch_norm_fwd(bool training, const View& x, const View* w, const View* b, double eps, const View& y,
                    const View& mean, const View& var, const View& rstd) {
  if (active_isa() == Isa::kRef) return batch_norm_fwd_ref(training, x, w, b, eps, y, mean, var, rstd);
  NR_DISPATCH_FLOAT(x.dtype, T, bn_fwd_t<T>(training, x, w, b, eps, y, mean, var, rstd));
}

void batch_norm_bwd(bool training, const View& g, const View& x, const View* w, const View& mean, const View& rstd,
                    const View* dx, const View* dw, const View* db) {
  if (active_isa() == Isa::kRef) return batch_norm_bwd_ref(training, g, x, w, mean, rstd, dx, dw, db);
  NR_DISPATCH_FLOAT(x.dtype, T, bn_bwd_t<T>(training, g, x, w, mean, rstd, dx, dw, db));
}

}  // namespace nr
