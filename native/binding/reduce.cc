// Bindings for reductions: reduce(op) and reduceMinMax (values + indices).
#include "binding/binding.h"
#include "nr/kernels/reduce.h"

namespace nr {

NR_BINDING(reduceCodes) {
  Napi::Object o = Napi::Object::New(info.Env());
  for (int i = 0; i < (int)ReduceOp::kCount; ++i) o.Set(reduce_name((ReduceOp)i), i);
  return o;
}

// reduce(out, x) args: op, nkept, param, outView, xView
NR_BINDING(reduce) {
  ArgReader r(info, "reduce");
  int op = (int)r.num(), nkept = (int)r.num();
  double param = r.num();
  if (op < 0 || op >= (int)ReduceOp::kCount) throw_range(info.Env(), "reduce: bad op code");
  View out = r.view(0), x = r.view(1);
  if (nkept < 0 || nkept > x.ndim) throw_range(info.Env(), "reduce: bad kept-dims count");
  int64_t nout = 1;
  for (int d = 0; d < nkept; ++d) nout *= x.shape[d];
  if (out.numel != nout || !out.is_contiguous()) throw_range(info.Env(), std::string("reduce ") + reduce_name((ReduceOp)op) + ": output " + shape_str(out) + " does not match input " + shape_str(x));
  if (x.dtype == DType::f16 || x.dtype == DType::bf16) throw_type(info.Env(), "reduce: float16/bfloat16 are storage dtypes on the CPU");
  ReduceOp rop = (ReduceOp)op;
  // The kernels write a fixed element type for some ops (int64 indices, int64 integer products, the
  // input's type for amax/amin, one byte for any/all): any other output dtype would be written past
  // its end, so it is refused here.
  const bool int_in = x.dtype == DType::i32 || x.dtype == DType::i64 || x.dtype == DType::u8 || x.dtype == DType::b8;
  bool out_ok;
  switch (rop) {
    case ReduceOp::argmax: case ReduceOp::argmin: out_ok = out.dtype == DType::i64; break;
    case ReduceOp::amax: case ReduceOp::amin: out_ok = out.dtype == x.dtype; break;
    case ReduceOp::any: case ReduceOp::all: out_ok = out.dtype == DType::b8 || out.dtype == DType::u8; break;
    case ReduceOp::prod: out_ok = int_in ? out.dtype == DType::i64 : (out.dtype != DType::f16 && out.dtype != DType::bf16); break;
    default: out_ok = out.dtype != DType::f16 && out.dtype != DType::bf16; break;
  }
  if (!out_ok)
    throw_type(info.Env(), std::string(reduce_name(rop)) + ": output dtype " + dtype_name(out.dtype) + " is not what the kernel writes for a " + dtype_name(x.dtype) + " input");
  bool needs_elem = rop == ReduceOp::amax || rop == ReduceOp::amin || rop == ReduceOp::argmax || rop == ReduceOp::argmin;
  if (needs_elem && nout > 0 && x.numel == 0)
    throw_range(info.Env(), std::string(reduce_name(rop)) + ": cannot reduce over an empty dimension of " + shape_str(x) + " (no identity)");
  reduce(rop, out, x, nkept, param);
  return info.Env().Undefined();
}

// reduceMinMax(values, indices, x) args: isMax, nkept, valuesView, indicesView, xView
NR_BINDING(reduceMinMax) {
  ArgReader r(info, "max/min");
  bool is_max = r.num() != 0;
  int nkept = (int)r.num();
  View v = r.view(0), idx = r.view(1), x = r.view(2);
  if (nkept < 0 || nkept > x.ndim) throw_range(info.Env(), "max/min: bad kept-dims count");
  int64_t nout = 1;
  for (int d = 0; d < nkept; ++d) nout *= x.shape[d];
  if (v.numel != nout || idx.numel != nout || idx.dtype != DType::i64 || v.dtype != x.dtype) throw_range(info.Env(), "max/min: output mismatch");
  int64_t nin = x.numel / (nout ? nout : 1);
  if (nin == 0 && nout > 0) throw_range(info.Env(), std::string(is_max ? "max" : "min") + ": cannot reduce over an empty dimension of " + shape_str(x));
  reduce_minmax(is_max, v, idx, x, nkept);
  return info.Env().Undefined();
}

}  // namespace nr
