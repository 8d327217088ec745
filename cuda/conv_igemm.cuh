// Implicit-GEMM main loops shared by the three convolution passes. A pass describes its GEMM
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
// Epilogue: store(m, n, acc) for m < M, n < Ngemm, once per output element of the block.
// Grid: x = M tiles, y = Ngemm tiles, z = groups * splits (split-K over k-tiles, bwd_filter).
#pragma once
#include "conv_common.cuh"
#include "mma.cuh"

namespace nrc {
namespace conv {

constexpr int kThreads = 256;

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

// ---- tensor cores (sm_80+): bf16/fp16 mma.m16n8k16 (ldmatrix fragments) or, for float32 with
// allow_tf32, tf32 mma.m16n8k8 (operands rounded to tf32 when stored to shared memory, fragments
// read with 32-bit loads). 128x64x32 tiles, 8 warps as 4 (M) x 2 (N), warp tile 32x32. ----
constexpr int TC_BM = 128, TC_BN = 64, TC_BK = 32;

// Shared layout of an operand: along k -> K-major [E][BK+PAD]; along m/n -> MN-major [BK][E+PAD].
// 16-bit: 8 elements of padding (16 bytes: conflict-free ldmatrix rows); 32-bit: K-major rows of
// 36 and MN-major rows of E+8 floats, so the tf32 fragment reads hit 32 distinct banks.
template <bool AlongK, int E, int ElemBytes = 2>
struct TcSmem {
  static constexpr int kLd = AlongK ? TC_BK + (ElemBytes == 2 ? 8 : 4) : E + 8;
  static constexpr int kSize = AlongK ? E * kLd : TC_BK * kLd;
  // element (mn, k) of the tile
  __host__ __device__ static int idx(int mn, int k) { return AlongK ? mn * kLd + k : k * kLd + mn; }
};

template <typename T, class LA, class LB>
constexpr size_t tc_smem_bytes() {
  return 2 * (TcSmem<LA::kAlongK, TC_BM, sizeof(T)>::kSize + TcSmem<LB::kAlongK, TC_BN, sizeof(T)>::kSize) * sizeof(T);
}

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
__device__ __forceinline__ float to_tf32(float x) {
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(x));
  return __uint_as_float(r);
}
// d += a (16x8 tf32, row) * b (8x8 tf32, col), fp32 accumulation
__device__ __forceinline__ void mma1688_tf32(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
#endif

template <typename T, class LA, class LB, class Epi>
__global__ void __launch_bounds__(kThreads) conv_mma_kernel(const __grid_constant__ ConvParams p) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  constexpr bool kTf32 = std::is_same<T, float>::value;
  using SA = TcSmem<LA::kAlongK, TC_BM, sizeof(T)>;
  using SB = TcSmem<LB::kAlongK, TC_BN, sizeof(T)>;
  using MapA = TileMap<LA::kAlongK, TC_BM, TC_BK>;
  using MapB = TileMap<LB::kAlongK, TC_BN, TC_BK>;
  extern __shared__ __align__(16) unsigned char conv_smem[];
  T* sA = reinterpret_cast<T*>(conv_smem);  // [2][SA::kSize]
  T* sB = sA + 2 * SA::kSize;               // [2][SB::kSize]
  const int grp = blockIdx.z % p.g.groups, split = blockIdx.z / p.g.groups;
  LA la(p, grp);
  LB lb(p, grp);
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm = warp / 2, wn = warp % 2;
  const int bm = blockIdx.x * TC_BM, bn = blockIdx.y * TC_BN;
  const int KT = (p.Kgemm + TC_BK - 1) / TC_BK;
  const int kt0 = split * p.kt_per_split, kt1 = min(KT, kt0 + p.kt_per_split);
  if constexpr (!LA::kAlongK) la.fix(bm + MapA::fixed(tid));
  if constexpr (!LB::kAlongK) lb.fix(bn + MapB::fixed(tid));

  T ra[MapA::kCount], rb[MapB::kCount];
  auto cvt = [](T v) -> T {
    if constexpr (kTf32) return to_tf32(v);
    else return v;
  };
  auto store = [&](int buf) {
#pragma unroll
    for (int i = 0; i < MapA::kCount; i++) {
      int f = MapA::fixed(tid), v = MapA::var0(tid) + i * MapA::kStep;
      sA[buf * SA::kSize + (LA::kAlongK ? SA::idx(v, f) : SA::idx(f, v))] = cvt(ra[i]);
    }
#pragma unroll
    for (int i = 0; i < MapB::kCount; i++) {
      int f = MapB::fixed(tid), v = MapB::var0(tid) + i * MapB::kStep;
      sB[buf * SB::kSize + (LB::kAlongK ? SB::idx(v, f) : SB::idx(f, v))] = cvt(rb[i]);
    }
  };

  float acc[2][4][4] = {};
  const int q = lane / 8, r8 = lane % 8, g8 = lane / 4, c4 = lane % 4;
  if (kt0 < kt1) {
    gather<LA, TC_BM, TC_BK, T>(la, bm, kt0 * TC_BK, ra, tid);
    gather<LB, TC_BN, TC_BK, T>(lb, bn, kt0 * TC_BK, rb, tid);
    store(0);
  }
  __syncthreads();
  for (int kt = kt0; kt < kt1; kt++) {
    const int buf = (kt - kt0) & 1;
    const bool more = kt + 1 < kt1;
    if (more) {  // next tile's global loads are in flight during this tile's MMAs
      gather<LA, TC_BM, TC_BK, T>(la, bm, (kt + 1) * TC_BK, ra, tid);
      gather<LB, TC_BN, TC_BK, T>(lb, bn, (kt + 1) * TC_BK, rb, tid);
    }
    const T* tA = sA + buf * SA::kSize;
    const T* tB = sB + buf * SB::kSize;
    if constexpr (kTf32) {
      // A (16x8): a0 (g, c), a1 (g+8, c), a2 (g, c+4), a3 (g+8, c+4); B (8x8): b0 (k c, n g), b1 (k c+4, n g)
      const uint32_t* uA = reinterpret_cast<const uint32_t*>(tA);
      const uint32_t* uB = reinterpret_cast<const uint32_t*>(tB);
#pragma unroll
      for (int kk = 0; kk < TC_BK; kk += 8) {
        uint32_t af[2][4], bf[4][2];
#pragma unroll
        for (int mt = 0; mt < 2; mt++) {
          int m = wm * 32 + mt * 16 + g8;
          af[mt][0] = uA[SA::idx(m, kk + c4)];
          af[mt][1] = uA[SA::idx(m + 8, kk + c4)];
          af[mt][2] = uA[SA::idx(m, kk + c4 + 4)];
          af[mt][3] = uA[SA::idx(m + 8, kk + c4 + 4)];
        }
#pragma unroll
        for (int nt = 0; nt < 4; nt++) {
          int n = wn * 32 + nt * 8 + g8;
          bf[nt][0] = uB[SB::idx(n, kk + c4)];
          bf[nt][1] = uB[SB::idx(n, kk + c4 + 4)];
        }
#pragma unroll
        for (int mt = 0; mt < 2; mt++)
#pragma unroll
          for (int nt = 0; nt < 4; nt++) mma1688_tf32(acc[mt][nt], af[mt], bf[nt][0], bf[nt][1]);
      }
    } else {
#pragma unroll
      for (int kk = 0; kk < TC_BK; kk += 16) {
        uint32_t af[2][4], bf[4][2];
#pragma unroll
        for (int mt = 0; mt < 2; mt++) {
          int m0 = wm * 32 + mt * 16;
          if (LA::kAlongK) ldmatrix_x4(af[mt], smem_u32(tA + (m0 + (q % 2) * 8 + r8) * SA::kLd + kk + (q / 2) * 8));
          else ldmatrix_x4_trans(af[mt], smem_u32(tA + (kk + (q / 2) * 8 + r8) * SA::kLd + m0 + (q % 2) * 8));
        }
#pragma unroll
        for (int np = 0; np < 2; np++) {
          int n0 = wn * 32 + np * 16;
          uint32_t r[4];
          if (LB::kAlongK) ldmatrix_x4(r, smem_u32(tB + (n0 + (q / 2) * 8 + r8) * SB::kLd + kk + (q % 2) * 8));
          else ldmatrix_x4_trans(r, smem_u32(tB + (kk + (q % 2) * 8 + r8) * SB::kLd + n0 + (q / 2) * 8));
          bf[np * 2][0] = r[0]; bf[np * 2][1] = r[1]; bf[np * 2 + 1][0] = r[2]; bf[np * 2 + 1][1] = r[3];
        }
#pragma unroll
        for (int mt = 0; mt < 2; mt++)
#pragma unroll
          for (int nt = 0; nt < 4; nt++) mma16816<T>(acc[mt][nt], af[mt], bf[nt][0], bf[nt][1]);
      }
    }
    if (more) store(buf ^ 1);
    __syncthreads();
  }

  Epi epi(p, grp, split);
  const int c2 = c4 * 2;
#pragma unroll
  for (int mt = 0; mt < 2; mt++)
#pragma unroll
    for (int h = 0; h < 2; h++) {
      int m = bm + wm * 32 + mt * 16 + g8 + h * 8;
      if (m >= p.M) continue;
      epi.row(m);
#pragma unroll
      for (int nt = 0; nt < 4; nt++)
#pragma unroll
        for (int j = 0; j < 2; j++) {
          int n = bn + wn * 32 + nt * 8 + c2 + j;
          if (n < p.Ngemm) epi.store(n, acc[mt][nt][h * 2 + j]);
        }
    }
#endif
}

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

// Launches the tensor-core kernel (f16/bf16, or float32 with p.tf32, on sm_80+) or the SIMT one.
template <typename T, class LA, class LB, class Epi>
nrc_status launch(const ConvParams& p, const char* what) {
  const bool tc = (!std::is_same<T, float>::value || p.tf32) && props().cc >= 80 && !g_conv_force_simt;
  const int bm = tc ? TC_BM : ST_BM, bn = tc ? TC_BN : ST_BN;
  dim3 grid((unsigned)((p.M + bm - 1) / bm), (unsigned)((p.Ngemm + bn - 1) / bn), (unsigned)(p.g.groups * p.splits));
  if (grid.y > 65535 || grid.z > 65535 || grid.x > 0x7fffffffu)
    return set_error(NRC_ERR_UNSUPPORTED, std::string(what) + ": grid too large for " + conv_shape_str(p.g));
  if (tc) {
    constexpr size_t smem = tc_smem_bytes<T, LA, LB>();
    NRC_CUDA(cudaFuncSetAttribute(conv_mma_kernel<T, LA, LB, Epi>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem),
             what);
    conv_mma_kernel<T, LA, LB, Epi><<<grid, kThreads, smem, stream()>>>(p);
  } else {
    conv_simt_kernel<T, LA, LB, Epi><<<grid, kThreads, 0, stream()>>>(p);
  }
  NRC_LAUNCHED(what);
  return NRC_OK;
}

}  // namespace conv
}  // namespace nrc
