// dtype dispatch for kernels: runs a body with `T` bound to the C++ type of a dtype.
#pragma once
#include <cstdint>
#include "nr/dtype.h"

// Arithmetic dtypes (float16/bfloat16 are storage-only on the CPU; bool is stored as uint8).
#define NR_DISPATCH_ARITH(dtype, T, ...)                         \
  switch (dtype) {                                               \
    case ::nr::DType::f32: { using T = float; __VA_ARGS__; break; }   \
    case ::nr::DType::f64: { using T = double; __VA_ARGS__; break; }  \
    case ::nr::DType::i32: { using T = int32_t; __VA_ARGS__; break; } \
    case ::nr::DType::i64: { using T = int64_t; __VA_ARGS__; break; } \
    case ::nr::DType::u8:                                        \
    case ::nr::DType::b8: { using T = uint8_t; __VA_ARGS__; break; }  \
    default: break;                                              \
  }

#define NR_DISPATCH_FLOAT(dtype, T, ...)                         \
  switch (dtype) {                                               \
    case ::nr::DType::f32: { using T = float; __VA_ARGS__; break; }   \
    case ::nr::DType::f64: { using T = double; __VA_ARGS__; break; }  \
    default: break;                                              \
  }
