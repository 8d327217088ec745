// Bindings for the fused normalisation kernels (layer/RMS norm rows, batch norm channels), forward
// and backward. Checks dtypes (float32/float64, all equal), ranks, shapes and contiguity; no math.
// Optional tensors are flagged in the argument block and their buffers passed in order of presence.
#include <cmath>
#include "binding/binding.h"
#include "nr/kernels/norm.h"

namespace nr {

namespace {

struct Reader {
  ArgReader& r;
  size_t next = 0;   // next ArrayBuffer argument
  DType dtype = DType::f32;
  View view() { return r.view(next++); }
  [[noreturn]] void fail(const std::string& m) { throw_range(r.env(), std::string(r.op()) + ": " + m); }
  // A contiguous view of the common dtype with the given shape (ndim entries of `shape`).
  View expect(const char* name, int ndim, const int64_t* shape) {
    View v = view();
    if (v.dtype != dtype) throw_type(r.env(), std::string(r.op()) + ": " + name + " has dtype " + dtype_name(v.dtype) + ", expected " + dtype_name(dtype));
    bool ok = v.ndim == ndim;
    for (int d = 0; ok && d < ndim; ++d) ok = v.shape[d] == shape[d];
    if (!ok) {
      std::string want = "[";
      for (int d = 0; d < ndim; ++d) want += (d ? ", " : "") + std::to_string(shape[d]);
      fail(std::string(name) + " has shape " + shape_str(v) + ", expected " + want + "]");
    }
    if (!v.is_contiguous()) fail(std::string(name) + " must be contiguous");
    return v;
  }
  // The leading input: fixes the dtype, which must be float32 or float64.
  View input(const char* name, int ndim) {
    View v = view();
    if (v.dtype != DType::f32 && v.dtype != DType::f64)
      throw_type(r.env(), std::string(r.op()) + ": " + name + " must be float32 or float64, got " + dtype_name(v.dtype));
    if (v.ndim != ndim) fail(std::string(name) + " must have " + std::to_string(ndim) + " dims, got " + shape_str(v));
    if (!v.is_contiguous()) fail(std::string(name) + " must be contiguous");
    dtype = v.dtype;
    return v;
  }
};

}  // namespace

// rowNormFwd(x, y, mean, rstd, [w], [b]) args: rms, eps, hasW, hasB, views in the same order.
// x, y are (M,N); mean, rstd (M); w, b (N).
NR_BINDING(rowNormFwd) {
  ArgReader a(info, "layerNorm");
  bool rms = a.num() != 0;
  double eps = a.num();
  bool hw = a.num() != 0, hb = a.num() != 0;
  Reader r{a};
  if (!(eps >= 0) || !std::isfinite(eps)) r.fail("eps must be a finite number >= 0");
  View x = r.input("input", 2);
  const int64_t M = x.shape[0], N = x.shape[1];
  View y = r.expect("output", 2, x.shape);
  View mean = r.expect("mean", 1, &M), rstd = r.expect("rstd", 1, &M);
  View w, b;
  if (hw) w = r.expect("weight", 1, &N);
  if (hb) b = r.expect("bias", 1, &N);
  row_norm_fwd(rms, x, hw ? &w : nullptr, hb ? &b : nullptr, eps, y, mean, rstd);
  return info.Env().Undefined();
}

// rowNormBwd(g, x, mean, rstd, [w], [dx], [dw], [db]) args: rms, hasW, hasDx, hasDw, hasDb, views.
NR_BINDING(rowNormBwd) {
  ArgReader a(info, "layerNorm backward");
  bool rms = a.num() != 0;
  bool hw = a.num() != 0, hdx = a.num() != 0, hdw = a.num() != 0, hdb = a.num() != 0;
  Reader r{a};
  View g = r.input("grad", 2);
  const int64_t M = g.shape[0], N = g.shape[1];
  View x = r.expect("input", 2, g.shape);
  View mean = r.expect("mean", 1, &M), rstd = r.expect("rstd", 1, &M);
  View w, dx, dw, db;
  if (hw) w = r.expect("weight", 1, &N);
  if (hdx) dx = r.expect("grad input", 2, g.shape);
  if (hdw) dw = r.expect("grad weight", 1, &N);
  if (hdb) db = r.expect("grad bias", 1, &N);
  row_norm_bwd(rms, g, x, hw ? &w : nullptr, mean, rstd, hdx ? &dx : nullptr, hdw ? &dw : nullptr, hdb ? &db : nullptr);
  return info.Env().Undefined();
}

// batchNormFwd(x, y, mean, var, rstd, [w], [b]) args: training, eps, hasW, hasB, views.
// x, y are (B,C,L); mean, var, rstd, w, b are (C). Without training, mean/var are read (running stats).
NR_BINDING(batchNormFwd) {
  ArgReader a(info, "batchNorm");
  bool training = a.num() != 0;
  double eps = a.num();
  bool hw = a.num() != 0, hb = a.num() != 0;
  Reader r{a};
  if (!(eps >= 0) || !std::isfinite(eps)) r.fail("eps must be a finite number >= 0");
  View x = r.input("input", 3);
  const int64_t C = x.shape[1];
  View y = r.expect("output", 3, x.shape);
  View mean = r.expect("mean", 1, &C), var = r.expect("var", 1, &C), rstd = r.expect("rstd", 1, &C);
  View w, b;
  if (hw) w = r.expect("weight", 1, &C);
  if (hb) b = r.expect("bias", 1, &C);
  batch_norm_fwd(training, x, hw ? &w : nullptr, hb ? &b : nullptr, eps, y, mean, var, rstd);
  return info.Env().Undefined();
}

// batchNormBwd(g, x, mean, rstd, [w], [dx], [dw], [db]) args: training, hasW, hasDx, hasDw, hasDb, views.
NR_BINDING(batchNormBwd) {
  ArgReader a(info, "batchNorm backward");
  bool training = a.num() != 0;
  bool hw = a.num() != 0, hdx = a.num() != 0, hdw = a.num() != 0, hdb = a.num() != 0;
  Reader r{a};
  View g = r.input("grad", 3);
  const int64_t C = g.shape[1];
  View x = r.expect("input", 3, g.shape);
  View mean = r.expect("mean", 1, &C), rstd = r.expect("rstd", 1, &C);
  View w, dx, dw, db;
  if (hw) w = r.expect("weight", 1, &C);
  if (hdx) dx = r.expect("grad input", 3, g.shape);
  if (hdw) dw = r.expect("grad weight", 1, &C);
  if (hdb) db = r.expect("grad bias", 1, &C);
  batch_norm_bwd(training, g, x, hw ? &w : nullptr, mean, rstd, hdx ? &dx : nullptr, hdw ? &dw : nullptr, hdb ? &db : nullptr);
  return info.Env().Undefined();
}

}  // namespace nr
