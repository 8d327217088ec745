// Elementwise kernels over contiguous tensors of n elements: fill, binary (add/sub/mul/div),
// unary activations, axpy and dtype casts. Memory-bound: each thread moves 8 elements per step
// with 16-byte loads/stores (grid-stride loop), scalar code for the tail and for unaligned pointers.
#include "vec.cuh"

namespace nrc {
namespace {

struct Add { __device__ float operator()(float a, float b) const { return a + b; } };
struct Sub { __device__ float operator()(float a, float b) const { return a - b; } };
struct Mul { __device__ float operator()(float a, float b) const { return a * b; } };
struct Div { __device__ float operator()(float a, float b) const { return a / b; } };

struct Relu { __device__ float operator()(float x) const { return x > 0.f ? x : 0.f; } };
struct GeluTanh {
  __device__ float operator()(float x) const {
    const float k = 0.7978845608028654f;  // sqrt(2/pi)
    return 0.5f * x * (1.f + tanhf(k * (x + 0.044715f * x * x * x)));
  }
};
struct Silu { __device__ float operator()(float x) const { return x / (1.f + __expf(-x)); } };
struct Exp { __device__ float operator()(float x) const { return expf(x); } };
struct Neg { __device__ float operator()(float x) const { return -x; } };
struct Tanh { __device__ float operator()(float x) const { return tanhf(x); } };
struct Sigmoid { __device__ float operator()(float x) const { return 1.f / (1.f + __expf(-x)); } };

// out (n) = f(a (n), b (n))
template <typename T, typename F, bool VEC>
__global__ void binary_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ out, size_t n, F f) {
  size_t stride = (size_t)gridDim.x * blockDim.x;
  size_t tid = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (VEC) {
    size_t nv = n / kVec;
    for (size_t i = tid; i < nv; i += stride) {
      float x[kVec], y[kVec];
      load8(a + i * kVec, x);
      load8(b + i * kVec, y);
#pragma unroll
      for (int j = 0; j < kVec; j++) x[j] = f(x[j], y[j]);
      store8(out + i * kVec, x);
    }
    for (size_t i = nv * kVec + tid; i < n; i += stride) out[i] = from_f<T>(f(to_f(a[i]), to_f(b[i])));
  } else {
    for (size_t i = tid; i < n; i += stride) out[i] = from_f<T>(f(to_f(a[i]), to_f(b[i])));
  }
}

// out (n) = f(x (n)); also fill (f ignores x when x == nullptr is not allowed: see fill_kernel)
template <typename T, typename F, bool VEC>
__global__ void unary_kernel(const T* __restrict__ x, T* __restrict__ out, size_t n, F f) {
  size_t stride = (size_t)gridDim.x * blockDim.x;
  size_t tid = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (VEC) {
    size_t nv = n / kVec;
    for (size_t i = tid; i < nv; i += stride) {
      float v[kVec];
      load8(x + i * kVec, v);
#pragma unroll
      for (int j = 0; j < kVec; j++) v[j] = f(v[j]);
      store8(out + i * kVec, v);
    }
    for (size_t i = nv * kVec + tid; i < n; i += stride) out[i] = from_f<T>(f(to_f(x[i])));
  } else {
    for (size_t i = tid; i < n; i += stride) out[i] = from_f<T>(f(to_f(x[i])));
  }
}

// y (n) = alpha * x (n) + y
template <typename T, bool VEC>
__global__ void axpy_kernel(float alpha, const T* __restrict__ x, T* __restrict__ y, size_t n) {
  size_t stride = (size_t)gridDim.x * blockDim.x;
  size_t tid = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (VEC) {
    size_t nv = n / kVec;
    for (size_t i = tid; i < nv; i += stride) {
      float a[kVec], b[kVec];
      load8(x + i * kVec, a);
      load8(y + i * kVec, b);
#pragma unroll
      for (int j = 0; j < kVec; j++) b[j] = fmaf(alpha, a[j], b[j]);
      store8(y + i * kVec, b);
    }
    for (size_t i = nv * kVec + tid; i < n; i += stride) y[i] = from_f<T>(fmaf(alpha, to_f(x[i]), to_f(y[i])));
  } else {
    for (size_t i = tid; i < n; i += stride) y[i] = from_f<T>(fmaf(alpha, to_f(x[i]), to_f(y[i])));
  }
}

// out (n) = value
template <typename T>
__global__ void fill_kernel(T* __restrict__ out, size_t n, float value, bool vec) {
  size_t stride = (size_t)gridDim.x * blockDim.x;
  size_t tid = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  size_t nv = vec ? n / kVec : 0;
  float v[kVec];
#pragma unroll
  for (int j = 0; j < kVec; j++) v[j] = value;
  for (size_t i = tid; i < nv; i += stride) store8(out + i * kVec, v);
  for (size_t i = nv * kVec + tid; i < n; i += stride) out[i] = from_f<T>(value);
}

// dst (n, U) = (U) src (n, T)
template <typename T, typename U>
__global__ void cast_kernel(const T* __restrict__ src, U* __restrict__ dst, size_t n, bool vec) {
  size_t stride = (size_t)gridDim.x * blockDim.x;
  size_t tid = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  size_t nv = vec ? n / kVec : 0;
  for (size_t i = tid; i < nv; i += stride) {
    float v[kVec];
    load8(src + i * kVec, v);
    store8(dst + i * kVec, v);
  }
  for (size_t i = nv * kVec + tid; i < n; i += stride) dst[i] = from_f<U>(to_f(src[i]));
}

template <typename T, typename F>
nrc_status launch_binary(const void* a, const void* b, void* out, size_t n, F f) {
  const T* pa = (const T*)a; const T* pb = (const T*)b; T* po = (T*)out;
  bool vec = aligned16(a) && aligned16(b) && aligned16(out);
  unsigned g = mem_grid(vec ? n / kVec + 1 : n);
  if (vec) binary_kernel<T, F, true><<<g, 256, 0, stream()>>>(pa, pb, po, n, f);
  else binary_kernel<T, F, false><<<g, 256, 0, stream()>>>(pa, pb, po, n, f);
  NRC_LAUNCHED("nrc_binary");
  return NRC_OK;
}

template <typename T, typename F>
nrc_status launch_unary(const void* x, void* out, size_t n, F f) {
  bool vec = aligned16(x) && aligned16(out);
  unsigned g = mem_grid(vec ? n / kVec + 1 : n);
  if (vec) unary_kernel<T, F, true><<<g, 256, 0, stream()>>>((const T*)x, (T*)out, n, f);
  else unary_kernel<T, F, false><<<g, 256, 0, stream()>>>((const T*)x, (T*)out, n, f);
  NRC_LAUNCHED("nrc_unary");
  return NRC_OK;
}

template <typename T>
nrc_status launch_cast_to(const T* src, nrc_dtype dst_dt, void* dst, size_t n) {
  bool vec = aligned16(src) && aligned16(dst);
  unsigned g = mem_grid(vec ? n / kVec + 1 : n);
  NRC_DISPATCH(dst_dt, U, cast_kernel<T, U><<<g, 256, 0, stream()>>>(src, (U*)dst, n, vec));
  NRC_LAUNCHED("nrc_cast");
  return NRC_OK;
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_fill(nrc_dtype dt, void* out, size_t n, float value) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_fill");
  if (!n) return NRC_OK;
  NRC_ARG(out, "nrc_fill: null pointer");
  NRC_ARG(dtype_ok(dt), "nrc_fill: unknown dtype");
  bool vec = aligned16(out);
  unsigned g = mem_grid(vec ? n / kVec + 1 : n);
  NRC_DISPATCH(dt, T, fill_kernel<T><<<g, 256, 0, stream()>>>((T*)out, n, value, vec));
  NRC_LAUNCHED("nrc_fill");
  return NRC_OK;
}

nrc_status nrc_binary(nrc_binary_op op, nrc_dtype dt, const void* a, const void* b, void* out, size_t n) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_binary");
  if (!n) return NRC_OK;
  NRC_ARG(a && b && out, "nrc_binary: null pointer");
  NRC_ARG(op >= NRC_ADD && op <= NRC_POW, "nrc_binary: unknown op");
  if (op > NRC_DIV)
    return set_error(NRC_ERR_UNSUPPORTED, "nrc_binary: maximum/minimum/pow are taken by nrc_binary_strided only");
  NRC_DISPATCH(dt, T,
    switch (op) {
      case NRC_ADD: return launch_binary<T>(a, b, out, n, Add{});
      case NRC_SUB: return launch_binary<T>(a, b, out, n, Sub{});
      case NRC_MUL: return launch_binary<T>(a, b, out, n, Mul{});
      case NRC_DIV: return launch_binary<T>(a, b, out, n, Div{});
      default: break;
    });
  return NRC_OK;
}

nrc_status nrc_unary(nrc_unary_op op, nrc_dtype dt, const void* x, void* out, size_t n) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_unary");
  if (!n) return NRC_OK;
  NRC_ARG(x && out, "nrc_unary: null pointer");
  NRC_ARG(op >= NRC_RELU && op <= NRC_SIGMOID, "nrc_unary: unknown op");
  NRC_DISPATCH(dt, T,
    switch (op) {
      case NRC_RELU: return launch_unary<T>(x, out, n, Relu{});
      case NRC_GELU_TANH: return launch_unary<T>(x, out, n, GeluTanh{});
      case NRC_SILU: return launch_unary<T>(x, out, n, Silu{});
      case NRC_EXP: return launch_unary<T>(x, out, n, Exp{});
      case NRC_NEG: return launch_unary<T>(x, out, n, Neg{});
      case NRC_TANH: return launch_unary<T>(x, out, n, Tanh{});
      case NRC_SIGMOID: return launch_unary<T>(x, out, n, Sigmoid{});
    });
  return NRC_OK;
}

nrc_status nrc_axpy(nrc_dtype dt, float alpha, const void* x, void* y, size_t n) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_axpy");
  if (!n) return NRC_OK;
  NRC_ARG(x && y, "nrc_axpy: null pointer");
  bool vec = aligned16(x) && aligned16(y);
  unsigned g = mem_grid(vec ? n / kVec + 1 : n);
  NRC_DISPATCH(dt, T,
    if (vec) axpy_kernel<T, true><<<g, 256, 0, stream()>>>(alpha, (const T*)x, (T*)y, n);
    else axpy_kernel<T, false><<<g, 256, 0, stream()>>>(alpha, (const T*)x, (T*)y, n));
  NRC_LAUNCHED("nrc_axpy");
  return NRC_OK;
}

nrc_status nrc_cast(nrc_dtype src_dt, const void* src, nrc_dtype dst_dt, void* dst, size_t n) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(src_dt, "nrc_cast (source; nrc_copy_strided converts between all dtypes)");
  NRC_FLOAT_DTYPE(dst_dt, "nrc_cast (destination; nrc_copy_strided converts between all dtypes)");
  if (!n) return NRC_OK;
  NRC_ARG(src && dst, "nrc_cast: null pointer");
  NRC_DISPATCH(src_dt, T, return launch_cast_to<T>((const T*)src, dst_dt, dst, n));
  return NRC_OK;
}

}  // extern "C"
