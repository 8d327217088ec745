// A strided view over raw memory: what every kernel receives. No N-API here.
#pragma once
#include <cstdint>
#include "nr/dtype.h"

namespace nr {

constexpr int kMaxDims = 12;

// data points at the view's first element (storage base + offset*itemsize); strides are in elements.
struct View {
  DType dtype = DType::f32;
  int ndim = 0;
  int64_t numel = 1;
  int64_t shape[kMaxDims] = {0};
  int64_t strides[kMaxDims] = {0};
  char* data = nullptr;

  bool is_contiguous() const {
    int64_t expect = 1;
    for (int d = ndim - 1; d >= 0; --d) {
      if (shape[d] != 1 && strides[d] != expect) return false;
      expect *= shape[d];
    }
    return true;
  }
  template <typename T> T* ptr() const { return reinterpret_cast<T*>(data); }
};

// Walks the element offsets of a view in row-major order: for (it; ...; it.next()) uses it.off.
// Cheap per element (a carry loop over dims); kernels use it for the generic strided path.
struct StridedIter {
  int ndim;
  int64_t idx[kMaxDims];
  const int64_t* shape;
  const int64_t* strides;
  int64_t off = 0;
  StridedIter(const View& v, int64_t start = 0) : ndim(v.ndim), shape(v.shape), strides(v.strides) { seek(start); }
  void seek(int64_t linear) {
    off = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      int64_t s = shape[d] ? shape[d] : 1;
      idx[d] = linear % s; linear /= s;
      off += idx[d] * strides[d];
    }
  }
  inline void next() {
    for (int d = ndim - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) { off += strides[d]; return; }
      off -= (shape[d] - 1) * strides[d];
      idx[d] = 0;
    }
  }
};

}  // namespace nr
