// Row visitors for memory-bound kernels whose rows may start at any element offset (odd row lengths):
// thread t of nt walks elements [0, n) of a row, scalar up to the first 16-byte boundary, then in
// 16-byte vectors, then a scalar tail, calling f(c, a[c], b[c]) with values in the accumulation type
// (float; double for float64) and, when an output row is given, storing f's result at o[c]. Vectors
// are used only when every row pointer shares the same alignment modulo 16 (else all scalar).
// Also deterministic warp/block sums in the accumulation type. Internal only.
#pragma once
#include "dtype_ext.cuh"

namespace nrc {

// b (a second input row) and o (output row) may be null; f(size_t c, A av, A bv) -> A. U: unroll of
// the vector loop (lower it where register pressure spills).
template <typename T, int U = (sizeof(T) == 8 ? 1 : 2), typename F>
__device__ __forceinline__ void row_apply(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ o, size_t n,
                                          int t, int nt, F f) {
  using A = acc_t<T>;
  constexpr int V = 16 / sizeof(T);
  const uintptr_t mis = (uintptr_t)a & 15;
  bool vec = (!b || ((uintptr_t)b & 15) == mis) && (!o || ((uintptr_t)o & 15) == mis) && mis % sizeof(T) == 0;
  size_t head = vec ? ((16 - mis) & 15) / sizeof(T) : n;
  if (head > n) head = n;
  for (size_t c = t; c < head; c += nt) {
    A r = f(c, cvt_in<A>(a[c]), b ? cvt_in<A>(b[c]) : (A)0);
    if (o) o[c] = cvt_out<T>(r);
  }
  const size_t nv = (n - head) / V;
#pragma unroll(U)
  for (size_t k = t; k < nv; k += nt) {
    const size_t c0 = head + k * V;
    uint4 ua = __ldg(reinterpret_cast<const uint4*>(a + c0)), ub = make_uint4(0, 0, 0, 0), uo;
    if (b) ub = __ldg(reinterpret_cast<const uint4*>(b + c0));
    const T* ea = reinterpret_cast<const T*>(&ua);
    const T* eb = reinterpret_cast<const T*>(&ub);
    T* eo = reinterpret_cast<T*>(&uo);
#pragma unroll
    for (int j = 0; j < V; j++) eo[j] = cvt_out<T>(f(c0 + j, cvt_in<A>(ea[j]), cvt_in<A>(eb[j])));
    if (o) *reinterpret_cast<uint4*>(o + c0) = uo;
  }
  for (size_t c = head + nv * V + t; c < n; c += nt) {
    A r = f(c, cvt_in<A>(a[c]), b ? cvt_in<A>(b[c]) : (A)0);
    if (o) o[c] = cvt_out<T>(r);
  }
}

template <typename A> __device__ __forceinline__ A warp_sum_t(A v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
// Block-wide sum, result in every thread; shm holds 32 A. blockDim.x % 32 == 0. Safe to call repeatedly.
template <typename A> __device__ __forceinline__ A block_sum_t(A v, A* shm) {
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  v = warp_sum_t(v);
  __syncthreads();
  if (lane == 0) shm[wid] = v;
  __syncthreads();
  v = lane < nw ? shm[lane] : (A)0;
  return warp_sum_t(v);
}
// TPR threads cooperate on a row: a warp (TPR == 32) or the whole block (TPR == blockDim.x).
template <int TPR, typename A> __device__ __forceinline__ A group_sum(A v, A* shm) {
  if constexpr (TPR == 32) return warp_sum_t(v);
  else return block_sum_t(v, shm);
}

}  // namespace nrc
