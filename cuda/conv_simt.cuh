// SIMT (fp32 FMA) main loop of the convolution implicit GEMMs (see conv_tile.cuh for the loader
// and epilogue interface): float32, and f16/bf16 before sm_80.
#pragma once
#include "conv_tile.cuh"

namespace nrc {
namespace conv {

// ---- SIMT (fp32 FMA; also f16/bf16 before sm_80): 128x64x16 tiles, 8x4 outputs per thread ----
constexpr int ST_BM = 128, ST_BN = 64, ST_BK = 16;

template <typename T, class LA, class LB, class Epi>
__global__ void __launch_bounds__(kThreads) conv_simt_kernel(const __grid_constant__ ConvParams p) {
  using MapA = TileMap<LA::kAlongK, ST_BM, ST_BK>;
  using MapB = TileMap<LB::kAlongK, ST_BN, ST_BK>;
  __shared__ __align__(16) float sA[2][ST_BK][ST_BM];
  __shared__ __align__(16) float sB[2][ST_BK][ST_BN];
  const int grp = blockIdx.z % p.g.groups, split = blockIdx.z / p.g.groups;
  LA la(p, grp);
  LB lb(p, grp);
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int bm = blockIdx.x * ST_BM, bn = blockIdx.y * ST_BN;
  const int KT = (p.Kgemm + ST_BK - 1) / ST_BK;
  // split-K ranges are given in tensor-core k-tiles (TC_BK) so that both kernels split alike
  const int kt0 = split * p.kt_per_split * (TC_BK / ST_BK), kt1 = min(KT, kt0 + p.kt_per_split * (TC_BK / ST_BK));
  if constexpr (!LA::kAlongK) la.fix(bm + MapA::fixed(tid));
  if constexpr (!LB::kAlongK) lb.fix(bn + MapB::fixed(tid));

  T ra[MapA::kCount], rb[MapB::kCount];
  auto store = [&](int buf) {
#pragma unroll
    for (int i = 0; i < MapA::kCount; i++) {
      int f = MapA::fixed(tid), v = MapA::var0(tid) + i * MapA::kStep;
      if (LA::kAlongK) sA[buf][f][v] = to_f(ra[i]); else sA[buf][v][f] = to_f(ra[i]);
    }
#pragma unroll
    for (int i = 0; i < MapB::kCount; i++) {
      int f = MapB::fixed(tid), v = MapB::var0(tid) + i * MapB::kStep;
      if (LB::kAlongK) sB[buf][f][v] = to_f(rb[i]); else sB[buf][v][f] = to_f(rb[i]);
    }
  };

  float acc[8][4] = {};
  if (kt0 < kt1) {
    gather<LA, ST_BM, ST_BK, T>(la, bm, kt0 * ST_BK, ra, tid);
    gather<LB, ST_BN, ST_BK, T>(lb, bn, kt0 * ST_BK, rb, tid);
    store(0);
  }
  __syncthreads();
  for (int kt = kt0; kt < kt1; kt++) {
    const int buf = (kt - kt0) & 1;
    const bool more = kt + 1 < kt1;
    if (more) {
      gather<LA, ST_BM, ST_BK, T>(la, bm, (kt + 1) * ST_BK, ra, tid);
      gather<LB, ST_BN, ST_BK, T>(lb, bn, (kt + 1) * ST_BK, rb, tid);
    }
#pragma unroll
    for (int k = 0; k < ST_BK; k++) {
      float4 a0 = *reinterpret_cast<const float4*>(&sA[buf][k][ty * 4]);
      float4 a1 = *reinterpret_cast<const float4*>(&sA[buf][k][64 + ty * 4]);
      float4 b0 = *reinterpret_cast<const float4*>(&sB[buf][k][tx * 4]);
      float ra8[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      float rb4[4] = {b0.x, b0.y, b0.z, b0.w};
#pragma unroll
      for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = fmaf(ra8[i], rb4[j], acc[i][j]);
    }
    if (more) store(buf ^ 1);
    __syncthreads();
  }

  Epi epi(p, grp, split);
#pragma unroll
  for (int i = 0; i < 8; i++) {
    int m = bm + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
    if (m >= p.M) continue;
    epi.row(m);
#pragma unroll
    for (int j = 0; j < 4; j++) {
      int n = bn + tx * 4 + j;
      if (n < p.Ngemm) epi.store(n, acc[i][j]);
    }
  }
}

}  // namespace conv
}  // namespace nrc
