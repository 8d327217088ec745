// Reference attention: for each (bh, i) materialise the score row, softmax in double, then the
// weighted sum; backward from the same rows. O(L*S) memory per row only; the oracle for the fused
// kernel. Layouts as in attention.h.
#include <cmath>
#include <vector>
#include "nr/kernels/attention.h"
#include "nr/kernels/dispatch.h"
#include "nr/philox.h"

namespace nr {

namespace {

inline double keep_scale(const AttnShape& s, int64_t bh, int64_t i, int64_t j) {
  if (s.dropout_p <= 0) return 1.0;
  float u = philox_uniform(s.seed, s.offset, (uint64_t)((bh * s.L + i) * s.S + j));
  return u >= (float)s.dropout_p ? 1.0 / (1.0 - s.dropout_p) : 0.0;
}

// Softmax probabilities of row (bh, i) into p; returns the log-sum-exp (-inf if nothing allowed).
template <typename T>
double row_probs(const AttnShape& s, const T* q, const T* k, const View* mask, int64_t bh, int64_t i, std::vector<double>& p) {
  double m = -INFINITY;
  for (int64_t j = 0; j < s.S; ++j) {
    double acc = 0;
    for (int64_t e = 0; e < s.E; ++e) acc += (double)q[(bh * s.L + i) * s.E + e] * (double)k[(bh * s.S + j) * s.E + e];
    p[j] = acc * s.scale + attn_mask_bias(s, mask, bh, i, j);
    if (p[j] > m) m = p[j];
  }
  if (m == -INFINITY) { for (auto& x : p) x = 0; return -INFINITY; }
  double l = 0;
  for (int64_t j = 0; j < s.S; ++j) { p[j] = std::exp(p[j] - m); l += p[j]; }
  for (int64_t j = 0; j < s.S; ++j) p[j] /= l;
  return m + std::log(l);
}

template <typename T>
void fwd(const AttnShape& s, const T* q, const T* k, const T* v, const View* mask, T* out, T* lse) {
  std::vector<double> p(s.S);
  for (int64_t bh = 0; bh < s.B * s.H; ++bh)
    for (int64_t i = 0; i < s.L; ++i) {
      lse[bh * s.L + i] = (T)row_probs(s, q, k, mask, bh, i, p);
      for (int64_t c = 0; c < s.Ev; ++c) {
        double acc = 0;
        for (int64_t j = 0; j < s.S; ++j) acc += p[j] * keep_scale(s, bh, i, j) * (double)v[(bh * s.S + j) * s.Ev + c];
        out[(bh * s.L + i) * s.Ev + c] = (T)acc;
      }
    }
}

template <typename T>
void bwd(const AttnShape& s, const T* q, const T* k, const T* v, const View* mask, const T* dout, T* dq, T* dk, T* dv) {
  std::vector<double> p(s.S), dp(s.S);
  const int64_t BH = s.B * s.H;
  for (int64_t x = 0; x < BH * s.L * s.E; ++x) dq[x] = 0;
  for (int64_t x = 0; x < BH * s.S * s.E; ++x) dk[x] = 0;
  for (int64_t x = 0; x < BH * s.S * s.Ev; ++x) dv[x] = 0;
  for (int64_t bh = 0; bh < BH; ++bh)
    for (int64_t i = 0; i < s.L; ++i) {
      row_probs(s, q, k, mask, bh, i, p);
      const T* go = dout + (bh * s.L + i) * s.Ev;
      double dsum = 0;
      for (int64_t j = 0; j < s.S; ++j) {
        double kp = keep_scale(s, bh, i, j), acc = 0;
        for (int64_t c = 0; c < s.Ev; ++c) {
          acc += (double)go[c] * (double)v[(bh * s.S + j) * s.Ev + c];
          dv[(bh * s.S + j) * s.Ev + c] += (T)(p[j] * kp * (double)go[c]);
        }
        dp[j] = acc * kp;
        dsum += p[j] * dp[j];
      }
      for (int64_t j = 0; j < s.S; ++j) {
        double ds = p[j] * (dp[j] - dsum) * s.scale;
        if (ds == 0) continue;
        for (int64_t e = 0; e < s.E; ++e) {
          dq[(bh * s.L + i) * s.E + e] += (T)(ds * (double)k[(bh * s.S + j) * s.E + e]);
          dk[(bh * s.S + j) * s.E + e] += (T)(ds * (double)q[(bh * s.L + i) * s.E + e]);
        }
      }
    }
}

}  // namespace

void attention_forward_ref(const AttnShape& s, const View& q, const View& k, const View& v, const View* mask, const View& out, const View& lse) {
  NR_DISPATCH_FLOAT(q.dtype, T, fwd<T>(s, q.ptr<T>(), k.ptr<T>(), v.ptr<T>(), mask, out.ptr<T>(), lse.ptr<T>()));
}

void attention_backward_ref(const AttnShape& s, const View& q, const View& k, const View& v, const View* mask, const View&,
                            const View&, const View& dout, const View& dq, const View& dk, const View& dv) {
  NR_DISPATCH_FLOAT(q.dtype, T, bwd<T>(s, q.ptr<T>(), k.ptr<T>(), v.ptr<T>(), mask, dout.ptr<T>(), dq.ptr<T>(), dk.ptr<T>(), dv.ptr<T>()));
}

}  // namespace nr
