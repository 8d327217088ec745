// Adaptive average pooling over NCHW contiguous planes for any input/output sizes (windows of
// pool_adaptive.cuh may overlap and differ in size), F32/F16/BF16 (float accumulation) and F64:
//   forward: one thread per output, the mean of its window;
//   backward: one thread per input element, summing dy/area over the outputs covering it (no atomics,
//             deterministic; the CPU reference scatters in the same (p, q) order).
#include "dtype_ext.cuh"
#include "pool_adaptive.cuh"

namespace nrc {
namespace {

struct AGeo { long long planes, H, W, P, Q; };

// x (planes, H, W) -> y (planes, P, Q)
template <typename T>
__global__ void ada_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, AGeo g) {
  using A = acc_t<T>;
  const long long total = g.planes * g.P * g.Q;
  for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += (long long)gridDim.x * blockDim.x) {
    const long long q = o % g.Q, p = (o / g.Q) % g.P, pl = o / (g.P * g.Q);
    const long long h0 = ada_start(p, g.P, g.H), h1 = ada_end(p, g.P, g.H), w0 = ada_start(q, g.Q, g.W), w1 = ada_end(q, g.Q, g.W);
    const T* xp = x + pl * g.H * g.W;
    A acc = 0;
    for (long long ih = h0; ih < h1; ih++)
      for (long long iw = w0; iw < w1; iw++) acc += cvt_in<A>(xp[ih * g.W + iw]);
    y[o] = cvt_out<T>(acc / (A)((h1 - h0) * (w1 - w0)));
  }
}

// dy (planes, P, Q) -> dx (planes, H, W), every element written
template <typename T>
__global__ void ada_bwd_kernel(const T* __restrict__ dy, T* __restrict__ dx, AGeo g) {
  using A = acc_t<T>;
  const long long total = g.planes * g.H * g.W;
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (long long)gridDim.x * blockDim.x) {
    const long long iw = e % g.W, ih = (e / g.W) % g.H, pl = e / (g.H * g.W);
    long long p0, p1, q0, q1;
    ada_covering(ih, g.P, g.H, p0, p1);
    ada_covering(iw, g.Q, g.W, q0, q1);
    const T* gp = dy + pl * g.P * g.Q;
    A acc = 0;
    for (long long p = p0; p <= p1; p++) {
      const long long hh = ada_end(p, g.P, g.H) - ada_start(p, g.P, g.H);
      for (long long q = q0; q <= q1; q++) {
        const long long ww = ada_end(q, g.Q, g.W) - ada_start(q, g.Q, g.W);
        acc += cvt_in<A>(gp[p * g.Q + q]) / (A)(hh * ww);
      }
    }
    dx[e] = cvt_out<T>(acc);
  }
}

nrc_status check(const char* fn, nrc_dtype dt, long long planes, long long H, long long W, long long P, long long Q) {
  char buf[200];
  snprintf(buf, sizeof buf, "%s(%s, planes %lld, (%lld, %lld) -> (%lld, %lld))", fn, is_float_dt(dt) ? dtype_name(dt) : "?", planes, H, W, P, Q);
  if (!is_float_dt(dt)) return set_error(NRC_ERR_UNSUPPORTED, std::string(buf) + ": dtype must be float32, float16, bfloat16 or float64");
  NRC_ARG(planes >= 0 && H >= 1 && W >= 1 && P >= 1 && Q >= 1, std::string(buf) + ": sizes must be positive (planes >= 0)");
  NRC_ARG(H < (1ll << 31) && W < (1ll << 31) && P < (1ll << 31) && Q < (1ll << 31), std::string(buf) + ": too large");
  return NRC_OK;
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_adaptive_avgpool2d_fwd(nrc_dtype dt, const void* x, void* y, int64_t planes, int64_t H, int64_t W, int64_t P, int64_t Q) {
  NRC_INIT();
  nrc_status s = check("nrc_adaptive_avgpool2d_fwd", dt, planes, H, W, P, Q);
  if (s != NRC_OK) return s;
  const long long total = planes * P * Q;
  if (!total) return NRC_OK;
  NRC_ARG(x && y, "nrc_adaptive_avgpool2d_fwd: null pointer");
  AGeo g{planes, H, W, P, Q};
  NRC_DISPATCH_FLOAT4(dt, T, ada_fwd_kernel<T><<<grid256((size_t)total), 256, 0, stream()>>>((const T*)x, (T*)y, g));
  NRC_LAUNCHED("nrc_adaptive_avgpool2d_fwd");
  return NRC_OK;
}

nrc_status nrc_adaptive_avgpool2d_bwd(nrc_dtype dt, const void* dy, void* dx, int64_t planes, int64_t H, int64_t W, int64_t P, int64_t Q) {
  NRC_INIT();
  nrc_status s = check("nrc_adaptive_avgpool2d_bwd", dt, planes, H, W, P, Q);
  if (s != NRC_OK) return s;
  const long long total = planes * H * W;
  if (!total) return NRC_OK;
  NRC_ARG(dy && dx, "nrc_adaptive_avgpool2d_bwd: null pointer");
  AGeo g{planes, H, W, P, Q};
  NRC_DISPATCH_FLOAT4(dt, T, ada_bwd_kernel<T><<<grid256((size_t)total), 256, 0, stream()>>>((const T*)dy, (T*)dx, g));
  NRC_LAUNCHED("nrc_adaptive_avgpool2d_bwd");
  return NRC_OK;
}

}  // extern "C"
