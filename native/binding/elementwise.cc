// Bindings for elementwise kernels: unary, binary (tensor or scalar rhs), where; plus the op-name
// table JS uses to map names to codes.
#include "binding/binding.h"
#include "nr/kernels/elementwise.h"

namespace nr {

namespace {

void check_compute(const ArgReader& r, const View& v) {
  if (v.dtype == DType::f16 || v.dtype == DType::bf16)
    throw_type(r.env(), std::string(r.op()) + ": " + dtype_name(v.dtype) + " is a storage dtype on the CPU; convert with .to('float32') first");
}

void check_same(const ArgReader& r, const View& out, const View& x, const char* what) {
  if (out.ndim != x.ndim) throw_range(r.env(), std::string(r.op()) + ": " + what + " rank mismatch " + shape_str(out) + " vs " + shape_str(x));
  for (int d = 0; d < out.ndim; ++d)
    if (out.shape[d] != x.shape[d]) throw_range(r.env(), std::string(r.op()) + ": " + what + " shape " + shape_str(x) + " does not match output " + shape_str(out));
}

}  // namespace

NR_BINDING(opCodes) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env), u = Napi::Object::New(env), b = Napi::Object::New(env);
  for (int i = 0; i < (int)UnaryOp::kCount; ++i) u.Set(unary_name((UnaryOp)i), i);
  for (int i = 0; i < (int)BinaryOp::kCount; ++i) b.Set(binary_name((BinaryOp)i), i);
  o.Set("unary", u);
  o.Set("binary", b);
  return o;
}

// unary(out, x) args: op, a, b, outView, xView
NR_BINDING(unary) {
  ArgReader r(info, "unary");
  int op = (int)r.num();
  double a = r.num(), b = r.num();
  if (op < 0 || op >= (int)UnaryOp::kCount) throw_range(info.Env(), "unary: bad op code");
  View out = r.view(0), x = r.view(1);
  check_compute(r, x);
  check_same(r, out, x, "input");
  DType want = unary_is_predicate((UnaryOp)op) ? DType::b8 : x.dtype;
  if (out.dtype != want && !(want == DType::b8 && out.dtype == DType::u8)) throw_type(info.Env(), std::string("unary ") + unary_name((UnaryOp)op) + ": output dtype mismatch");
  unary((UnaryOp)op, out, x, a, b);
  return info.Env().Undefined();
}

// binary(out, x, y) args: op, a, b, outView, xView, yView (x, y broadcast to out's shape)
NR_BINDING(binary) {
  ArgReader r(info, "binary");
  int op = (int)r.num();
  double a = r.num(), b = r.num();
  if (op < 0 || op >= (int)BinaryOp::kCount) throw_range(info.Env(), "binary: bad op code");
  View out = r.view(0), x = r.view(1), y = r.view(2);
  check_compute(r, x);
  check_same(r, out, x, "first input");
  check_same(r, out, y, "second input");
  if (x.dtype != y.dtype) throw_type(info.Env(), std::string("binary ") + binary_name((BinaryOp)op) + ": input dtypes differ");
  DType want = binary_is_compare((BinaryOp)op) ? DType::b8 : x.dtype;
  if (out.dtype != want) throw_type(info.Env(), std::string("binary ") + binary_name((BinaryOp)op) + ": output dtype mismatch");
  binary((BinaryOp)op, out, x, y, a, b);
  return info.Env().Undefined();
}

// binaryScalar(out, x) args: op, a, b, y, outView, xView
NR_BINDING(binaryScalar) {
  ArgReader r(info, "binaryScalar");
  int op = (int)r.num();
  double a = r.num(), b = r.num(), y = r.num();
  if (op < 0 || op >= (int)BinaryOp::kCount) throw_range(info.Env(), "binaryScalar: bad op code");
  View out = r.view(0), x = r.view(1);
  check_compute(r, x);
  check_same(r, out, x, "input");
  DType want = binary_is_compare((BinaryOp)op) ? DType::b8 : x.dtype;
  if (out.dtype != want) throw_type(info.Env(), std::string("binary ") + binary_name((BinaryOp)op) + ": output dtype mismatch");
  binary_scalar_rhs((BinaryOp)op, out, x, y, a, b);
  return info.Env().Undefined();
}

// where(out, cond, x, y) args: outView, condView, xView, yView
NR_BINDING(where) {
  ArgReader r(info, "where");
  View out = r.view(0), c = r.view(1), x = r.view(2), y = r.view(3);
  check_same(r, out, c, "condition");
  check_same(r, out, x, "first input");
  check_same(r, out, y, "second input");
  if (c.dtype != DType::b8 && c.dtype != DType::u8) throw_type(info.Env(), "where: condition must be bool");
  if (x.dtype != out.dtype || y.dtype != out.dtype) throw_type(info.Env(), "where: dtype mismatch");
  where_select(out, c, x, y);
  return info.Env().Undefined();
}

}  // namespace nr
