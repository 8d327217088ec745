// Implicit-GEMM building blocks shared by the three convolution passes (main loops in
// conv_mma.cuh and conv_simt.cuh, launch in conv_igemm.cuh). A pass describes its GEMM
// out (M, Ngemm) = A (M, Kgemm) @ B (Kgemm, Ngemm) per group with two operand loaders and an
// epilogue (conv_fwd.cu, conv_bwd_data.cu, conv_bwd_filter.cu); the operands are gathered element
// by element from the NCHW/KCRS tensors (im2col addresses computed on the fly, zeros for padding
// and out-of-range taps), staged in registers while the previous k-tile is multiplied, and stored
// to a double-buffered shared tile.
//
// Loader interface (LA for A, LB for B), built per block from (ConvParams, group):
//   kAlongK   true: the 256 threads walk the tile along k (coalesced when k is the contiguous index,
//             e.g. weights, or N*P*Q in bwd_filter); false: along m / n (e.g. output pixels).
//   fix(i)    sets the coordinate a thread keeps: an m/n index (along m/n, once per block), or
//   fix(k, o) a k index (along k, once per k-tile; o = the block's m/n origin);
//   tile(k0)  (along m/n only) called at the start of each k-tile, before its at() calls;
//   at(j)     the element at the other coordinate (a k index, or an m/n index), 0 outside.
// Epilogue, built per thread from (ConvParams, group, split) after the main loop: row(m) for an
// output row m < M, then store(n, acc) for its columns n < Ngemm.
// Grid: x = M tiles, y = Ngemm tiles, z = groups * splits (split-K over k-tiles, bwd_filter).
#pragma once
#include "conv_common.cuh"

namespace nrc {
namespace conv {

constexpr int kThreads = 256;
// Tensor-core tile (conv_mma.cuh); split-K ranges are counted in its k-tiles for both main loops.
constexpr int TC_BM = 128, TC_BN = 64, TC_BK = 32;

// Host-and-device conversions (the loaders and epilogues also run in the host emulation of
// cuda/dev/conv_emu.cc, which checks their index arithmetic without a GPU).
template <typename T>
__host__ __device__ __forceinline__ T zero() { return T(0.f); }
template <typename T>
__host__ __device__ __forceinline__ float to_float(T v) {
  if constexpr (std::is_same<T, __half>::value) return __half2float(v);
  else if constexpr (std::is_same<T, __nv_bfloat16>::value) return __bfloat162float(v);
  else return v;
}
template <typename T>
__host__ __device__ __forceinline__ T to_t(float v) {
  if constexpr (std::is_same<T, __half>::value) return __float2half_rn(v);
  else if constexpr (std::is_same<T, __nv_bfloat16>::value) return __float2bfloat16_rn(v);
  else return v;
}

// Where thread t's elements of an E x BK operand tile lie: fixed coordinate, first varying one,
// step between them, and how many (E = BM or BN).
template <bool AlongK, int E, int BK>
struct TileMap {
  static constexpr int kCount = E * BK / kThreads;
  static constexpr int kFixedExtent = AlongK ? BK : E;
  static constexpr int kStep = kThreads / kFixedExtent;
  __host__ __device__ static int fixed(int t) { return t % kFixedExtent; }
  __host__ __device__ static int var0(int t) { return t / kFixedExtent; }
};

// Register-staged gather of one k-tile of an operand by thread t: origin = the block's m/n origin.
// Along m/n, tile(k0) lets the loader hoist per-tile work (the tap of a kfast tile).
template <class L, int E, int BK, typename R>
__host__ __device__ __forceinline__ void gather(L& l, int origin, int k0, R (&reg)[TileMap<L::kAlongK, E, BK>::kCount],
                                                int t) {
  using Map = TileMap<L::kAlongK, E, BK>;
  if constexpr (L::kAlongK) {
    l.fix(k0 + Map::fixed(t), origin);
#pragma unroll
    for (int i = 0; i < Map::kCount; i++) reg[i] = l.at(origin + Map::var0(t) + i * Map::kStep);
  } else {
    l.tile(k0);
#pragma unroll
    for (int i = 0; i < Map::kCount; i++) reg[i] = l.at(k0 + Map::var0(t) + i * Map::kStep);
  }
}

}  // namespace conv
}  // namespace nrc
