// Fast elementwise dispatch. float32 goes to the widest ISA's SIMD kernels whenever, after merging
// dims, the innermost run is contiguous in the output and contiguous or broadcast in each input:
// flat contiguous tensors, (M,N) op (N) row broadcast (bias add), (M,N) op (M,1) column broadcast,
// 0-d / scalar operands, and row slices of larger tensors. Everything else runs a threaded strided
// loop over the same scalar definitions as the reference.
#include "nr/kernels/dispatch.h"
#include "nr/kernels/elementwise.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

constexpr int64_t kGrain = 1 << 14;
// Runs shorter than this (in a tensor of several rows) cost more in per-row calls than they save.
constexpr int64_t kMinRun = 8;

const ElementwiseF32* f32_table() {
  switch (active_isa()) {
    case Isa::kAvx512: return elementwise_f32_avx512() ? elementwise_f32_avx512() : elementwise_f32_avx2();
    case Isa::kAvx2: return elementwise_f32_avx2();
    default: return nullptr;
  }
}

// Shape shared by up to three operands (out, x, y) with each one's strides, size-1 dims dropped
// and adjacent dims merged wherever every operand allows it.
struct Layout {
  int ndim = 0;
  int nops = 0;
  int64_t shape[kMaxDims];
  int64_t st[3][kMaxDims];
};

Layout coalesce(const View* const* ops, int nops) {
  Layout L;
  L.nops = nops;
  const View& o = *ops[0];
  for (int d = 0; d < o.ndim; ++d) {
    if (o.shape[d] == 1) continue;
    L.shape[L.ndim] = o.shape[d];
    for (int k = 0; k < nops; ++k) L.st[k][L.ndim] = ops[k]->strides[d];
    ++L.ndim;
  }
  // merge from the inside out: dim d folds into d+1 when stride[d] == stride[d+1] * shape[d+1] for all
  int w = L.ndim - 1;
  for (int d = L.ndim - 2; d >= 0; --d) {
    bool ok = true;
    for (int k = 0; k < nops; ++k) ok = ok && L.st[k][d] == L.st[k][w] * L.shape[w];
    if (ok) {
      L.shape[w] *= L.shape[d];
    } else {
      --w;
      L.shape[w] = L.shape[d];
      for (int k = 0; k < nops; ++k) L.st[k][w] = L.st[k][d];
    }
  }
  if (L.ndim > 0 && w > 0) {  // shift the merged dims [w, ndim) down to [0, ...)
    int n = L.ndim - w;
    for (int d = 0; d < n; ++d) {
      L.shape[d] = L.shape[d + w];
      for (int k = 0; k < nops; ++k) L.st[k][d] = L.st[k][d + w];
    }
    L.ndim = n;
  }
  if (L.ndim == 0) {  // one element
    L.ndim = 1;
    L.shape[0] = 1;
    for (int k = 0; k < nops; ++k) L.st[k][0] = 1;
  }
  return L;
}

// True when the innermost run suits the SIMD kernels: out stride 1, inputs stride 1 (or 0 when
// `allow_bcast`), and the run long enough to pay for a call per row.
bool run_ok(const Layout& L, bool allow_bcast) {
  int d = L.ndim - 1;
  if (L.st[0][d] != 1) return false;
  for (int k = 1; k < L.nops; ++k) {
    int64_t s = L.st[k][d];
    if (s != 1 && !(allow_bcast && s == 0)) return false;
  }
  return L.ndim == 1 || L.shape[d] >= kMinRun;
}

// Calls row(offsets[nops], col, len) for every piece of the innermost dim in [0, numel), split over
// threads; offsets are element offsets of each operand at (row, col).
template <typename F>
void for_each_run(const Layout& L, int64_t numel, F&& row) {
  const int64_t inner = L.shape[L.ndim - 1];
  View outer[3];
  for (int k = 0; k < L.nops; ++k) {
    outer[k].ndim = L.ndim - 1;
    for (int d = 0; d + 1 < L.ndim; ++d) { outer[k].shape[d] = L.shape[d]; outer[k].strides[d] = L.st[k][d]; }
  }
  parallel_for(numel, kGrain, [&](int64_t s, int64_t e) {
    int64_t r = s / inner, c = s % inner;
    StridedIter it0(outer[0], r), it1(outer[L.nops > 1 ? 1 : 0], r), it2(outer[L.nops > 2 ? 2 : 0], r);
    for (int64_t pos = s; pos < e; ++r) {
      int64_t len = inner - c < e - pos ? inner - c : e - pos;
      int64_t off[3] = {it0.off + c * L.st[0][L.ndim - 1], 0, 0};
      if (L.nops > 1) off[1] = it1.off + c * L.st[1][L.ndim - 1];
      if (L.nops > 2) off[2] = it2.off + c * L.st[2][L.ndim - 1];
      row(off, len);
      pos += len;
      c = 0;
      it0.next(); it1.next(); it2.next();
    }
  });
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

// float32 SIMD path for unary ops; false when the layout or the op is not covered.
bool unary_fast(UnaryOp op, const View& out, const View& x, double a, double b) {
  const ElementwiseF32* t = f32_table();
  if (!t || out.dtype != DType::f32 || x.dtype != DType::f32) return false;
  if (!t->unary(op, nullptr, nullptr, 0, (float)a, (float)b)) return false;  // probe: op supported?
  const View* ops[2] = {&out, &x};
  Layout L = coalesce(ops, 2);
  if (!run_ok(L, false)) return false;
  float* o = out.ptr<float>();
  const float* xp = x.ptr<float>();
  for_each_run(L, out.numel, [&](const int64_t* off, int64_t len) { t->unary(op, o + off[0], xp + off[1], len, (float)a, (float)b); });
  return true;
}

// float32 SIMD path for binary ops (arithmetic, fused backward, comparisons) with broadcasting.
bool binary_fast(BinaryOp op, const View& out, const View& x, const View& y, double a, double b) {
  const ElementwiseF32* t = f32_table();
  if (!t || x.dtype != DType::f32 || y.dtype != DType::f32) return false;
  const bool cmp = binary_is_compare(op);
  if (cmp ? !t->compare(op, nullptr, nullptr, 1, nullptr, 1, 0) : !t->binary(op, nullptr, nullptr, 1, nullptr, 1, 0, (float)a, (float)b)) return false;
  if (out.dtype != (cmp ? DType::b8 : DType::f32) && !(cmp && out.dtype == DType::u8)) return false;
  const View* ops[3] = {&out, &x, &y};
  Layout L = coalesce(ops, 3);
  if (!run_ok(L, true)) return false;
  const int d = L.ndim - 1;
  const int64_t xs = L.st[1][d], ys = L.st[2][d];
  const float* xp = x.ptr<float>();
  const float* yp = y.ptr<float>();
  if (cmp) {
    uint8_t* o = out.ptr<uint8_t>();
    for_each_run(L, out.numel, [&](const int64_t* off, int64_t len) { t->compare(op, o + off[0], xp + off[1], xs, yp + off[2], ys, len); });
  } else {
    float* o = out.ptr<float>();
    for_each_run(L, out.numel, [&](const int64_t* off, int64_t len) { t->binary(op, o + off[0], xp + off[1], xs, yp + off[2], ys, len, (float)a, (float)b); });
  }
  return true;
}

}  // namespace

void unary(UnaryOp op, const View& out, const View& x, double a, double b) {
  if (out.numel == 0) return;
  if (active_isa() == Isa::kRef) return unary_ref(op, out, x, a, b);
  if (unary_fast(op, out, x, a, b)) return;
  bool pred = unary_is_predicate(op);
  NR_DISPATCH_ARITH(x.dtype, T, {
    if (pred) unary_par<T, uint8_t>(op, out, x, a, b);
    else unary_par<T, T>(op, out, x, a, b);
  });
}

void binary(BinaryOp op, const View& out, const View& x, const View& y, double a, double b) {
  if (out.numel == 0) return;
  if (active_isa() == Isa::kRef) return binary_ref(op, out, x, y, a, b);
  if (binary_fast(op, out, x, y, a, b)) return;
  bool cmp = binary_is_compare(op);
  NR_DISPATCH_ARITH(x.dtype, T, {
    if (cmp) binary_par<T, uint8_t>(op, out, x, y, a, b);
    else binary_par<T, T>(op, out, x, y, a, b);
  });
}

void binary_scalar_rhs(BinaryOp op, const View& out, const View& x, double y, double a, double b) {
  if (out.numel == 0) return;
  if (active_isa() == Isa::kRef) return binary_scalar_rhs_ref(op, out, x, y, a, b);
  // The scalar becomes a 0-stride float32 operand (x's dtype is the compute dtype).
  if (x.dtype == DType::f32) {
    float yf = (float)y;
    View yv = x;
    yv.data = reinterpret_cast<char*>(&yf);
    for (int d = 0; d < yv.ndim; ++d) yv.strides[d] = 0;
    if (binary_fast(op, out, x, yv, a, b)) return;
  }
  bool cmp = binary_is_compare(op);
  NR_DISPATCH_ARITH(x.dtype, T, {
    View yv = x;
    T ys = (T)y;
    yv.data = reinterpret_cast<char*>(&ys);
    for (int d = 0; d < yv.ndim; ++d) yv.strides[d] = 0;
    if (cmp) binary_par<T, uint8_t>(op, out, x, yv, a, b);
    else binary_par<T, T>(op, out, x, yv, a, b);
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
