// Bindings for softmax / log-softmax (forward and fused backward): validate shapes, dtypes and dim.
#include "binding/binding.h"
#include "nr/kernels/softmax.h"

namespace nr {

namespace {

void check_float_same(const ArgReader& r, const char* op, const View& ref, const View& v, const char* what) {
  if (v.dtype != DType::f32 && v.dtype != DType::f64)
    throw_type(r.env(), std::string(op) + ": " + what + " must be float32 or float64, got " + dtype_name(v.dtype));
  if (v.dtype != ref.dtype) throw_type(r.env(), std::string(op) + ": " + what + " dtype " + dtype_name(v.dtype) + " differs from " + dtype_name(ref.dtype));
  bool same = v.ndim == ref.ndim;
  for (int d = 0; same && d < v.ndim; ++d) same = v.shape[d] == ref.shape[d];
  if (!same) throw_range(r.env(), std::string(op) + ": " + what + " shape " + shape_str(v) + " does not match " + shape_str(ref));
}

int check_dim(const ArgReader& r, const char* op, double d, const View& v) {
  if (!(d >= 0 && d < v.ndim) || d != (double)(int)d)
    throw_range(r.env(), std::string(op) + ": dim " + std::to_string(d) + " out of range for shape " + shape_str(v));
  return (int)d;
}

}  // namespace

// softmax(out, x) args: dim, log, outView, xView
NR_BINDING(softmax) {
  ArgReader r(info, "softmax");
  double dim = r.num();
  bool log = r.num() != 0;
  const char* op = log ? "log_softmax" : "softmax";
  View out = r.view(0), x = r.view(1);
  check_float_same(r, op, x, x, "input");
  check_float_same(r, op, x, out, "output");
  int d = check_dim(r, op, dim, x);
  softmax(out, x, d, log);
  return info.Env().Undefined();
}

// softmaxBackward(gx, g, y) args: dim, log, gxView, gView, yView
NR_BINDING(softmaxBackward) {
  ArgReader r(info, "softmax backward");
  double dim = r.num();
  bool log = r.num() != 0;
  const char* op = log ? "log_softmax backward" : "softmax backward";
  View gx = r.view(0), g = r.view(1), y = r.view(2);
  check_float_same(r, op, g, g, "gradient");
  check_float_same(r, op, g, y, "output");
  check_float_same(r, op, g, gx, "input gradient");
  int d = check_dim(r, op, dim, g);
  softmax_backward(gx, g, y, d, log);
  return info.Env().Undefined();
}

}  // namespace nr
