// Philox4x32-10 random numbers (Salmon et al., SC'11): counter-based, so any element can be
// generated independently and the stream does not depend on threading.
#include <cmath>
#include "nr/kernels/copy.h"
#include "nr/philox.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

using U4 = Philox4;
inline U4 philox(uint64_t counter, uint64_t key) { return philox4x32(counter, key); }

// Uniform in [0, 1) with 24 (float) or 53 (double) random bits.
inline double u01_53(uint32_t a, uint32_t b) { return (double)(((uint64_t)a << 21) | (b >> 11)) * (1.0 / 9007199254740992.0); }
inline float u01_24(uint32_t a) { return (float)(a >> 8) * (1.0f / 16777216.0f); }

template <typename F>
void for_each_elem(const View& dst, F&& f) {
  parallel_for(dst.numel, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) f(i);
  });
}

}  // namespace

void rand_uniform(const View& dst, uint64_t seed, uint64_t offset, double lo, double hi) {
  if (dst.dtype == DType::f64) {
    double* d = dst.ptr<double>();
    for_each_elem(dst, [&](int64_t i) {
      U4 r = philox(offset + (uint64_t)i / 2, seed);
      int l = (int)(i & 1) * 2;
      d[i] = lo + (hi - lo) * u01_53(r.v[l], r.v[l + 1]);
    });
    return;
  }
  float* d = dst.ptr<float>();
  float flo = (float)lo, fw = (float)(hi - lo);
  for_each_elem(dst, [&](int64_t i) {
    U4 r = philox(offset + (uint64_t)i / 4, seed);
    float v = flo + fw * u01_24(r.v[i & 3]);
    d[i] = v < (float)hi ? v : flo;  // keep [lo, hi) after rounding
  });
}

void rand_normal(const View& dst, uint64_t seed, uint64_t offset, double mean, double std) {
  const double two_pi = 6.283185307179586;
  auto pair = [&](int64_t i, double* z0, double* z1) {
    U4 r = philox(offset + (uint64_t)i / 2, seed);
    double u1 = 1.0 - u01_53(r.v[0], r.v[1]);  // (0, 1]
    double u2 = u01_53(r.v[2], r.v[3]);
    double rad = std::sqrt(-2.0 * std::log(u1));
    *z0 = rad * std::cos(two_pi * u2);
    *z1 = rad * std::sin(two_pi * u2);
  };
  bool f64 = dst.dtype == DType::f64;
  for_each_elem(dst, [&](int64_t i) {
    double z0, z1;
    pair(i, &z0, &z1);
    double v = mean + std * ((i & 1) ? z1 : z0);
    if (f64) dst.ptr<double>()[i] = v; else dst.ptr<float>()[i] = (float)v;
  });
}

void rand_int(const View& dst, uint64_t seed, uint64_t offset, int64_t low, int64_t high) {
  const uint64_t range = (uint64_t)high - (uint64_t)low;   // unsigned: [-2^63, 2^63) spans do not overflow
  for_each_elem(dst, [&](int64_t i) {
    U4 r = philox(offset + (uint64_t)i / 2, seed);
    int l = (int)(i & 1) * 2;
    uint64_t x = ((uint64_t)r.v[l] << 32) | r.v[l + 1];
    // Lemire's multiply-shift: bias < range / 2^64, negligible for any tensor-sized range.
    uint64_t v = (uint64_t)(((unsigned __int128)x * range) >> 64);
    const int64_t out = (int64_t)((uint64_t)low + v);
    switch (dst.dtype) {
      case DType::i64: dst.ptr<int64_t>()[i] = out; break;
      case DType::i32: dst.ptr<int32_t>()[i] = (int32_t)out; break;
      case DType::u8: case DType::b8: dst.ptr<uint8_t>()[i] = (uint8_t)out; break;
      case DType::f32: dst.ptr<float>()[i] = (float)out; break;
      case DType::f64: dst.ptr<double>()[i] = (double)out; break;
      default: break;
    }
  });
}

}  // namespace nr
