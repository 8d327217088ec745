// Batch norm over x (N, C, S) contiguous (S = spatial size), forward (training and eval) and the
// training-mode backward, for float32/16/bf16 (float partial sums) and float64 (double). Formulas of
// native/kernels/ref/norm.cc (biased variance, rstd = 1/sqrt(var+eps)); the running statistics are
// updated as src/ops/norm.ts does (momentum, unbiased variance).
// Passes, all deterministic (fixed-order sums, no atomics):
//   1. partial sums per channel into a workspace, around a per-channel shift (forward: the channel's
//      first element, so the variance does not cancel; backward: the saved mean):
//        forward s1 = sum(x - sh), s2 = sum((x - sh)^2);  backward s1 = sum(dy), s2 = sum(dy*(x - mean))
//      S >= 64: one partial per (n, c) row of S elements (a warp or a block per row, vector loads);
//      S < 64: x viewed as (N, C*S), one partial per column and split of the N rows (coalesced).
//   2. one block per channel sums its partials in double and writes mean/rstd (running stats) or
//      dweight/dbias, and per-channel coefficients (mu, P, Q, R);
//   3. elementwise: y = (x - mu)*Q + R (forward), dx = P*dy + Q*(x - mu) + R (backward).
#include "rowvec.cuh"

namespace nrc {
namespace {

template <typename A> struct Coef { A mu, P, Q, R; };

// Stats, row form: x (and dy when BWD) (N*C rows of S); ws1, ws2 (N*C). shift per channel c:
// forward x[c*S] (n = 0), backward mean[c].
template <typename T, bool BWD, int TPR>
__global__ void __launch_bounds__(256) bn_stats_rows(const T* __restrict__ x, const T* __restrict__ dy, const float* __restrict__ mean,
                                                     acc_t<T>* __restrict__ ws1, acc_t<T>* __restrict__ ws2, size_t NC, size_t C, size_t S) {
  using A = acc_t<T>;
  __shared__ A shm[32];
  const int t = threadIdx.x % TPR;
  const size_t rpb = blockDim.x / TPR;
  for (size_t row = blockIdx.x * rpb + threadIdx.x / TPR; row < NC; row += (size_t)gridDim.x * rpb) {
    const size_t c = row % C;
    const A sh = BWD ? (A)mean[c] : cvt_in<A>(x[c * S]);
    A s1 = 0, s2 = 0;
    if (BWD) row_apply<T>(dy + row * S, x + row * S, nullptr, S, t, TPR, [&](size_t, A g, A xv) { s1 += g; s2 += g * (xv - sh); return g; });
    else row_apply<T>(x + row * S, nullptr, nullptr, S, t, TPR, [&](size_t, A xv, A) { A d = xv - sh; s1 += d; s2 += d * d; return xv; });
    s1 = group_sum<TPR>(s1, shm);
    s2 = group_sum<TPR>(s2, shm);
    if (t == 0) { ws1[row] = s1; ws2[row] = s2; }
  }
}

// Stats, column form: x viewed as (N, K = C*S); thread k, split blockIdx.y covers rows [n0, n0+rps).
// ws1, ws2 (splits, K).
template <typename T, bool BWD>
__global__ void __launch_bounds__(256) bn_stats_cols(const T* __restrict__ x, const T* __restrict__ dy, const float* __restrict__ mean,
                                                     acc_t<T>* __restrict__ ws1, acc_t<T>* __restrict__ ws2, size_t N, size_t K,
                                                     size_t S, size_t rps) {
  using A = acc_t<T>;
  const size_t k = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= K) return;
  const size_t c = k / S;
  const A sh = BWD ? (A)mean[c] : cvt_in<A>(x[c * S]);
  const size_t n0 = (size_t)blockIdx.y * rps, n1 = n0 + rps < N ? n0 + rps : N;
  A s1 = 0, s2 = 0;
#pragma unroll 4
  for (size_t n = n0; n < n1; n++) {
    A d = cvt_in<A>(x[n * K + k]) - sh;
    if (BWD) { A g = cvt_in<A>(dy[n * K + k]); s1 += g; s2 += g * d; }
    else { s1 += d; s2 += d * d; }
  }
  ws1[(size_t)blockIdx.y * K + k] = s1;
  ws2[(size_t)blockIdx.y * K + k] = s2;
}

// Channel c's partials are ws[j*js + c*per + s] for j < J, s < per.
struct Layout { size_t J, js, per; };

// One block per channel: sums the partials (double, fixed order) and finishes the channel.
// Forward (training): save_mean/save_rstd, running stats, coef = (mean, 0, rstd*w, b).
// Backward: dweight = sum(dy*xhat), dbias = sum(dy), coef = (mean, w*r, -w*r^3*s2/M, -w*r*s1/M).
template <typename T, bool BWD>
__global__ void __launch_bounds__(256) bn_finalize(const T* __restrict__ x, const acc_t<T>* __restrict__ ws1, const acc_t<T>* __restrict__ ws2,
                                                   Layout L, size_t C, size_t S, double M, const float* __restrict__ w,
                                                   const float* __restrict__ b, float* __restrict__ mean, float* __restrict__ rstd,
                                                   float* __restrict__ rmean, float* __restrict__ rvar, float eps, float momentum,
                                                   float* __restrict__ dw, float* __restrict__ db, Coef<acc_t<T>>* __restrict__ coef) {
  using A = acc_t<T>;
  __shared__ double shm[32];
  const size_t c = blockIdx.x;
  double s1 = 0, s2 = 0;
  for (size_t i = threadIdx.x; i < L.J * L.per; i += blockDim.x) {
    size_t j = i / L.per, s = i % L.per;
    size_t at = j * L.js + c * L.per + s;
    s1 += (double)ws1[at];
    s2 += (double)ws2[at];
  }
  s1 = block_sum_t(s1, shm);
  s2 = block_sum_t(s2, shm);
  if (threadIdx.x != 0) return;
  const double wc = w ? (double)w[c] : 1.0;
  if (!BWD) {
    const double sh = (double)cvt_in<A>(x[c * S]);
    const double m1 = s1 / M;
    const double mu = sh + m1, var = fmax(s2 / M - m1 * m1, 0.0);
    const double r = 1.0 / sqrt(var + (double)eps);
    if (mean) mean[c] = (float)mu;
    if (rstd) rstd[c] = (float)r;
    if (rmean) {
      rmean[c] = rmean[c] * (1.f - momentum) + momentum * (float)mu;
      rvar[c] = rvar[c] * (1.f - momentum) + momentum * (float)(var * (M / (M - 1.0)));
    }
    coef[c] = Coef<A>{(A)mu, (A)0, (A)(r * wc), (A)(b ? (double)b[c] : 0.0)};
  } else {
    const double mu = (double)mean[c], r = (double)rstd[c];
    if (dw) dw[c] = (float)(s2 * r);
    if (db) db[c] = (float)s1;
    coef[c] = Coef<A>{(A)mu, (A)(wc * r), (A)(-wc * r * r * r * s2 / M), (A)(-wc * r * s1 / M)};
  }
}

// Eval forward coefficients from the running statistics: one thread per channel.
template <typename A>
__global__ void bn_eval_coef(const float* __restrict__ rmean, const float* __restrict__ rvar, const float* __restrict__ w,
                             const float* __restrict__ b, float eps, size_t C, Coef<A>* __restrict__ coef) {
  size_t c = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= C) return;
  double r = 1.0 / sqrt((double)rvar[c] + (double)eps);
  coef[c] = Coef<A>{(A)rmean[c], (A)0, (A)(r * (w ? (double)w[c] : 1.0)), (A)(b ? (double)b[c] : 0.0)};
}

// Elementwise, row form (S >= 64): out = P*g + Q*(x - mu) + R over (N*C rows of S); g = dy or null.
template <typename T, int TPR>
__global__ void __launch_bounds__(256) bn_apply_rows(const T* __restrict__ x, const T* __restrict__ g, T* __restrict__ out,
                                                     const Coef<acc_t<T>>* __restrict__ coef, size_t NC, size_t C, size_t S) {
  using A = acc_t<T>;
  const int t = threadIdx.x % TPR;
  const size_t rpb = blockDim.x / TPR;
  for (size_t row = blockIdx.x * rpb + threadIdx.x / TPR; row < NC; row += (size_t)gridDim.x * rpb) {
    const Coef<A> k = coef[row % C];
    if (g) row_apply<T>(x + row * S, g + row * S, out + row * S, S, t, TPR, [&](size_t, A xv, A gv) { return k.P * gv + k.Q * (xv - k.mu) + k.R; });
    else row_apply<T>(x + row * S, nullptr, out + row * S, S, t, TPR, [&](size_t, A xv, A) { return k.Q * (xv - k.mu) + k.R; });
  }
}

// Elementwise, flat form (S < 64): element i is in channel (i / S) % C. I is uint32 when total < 2^31.
template <typename T, typename I>
__global__ void __launch_bounds__(256) bn_apply_flat(const T* __restrict__ x, const T* __restrict__ g, T* __restrict__ out,
                                                     const Coef<acc_t<T>>* __restrict__ coef, I total, I C, I S) {
  using A = acc_t<T>;
  for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (I)gridDim.x * blockDim.x) {
    const Coef<A> k = coef[(i / S) % C];
    A v = k.Q * (cvt_in<A>(x[i]) - k.mu) + k.R;
    if (g) v += k.P * cvt_in<A>(g[i]);
    out[i] = cvt_out<T>(v);
  }
}

template <typename T>
void launch_apply(const T* x, const T* g, T* out, const Coef<acc_t<T>>* coef, size_t N, size_t C, size_t S) {
  cudaStream_t st = stream();
  const size_t NC = N * C, total = NC * S;
  if (S >= 64) {
    if (S <= 2048) bn_apply_rows<T, 32><<<grid_for(NC, 8, props().sms * 32), 256, 0, st>>>(x, g, out, coef, NC, C, S);
    else bn_apply_rows<T, 256><<<grid_for(NC, 1, props().sms * 16), 256, 0, st>>>(x, g, out, coef, NC, C, S);
  } else if (total < (1ull << 31)) {  // i + grid stride cannot wrap a uint32
    bn_apply_flat<T, uint32_t><<<grid256(total), 256, 0, st>>>(x, g, out, coef, (uint32_t)total, (uint32_t)C, (uint32_t)S);
  } else {
    bn_apply_flat<T, size_t><<<grid256(total), 256, 0, st>>>(x, g, out, coef, total, C, S);
  }
}

// Passes 1 and 2 (stats + finalize); ws has room for the partials. Returns the launch error.
template <typename T, bool BWD>
cudaError_t launch_stats(const T* x, const T* dy, const float* w, const float* b, float* mean, float* rstd, float* rmean,
                         float* rvar, float eps, float momentum, float* dw, float* db, size_t N, size_t C, size_t S,
                         acc_t<T>* ws1, acc_t<T>* ws2, Coef<acc_t<T>>* coef, size_t splits) {
  cudaStream_t st = stream();
  const size_t NC = N * C, K = C * S;
  Layout L;
  if (S >= 64) {
    if (S <= 2048) bn_stats_rows<T, BWD, 32><<<grid_for(NC, 8, props().sms * 32), 256, 0, st>>>(x, dy, mean, ws1, ws2, NC, C, S);
    else bn_stats_rows<T, BWD, 256><<<grid_for(NC, 1, props().sms * 16), 256, 0, st>>>(x, dy, mean, ws1, ws2, NC, C, S);
    L = Layout{N, C, 1};
  } else {
    const size_t rps = (N + splits - 1) / splits;
    dim3 grid((unsigned)((K + 255) / 256), (unsigned)splits);
    bn_stats_cols<T, BWD><<<grid, 256, 0, st>>>(x, dy, mean, ws1, ws2, N, K, S, rps);
    L = Layout{splits, K, S};
  }
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return e;
  bn_finalize<T, BWD><<<(unsigned)C, 256, 0, st>>>(x, ws1, ws2, L, C, S, (double)N * (double)S, w, b, mean, rstd, rmean, rvar,
                                                    eps, momentum, dw, db, coef);
  return cudaGetLastError();
}

// Workspace: partial sums (2 x count of acc_t<T>) then C coefficients. Column form: splits of N.
template <typename T>
size_t ws_plan(size_t N, size_t C, size_t S, size_t* splits) {
  const size_t K = C * S;
  size_t count;
  if (S >= 64) { *splits = 1; count = N * C; }
  else {
    size_t target = (size_t)props().sms * 2048;
    size_t sp = (target + K - 1) / K;
    sp = std::max<size_t>(1, std::min<size_t>({sp, N, 65535}));
    *splits = sp;
    count = sp * K;
  }
  return count;
}

template <typename T>
nrc_status run(bool bwd, const void* x, const void* dy, const float* w, const float* b, void* out, float* mean, float* rstd,
               float* rmean, float* rvar, float eps, float momentum, bool training, float* dw, float* db, size_t N, size_t C,
               size_t S, const char* fn) {
  using A = acc_t<T>;
  cudaStream_t st = stream();
  size_t splits = 1, count = (training || bwd) ? ws_plan<T>(N, C, S, &splits) : 0;
  size_t coef_off = (2 * count * sizeof(A) + 63) / 64 * 64;
  char* ws = nullptr;
  NRC_CUDA(cudaMallocAsync((void**)&ws, coef_off + C * sizeof(Coef<A>), st), fn);
  A* ws1 = (A*)ws;
  A* ws2 = ws1 + count;
  Coef<A>* coef = (Coef<A>*)(ws + coef_off);
  cudaError_t e;
  if (!training && !bwd) {
    bn_eval_coef<A><<<(unsigned)((C + 255) / 256), 256, 0, st>>>(rmean, rvar, w, b, eps, C, coef);
    e = cudaGetLastError();
  } else if (!bwd) {
    e = launch_stats<T, false>((const T*)x, nullptr, w, b, mean, rstd, rmean, rvar, eps, momentum, nullptr, nullptr, N, C, S,
                               ws1, ws2, coef, splits);
  } else {
    e = launch_stats<T, true>((const T*)x, (const T*)dy, w, nullptr, (float*)mean, (float*)rstd, nullptr, nullptr, 0.f, 0.f,
                              dw, db, N, C, S, ws1, ws2, coef, splits);
  }
  if (e == cudaSuccess && out) {
    launch_apply<T>((const T*)x, bwd ? (const T*)dy : nullptr, (T*)out, coef, N, C, S);
    e = cudaGetLastError();
  }
  cudaFreeAsync(ws, st);
  if (e != cudaSuccess) return cuda_error(e, fn);
  return NRC_OK;
}

std::string shape_str(const char* name, nrc_dtype dt, size_t N, size_t C, size_t S) {
  return std::string(name) + "(" + dtype_name(dt) + ", N=" + std::to_string(N) + ", C=" + std::to_string(C) +
         ", S=" + std::to_string(S) + ")";
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_batchnorm_fwd(nrc_dtype dt, const void* x, const float* weight, const float* bias, void* y, float* save_mean,
                             float* save_rstd, float* running_mean, float* running_var, size_t N, size_t C, size_t S, float eps,
                             float momentum, int training) {
  NRC_INIT();
  const std::string fn = shape_str("nrc_batchnorm_fwd", dt, N, C, S);
  if (!is_float_dt(dt)) return set_error(NRC_ERR_UNSUPPORTED, fn + ": dtype must be float32, float16, bfloat16 or float64");
  NRC_ARG(!running_mean == !running_var, fn + ": running_mean and running_var must be given together");
  NRC_ARG(eps >= 0.f, fn + ": eps must be >= 0");
  NRC_ARG(N < (1ull << 40) && C < (1ull << 31) && S < (1ull << 40) && N * C * S < (1ull << 50), fn + ": too large");
  if (!C) return NRC_OK;
  if (training) {
    NRC_ARG(N * S > 1, fn + ": expected more than 1 value per channel when training");
    NRC_ARG(save_mean && save_rstd, fn + ": null save_mean or save_rstd");
  } else {
    NRC_ARG(running_mean, fn + ": eval mode needs running_mean and running_var");
    if (!N || !S) return NRC_OK;
  }
  NRC_ARG(x && y, fn + ": null x or y");
  NRC_DISPATCH_FLOAT4(dt, T, return run<T>(false, x, nullptr, weight, bias, y, save_mean, save_rstd, running_mean, running_var,
                                            eps, momentum, training != 0, nullptr, nullptr, N, C, S, fn.c_str()));
  return NRC_OK;
}

nrc_status nrc_batchnorm_bwd(nrc_dtype dt, const void* dy, const void* x, const float* weight, const float* save_mean,
                             const float* save_rstd, void* dx, float* dweight, float* dbias, size_t N, size_t C, size_t S) {
  NRC_INIT();
  const std::string fn = shape_str("nrc_batchnorm_bwd", dt, N, C, S);
  if (!is_float_dt(dt)) return set_error(NRC_ERR_UNSUPPORTED, fn + ": dtype must be float32, float16, bfloat16 or float64");
  NRC_ARG(N < (1ull << 40) && C < (1ull << 31) && S < (1ull << 40) && N * C * S < (1ull << 50), fn + ": too large");
  if (!C || (!dx && !dweight && !dbias)) return NRC_OK;
  NRC_ARG(N * S > 0, fn + ": empty batch");
  NRC_ARG(dy && x && save_mean && save_rstd, fn + ": null dy, x, save_mean or save_rstd");
  NRC_DISPATCH_FLOAT4(dt, T, return run<T>(true, x, dy, weight, nullptr, dx, (float*)save_mean, (float*)save_rstd, nullptr,
                                            nullptr, 0.f, 0.f, true, dweight, dbias, N, C, S, fn.c_str()));
  return NRC_OK;
}

}  // extern "C"
