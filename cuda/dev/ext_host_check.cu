// Host-only check of the extended elementwise op definitions (elementwise_ext_ops.cuh, which are
// __host__ __device__) and of the Philox generator (philox.cuh) against the CPU's own scalar code
// (nr::unary_scalar / nr::binary_scalar, nr/philox.h): every op on specials (NaN, ±Inf, ±0, ties,
// integer extremes, divisors 0 and -1) for f32, f64, i32, i64, u8, bit for bit (the same libm on
// both sides). Needs no GPU: run it anywhere the harnesses build. Usage: ext_host_check
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>
#include "elementwise_ext_ops.cuh"
#include "philox.cuh"
// the CPU header compares unsigned values with 0 in generic code (nvcc warning 186 for uint8_t)
#pragma nv_diag_suppress 186
#include "nr/kernels/elementwise.h"
#include "nr/philox.h"
#pragma nv_diag_default 186

using namespace nrc;
using U = nr::UnaryOp;
using B = nr::BinaryOp;

namespace {

// nr op for each NRCU_* / NRCB_* code, in code order.
const U kU[] = {U::relu, U::gelu, U::gelu_tanh, U::silu, U::exp, U::log, U::neg, U::abs, U::sqrt, U::rsqrt,
                U::tanh, U::sigmoid, U::sin, U::cos, U::square, U::reciprocal, U::leaky_relu, U::elu, U::softplus,
                U::hardtanh, U::sign, U::floor, U::ceil, U::round, U::trunc, U::log1p, U::expm1, U::erf, U::isnan,
                U::isinf, U::isfinite, U::logical_not};
const B kB[] = {B::relu_bw, B::gelu_bw, B::gelu_tanh_bw, B::silu_bw, B::sigmoid_bw, B::tanh_bw, B::leaky_relu_bw,
                B::elu_bw, B::softplus_bw, B::hardtanh_bw, B::threshold_bw, B::eq, B::ne, B::lt, B::le, B::gt, B::ge,
                B::logical_and, B::logical_or, B::logical_xor, B::fmod, B::remainder, B::atan2, B::floor_divide};

template <typename T> bool same(T a, T b) {
  if constexpr (std::is_floating_point<T>::value) { if (a != a && b != b) return true; }
  return memcmp(&a, &b, sizeof a) == 0;
}

template <typename T> std::vector<T> values() {
  std::vector<T> v;
  std::mt19937_64 r(1);
  if constexpr (std::is_floating_point<T>::value) {
    for (double s : {0., -0., 0.5, -0.5, 1.5, -2.5, 2.5, 1., -1., 1e30, -1e30, 88., 20.5, 3., -3.}) v.push_back((T)s);
    for (T s : {(T)NAN, (T)INFINITY, -(T)INFINITY}) v.push_back(s);
    std::normal_distribution<double> nd(0, 3);
    for (int i = 0; i < 60; i++) v.push_back((T)nd(r));
  } else {
    for (long long s : {0LL, 1LL, -1LL, 2LL, -2LL, 7LL, -7LL, 5LL, -3LL}) v.push_back((T)s);
    v.push_back(std::numeric_limits<T>::min());
    v.push_back(std::numeric_limits<T>::max());
    for (int i = 0; i < 30; i++) v.push_back((T)((long long)(r() % 41) - 20));
  }
  return v;
}

bool int_unary(int op) {
  return op == NRCU_NEG || op == NRCU_ABS || op == NRCU_SQUARE || op == NRCU_SIGN || op == NRCU_RELU ||
         op == NRCU_HARDTANH || op >= NRCU_ISNAN || (op >= NRCU_FLOOR && op <= NRCU_TRUNC);
}

template <typename T> int run(const char* name) {
  constexpr bool flt = std::is_floating_point<T>::value;
  const auto v = values<T>();
  const float pa[] = {-1.5f, 0.01f, 1.5f, -3.f}, pb[] = {2.f, 3.f, 5.f};
  int bad = 0, n = 0;
  for (int op = 0; op <= NRCU_LOGICAL_NOT; op++)
    for (float a : pa) for (float b : pb) for (T x : v) {
      if (!flt && (!int_unary(op) || a != -3.f || b != 5.f)) continue;  // integers: in-range parameters only
      T w[1] = {x};
      ext::unary_n<T, 1>(op, w, (T)a, (T)b);
      const T r = nr::unary_scalar<T>(kU[op], x, (double)a, (double)b);
      n++;
      if (!same(w[0], r) && bad++ < 10)
        printf("%s unary %d x=%.9g a=%g b=%g: device code %.9g, CPU %.9g\n", name, op, (double)x, a, b, (double)w[0], (double)r);
    }
  for (int op = 0; op <= NRCB_FLOOR_DIVIDE; op++)
    for (float a : pa) for (float b : pb) for (T x : v) for (T y : v) {
      if (!flt && (op < NRCB_EQ || op == NRCB_ATAN2)) continue;
      T w[1] = {x}, z[1] = {y};
      ext::binary_n<T, 1>(op, w, z, (T)a, (T)b);
      const T r = nr::binary_scalar<T>(kB[op], x, y, (double)a, (double)b);
      n++;
      if (!same(w[0], r) && bad++ < 20)
        printf("%s binary %d x=%.9g y=%.9g a=%g b=%g: device code %.9g, CPU %.9g\n", name, op, (double)x, (double)y, a, b,
               (double)w[0], (double)r);
    }
  printf("%s %s: %d of %d op results differ from the CPU definitions\n", bad ? "FAIL" : "PASS", name, bad, n);
  return bad;
}

}  // namespace

int main() {
  int fails = run<float>("float32") + run<double>("float64") + run<int32_t>("int32") + run<long long>("int64") +
              run<uint8_t>("uint8");
  int pbad = 0;
  for (uint64_t seed : {0ull, 1234ull, 0xFFFFFFFFFFFFull})
    for (uint64_t off : {0ull, 77ull, 1ull << 40})
      for (uint64_t c = 0; c < 1000; c++) {
        const uint4 d = philox4x32(off + c, seed);
        const nr::Philox4 h = nr::philox4x32(off + c, seed);
        pbad += d.x != h.v[0] || d.y != h.v[1] || d.z != h.v[2] || d.w != h.v[3];
        for (int l = 0; l < 4; l++) pbad += philox_u01((&d.x)[l]) != nr::philox_uniform(seed, off, c * 4 + l);
      }
  printf("%s philox: %d mismatches against nr/philox.h\n", pbad ? "FAIL" : "PASS", pbad);
  return fails + pbad ? 1 : 0;
}
