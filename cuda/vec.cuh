// 8-element vector load/store helpers for memory-bound kernels: one or two 16-byte transactions per
// thread whatever the dtype (2 x float4 for float32, 1 x uint4 for float16/bfloat16), values as float.
#pragma once
#include "common.cuh"

namespace nrc {

constexpr int kVec = 8;  // elements per thread per step in memory-bound kernels

// 4 elements starting at element 4*i of p (float32: one float4; 16-bit types: one 8-byte load), as float.
template <typename T>
__device__ __forceinline__ void load4_at(const T* __restrict__ p, size_t i, float (&f)[4]) {
  if constexpr (sizeof(T) == 4) {
    float4 t = __ldg(reinterpret_cast<const float4*>(p) + i);
    f[0] = t.x; f[1] = t.y; f[2] = t.z; f[3] = t.w;
  } else {
    uint2 t = __ldg(reinterpret_cast<const uint2*>(p) + i);
    const T* h = reinterpret_cast<const T*>(&t);
#pragma unroll
    for (int j = 0; j < 4; j++) f[j] = to_f<T>(h[j]);
  }
}

template <typename T>
__device__ __forceinline__ void load8(const T* __restrict__ p, float (&f)[kVec]) {
  if constexpr (sizeof(T) == 4) {
    float4 a = __ldg(reinterpret_cast<const float4*>(p));
    float4 b = __ldg(reinterpret_cast<const float4*>(p) + 1);
    f[0] = a.x; f[1] = a.y; f[2] = a.z; f[3] = a.w; f[4] = b.x; f[5] = b.y; f[6] = b.z; f[7] = b.w;
  } else {
    uint4 u = __ldg(reinterpret_cast<const uint4*>(p));
    const T* h = reinterpret_cast<const T*>(&u);
#pragma unroll
    for (int i = 0; i < kVec; i++) f[i] = to_f<T>(h[i]);
  }
}

template <typename T>
__device__ __forceinline__ void store8(T* __restrict__ p, const float (&f)[kVec]) {
  if constexpr (sizeof(T) == 4) {
    reinterpret_cast<float4*>(p)[0] = make_float4(f[0], f[1], f[2], f[3]);
    reinterpret_cast<float4*>(p)[1] = make_float4(f[4], f[5], f[6], f[7]);
  } else {
    uint4 u;
    T* h = reinterpret_cast<T*>(&u);
#pragma unroll
    for (int i = 0; i < kVec; i++) h[i] = from_f<T>(f[i]);
    *reinterpret_cast<uint4*>(p) = u;
  }
}

inline bool aligned16(const void* p) { return ((uintptr_t)p & 15) == 0; }
__device__ __forceinline__ bool aligned16_dev(const void* p) { return ((uintptr_t)p & 15) == 0; }

// Blocks for a grid-stride memory-bound launch over `vecs` 8-element chunks (256 threads a block).
inline unsigned mem_grid(size_t vecs) { return grid_for(vecs, 256, (unsigned)props().sms * 16); }

}  // namespace nrc
