// Ordering shared by the reference and fast sort kernels: a < b with NaN as the largest value, and
// the sortable dtypes.
#pragma once
#include <cstdint>
#include <type_traits>
#include "nr/dtype.h"

namespace nr {

template <typename T> inline bool nan_last_less(T a, T b) {
  if constexpr (std::is_floating_point<T>::value) {
    if (a != a) return false;   // NaN is never less
    if (b != b) return true;    // anything else is less than NaN
  }
  return a < b;
}

}  // namespace nr

// float32, float64, int32, int64, uint8 and bool (as uint8).
#define NR_DISPATCH_SORT(dtype, T, ...)                                \
  switch (dtype) {                                                     \
    case ::nr::DType::f32: { using T = float; __VA_ARGS__; break; }    \
    case ::nr::DType::f64: { using T = double; __VA_ARGS__; break; }   \
    case ::nr::DType::i32: { using T = int32_t; __VA_ARGS__; break; }  \
    case ::nr::DType::i64: { using T = int64_t; __VA_ARGS__; break; }  \
    case ::nr::DType::u8:                                              \
    case ::nr::DType::b8: { using T = uint8_t; __VA_ARGS__; break; }   \
    default: break;                                                    \
  }
