// Sorting along the middle dim of a contiguous (outer, n, inner) tensor: nrc_sort (values + int64
// indices of the first `keep` entries of each line in (value, index) order: stable, NaN largest,
// ascending or descending), nrc_scatter_lines (the gradient of sort/topk: dst zeroed, then
// dst[.., idx, ..] = src) and nrc_copy_signed (a view with negative strides -> contiguous, for flip).
// Sorting is a bitonic network over (key, index) pairs (sort_net.cuh), so the result is deterministic
// and equals the CPU's std::stable_sort:
//   P = next power of two >= n <= 4096: one block per line sorts in shared memory (48 KiB);
//   longer lines: 4096-entry chunks sorted in shared memory into a (rows, P) workspace, then for every
//   k > 4096 the steps j >= 4096 in global memory (a thread per pair) and the steps j < 4096 in shared
//   memory per chunk; a last kernel gathers values and indices. Any n < 2^31 works.
#include "common.cuh"
#include "sort_net.cuh"

namespace nrc {
namespace {
using namespace sortnet;

constexpr int64_t C = kSmemRow;

// Steps j = jstart .. 1 of stage k on a shared range of `len` entries starting at global index base.
__device__ void bitonic_steps(uint64_t* keys, uint32_t* idx, int64_t len, int64_t base, int64_t k, int64_t jstart) {
  for (int64_t j = jstart; j > 0; j >>= 1) {
    for (int64_t t = threadIdx.x; t < len / 2; t += blockDim.x) {
      int64_t i = pair_low(t, j);
      compare_exchange(keys, idx, i, i + j, pair_up(base + i, k));
    }
    __syncthreads();
  }
}

template <typename T>
__device__ __forceinline__ void emit(const T* x, T* values, int64_t* indices, int64_t r, int64_t t, uint32_t id, int64_t n,
                                     int64_t keep, int64_t inner) {
  int64_t o = line_elem(r, t, keep, inner);
  values[o] = x[line_elem(r, id, n, inner)];
  indices[o] = (int64_t)id;
}

// x, values, indices: (outer, n | keep, inner); one block per line, P <= 4096 entries in shared memory.
template <typename T>
__global__ void sort_smem(const T* x, T* values, int64_t* indices, int64_t rows, int64_t n, int64_t inner, int64_t keep,
                          int64_t P, bool desc) {
  extern __shared__ uint64_t smem[];
  uint64_t* keys = smem;
  uint32_t* idx = (uint32_t*)(smem + P);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    for (int64_t j = threadIdx.x; j < P; j += blockDim.x) {
      keys[j] = j < n ? sort_key(x[line_elem(r, j, n, inner)], desc) : kPadKey;
      idx[j] = (uint32_t)j;
    }
    __syncthreads();
    for (int64_t k = 2; k <= P; k <<= 1) bitonic_steps(keys, idx, P, 0, k, k >> 1);
    for (int64_t t = threadIdx.x; t < keep; t += blockDim.x) emit(x, values, indices, r, t, idx[t], n, keep, inner);
    __syncthreads();
  }
}

// Long lines, phase 1: chunk c of line r (C entries of the workspace row) sorted for stages k <= C.
template <typename T>
__global__ void sort_chunks(const T* x, uint64_t* wk, uint32_t* wi, int64_t rows, int64_t n, int64_t inner, int64_t P, bool desc) {
  extern __shared__ uint64_t smem[];
  uint64_t* keys = smem;
  uint32_t* idx = (uint32_t*)(smem + C);
  const int64_t nchunks = P / C;
  for (int64_t b = blockIdx.x; b < rows * nchunks; b += gridDim.x) {
    int64_t r = b / nchunks, base = (b % nchunks) * C;
    for (int64_t j = threadIdx.x; j < C; j += blockDim.x) {
      int64_t g = base + j;
      keys[j] = g < n ? sort_key(x[line_elem(r, g, n, inner)], desc) : kPadKey;
      idx[j] = (uint32_t)g;
    }
    __syncthreads();
    for (int64_t k = 2; k <= C; k <<= 1) bitonic_steps(keys, idx, C, base, k, k >> 1);
    for (int64_t j = threadIdx.x; j < C; j += blockDim.x) { wk[r * P + base + j] = keys[j]; wi[r * P + base + j] = idx[j]; }
    __syncthreads();
  }
}

// Long lines: one step (k, j >= C) in global memory, a thread per pair.
__global__ void global_step(uint64_t* wk, uint32_t* wi, int64_t rows, int64_t P, int64_t k, int64_t j) {
  const int64_t half = P / 2;
  for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < rows * half; t += (int64_t)gridDim.x * blockDim.x) {
    int64_t r = t / half, i = pair_low(t - r * half, j);
    compare_exchange(wk + r * P, wi + r * P, i, i + j, pair_up(i, k));
  }
}

// Long lines: the steps j = C/2 .. 1 of stage k, per chunk in shared memory.
__global__ void merge_chunks(uint64_t* wk, uint32_t* wi, int64_t rows, int64_t P, int64_t k) {
  extern __shared__ uint64_t smem[];
  uint64_t* keys = smem;
  uint32_t* idx = (uint32_t*)(smem + C);
  const int64_t nchunks = P / C;
  for (int64_t b = blockIdx.x; b < rows * nchunks; b += gridDim.x) {
    int64_t r = b / nchunks, base = (b % nchunks) * C;
    for (int64_t j = threadIdx.x; j < C; j += blockDim.x) { keys[j] = wk[r * P + base + j]; idx[j] = wi[r * P + base + j]; }
    __syncthreads();
    bitonic_steps(keys, idx, C, base, k, C >> 1);
    for (int64_t j = threadIdx.x; j < C; j += blockDim.x) { wk[r * P + base + j] = keys[j]; wi[r * P + base + j] = idx[j]; }
    __syncthreads();
  }
}

// Long lines, last phase: values and indices of the first keep entries.
template <typename T>
__global__ void emit_lines(const T* x, const uint32_t* wi, T* values, int64_t* indices, int64_t rows, int64_t n, int64_t inner,
                           int64_t keep, int64_t P) {
  for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < rows * keep; t += (int64_t)gridDim.x * blockDim.x) {
    int64_t r = t / keep, j = t - r * keep;
    emit(x, values, indices, r, j, wi[r * P + j], n, keep, inner);
  }
}

template <typename T>
nrc_status sort_typed(const T* x, T* values, int64_t* indices, int64_t rows, int64_t n, int64_t inner, int64_t keep, bool desc) {
  cudaStream_t st = stream();
  const int64_t P = pow2_at_least(n);
  const unsigned maxg = (unsigned)props().sms * 32;
  if (P <= C) {
    size_t smem = (size_t)P * 12;
    unsigned threads = (unsigned)std::min<int64_t>(kThreads, std::max<int64_t>(32, P / 2));
    sort_smem<T><<<(unsigned)std::min<int64_t>(rows, maxg * 4), threads, smem, st>>>(x, values, indices, rows, n, inner, keep, P, desc);
    NRC_LAUNCHED("nrc_sort");
    return NRC_OK;
  }
  void* ws = nullptr;
  nrc_status s = nrc_malloc(&ws, (size_t)(rows * P) * 12);
  if (s != NRC_OK) return s;
  uint64_t* wk = (uint64_t*)ws;
  uint32_t* wi = (uint32_t*)(wk + rows * P);
  const unsigned cgrid = (unsigned)std::min<int64_t>(rows * (P / C), maxg * 4);
  sort_chunks<T><<<cgrid, kThreads, C * 12, st>>>(x, wk, wi, rows, n, inner, P, desc);
  for (int64_t k = 2 * C; k <= P; k <<= 1) {
    for (int64_t j = k >> 1; j >= C; j >>= 1)
      global_step<<<grid_for((size_t)(rows * P / 2), 256, maxg * 8), 256, 0, st>>>(wk, wi, rows, P, k, j);
    merge_chunks<<<cgrid, kThreads, C * 12, st>>>(wk, wi, rows, P, k);
  }
  emit_lines<T><<<grid_for((size_t)(rows * keep), 256, maxg * 8), 256, 0, st>>>(x, wi, values, indices, rows, n, inner, keep, P);
  cudaError_t e = cudaGetLastError();
  nrc_free(ws);  // stream-ordered: released after the kernels above
  if (e != cudaSuccess) return cuda_error(e, "nrc_sort");
  return NRC_OK;
}

// dst (outer, n, inner) zeroed, then dst[o, idx[o, t, i], i] = src[o, t, i] for t < k; elements of
// `bytes` bytes copied bit for bit; indices outside [0, n) are skipped.
template <typename E>
__global__ void scatter_lines_k(const E* src, const int64_t* idx, E* dst, int64_t rows, int64_t k, int64_t n, int64_t inner) {
  for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < rows * k; t += (int64_t)gridDim.x * blockDim.x) {
    int64_t r = t / k, j = t - r * k, s = line_elem(r, j, k, inner), id = idx[s];
    if (id >= 0 && id < n) dst[line_elem(r, id, n, inner)] = src[s];
  }
}

struct SignedGeom { int ndim; int64_t shape[NRC_MAX_DIMS]; int64_t strides[NRC_MAX_DIMS]; };

// dst (contiguous, numel elements) = src view (signed strides from src, which points at the view's element 0).
template <typename E>
__global__ void copy_signed_k(E* dst, const E* src, SignedGeom g, int64_t numel) {
  for (int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; t < numel; t += (int64_t)gridDim.x * blockDim.x) {
    int64_t rem = t, off = 0;
    for (int d = g.ndim - 1; d >= 0; --d) {
      int64_t q = rem / g.shape[d];
      off += (rem - q * g.shape[d]) * g.strides[d];
      rem = q;
    }
    dst[t] = src[off];
  }
}

#define NRC_DISPATCH_BYTES(bytes, E, ...)                       \
  switch (bytes) {                                              \
    case 1: { using E = uint8_t; __VA_ARGS__; break; }          \
    case 2: { using E = uint16_t; __VA_ARGS__; break; }         \
    case 4: { using E = uint32_t; __VA_ARGS__; break; }         \
    default: { using E = unsigned long long; __VA_ARGS__; break; } \
  }

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_sort(nrc_dtype dt, const void* x, void* values, int64_t* indices, size_t outer, size_t n, size_t inner,
                               size_t keep, int descending) {
  NRC_INIT();
  NRC_ARG(dtype_valid(dt), "nrc_sort: unknown dtype code");
  NRC_ARG(keep <= n, "nrc_sort: keep > n");
  NRC_ARG(n < (1ull << 31), "nrc_sort: lines of 2^31 or more elements are not supported");
  NRC_ARG(outer * n * inner < (1ull << 62), "nrc_sort: tensor too large");
  if (outer == 0 || inner == 0 || keep == 0) return NRC_OK;
  NRC_ARG(x && values && indices, "nrc_sort: null pointer");
  const int64_t rows = (int64_t)(outer * inner);
  bool d = descending != 0;
  switch (dt) {
    case NRC_F32: return sort_typed((const float*)x, (float*)values, indices, rows, (int64_t)n, (int64_t)inner, (int64_t)keep, d);
    case NRC_F64: return sort_typed((const double*)x, (double*)values, indices, rows, (int64_t)n, (int64_t)inner, (int64_t)keep, d);
    case NRC_I32: return sort_typed((const int32_t*)x, (int32_t*)values, indices, rows, (int64_t)n, (int64_t)inner, (int64_t)keep, d);
    case NRC_I64: return sort_typed((const int64_t*)x, (int64_t*)values, indices, rows, (int64_t)n, (int64_t)inner, (int64_t)keep, d);
    case NRC_U8: case NRC_BOOL:
      return sort_typed((const uint8_t*)x, (uint8_t*)values, indices, rows, (int64_t)n, (int64_t)inner, (int64_t)keep, d);
    default:
      return set_error(NRC_ERR_UNSUPPORTED, std::string("nrc_sort: dtype ") + dtype_name(dt) + " is sorted as float32 (convert first)");
  }
}

extern "C" nrc_status nrc_scatter_lines(nrc_dtype dt, const void* src, const int64_t* idx, void* dst, size_t outer, size_t k, size_t n,
                                        size_t inner) {
  NRC_INIT();
  NRC_ARG(dtype_valid(dt), "nrc_scatter_lines: unknown dtype code");
  NRC_ARG(k <= n, "nrc_scatter_lines: k > n");
  const size_t total = outer * n * inner;
  if (total == 0) return NRC_OK;
  NRC_ARG(dst && (k == 0 || (src && idx)), "nrc_scatter_lines: null pointer");
  NRC_CUDA(cudaMemsetAsync(dst, 0, total * dtype_size(dt), stream()), "nrc_scatter_lines");
  const int64_t rows = (int64_t)(outer * inner);
  if (k == 0) return NRC_OK;
  NRC_DISPATCH_BYTES(dtype_size(dt), E,
    scatter_lines_k<E><<<grid_for((size_t)rows * k, 256, (unsigned)props().sms * 64), 256, 0, stream()>>>(
        (const E*)src, idx, (E*)dst, rows, (int64_t)k, (int64_t)n, (int64_t)inner));
  NRC_LAUNCHED("nrc_scatter_lines");
  return NRC_OK;
}

extern "C" nrc_status nrc_copy_signed(nrc_dtype dt, void* dst, const void* src, int ndim, const int64_t* shape, const int64_t* strides) {
  NRC_INIT();
  NRC_ARG(dtype_valid(dt), "nrc_copy_signed: unknown dtype code");
  NRC_ARG(ndim >= 0 && ndim <= NRC_MAX_DIMS && (ndim == 0 || (shape && strides)), "nrc_copy_signed: bad ndim or null shape");
  SignedGeom g{};
  g.ndim = ndim;
  int64_t numel = 1;
  for (int d = 0; d < ndim; d++) {
    NRC_ARG(shape[d] >= 0, "nrc_copy_signed: negative size");
    g.shape[d] = shape[d];
    g.strides[d] = strides[d];
    numel *= shape[d];
  }
  if (numel == 0) return NRC_OK;
  NRC_ARG(dst && src, "nrc_copy_signed: null pointer");
  NRC_DISPATCH_BYTES(dtype_size(dt), E,
    copy_signed_k<E><<<grid_for((size_t)numel, 256, (unsigned)props().sms * 64), 256, 0, stream()>>>((E*)dst, (const E*)src, g, numel));
  NRC_LAUNCHED("nrc_copy_signed");
  return NRC_OK;
}
