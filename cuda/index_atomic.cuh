// Atomic read-modify-write of one element for the scatter/indexPut kernels: atomic_apply<M>(p, v)
// performs *p = Combine<M, T>::apply(*p, v) (index_math.cuh) atomically. Assign is a plain store
// (duplicate targets: one of the writers wins, as in PyTorch). Add uses the hardware atomicAdd
// where one exists (float, double, int32, int64 through unsigned 64-bit wrap-around, __half on
// sm_70+, __nv_bfloat16 on sm_80+); everything else (multiply, amax/amin, uint8, bf16 on sm_75) is a
// compare-and-swap loop on the element's bits: 8- and 4-byte CAS, the native 16-bit CAS (sm_70+),
// and for uint8 a CAS on the aligned 32-bit word holding the byte (as PyTorch's gpuAtomic does;
// allocations are 256-byte aligned, so that word is always inside the allocation's granule).
// A CAS loop stops without writing when the combined value has the same bits (amax/amin that do
// not change the element, NaN already stored).
#pragma once
#include "index_math.cuh"

namespace nrc {
namespace ix {

template <typename T> struct Bits;
template <> struct Bits<float> { using U = unsigned int; };
template <> struct Bits<int32_t> { using U = unsigned int; };
template <> struct Bits<double> { using U = unsigned long long; };
template <> struct Bits<long long> { using U = unsigned long long; };
template <> struct Bits<__half> { using U = unsigned short; };
template <> struct Bits<__nv_bfloat16> { using U = unsigned short; };

template <typename T, typename U>
__device__ __forceinline__ U bits_of(T v) { U u; memcpy(&u, &v, sizeof(U)); return u; }
template <typename T, typename U>
__device__ __forceinline__ T from_bits(U u) { T v; memcpy(&v, &u, sizeof(U)); return v; }

// CAS loop for 2-, 4- and 8-byte element types.
template <int M, typename T>
__device__ __forceinline__ void cas_apply(T* p, T v) {
  using U = typename Bits<T>::U;
  U* w = reinterpret_cast<U*>(p);
  U old = *reinterpret_cast<volatile U*>(w), assumed;
  do {
    assumed = old;
    U nb = bits_of<T, U>(Combine<M, T>::apply(from_bits<T, U>(assumed), v));
    if (nb == assumed) return;
    old = atomicCAS(w, assumed, nb);
  } while (old != assumed);
}

// uint8: CAS on the enclosing aligned 32-bit word.
template <int M>
__device__ __forceinline__ void cas_apply_u8(uint8_t* p, uint8_t v) {
  unsigned* w = reinterpret_cast<unsigned*>((uintptr_t)p & ~(uintptr_t)3);
  const unsigned sh = (unsigned)((uintptr_t)p & 3) * 8;
  unsigned old = *reinterpret_cast<volatile unsigned*>(w), assumed;
  do {
    assumed = old;
    uint8_t cur = (uint8_t)(assumed >> sh);
    uint8_t nv = Combine<M, uint8_t>::apply(cur, v);
    if (nv == cur) return;
    unsigned nw = (assumed & ~(0xffu << sh)) | ((unsigned)nv << sh);
    old = atomicCAS(w, assumed, nw);
  } while (old != assumed);
}

template <int M, typename T>
__device__ __forceinline__ void atomic_apply(T* p, T v) {
  if constexpr (M == 0) *p = v;
  else cas_apply<M, T>(p, v);
}
template <int M> __device__ __forceinline__ void atomic_apply(uint8_t* p, uint8_t v) {
  if constexpr (M == 0) *p = v;
  else cas_apply_u8<M>(p, v);
}
template <> __device__ __forceinline__ void atomic_apply<1, float>(float* p, float v) { atomicAdd(p, v); }
template <> __device__ __forceinline__ void atomic_apply<1, double>(double* p, double v) { atomicAdd(p, v); }
template <> __device__ __forceinline__ void atomic_apply<1, int32_t>(int32_t* p, int32_t v) { atomicAdd(p, v); }
template <> __device__ __forceinline__ void atomic_apply<1, long long>(long long* p, long long v) {
  atomicAdd(reinterpret_cast<unsigned long long*>(p), (unsigned long long)v);
}
template <> __device__ __forceinline__ void atomic_apply<3, int32_t>(int32_t* p, int32_t v) { atomicMax(p, v); }
template <> __device__ __forceinline__ void atomic_apply<4, int32_t>(int32_t* p, int32_t v) { atomicMin(p, v); }
template <> __device__ __forceinline__ void atomic_apply<3, long long>(long long* p, long long v) { atomicMax(p, v); }
template <> __device__ __forceinline__ void atomic_apply<4, long long>(long long* p, long long v) { atomicMin(p, v); }
template <> __device__ __forceinline__ void atomic_apply<1, __half>(__half* p, __half v) { atomicAdd(p, v); }
template <> __device__ __forceinline__ void atomic_apply<1, __nv_bfloat16>(__nv_bfloat16* p, __nv_bfloat16 v) {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
  atomicAdd(p, v);
#else
  cas_apply<1, __nv_bfloat16>(p, v);
#endif
}

}  // namespace ix
}  // namespace nrc

// Shared by index.cu and index_adv.cu: dispatch on the index dtype (I) and on the width of the linear
// position (L: 32-bit while n < 2^32), and on the element size for the moves (T of 1/2/4/8 bytes).
#define NRC_IX_DISPATCH(idx_dt, n, I, L, ...)                                        \
  do {                                                                               \
    if (idx_dt == NRC_I32) { using I = int32_t;                                      \
      if (n < (1ull << 32)) { using L = uint32_t; __VA_ARGS__; } else { using L = uint64_t; __VA_ARGS__; } \
    } else { using I = long long;                                                    \
      if (n < (1ull << 32)) { using L = uint32_t; __VA_ARGS__; } else { using L = uint64_t; __VA_ARGS__; } \
    }                                                                                \
  } while (0)

#define NRC_BYTES_DISPATCH(size, T, ...)                               \
  switch (size) {                                                      \
    case 1: { using T = uint8_t; __VA_ARGS__; break; }                 \
    case 2: { using T = unsigned short; __VA_ARGS__; break; }          \
    case 4: { using T = unsigned int; __VA_ARGS__; break; }            \
    default: { using T = unsigned long long; __VA_ARGS__; break; }     \
  }
