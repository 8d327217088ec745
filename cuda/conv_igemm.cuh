// Launch of the convolution implicit GEMMs: the tensor-core main loop (conv_mma.cuh) for f16/bf16,
// or float32 with allow_tf32, on sm_80+, else the SIMT one (conv_simt.cuh). Included by the pass
// files, which define the operand loaders and epilogues (interface in conv_tile.cuh).
#pragma once
#include "conv_mma.cuh"
#include "conv_simt.cuh"

namespace nrc {
namespace conv {

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
