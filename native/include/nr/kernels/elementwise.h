// Elementwise kernels: op lists (X-macros, exported to JS by name), scalar definitions shared by the
// reference and fast paths, and the entry points. Shapes: out, a, b all have out's shape; inputs
// arrive with broadcast strides (0 on broadcast dims). Inputs already have the compute dtype.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include "nr/view.h"

namespace nr {

// name, number of scalar params used
#define NR_UNARY_OPS(X)                                                                         \
  X(neg) X(abs) X(sign) X(exp) X(log) X(log1p) X(expm1) X(sqrt) X(rsqrt) X(sin) X(cos) X(tan) \
  X(tanh) X(sigmoid) X(relu) X(leaky_relu) X(elu) X(gelu) X(gelu_tanh) X(silu) X(softplus)     \
  X(floor) X(ceil) X(round) X(trunc) X(reciprocal) X(square) X(erf) X(logical_not) X(isnan)   \
  X(isinf) X(isfinite) X(clamp) X(log2) X(log10) X(exp2) X(asin) X(acos) X(atan) X(sinh)      \
  X(cosh) X(asinh) X(acosh) X(atanh) X(signbit) X(mish) X(hardtanh) X(frac)

#define NR_BINARY_OPS(X)                                                                          \
  X(add) X(sub) X(mul) X(div) X(pow) X(maximum) X(minimum) X(fmod) X(remainder) X(floor_divide) \
  X(atan2) X(eq) X(ne) X(lt) X(le) X(gt) X(ge) X(logical_and) X(logical_or) X(logical_xor)      \
  X(heaviside) X(relu_bw) X(leaky_relu_bw) X(elu_bw) X(gelu_bw) X(gelu_tanh_bw) X(silu_bw)      \
  X(softplus_bw) X(sigmoid_bw) X(tanh_bw) X(mish_bw) X(hardtanh_bw) X(threshold_bw)

enum class UnaryOp : int {
#define NR_X(n) n,
  NR_UNARY_OPS(NR_X)
#undef NR_X
  kCount
};
enum class BinaryOp : int {
#define NR_X(n) n,
  NR_BINARY_OPS(NR_X)
#undef NR_X
  kCount
};

const char* unary_name(UnaryOp op);
const char* binary_name(BinaryOp op);
bool binary_is_compare(BinaryOp op);   // result is bool
bool unary_is_predicate(UnaryOp op);   // result is bool (isnan, isinf, isfinite, signbit, logical_not)

// Parameters: unary  leaky_relu(a=slope) elu(a=alpha) softplus(a=beta, b=threshold) clamp(a=min, b=max, NaN=none)
//                    hardtanh(a=min, b=max)
//             binary add/sub(a=alpha: out = x + a*y)  leaky_relu_bw(a=slope)  elu_bw(a=alpha)
//                    softplus_bw(a=beta, b=threshold)  hardtanh_bw(a=min, b=max)  threshold_bw(a=threshold)
// Backward ops take (grad, saved): relu/leaky/elu/gelu/silu/softplus/mish/hardtanh/threshold on the
// input x; sigmoid/tanh on the output y.

template <typename T> constexpr bool is_fp = std::is_floating_point<T>::value;

// Integer arithmetic wraps around like PyTorch's (two's complement); signed overflow in C++ is
// undefined behaviour, so signed integers compute in their unsigned type. Floats are unchanged.
template <typename T, bool = std::is_integral<T>::value && std::is_signed<T>::value> struct wrap_of { using type = T; };
template <typename T> struct wrap_of<T, true> { using type = std::make_unsigned_t<T>; };
template <typename T> using wrap_t = typename wrap_of<T>::type;
template <typename T> inline T wadd(T x, T y) { return (T)((wrap_t<T>)x + (wrap_t<T>)y); }
template <typename T> inline T wsub(T x, T y) { return (T)((wrap_t<T>)x - (wrap_t<T>)y); }
template <typename T> inline T wmul(T x, T y) {
  if constexpr (std::is_integral<T>::value && sizeof(T) < sizeof(int)) return (T)((unsigned)x * (unsigned)y);  // no int promotion UB
  else return (T)((wrap_t<T>)x * (wrap_t<T>)y);
}
// A double scalar (alpha) in T: integers saturate instead of the undefined out-of-range conversion.
template <typename T> inline T from_double(double v) {
  if constexpr (std::is_integral<T>::value) {
    if (!(v == v)) return 0;
    if (v <= (double)std::numeric_limits<T>::min()) return std::numeric_limits<T>::min();
    if (v >= (double)std::numeric_limits<T>::max()) return std::numeric_limits<T>::max();
  }
  return (T)v;
}

template <typename T> inline T sigmoid_s(T x) { return T(1) / (T(1) + std::exp(-x)); }
template <typename T> inline T softplus_s(T x, double beta, double thr) {
  T bx = x * (T)beta;
  return bx > (T)thr ? x : std::log1p(std::exp(bx)) / (T)beta;
}
template <typename T> inline T gelu_tanh_inner(T x) { return (T)0.7978845608028654 * (x + (T)0.044715 * x * x * x); }

// Scalar definition of every unary op: the reference the fast kernels are checked against.
template <typename T>
inline T unary_scalar(UnaryOp op, T x, double a, double b) {
  using std::abs;
  switch (op) {
    case UnaryOp::neg: if constexpr (is_fp<T>) return -x; else return wsub(T(0), x);
    case UnaryOp::abs:
      if constexpr (std::is_unsigned<T>::value) return x;
      else if constexpr (is_fp<T>) return x < 0 ? -x : x;
      else return x < 0 ? wsub(T(0), x) : x;
    case UnaryOp::sign: return (T)((T(0) < x) - (x < T(0)));  // NaN -> 0, as torch.sign
    case UnaryOp::relu: if constexpr (is_fp<T>) { if (std::isnan(x)) return x; } return x > 0 ? x : T(0);
    case UnaryOp::square: return wmul(x, x);
    case UnaryOp::logical_not: return (T)(x == T(0));
    case UnaryOp::clamp: {
      if constexpr (is_fp<T>) { if (std::isnan(x)) return x; }
      T r = x;
      if (!std::isnan(a) && r < (T)a) r = (T)a;
      if (!std::isnan(b) && r > (T)b) r = (T)b;
      return r;
    }
    case UnaryOp::hardtanh: { T r = x < (T)a ? (T)a : x; return r > (T)b ? (T)b : r; }
    default: break;
  }
  if constexpr (is_fp<T>) {
    switch (op) {
      case UnaryOp::exp: return std::exp(x);
      case UnaryOp::log: return std::log(x);
      case UnaryOp::log1p: return std::log1p(x);
      case UnaryOp::expm1: return std::expm1(x);
      case UnaryOp::sqrt: return std::sqrt(x);
      case UnaryOp::rsqrt: return T(1) / std::sqrt(x);
      case UnaryOp::sin: return std::sin(x);
      case UnaryOp::cos: return std::cos(x);
      case UnaryOp::tan: return std::tan(x);
      case UnaryOp::tanh: return std::tanh(x);
      case UnaryOp::sigmoid: return sigmoid_s(x);
      case UnaryOp::leaky_relu: return x > 0 ? x : x * (T)a;
      case UnaryOp::elu: return x > 0 ? x : (T)a * std::expm1(x);
      case UnaryOp::gelu: return (T)0.5 * x * (T(1) + std::erf(x * (T)0.7071067811865476));
      case UnaryOp::gelu_tanh: return (T)0.5 * x * (T(1) + std::tanh(gelu_tanh_inner(x)));
      case UnaryOp::silu: return x * sigmoid_s(x);
      case UnaryOp::softplus: return softplus_s(x, a, b);
      case UnaryOp::mish: return x * std::tanh(softplus_s(x, 1.0, 20.0));
      case UnaryOp::floor: return std::floor(x);
      case UnaryOp::ceil: return std::ceil(x);
      case UnaryOp::round: return std::nearbyint(x);  // half to even under the default rounding mode
      case UnaryOp::trunc: return std::trunc(x);
      case UnaryOp::frac: return x - std::trunc(x);
      case UnaryOp::reciprocal: return T(1) / x;
      case UnaryOp::erf: return std::erf(x);
      case UnaryOp::isnan: return (T)std::isnan(x);
      case UnaryOp::isinf: return (T)std::isinf(x);
      case UnaryOp::isfinite: return (T)std::isfinite(x);
      case UnaryOp::signbit: return (T)std::signbit(x);
      case UnaryOp::log2: return std::log2(x);
      case UnaryOp::log10: return std::log10(x);
      case UnaryOp::exp2: return std::exp2(x);
      case UnaryOp::asin: return std::asin(x);
      case UnaryOp::acos: return std::acos(x);
      case UnaryOp::atan: return std::atan(x);
      case UnaryOp::sinh: return std::sinh(x);
      case UnaryOp::cosh: return std::cosh(x);
      case UnaryOp::asinh: return std::asinh(x);
      case UnaryOp::acosh: return std::acosh(x);
      case UnaryOp::atanh: return std::atanh(x);
      default: return x;
    }
  } else {
    switch (op) {
      case UnaryOp::isnan: case UnaryOp::isinf: case UnaryOp::signbit: return (T)(op == UnaryOp::signbit ? x < 0 : 0);
      case UnaryOp::isfinite: return T(1);
      case UnaryOp::floor: case UnaryOp::ceil: case UnaryOp::round: case UnaryOp::trunc: return x;
      case UnaryOp::frac: return T(0);
      default: return x;  // float-only ops never reach here: JS casts integer inputs to float first
    }
  }
}

template <typename T> inline T floor_div_s(T x, T y) {
  if constexpr (is_fp<T>) {
    // Python's float floor division (as PyTorch): (x - fmod(x, y)) / y with fix-ups, so that
    // x == (x // y) * y + remainder(x, y) holds despite rounding; inf // y is NaN, x // 0 is IEEE x / 0.
    if (y == 0) return x / y;
    T mod = std::fmod(x, y);
    T div = (x - mod) / y;
    if (mod != 0 && ((y < 0) != (mod < 0))) div -= T(1);
    if (div == 0) return std::copysign(T(0), x / y);
    T fl = std::floor(div);
    return div - fl > T(0.5) ? fl + T(1) : fl;
  } else {
    if (y == 0) return 0;  // JS rejects integer division by zero before calling; never UB here
    if constexpr (std::is_signed<T>::value) { if (x == std::numeric_limits<T>::min() && y == T(-1)) return x; }
    T q = x / y;
    if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
    return q;
  }
}

// Scalar definition of every binary op (comparisons return 0/1 in T; the caller stores bool).
template <typename T>
inline T binary_scalar(BinaryOp op, T x, T y, double a, double b) {
  switch (op) {
    case BinaryOp::add: return a == 1.0 ? wadd(x, y) : wadd(x, wmul(from_double<T>(a), y));
    case BinaryOp::sub: return a == 1.0 ? wsub(x, y) : wsub(x, wmul(from_double<T>(a), y));
    case BinaryOp::mul: return wmul(x, y);
    case BinaryOp::div: if constexpr (is_fp<T>) return x / y; else return y == 0 ? 0 : floor_div_s(x, y);
    case BinaryOp::maximum: if constexpr (is_fp<T>) { if (std::isnan(x) || std::isnan(y)) return x + y; } return x > y ? x : y;
    case BinaryOp::minimum: if constexpr (is_fp<T>) { if (std::isnan(x) || std::isnan(y)) return x + y; } return x < y ? x : y;
    case BinaryOp::eq: return (T)(x == y);
    case BinaryOp::ne: return (T)(x != y);
    case BinaryOp::lt: return (T)(x < y);
    case BinaryOp::le: return (T)(x <= y);
    case BinaryOp::gt: return (T)(x > y);
    case BinaryOp::ge: return (T)(x >= y);
    case BinaryOp::logical_and: return (T)((x != 0) && (y != 0));
    case BinaryOp::logical_or: return (T)((x != 0) || (y != 0));
    case BinaryOp::logical_xor: return (T)((x != 0) != (y != 0));
    case BinaryOp::floor_divide: return floor_div_s(x, y);
    case BinaryOp::heaviside: return x == 0 ? y : (T)(x > 0);
    case BinaryOp::relu_bw: return y > 0 ? x : T(0);
    case BinaryOp::threshold_bw: return y > (T)a ? x : T(0);
    case BinaryOp::hardtanh_bw: return (y > (T)a && y < (T)b) ? x : T(0);
    default: break;
  }
  if constexpr (is_fp<T>) {
    switch (op) {
      case BinaryOp::pow: return std::pow(x, y);
      case BinaryOp::fmod: return std::fmod(x, y);
      case BinaryOp::remainder: { T r = std::fmod(x, y); return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r; }
      case BinaryOp::atan2: return std::atan2(x, y);
      case BinaryOp::leaky_relu_bw: return y > 0 ? x : x * (T)a;
      case BinaryOp::elu_bw: return y > 0 ? x : x * (T)a * std::exp(y);
      case BinaryOp::gelu_bw: {
        T cdf = (T)0.5 * (T(1) + std::erf(y * (T)0.7071067811865476));
        T pdf = std::exp((T)-0.5 * y * y) * (T)0.3989422804014327;
        return x * (cdf + y * pdf);
      }
      case BinaryOp::gelu_tanh_bw: {
        T t = std::tanh(gelu_tanh_inner(y));
        T dinner = (T)0.7978845608028654 * (T(1) + (T)3 * (T)0.044715 * y * y);
        return x * ((T)0.5 * (T(1) + t) + (T)0.5 * y * (T(1) - t * t) * dinner);
      }
      case BinaryOp::silu_bw: { T s = sigmoid_s(y); return x * s * (T(1) + y * (T(1) - s)); }
      case BinaryOp::softplus_bw: { T bx = y * (T)a; return bx > (T)b ? x : x * sigmoid_s(bx); }
      case BinaryOp::sigmoid_bw: return x * y * (T(1) - y);
      case BinaryOp::tanh_bw: return x * (T(1) - y * y);
      case BinaryOp::mish_bw: {
        T sp = softplus_s(y, 1.0, 20.0), tsp = std::tanh(sp);
        return x * (tsp + y * (T(1) - tsp * tsp) * sigmoid_s(y));
      }
      default: return x;
    }
  } else {
    switch (op) {
      case BinaryOp::pow: {   // wraps on overflow like torch's integer pow
        T r = 1, base = x;
        int64_t e = (int64_t)y;
        if (e < 0) return base == 1 ? 1 : 0;
        while (e) { if (e & 1) r = wmul(r, base); base = wmul(base, base); e >>= 1; }
        return r;
      }
      // x % -1 is 0; computing it overflows (UB) for x = min.
      case BinaryOp::fmod: return y == 0 ? 0 : (std::is_signed<T>::value && y == T(-1)) ? 0 : x % y;
      case BinaryOp::remainder: {
        if (y == 0 || (std::is_signed<T>::value && y == T(-1))) return 0;
        T r = x % y;
        return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
      }
      default: return x;
    }
  }
}

// Entry points (dispatch on the active ISA; kRef runs the scalar reference single-threaded).
// `out` is contiguous; for compare/predicate ops its dtype is bool and inputs keep their dtype.
void unary(UnaryOp op, const View& out, const View& x, double a, double b);
void binary(BinaryOp op, const View& out, const View& x, const View& y, double a, double b);
// y is a scalar (already converted to x's dtype by the binding).
void binary_scalar_rhs(BinaryOp op, const View& out, const View& x, double y, double a, double b);
// where(cond, x, y): out = cond ? x : y (cond bool, broadcast strides).
void where_select(const View& out, const View& cond, const View& x, const View& y);

// Reference implementations (strided, scalar, single-threaded).
void unary_ref(UnaryOp op, const View& out, const View& x, double a, double b);
void binary_ref(BinaryOp op, const View& out, const View& x, const View& y, double a, double b);
void binary_scalar_rhs_ref(BinaryOp op, const View& out, const View& x, double y, double a, double b);

// Fast float32 kernels per ISA over one run of n elements; return false when they do not handle an op
// (the caller falls back to the scalar definitions). out is contiguous (may alias x); xs/ys are the
// operands' steps: 1 = contiguous run, 0 = one value broadcast over the run.
struct ElementwiseF32 {
  bool (*unary)(UnaryOp op, float* out, const float* x, int64_t n, float a, float b);
  bool (*binary)(BinaryOp op, float* out, const float* x, int64_t xs, const float* y, int64_t ys, int64_t n, float a, float b);
  // Comparisons and logical ops (binary_is_compare): out holds bool bytes 0/1.
  bool (*compare)(BinaryOp op, uint8_t* out, const float* x, int64_t xs, const float* y, int64_t ys, int64_t n);
};
// Null where the ISA's file is not compiled (e.g. arm64) or provides nothing.
const ElementwiseF32* elementwise_f32_avx2();
const ElementwiseF32* elementwise_f32_avx512();

}  // namespace nr
