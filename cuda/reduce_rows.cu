// Row reductions of a contiguous (rows, cols) tensor: sum, mean, prod, sum of squares, max, min
// (NaN-propagating) and argmax/argmin (first extremum; the first NaN counts as the extremum), for
// float32/16/bf16/64 and int32/int64 inputs. Mirrors native/kernels/ref/reduce.cc: integer sums and
// products wrap in int64; float64 accumulates in double, the other float types in float.
// Three launch shapes, all reading 16-byte vectors (after a scalar head up to the first aligned
// address) and combining per-thread partials with warp shuffles in a fixed order:
//   cols <= 1024: one warp per row, 8 rows per block (many short rows);
//   otherwise one 256-thread block per row, or, when there are too few rows to fill the GPU, several
//   blocks per row (splits) writing partials to a workspace that one warp per row then combines.
#include <climits>
#include "dtype_ext.cuh"

namespace nrc {
namespace {

enum Kind { kSum, kProd, kSumSq, kMax, kMin, kArgMax, kArgMin };

template <typename A> struct ArgAcc { A v; long long i; };

template <typename A> __device__ __forceinline__ A shfl_x(A a, int o) { return __shfl_xor_sync(0xffffffffu, a, o); }
template <typename A> __device__ __forceinline__ ArgAcc<A> shfl_x(ArgAcc<A> a, int o) {
  return {__shfl_xor_sync(0xffffffffu, a.v, o), __shfl_xor_sync(0xffffffffu, a.i, o)};
}

template <typename A> __device__ __forceinline__ A lowest() {
  if constexpr (std::is_floating_point<A>::value) return -(A)INFINITY; else return LLONG_MIN;
}
template <typename A> __device__ __forceinline__ A highest() {
  if constexpr (std::is_floating_point<A>::value) return (A)INFINITY; else return LLONG_MAX;
}

// Op<T, K>: Acc type, init(), elem(value, index), combine(a, b) (associative and commutative, so the
// order of combination does not change the result beyond float rounding), store(out, out_dt, row, acc, cols, mean).
template <typename T, int K, typename Enable = void> struct Op;

// sum / mean / prod / sum of squares. Integers accumulate in uint64 (wrapping, as the reference).
template <typename T, int K>
struct Op<T, K, std::enable_if_t<K == kSum || K == kProd || K == kSumSq>> {
  static constexpr bool kInt = std::is_integral<T>::value;
  using Acc = std::conditional_t<kInt, unsigned long long, acc_t<T>>;
  __device__ static Acc init() { return K == kProd ? (Acc)1 : (Acc)0; }
  __device__ static Acc elem(T v, long long) {
    Acc a = kInt ? (Acc)(long long)v : cvt_in<Acc>(v);
    return K == kSumSq ? a * a : a;
  }
  __device__ static Acc combine(Acc a, Acc b) { return K == kProd ? a * b : a + b; }
  __device__ static void store(void* out, nrc_dtype odt, size_t row, Acc a, size_t cols, bool mean) {
    if (odt == NRC_I64) { ((long long*)out)[row] = (long long)a; return; }
    double r = kInt ? (double)(long long)a : (double)a;
    if (mean) r /= (double)cols;
    if (odt == NRC_F64) ((double*)out)[row] = r;
    else ((float*)out)[row] = (float)r;
  }
};

// max / min with NaN propagation; stored in the input dtype.
template <typename T, int K>
struct Op<T, K, std::enable_if_t<K == kMax || K == kMin>> {
  using Acc = acc_t<T>;
  __device__ static Acc init() { return K == kMax ? lowest<Acc>() : highest<Acc>(); }
  __device__ static Acc elem(T v, long long) { return cvt_in<Acc>(v); }
  __device__ static Acc combine(Acc a, Acc b) {
    if (is_nan(a)) return a;
    if (is_nan(b)) return b;
    return (K == kMax ? b > a : b < a) ? b : a;
  }
  __device__ static void store(void* out, nrc_dtype, size_t row, Acc a, size_t, bool) { ((T*)out)[row] = cvt_out<T>(a); }
};

// argmax / argmin: (value, index); NaN beats any number, ties and NaN vs NaN go to the lower index.
template <typename T, int K>
struct Op<T, K, std::enable_if_t<K == kArgMax || K == kArgMin>> {
  using A = acc_t<T>;
  using Acc = ArgAcc<A>;
  __device__ static Acc init() { return {K == kArgMax ? lowest<A>() : highest<A>(), LLONG_MAX}; }
  __device__ static Acc elem(T v, long long i) { return {cvt_in<A>(v), i}; }
  __device__ static Acc combine(Acc a, Acc b) {
    bool an = is_nan(a.v), bn = is_nan(b.v);
    if (an || bn) return (an && bn) ? (a.i <= b.i ? a : b) : (an ? a : b);
    if (K == kArgMax ? b.v > a.v : b.v < a.v) return b;
    if (K == kArgMax ? a.v > b.v : a.v < b.v) return a;
    return a.i <= b.i ? a : b;
  }
  __device__ static void store(void* out, nrc_dtype, size_t row, Acc a, size_t, bool) { ((long long*)out)[row] = a.i; }
};

// Thread t of nt accumulates elements [begin, end) of row p (index = position in the row).
template <typename T, typename O>
__device__ __forceinline__ typename O::Acc accum_range(const T* __restrict__ p, size_t begin, size_t end, int t, int nt) {
  using Acc = typename O::Acc;
  constexpr int V = 16 / sizeof(T);
  Acc acc = O::init();
  size_t head = (((uintptr_t)16 - ((uintptr_t)(p + begin) & 15)) & 15) / sizeof(T);
  if (head > end - begin) head = end - begin;
  for (size_t i = begin + t; i < begin + head; i += nt) acc = O::combine(acc, O::elem(p[i], (long long)i));
  const size_t vb = begin + head, nv = (end - vb) / V;
  const uint4* pv = reinterpret_cast<const uint4*>(p + vb);
#pragma unroll(sizeof(T) == 8 ? 2 : 4)
  for (size_t k = t; k < nv; k += nt) {
    uint4 u = __ldg(pv + k);
    const T* e = reinterpret_cast<const T*>(&u);
#pragma unroll
    for (int j = 0; j < V; j++) acc = O::combine(acc, O::elem(e[j], (long long)(vb + k * V + j)));
  }
  for (size_t i = vb + nv * V + t; i < end; i += nt) acc = O::combine(acc, O::elem(p[i], (long long)i));
  return acc;
}

template <typename O> __device__ __forceinline__ typename O::Acc warp_reduce(typename O::Acc a) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) a = O::combine(a, shfl_x(a, o));
  return a;
}

// Valid in thread 0 only. blockDim.x % 32 == 0.
template <typename O> __device__ __forceinline__ typename O::Acc block_reduce(typename O::Acc a) {
  __shared__ typename O::Acc sh[32];
  int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, nw = blockDim.x >> 5;
  a = warp_reduce<O>(a);
  if (lane == 0) sh[wid] = a;
  __syncthreads();
  if (wid == 0) {
    a = lane < nw ? sh[lane] : O::init();
    a = warp_reduce<O>(a);
  }
  return a;
}

// x (rows, cols), out (rows): one warp per row.
template <typename T, typename O>
__global__ void __launch_bounds__(256) reduce_warp_kernel(const T* __restrict__ x, void* out, nrc_dtype odt, size_t rows,
                                                          size_t cols, bool mean) {
  size_t row = (size_t)blockIdx.x * 8 + (threadIdx.x >> 5);
  if (row >= rows) return;
  int lane = threadIdx.x & 31;
  auto a = warp_reduce<O>(accum_range<T, O>(x + row * cols, 0, cols, lane, 32));
  if (lane == 0) O::store(out, odt, row, a, cols, mean);
}

// x (rows, cols); block b handles row b / splits, columns [s*chunk, (s+1)*chunk) with s = b % splits.
// splits == 1: writes out (rows); else writes partial (rows, splits) of Acc.
template <typename T, typename O>
__global__ void __launch_bounds__(256) reduce_block_kernel(const T* __restrict__ x, void* out, nrc_dtype odt,
                                                           typename O::Acc* __restrict__ partial, size_t cols,
                                                           int splits, size_t chunk, bool mean) {
  size_t row = blockIdx.x / splits;
  int s = blockIdx.x % splits;
  size_t b = (size_t)s * chunk, e = b + chunk < cols ? b + chunk : cols;
  if (b > e) b = e;
  auto a = block_reduce<O>(accum_range<T, O>(x + row * cols, b, e, threadIdx.x, blockDim.x));
  if (threadIdx.x == 0) {
    if (splits == 1) O::store(out, odt, row, a, cols, mean);
    else partial[row * splits + s] = a;
  }
}

// partial (rows, splits) -> out (rows): one warp per row, fixed combination order.
template <typename T, typename O>
__global__ void __launch_bounds__(256) reduce_combine_kernel(const typename O::Acc* __restrict__ partial, void* out,
                                                             nrc_dtype odt, size_t rows, size_t cols, int splits, bool mean) {
  size_t row = (size_t)blockIdx.x * 8 + (threadIdx.x >> 5);
  if (row >= rows) return;
  int lane = threadIdx.x & 31;
  auto a = O::init();
  for (int s = lane; s < splits; s += 32) a = O::combine(a, partial[row * splits + s]);
  a = warp_reduce<O>(a);
  if (lane == 0) O::store(out, odt, row, a, cols, mean);
}

template <typename T, int K>
nrc_status launch(const void* xv, void* out, nrc_dtype odt, size_t rows, size_t cols, bool mean, const char* fn) {
  using O = Op<T, K>;
  using Acc = typename O::Acc;
  const T* x = (const T*)xv;
  cudaStream_t st = stream();
  if (cols <= 1024) {
    reduce_warp_kernel<T, O><<<(unsigned)((rows + 7) / 8), 256, 0, st>>>(x, out, odt, rows, cols, mean);
    NRC_LAUNCHED(fn);
    return NRC_OK;
  }
  const size_t sms = (size_t)props().sms;
  size_t splits = 1;
  if (rows < 2 * sms) {
    splits = std::min<size_t>((4 * sms + rows - 1) / rows, (cols + 8191) / 8192);
    splits = std::max<size_t>(1, std::min<size_t>(splits, 128));
  }
  size_t chunk = ((cols + splits - 1) / splits + 63) / 64 * 64;
  splits = (cols + chunk - 1) / chunk;  // no empty splits
  NRC_ARG(rows * splits < (1ull << 31), std::string(fn) + ": too many rows (" + std::to_string(rows) + ")");
  Acc* partial = nullptr;
  if (splits > 1) NRC_CUDA(cudaMallocAsync((void**)&partial, rows * splits * sizeof(Acc), st), fn);
  reduce_block_kernel<T, O><<<(unsigned)(rows * splits), 256, 0, st>>>(x, out, odt, partial, cols, (int)splits, chunk, mean);
  cudaError_t e = cudaGetLastError();
  if (e == cudaSuccess && splits > 1) {
    reduce_combine_kernel<T, O><<<(unsigned)((rows + 7) / 8), 256, 0, st>>>(partial, out, odt, rows, cols, (int)splits, mean);
    e = cudaGetLastError();
  }
  if (partial) cudaFreeAsync(partial, st);
  if (e != cudaSuccess) return cuda_error(e, fn);
  return NRC_OK;
}

const char* op_name(nrc_reduce_op op) {
  static const char* n[] = {"sum", "mean", "max", "min", "prod", "sumsq"};
  return (int)op >= 0 && (int)op < 6 ? n[op] : "?";
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

// x (rows, cols) of dt -> out (rows) of out_dt.
nrc_status nrc_reduce_rows(nrc_reduce_op op, nrc_dtype dt, const void* x, nrc_dtype out_dt, void* out, size_t rows, size_t cols) {
  NRC_INIT();
  const std::string fn = std::string("nrc_reduce_rows(") + op_name(op) + ", " + dtype_name(dt) + " -> " +
                         dtype_name(out_dt) + ", " + std::to_string(rows) + "x" + std::to_string(cols) + ")";
  NRC_ARG((int)op >= NRCR_SUM && (int)op <= NRCR_SUMSQ, "nrc_reduce_rows: unknown op " + std::to_string((int)op));
  const bool flt = is_float_dt(dt), in = is_int_dt(dt), ext = op == NRCR_MAX || op == NRCR_MIN;
  if (!flt && !in) return set_error(NRC_ERR_UNSUPPORTED, fn + ": unsupported input dtype");
  bool out_ok = ext ? out_dt == dt
              : (flt || op == NRCR_MEAN) ? (out_dt == NRC_F32 || out_dt == NRC_F64)
              : out_dt == NRC_I64;
  NRC_ARG(out_ok, fn + ": bad output dtype (float sums: float32/float64; integer sum/prod/sumsq: int64; "
                       "integer mean: float32/float64; max/min: the input dtype)");
  NRC_ARG(!ext || cols > 0, fn + ": max/min of an empty row");
  if (!rows) return NRC_OK;
  NRC_ARG(out, fn + ": null output");
  NRC_ARG(x || !cols, fn + ": null input");
  NRC_ARG(cols < (1ull << 58) && rows < (1ull << 33), fn + ": too large");
  const bool mean = op == NRCR_MEAN;
  const char* f = fn.c_str();
  switch (op) {
    case NRCR_SUM: case NRCR_MEAN: NRC_DISPATCH_NUM6(dt, T, return launch<T, kSum>(x, out, out_dt, rows, cols, mean, f));
    case NRCR_PROD: NRC_DISPATCH_NUM6(dt, T, return launch<T, kProd>(x, out, out_dt, rows, cols, mean, f));
    case NRCR_SUMSQ: NRC_DISPATCH_NUM6(dt, T, return launch<T, kSumSq>(x, out, out_dt, rows, cols, mean, f));
    case NRCR_MAX: NRC_DISPATCH_NUM6(dt, T, return launch<T, kMax>(x, out, out_dt, rows, cols, mean, f));
    case NRCR_MIN: NRC_DISPATCH_NUM6(dt, T, return launch<T, kMin>(x, out, out_dt, rows, cols, mean, f));
  }
  return set_error(NRC_ERR_INVALID_ARG, fn + ": unknown op");
}

// x (rows, cols) of dt -> out (rows) int64 index of the first max/min.
nrc_status nrc_argreduce_rows(int is_max, nrc_dtype dt, const void* x, int64_t* out, size_t rows, size_t cols) {
  NRC_INIT();
  const std::string fn = std::string("nrc_argreduce_rows(") + (is_max ? "argmax" : "argmin") + ", " + dtype_name(dt) +
                         ", " + std::to_string(rows) + "x" + std::to_string(cols) + ")";
  if (!is_float_dt(dt) && !is_int_dt(dt)) return set_error(NRC_ERR_UNSUPPORTED, fn + ": unsupported input dtype");
  NRC_ARG(cols > 0, fn + ": argmax/argmin of an empty row");
  if (!rows) return NRC_OK;
  NRC_ARG(out && x, fn + ": null pointer");
  NRC_ARG(cols < (1ull << 58) && rows < (1ull << 33), fn + ": too large");
  const char* f = fn.c_str();
  if (is_max) NRC_DISPATCH_NUM6(dt, T, return launch<T, kArgMax>(x, out, NRC_I64, rows, cols, false, f))
  else NRC_DISPATCH_NUM6(dt, T, return launch<T, kArgMin>(x, out, NRC_I64, rows, cols, false, f))
  return NRC_OK;
}

}  // extern "C"
