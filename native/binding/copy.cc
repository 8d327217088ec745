// Bindings for data movement and creation kernels (copy/cast, fill, ranges, random).
#include "binding/binding.h"
#include "nr/kernels/copy.h"

namespace nr {

// copy(dstBuf, srcBuf) args: dstView, srcView
NR_BINDING(copy) {
  ArgReader r(info, "copy");
  View d = r.view(0), s = r.view(1);
  if (d.numel != s.numel) throw_range(info.Env(), "copy: shapes " + shape_str(d) + " and " + shape_str(s) + " differ");
  copy_view(d, s);
  return info.Env().Undefined();
}

// fill(buf) args: view, value
NR_BINDING(fill) {
  ArgReader r(info, "fill");
  View d = r.view(0);
  fill_view(d, r.num());
  return info.Env().Undefined();
}

// arange(buf) args: view, start, step   |  linspace(buf) args: view, start, end
NR_BINDING(arange) {
  ArgReader r(info, "arange");
  View d = r.view(0);
  // the kernel writes numel elements one after another
  if (!d.is_contiguous()) throw_error(info.Env(), "arange: destination must be contiguous");
  double start = r.num(), step = r.num();
  arange_fill(d, start, step);
  return info.Env().Undefined();
}

NR_BINDING(linspace) {
  ArgReader r(info, "linspace");
  View d = r.view(0);
  // the kernel writes numel elements one after another
  if (!d.is_contiguous()) throw_error(info.Env(), "linspace: destination must be contiguous");
  double start = r.num(), end = r.num();
  linspace_fill(d, start, end);
  return info.Env().Undefined();
}

// random(buf) args: view, kind(0 uniform, 1 normal, 2 int), seedLo, seedHi, offset, a, b
NR_BINDING(random) {
  ArgReader r(info, "random");
  View d = r.view(0);
  if (!d.is_contiguous()) throw_error(info.Env(), "random: destination must be contiguous");
  int kind = (int)r.num();
  uint64_t seed = (uint64_t)r.num() | ((uint64_t)r.num() << 32);
  uint64_t offset = (uint64_t)r.num();
  double a = r.num(), b = r.num();
  if (kind == 0) {
    if (d.dtype != DType::f32 && d.dtype != DType::f64) throw_type(info.Env(), "rand: dtype must be float32 or float64");
    rand_uniform(d, seed, offset, a, b);
  } else if (kind == 1) {
    if (d.dtype != DType::f32 && d.dtype != DType::f64) throw_type(info.Env(), "randn: dtype must be float32 or float64");
    rand_normal(d, seed, offset, a, b);
  } else {
    rand_int(d, seed, offset, (int64_t)a, (int64_t)b);
  }
  return info.Env().Undefined();
}

}  // namespace nr
