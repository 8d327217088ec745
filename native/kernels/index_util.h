// Helpers shared by the indexing and sorting kernels (reference and fast): views with one dim
// removed or re-shaped, dtype dispatch by element size and by index type, wrapped index loads.
#pragma once
#include <cstdint>
#include <cstring>
#include "nr/dtype.h"
#include "nr/kernels/dispatch.h"
#include "nr/view.h"

namespace nr {

// v without dimension `dim`: the positions of the other dims (same data pointer).
inline View drop_dim(const View& v, int dim) {
  View r;
  r.dtype = v.dtype;
  r.data = v.data;
  r.numel = 1;
  for (int d = 0, k = 0; d < v.ndim; ++d) {
    if (d == dim) continue;
    r.shape[k] = v.shape[d];
    r.strides[k] = v.strides[d];
    r.numel *= v.shape[d];
    ++k;
  }
  r.ndim = v.ndim > 0 ? v.ndim - 1 : 0;
  return r;
}

// The first n dims of v (begin == 0) or the dims [begin, v.ndim) (same data pointer).
inline View sub_dims(const View& v, int begin, int end) {
  View r;
  r.dtype = v.dtype;
  r.data = v.data;
  r.numel = 1;
  r.ndim = end - begin;
  for (int d = begin; d < end; ++d) {
    r.shape[d - begin] = v.shape[d];
    r.strides[d - begin] = v.strides[d];
    r.numel *= v.shape[d];
  }
  return r;
}

// v's strides read over `shape` (ndim dims): a view for iterating another tensor's positions in v.
inline View reshaped_like(const View& v, const View& shape_of) {
  View r = v;
  r.numel = shape_of.numel;
  for (int d = 0; d < v.ndim; ++d) r.shape[d] = shape_of.shape[d];
  return r;
}

// True if dims [begin, ndim) of v are laid out contiguously (row-major, unit innermost stride).
inline bool inner_contiguous(const View& v, int begin) {
  int64_t expect = 1;
  for (int d = v.ndim - 1; d >= begin; --d) {
    if (v.shape[d] != 1 && v.strides[d] != expect) return false;
    expect *= v.shape[d];
  }
  return true;
}

// Advances a row-major coordinate over shape[0..nd).
inline void next_coord(int64_t* coord, const int64_t* shape, int nd) {
  for (int d = nd - 1; d >= 0; --d) {
    if (++coord[d] < shape[d]) return;
    coord[d] = 0;
  }
}

// x != 0 for the element at p (NaN is non-zero, -0.0 is zero).
inline bool elem_nonzero(DType t, const char* p) {
  switch (t) {
    case DType::f32: return *reinterpret_cast<const float*>(p) != 0.0f;
    case DType::f64: return *reinterpret_cast<const double*>(p) != 0.0;
    case DType::f16: case DType::bf16: return (*reinterpret_cast<const uint16_t*>(p) & 0x7fff) != 0;
    case DType::i32: return *reinterpret_cast<const int32_t*>(p) != 0;
    case DType::i64: return *reinterpret_cast<const int64_t*>(p) != 0;
    case DType::u8: case DType::b8: return *reinterpret_cast<const uint8_t*>(p) != 0;
  }
  return false;
}

// One step of a scatter reduction (M is a ScatterMode value); amax/amin propagate NaN.
template <int M, typename T> inline void scatter_apply(T& o, T s) {
  if constexpr (M == 0) o = s;
  else if constexpr (M == 1) o = (T)(o + s);
  else if constexpr (M == 2) o = (T)(o * s);
  else if constexpr (M == 3) { if (!(o != o) && (s != s || s > o)) o = s; }
  else { if (!(o != o) && (s != s || s < o)) o = s; }
}

template <typename I> inline int64_t wrap_index(I v, int64_t size) {
  int64_t i = (int64_t)v;
  return i < 0 ? i + size : i;
}

}  // namespace nr

// Index tensors are int32 or int64.
#define NR_DISPATCH_INDEX(dtype, I, ...)                               \
  switch (dtype) {                                                     \
    case ::nr::DType::i32: { using I = int32_t; __VA_ARGS__; break; }  \
    case ::nr::DType::i64: { using I = int64_t; __VA_ARGS__; break; }  \
    default: break;                                                    \
  }

// Pure data movement: any dtype, by element size.
#define NR_DISPATCH_BYTES(dtype, T, ...)                                 \
  switch (::nr::dtype_size(dtype)) {                                     \
    case 1: { using T = uint8_t; __VA_ARGS__; break; }                   \
    case 2: { using T = uint16_t; __VA_ARGS__; break; }                  \
    case 4: { using T = uint32_t; __VA_ARGS__; break; }                  \
    case 8: { using T = uint64_t; __VA_ARGS__; break; }                  \
    default: break;                                                      \
  }

// Runs the body with constexpr int M bound to a ScatterMode and T to the element type (assign moves
// bytes; the reducing modes need arithmetic types).
#define NR_DISPATCH_SCATTER(mode, dtype, M, T, ...)                                         \
  switch ((int)(mode)) {                                                                    \
    case 0: { constexpr int M = 0; NR_DISPATCH_BYTES(dtype, T, __VA_ARGS__); break; }       \
    case 1: { constexpr int M = 1; NR_DISPATCH_ARITH(dtype, T, __VA_ARGS__); break; }       \
    case 2: { constexpr int M = 2; NR_DISPATCH_ARITH(dtype, T, __VA_ARGS__); break; }       \
    case 3: { constexpr int M = 3; NR_DISPATCH_ARITH(dtype, T, __VA_ARGS__); break; }       \
    case 4: { constexpr int M = 4; NR_DISPATCH_ARITH(dtype, T, __VA_ARGS__); break; }       \
    default: break;                                                                         \
  }
