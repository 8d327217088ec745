// Fast reduction dispatch for float32. After merging dims, two layouts run on the per-ISA SIMD
// primitives (reduce_simd.inc):
//   inner: the reduced block ends in a contiguous run (sum over the last dim, over all dims, over
//          (N, H*W) of NCHW per channel): each output sums/maxes its runs;
//   outer: the kept dims end in a contiguous run and the reduced dims are outside it (sum over dim 0
//          of (B, N), the bias gradient): rows are accumulated column-wise, never one output at a time.
// Few outputs with long reductions split the reduction into fixed chunks whose partials combine in
// order, so results do not depend on the thread count. Other layouts and dtypes use the generic
// threaded kernel (the reference loop, parallel over outputs).
#include <algorithm>
#include <cmath>
#include <vector>
#include "nr/kernels/reduce.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

void reduce_generic(ReduceOp op, const View& out, const View& x, int nkept, double param);

namespace {

constexpr int64_t kMinRun = 16;        // shortest contiguous run worth a SIMD call
constexpr int64_t kChunk = 1 << 15;    // elements per parallel chunk of one long reduction
constexpr int64_t kColBlock = 1024;    // columns per unit in the outer layout
constexpr int64_t kFewOutputs = 64;    // fewer independent units than this: chunk each reduction

const ReduceF32* f32_table() {
  switch (active_isa()) {
    case Isa::kAvx512: return reduce_f32_avx512() ? reduce_f32_avx512() : reduce_f32_avx2();
    case Isa::kAvx2: return reduce_f32_avx2();
    default: return nullptr;
  }
}

// Dims [lo, hi) of x with size-1 dims dropped and mergeable neighbours merged, as a View.
View coalesce(const View& x, int lo, int hi) {
  View v;
  v.dtype = x.dtype;
  v.data = x.data;
  for (int d = lo; d < hi; ++d) {
    if (x.shape[d] == 1) continue;
    if (v.ndim > 0 && v.strides[v.ndim - 1] == x.strides[d] * x.shape[d]) {
      v.shape[v.ndim - 1] *= x.shape[d];
      v.strides[v.ndim - 1] = x.strides[d];
    } else {
      v.shape[v.ndim] = x.shape[d];
      v.strides[v.ndim] = x.strides[d];
      ++v.ndim;
    }
  }
  v.numel = 1;
  for (int d = 0; d < v.ndim; ++d) v.numel *= v.shape[d];
  return v;
}

View drop_last(const View& v) {
  View r = v;
  r.ndim = v.ndim - 1;
  r.numel = v.ndim ? v.numel / v.shape[v.ndim - 1] : 1;
  return r;
}

// ---- inner layout: each output reduces runs of L contiguous floats -------------------------------

struct Inner {
  View kept;     // output i's base offset = StridedIter(kept, i).off
  View runs;     // run k's offset = StridedIter(runs, k).off
  int64_t L = 0, nruns = 0, nK = 0;
};

// res[i] = comb over output i's pieces of seg(i, ptr, len, first) (first = position in the reduced
// block), combined in order. Pieces are whole runs, or chunks of a single long run.
template <typename P, typename Seg, typename Comb>
void inner_reduce(const Inner& A, const float* x, P init, P* res, Seg seg, Comb comb) {
  // Whether and how a reduction is chunked depends on the shape only (never on the thread count),
  // so the order of accumulation, and with it the result, is the same on any machine.
  const int64_t nR = A.L * A.nruns;
  const bool split = A.nK < kFewOutputs && nR >= 2 * kChunk;
  if (!split) {
    parallel_for(A.nK, std::max<int64_t>(1, kChunk / std::max<int64_t>(1, nR)), [&](int64_t b, int64_t e) {
      StridedIter ki(A.kept, b);
      for (int64_t i = b; i < e; ++i, ki.next()) {
        P acc = init;
        StridedIter ri(A.runs, 0);
        for (int64_t k = 0; k < A.nruns; ++k, ri.next()) acc = comb(acc, seg(i, x + ki.off + ri.off, A.L, k * A.L));
        res[i] = acc;
      }
    });
    return;
  }
  // chunks: groups of runs, or pieces of the one run
  const int64_t per = A.nruns > 1 ? std::max<int64_t>(1, kChunk / A.L) : kChunk;   // runs or elements per chunk
  const int64_t nch = A.nruns > 1 ? (A.nruns + per - 1) / per : (A.L + per - 1) / per;
  std::vector<P> part((size_t)(A.nK * nch), init);
  parallel_for(A.nK * nch, 1, [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      int64_t i = u / nch, c = u % nch;
      int64_t base = StridedIter(A.kept, i).off;
      P acc = init;
      if (A.nruns > 1) {
        int64_t k0 = c * per, k1 = std::min(A.nruns, k0 + per);
        StridedIter ri(A.runs, k0);
        for (int64_t k = k0; k < k1; ++k, ri.next()) acc = comb(acc, seg(i, x + base + ri.off, A.L, k * A.L));
      } else {
        int64_t s = c * per, n = std::min(A.L - s, per);
        acc = seg(i, x + base + s, n, s);
      }
      part[(size_t)u] = acc;
    }
  });
  for (int64_t i = 0; i < A.nK; ++i) {
    P acc = init;
    for (int64_t c = 0; c < nch; ++c) acc = comb(acc, part[(size_t)(i * nch + c)]);
    res[i] = acc;
  }
}

struct Ext { float v; bool nan; };

// ---- outer layout: rows of Kin contiguous columns accumulated column-wise -------------------------

struct Outer {
  View kout;      // outer kept index ko -> base offset
  int64_t Kin = 0;
  View rout;      // reduced dims except the last: row group -> offset
  int64_t rlast = 0, rstride = 0, nR = 0, nKout = 0;
};

// Calls fn(ptr, rows) for the rows [r0, r1) of outer index ko, column offset j0, in row order.
template <typename F>
void for_rows(const Outer& B, const float* x, int64_t ko, int64_t j0, int64_t r0, int64_t r1, F&& fn) {
  const float* base = x + StridedIter(B.kout, ko).off + j0;
  int64_t r = r0;
  StridedIter gi(B.rout, r / B.rlast);
  while (r < r1) {
    int64_t rl = r % B.rlast, len = std::min(B.rlast - rl, r1 - r);
    fn(base + gi.off + rl * B.rstride, len, r);
    r += len;
    gi.next();
  }
}

// Splits the work into units (ko, column block) and, when those are too few, row chunks.
struct OuterSplit {
  int64_t ncb, units, nrc;
};
OuterSplit outer_split(const Outer& B) {
  OuterSplit s;
  s.ncb = (B.Kin + kColBlock - 1) / kColBlock;
  s.units = B.nKout * s.ncb;
  s.nrc = 1;  // row chunks: by shape only (see inner_reduce)
  const int64_t per_unit = B.nR * std::min(kColBlock, B.Kin);
  if (s.units < kFewOutputs && per_unit >= 2 * kChunk)
    s.nrc = std::max<int64_t>(1, std::min<int64_t>(per_unit / kChunk, B.nR / 16));
  return s;
}

// acc[ko*Kin + j] = sum over rows of f(x) (c: per-output constants, or null).
void outer_sum(const ReduceF32* t, const Outer& B, const float* x, SumKind f, const double* c, double* acc) {
  OuterSplit S = outer_split(B);
  std::vector<double> part(S.nrc > 1 ? (size_t)(S.units * S.nrc * kColBlock) : 0, 0.0);
  std::fill(acc, acc + B.nKout * B.Kin, 0.0);
  parallel_for(S.units * S.nrc, 1, [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      int64_t unit = u / S.nrc, rc = u % S.nrc, ko = unit / S.ncb, j0 = (unit % S.ncb) * kColBlock;
      int64_t w = std::min(kColBlock, B.Kin - j0);
      int64_t r0 = B.nR * rc / S.nrc, r1 = B.nR * (rc + 1) / S.nrc;
      double* a = S.nrc > 1 ? &part[(size_t)(u * kColBlock)] : acc + ko * B.Kin + j0;
      const double* cc = c ? c + ko * B.Kin + j0 : nullptr;
      for_rows(B, x, ko, j0, r0, r1, [&](const float* p, int64_t rows, int64_t) { t->sum_cols(f, a, p, B.rstride, rows, w, cc); });
    }
  });
  if (S.nrc > 1) {
    for (int64_t unit = 0; unit < S.units; ++unit) {
      int64_t ko = unit / S.ncb, j0 = (unit % S.ncb) * kColBlock, w = std::min(kColBlock, B.Kin - j0);
      for (int64_t rc = 0; rc < S.nrc; ++rc)
        for (int64_t j = 0; j < w; ++j) acc[ko * B.Kin + j0 + j] += part[(size_t)((unit * S.nrc + rc) * kColBlock + j)];
    }
  }
}

bool is_max_kind(ExtKind f) { return f == ExtKind::max || f == ExtKind::absmax; }

// best/idx[ko*Kin + j] = extremum of f over rows and its first row index (NaN first and sticky).
void outer_ext(const ReduceF32* t, const Outer& B, const float* x, ExtKind f, float* best, int32_t* idx) {
  OuterSplit S = outer_split(B);
  const float id = is_max_kind(f) ? -INFINITY : INFINITY;
  const int64_t n = B.nKout * B.Kin;
  std::fill(best, best + n, id);
  if (idx) std::fill(idx, idx + n, 0);
  std::vector<float> pb(S.nrc > 1 ? (size_t)(S.units * S.nrc * kColBlock) : 0, id);
  std::vector<int32_t> pi(S.nrc > 1 && idx ? (size_t)(S.units * S.nrc * kColBlock) : 0, 0);
  parallel_for(S.units * S.nrc, 1, [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      int64_t unit = u / S.nrc, rc = u % S.nrc, ko = unit / S.ncb, j0 = (unit % S.ncb) * kColBlock;
      int64_t w = std::min(kColBlock, B.Kin - j0);
      int64_t r0 = B.nR * rc / S.nrc, r1 = B.nR * (rc + 1) / S.nrc;
      float* bb = S.nrc > 1 ? &pb[(size_t)(u * kColBlock)] : best + ko * B.Kin + j0;
      int32_t* ii = !idx ? nullptr : S.nrc > 1 ? &pi[(size_t)(u * kColBlock)] : idx + ko * B.Kin + j0;
      for_rows(B, x, ko, j0, r0, r1, [&](const float* p, int64_t rows, int64_t r) { t->ext_cols(f, bb, ii, p, B.rstride, rows, w, (int32_t)r); });
    }
  });
  if (S.nrc > 1) {
    const bool mx = is_max_kind(f);
    for (int64_t unit = 0; unit < S.units; ++unit) {
      int64_t ko = unit / S.ncb, j0 = (unit % S.ncb) * kColBlock, w = std::min(kColBlock, B.Kin - j0);
      for (int64_t rc = 0; rc < S.nrc; ++rc) {
        for (int64_t j = 0; j < w; ++j) {
          size_t q = (size_t)((unit * S.nrc + rc) * kColBlock + j);
          float& cur = best[ko * B.Kin + j0 + j];
          float v = pb[q];
          bool take = std::isnan(cur) ? false : std::isnan(v) ? true : (mx ? v > cur : v < cur);
          if (take) { cur = v; if (idx) idx[ko * B.Kin + j0 + j] = pi[q]; }
        }
      }
    }
  }
}

// ---- op implementations ---------------------------------------------------------------------------

double var_result(double ss, double n, double corr) {
  double den = n - corr;
  return den > 0 ? ss / den : (den == 0 && ss == 0 ? NAN : ss / den);
}

bool norm_supported(double p) { return p == 0 || p == 1 || p == 2 || std::isinf(p); }

// Results are written as doubles into res (nK) and as indices into ires (nK) for arg ops.
bool run_inner(const ReduceF32* t, ReduceOp op, const Inner& A, const float* x, double param, double* res, int64_t* ires, float* vres) {
  const double nR = (double)(A.L * A.nruns);
  auto plus = [](double a, double b) { return a + b; };
  auto sum_of = [&](SumKind f, const double* c, double* dst) {
    inner_reduce<double>(A, x, 0.0, dst, [&](int64_t i, const float* p, int64_t n, int64_t) { return t->sum(f, p, n, c ? c[i] : 0.0); }, plus);
  };
  auto ext_of = [&](ExtKind f, Ext* dst) {
    const float id = is_max_kind(f) ? -INFINITY : INFINITY;
    const bool mx = is_max_kind(f);
    inner_reduce<Ext>(A, x, Ext{id, false}, dst, [&](int64_t, const float* p, int64_t n, int64_t) { Ext e{0, false}; e.v = t->ext(f, p, n, &e.nan); return e; },
                      [mx](Ext a, Ext b) { return Ext{mx ? std::max(a.v, b.v) : std::min(a.v, b.v), a.nan || b.nan}; });
  };
  switch (op) {
    case ReduceOp::sum: case ReduceOp::mean:
      sum_of(SumKind::x, nullptr, res);
      if (op == ReduceOp::mean) for (int64_t i = 0; i < A.nK; ++i) res[i] /= nR;
      return true;
    case ReduceOp::var: {
      std::vector<double> mean((size_t)A.nK);
      sum_of(SumKind::x, nullptr, mean.data());
      for (auto& m : mean) m /= nR;
      sum_of(SumKind::sqdev, mean.data(), res);
      for (int64_t i = 0; i < A.nK; ++i) res[i] = var_result(res[i], nR, param);
      return true;
    }
    case ReduceOp::norm: {
      if (std::isinf(param)) {
        std::vector<Ext> e((size_t)A.nK);
        ext_of(param > 0 ? ExtKind::absmax : ExtKind::absmin, e.data());
        for (int64_t i = 0; i < A.nK; ++i) res[i] = e[i].nan ? NAN : e[i].v;
        return true;
      }
      SumKind f = param == 0 ? SumKind::nonzero : param == 1 ? SumKind::abs : SumKind::sq;
      sum_of(f, nullptr, res);
      if (param == 2) for (int64_t i = 0; i < A.nK; ++i) res[i] = std::sqrt(res[i]);
      return true;
    }
    case ReduceOp::logsumexp: {
      std::vector<Ext> e((size_t)A.nK);
      ext_of(ExtKind::max, e.data());
      std::vector<double> m((size_t)A.nK);
      for (int64_t i = 0; i < A.nK; ++i) m[(size_t)i] = e[i].nan ? NAN : e[i].v;
      sum_of(SumKind::exp_c, m.data(), res);
      for (int64_t i = 0; i < A.nK; ++i) res[i] = (std::isnan(m[i]) || std::isinf(m[i])) ? m[i] : m[i] + std::log(res[i]);
      return true;
    }
    case ReduceOp::amax: case ReduceOp::amin: case ReduceOp::argmax: case ReduceOp::argmin: {
      bool mx = op == ReduceOp::amax || op == ReduceOp::argmax;
      std::vector<Ext> e((size_t)A.nK);
      ext_of(mx ? ExtKind::max : ExtKind::min, e.data());
      for (int64_t i = 0; i < A.nK; ++i) {
        float v = e[i].nan ? NAN : e[i].v;
        if (vres) vres[i] = v;
        if (res) res[i] = v;
      }
      if (ires) {
        inner_reduce<int64_t>(A, x, (int64_t)-1, ires, [&](int64_t i, const float* p, int64_t n, int64_t first) {
          int64_t k = t->find(p, n, e[i].nan ? NAN : e[i].v);
          return k < 0 ? (int64_t)-1 : first + k;
        }, [](int64_t a, int64_t b) { return a >= 0 ? a : b; });
      }
      return true;
    }
    default: return false;
  }
}

bool run_outer(const ReduceF32* t, ReduceOp op, const Outer& B, const float* x, double param, double* res, int64_t* ires, float* vres) {
  const int64_t n = B.nKout * B.Kin;
  const double nR = (double)B.nR;
  switch (op) {
    case ReduceOp::sum: case ReduceOp::mean:
      outer_sum(t, B, x, SumKind::x, nullptr, res);
      if (op == ReduceOp::mean) for (int64_t i = 0; i < n; ++i) res[i] /= nR;
      return true;
    case ReduceOp::var: {
      std::vector<double> mean((size_t)n);
      outer_sum(t, B, x, SumKind::x, nullptr, mean.data());
      for (auto& m : mean) m /= nR;
      outer_sum(t, B, x, SumKind::sqdev, mean.data(), res);
      for (int64_t i = 0; i < n; ++i) res[i] = var_result(res[i], nR, param);
      return true;
    }
    case ReduceOp::norm: {
      if (std::isinf(param)) {
        std::vector<float> b((size_t)n);
        outer_ext(t, B, x, param > 0 ? ExtKind::absmax : ExtKind::absmin, b.data(), nullptr);
        for (int64_t i = 0; i < n; ++i) res[i] = b[i];
        return true;
      }
      outer_sum(t, B, x, param == 0 ? SumKind::nonzero : param == 1 ? SumKind::abs : SumKind::sq, nullptr, res);
      if (param == 2) for (int64_t i = 0; i < n; ++i) res[i] = std::sqrt(res[i]);
      return true;
    }
    case ReduceOp::logsumexp: {
      std::vector<float> b((size_t)n);
      outer_ext(t, B, x, ExtKind::max, b.data(), nullptr);
      std::vector<double> m(b.begin(), b.end());
      outer_sum(t, B, x, SumKind::exp_c, m.data(), res);
      for (int64_t i = 0; i < n; ++i) res[i] = (std::isnan(m[i]) || std::isinf(m[i])) ? m[i] : m[i] + std::log(res[i]);
      return true;
    }
    case ReduceOp::amax: case ReduceOp::amin: case ReduceOp::argmax: case ReduceOp::argmin: {
      bool mx = op == ReduceOp::amax || op == ReduceOp::argmax;
      std::vector<float> b((size_t)n);
      std::vector<int32_t> ix(ires ? (size_t)n : 0);
      outer_ext(t, B, x, mx ? ExtKind::max : ExtKind::min, b.data(), ires ? ix.data() : nullptr);
      for (int64_t i = 0; i < n; ++i) {
        if (vres) vres[i] = b[i];
        if (res) res[i] = b[i];
        if (ires) ires[i] = ix[i];
      }
      return true;
    }
    default: return false;
  }
}

bool fast_supported(ReduceOp op, double param) {
  switch (op) {
    case ReduceOp::sum: case ReduceOp::mean: case ReduceOp::var: case ReduceOp::logsumexp:
    case ReduceOp::amax: case ReduceOp::amin: case ReduceOp::argmax: case ReduceOp::argmin: return true;
    case ReduceOp::norm: return norm_supported(param);
    default: return false;
  }
}

// Plans and runs a float32 reduction; false when neither layout applies (caller falls back).
// Writes float results to vals (nK floats) or, for arg ops, int64 indices to idx.
bool reduce_f32(ReduceOp op, const View& x, int nkept, double param, float* vals, int64_t* idx) {
  const ReduceF32* t = f32_table();
  if (!t || x.dtype != DType::f32 || x.numel == 0 || !fast_supported(op, param)) return false;
  View K = coalesce(x, 0, nkept), R = coalesce(x, nkept, x.ndim);
  if (R.ndim == 0) return false;
  const float* xp = x.ptr<float>();
  const bool arg = op == ReduceOp::argmax || op == ReduceOp::argmin;
  std::vector<double> res(arg ? 0 : (size_t)K.numel);
  if (R.strides[R.ndim - 1] == 1 && R.shape[R.ndim - 1] >= kMinRun) {
    Inner A;
    A.kept = K;
    A.runs = drop_last(R);
    A.L = R.shape[R.ndim - 1];
    A.nruns = A.runs.numel;
    A.nK = K.numel;
    if (!run_inner(t, op, A, xp, param, arg ? nullptr : res.data(), idx, arg ? nullptr : vals)) return false;
  } else if (K.ndim > 0 && K.strides[K.ndim - 1] == 1 && K.shape[K.ndim - 1] >= kMinRun && R.numel < (int64_t)1 << 31) {
    Outer B;
    B.kout = drop_last(K);
    B.Kin = K.shape[K.ndim - 1];
    B.nKout = B.kout.numel;
    B.rout = drop_last(R);
    B.rlast = R.shape[R.ndim - 1];
    B.rstride = R.strides[R.ndim - 1];
    B.nR = R.numel;
    if (!run_outer(t, op, B, xp, param, arg ? nullptr : res.data(), idx, arg ? nullptr : vals)) return false;
  } else {
    return false;
  }
  if (!arg && vals && op != ReduceOp::amax && op != ReduceOp::amin)
    for (size_t i = 0; i < res.size(); ++i) vals[i] = (float)res[i];
  return true;
}

}  // namespace

void reduce(ReduceOp op, const View& out, const View& x, int nkept, double param) {
  if (out.numel == 0) return;
  if (active_isa() == Isa::kRef) return reduce_ref(op, out, x, nkept, param);
  const bool arg = op == ReduceOp::argmax || op == ReduceOp::argmin;
  if (x.dtype == DType::f32 && out.dtype == (arg ? DType::i64 : DType::f32)) {
    if (reduce_f32(op, x, nkept, param, arg ? nullptr : out.ptr<float>(), arg ? out.ptr<int64_t>() : nullptr)) return;
  }
  reduce_generic(op, out, x, nkept, param);
}

void reduce_minmax(bool is_max, const View& values, const View& indices, const View& x, int nkept) {
  if (values.numel == 0) return;
  if (active_isa() == Isa::kRef) return reduce_minmax_ref(is_max, values, indices, x, nkept);
  ReduceOp vop = is_max ? ReduceOp::amax : ReduceOp::amin, iop = is_max ? ReduceOp::argmax : ReduceOp::argmin;
  if (x.dtype == DType::f32 && values.dtype == DType::f32) {
    if (reduce_f32(vop, x, nkept, 0, values.ptr<float>(), nullptr) && reduce_f32(iop, x, nkept, 0, nullptr, indices.ptr<int64_t>())) return;
  }
  reduce_generic(vop, values, x, nkept, 0);
  reduce_generic(iop, indices, x, nkept, 0);
}

}  // namespace nr
