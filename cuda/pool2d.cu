// 2-D max and average pooling over NCHW contiguous tensors, forward and backward, float32/16/bf16
// (float math) and float64, mirroring native/kernels/cpu/pool.cc (the reference order):
//   max: window order r-major, padding excluded, first maximum wins, the first NaN wins and stops the
//        scan; idx = flat h*W + w in the input plane (-1 and -inf if no element is inside, which valid
//        geometry never gives). Backward: zero dx, then dx[idx] += dy (atomics; idx outside the plane skipped).
//   avg: window [hs, min(hs+k, H+p)) clipped to the input; divisor = divisor_override, else the
//        unclipped (padded) window size with count_include_pad, else the clipped size; 0 -> output 0.
//        Backward gathers, for each input element, dy/divisor of every window covering it (no atomics).
// One thread per output (forward, max backward scatter) or per input (avg backward), grid-strided.
#include "dtype_ext.cuh"

namespace nrc {
namespace {

struct Geo {
  long long planes;  // N*C
  int H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, dh, dw;
  bool cip;          // count_include_pad
  int divisor;       // 0 = none
};

// x (planes, H, W) -> y, idx (planes, Ho, Wo)
template <typename T>
__global__ void maxpool_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, long long* __restrict__ idx, Geo g) {
  using A = acc_t<T>;
  const long long total = g.planes * g.Ho * g.Wo;
  for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += (long long)gridDim.x * blockDim.x) {
    const int q = (int)(o % g.Wo), p = (int)((o / g.Wo) % g.Ho);
    const long long pl = o / ((long long)g.Wo * g.Ho);
    const T* xp = x + pl * g.H * g.W;
    A best = -(A)INFINITY;
    long long bi = -1;
    for (int r = 0; r < g.kh; r++) {
      const int ih = p * g.sh - g.ph + r * g.dh;
      if (ih < 0 || ih >= g.H) continue;
      for (int t = 0; t < g.kw; t++) {
        const int iw = q * g.sw - g.pw + t * g.dw;
        if (iw < 0 || iw >= g.W) continue;
        const A v = cvt_in<A>(xp[(long long)ih * g.W + iw]);
        if (bi < 0 || v > best || is_nan(v)) {
          best = v;
          bi = (long long)ih * g.W + iw;
          if (is_nan(v)) goto done;
        }
      }
    }
  done:
    y[o] = cvt_out<T>(best);
    idx[o] = bi;
  }
}

// dx (n elements) = 0
template <typename T>
__global__ void zero_kernel(T* __restrict__ p, long long n) {
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) p[i] = cvt_out<T>(0.f);
}

__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(__half* p, __half v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(__nv_bfloat16* p, __nv_bfloat16 v) {
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800
  atomicAdd(p, v);
#else
  // sm_75: CAS on the enclosing 32-bit word.
  unsigned* w = (unsigned*)((uintptr_t)p & ~(uintptr_t)3);
  const bool hi = ((uintptr_t)p & 2) != 0;
  unsigned old = *w, assumed;
  do {
    assumed = old;
    unsigned short cur = hi ? (unsigned short)(assumed >> 16) : (unsigned short)(assumed & 0xffffu);
    float f = __bfloat162float(__ushort_as_bfloat16(cur)) + __bfloat162float(v);
    unsigned short nb = __bfloat16_as_ushort(__float2bfloat16_rn(f));
    unsigned nw = hi ? ((assumed & 0xffffu) | ((unsigned)nb << 16)) : ((assumed & 0xffff0000u) | nb);
    old = atomicCAS(w, assumed, nw);
  } while (old != assumed);
#endif
}

// dy, idx (planes, Ho, Wo) -> dx (planes, H, W), zeroed before.
template <typename T>
__global__ void maxpool_bwd_kernel(const T* __restrict__ dy, const long long* __restrict__ idx, T* __restrict__ dx, Geo g) {
  const long long per = (long long)g.Ho * g.Wo, plane = (long long)g.H * g.W, total = g.planes * per;
  for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += (long long)gridDim.x * blockDim.x) {
    const long long i = idx[o];
    if (i >= 0 && i < plane) atomic_add(dx + (o / per) * plane + i, dy[o]);
  }
}

// Window of avg output (p, q): clipped rows [h0, h1), cols [w0, w1) and the divisor.
__device__ __forceinline__ int avg_window(const Geo& g, int p, int q, int& h0, int& h1, int& w0, int& w1) {
  const int hs = p * g.sh - g.ph, ws = q * g.sw - g.pw;
  const int he = min(hs + g.kh, g.H + g.ph), we = min(ws + g.kw, g.W + g.pw);
  const int pool = (he - hs) * (we - ws);
  h0 = max(hs, 0); w0 = max(ws, 0);
  h1 = min(he, g.H); w1 = min(we, g.W);
  return g.divisor ? g.divisor : g.cip ? pool : (h1 - h0) * (w1 - w0);
}

// x (planes, H, W) -> y (planes, Ho, Wo)
template <typename T>
__global__ void avgpool_fwd_kernel(const T* __restrict__ x, T* __restrict__ y, Geo g) {
  using A = acc_t<T>;
  const long long total = g.planes * g.Ho * g.Wo;
  for (long long o = (long long)blockIdx.x * blockDim.x + threadIdx.x; o < total; o += (long long)gridDim.x * blockDim.x) {
    const int q = (int)(o % g.Wo), p = (int)((o / g.Wo) % g.Ho);
    const T* xp = x + (o / ((long long)g.Wo * g.Ho)) * g.H * g.W;
    int h0, h1, w0, w1;
    const int div = avg_window(g, p, q, h0, h1, w0, w1);
    A acc = 0;
    for (int ih = h0; ih < h1; ih++)
      for (int iw = w0; iw < w1; iw++) acc += cvt_in<A>(xp[(long long)ih * g.W + iw]);
    y[o] = cvt_out<T>(div > 0 ? acc / (A)div : (A)0);
  }
}

// Outputs along one axis whose (undilated) window covers input position i: [lo, hi] clipped to [0, n_out).
__device__ __forceinline__ void covering(int i, int k, int s, int pad, int n_out, int& lo, int& hi) {
  // o covers i iff o*s - pad <= i < o*s - pad + k
  const int a = i + pad - k + 1;  // o*s >= a
  lo = a <= 0 ? 0 : (a + s - 1) / s;
  hi = min((i + pad) / s, n_out - 1);
}

// dy (planes, Ho, Wo) -> dx (planes, H, W): every dx element written.
template <typename T>
__global__ void avgpool_bwd_kernel(const T* __restrict__ dy, T* __restrict__ dx, Geo g) {
  using A = acc_t<T>;
  const long long total = g.planes * g.H * g.W;
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (long long)gridDim.x * blockDim.x) {
    const int iw = (int)(e % g.W), ih = (int)((e / g.W) % g.H);
    const T* gp = dy + (e / ((long long)g.W * g.H)) * g.Ho * g.Wo;
    int p0, p1, q0, q1;
    covering(ih, g.kh, g.sh, g.ph, g.Ho, p0, p1);
    covering(iw, g.kw, g.sw, g.pw, g.Wo, q0, q1);
    A acc = 0;
    for (int p = p0; p <= p1; p++)
      for (int q = q0; q <= q1; q++) {
        int h0, h1, w0, w1;
        const int div = avg_window(g, p, q, h0, h1, w0, w1);
        if (div > 0) acc += cvt_in<A>(gp[(long long)p * g.Wo + q]) / (A)div;
      }
    dx[e] = cvt_out<T>(acc);
  }
}

// torch's output size; ceil mode drops a last window that starts in the right padding.
long long out_size(long long n, long long k, long long s, long long p, long long d, bool ceil) {
  long long span = n + 2 * p - d * (k - 1) - 1;
  long long o = (ceil ? (span >= 0 ? (span + s - 1) / s : -((-span) / s)) : (span >= 0 ? span / s : -((-span + s - 1) / s))) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

// Validates the geometry; on success fills g. max_pool: dilation allowed.
nrc_status check_geo(const char* name, nrc_dtype dt, int N, int C, int H, int W, int Ho, int Wo, int kh, int kw, int sh, int sw,
                     int ph, int pw, int dh, int dw, bool cip, int divisor, Geo* g) {
  char buf[400];
  snprintf(buf, sizeof buf, "%s(%s, x (%d, %d, %d, %d) -> (%d, %d), kernel (%d, %d), stride (%d, %d), padding (%d, %d), dilation (%d, %d))",
           name, dtype_name(dt), N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, dh, dw);
  std::string fn = buf;
  if (!is_float_dt(dt)) return set_error(NRC_ERR_UNSUPPORTED, fn + ": dtype must be float32, float16, bfloat16 or float64");
  NRC_ARG(N >= 0 && C >= 0 && H >= 0 && W >= 0 && Ho >= 0 && Wo >= 0, fn + ": negative size");
  NRC_ARG(kh >= 1 && kw >= 1 && sh >= 1 && sw >= 1 && ph >= 0 && pw >= 0 && dh >= 1 && dw >= 1,
          fn + ": kernel, stride and dilation must be >= 1, padding >= 0");
  NRC_ARG(2 * ph <= kh && 2 * pw <= kw, fn + ": padding must be at most half the kernel size");
  NRC_ARG(divisor >= 0, fn + ": divisor_override must be >= 0");
  bool okh = Ho == out_size(H, kh, sh, ph, dh, false) || Ho == out_size(H, kh, sh, ph, dh, true);
  bool okw = Wo == out_size(W, kw, sw, pw, dw, false) || Wo == out_size(W, kw, sw, pw, dw, true);
  NRC_ARG((okh && okw) || (long long)N * C == 0, fn + ": output size does not match the geometry (with or without ceil_mode)");
  NRC_ARG((long long)H * W < (1ll << 31) && (long long)N * C < (1ll << 40), fn + ": too large");
  *g = Geo{(long long)N * C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, dh, dw, cip, divisor};
  return NRC_OK;
}

unsigned grid_of(long long n) { return grid256((size_t)n); }

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_maxpool2d_fwd(nrc_dtype dt, const void* x, void* y, int64_t* idx, int N, int C, int H, int W, int Ho, int Wo, int kh,
                             int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
  NRC_INIT();
  Geo g;
  nrc_status s = check_geo("nrc_maxpool2d_fwd", dt, N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, dh, dw, false, 0, &g);
  if (s != NRC_OK) return s;
  const long long total = g.planes * Ho * Wo;
  if (!total) return NRC_OK;
  NRC_ARG(x && y && idx, "nrc_maxpool2d_fwd: null pointer");
  NRC_DISPATCH_FLOAT4(dt, T, maxpool_fwd_kernel<T><<<grid_of(total), 256, 0, stream()>>>((const T*)x, (T*)y, (long long*)idx, g));
  NRC_LAUNCHED("nrc_maxpool2d_fwd");
  return NRC_OK;
}

nrc_status nrc_maxpool2d_bwd(nrc_dtype dt, const void* dy, const int64_t* idx, void* dx, int N, int C, int H, int W, int Ho, int Wo) {
  NRC_INIT();
  char buf[200];
  snprintf(buf, sizeof buf, "nrc_maxpool2d_bwd(%s, dx (%d, %d, %d, %d), dy (%d, %d))", dtype_name(dt), N, C, H, W, Ho, Wo);
  if (!is_float_dt(dt)) return set_error(NRC_ERR_UNSUPPORTED, std::string(buf) + ": dtype must be float32, float16, bfloat16 or float64");
  NRC_ARG(N >= 0 && C >= 0 && H >= 0 && W >= 0 && Ho >= 0 && Wo >= 0, std::string(buf) + ": negative size");
  Geo g{(long long)N * C, H, W, Ho, Wo, 1, 1, 1, 1, 0, 0, 1, 1, false, 0};
  const long long nx = g.planes * H * W, ny = g.planes * Ho * Wo;
  if (!nx) return NRC_OK;
  NRC_ARG(dx && ((dy && idx) || !ny), std::string(buf) + ": null pointer");
  cudaStream_t st = stream();
  NRC_DISPATCH_FLOAT4(dt, T,
    zero_kernel<T><<<grid_of(nx), 256, 0, st>>>((T*)dx, nx);
    if (ny) maxpool_bwd_kernel<T><<<grid_of(ny), 256, 0, st>>>((const T*)dy, (const long long*)idx, (T*)dx, g));
  NRC_LAUNCHED("nrc_maxpool2d_bwd");
  return NRC_OK;
}

nrc_status nrc_avgpool2d_fwd(nrc_dtype dt, const void* x, void* y, int N, int C, int H, int W, int Ho, int Wo, int kh, int kw, int sh,
                             int sw, int ph, int pw, int count_include_pad, int divisor_override) {
  NRC_INIT();
  Geo g;
  nrc_status s = check_geo("nrc_avgpool2d_fwd", dt, N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, 1, 1, count_include_pad != 0,
                           divisor_override, &g);
  if (s != NRC_OK) return s;
  const long long total = g.planes * Ho * Wo;
  if (!total) return NRC_OK;
  NRC_ARG(x && y, "nrc_avgpool2d_fwd: null pointer");
  NRC_DISPATCH_FLOAT4(dt, T, avgpool_fwd_kernel<T><<<grid_of(total), 256, 0, stream()>>>((const T*)x, (T*)y, g));
  NRC_LAUNCHED("nrc_avgpool2d_fwd");
  return NRC_OK;
}

nrc_status nrc_avgpool2d_bwd(nrc_dtype dt, const void* dy, void* dx, int N, int C, int H, int W, int Ho, int Wo, int kh, int kw, int sh,
                             int sw, int ph, int pw, int count_include_pad, int divisor_override) {
  NRC_INIT();
  Geo g;
  nrc_status s = check_geo("nrc_avgpool2d_bwd", dt, N, C, H, W, Ho, Wo, kh, kw, sh, sw, ph, pw, 1, 1, count_include_pad != 0,
                           divisor_override, &g);
  if (s != NRC_OK) return s;
  const long long total = g.planes * H * W;
  if (!total) return NRC_OK;
  NRC_ARG(dx && (dy || !Ho || !Wo), "nrc_avgpool2d_bwd: null pointer");
  NRC_DISPATCH_FLOAT4(dt, T, avgpool_bwd_kernel<T><<<grid_of(total), 256, 0, stream()>>>((const T*)dy, (T*)dx, g));
  NRC_LAUNCHED("nrc_avgpool2d_bwd");
  return NRC_OK;
}

}  // extern "C"
