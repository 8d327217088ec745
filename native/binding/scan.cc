// Bindings for cumulative scans (cumsum / cumprod, forward and reverse) and the cumprod gradient.
#include "binding/binding.h"
#include "nr/kernels/scan.h"

namespace nr {

namespace {

void check_same(const ArgReader& r, const char* op, const View& ref, const View& v, const char* what) {
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

// scan(out, x) args: op (0 sum, 1 prod), dim, reverse, outView, xView
NR_BINDING(scan) {
  ArgReader r(info, "scan");
  double opc = r.num(), dim = r.num();
  bool reverse = r.num() != 0;
  if (opc != 0 && opc != 1) throw_range(info.Env(), "scan: bad op code");
  const char* op = opc == 0 ? "cumsum" : "cumprod";
  View out = r.view(0), x = r.view(1);
  if (x.dtype == DType::f16 || x.dtype == DType::bf16 || x.dtype == DType::b8)
    throw_type(info.Env(), std::string(op) + ": " + dtype_name(x.dtype) + " is not a compute dtype here (convert first)");
  check_same(r, op, x, out, "output");
  int d = check_dim(r, op, dim, x);
  scan(opc == 0 ? ScanOp::sum : ScanOp::prod, out, x, d, reverse);
  return info.Env().Undefined();
}

// cumprodBackward(gx, g, x) args: dim, gxView, gView, xView
NR_BINDING(cumprodBackward) {
  ArgReader r(info, "cumprod backward");
  double dim = r.num();
  View gx = r.view(0), g = r.view(1), x = r.view(2);
  if (x.dtype != DType::f32 && x.dtype != DType::f64) throw_type(info.Env(), "cumprod backward: dtype must be float32 or float64");
  check_same(r, "cumprod backward", x, g, "gradient");
  check_same(r, "cumprod backward", x, gx, "input gradient");
  int d = check_dim(r, "cumprod backward", dim, x);
  cumprod_backward(gx, g, x, d);
  return info.Env().Undefined();
}

}  // namespace nr
