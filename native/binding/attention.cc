// Binding for fused scaled-dot-product attention forward/backward: checks every shape.
#include "binding/binding.h"
#include "nr/kernels/attention.h"

namespace nr {

namespace {

struct Args {
  AttnShape s;
  bool has_mask;
};

Args read_params(ArgReader& r) {
  Args a;
  a.s.B = r.i64(); a.s.H = r.i64(); a.s.L = r.i64(); a.s.S = r.i64(); a.s.E = r.i64(); a.s.Ev = r.i64();
  a.s.scale = r.num();
  a.s.causal = r.num() != 0;
  a.s.dropout_p = r.num();
  a.s.seed = (uint64_t)r.num() | ((uint64_t)r.num() << 32);
  a.s.offset = (uint64_t)r.num();
  a.has_mask = r.num() != 0;
  return a;
}

void check3(ArgReader& r, const View& v, int64_t a, int64_t b, int64_t c, DType dt, const char* what) {
  if (v.ndim != 3 || v.shape[0] != a || v.shape[1] != b || v.shape[2] != c || !v.is_contiguous() || v.dtype != dt)
    throw_range(r.env(), std::string("scaledDotProductAttention: ") + what + " " + shape_str(v) + " does not match (" +
                std::to_string(a) + ", " + std::to_string(b) + ", " + std::to_string(c) + ")");
}

void check_common(ArgReader& r, const Args& a, const View& q, const View& k, const View& v, const View* m) {
  const AttnShape& s = a.s;
  if (s.B < 0 || s.H < 1 || s.L < 0 || s.S < 0 || s.E < 1 || s.Ev < 1 || !(s.dropout_p >= 0 && s.dropout_p < 1))
    throw_range(r.env(), "scaledDotProductAttention: invalid geometry or dropout");
  if (q.dtype != DType::f32 && q.dtype != DType::f64) throw_type(r.env(), "scaledDotProductAttention: float32 or float64 only on the CPU");
  check3(r, q, s.B * s.H, s.L, s.E, q.dtype, "query");
  check3(r, k, s.B * s.H, s.S, s.E, q.dtype, "key");
  check3(r, v, s.B * s.H, s.S, s.Ev, q.dtype, "value");
  if (m) {
    if (m->ndim != 4 || m->shape[0] != s.B || m->shape[1] != s.H || m->shape[2] != s.L || m->shape[3] != s.S)
      throw_range(r.env(), "scaledDotProductAttention: mask " + shape_str(*m) + " must broadcast to (B, H, L, S)");
    if (m->dtype != DType::b8 && m->dtype != DType::f32 && m->dtype != DType::f64) throw_type(r.env(), "scaledDotProductAttention: mask must be bool or float");
  }
}

}  // namespace

// attentionForward(q, k, v, out, lse[, mask]) args: params, q, k, v, out, lse, [mask]
NR_BINDING(attentionForward) {
  ArgReader r(info, "scaledDotProductAttention");
  Args a = read_params(r);
  View q = r.view(0), k = r.view(1), v = r.view(2), out = r.view(3), lse = r.view(4);
  View mask;
  if (a.has_mask) mask = r.view(5);
  const View* m = a.has_mask ? &mask : nullptr;
  check_common(r, a, q, k, v, m);
  check3(r, out, a.s.B * a.s.H, a.s.L, a.s.Ev, q.dtype, "output");
  if (lse.numel != a.s.B * a.s.H * a.s.L || !lse.is_contiguous() || lse.dtype != q.dtype) throw_range(info.Env(), "scaledDotProductAttention: bad lse buffer");
  attention_forward(a.s, q, k, v, m, out, lse);
  return info.Env().Undefined();
}

// attentionBackward(q, k, v, out, lse, dout, dq, dk, dv[, mask]) args: params, views in that order
NR_BINDING(attentionBackward) {
  ArgReader r(info, "scaledDotProductAttention backward");
  Args a = read_params(r);
  View q = r.view(0), k = r.view(1), v = r.view(2), out = r.view(3), lse = r.view(4), go = r.view(5), dq = r.view(6), dk = r.view(7), dv = r.view(8);
  View mask;
  if (a.has_mask) mask = r.view(9);
  const View* m = a.has_mask ? &mask : nullptr;
  check_common(r, a, q, k, v, m);
  const int64_t BH = a.s.B * a.s.H;
  check3(r, out, BH, a.s.L, a.s.Ev, q.dtype, "output");
  check3(r, go, BH, a.s.L, a.s.Ev, q.dtype, "output gradient");
  check3(r, dq, BH, a.s.L, a.s.E, q.dtype, "query gradient");
  check3(r, dk, BH, a.s.S, a.s.E, q.dtype, "key gradient");
  check3(r, dv, BH, a.s.S, a.s.Ev, q.dtype, "value gradient");
  if (lse.numel != BH * a.s.L || !lse.is_contiguous() || lse.dtype != q.dtype) throw_range(info.Env(), "scaledDotProductAttention: bad lse buffer");
  attention_backward(a.s, q, k, v, m, out, lse, go, dq, dk, dv);
  return info.Env().Undefined();
}

}  // namespace nr
