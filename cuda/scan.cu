// Cumulative sum / product along the middle dim of a contiguous (outer, n, inner) tensor (nrc_scan,
// forward or reverse) and the cumprod gradient (nrc_cumprod_bwd), with the CPU reference's arithmetic
// (native/kernels/ref/scan_lines.h): floats accumulate in double and round once per output, integers in
// wrapping uint64 (exact in any order).
//   inner == 1 (the scanned dim is contiguous): one warp per line, chunks of 32 x 4 elements, each lane
//     scans its 4 elements sequentially, the lane totals are combined by a shuffle scan and the chunk
//     total is carried to the next chunk. Integer results are bit-exact; float sums are combined in a
//     different order than the CPU's left-to-right loop (double rounding, so float32 results almost
//     always round to the same value; float64 agrees to a few ulp).
//   inner > 1: one thread per line, sequential in the CPU's order (bit-exact), adjacent threads on
//     adjacent lines so every step is a coalesced row access.
// The cumprod gradient is the reference's division-free recurrence, one thread per line, in double with
// explicitly rounded operations (no FMA contraction), so it matches the CPU bit for bit; its suffix
// sums S go to a (n, lines) double workspace.
#include <type_traits>
#include "common.cuh"
#include "sort_net.cuh"

namespace nrc {
namespace {
using sortnet::kScanPer;

template <typename T> using ScanAcc = std::conditional_t<std::is_floating_point<T>::value, double, unsigned long long>;
template <typename T> __device__ __forceinline__ ScanAcc<T> to_acc(T v) {
  if constexpr (std::is_floating_point<T>::value) return (double)v; else return (unsigned long long)(long long)v;
}
template <typename T> __device__ __forceinline__ T from_acc(ScanAcc<T> a) {
  if constexpr (std::is_floating_point<T>::value) return (T)a; else return (T)(long long)a;
}
template <bool Prod, typename A> __device__ __forceinline__ A combine(A a, A b) { return Prod ? a * b : a + b; }

// x, out (lines, n) contiguous; warp w of the grid scans line w (grid-stride over lines).
template <typename T, bool Prod>
__global__ void scan_warp(const T* x, T* out, int64_t lines, int64_t n, bool reverse) {
  using A = ScanAcc<T>;
  const int lane = threadIdx.x & 31;
  const int64_t warps = (int64_t)gridDim.x * (blockDim.x >> 5);
  const A ident = Prod ? (A)1 : (A)0;
  for (int64_t line = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); line < lines; line += warps) {
    const T* xl = x + line * n;
    T* ol = out + line * n;
    A carry = ident;
    for (int64_t c = 0; c * 32 * kScanPer < n; ++c) {
      const int64_t q0 = sortnet::scan_lane_begin(c, lane);
      A v[kScanPer];
      A run = ident;
#pragma unroll
      for (int e = 0; e < kScanPer; ++e) {
        int64_t q = q0 + e;
        A a = ident;
        if (q < n) a = to_acc<T>(xl[reverse ? n - 1 - q : q]);
        run = combine<Prod>(run, a);
        v[e] = run;
      }
      // inclusive scan of the lane totals
      A incl = run;
#pragma unroll
      for (int o = 1; o < 32; o <<= 1) {
        A u = __shfl_up_sync(0xffffffffu, incl, o);
        if (lane >= o) incl = combine<Prod>(u, incl);
      }
      A excl = __shfl_up_sync(0xffffffffu, incl, 1);
      if (lane == 0) excl = ident;
      const A pre = combine<Prod>(carry, excl);
#pragma unroll
      for (int e = 0; e < kScanPer; ++e) {
        int64_t q = q0 + e;
        if (q < n) ol[reverse ? n - 1 - q : q] = from_acc<T>(combine<Prod>(pre, v[e]));
      }
      carry = combine<Prod>(carry, __shfl_sync(0xffffffffu, incl, 31));
    }
  }
}

// x, out (outer, n, inner) contiguous, inner > 1: thread t scans line (t / inner, t % inner) in order.
template <typename T, bool Prod>
__global__ void scan_thread(const T* x, T* out, int64_t outer, int64_t n, int64_t inner, bool reverse) {
  using A = ScanAcc<T>;
  for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < outer * inner; t += (int64_t)gridDim.x * blockDim.x) {
    int64_t o = t / inner, i = t - o * inner;
    const T* xl = x + o * n * inner + i;
    T* ol = out + o * n * inner + i;
    A acc = Prod ? (A)1 : (A)0;
    for (int64_t s = 0; s < n; ++s) {
      int64_t k = reverse ? n - 1 - s : s;
      acc = combine<Prod>(acc, to_acc<T>(xl[k * inner]));
      ol[k * inner] = from_acc<T>(acc);
    }
  }
}

// gx, g, x (outer, n, inner) contiguous; S (n, lines) double workspace. Per line:
// S[k] = g[k] + x[k+1] * S[k+1] (S[n-1] = g[n-1]); gx[k] = (prod_{l<k} x[l]) * S[k].
template <typename T>
__global__ void cumprod_bwd_k(const T* g, const T* x, T* gx, double* S, int64_t outer, int64_t n, int64_t inner) {
  const int64_t lines = outer * inner;
  for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < lines; t += (int64_t)gridDim.x * blockDim.x) {
    int64_t o = t / inner, i = t - o * inner, base = o * n * inner + i;
    double s = 0;
    for (int64_t k = n - 1; k >= 0; --k) {
      double gk = (double)g[base + k * inner];
      s = k + 1 < n ? __dadd_rn(gk, __dmul_rn((double)x[base + (k + 1) * inner], s)) : gk;
      S[k * lines + t] = s;
    }
    double p = 1;
    for (int64_t k = 0; k < n; ++k) {
      gx[base + k * inner] = (T)__dmul_rn(p, S[k * lines + t]);
      p = __dmul_rn(p, (double)x[base + k * inner]);
    }
  }
}

template <typename T>
nrc_status scan_typed(bool prod, const T* x, T* out, int64_t outer, int64_t n, int64_t inner, bool reverse) {
  cudaStream_t st = stream();
  const unsigned maxg = (unsigned)props().sms * 32;
  if (inner == 1) {
    unsigned grid = grid_for((size_t)outer, 8, maxg);
    if (prod) scan_warp<T, true><<<grid, 256, 0, st>>>(x, out, outer, n, reverse);
    else scan_warp<T, false><<<grid, 256, 0, st>>>(x, out, outer, n, reverse);
  } else {
    unsigned grid = grid_for((size_t)(outer * inner), 256, maxg);
    if (prod) scan_thread<T, true><<<grid, 256, 0, st>>>(x, out, outer, n, inner, reverse);
    else scan_thread<T, false><<<grid, 256, 0, st>>>(x, out, outer, n, inner, reverse);
  }
  NRC_LAUNCHED("nrc_scan");
  return NRC_OK;
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_scan(nrc_scan_op op, nrc_dtype dt, const void* x, void* out, size_t outer, size_t n, size_t inner, int reverse) {
  NRC_INIT();
  NRC_ARG(op == NRCS_SUM || op == NRCS_PROD, "nrc_scan: unknown op code");
  NRC_ARG(dtype_valid(dt), "nrc_scan: unknown dtype code");
  NRC_ARG(outer * n * inner < (1ull << 62), "nrc_scan: tensor too large");
  if (outer * n * inner == 0) return NRC_OK;
  NRC_ARG(x && out, "nrc_scan: null pointer");
  const bool p = op == NRCS_PROD, r = reverse != 0;
  const int64_t o = (int64_t)outer, nn = (int64_t)n, in = (int64_t)inner;
  switch (dt) {
    case NRC_F32: return scan_typed(p, (const float*)x, (float*)out, o, nn, in, r);
    case NRC_F64: return scan_typed(p, (const double*)x, (double*)out, o, nn, in, r);
    case NRC_I32: return scan_typed(p, (const int32_t*)x, (int32_t*)out, o, nn, in, r);
    case NRC_I64: return scan_typed(p, (const long long*)x, (long long*)out, o, nn, in, r);
    case NRC_U8: return scan_typed(p, (const uint8_t*)x, (uint8_t*)out, o, nn, in, r);
    default:
      return set_error(NRC_ERR_UNSUPPORTED, std::string("nrc_scan: dtype ") + dtype_name(dt) +
                                                " is not a compute dtype here (float32, float64, int32, int64, uint8; convert first)");
  }
}

extern "C" nrc_status nrc_cumprod_bwd(nrc_dtype dt, const void* g, const void* x, void* gx, size_t outer, size_t n, size_t inner) {
  NRC_INIT();
  if (dt != NRC_F32 && dt != NRC_F64) {
    NRC_ARG(dtype_valid(dt), "nrc_cumprod_bwd: unknown dtype code");
    return set_error(NRC_ERR_UNSUPPORTED, std::string("nrc_cumprod_bwd: dtype ") + dtype_name(dt) + " is not supported (float32, float64)");
  }
  NRC_ARG(outer * n * inner < (1ull << 61), "nrc_cumprod_bwd: tensor too large");
  const size_t total = outer * n * inner;
  if (total == 0) return NRC_OK;
  NRC_ARG(g && x && gx, "nrc_cumprod_bwd: null pointer");
  void* ws = nullptr;
  nrc_status s = nrc_malloc(&ws, total * sizeof(double));
  if (s != NRC_OK) return s;
  const int64_t lines = (int64_t)(outer * inner);
  unsigned grid = grid_for((size_t)lines, 256, (unsigned)props().sms * 32);
  if (dt == NRC_F32) cumprod_bwd_k<float><<<grid, 256, 0, stream()>>>((const float*)g, (const float*)x, (float*)gx, (double*)ws, (int64_t)outer, (int64_t)n, (int64_t)inner);
  else cumprod_bwd_k<double><<<grid, 256, 0, stream()>>>((const double*)g, (const double*)x, (double*)gx, (double*)ws, (int64_t)outer, (int64_t)n, (int64_t)inner);
  cudaError_t e = cudaGetLastError();
  nrc_free(ws);  // stream-ordered
  if (e != cudaSuccess) return cuda_error(e, "nrc_cumprod_bwd");
  return NRC_OK;
}
