// Scalar reference optimizer updates (the oracle): one strided, single-threaded walk per parameter,
// written straight from the formulas in nr/kernels/optim.h.
#include <cmath>
#include "nr/kernels/optim.h"

namespace nr {

namespace {

// Walks several same-shaped views in lockstep; at(k) is the element offset in view k.
template <int N>
struct Walk {
  StridedIter it[N];
  template <typename... V>
  explicit Walk(const V&... v) : it{StridedIter(v)...} {}
  void next() { for (auto& i : it) i.next(); }
};

template <typename T> T& at(const View& v, int64_t off) { return v.ptr<T>()[off]; }

template <typename T>
T nan_max(T a, T b) { return (std::isnan(a) || a > b) ? a : b; }

template <typename T>
void sgd(const View& P, const View& G, const View& B, const SgdArgs& a) {
  const bool mom = a.momentum != 0, wd = a.weight_decay != 0;
  const T twd = (T)a.weight_decay, tm = (T)a.momentum, tdamp = (T)(1 - a.dampening), tlr = (T)(-a.lr);
  Walk<3> w(P, G, mom ? B : P);
  for (int64_t i = 0; i < P.numel; ++i, w.next()) {
    T& p = at<T>(P, w.it[0].off);
    T d = at<T>(G, w.it[1].off);
    if (a.maximize) d = -d;
    if (wd) d = d + twd * p;
    if (mom) {
      T& b = at<T>(B, w.it[2].off);
      b = a.first ? d : b * tm + tdamp * d;
      d = a.nesterov ? d + tm * b : b;
    }
    p = p + tlr * d;
  }
}

template <typename T>
void adam(const View& P, const View& G, const View& M, const View& V, const View& VM, const AdamArgs& a) {
  const bool l2 = !a.decoupled && a.weight_decay != 0;
  const T twd = (T)a.weight_decay, dmul = (T)a.decay_mul, b1 = (T)a.beta1, b2 = (T)a.beta2;
  const T c1 = (T)(1 - a.beta1), c2 = (T)(1 - a.beta2), bc2s = (T)a.bc2_sqrt, eps = (T)a.eps, nss = (T)(-a.step_size);
  Walk<5> w(P, G, M, V, a.amsgrad ? VM : P);
  for (int64_t i = 0; i < P.numel; ++i, w.next()) {
    T& p = at<T>(P, w.it[0].off);
    T& m = at<T>(M, w.it[2].off);
    T& v = at<T>(V, w.it[3].off);
    T d = at<T>(G, w.it[1].off);
    if (a.maximize) d = -d;
    if (a.decoupled) p = p * dmul;
    else if (l2) d = d + twd * p;
    m = m * b1 + c1 * d;
    v = v * b2 + c2 * d * d;
    T vv = v;
    if (a.amsgrad) {
      T& vm = at<T>(VM, w.it[4].off);
      vm = nan_max(vm, v);
      vv = vm;
    }
    T denom = std::sqrt(vv) / bc2s + eps;
    p = p + nss * (m / denom);
  }
}

template <typename T>
void rmsprop(const View& P, const View& G, const View& SQ, const View& GA, const View& B, const RmspropArgs& a) {
  const bool wd = a.weight_decay != 0, mom = a.momentum > 0;
  const T twd = (T)a.weight_decay, al = (T)a.alpha, c = (T)(1 - a.alpha), eps = (T)a.eps, tm = (T)a.momentum, nlr = (T)(-a.lr);
  Walk<5> w(P, G, SQ, a.centered ? GA : P, mom ? B : P);
  for (int64_t i = 0; i < P.numel; ++i, w.next()) {
    T& p = at<T>(P, w.it[0].off);
    T& sq = at<T>(SQ, w.it[2].off);
    T d = at<T>(G, w.it[1].off);
    if (a.maximize) d = -d;
    if (wd) d = d + twd * p;
    sq = sq * al + c * d * d;
    T avg;
    if (a.centered) {
      T& ga = at<T>(GA, w.it[3].off);
      ga = ga * al + c * d;
      avg = std::sqrt(sq + (T)(-1) * ga * ga);
    } else {
      avg = std::sqrt(sq);
    }
    avg = avg + eps;
    if (mom) {
      T& b = at<T>(B, w.it[4].off);
      b = b * tm + d / avg;
      p = p + nlr * b;
    } else {
      p = p + nlr * (d / avg);
    }
  }
}

template <typename T>
void adagrad(const View& P, const View& G, const View& S, const AdagradArgs& a) {
  const bool wd = a.weight_decay != 0;
  const T twd = (T)a.weight_decay, eps = (T)a.eps, nclr = (T)(-a.clr);
  Walk<3> w(P, G, S);
  for (int64_t i = 0; i < P.numel; ++i, w.next()) {
    T& p = at<T>(P, w.it[0].off);
    T& s = at<T>(S, w.it[2].off);
    T d = at<T>(G, w.it[1].off);
    if (a.maximize) d = -d;
    if (wd) d = d + twd * p;
    s = s + d * d;
    p = p + nclr * (d / (std::sqrt(s) + eps));
  }
}

// The LAMB update direction u for one element, from the already-updated moments.
template <typename T>
T lamb_update(T m, T v, T p, const LambArgs& a) {
  T u = (m / (T)a.bc1) / (std::sqrt(v / (T)a.bc2) + (T)a.eps);
  if (a.decoupled) u = u + (T)a.weight_decay * p;
  return u;
}

template <typename T>
void lamb1(const View& P, const View& G, const View& M, const View& V, const LambArgs& a, double sums[2]) {
  const T b1 = (T)a.beta1, b2 = (T)a.beta2, b3 = (T)a.beta3, c2 = (T)(1 - a.beta2), div = (T)a.grad_div, twd = (T)a.weight_decay;
  double psq = 0, usq = 0;
  Walk<4> w(P, G, M, V);
  for (int64_t i = 0; i < P.numel; ++i, w.next()) {
    T p = at<T>(P, w.it[0].off);
    T& m = at<T>(M, w.it[2].off);
    T& v = at<T>(V, w.it[3].off);
    T s = at<T>(G, w.it[1].off);
    if (a.maximize) s = -s;
    s = s / div;
    if (!a.decoupled) s = s + twd * p;
    m = m * b1 + b3 * s;
    v = v * b2 + c2 * s * s;
    T u = lamb_update<T>(m, v, p, a);
    psq += (double)p * (double)p;
    usq += (double)u * (double)u;
  }
  sums[0] = psq;
  sums[1] = usq;
}

template <typename T>
void lamb2(const View& P, const View& M, const View& V, const LambArgs& a) {
  const T r = (T)a.ratio;
  Walk<3> w(P, M, V);
  for (int64_t i = 0; i < P.numel; ++i, w.next()) {
    T& p = at<T>(P, w.it[0].off);
    p = p - r * lamb_update<T>(at<T>(M, w.it[1].off), at<T>(V, w.it[2].off), p, a);
  }
}

template <typename T>
double sum_pow(const View& X, double pw) {
  StridedIter it(X);
  double acc = 0;
  for (int64_t i = 0; i < X.numel; ++i, it.next()) {
    double x = std::fabs((double)at<T>(X, it.off));
    if (std::isinf(pw)) acc = (std::isnan(x) || x > acc) ? x : acc;
    else if (pw == 2) acc += x * x;
    else if (pw == 1) acc += x;
    else acc += std::pow(x, pw);
  }
  return acc;
}

}  // namespace

#define NR_OPTIM_FLOAT(dt, call) \
  do { if ((dt) == DType::f64) { using T = double; call; } else { using T = float; call; } } while (0)

void optim_sgd_ref(const View& p, const View& g, const View& buf, const SgdArgs& a) {
  NR_OPTIM_FLOAT(p.dtype, sgd<T>(p, g, buf, a));
}
void optim_adam_ref(const View& p, const View& g, const View& m, const View& v, const View& vmax, const AdamArgs& a) {
  NR_OPTIM_FLOAT(p.dtype, adam<T>(p, g, m, v, vmax, a));
}
void optim_rmsprop_ref(const View& p, const View& g, const View& sq, const View& gavg, const View& buf, const RmspropArgs& a) {
  NR_OPTIM_FLOAT(p.dtype, rmsprop<T>(p, g, sq, gavg, buf, a));
}
void optim_adagrad_ref(const View& p, const View& g, const View& sum, const AdagradArgs& a) {
  NR_OPTIM_FLOAT(p.dtype, adagrad<T>(p, g, sum, a));
}
void optim_lamb_stage1_ref(const View& p, const View& g, const View& m, const View& v, const LambArgs& a, double sums[2]) {
  NR_OPTIM_FLOAT(p.dtype, lamb1<T>(p, g, m, v, a, sums));
}
void optim_lamb_stage2_ref(const View& p, const View& m, const View& v, const LambArgs& a) {
  NR_OPTIM_FLOAT(p.dtype, lamb2<T>(p, m, v, a));
}
double optim_sum_pow_ref(const View& x, double pw) {
  double r = 0;
  NR_OPTIM_FLOAT(x.dtype, r = sum_pow<T>(x, pw));
  return r;
}

}  // namespace nr
