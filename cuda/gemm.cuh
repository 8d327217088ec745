// Internal GEMM interface: the kernel variants behind nrc_gemm, callable one by one from the dev
// harness (cuda/dev/gemm.cu numbers them 1..4). Row-major; op(A) (M,K), op(B) (K,N), C (M,N).
#pragma once
#include "common.cuh"

namespace nrc {

enum class GemmAlgo : int {
  kAuto = 0,
  kNaive = 1,    // any dtype, strides, alignment: 16x16 shared-memory tiles, fp32 accumulation
  kSimt = 2,     // fp32 SIMT: 128x128x8 tiles, 8x8 per thread, double-buffered
  kMmaSync = 3,  // bf16/fp16 tensor cores with mma.sync (sm_80+): 128x128x32, cp.async 4 stages
  kWgmma = 4,    // bf16/fp16 (any layout) / tf32 (A (M,K), B (N,K)) with wgmma + TMA (sm_90a), 128x256 tiles
};

struct GemmArgs {
  nrc_dtype dt;
  bool ta, tb;
  int M, N, K;
  float alpha;
  const void* A; int lda;
  const void* B; int ldb;
  float beta;
  void* C; int ldc;
  bool tf32;
};

// Runs one variant; NRC_ERR_UNSUPPORTED if it cannot take these arguments (arch, dtype, alignment).
nrc_status gemm_run(GemmAlgo algo, const GemmArgs& a);
const char* gemm_algo_name(GemmAlgo algo);

nrc_status gemm_naive(const GemmArgs& a);
nrc_status gemm_simt(const GemmArgs& a);
nrc_status gemm_mma(const GemmArgs& a);
nrc_status gemm_wgmma(const GemmArgs& a);
bool gemm_wgmma_available();  // device is sm_90 and this build has sm_90a code
// Descriptor offsets for MN-major wgmma operands (dev harness probes them).
extern uint32_t g_wgmma_mn_lbo, g_wgmma_mn_sbo;

}  // namespace nrc
