// Direct kernels for depthwise 2-D convolution (groups == C == K: one input and one output channel
// per group), which an implicit GEMM handles badly (a 1 x R*S GEMM per channel). One thread per
// output element for the forward and backward-data passes (fp32 accumulation over the R*S taps);
// the filter gradient is one block per (channel, tap) reducing over N*P*Q in a fixed order.
// Every kernel is a loop over a host-and-device per-element function (emulated in conv_emu.cc).
#include "conv_igemm.cuh"  // conv::to_t / to_float

namespace nrc {
namespace {

// One element of each pass (host and device: cuda/dev/conv_emu.cc runs them on the CPU).
// y[i], i over (N, C, P, Q): depthwise conv of x (N, C, H, W) with w (C, 1, R, S), + bias (C)
template <typename T>
__host__ __device__ T dw_fwd_one(const ConvParams& p, const T* x, const T* w, const float* bias, int i) {
  const nrc_conv2d_geom& g = p.g;
  int nc, pp;
  int pq = p.fd_PQ.divmod(i, nc);
  int q = p.fd_Q.divmod(pq, pp);
  int c = nc % g.C;
  const T* xi = x + (size_t)nc * p.HW;
  const T* wc = w + c * p.RS;
  int h0 = pp * g.sh - g.ph, w0 = q * g.sw - g.pw;
  float acc = bias ? bias[c] : 0.f;
  for (int r = 0; r < g.R; r++) {
    int h = h0 + r * g.dh;
    if ((unsigned)h >= (unsigned)g.H) continue;
    for (int s = 0; s < g.S; s++) {
      int ww = w0 + s * g.dw;
      if ((unsigned)ww < (unsigned)g.W) acc = fmaf(conv::to_float(xi[h * g.W + ww]), conv::to_float(wc[r * g.S + s]), acc);
    }
  }
  return conv::to_t<T>(acc);
}

// dx[i], i over (N, C, H, W), from dy (N, C, P, Q) and w (C, 1, R, S): taps with
// h + ph - r*dh = p*sh, 0 <= p < P (same for w)
template <typename T>
__host__ __device__ T dw_bwd_data_one(const ConvParams& p, const T* dy, const T* w, int i) {
  const nrc_conv2d_geom& g = p.g;
  int nc, h;
  int hw = p.fd_HW.divmod(i, nc);
  int ww = p.fd_W.divmod(hw, h);
  int c = nc % g.C;
  const T* dyi = dy + (size_t)nc * p.PQ;
  const T* wc = w + c * p.RS;
  float acc = 0.f;
  for (int r = 0; r < g.R; r++) {
    int th = h + g.ph - r * g.dh, pp;
    if (th < 0 || p.fd_sh.divmod(th, pp) != 0 || pp >= g.P) continue;
    for (int s = 0; s < g.S; s++) {
      int tw = ww + g.pw - s * g.dw, q;
      if (tw < 0 || p.fd_sw.divmod(tw, q) != 0 || q >= g.Q) continue;
      acc = fmaf(conv::to_float(dyi[pp * g.Q + q]), conv::to_float(wc[r * g.S + s]), acc);
    }
  }
  return conv::to_t<T>(acc);
}

// Partial sum for dw[c, 0, r, s] (tap = c*R*S + r*S + s) over output pixels pq0, pq0 + step, ...
// of every image: dy[n, c, p, q] * x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw]
template <typename T>
__host__ __device__ float dw_bwd_filter_part(const ConvParams& p, const T* x, const T* dy, int tap, int pq0, int step) {
  const nrc_conv2d_geom& g = p.g;
  int c, r;
  int rs = p.fd_RS.divmod(tap, c);
  int s = p.fd_S.divmod(rs, r);
  float acc = 0.f;
  for (int n = 0; n < g.N; n++) {
    const T* xi = x + ((size_t)n * g.C + c) * p.HW;
    const T* dyi = dy + ((size_t)n * g.C + c) * p.PQ;
    for (int pq = pq0; pq < p.PQ; pq += step) {
      int pp;
      int q = p.fd_Q.divmod(pq, pp);
      int h = pp * g.sh - g.ph + r * g.dh, ww = q * g.sw - g.pw + s * g.dw;
      if ((unsigned)h < (unsigned)g.H && (unsigned)ww < (unsigned)g.W)
        acc = fmaf(conv::to_float(dyi[pq]), conv::to_float(xi[h * g.W + ww]), acc);
    }
  }
  return acc;
}

template <typename T>
__global__ void dw_fwd_kernel(const __grid_constant__ ConvParams p, const T* __restrict__ x, const T* __restrict__ w,
                              const float* __restrict__ bias, T* __restrict__ y) {
  const int64_t total = (int64_t)p.g.N * p.g.C * p.PQ;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x)
    y[i] = dw_fwd_one(p, x, w, bias, (int)i);
}

template <typename T>
__global__ void dw_bwd_data_kernel(const __grid_constant__ ConvParams p, const T* __restrict__ dy,
                                   const T* __restrict__ w, T* __restrict__ dx) {
  const int64_t total = (int64_t)p.g.N * p.g.C * p.HW;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x)
    dx[i] = dw_bwd_data_one(p, dy, w, (int)i);
}

// block per tap (c, r, s), fixed-order block reduction
template <typename T>
__global__ void dw_bwd_filter_kernel(const __grid_constant__ ConvParams p, const T* __restrict__ x,
                                     const T* __restrict__ dy, T* __restrict__ dw) {
  __shared__ float shm[32];
  float acc = block_sum(dw_bwd_filter_part(p, x, dy, (int)blockIdx.x, (int)threadIdx.x, (int)blockDim.x), shm);
  if (threadIdx.x == 0) dw[blockIdx.x] = conv::to_t<T>(acc);
}

unsigned blocks_for(int total) { return grid_for((size_t)total, 256, (unsigned)props().sms * 16); }

}  // namespace

nrc_status conv_depthwise_fwd(nrc_dtype dt, const ConvParams& p, const void* x, const void* w, const float* bias,
                              void* y) {
  unsigned blocks = blocks_for(p.g.N * p.g.C * p.PQ);
  NRC_DISPATCH(dt, T, dw_fwd_kernel<T><<<blocks, 256, 0, stream()>>>(p, (const T*)x, (const T*)w, bias, (T*)y));
  NRC_LAUNCHED("nrc_conv2d_fwd (depthwise)");
  return NRC_OK;
}

nrc_status conv_depthwise_bwd_data(nrc_dtype dt, const ConvParams& p, const void* dy, const void* w, void* dx) {
  unsigned blocks = blocks_for(p.g.N * p.g.C * p.HW);
  NRC_DISPATCH(dt, T, dw_bwd_data_kernel<T><<<blocks, 256, 0, stream()>>>(p, (const T*)dy, (const T*)w, (T*)dx));
  NRC_LAUNCHED("nrc_conv2d_bwd_data (depthwise)");
  return NRC_OK;
}

nrc_status conv_depthwise_bwd_filter(nrc_dtype dt, const ConvParams& p, const void* x, const void* dy, void* dw) {
  unsigned blocks = (unsigned)(p.g.C * p.RS);  // = element count of w, < 2^31
  NRC_DISPATCH(dt, T, dw_bwd_filter_kernel<T><<<blocks, 256, 0, stream()>>>(p, (const T*)x, (const T*)dy, (T*)dw));
  NRC_LAUNCHED("nrc_conv2d_bwd_filter (depthwise)");
  return NRC_OK;
}

}  // namespace nrc
