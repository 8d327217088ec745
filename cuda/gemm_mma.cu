// bf16/fp16 GEMM on tensor cores with mma.sync m16n8k16 (sm_80+), fp32 accumulation.
// C (M,N) = alpha * op(A) (M,K) @ op(B) (K,N) + beta * C.
// Block tile 128x128x32, 8 warps as 2 (M) x 4 (N), warp tile 64x32; 4-stage cp.async pipeline.
// Shared tiles keep the global layout (K-major [row][k] or MN-major [k][row]) with 8 halves of
// padding per row (conflict-free ldmatrix); MN-major tiles are read with ldmatrix.trans.
// Needs 16-byte aligned rows: contiguous extents and leading dims multiples of 8.
#include "gemm.cuh"
#include "mma.cuh"

namespace nrc {
namespace {

constexpr int BM = 128, BN = 128, BK = 32, STAGES = 4, PAD = 8;
// Shared tile sizes in elements: K-major [128][BK+PAD], MN-major [BK][128+PAD].
constexpr int KMAJ = BM * (BK + PAD), MNMAJ = BK * (BM + PAD);
constexpr int TILE = KMAJ > MNMAJ ? KMAJ : MNMAJ;

// TA: A stored (K,M); TB: B stored (N,K) (i.e. already K-major for the mma "col" operand).
template <typename T, bool TA, bool TB>
__global__ void __launch_bounds__(256) gemm_mma_kernel(GemmArgs a) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  extern __shared__ __align__(16) unsigned char smem_raw[];
  T* sA = reinterpret_cast<T*>(smem_raw);      // STAGES tiles
  T* sB = sA + STAGES * TILE;                  // STAGES tiles
  const T* A = (const T*)a.A;
  const T* B = (const T*)a.B;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm = warp / 4, wn = warp % 4;  // warp tile origin: rows wm*64, cols wn*32
  const int bm = blockIdx.y * BM, bn = blockIdx.x * BN;
  const int M = a.M, N = a.N, K = a.K;
  const int KT = (K + BK - 1) / BK;

  // A K-major: 128 rows x 4 chunks; A M-major: 32 k-rows x 16 chunks. 512 chunks, 2 per thread.
  auto load_tile = [&](int stage, int kt) {
    int k0 = kt * BK;
    T* dA = sA + stage * TILE;
    T* dB = sB + stage * TILE;
#pragma unroll
    for (int i = 0; i < 2; i++) {
      int c = tid + i * 256;
      if (!TA) {
        int r = c / 4, kc = (c % 4) * 8;
        bool ok = bm + r < M && k0 + kc < K;
        cp_async16(smem_u32(dA + r * (BK + PAD) + kc), ok ? A + (size_t)(bm + r) * a.lda + k0 + kc : A, ok);
      } else {
        int k = c / 16, mc = (c % 16) * 8;
        bool ok = k0 + k < K && bm + mc < M;
        cp_async16(smem_u32(dA + k * (BM + PAD) + mc), ok ? A + (size_t)(k0 + k) * a.lda + bm + mc : A, ok);
      }
      if (TB) {
        int r = c / 4, kc = (c % 4) * 8;
        bool ok = bn + r < N && k0 + kc < K;
        cp_async16(smem_u32(dB + r * (BK + PAD) + kc), ok ? B + (size_t)(bn + r) * a.ldb + k0 + kc : B, ok);
      } else {
        int k = c / 16, nc = (c % 16) * 8;
        bool ok = k0 + k < K && bn + nc < N;
        cp_async16(smem_u32(dB + k * (BN + PAD) + nc), ok ? B + (size_t)(k0 + k) * a.ldb + bn + nc : B, ok);
      }
    }
  };

  float acc[4][4][4] = {};  // [m-tile][n-tile][c0..c3]
#pragma unroll
  for (int s = 0; s < STAGES - 1; s++) {
    if (s < KT) load_tile(s, s);
    cp_async_commit();
  }
  const int q = lane / 8, r8 = lane % 8;
  for (int kt = 0; kt < KT; kt++) {
    cp_async_wait<STAGES - 2>();
    __syncthreads();
    int nk = kt + STAGES - 1;
    if (nk < KT) load_tile(nk % STAGES, nk);
    cp_async_commit();
    const T* tA = sA + (kt % STAGES) * TILE;
    const T* tB = sB + (kt % STAGES) * TILE;
#pragma unroll
    for (int kk = 0; kk < BK; kk += 16) {
      uint32_t af[4][4], bf[4][2];
#pragma unroll
      for (int mt = 0; mt < 4; mt++) {
        int m0 = wm * 64 + mt * 16;
        if (!TA) ldmatrix_x4(af[mt], smem_u32(tA + (m0 + (q % 2) * 8 + r8) * (BK + PAD) + kk + (q / 2) * 8));
        else ldmatrix_x4_trans(af[mt], smem_u32(tA + (kk + (q / 2) * 8 + r8) * (BM + PAD) + m0 + (q % 2) * 8));
      }
#pragma unroll
      for (int np = 0; np < 2; np++) {  // pairs of n-tiles
        int n0 = wn * 32 + np * 16;
        uint32_t r[4];
        if (TB) ldmatrix_x4(r, smem_u32(tB + (n0 + (q / 2) * 8 + r8) * (BK + PAD) + kk + (q % 2) * 8));
        else ldmatrix_x4_trans(r, smem_u32(tB + (kk + (q % 2) * 8 + r8) * (BN + PAD) + n0 + (q / 2) * 8));
        bf[np * 2][0] = r[0]; bf[np * 2][1] = r[1]; bf[np * 2 + 1][0] = r[2]; bf[np * 2 + 1][1] = r[3];
      }
#pragma unroll
      for (int mt = 0; mt < 4; mt++)
#pragma unroll
        for (int nt = 0; nt < 4; nt++) mma16816<T>(acc[mt][nt], af[mt], bf[nt][0], bf[nt][1]);
    }
  }
  cp_async_wait<0>();

  T* C = (T*)a.C;
  const int g = lane / 4, c2 = (lane % 4) * 2;
  const bool pair_ok = (a.ldc % 2 == 0) && (((uintptr_t)C & 3) == 0);
#pragma unroll
  for (int mt = 0; mt < 4; mt++)
#pragma unroll
    for (int nt = 0; nt < 4; nt++)
#pragma unroll
      for (int h = 0; h < 2; h++) {
        int m = bm + wm * 64 + mt * 16 + g + h * 8, n = bn + wn * 32 + nt * 8 + c2;
        if (m >= M) continue;
        T* c = C + (size_t)m * a.ldc + n;
        float v0 = a.alpha * acc[mt][nt][h * 2], v1 = a.alpha * acc[mt][nt][h * 2 + 1];
        if (pair_ok && n + 1 < N) {
          if (a.beta != 0.f) { v0 += a.beta * to_f(c[0]); v1 += a.beta * to_f(c[1]); }
          *reinterpret_cast<uint32_t*>(c) = pack2<T>(v0, v1);
        } else {
          if (n < N) c[0] = from_f<T>(v0 + (a.beta != 0.f ? a.beta * to_f(c[0]) : 0.f));
          if (n + 1 < N) c[1] = from_f<T>(v1 + (a.beta != 0.f ? a.beta * to_f(c[1]) : 0.f));
        }
      }
#endif
}

template <typename T, bool TA, bool TB>
nrc_status launch(const GemmArgs& a) {
  constexpr size_t smem = 2 * STAGES * TILE * sizeof(T);
  NRC_CUDA(cudaFuncSetAttribute(gemm_mma_kernel<T, TA, TB>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem),
           "nrc_gemm (mma.sync)");
  dim3 grid((a.N + BN - 1) / BN, (a.M + BM - 1) / BM);
  gemm_mma_kernel<T, TA, TB><<<grid, 256, smem, stream()>>>(a);
  NRC_LAUNCHED("nrc_gemm (mma.sync)");
  return NRC_OK;
}

template <typename T>
nrc_status dispatch(const GemmArgs& a) {
  if (a.ta) return a.tb ? launch<T, true, true>(a) : launch<T, true, false>(a);
  return a.tb ? launch<T, false, true>(a) : launch<T, false, false>(a);
}

}  // namespace

nrc_status gemm_mma(const GemmArgs& a) {
  if (a.dt == NRC_F32) return set_error(NRC_ERR_UNSUPPORTED, "gemm mma.sync: bf16/fp16 only");
  if (props().cc < 80) return set_error(NRC_ERR_UNSUPPORTED, "gemm mma.sync: needs sm_80+");
  bool ok = a.lda % 8 == 0 && a.ldb % 8 == 0 && ((uintptr_t)a.A & 15) == 0 && ((uintptr_t)a.B & 15) == 0 &&
            (a.ta ? a.M : a.K) % 8 == 0 && (a.tb ? a.K : a.N) % 8 == 0;
  if (!ok) return set_error(NRC_ERR_UNSUPPORTED, "gemm mma.sync: needs 16-byte aligned rows");
  if ((a.M + BM - 1) / BM > 65535) return set_error(NRC_ERR_UNSUPPORTED, "gemm mma.sync: M too large");
  if (a.dt == NRC_BF16) return dispatch<__nv_bfloat16>(a);
  return dispatch<__half>(a);
}

}  // namespace nrc
