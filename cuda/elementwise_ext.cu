// Extended elementwise ops over strided views: nrc_unary_strided (32 unary ops incl. predicates) and
// nrc_binary_ext (activation backwards, comparisons, logical ops, fmod/remainder/atan2/floor_divide);
// nrc_where_strided is in where.cu. The views are planned by plan_views (strided.cuh: validated,
// sorted by the output's strides, coalesced); dense views take a flat kernel moving 8 elements per
// thread and step as aligned packs, anything else (broadcasts, transposes, slices) a gather kernel
// that turns the linear index into per-view offsets (Geo32: 32-bit multiply-shift division when
// everything fits 31 bits, else Geo64), 4 elements per thread, loads before stores. The op is a runtime code
// applied by elementwise_ext_ops.cuh; op x dtype support is checked here on the host.
#include <limits>
#include <string>
#include "elementwise_ext_ops.cuh"
#include "elementwise_ext_launch.cuh"

namespace nrc {
namespace {

using ext::cmp_t;
using ext::to_c;
using ext::to_t;

// ---- unary: out (n, TO) = f(x (n, TI)) ----
template <typename TI, typename TO>
__global__ void unary_flat(TO* out, const TI* x, int64_t n, int op, cmp_t<TI> a, cmp_t<TI> b, bool vec) {
  using C = cmp_t<TI>;
  const int64_t step = (int64_t)gridDim.x * blockDim.x, tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  const int64_t nv = vec ? n / 8 : 0;
  for (int64_t i = tid; i < nv; i += step) {
    Pack8<TI> p = ld_pack(x + i * 8);
    C v[8];
#pragma unroll
    for (int j = 0; j < 8; j++) v[j] = to_c(p.v[j]);
    ext::unary_n<C, 8>(op, v, a, b);
    Pack8<TO> q;
#pragma unroll
    for (int j = 0; j < 8; j++) q.v[j] = to_t<TO>(v[j]);
    st_pack(out + i * 8, q);
  }
  for (int64_t i = nv * 8 + tid; i < n; i += step) {
    C v[1] = {to_c(x[i])};
    ext::unary_n<C, 1>(op, v, a, b);
    out[i] = to_t<TO>(v[0]);
  }
}

// out[off0(i)] = f(x[off1(i)]) for i < n; G is Geo32<2> (I = uint32_t) or Geo64<2> (I = int64_t).
template <typename TI, typename TO, typename G, typename I>
__global__ void unary_gather(TO* out, const TI* x, I n, G g, int op, cmp_t<TI> a, cmp_t<TI> b) {
  using C = cmp_t<TI>;
  const I step = (I)gridDim.x * blockDim.x;
  for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += 4 * step) {
    C v[4];
    I od[4];
#pragma unroll
    for (int k = 0; k < 4; k++) {
      I j = i + k * step, off[2];
      v[k] = C(0);
      od[k] = 0;
      if (j < n) { g.offsets(j, off); od[k] = off[0]; v[k] = to_c(x[off[1]]); }
    }
    ext::unary_n<C, 4>(op, v, a, b);
#pragma unroll
    for (int k = 0; k < 4; k++)
      if (i + k * step < n) out[od[k]] = to_t<TO>(v[k]);
  }
}

// ---- binary: out (n, TO) = f(a (n, TI), b (n, TI)) ----
template <typename TI, typename TO>
__global__ void binary_flat(TO* out, const TI* a, const TI* b, int64_t n, int op, cmp_t<TI> alpha, cmp_t<TI> beta, bool vec) {
  using C = cmp_t<TI>;
  const int64_t step = (int64_t)gridDim.x * blockDim.x, tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  const int64_t nv = vec ? n / 8 : 0;
  for (int64_t i = tid; i < nv; i += step) {
    Pack8<TI> p = ld_pack(a + i * 8), r = ld_pack(b + i * 8);
    C v[8], w[8];
#pragma unroll
    for (int j = 0; j < 8; j++) { v[j] = to_c(p.v[j]); w[j] = to_c(r.v[j]); }
    ext::binary_n<C, 8>(op, v, w, alpha, beta);
    Pack8<TO> q;
#pragma unroll
    for (int j = 0; j < 8; j++) q.v[j] = to_t<TO>(v[j]);
    st_pack(out + i * 8, q);
  }
  for (int64_t i = nv * 8 + tid; i < n; i += step) {
    C v[1] = {to_c(a[i])}, w[1] = {to_c(b[i])};
    ext::binary_n<C, 1>(op, v, w, alpha, beta);
    out[i] = to_t<TO>(v[0]);
  }
}

template <typename TI, typename TO, typename G, typename I>
__global__ void binary_gather(TO* out, const TI* a, const TI* b, I n, G g, int op, cmp_t<TI> alpha, cmp_t<TI> beta) {
  using C = cmp_t<TI>;
  const I step = (I)gridDim.x * blockDim.x;
  for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += 4 * step) {
    C v[4], w[4];
    I od[4];
#pragma unroll
    for (int k = 0; k < 4; k++) {
      I j = i + k * step, off[3];
      v[k] = w[k] = C(0);
      od[k] = 0;
      if (j < n) { g.offsets(j, off); od[k] = off[0]; v[k] = to_c(a[off[1]]); w[k] = to_c(b[off[2]]); }
    }
    ext::binary_n<C, 4>(op, v, w, alpha, beta);
#pragma unroll
    for (int k = 0; k < 4; k++)
      if (i + k * step < n) out[od[k]] = to_t<TO>(v[k]);
  }
}

// ---- op tables ----
const char* const kUnaryNames[] = {"relu", "gelu_erf", "gelu_tanh", "silu", "exp", "log", "neg", "abs", "sqrt",
                                   "rsqrt", "tanh", "sigmoid", "sin", "cos", "square", "reciprocal", "leaky_relu",
                                   "elu", "softplus", "hardtanh", "sign", "floor", "ceil", "round", "trunc", "log1p",
                                   "expm1", "erf", "isnan", "isinf", "isfinite", "logical_not"};
const char* const kBinaryNames[] = {"relu_bw", "gelu_bw", "gelu_tanh_bw", "silu_bw", "sigmoid_bw", "tanh_bw",
                                    "leaky_relu_bw", "elu_bw", "softplus_bw", "hardtanh_bw", "threshold_bw", "eq", "ne",
                                    "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "fmod",
                                    "remainder", "atan2", "floor_divide"};
bool is_float(nrc_dtype dt) { return dt == NRC_F32 || dt == NRC_F16 || dt == NRC_BF16 || dt == NRC_F64; }
bool unary_pred(int op) { return op >= NRCU_ISNAN && op <= NRCU_LOGICAL_NOT; }
bool unary_supported(int op, nrc_dtype dt) {
  if (is_float(dt)) return true;
  if (unary_pred(op)) return true;
  if (dt == NRC_BOOL) return false;
  switch (op) {
    case NRCU_NEG: case NRCU_ABS: case NRCU_SQUARE: case NRCU_SIGN: case NRCU_RELU: case NRCU_HARDTANH:
    case NRCU_FLOOR: case NRCU_CEIL: case NRCU_ROUND: case NRCU_TRUNC: return true;
    default: return false;
  }
}
bool binary_cmp(int op) { return op >= NRCB_EQ && op <= NRCB_LOGICAL_XOR; }
bool binary_supported(int op, nrc_dtype dt) {
  if (is_float(dt) || binary_cmp(op)) return true;
  if (dt == NRC_BOOL) return false;
  return op == NRCB_FMOD || op == NRCB_REMAINDER || op == NRCB_FLOOR_DIVIDE;
}
nrc_status unsupported(const char* fn, const char* op, nrc_dtype dt) {
  return set_error(NRC_ERR_UNSUPPORTED, std::string(fn) + ": op " + op + " is not supported for dtype " + dtype_name(dt));
}

// A float parameter in compute type C: integers truncate toward zero and saturate (NaN gives 0).
template <typename C> C param(float v) {
  if constexpr (std::is_floating_point<C>::value) {
    return (C)v;
  } else {
    if (!(v == v)) return 0;
    if (v <= (float)std::numeric_limits<C>::min()) return std::numeric_limits<C>::min();
    if (v >= (float)std::numeric_limits<C>::max()) return std::numeric_limits<C>::max();
    return (C)v;
  }
}

template <typename TI, typename TO>
nrc_status run_unary(int op, void* out, const void* x, const Plan<2>& p, float a, float b) {
  using C = cmp_t<TI>;
  TO* o = (TO*)out + p.offset[0];
  const TI* xi = (const TI*)x + p.offset[1];
  const C ca = param<C>(a), cb = param<C>(b);
  const void* base[2] = {o, xi};
  const size_t elem[2] = {sizeof(TO), sizeof(TI)};
  return launch_elementwise<2>("nrc_unary_strided", p, base, elem,
      [&](unsigned g, bool vec) { unary_flat<TI, TO><<<g, 256, 0, stream()>>>(o, xi, p.numel, op, ca, cb, vec); },
      [&](unsigned g, const Geo32<2>& geo) {
        unary_gather<TI, TO, Geo32<2>, uint32_t><<<g, 256, 0, stream()>>>(o, xi, (uint32_t)p.numel, geo, op, ca, cb); },
      [&](unsigned g, const Geo64<2>& geo) {
        unary_gather<TI, TO, Geo64<2>, int64_t><<<g, 256, 0, stream()>>>(o, xi, p.numel, geo, op, ca, cb); });
}

template <typename TI, typename TO>
nrc_status run_binary(int op, void* out, const void* a, const void* b, const Plan<3>& p, float alpha, float beta) {
  using C = cmp_t<TI>;
  TO* o = (TO*)out + p.offset[0];
  const TI* x = (const TI*)a + p.offset[1];
  const TI* y = (const TI*)b + p.offset[2];
  const C ca = param<C>(alpha), cb = param<C>(beta);
  const void* base[3] = {o, x, y};
  const size_t elem[3] = {sizeof(TO), sizeof(TI), sizeof(TI)};
  return launch_elementwise<3>("nrc_binary_ext", p, base, elem,
      [&](unsigned g, bool vec) { binary_flat<TI, TO><<<g, 256, 0, stream()>>>(o, x, y, p.numel, op, ca, cb, vec); },
      [&](unsigned g, const Geo32<3>& geo) {
        binary_gather<TI, TO, Geo32<3>, uint32_t><<<g, 256, 0, stream()>>>(o, x, y, (uint32_t)p.numel, geo, op, ca, cb); },
      [&](unsigned g, const Geo64<3>& geo) {
        binary_gather<TI, TO, Geo64<3>, int64_t><<<g, 256, 0, stream()>>>(o, x, y, p.numel, geo, op, ca, cb); });
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_unary_strided(nrc_unary_ext_op op, nrc_dtype dt, void* out, const nrc_view* ov, const void* x,
                             const nrc_view* xv, float a, float b) {
  NRC_INIT();
  const char* fn = "nrc_unary_strided";
  NRC_ARG(op >= NRCU_RELU && op <= NRCU_LOGICAL_NOT, std::string(fn) + ": unknown op code " + std::to_string((int)op));
  NRC_ARG(dtype_valid(dt), std::string(fn) + ": unknown dtype code " + std::to_string((int)dt));
  if (!unary_supported(op, dt)) return unsupported(fn, kUnaryNames[op], dt);
  const bool pred = unary_pred(op);
  const nrc_view* views[2] = {ov, xv};
  const char* const names[2] = {"out", "x"};
  const size_t elem[2] = {dtype_size(pred ? NRC_BOOL : dt), dtype_size(dt)};
  Plan<2> p;
  nrc_status st = make_plan(fn, views, names, elem, p);
  if (st != NRC_OK || p.numel == 0) return st;
  NRC_ARG(out && x, std::string(fn) + ": null pointer");
  NRC_DISPATCH_ALL(dt, T, {
    if (pred) return run_unary<T, Bool8>(op, out, x, p, a, b);
    if constexpr (!std::is_same<T, Bool8>::value) return run_unary<T, T>(op, out, x, p, a, b);
  });
  return unsupported(fn, kUnaryNames[op], dt);
}

nrc_status nrc_binary_ext(nrc_binary_ext_op op, nrc_dtype dt, nrc_dtype out_dt, void* out, const nrc_view* ov,
                          const void* a, const nrc_view* av, const void* b, const nrc_view* bv, float alpha,
                          float beta) {
  NRC_INIT();
  const char* fn = "nrc_binary_ext";
  NRC_ARG(op >= NRCB_RELU_BW && op <= NRCB_FLOOR_DIVIDE, std::string(fn) + ": unknown op code " + std::to_string((int)op));
  NRC_ARG(dtype_valid(dt), std::string(fn) + ": unknown dtype code " + std::to_string((int)dt));
  if (!binary_supported(op, dt)) return unsupported(fn, kBinaryNames[op], dt);
  const bool cmp = binary_cmp(op);
  const nrc_dtype want = cmp ? NRC_BOOL : dt;
  NRC_ARG(out_dt == want, std::string(fn) + ": op " + kBinaryNames[op] + " on " + dtype_name(dt) + " writes " +
                              dtype_name(want) + ", got out dtype code " + std::to_string((int)out_dt));
  const nrc_view* views[3] = {ov, av, bv};
  const char* const names[3] = {"out", "a", "b"};
  const size_t elem[3] = {dtype_size(want), dtype_size(dt), dtype_size(dt)};
  Plan<3> p;
  nrc_status st = make_plan(fn, views, names, elem, p);
  if (st != NRC_OK || p.numel == 0) return st;
  NRC_ARG(out && a && b, std::string(fn) + ": null pointer");
  NRC_DISPATCH_ALL(dt, T, {
    if (cmp) return run_binary<T, Bool8>(op, out, a, b, p, alpha, beta);
    if constexpr (!std::is_same<T, Bool8>::value) return run_binary<T, T>(op, out, a, b, p, alpha, beta);
  });
  return unsupported(fn, kBinaryNames[op], dt);
}

}  // extern "C"
