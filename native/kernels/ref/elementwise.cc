// Scalar reference elementwise kernels: strided, single-threaded, one op at a time through
// unary_scalar/binary_scalar. The oracle the fast kernels are tested against.
#include "nr/kernels/dispatch.h"
#include "nr/kernels/elementwise.h"

namespace nr {

const char* unary_name(UnaryOp op) {
  static const char* names[] = {
#define NR_X(n) #n,
      NR_UNARY_OPS(NR_X)
#undef NR_X
  };
  return (int)op >= 0 && op < UnaryOp::kCount ? names[(int)op] : "?";
}
const char* binary_name(BinaryOp op) {
  static const char* names[] = {
#define NR_X(n) #n,
      NR_BINARY_OPS(NR_X)
#undef NR_X
  };
  return (int)op >= 0 && op < BinaryOp::kCount ? names[(int)op] : "?";
}

bool binary_is_compare(BinaryOp op) {
  switch (op) {
    case BinaryOp::eq: case BinaryOp::ne: case BinaryOp::lt: case BinaryOp::le: case BinaryOp::gt:
    case BinaryOp::ge: case BinaryOp::logical_and: case BinaryOp::logical_or: case BinaryOp::logical_xor: return true;
    default: return false;
  }
}
bool unary_is_predicate(UnaryOp op) {
  return op == UnaryOp::isnan || op == UnaryOp::isinf || op == UnaryOp::isfinite || op == UnaryOp::signbit || op == UnaryOp::logical_not;
}

namespace {

template <typename T, typename O>
void unary_loop(UnaryOp op, const View& out, const View& x, double a, double b) {
  StridedIter oi(out), xi(x);
  for (int64_t i = 0; i < out.numel; ++i, oi.next(), xi.next())
    out.ptr<O>()[oi.off] = (O)unary_scalar<T>(op, x.ptr<T>()[xi.off], a, b);
}

template <typename T, typename O>
void binary_loop(BinaryOp op, const View& out, const View& x, const View& y, double a, double b) {
  StridedIter oi(out), xi(x), yi(y);
  for (int64_t i = 0; i < out.numel; ++i, oi.next(), xi.next(), yi.next())
    out.ptr<O>()[oi.off] = (O)binary_scalar<T>(op, x.ptr<T>()[xi.off], y.ptr<T>()[yi.off], a, b);
}

template <typename T, typename O>
void binary_scalar_loop(BinaryOp op, const View& out, const View& x, double y, double a, double b) {
  StridedIter oi(out), xi(x);
  T ys = (T)y;
  for (int64_t i = 0; i < out.numel; ++i, oi.next(), xi.next())
    out.ptr<O>()[oi.off] = (O)binary_scalar<T>(op, x.ptr<T>()[xi.off], ys, a, b);
}

}  // namespace

void unary_ref(UnaryOp op, const View& out, const View& x, double a, double b) {
  bool pred = unary_is_predicate(op);
  NR_DISPATCH_ARITH(x.dtype, T, {
    if (pred) unary_loop<T, uint8_t>(op, out, x, a, b);
    else unary_loop<T, T>(op, out, x, a, b);
  });
}

void binary_ref(BinaryOp op, const View& out, const View& x, const View& y, double a, double b) {
  bool cmp = binary_is_compare(op);
  NR_DISPATCH_ARITH(x.dtype, T, {
    if (cmp) binary_loop<T, uint8_t>(op, out, x, y, a, b);
    else binary_loop<T, T>(op, out, x, y, a, b);
  });
}

void binary_scalar_rhs_ref(BinaryOp op, const View& out, const View& x, double y, double a, double b) {
  bool cmp = binary_is_compare(op);
  NR_DISPATCH_ARITH(x.dtype, T, {
    if (cmp) binary_scalar_loop<T, uint8_t>(op, out, x, y, a, b);
    else binary_scalar_loop<T, T>(op, out, x, y, a, b);
  });
}

}  // namespace nr
