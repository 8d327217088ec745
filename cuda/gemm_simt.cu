// fp32 SIMT GEMM: C (M,N) = alpha * op(A) (M,K) @ op(B) (K,N) + beta * C, FFMA only.
// Block tile 128x128x8, 256 threads, each thread an 8x8 sub-tile split into 4x4 quadrants
// (rows ty*4 and 64+ty*4, cols tx*4 and 64+tx*4) so shared-memory reads are float4 broadcasts.
// Shared tiles As[k][m], Bs[k][n], double-buffered; the next tile is prefetched into registers
// while the current one is multiplied. Needs 16-byte aligned rows along the contiguous dims.
#include "gemm.cuh"

namespace nrc {
namespace {

constexpr int BM = 128, BN = 128, BK = 8;

// TA: A stored (K,M) (M contiguous), else (M,K). TB: B stored (N,K), else (K,N).
template <bool TA, bool TB>
__global__ void __launch_bounds__(256, 2) sgemm_kernel(GemmArgs a) {
  __shared__ __align__(16) float As[2][BK][BM];
  __shared__ __align__(16) float Bs[2][BK][BN];
  const float* A = (const float*)a.A;
  const float* B = (const float*)a.B;
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int bm = blockIdx.y * BM, bn = blockIdx.x * BN;
  const int M = a.M, N = a.N, K = a.K;

  // Global load coordinates (one float4 of A and one of B per thread per k-tile).
  // A (M,K) layout: row tid/2, k (tid%2)*4;  A (K,M): k tid/32, m (tid%32)*4.
  const int a_r = TA ? tid / 32 : tid / 2, a_c = TA ? (tid % 32) * 4 : (tid % 2) * 4;
  // B (K,N): k tid/32, n (tid%32)*4;  B (N,K): n tid/2, k (tid%2)*4.
  const int b_r = TB ? tid / 2 : tid / 32, b_c = TB ? (tid % 2) * 4 : (tid % 32) * 4;

  auto load_a = [&](int k0) -> float4 {
    int m = TA ? bm + a_c : bm + a_r, k = TA ? k0 + a_r : k0 + a_c;
    bool ok = m < M && k < K;
    return ok ? *reinterpret_cast<const float4*>(TA ? A + (size_t)k * a.lda + m : A + (size_t)m * a.lda + k)
              : make_float4(0.f, 0.f, 0.f, 0.f);
  };
  auto load_b = [&](int k0) -> float4 {
    int n = TB ? bn + b_r : bn + b_c, k = TB ? k0 + b_c : k0 + b_r;
    bool ok = n < N && k < K;
    return ok ? *reinterpret_cast<const float4*>(TB ? B + (size_t)n * a.ldb + k : B + (size_t)k * a.ldb + n)
              : make_float4(0.f, 0.f, 0.f, 0.f);
  };
  auto store = [&](int buf, float4 va, float4 vb) {
    if (TA) *reinterpret_cast<float4*>(&As[buf][a_r][a_c]) = va;
    else { As[buf][a_c][a_r] = va.x; As[buf][a_c + 1][a_r] = va.y; As[buf][a_c + 2][a_r] = va.z; As[buf][a_c + 3][a_r] = va.w; }
    if (TB) { Bs[buf][b_c][b_r] = vb.x; Bs[buf][b_c + 1][b_r] = vb.y; Bs[buf][b_c + 2][b_r] = vb.z; Bs[buf][b_c + 3][b_r] = vb.w; }
    else *reinterpret_cast<float4*>(&Bs[buf][b_r][b_c]) = vb;
  };

  float acc[8][8] = {};
  store(0, load_a(0), load_b(0));
  __syncthreads();
  int buf = 0;
  for (int k0 = 0; k0 < K; k0 += BK) {
    bool more = k0 + BK < K;
    float4 na, nb;
    if (more) { na = load_a(k0 + BK); nb = load_b(k0 + BK); }
#pragma unroll
    for (int k = 0; k < BK; k++) {
      float4 a0 = *reinterpret_cast<const float4*>(&As[buf][k][ty * 4]);
      float4 a1 = *reinterpret_cast<const float4*>(&As[buf][k][64 + ty * 4]);
      float4 b0 = *reinterpret_cast<const float4*>(&Bs[buf][k][tx * 4]);
      float4 b1 = *reinterpret_cast<const float4*>(&Bs[buf][k][64 + tx * 4]);
      float ra[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      float rb[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 8; j++) acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);
    }
    if (more) {
      store(buf ^ 1, na, nb);
      __syncthreads();
      buf ^= 1;
    }
  }

  float* C = (float*)a.C;
  bool vec_ok = (a.ldc % 4 == 0) && (((uintptr_t)C & 15) == 0);
#pragma unroll
  for (int i = 0; i < 8; i++) {
    int m = bm + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
    if (m >= M) continue;
#pragma unroll
    for (int h = 0; h < 2; h++) {
      int n = bn + h * 64 + tx * 4;
      float* c = C + (size_t)m * a.ldc + n;
      float v[4];
#pragma unroll
      for (int j = 0; j < 4; j++) v[j] = a.alpha * acc[i][h * 4 + j];
      if (vec_ok && n + 3 < N) {
        if (a.beta != 0.f) {
          float4 o = *reinterpret_cast<float4*>(c);
          v[0] += a.beta * o.x; v[1] += a.beta * o.y; v[2] += a.beta * o.z; v[3] += a.beta * o.w;
        }
        *reinterpret_cast<float4*>(c) = make_float4(v[0], v[1], v[2], v[3]);
      } else {
#pragma unroll
        for (int j = 0; j < 4; j++)
          if (n + j < N) c[j] = v[j] + (a.beta != 0.f ? a.beta * c[j] : 0.f);
      }
    }
  }
}

}  // namespace

nrc_status gemm_simt(const GemmArgs& a) {
  if (a.dt != NRC_F32) return set_error(NRC_ERR_UNSUPPORTED, "gemm simt: float32 only");
  // float4 loads along the contiguous dim of each operand
  bool ok = a.lda % 4 == 0 && a.ldb % 4 == 0 && ((uintptr_t)a.A & 15) == 0 && ((uintptr_t)a.B & 15) == 0 &&
            (a.ta ? a.M : a.K) % 4 == 0 && (a.tb ? a.K : a.N) % 4 == 0;
  if (!ok) return set_error(NRC_ERR_UNSUPPORTED, "gemm simt: needs 16-byte aligned rows");
  dim3 grid((a.N + BN - 1) / BN, (a.M + BM - 1) / BM);
  if (grid.y > 65535) return set_error(NRC_ERR_UNSUPPORTED, "gemm simt: M too large");
  if (a.ta) {
    if (a.tb) sgemm_kernel<true, true><<<grid, 256, 0, stream()>>>(a);
    else sgemm_kernel<true, false><<<grid, 256, 0, stream()>>>(a);
  } else {
    if (a.tb) sgemm_kernel<false, true><<<grid, 256, 0, stream()>>>(a);
    else sgemm_kernel<false, false><<<grid, 256, 0, stream()>>>(a);
  }
  NRC_LAUNCHED("nrc_gemm (simt)");
  return NRC_OK;
}

}  // namespace nrc
