// Cross-entropy with class weights, label smoothing and any ignore index, and NLL, over the last dim
// of (rows, C) contiguous logits / log-probabilities: the semantics of native/kernels/ref/loss.cc
// (torch 1.13). F32/F16/BF16 logits accumulate in float, F64 in double; weight, loss, lse and wt are
// of that accumulation type. Targets are int64 (as the CPU path); a target outside [0, C) that is not
// the ignore index is flagged (kFlagTargetIndex, reported by the next nrc_sync) and its row treated
// as ignored (loss 0, wt 0, gradient 0), so nothing reads out of bounds.
//   lse_i  = log sum_c exp(x_ic)
//   loss_i = (1-e) * -w_t (x_it - lse_i) + e/C * -sum_c w_c (x_ic - lse_i),   wt_i = w_t
//   dx_ic  = g_i * ((1-e) w_t (p_ic - [c == t]) + e/C (W p_ic - w_c)),  p = exp(x - lse), W = sum_c w_c
// One block per row (CE), a thread per row (NLL forward) or per element (NLL backward).
#include "dtype_ext.cuh"
#include "loss_ext.cuh"

namespace nrc {
namespace {

constexpr int kThreads = 256;

// Block-wide sum or max of v (every thread gets the result). sh: 32 slots of shared memory.
template <typename A, bool MAX>
__device__ __forceinline__ A block_reduce(A v, A* sh) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    A u = __shfl_xor_sync(0xffffffffu, v, o);
    v = MAX ? (u > v || u != u ? u : v) : v + u;
  }
  const int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  __syncthreads();  // sh may still be read by a previous reduction
  if (lane == 0) sh[wid] = v;
  __syncthreads();
  v = lane < nw ? sh[lane] : (MAX ? (A)-INFINITY : (A)0);
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    A u = __shfl_xor_sync(0xffffffffu, v, o);
    v = MAX ? (u > v || u != u ? u : v) : v + u;
  }
  return v;
}

template <typename A>
__device__ __forceinline__ A wgt(const A* w, long long c) { return w ? w[c] : (A)1; }

// x (rows, C), t (rows), w (C)|null -> loss, lse, wt (rows)
template <typename T>
__global__ void ce_fwd_kernel(const T* __restrict__ x, const int64_t* __restrict__ tg, const acc_t<T>* __restrict__ w,
                              long long ignore, acc_t<T> e, acc_t<T>* __restrict__ loss, acc_t<T>* __restrict__ lse,
                              acc_t<T>* __restrict__ wt, long long C, int* flag) {
  using A = acc_t<T>;
  __shared__ A sh[32];
  const long long row = blockIdx.x;
  const T* xr = x + row * C;
  A m = -(A)INFINITY;
  for (long long c = threadIdx.x; c < C; c += blockDim.x) { A v = cvt_in<A>(xr[c]); m = (v > m || v != v) ? v : m; }
  m = block_reduce<A, true>(m, sh);
  A s = 0;
  if (!isinf(m)) for (long long c = threadIdx.x; c < C; c += blockDim.x) s += exp(cvt_in<A>(xr[c]) - m);
  s = block_reduce<A, false>(s, sh);
  const A l = isinf(m) ? m : m + log(s);
  A sm = 0;
  if (e > 0) {
    for (long long c = threadIdx.x; c < C; c += blockDim.x) sm += wgt(w, c) * (cvt_in<A>(xr[c]) - l);
    sm = block_reduce<A, false>(sm, sh);
  }
  if (threadIdx.x != 0) return;
  lse[row] = l;
  const int kind = ce_target_kind(tg[row], ignore, C);
  if (kind == kTargetBad) atomicOr(flag, kFlagTargetIndex);
  if (kind != kTargetValid) { loss[row] = 0; wt[row] = 0; return; }
  const A wt_i = wgt(w, tg[row]);
  loss[row] = ce_row_loss<A>(cvt_in<A>(xr[tg[row]]), l, wt_i, e, (A)C, sm);
  wt[row] = wt_i;
}

// g, lse (rows), x (rows, C), t (rows), w (C)|null -> dx (rows, C)
template <typename T>
__global__ void ce_bwd_kernel(const acc_t<T>* __restrict__ g, const T* __restrict__ x, const int64_t* __restrict__ tg,
                              const acc_t<T>* __restrict__ w, long long ignore, acc_t<T> e, const acc_t<T>* __restrict__ lse,
                              T* __restrict__ dx, long long C) {
  using A = acc_t<T>;
  __shared__ A sh[32];
  const long long row = blockIdx.x;
  const T* xr = x + row * C;
  T* dr = dx + row * C;
  const long long t = tg[row];
  A W = (A)C;
  if (w && e > 0) {
    A s = 0;
    for (long long c = threadIdx.x; c < C; c += blockDim.x) s += w[c];
    W = block_reduce<A, false>(s, sh);
  }
  if (ce_target_kind(t, ignore, C) != kTargetValid) {
    for (long long c = threadIdx.x; c < C; c += blockDim.x) dr[c] = cvt_out<T>((A)0);
    return;
  }
  const A gi = g[row], l = lse[row], wt_i = wgt(w, t);
  for (long long c = threadIdx.x; c < C; c += blockDim.x) {
    const A p = exp(cvt_in<A>(xr[c]) - l);
    dr[c] = cvt_out<T>(gi * ce_grad<A>(p, c == t, wt_i, e, (A)C, W, wgt(w, c)));
  }
}

// x (rows, C), t (rows), w (C)|null -> loss, wt (rows)
template <typename T>
__global__ void nll_fwd_kernel(const T* __restrict__ x, const int64_t* __restrict__ tg, const acc_t<T>* __restrict__ w, long long ignore,
                               acc_t<T>* __restrict__ loss, acc_t<T>* __restrict__ wt, long long rows, long long C, int* flag) {
  using A = acc_t<T>;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < rows; i += (long long)gridDim.x * blockDim.x) {
    const long long t = tg[i];
    const int kind = ce_target_kind(t, ignore, C);
    if (kind == kTargetBad) atomicOr(flag, kFlagTargetIndex);
    if (kind != kTargetValid) { loss[i] = 0; wt[i] = 0; continue; }
    const A wt_i = wgt(w, t);
    loss[i] = -wt_i * cvt_in<A>(x[i * C + t]);
    wt[i] = wt_i;
  }
}

// g (rows), t (rows), w (C)|null -> dx (rows, C)
template <typename T>
__global__ void nll_bwd_kernel(const acc_t<T>* __restrict__ g, const int64_t* __restrict__ tg, const acc_t<T>* __restrict__ w,
                               long long ignore, T* __restrict__ dx, long long rows, long long C) {
  using A = acc_t<T>;
  const long long n = rows * C;
  for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (long long)gridDim.x * blockDim.x) {
    const long long i = e / C, c = e - i * C, t = tg[i];
    A v = 0;
    if (c == t && ce_target_kind(t, ignore, C) == kTargetValid) v = -g[i] * wgt(w, t);
    dx[e] = cvt_out<T>(v);
  }
}

nrc_status check(const char* fn, nrc_dtype dt, nrc_dtype acc_dt, size_t rows, size_t C) {
  char buf[200];
  snprintf(buf, sizeof buf, "%s(%s, (%zu, %zu))", fn, is_float_dt(dt) ? dtype_name(dt) : "?", rows, C);
  if (!is_float_dt(dt)) return set_error(NRC_ERR_UNSUPPORTED, std::string(buf) + ": dtype must be float32, float16, bfloat16 or float64");
  NRC_ARG(acc_dt == (dt == NRC_F64 ? NRC_F64 : NRC_F32), std::string(buf) + ": weight/loss/lse/wt/g dtype must be float64 for float64 input, else float32");
  NRC_ARG(C > 0 || rows == 0, std::string(buf) + ": C must be positive");
  NRC_ARG(rows < (1ull << 31) && C < (1ull << 40) && rows * C < (1ull << 62), std::string(buf) + ": too large");
  return NRC_OK;
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_cross_entropy_ext_fwd(nrc_dtype dt, const void* logits, const int64_t* targets, nrc_dtype acc_dt, const void* weight,
                                     int64_t ignore_index, double smoothing, void* loss, void* lse, void* wt, size_t rows, size_t C) {
  NRC_INIT();
  nrc_status s = check("nrc_cross_entropy_ext_fwd", dt, acc_dt, rows, C);
  if (s != NRC_OK) return s;
  NRC_ARG(smoothing >= 0 && smoothing <= 1, "nrc_cross_entropy_ext_fwd: smoothing must be in [0, 1]");
  if (!rows) return NRC_OK;
  NRC_ARG(logits && targets && loss && lse && wt, "nrc_cross_entropy_ext_fwd: null pointer");
  NRC_DISPATCH_FLOAT4(dt, T, using A = acc_t<T>;
    ce_fwd_kernel<T><<<(unsigned)rows, kThreads, 0, stream()>>>((const T*)logits, targets, (const A*)weight, (long long)ignore_index,
                                                                (A)smoothing, (A*)loss, (A*)lse, (A*)wt, (long long)C, device_error_flag()));
  NRC_LAUNCHED("nrc_cross_entropy_ext_fwd");
  return NRC_OK;
}

nrc_status nrc_cross_entropy_ext_bwd(nrc_dtype dt, const void* g, const void* logits, const int64_t* targets, nrc_dtype acc_dt,
                                     const void* weight, int64_t ignore_index, double smoothing, const void* lse, void* dlogits,
                                     size_t rows, size_t C) {
  NRC_INIT();
  nrc_status s = check("nrc_cross_entropy_ext_bwd", dt, acc_dt, rows, C);
  if (s != NRC_OK) return s;
  NRC_ARG(smoothing >= 0 && smoothing <= 1, "nrc_cross_entropy_ext_bwd: smoothing must be in [0, 1]");
  if (!rows) return NRC_OK;
  NRC_ARG(g && logits && targets && lse && dlogits, "nrc_cross_entropy_ext_bwd: null pointer");
  NRC_DISPATCH_FLOAT4(dt, T, using A = acc_t<T>;
    ce_bwd_kernel<T><<<(unsigned)rows, kThreads, 0, stream()>>>((const A*)g, (const T*)logits, targets, (const A*)weight,
                                                                (long long)ignore_index, (A)smoothing, (const A*)lse, (T*)dlogits, (long long)C));
  NRC_LAUNCHED("nrc_cross_entropy_ext_bwd");
  return NRC_OK;
}

nrc_status nrc_nll_fwd(nrc_dtype dt, const void* x, const int64_t* targets, nrc_dtype acc_dt, const void* weight, int64_t ignore_index,
                       void* loss, void* wt, size_t rows, size_t C) {
  NRC_INIT();
  nrc_status s = check("nrc_nll_fwd", dt, acc_dt, rows, C);
  if (s != NRC_OK) return s;
  if (!rows) return NRC_OK;
  NRC_ARG(x && targets && loss && wt, "nrc_nll_fwd: null pointer");
  NRC_DISPATCH_FLOAT4(dt, T, using A = acc_t<T>;
    nll_fwd_kernel<T><<<grid256(rows), 256, 0, stream()>>>((const T*)x, targets, (const A*)weight, (long long)ignore_index, (A*)loss, (A*)wt,
                                                           (long long)rows, (long long)C, device_error_flag()));
  NRC_LAUNCHED("nrc_nll_fwd");
  return NRC_OK;
}

nrc_status nrc_nll_bwd(nrc_dtype dt, const void* g, const int64_t* targets, nrc_dtype acc_dt, const void* weight, int64_t ignore_index,
                       void* dx, size_t rows, size_t C) {
  NRC_INIT();
  nrc_status s = check("nrc_nll_bwd", dt, acc_dt, rows, C);
  if (s != NRC_OK) return s;
  if (!rows) return NRC_OK;
  NRC_ARG(g && targets && dx, "nrc_nll_bwd: null pointer");
  NRC_DISPATCH_FLOAT4(dt, T, using A = acc_t<T>;
    nll_bwd_kernel<T><<<grid256(rows * C), 256, 0, stream()>>>((const A*)g, targets, (const A*)weight, (long long)ignore_index, (T*)dx,
                                                               (long long)rows, (long long)C));
  NRC_LAUNCHED("nrc_nll_bwd");
  return NRC_OK;
}

}  // extern "C"
