// Runtime loading of the CUDA backend (libneurona_cuda.so) with dlopen: the core addon never links
// CUDA, so it loads and runs its CPU path on machines without the library, the driver or a GPU.
// The first call of cuda_status() searches for the library, resolves its C ABI (cuda/neurona_cuda.h),
// checks the driver (libcuda.so.1) and initialises the runtime; the result, including the reason
// when CUDA is unavailable, is kept for the life of the process.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "../../cuda/neurona_cuda.h"

namespace nr {

// Every function of the C ABI, resolved with dlsym.
#define NR_CUDA_SYMBOLS(X)                                                                      \
  X(nrc_api_version) X(nrc_runtime_version) X(nrc_build_archs) X(nrc_last_error) X(nrc_init)    \
  X(nrc_driver_version) X(nrc_device_count) X(nrc_device_get_info) X(nrc_set_device)           \
  X(nrc_malloc) X(nrc_free) X(nrc_memory_stats) X(nrc_empty_cache) X(nrc_memcpy_h2d)           \
  X(nrc_memcpy_d2h) X(nrc_memcpy_d2d) X(nrc_sync) X(nrc_fill) X(nrc_binary) X(nrc_unary)       \
  X(nrc_axpy) X(nrc_cast) X(nrc_sum_rows) X(nrc_sum_all) X(nrc_softmax) X(nrc_cross_entropy)   \
  X(nrc_layernorm_fwd) X(nrc_layernorm_bwd) X(nrc_embedding_fwd) X(nrc_embedding_bwd)          \
  X(nrc_adamw) X(nrc_gemm) X(nrc_flash_attn_fwd) X(nrc_copy_strided) X(nrc_binary_strided) \
  X(nrc_unary_strided) X(nrc_binary_ext) X(nrc_where_strided) X(nrc_dropout) \
  X(nrc_reduce_rows) X(nrc_argreduce_rows) X(nrc_sgd) X(nrc_batchnorm_fwd) X(nrc_batchnorm_bwd) X(nrc_rmsnorm_fwd) \
  X(nrc_rmsnorm_bwd) X(nrc_maxpool2d_fwd) X(nrc_maxpool2d_bwd) X(nrc_avgpool2d_fwd) X(nrc_avgpool2d_bwd) \
  X(nrc_conv2d_fwd) X(nrc_conv2d_bwd_data) X(nrc_conv2d_bwd_filter) \
  X(nrc_scan) X(nrc_cumprod_bwd) X(nrc_sort) X(nrc_scatter_lines) X(nrc_copy_signed) \
  X(nrc_flash_attn_fwd_ex) X(nrc_flash_attn_bwd) \
  X(nrc_index_check) X(nrc_gather) X(nrc_scatter) X(nrc_index_gather) X(nrc_index_put) X(nrc_count_nonzero) X(nrc_nonzero) \
  X(nrc_cross_entropy_ext_fwd) X(nrc_cross_entropy_ext_bwd) X(nrc_nll_fwd) X(nrc_nll_bwd) X(nrc_adam_ext) X(nrc_rmsprop) X(nrc_adagrad) X(nrc_adaptive_avgpool2d_fwd) X(nrc_adaptive_avgpool2d_bwd) X(nrc_fill_pattern)

struct CudaApi {
#define NR_CUDA_DECL(name) decltype(&::name) name = nullptr;
  NR_CUDA_SYMBOLS(NR_CUDA_DECL)
#undef NR_CUDA_DECL
};

struct CudaDeviceInfo {
  std::string name;
  int cc_major = 0, cc_minor = 0;
  uint64_t memory = 0;
  int multiprocessors = 0;
};

struct CudaStatus {
  bool available = false;
  std::string reason;   // why not available ("" when available)
  std::string library;  // path of the loaded library ("" when none was loaded)
  std::vector<std::string> searched;  // candidate paths, in order
  int driver_version = 0;   // CUDA version the driver supports (e.g. 13000), 0 when no driver
  int runtime_version = 0;  // CUDA runtime the library was built with
  std::string archs;        // GPU architectures compiled into the library
  std::vector<CudaDeviceInfo> devices;
};

// Loads on first use (thread-safe); never throws.
const CudaStatus& cuda_status();
// The resolved API when available, else nullptr.
const CudaApi* cuda_api();

}  // namespace nr
