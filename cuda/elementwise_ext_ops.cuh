// Device definitions of the extended elementwise ops (nrc_unary_strided, nrc_binary_ext): one
// function per family that applies a runtime op code to N values at once (the switch is taken once
// per N elements; the op is uniform across the grid, so the branch never diverges). Host-callable
// too, so the semantics can be checked against the CPU header without a GPU. They mirror the
// CPU scalar definitions in native/include/nr/kernels/elementwise.h (the oracle): floats compute in
// float (F32/F16/BF16) or double (F64); integers in their own type with two's-complement wrapping
// through the unsigned type; predicates and comparisons give 0/1 in the compute type, stored as
// bool by the caller. Op support per dtype is decided on the host (elementwise_ext.cu); the integer
// functions leave unsupported op codes unchanged. Internal only.
#pragma once
#include <type_traits>
#include "strided.cuh"

namespace nrc {
namespace ext {

// ---- compute types and conversions ----
template <typename T> struct CmpOf { using type = T; };
template <> struct CmpOf<__half> { using type = float; };
template <> struct CmpOf<__nv_bfloat16> { using type = float; };
template <> struct CmpOf<Bool8> { using type = uint8_t; };  // a bool compares as its byte, as on the CPU
template <typename T> using cmp_t = typename CmpOf<T>::type;

template <typename T> __host__ __device__ __forceinline__ cmp_t<T> to_c(T x) {
  if constexpr (std::is_same<T, __half>::value) return __half2float(x);
  else if constexpr (std::is_same<T, __nv_bfloat16>::value) return __bfloat162float(x);
  else if constexpr (std::is_same<T, Bool8>::value) return x.v;
  else return x;
}
// A compute value (0/1 for predicates) to the stored type T.
template <typename T, typename C> __host__ __device__ __forceinline__ T to_t(C v) {
  if constexpr (std::is_same<T, __half>::value) return __float2half_rn((float)v);
  else if constexpr (std::is_same<T, __nv_bfloat16>::value) return __float2bfloat16_rn((float)v);
  else if constexpr (std::is_same<T, Bool8>::value) return Bool8{(uint8_t)(v != C(0))};
  else return (T)v;
}

// ---- float / double math by overload ----
#define NRC_M1(name, f, d) \
  __host__ __device__ __forceinline__ float name(float x) { return f(x); } \
  __host__ __device__ __forceinline__ double name(double x) { return d(x); }
NRC_M1(m_exp, expf, exp) NRC_M1(m_log, logf, log) NRC_M1(m_log1p, log1pf, log1p) NRC_M1(m_expm1, expm1f, expm1)
NRC_M1(m_sqrt, sqrtf, sqrt) NRC_M1(m_sin, sinf, sin) NRC_M1(m_cos, cosf, cos) NRC_M1(m_tanh, tanhf, tanh)
NRC_M1(m_erf, erff, erf) NRC_M1(m_floor, floorf, floor) NRC_M1(m_ceil, ceilf, ceil) NRC_M1(m_rint, rintf, rint)
NRC_M1(m_trunc, truncf, trunc)
#undef NRC_M1
__host__ __device__ __forceinline__ float m_fmod(float x, float y) { return fmodf(x, y); }
__host__ __device__ __forceinline__ double m_fmod(double x, double y) { return fmod(x, y); }
__host__ __device__ __forceinline__ float m_atan2(float x, float y) { return atan2f(x, y); }
__host__ __device__ __forceinline__ double m_atan2(double x, double y) { return atan2(x, y); }
__host__ __device__ __forceinline__ float m_copysign(float x, float y) { return copysignf(x, y); }
__host__ __device__ __forceinline__ double m_copysign(double x, double y) { return copysign(x, y); }

// x < 0 without the always-false comparison warning for unsigned types.
template <typename C> __host__ __device__ __forceinline__ bool is_neg(C x) {
  if constexpr (std::is_signed<C>::value) return x < C(0);
  else return false;
}
template <typename C> __host__ __device__ __forceinline__ bool is_nan(C x) { return x != x; }
template <typename C> __host__ __device__ __forceinline__ bool is_inf(C x) { return x == (C)INFINITY || x == -(C)INFINITY; }
template <typename C> __host__ __device__ __forceinline__ C sigmoid_c(C x) { return C(1) / (C(1) + m_exp(-x)); }
template <typename C> __host__ __device__ __forceinline__ C gelu_tanh_inner(C x) { return (C)0.7978845608028654 * (x + (C)0.044715 * x * x * x); }

// Python/PyTorch float floor division (floor_div_s in the CPU header).
template <typename C> __host__ __device__ __forceinline__ C floor_div_f(C x, C y) {
  if (y == C(0)) return x / y;
  C mod = m_fmod(x, y);
  C div = (x - mod) / y;
  if (mod != C(0) && ((y < C(0)) != (mod < C(0)))) div -= C(1);
  if (div == C(0)) return m_copysign(C(0), x / y);
  C fl = m_floor(div);
  return div - fl > (C)0.5 ? fl + C(1) : fl;
}

// Python's remainder: the sign of the divisor.
template <typename C> __host__ __device__ __forceinline__ C remainder_f(C x, C y) {
  C r = m_fmod(x, y);
  return (r != C(0) && ((r < C(0)) != (y < C(0)))) ? r + y : r;
}

// Applies `expr` (in terms of x, or x and y) to every one of the N values, then leaves the switch.
#define NRC_EACH1(expr) { _Pragma("unroll") for (int j = 0; j < N; j++) { const C x = v[j]; v[j] = (expr); } break; }
#define NRC_EACH2(expr) { _Pragma("unroll") for (int j = 0; j < N; j++) { const C x = v[j], y = w[j]; v[j] = (expr); } break; }

// ---- unary: v[j] = f(v[j]); a, b are the op's parameters already in C ----
template <typename C, int N>
__host__ __device__ __forceinline__ void unary_n(int op, C (&v)[N], C a, C b) {
  if constexpr (std::is_floating_point<C>::value) {
    switch (op) {
      case NRCU_RELU: NRC_EACH1(is_nan(x) ? x : (x > C(0) ? x : C(0)))
      case NRCU_GELU_ERF: NRC_EACH1((C)0.5 * x * (C(1) + m_erf(x * (C)0.7071067811865476)))
      case NRCU_GELU_TANH: NRC_EACH1((C)0.5 * x * (C(1) + m_tanh(gelu_tanh_inner(x))))
      case NRCU_SILU: NRC_EACH1(x * sigmoid_c(x))
      case NRCU_EXP: NRC_EACH1(m_exp(x))
      case NRCU_LOG: NRC_EACH1(m_log(x))
      case NRCU_NEG: NRC_EACH1(-x)
      case NRCU_ABS: NRC_EACH1(x < C(0) ? -x : x)
      case NRCU_SQRT: NRC_EACH1(m_sqrt(x))
      case NRCU_RSQRT: NRC_EACH1(C(1) / m_sqrt(x))
      case NRCU_TANH: NRC_EACH1(m_tanh(x))
      case NRCU_SIGMOID: NRC_EACH1(sigmoid_c(x))
      case NRCU_SIN: NRC_EACH1(m_sin(x))
      case NRCU_COS: NRC_EACH1(m_cos(x))
      case NRCU_SQUARE: NRC_EACH1(x * x)
      case NRCU_RECIPROCAL: NRC_EACH1(C(1) / x)
      case NRCU_LEAKY_RELU: NRC_EACH1(x > C(0) ? x : x * a)
      case NRCU_ELU: NRC_EACH1(x > C(0) ? x : a * m_expm1(x))
      case NRCU_SOFTPLUS: NRC_EACH1(x * a > b ? x : m_log1p(m_exp(x * a)) / a)
      case NRCU_HARDTANH: NRC_EACH1((x < a ? a : x) > b ? b : (x < a ? a : x))
      case NRCU_SIGN: NRC_EACH1((C)((int)(C(0) < x) - (int)(x < C(0))))
      case NRCU_FLOOR: NRC_EACH1(m_floor(x))
      case NRCU_CEIL: NRC_EACH1(m_ceil(x))
      case NRCU_ROUND: NRC_EACH1(m_rint(x))  // half to even
      case NRCU_TRUNC: NRC_EACH1(m_trunc(x))
      case NRCU_LOG1P: NRC_EACH1(m_log1p(x))
      case NRCU_EXPM1: NRC_EACH1(m_expm1(x))
      case NRCU_ERF: NRC_EACH1(m_erf(x))
      case NRCU_ISNAN: NRC_EACH1((C)is_nan(x))
      case NRCU_ISINF: NRC_EACH1((C)is_inf(x))
      case NRCU_ISFINITE: NRC_EACH1((C)(!is_nan(x) && !is_inf(x)))
      case NRCU_LOGICAL_NOT: NRC_EACH1((C)(x == C(0)))
      default: break;
    }
  } else {
    using U = std::make_unsigned_t<C>;
    switch (op) {
      case NRCU_NEG: NRC_EACH1((C)(U)((U)0 - (U)x))
      case NRCU_ABS: NRC_EACH1(is_neg(x) ? (C)(U)((U)0 - (U)x) : x)
      case NRCU_SQUARE: NRC_EACH1((C)(U)((sizeof(C) < sizeof(unsigned) ? (unsigned)x * (unsigned)x : (U)x * (U)x)))
      case NRCU_SIGN: NRC_EACH1((C)((int)(C(0) < x) - (int)is_neg(x)))
      case NRCU_RELU: NRC_EACH1(x > C(0) ? x : C(0))
      case NRCU_HARDTANH: NRC_EACH1((x < a ? a : x) > b ? b : (x < a ? a : x))
      case NRCU_ISNAN: case NRCU_ISINF: NRC_EACH1(C(0))
      case NRCU_ISFINITE: NRC_EACH1(C(1))
      case NRCU_LOGICAL_NOT: NRC_EACH1((C)(x == C(0)))
      default: break;  // floor/ceil/round/trunc: identity on integers
    }
  }
}

// ---- binary: v[j] = f(v[j], w[j]); alpha, beta are the op's parameters in C ----
template <typename C, int N>
__host__ __device__ __forceinline__ void binary_n(int op, C (&v)[N], const C (&w)[N], C alpha, C beta) {
  switch (op) {  // every dtype
    case NRCB_EQ: NRC_EACH2((C)(x == y))
    case NRCB_NE: NRC_EACH2((C)(x != y))
    case NRCB_LT: NRC_EACH2((C)(x < y))
    case NRCB_LE: NRC_EACH2((C)(x <= y))
    case NRCB_GT: NRC_EACH2((C)(x > y))
    case NRCB_GE: NRC_EACH2((C)(x >= y))
    case NRCB_LOGICAL_AND: NRC_EACH2((C)((x != C(0)) && (y != C(0))))
    case NRCB_LOGICAL_OR: NRC_EACH2((C)((x != C(0)) || (y != C(0))))
    case NRCB_LOGICAL_XOR: NRC_EACH2((C)((x != C(0)) != (y != C(0))))
    default: break;
  }
  if constexpr (std::is_floating_point<C>::value) {
    switch (op) {  // x is the incoming gradient of the *_BW ops, y the saved tensor
      case NRCB_RELU_BW: NRC_EACH2(y > C(0) ? x : C(0))
      case NRCB_GELU_BW: NRC_EACH2(x * ((C)0.5 * (C(1) + m_erf(y * (C)0.7071067811865476)) +
                                        y * (m_exp((C)-0.5 * y * y) * (C)0.3989422804014327)))
      case NRCB_GELU_TANH_BW: {
#pragma unroll
        for (int j = 0; j < N; j++) {
          const C x = v[j], y = w[j];
          const C t = m_tanh(gelu_tanh_inner(y));
          const C dinner = (C)0.7978845608028654 * (C(1) + (C)3 * (C)0.044715 * y * y);
          v[j] = x * ((C)0.5 * (C(1) + t) + (C)0.5 * y * (C(1) - t * t) * dinner);
        }
        break;
      }
      case NRCB_SILU_BW: NRC_EACH2(x * sigmoid_c(y) * (C(1) + y * (C(1) - sigmoid_c(y))))
      case NRCB_SIGMOID_BW: NRC_EACH2(x * y * (C(1) - y))
      case NRCB_TANH_BW: NRC_EACH2(x * (C(1) - y * y))
      case NRCB_LEAKY_RELU_BW: NRC_EACH2(y > C(0) ? x : x * alpha)
      case NRCB_ELU_BW: NRC_EACH2(y > C(0) ? x : x * alpha * m_exp(y))
      case NRCB_SOFTPLUS_BW: NRC_EACH2(y * alpha > beta ? x : x * sigmoid_c(y * alpha))
      case NRCB_HARDTANH_BW: NRC_EACH2((y > alpha && y < beta) ? x : C(0))
      case NRCB_THRESHOLD_BW: NRC_EACH2(y > alpha ? x : C(0))
      case NRCB_FMOD: NRC_EACH2(m_fmod(x, y))
      case NRCB_REMAINDER: NRC_EACH2(remainder_f(x, y))
      case NRCB_ATAN2: NRC_EACH2(m_atan2(x, y))
      case NRCB_FLOOR_DIVIDE: NRC_EACH2(floor_div_f(x, y))
      default: break;
    }
  } else {
    // x % -1 is 0 and x / 0 gives 0 (JS rejects integer division by zero first; no trap here);
    // min // -1 wraps to min.
    constexpr bool kSigned = std::is_signed<C>::value;
    switch (op) {
      case NRCB_FMOD: NRC_EACH2((y == C(0) || (kSigned && y == (C)-1)) ? C(0) : (C)(x % y))
      case NRCB_REMAINDER:
        NRC_EACH2((y == C(0) || (kSigned && y == (C)-1)) ? C(0)
                  : ((C)(x % y) != C(0) && (is_neg((C)(x % y)) != is_neg(y))) ? (C)(x % y + y) : (C)(x % y))
      case NRCB_FLOOR_DIVIDE:
        NRC_EACH2(y == C(0) ? C(0) : (kSigned && y == (C)-1) ? (C)(std::make_unsigned_t<C>)(0u - (std::make_unsigned_t<C>)x)
                  : (C)(x / y - (((C)(x % y) != C(0) && (is_neg(x) != is_neg(y))) ? 1 : 0)))
      default: break;
    }
  }
}
#undef NRC_EACH1
#undef NRC_EACH2

}  // namespace ext
}  // namespace nrc
