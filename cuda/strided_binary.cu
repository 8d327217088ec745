// Broadcasting binary ops over strided views (nrc_binary_strided): out[ov] = a[av] op b[bv] for
// F32/F16/BF16 (computed in float), F64 (double), I32/I64 (int64, wrapping). The views are planned
// by plan_views (strided.cu: sorted by out's strides, coalesced); dense views take a vectorised
// flat kernel, anything else (broadcasts, transposed or sliced inputs) a gather kernel that turns
// the linear index into three offsets (32-bit multiply-shift division when everything fits).
#include <type_traits>
#include "strided.cuh"
#include "vec.cuh"

namespace nrc {
namespace {

typedef long long i64;
typedef unsigned long long u64;

struct OpAdd {
  __device__ float operator()(float a, float b) const { return a + b; }
  __device__ double operator()(double a, double b) const { return a + b; }
  __device__ i64 operator()(i64 a, i64 b) const { return (i64)((u64)a + (u64)b); }
};
struct OpSub {
  __device__ float operator()(float a, float b) const { return a - b; }
  __device__ double operator()(double a, double b) const { return a - b; }
  __device__ i64 operator()(i64 a, i64 b) const { return (i64)((u64)a - (u64)b); }
};
struct OpMul {
  __device__ float operator()(float a, float b) const { return a * b; }
  __device__ double operator()(double a, double b) const { return a * b; }
  __device__ i64 operator()(i64 a, i64 b) const { return (i64)((u64)a * (u64)b); }
};
struct OpDiv {  // integers: truncation toward zero, x / 0 = 0, INT64_MIN / -1 wraps
  __device__ float operator()(float a, float b) const { return a / b; }
  __device__ double operator()(double a, double b) const { return a / b; }
  __device__ i64 operator()(i64 a, i64 b) const { return b == 0 ? 0 : b == -1 ? (i64)(0ull - (u64)a) : a / b; }
};
struct OpMax {  // NaN propagates (x != x only for NaN)
  template <typename C> __device__ C operator()(C a, C b) const { return a != a ? a : b != b ? b : a > b ? a : b; }
};
struct OpMin {
  template <typename C> __device__ C operator()(C a, C b) const { return a != a ? a : b != b ? b : a < b ? a : b; }
};
struct OpPow {  // floats only
  __device__ float operator()(float a, float b) const { return powf(a, b); }
  __device__ double operator()(double a, double b) const { return pow(a, b); }
};

template <typename T, typename Op>
__device__ __forceinline__ T apply(Op op, T a, T b) { return St<T>::from(op(ld(a), ld(b))); }

// out (n) = op(a (n), b (n)), all dense; out may be a or b (each element is read before it is written
// by the same thread, so no __restrict__).
template <typename T, typename Op>
__global__ void binary_flat_kernel(T* out, const T* a, const T* b, int64_t n, Op op, bool vec) {
  int64_t step = (int64_t)gridDim.x * blockDim.x, tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  int64_t nv = vec ? n / 8 : 0;
  for (int64_t i = tid; i < nv; i += step) {
    Pack8<T> x = ld_pack(a + i * 8), y = ld_pack(b + i * 8);
#pragma unroll
    for (int j = 0; j < 8; j++) x.v[j] = apply(op, x.v[j], y.v[j]);
    st_pack(out + i * 8, x);
  }
  for (int64_t i = nv * 8 + tid; i < n; i += step) out[i] = apply(op, a[i], b[i]);
}

// out[off0(i)] = op(a[off1(i)], b[off2(i)]) for i < n; G is Geo32<3> (I = uint32_t) or Geo64<3>
// (I = int64_t). Four elements per thread per step, loads before stores.
template <typename T, typename Op, typename G, typename I>
__global__ void binary_gather_kernel(T* out, const T* a, const T* b, I n, G g, Op op) {
  const I step = (I)gridDim.x * blockDim.x;
  for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += 4 * step) {
    T x[4], y[4];
    I od[4];
#pragma unroll
    for (int k = 0; k < 4; k++) {
      I j = i + k * step, off[3];
      if (j < n) {
        g.offsets(j, off);
        od[k] = off[0];
        x[k] = a[off[1]];
        y[k] = b[off[2]];
      }
    }
#pragma unroll
    for (int k = 0; k < 4; k++)
      if (i + k * step < n) out[od[k]] = apply(op, x[k], y[k]);
  }
}

template <typename T, typename Op>
nrc_status launch_binary_strided(void* out, const void* a, const void* b, const Plan<3>& p, Op op) {
  T* o = (T*)out + p.offset[0];
  const T* x = (const T*)a + p.offset[1];
  const T* y = (const T*)b + p.offset[2];
  const unsigned max_blocks = (unsigned)props().sms * 16;
  if (p.contiguous()) {
    bool vec = aligned_for_pack(o, sizeof(T)) && aligned_for_pack(x, sizeof(T)) && aligned_for_pack(y, sizeof(T));
    unsigned g = mem_grid(vec ? p.numel / 8 + 1 : p.numel);
    binary_flat_kernel<T, Op><<<g, 256, 0, stream()>>>(o, x, y, p.numel, op, vec);
  } else if (p.narrow()) {
    unsigned g = grid_for((size_t)(p.numel + 3) / 4, 256, max_blocks);
    binary_gather_kernel<T, Op, Geo32<3>, uint32_t><<<g, 256, 0, stream()>>>(o, x, y, (uint32_t)p.numel, geo32(p), op);
  } else {
    unsigned g = grid_for((size_t)(p.numel + 3) / 4, 256, max_blocks);
    binary_gather_kernel<T, Op, Geo64<3>, int64_t><<<g, 256, 0, stream()>>>(o, x, y, p.numel, geo64(p), op);
  }
  NRC_LAUNCHED("nrc_binary_strided");
  return NRC_OK;
}

template <typename T>
nrc_status run_op(nrc_binary_op op, void* out, const void* a, const void* b, const Plan<3>& p) {
  switch (op) {
    case NRC_ADD: return launch_binary_strided<T>(out, a, b, p, OpAdd{});
    case NRC_SUB: return launch_binary_strided<T>(out, a, b, p, OpSub{});
    case NRC_MUL: return launch_binary_strided<T>(out, a, b, p, OpMul{});
    case NRC_DIV: return launch_binary_strided<T>(out, a, b, p, OpDiv{});
    case NRC_MAXIMUM: return launch_binary_strided<T>(out, a, b, p, OpMax{});
    case NRC_MINIMUM: return launch_binary_strided<T>(out, a, b, p, OpMin{});
    case NRC_POW:
      if constexpr (!std::is_integral<T>::value) return launch_binary_strided<T>(out, a, b, p, OpPow{});
      break;
  }
  return set_error(NRC_ERR_INVALID_ARG, "nrc_binary_strided: unknown op");
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_binary_strided(nrc_binary_op op, nrc_dtype dt, void* out, const nrc_view* ov, const void* a,
                                         const nrc_view* av, const void* b, const nrc_view* bv) {
  NRC_INIT();
  NRC_ARG(op >= NRC_ADD && op <= NRC_POW, "nrc_binary_strided: unknown op code " + std::to_string((int)op));
  NRC_ARG(dtype_valid(dt), "nrc_binary_strided: unknown dtype code " + std::to_string((int)dt));
  if (dt == NRC_U8 || dt == NRC_BOOL)
    return set_error(NRC_ERR_UNSUPPORTED, std::string("nrc_binary_strided: dtype ") + dtype_name(dt) +
                                              " is not supported (float32/16, bfloat16, float64, int32, int64)");
  if (op == NRC_POW && (dt == NRC_I32 || dt == NRC_I64))
    return set_error(NRC_ERR_UNSUPPORTED, std::string("nrc_binary_strided: pow of ") + dtype_name(dt) +
                                              " is not supported (floating dtypes only)");
  const nrc_view* views[3] = {ov, av, bv};
  const char* const names[3] = {"out", "a", "b"};
  const size_t es = dtype_size(dt);
  const size_t elem[3] = {es, es, es};
  Plan<3> p;
  nrc_status st = make_plan("nrc_binary_strided", views, names, elem, p);
  if (st != NRC_OK || p.numel == 0) return st;
  NRC_ARG(out && a && b, "nrc_binary_strided: null pointer");
  switch (dt) {
    case NRC_F32: return run_op<float>(op, out, a, b, p);
    case NRC_F16: return run_op<__half>(op, out, a, b, p);
    case NRC_BF16: return run_op<__nv_bfloat16>(op, out, a, b, p);
    case NRC_F64: return run_op<double>(op, out, a, b, p);
    case NRC_I32: return run_op<int32_t>(op, out, a, b, p);
    case NRC_I64: return run_op<long long>(op, out, a, b, p);
    default: break;
  }
  return set_error(NRC_ERR_UNSUPPORTED, "nrc_binary_strided: unsupported dtype");
}
