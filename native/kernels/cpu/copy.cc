// Strided copy with dtype conversion, fill, arange/linspace. Memory-bound: a contiguous fast path
// (memcpy or a tight conversion loop) and a generic strided walker, both split over threads.
#include "nr/kernels/copy.h"
#include <cmath>
#include <cstring>
#include <limits>
#include "kernels/cpu/copy_strided.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

template <typename T> inline double load_as_double(const char* p) { return (double)*reinterpret_cast<const T*>(p); }

inline double load(DType t, const char* p) {
  switch (t) {
    case DType::f32: return load_as_double<float>(p);
    case DType::f64: return load_as_double<double>(p);
    case DType::f16: return half_to_float(*reinterpret_cast<const uint16_t*>(p));
    case DType::bf16: return bf16_to_float(*reinterpret_cast<const uint16_t*>(p));
    case DType::i32: return load_as_double<int32_t>(p);
    case DType::i64: return load_as_double<int64_t>(p);
    case DType::u8: return load_as_double<uint8_t>(p);
    case DType::b8: return *reinterpret_cast<const uint8_t*>(p) ? 1.0 : 0.0;
  }
  return 0;
}

template <typename I> inline I sat_int(double v) {
  if (std::isnan(v)) return 0;
  v = std::trunc(v);
  if (v <= (double)std::numeric_limits<I>::min()) return std::numeric_limits<I>::min();
  if (v >= (double)std::numeric_limits<I>::max()) return std::numeric_limits<I>::max();
  return (I)v;
}

inline void store(DType t, char* p, double v) {
  switch (t) {
    case DType::f32: *reinterpret_cast<float*>(p) = (float)v; break;
    case DType::f64: *reinterpret_cast<double*>(p) = v; break;
    case DType::f16: *reinterpret_cast<uint16_t*>(p) = float_to_half((float)v); break;
    case DType::bf16: *reinterpret_cast<uint16_t*>(p) = float_to_bf16((float)v); break;
    case DType::i32: *reinterpret_cast<int32_t*>(p) = sat_int<int32_t>(v); break;
    case DType::i64: *reinterpret_cast<int64_t*>(p) = sat_int<int64_t>(v); break;
    case DType::u8: *reinterpret_cast<uint8_t*>(p) = (uint8_t)(int64_t)sat_int<int64_t>(v); break;  // wraps like torch
    case DType::b8: *reinterpret_cast<uint8_t*>(p) = v != 0.0 ? 1 : 0; break;
  }
}

// int64 -> int64 and same-dtype copies must not go through double (loses precision above 2^53).
inline void copy_elem(DType dt, char* d, DType st, const char* s) {
  if (dt == st) { std::memcpy(d, s, (size_t)dtype_size(dt)); return; }
  if (dt == DType::i64 && (st == DType::i32 || st == DType::u8 || st == DType::b8)) { store(dt, d, load(st, s)); return; }
  if (st == DType::i64 && (dt == DType::i32 || dt == DType::u8)) {
    int64_t v = *reinterpret_cast<const int64_t*>(s);
    if (dt == DType::i32) *reinterpret_cast<int32_t*>(d) = (int32_t)v; else *reinterpret_cast<uint8_t*>(d) = (uint8_t)v;
    return;
  }
  store(dt, d, load(st, s));
}

constexpr int64_t kGrain = 1 << 15;

}  // namespace

void copy_view(const View& dst, const View& src) {
  int64_t n = dst.numel;
  if (n == 0) return;
  const int64_t ds = dtype_size(dst.dtype), ss = dtype_size(src.dtype);
  if (dst.is_contiguous() && src.is_contiguous()) {
    if (dst.dtype == src.dtype) {
      parallel_for(n, kGrain * 4, [&](int64_t b, int64_t e) { std::memcpy(dst.data + b * ds, src.data + b * ss, (size_t)((e - b) * ds)); });
      return;
    }
    if (src.dtype == DType::f32 && dst.dtype == DType::f16) {
      parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
        const float* s = src.ptr<float>(); uint16_t* d = dst.ptr<uint16_t>();
        for (int64_t i = b; i < e; ++i) d[i] = float_to_half(s[i]);
      });
      return;
    }
    if (src.dtype == DType::f16 && dst.dtype == DType::f32) {
      parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
        const uint16_t* s = src.ptr<uint16_t>(); float* d = dst.ptr<float>();
        for (int64_t i = b; i < e; ++i) d[i] = half_to_float(s[i]);
      });
      return;
    }
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) copy_elem(dst.dtype, dst.data + i * ds, src.dtype, src.data + i * ss);
    });
    return;
  }
  // Same dtype: coalesced rows / tiled transpose; the element walker below is the reference.
  if (active_isa() != Isa::kRef && copy_same_dtype_strided(dst, src)) return;
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    StridedIter di(dst, b), si(src, b);
    if (dst.dtype == src.dtype && ds == 4) {
      for (int64_t i = b; i < e; ++i, di.next(), si.next())
        *reinterpret_cast<uint32_t*>(dst.data + di.off * 4) = *reinterpret_cast<const uint32_t*>(src.data + si.off * 4);
      return;
    }
    for (int64_t i = b; i < e; ++i, di.next(), si.next())
      copy_elem(dst.dtype, dst.data + di.off * ds, src.dtype, src.data + si.off * ss);
  });
}

// Writes `count` copies of the ds-byte pattern: typed stores the compiler vectorises (the old
// per-element memcpy ran at ~1 GB/s).
static void fill_run(char* p, int64_t count, int64_t ds, const char* pattern) {
  auto run = [&](auto tag) {
    using U = decltype(tag);
    U v;
    std::memcpy(&v, pattern, sizeof(U));
    U* q = reinterpret_cast<U*>(p);   // storage is at least element-aligned
    for (int64_t i = 0; i < count; ++i) q[i] = v;
  };
  switch (ds) {
    case 1: std::memset(p, pattern[0], (size_t)count); break;
    case 2: run(uint16_t{}); break;
    case 4: run(uint32_t{}); break;
    default: run(uint64_t{}); break;
  }
}

void fill_view(const View& dst, double value) {
  int64_t n = dst.numel;
  if (n == 0) return;
  const int64_t ds = dtype_size(dst.dtype);
  char pattern[8];
  store(dst.dtype, pattern, value);
  if (dst.is_contiguous()) {
    bool zero = true;
    for (int i = 0; i < ds; ++i) zero = zero && pattern[i] == 0;
    parallel_for(n, kGrain * 4, [&](int64_t b, int64_t e) {
      if (zero) { std::memset(dst.data + b * ds, 0, (size_t)((e - b) * ds)); return; }
      fill_run(dst.data + b * ds, e - b, ds, pattern);
    });
    return;
  }
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    StridedIter di(dst, b);
    for (int64_t i = b; i < e; ++i, di.next()) std::memcpy(dst.data + di.off * ds, pattern, (size_t)ds);
  });
}

void arange_fill(const View& dst, double start, double step) {
  const int64_t ds = dtype_size(dst.dtype), n = dst.numel;
  if (dst.dtype == DType::i64) {
    int64_t* d = dst.ptr<int64_t>();
    int64_t s0 = (int64_t)start, st = (int64_t)step;
    if ((double)s0 == start && (double)st == step) { for (int64_t i = 0; i < n; ++i) d[i] = s0 + i * st; return; }
  }
  for (int64_t i = 0; i < n; ++i) store(dst.dtype, dst.data + i * ds, start + (double)i * step);
}

void linspace_fill(const View& dst, double start, double end) {
  const int64_t ds = dtype_size(dst.dtype), n = dst.numel;
  if (n == 1) { store(dst.dtype, dst.data, start); return; }
  double step = (end - start) / (double)(n - 1);
  int64_t half = n / 2;
  for (int64_t i = 0; i < n; ++i) {
    double v = i < half ? start + step * (double)i : end - step * (double)(n - 1 - i);
    store(dst.dtype, dst.data + i * ds, v);
  }
}

}  // namespace nr
