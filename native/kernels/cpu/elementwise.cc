// Fast elementwise dispatch: contiguous float32 goes to the widest ISA's SIMD kernels; everything
// else runs a threaded strided loop over the same scalar definitions as the reference.
#include "nr/kernels/dispatch.h"
#include "nr/kernels/elementwise.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

constexpr int64_t kGrain = 1 << 14;

const ElementwiseF32* f32_table() {
  switch (active_isa()) {
    case Isa::kAvx512: return elementwise_f32_avx512() ? elementwise_f32_avx512() : elementwise_f32_avx2();
    case Isa::kAvx2: return elementwise_f32_avx2();
    default: return nullptr;
  }
}

bool contiguous_f32(const View& out, const View& x) {
  return out.dtype == DType::f32 && x.dtype == DType::f32 && out.is_contiguous() && x.is_contiguous();
}

template <typename T, typename O>
void unary_par(UnaryOp op, const View& out, const View& x, double a, double b) {
  parallel_for(out.numel, kGrain, [&](int64_t s, int64_t e) {
    StridedIter oi(out, s), xi(x, s);
    for (int64_t i = s; i < e; ++i, oi.next(), xi.next())
      out.ptr<O>()[oi.off] = (O)unary_scalar<T>(op, x.ptr<T>()[xi.off], a, b);
  });
}

template <typename T, typename O>
void binary_par(BinaryOp op, const View& out, const View& x, const View& y, double a, double b) {
  parallel_for(out.numel, kGrain, [&](int64_t s, int64_t e) {
    StridedIter oi(out, s), xi(x, s), yi(y, s);
    for (int64_t i = s; i < e; ++i, oi.next(), xi.next(), yi.next())
      out.ptr<O>()[oi.off] = (O)binary_scalar<T>(op, x.ptr<T>()[xi.off], y.ptr<T>()[yi.off], a, b);
  });
}

template <typename T, typename O>
void binary_scalar_par(BinaryOp op, const View& out, const View& x, double y, double a, double b) {
  T ys = (T)y;
  parallel_for(out.numel, kGrain, [&](int64_t s, int64_t e) {
    StridedIter oi(out, s), xi(x, s);
    for (int64_t i = s; i < e; ++i, oi.next(), xi.next())
      out.ptr<O>()[oi.off] = (O)binary_scalar<T>(op, x.ptr<T>()[xi.off], ys, a, b);
  });
}

// Runs a contiguous f32 SIMD kernel over chunks on the pool; false if the table lacks the op.
template <typename F>
bool run_f32(int64_t n, F&& chunk_fn) {
  bool ok = true;
  // Probe with an empty range first so an unsupported op costs nothing.
  if (!chunk_fn(0, 0)) return false;
  parallel_for(n, kGrain, [&](int64_t s, int64_t e) { if (!chunk_fn(s, e)) ok = false; });
  return ok;
}

}  // namespace

void unary(UnaryOp op, const View& out, const View& x, double a, double b) {
  if (out.numel == 0) return;
  if (active_isa() == Isa::kRef) return unary_ref(op, out, x, a, b);
  if (contiguous_f32(out, x)) {
    if (const ElementwiseF32* t = f32_table()) {
      float* o = out.ptr<float>(); const float* xp = x.ptr<float>();
      if (run_f32(out.numel, [&](int64_t s, int64_t e) { return t->unary(op, o + s, xp + s, e - s, (float)a, (float)b); })) return;
    }
  }
  bool pred = unary_is_predicate(op);
  NR_DISPATCH_ARITH(x.dtype, T, {
    if (pred) unary_par<T, uint8_t>(op, out, x, a, b);
    else unary_par<T, T>(op, out, x, a, b);
  });
}

void binary(BinaryOp op, const View& out, const View& x, const View& y, double a, double b) {
  if (out.numel == 0) return;
  if (active_isa() == Isa::kRef) return binary_ref(op, out, x, y, a, b);
  if (contiguous_f32(out, x) && y.dtype == DType::f32 && y.is_contiguous()) {
    if (const ElementwiseF32* t = f32_table()) {
      float* o = out.ptr<float>(); const float* xp = x.ptr<float>(); const float* yp = y.ptr<float>();
      if (run_f32(out.numel, [&](int64_t s, int64_t e) { return t->binary(op, o + s, xp + s, yp + s, e - s, (float)a, (float)b); })) return;
    }
  }
  bool cmp = binary_is_compare(op);
  NR_DISPATCH_ARITH(x.dtype, T, {
    if (cmp) binary_par<T, uint8_t>(op, out, x, y, a, b);
    else binary_par<T, T>(op, out, x, y, a, b);
  });
}

void binary_scalar_rhs(BinaryOp op, const View& out, const View& x, double y, double a, double b) {
  if (out.numel == 0) return;
  if (active_isa() == Isa::kRef) return binary_scalar_rhs_ref(op, out, x, y, a, b);
  if (contiguous_f32(out, x)) {
    if (const ElementwiseF32* t = f32_table()) {
      float* o = out.ptr<float>(); const float* xp = x.ptr<float>();
      if (run_f32(out.numel, [&](int64_t s, int64_t e) { return t->binary_scalar(op, o + s, xp + s, (float)y, e - s, (float)a, (float)b); })) return;
    }
  }
  bool cmp = binary_is_compare(op);
  NR_DISPATCH_ARITH(x.dtype, T, {
    if (cmp) binary_scalar_par<T, uint8_t>(op, out, x, y, a, b);
    else binary_scalar_par<T, T>(op, out, x, y, a, b);
  });
}

void where_select(const View& out, const View& cond, const View& x, const View& y) {
  if (out.numel == 0) return;
  const int64_t sz = dtype_size(out.dtype);
  parallel_for(out.numel, kGrain, [&](int64_t s, int64_t e) {
    StridedIter oi(out, s), ci(cond, s), xi(x, s), yi(y, s);
    for (int64_t i = s; i < e; ++i, oi.next(), ci.next(), xi.next(), yi.next()) {
      const char* src = cond.ptr<uint8_t>()[ci.off] ? x.data + xi.off * sz : y.data + yi.off * sz;
      char* dst = out.data + oi.off * sz;
      for (int64_t k = 0; k < sz; ++k) dst[k] = src[k];
    }
  });
}

}  // namespace nr
