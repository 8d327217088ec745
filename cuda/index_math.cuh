// Index math of the indexing kernels (cuda/index.cu, cuda/index_adv.cu), as __host__ __device__
// functions so that cuda/dev/index_host_check.cu can run them on the CPU against the reference
// semantics (native/kernels/ref/index.cc): linear position -> per-operand offsets over a strided
// iteration space, index wrapping/validation, the scatter combine step (assign/add/mul/amax/amin,
// NaN-propagating, integers wrapping) and the nonzero test. No CUDA runtime calls here.
#pragma once
#include <cstdint>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include "neurona_cuda.h"

#define NRC_HD __host__ __device__ __forceinline__

namespace nrc {
namespace ix {

constexpr int kMax = NRC_MAX_DIMS;

// An iteration space of nd dims (row-major, last dim fastest) and NOPS operands with element strides.
template <int NOPS>
struct Iter {
  int nd;
  int64_t shape[kMax];
  int64_t st[NOPS][kMax];
};

// Offsets of every operand at row-major position lin. L is uint32_t when numel < 2^32 (cheaper
// division), else uint64_t.
template <int NOPS, typename L>
NRC_HD void offsets(const Iter<NOPS>& g, L lin, int64_t (&off)[NOPS]) {
#pragma unroll
  for (int o = 0; o < NOPS; ++o) off[o] = 0;
  for (int d = g.nd - 1; d >= 0; --d) {
    L s = (L)g.shape[d];
    L c = lin % s;
    lin /= s;
#pragma unroll
    for (int o = 0; o < NOPS; ++o) off[o] += (int64_t)c * g.st[o][d];
  }
}

// v as an index into a dim of `size`: negatives wrap when allow_neg; -1 when out of range.
NRC_HD int64_t wrap_checked(int64_t v, int64_t size, bool allow_neg) {
  if (v < 0 && allow_neg) v += size;
  return v >= 0 && v < size ? v : -1;
}

// ---- scatter combine: the CPU's scatter_apply<M, T> (nr/kernels/index_util.h) per element type ----
// Modes: 0 assign, 1 add, 2 multiply, 3 amax, 4 amin (amax/amin propagate NaN: a NaN already stored
// stays, a NaN source replaces). Integers wrap (computed through the unsigned type).
template <int M, typename F>
NRC_HD F combine_float(F o, F s) {
  if (M == 0) return s;
  if (M == 1) return o + s;
  if (M == 2) return o * s;
  if (M == 3) return (!(o != o) && (s != s || s > o)) ? s : o;
  return (!(o != o) && (s != s || s < o)) ? s : o;
}
template <int M, typename I, typename U>
NRC_HD I combine_int(I o, I s) {
  if (M == 0) return s;
  if (M == 1) return (I)(U)((U)o + (U)s);
  if (M == 2) return (I)(U)((U)o * (U)s);
  if (M == 3) return s > o ? s : o;
  return s < o ? s : o;
}

template <int M, typename T> struct Combine;
template <int M> struct Combine<M, float> { static NRC_HD float apply(float o, float s) { return combine_float<M>(o, s); } };
template <int M> struct Combine<M, double> { static NRC_HD double apply(double o, double s) { return combine_float<M>(o, s); } };
template <int M> struct Combine<M, int32_t> { static NRC_HD int32_t apply(int32_t o, int32_t s) { return combine_int<M, int32_t, uint32_t>(o, s); } };
template <int M> struct Combine<M, long long> {
  static NRC_HD long long apply(long long o, long long s) { return combine_int<M, long long, unsigned long long>(o, s); }
};
template <int M> struct Combine<M, uint8_t> { static NRC_HD uint8_t apply(uint8_t o, uint8_t s) { return combine_int<M, uint8_t, uint32_t>(o, s); } };
// Half types: computed in float, rounded to nearest even once per step (amax/amin select an operand,
// so they are exact).
template <int M> struct Combine<M, __half> {
  static NRC_HD __half apply(__half o, __half s) {
    if (M == 0) return s;
    float a = __half2float(o), b = __half2float(s), r = combine_float<M>(a, b);
    if (M >= 3) return r != r ? (a != a ? o : s) : (r == a ? o : s);
    return __float2half_rn(r);
  }
};
template <int M> struct Combine<M, __nv_bfloat16> {
  static NRC_HD __nv_bfloat16 apply(__nv_bfloat16 o, __nv_bfloat16 s) {
    if (M == 0) return s;
    float a = __bfloat162float(o), b = __bfloat162float(s), r = combine_float<M>(a, b);
    if (M >= 3) return r != r ? (a != a ? o : s) : (r == a ? o : s);
    return __float2bfloat16_rn(r);
  }
};

// x != 0 for a stored element of `bytes` bytes and float kind: NaN is non-zero, -0.0 is zero
// (the CPU's elem_nonzero). kind: 0 integer/bool, 1 float32, 2 float64, 3 float16/bfloat16.
NRC_HD bool nonzero_bits(uint64_t bits, int kind) {
  switch (kind) {
    case 1: return (bits & 0x7fffffffull) != 0;
    case 2: return (bits & 0x7fffffffffffffffull) != 0;
    case 3: return (bits & 0x7fffull) != 0;
    default: return bits != 0;
  }
}

// Key of an out-of-range element for the check kernel's atomicMin: tensor j first, then position,
// so the smallest key is the CPU's first reported fault (tensors checked in order, each row-major).
constexpr int kKeyShift = 48;
NRC_HD unsigned long long fault_key(int j, uint64_t pos) { return ((unsigned long long)j << kKeyShift) | pos; }
NRC_HD int fault_tensor(unsigned long long key) { return (int)(key >> kKeyShift); }
NRC_HD uint64_t fault_pos(unsigned long long key) { return key & ((1ull << kKeyShift) - 1); }

// Geometry of an advanced-indexing launch. Iteration over out/values (B..., R...) of nd dims, the
// first nb the broadcast index shape B.
struct Adv {
  int nd, nb, k;
  int64_t shape[kMax];
  int64_t vst[kMax];        // out (gather) or values (put) strides
  int64_t xst[kMax];        // x stride along each iteration dim: 0 for B dims, x's R strides after
  int64_t ist[kMax][kMax];  // [j][d]: stride of index j along B dim d
  int64_t asize[kMax], ast[kMax];  // size and stride of the indexed dim A_j of x
  const void* idx[kMax];
};

// Offsets into values/out (vo) and x (xo) of position lin; false if some index is out of range.
template <typename I, typename L>
NRC_HD bool adv_offsets(const Adv& g, L lin, int64_t& vo, int64_t& xo) {
  vo = 0; xo = 0;
  // trailing (R) dims, then the B dims; no per-dim arrays (they would live in local memory)
  for (int d = g.nd - 1; d >= g.nb; --d) {
    L s = (L)g.shape[d];
    int64_t c = (int64_t)(lin % s);
    lin /= s;
    vo += c * g.vst[d];
    xo += c * g.xst[d];
  }
  const L b = lin;  // row-major position in B
  for (int d = g.nb - 1; d >= 0; --d) {
    L s = (L)g.shape[d];
    vo += (int64_t)(lin % s) * g.vst[d];
    lin /= s;
  }
  for (int j = 0; j < g.k; ++j) {
    int64_t io = 0;
    L r = b;
    for (int d = g.nb - 1; d >= 0; --d) {
      L s = (L)g.shape[d];
      io += (int64_t)(r % s) * g.ist[j][d];
      r /= s;
    }
    int64_t w = ix::wrap_checked((int64_t)static_cast<const I*>(g.idx[j])[io], g.asize[j], true);
    if (w < 0) return false;
    xo += w * g.ast[j];
  }
  return true;
}

// nonzero: chunks of kChunk elements, one block of kThreads threads each, kRounds rounds of kThreads
// consecutive elements per chunk.
constexpr int kThreads = 256, kRounds = 8, kChunk = kThreads * kRounds;

}  // namespace ix
}  // namespace nrc
