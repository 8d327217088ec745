// Shared internals of the 2-D convolution (nrc_conv2d_fwd / _bwd_data / _bwd_filter): the geometry
// after validation (ConvParams, with fast integer dividers for the index decompositions of the
// implicit GEMMs), the entry points of each pass, and knobs the dev harness uses to force a path.
// Layouts: x (N, C, H, W), w (K, C/groups, R, S), y (N, K, P, Q), all contiguous.
#pragma once
#include "common.cuh"

namespace nrc {

// n / d and n % d for 0 <= n < 2^31 and a divisor d >= 1 fixed per launch: q = (umulhi(n, mul) + n) >> shift
// (round-up method of Granlund and Montgomery; t <= n keeps t + n below 2^32).
struct FastDiv {
  int d = 1;
  uint32_t mul = 0;
  uint32_t shift = 0;
  FastDiv() = default;
  explicit FastDiv(int divisor) : d(divisor) {
    while (shift < 31 && (1u << shift) < (uint32_t)d) shift++;
    uint64_t one = 1;
    mul = (uint32_t)(((one << 32) * ((one << shift) - (uint64_t)d)) / (uint64_t)d + 1);
  }
  __host__ __device__ __forceinline__ int div(int n) const {
#ifdef __CUDA_ARCH__
    uint32_t t = __umulhi((uint32_t)n, mul);
#else
    uint32_t t = (uint32_t)(((uint64_t)(uint32_t)n * mul) >> 32);
#endif
    return (int)((t + (uint32_t)n) >> shift);
  }
  // q = n / d, returns n % d
  __host__ __device__ __forceinline__ int divmod(int n, int& q) const {
    q = div(n);
    return n - q * d;
  }
};

// One convolution call after validation, plus the shape of the implicit GEMM of the pass being run.
struct ConvParams {
  nrc_conv2d_geom g;
  int Cg, Kg;          // channels per group: in, out
  int HW, PQ, RS, CgRS;
  FastDiv fd_PQ, fd_Q, fd_HW, fd_W, fd_RS, fd_S, fd_sh, fd_sw, fd_Cg, fd_Kg;
  // implicit GEMM of this pass (per group): out (M, Ngemm) = A (M, Kgemm) @ B (Kgemm, Ngemm)
  int M, Ngemm, Kgemm;
  int kt_per_split;    // k-tiles per split (bwd_filter split-K; otherwise all of them)
  int splits;
  const void* a;       // x (fwd), dy (bwd_data, bwd_filter)
  const void* b;       // w (fwd, bwd_data), x (bwd_filter)
  void* out;           // y (fwd), dx (bwd_data), float partials or dw (bwd_filter)
  const float* bias;   // fwd only, may be null
  bool tf32;           // float32 on tf32 tensor cores (allow_tf32, sm_80+)
  // The channel index is the fastest-varying part of the reduction index (k = (r*S + s)*channels + c
  // in fwd and bwd_data). kfast: channels % 32 == 0, so every k-tile has a single tap (r, s) and a
  // gather needs one bounds check per tile instead of per element.
  bool kfast;
};

// Checks dtype, pointers and geometry (positive sizes, P and Q from the formula, groups, element
// counts below 2^31) and fills the geometry part of p. `fn` names the caller in messages.
nrc_status conv_validate(const char* fn, nrc_dtype dt, const nrc_conv2d_geom* g, ConvParams& p);
std::string conv_shape_str(const nrc_conv2d_geom& g);

// Harness knobs (not exported): force the fp32-accumulating SIMT kernels for f16/bf16 (the sm_75
// path), and the implicit GEMM for depthwise geometries.
extern int g_conv_force_simt;
extern int g_conv_no_depthwise;
inline bool conv_is_depthwise(const ConvParams& p) { return p.Cg == 1 && p.Kg == 1 && !g_conv_no_depthwise; }

// The implicit GEMM of each pass (M, Ngemm, Kgemm, kfast, split-K for bwd_filter from the SM count).
void conv_fwd_shape(ConvParams& p);
void conv_bwd_data_shape(ConvParams& p);
void conv_bwd_filter_shape(ConvParams& p, int sms);

// Implicit-GEMM launches (one per pass and dtype family), and the direct depthwise kernels.
nrc_status conv_fwd_igemm(nrc_dtype dt, ConvParams& p);
nrc_status conv_bwd_data_igemm(nrc_dtype dt, ConvParams& p);
nrc_status conv_bwd_filter_igemm(nrc_dtype dt, ConvParams& p, float* partials);
nrc_status conv_depthwise_fwd(nrc_dtype dt, const ConvParams& p, const void* x, const void* w, const float* bias, void* y);
nrc_status conv_depthwise_bwd_data(nrc_dtype dt, const ConvParams& p, const void* dy, const void* w, void* dx);
nrc_status conv_depthwise_bwd_filter(nrc_dtype dt, const ConvParams& p, const void* x, const void* dy, void* dw);

}  // namespace nrc
