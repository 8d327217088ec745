// GEMM entry point (nrc_gemm): argument checks and the choice of kernel, plus the generic
// fallback kernel (any dtype, transposes, leading dimensions and alignment).
#include "gemm.cuh"

namespace nrc {
namespace {

// C (M,N) = alpha * op(A) (M,K) @ op(B) (K,N) + beta * C; 16x16 threads, 16x16 tiles.
template <typename T>
__global__ void gemm_naive_kernel(GemmArgs a) {
  __shared__ float As[16][17], Bs[16][17];
  const T* A = (const T*)a.A;
  const T* B = (const T*)a.B;
  int tx = threadIdx.x, ty = threadIdx.y;
  int m = blockIdx.y * 16 + ty, n = blockIdx.x * 16 + tx;
  float acc = 0.f;
  for (int k0 = 0; k0 < a.K; k0 += 16) {
    int ka = k0 + tx, mb = blockIdx.y * 16 + ty;
    As[ty][tx] = (mb < a.M && ka < a.K) ? to_f(a.ta ? A[(size_t)ka * a.lda + mb] : A[(size_t)mb * a.lda + ka]) : 0.f;
    int kb = k0 + ty, nb = blockIdx.x * 16 + tx;
    Bs[ty][tx] = (kb < a.K && nb < a.N) ? to_f(a.tb ? B[(size_t)nb * a.ldb + kb] : B[(size_t)kb * a.ldb + nb]) : 0.f;
    __syncthreads();
#pragma unroll
    for (int k = 0; k < 16; k++) acc += As[ty][k] * Bs[k][tx];
    __syncthreads();
  }
  if (m < a.M && n < a.N) {
    T* C = (T*)a.C + (size_t)m * a.ldc + n;
    float out = a.alpha * acc;
    if (a.beta != 0.f) out += a.beta * to_f(*C);
    *C = from_f<T>(out);
  }
}

}  // namespace

nrc_status gemm_naive(const GemmArgs& a) {
  dim3 grid((a.N + 15) / 16, (a.M + 15) / 16), block(16, 16);
  NRC_ARG(grid.y <= 65535, "nrc_gemm: M too large");
  NRC_DISPATCH(a.dt, T, gemm_naive_kernel<T><<<grid, block, 0, stream()>>>(a));
  NRC_LAUNCHED("nrc_gemm (naive)");
  return NRC_OK;
}

const char* gemm_algo_name(GemmAlgo algo) {
  switch (algo) {
    case GemmAlgo::kAuto: return "auto";
    case GemmAlgo::kNaive: return "naive";
    case GemmAlgo::kSimt: return "simt";
    case GemmAlgo::kMmaSync: return "mma.sync";
    case GemmAlgo::kWgmma: return "wgmma";
  }
  return "?";
}

nrc_status gemm_run(GemmAlgo algo, const GemmArgs& a) {
  switch (algo) {
    case GemmAlgo::kNaive: return gemm_naive(a);
    case GemmAlgo::kSimt: return gemm_simt(a);
    case GemmAlgo::kMmaSync: return gemm_mma(a);
    case GemmAlgo::kWgmma: return gemm_wgmma(a);
    case GemmAlgo::kAuto: break;
  }
  // Fastest first; each variant declines (UNSUPPORTED) what it cannot take.
  // Real failures (launch errors) are returned, not hidden behind a slower kernel.
  nrc_status s;
  if ((a.dt != NRC_F32 || a.tf32) && gemm_wgmma_available()) {
    if ((s = gemm_wgmma(a)) != NRC_ERR_UNSUPPORTED) return s;
  }
  if (a.dt != NRC_F32 && (s = gemm_mma(a)) != NRC_ERR_UNSUPPORTED) return s;
  if (a.dt == NRC_F32 && (s = gemm_simt(a)) != NRC_ERR_UNSUPPORTED) return s;
  return gemm_naive(a);
}

}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_gemm(nrc_dtype dt, int trans_a, int trans_b, int M, int N, int K, float alpha, const void* A,
                               int lda, const void* B, int ldb, float beta, void* C, int ldc, int allow_tf32) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_gemm");
  NRC_ARG(M >= 0 && N >= 0 && K >= 0, "nrc_gemm: negative size");
  if (M == 0 || N == 0) return NRC_OK;
  NRC_ARG(C, "nrc_gemm: null C");
  NRC_ARG(ldc >= N, "nrc_gemm: ldc < N");
  if (K == 0) {  // C = beta * C
    if (beta == 0.f) {
      for (int m = 0; m < M; m++) {
        nrc_status s = nrc_fill(dt, (char*)C + (size_t)m * ldc * dtype_size(dt), N, 0.f);
        if (s != NRC_OK) return s;
      }
      return NRC_OK;
    }
    GemmArgs g{dt, false, false, M, N, 0, alpha, C, 1, C, 1, beta, C, ldc, false};
    return gemm_naive(g);
  }
  NRC_ARG(A && B, "nrc_gemm: null A or B");
  NRC_ARG(lda >= (trans_a ? M : K), "nrc_gemm: lda too small");
  NRC_ARG(ldb >= (trans_b ? K : N), "nrc_gemm: ldb too small");
  GemmArgs g{dt, trans_a != 0, trans_b != 0, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, allow_tf32 != 0};
  return gemm_run(GemmAlgo::kAuto, g);
}
