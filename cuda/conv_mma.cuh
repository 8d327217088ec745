// Tensor-core main loop of the convolution implicit GEMMs (see conv_tile.cuh for the loader and
// epilogue interface): mma.sync bf16/fp16 or tf32, sm_80+; an empty kernel on older archs.
#pragma once
#include "conv_tile.cuh"
#include "mma.cuh"

namespace nrc {
namespace conv {

// ---- tensor cores (sm_80+): bf16/fp16 mma.m16n8k16 (ldmatrix fragments) or, for float32 with
// allow_tf32, tf32 mma.m16n8k8 (operands rounded to tf32 when stored to shared memory, fragments
// read with 32-bit loads). 128x64x32 tiles, 8 warps as 4 (M) x 2 (N), warp tile 32x32. ----

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

}  // namespace conv
}  // namespace nrc
