// Advanced indexing on strided views (nrc_index_gather, nrc_index_put) and nonzero
// (nrc_count_nonzero, nrc_nonzero). Index math in index_math.cuh, atomics in index_atomic.cuh.
// nonzero keeps the CPU's row-major order without sorting: the input is cut into chunks of
// kChunk elements, one block per chunk counts its non-zeros, one block scans the counts, and each
// chunk's block then writes its coordinates at its prefix (warp ballots + a scan of warp totals per
// round of 256 elements), so the output is deterministic.
#include "common.cuh"
#include "index_atomic.cuh"

namespace nrc {
namespace {

using ix::kMax;
using ix::Adv;
using ix::adv_offsets;

// out (B..., R...):   out[b, r] = x[idx_0[b], ..., idx_{k-1}[b], r]   (T: element bytes)
template <typename T, typename I, typename L>
__global__ void index_gather_kernel(T* __restrict__ out, const T* __restrict__ x, const Adv g, uint64_t n) {
  for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (uint64_t)gridDim.x * blockDim.x) {
    int64_t vo, xo;
    bool ok = adv_offsets<I, L>(g, (L)i, vo, xo);
    out[vo] = ok ? x[xo] : T(0);
  }
}

// values (B..., R...):   x[idx_0[b], ..., idx_{k-1}[b], r]  (M)=  values[b, r]
template <int M, typename T, typename I, typename L>
__global__ void index_put_kernel(T* __restrict__ x, const T* __restrict__ values, const Adv g, uint64_t n) {
  for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (uint64_t)gridDim.x * blockDim.x) {
    int64_t vo, xo;
    if (adv_offsets<I, L>(g, (L)i, vo, xo)) ix::atomic_apply<M>(x + xo, values[vo]);
  }
}

// ---- nonzero ----
using ix::kThreads;
using ix::kRounds;
using ix::kChunk;

template <typename T>
__device__ __forceinline__ bool nz_at(const T* x, const ix::Iter<1>& g, uint64_t e, int kind) {
  int64_t off[1];
  ix::offsets(g, e, off);
  return ix::nonzero_bits((uint64_t)x[off[0]], kind);
}

// counts[chunk] = non-zeros among elements [chunk * kChunk, +kChunk) (total also added to *total when given)
template <typename T>
__global__ void nz_count_kernel(const T* __restrict__ x, ix::Iter<1> g, uint64_t n, int kind, long long* counts,
                                unsigned long long* total) {
  __shared__ int warp_n[kThreads / 32];
  uint64_t base = (uint64_t)blockIdx.x * kChunk;
  int cnt = 0;
  for (int r = 0; r < kRounds; ++r) {
    uint64_t e = base + (uint64_t)r * kThreads + threadIdx.x;
    if (e < n && nz_at(x, g, e, kind)) ++cnt;
  }
  for (int o = 16; o > 0; o >>= 1) cnt += __shfl_xor_sync(0xffffffffu, cnt, o);
  if ((threadIdx.x & 31) == 0) warp_n[threadIdx.x >> 5] = cnt;
  __syncthreads();
  if (threadIdx.x == 0) {
    int s = 0;
    for (int w = 0; w < kThreads / 32; ++w) s += warp_n[w];
    if (counts) counts[blockIdx.x] = s;
    if (total && s) atomicAdd(total, (unsigned long long)s);
  }
}

// In place exclusive prefix sum of counts (nc entries), one block of 1024 threads.
__global__ void nz_scan_kernel(long long* counts, uint64_t nc) {
  __shared__ long long warp_s[32];
  __shared__ long long carry;
  if (threadIdx.x == 0) carry = 0;
  __syncthreads();
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  for (uint64_t b = 0; b < nc; b += blockDim.x) {
    uint64_t i = b + threadIdx.x;
    long long v = i < nc ? counts[i] : 0, s = v;
    for (int o = 1; o < 32; o <<= 1) { long long t = __shfl_up_sync(0xffffffffu, s, o); if (lane >= o) s += t; }
    if (lane == 31) warp_s[w] = s;
    __syncthreads();
    if (w == 0) {
      long long t = warp_s[lane], u = t;
      for (int o = 1; o < 32; o <<= 1) { long long q = __shfl_up_sync(0xffffffffu, u, o); if (lane >= o) u += q; }
      warp_s[lane] = u - t;  // exclusive warp offsets
    }
    __syncthreads();
    long long c0 = carry;
    if (i < nc) counts[i] = c0 + warp_s[w] + s - v;
    __syncthreads();
    if (threadIdx.x == blockDim.x - 1) carry = c0 + warp_s[w] + s;
    __syncthreads();
  }
}

// Writes the coordinates of chunk blockIdx.x's non-zeros at rows prefix[chunk]... (rows < max_rows).
template <typename T>
__global__ void nz_write_kernel(const T* __restrict__ x, ix::Iter<1> g, uint64_t n, int kind, const long long* prefix,
                                long long* __restrict__ out, int64_t max_rows) {
  __shared__ int warp_n[kThreads / 32];
  __shared__ int warp_off[kThreads / 32];
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  uint64_t base = (uint64_t)blockIdx.x * kChunk;
  long long row0 = prefix[blockIdx.x];
  for (int r = 0; r < kRounds; ++r) {
    uint64_t e = base + (uint64_t)r * kThreads + threadIdx.x;
    bool nz = e < n && nz_at(x, g, e, kind);
    unsigned m = __ballot_sync(0xffffffffu, nz);
    if (lane == 0) warp_n[w] = __popc(m);
    __syncthreads();
    if (threadIdx.x == 0) {
      int s = 0;
      for (int q = 0; q < kThreads / 32; ++q) { warp_off[q] = s; s += warp_n[q]; }
    }
    __syncthreads();
    if (nz) {
      long long row = row0 + warp_off[w] + __popc(m & ((1u << lane) - 1u));
      if (row < max_rows) {
        uint64_t rem = e;
        for (int d = g.nd - 1; d >= 0; --d) {
          out[row * g.nd + d] = (long long)(rem % (uint64_t)g.shape[d]);
          rem /= (uint64_t)g.shape[d];
        }
      }
    }
    row0 += warp_off[kThreads / 32 - 1] + warp_n[kThreads / 32 - 1];
    __syncthreads();
  }
}

bool view_ok(const nrc_view* v) {
  if (!v || v->ndim < 0 || v->ndim > NRC_MAX_DIMS || v->offset < 0) return false;
  for (int d = 0; d < v->ndim; ++d) if (v->shape[d] < 0 || v->strides[d] < 0) return false;
  return true;
}
uint64_t numel(const nrc_view* v) {
  uint64_t n = 1;
  for (int d = 0; d < v->ndim; ++d) n *= (uint64_t)v->shape[d];
  return n;
}
const char* at(const void* p, const nrc_view* v, size_t esz) { return (const char*)p + v->offset * (int64_t)esz; }
int kind_of(nrc_dtype dt) { return dt == NRC_F32 ? 1 : dt == NRC_F64 ? 2 : (dt == NRC_F16 || dt == NRC_BF16) ? 3 : 0; }

// Validates the views of an advanced-indexing call and builds its geometry; vv is out (gather) or values (put).
nrc_status adv_geom(const char* fn, const nrc_view* vv, const nrc_view* xv, int k, nrc_dtype idx_dt, const void* const* idx,
                    const nrc_view* iv, Adv& g) {
  NRC_ARG(idx_dt == NRC_I32 || idx_dt == NRC_I64, (std::string(fn) + ": index dtype must be int32 or int64").c_str());
  NRC_ARG(view_ok(vv) && view_ok(xv) && k >= 1 && k <= xv->ndim && idx && iv, (std::string(fn) + ": bad views").c_str());
  const int nb = iv[0].ndim, nr = xv->ndim - k;
  NRC_ARG(vv->ndim == nb + nr, (std::string(fn) + ": output/values rank must be index rank + trailing dims").c_str());
  g = Adv{};
  g.nd = vv->ndim; g.nb = nb; g.k = k;
  for (int d = 0; d < g.nd; ++d) {
    g.shape[d] = vv->shape[d];
    g.vst[d] = vv->strides[d];
    if (d >= nb) {
      NRC_ARG(vv->shape[d] == xv->shape[k + d - nb], (std::string(fn) + ": trailing dims differ from x's").c_str());
      g.xst[d] = xv->strides[k + d - nb];
    }
  }
  size_t isz = dtype_size(idx_dt);
  for (int j = 0; j < k; ++j) {
    NRC_ARG(view_ok(&iv[j]) && iv[j].ndim == nb, (std::string(fn) + ": index views must share one shape").c_str());
    for (int d = 0; d < nb; ++d) {
      NRC_ARG(iv[j].shape[d] == vv->shape[d], (std::string(fn) + ": index views must share one shape").c_str());
      g.ist[j][d] = iv[j].strides[d];
    }
    g.asize[j] = xv->shape[j];
    g.ast[j] = xv->strides[j];
    g.idx[j] = at(idx[j], &iv[j], isz);
  }
  return NRC_OK;
}


unsigned blocks_for(uint64_t n) { return grid_for(n, 256, 65535u * 8u); }

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_index_gather(nrc_dtype dt, void* out, const nrc_view* ov, const void* x, const nrc_view* xv, int k, nrc_dtype idx_dt,
                            const void* const* idx, const nrc_view* iv) {
  NRC_INIT();
  NRC_ARG(dtype_valid(dt), "nrc_index_gather: bad dtype");
  Adv g;
  nrc_status st = adv_geom("nrc_index_gather", ov, xv, k, idx_dt, idx, iv, g);
  if (st != NRC_OK) return st;
  uint64_t n = numel(ov);
  if (!n) return NRC_OK;
  NRC_ARG(out && x, "nrc_index_gather: null pointer");
  for (int j = 0; j < k; ++j) NRC_ARG(idx[j], "nrc_index_gather: null pointer");
  size_t esz = dtype_size(dt);
  NRC_IX_DISPATCH(idx_dt, n, I, L,
    NRC_BYTES_DISPATCH(esz, T, index_gather_kernel<T, I, L><<<blocks_for(n), 256, 0, stream()>>>((T*)at(out, ov, esz), (const T*)at(x, xv, esz), g, n)));
  NRC_LAUNCHED("nrc_index_gather");
  return NRC_OK;
}

nrc_status nrc_index_put(int accumulate, nrc_dtype dt, void* x, const nrc_view* xv, const void* values, const nrc_view* vv, int k,
                         nrc_dtype idx_dt, const void* const* idx, const nrc_view* iv) {
  const char* fn = "nrc_index_put";
  NRC_INIT();
  NRC_ARG(dtype_valid(dt), "nrc_index_put: bad dtype");
  Adv g;
  nrc_status st = adv_geom(fn, vv, xv, k, idx_dt, idx, iv, g);
  if (st != NRC_OK) return st;
  for (int d = 0; d < xv->ndim; ++d) NRC_ARG(xv->shape[d] <= 1 || xv->strides[d] != 0, "nrc_index_put: x must not overlap itself (stride 0)");
  if (accumulate && dt == NRC_BOOL) return set_error(NRC_ERR_UNSUPPORTED, "nrc_index_put: accumulate is not supported for bool");
  uint64_t n = numel(vv);
  if (!n) return NRC_OK;
  NRC_ARG(x && values, "nrc_index_put: null pointer");
  for (int j = 0; j < k; ++j) NRC_ARG(idx[j], "nrc_index_put: null pointer");
  size_t esz = dtype_size(dt);
  unsigned b = blocks_for(n);
  NRC_IX_DISPATCH(idx_dt, n, I, L, {
    if (!accumulate) {
      NRC_BYTES_DISPATCH(esz, T, index_put_kernel<0, T, I, L><<<b, 256, 0, stream()>>>((T*)at(x, xv, esz), (const T*)at(values, vv, esz), g, n));
    } else {
      switch (dt) {
        case NRC_F32: index_put_kernel<1, float, I, L><<<b, 256, 0, stream()>>>((float*)at(x, xv, esz), (const float*)at(values, vv, esz), g, n); break;
        case NRC_F64: index_put_kernel<1, double, I, L><<<b, 256, 0, stream()>>>((double*)at(x, xv, esz), (const double*)at(values, vv, esz), g, n); break;
        case NRC_F16: index_put_kernel<1, __half, I, L><<<b, 256, 0, stream()>>>((__half*)at(x, xv, esz), (const __half*)at(values, vv, esz), g, n); break;
        case NRC_BF16:
          index_put_kernel<1, __nv_bfloat16, I, L><<<b, 256, 0, stream()>>>((__nv_bfloat16*)at(x, xv, esz), (const __nv_bfloat16*)at(values, vv, esz), g, n);
          break;
        case NRC_I32: index_put_kernel<1, int32_t, I, L><<<b, 256, 0, stream()>>>((int32_t*)at(x, xv, esz), (const int32_t*)at(values, vv, esz), g, n); break;
        case NRC_I64: index_put_kernel<1, long long, I, L><<<b, 256, 0, stream()>>>((long long*)at(x, xv, esz), (const long long*)at(values, vv, esz), g, n); break;
        default: index_put_kernel<1, uint8_t, I, L><<<b, 256, 0, stream()>>>((uint8_t*)at(x, xv, esz), (const uint8_t*)at(values, vv, esz), g, n); break;
      }
    }
  });
  NRC_LAUNCHED(fn);
  return NRC_OK;
}

nrc_status nrc_count_nonzero(nrc_dtype dt, const void* x, const nrc_view* xv, int64_t* count) {
  const char* fn = "nrc_count_nonzero";
  NRC_INIT();
  NRC_ARG(count && dtype_valid(dt) && view_ok(xv), "nrc_count_nonzero: bad arguments");
  *count = 0;
  uint64_t n = numel(xv);
  if (!n) return NRC_OK;
  NRC_ARG(x, "nrc_count_nonzero: null pointer");
  void* scratch = nullptr;
  nrc_status st = nrc_malloc(&scratch, sizeof(unsigned long long));
  if (st != NRC_OK) return st;
  unsigned long long* total = (unsigned long long*)scratch, h = 0;
  ix::Iter<1> g{};
  g.nd = xv->ndim;
  for (int d = 0; d < g.nd; ++d) { g.shape[d] = xv->shape[d]; g.st[0][d] = xv->strides[d]; }
  uint64_t nc = (n + kChunk - 1) / kChunk;
  size_t esz = dtype_size(dt);
  cudaError_t e = cudaMemsetAsync(total, 0, sizeof h, stream());
  if (e == cudaSuccess) {
    NRC_BYTES_DISPATCH(esz, T, nz_count_kernel<T><<<(unsigned)nc, kThreads, 0, stream()>>>((const T*)at(x, xv, esz), g, n, kind_of(dt), nullptr, total));
    e = cudaGetLastError();
  }
  if (e == cudaSuccess) e = cudaMemcpyAsync(&h, total, sizeof h, cudaMemcpyDeviceToHost, stream());
  if (e == cudaSuccess) e = cudaStreamSynchronize(stream());
  nrc_free(scratch);
  NRC_CUDA(e, fn);
  *count = (int64_t)h;
  return NRC_OK;
}

nrc_status nrc_nonzero(nrc_dtype dt, const void* x, const nrc_view* xv, int64_t* out, int64_t rows) {
  const char* fn = "nrc_nonzero";
  NRC_INIT();
  NRC_ARG(dtype_valid(dt) && view_ok(xv) && rows >= 0, "nrc_nonzero: bad arguments");
  uint64_t n = numel(xv);
  if (!n || !rows || xv->ndim == 0) return NRC_OK;  // nothing to write ((rows, 0) for a 0-dim x)
  NRC_ARG(x && out, "nrc_nonzero: null pointer");
  uint64_t nc = (n + kChunk - 1) / kChunk;
  NRC_ARG(nc < (1ull << 31), "nrc_nonzero: input too large");
  void* ws = nullptr;
  nrc_status st = nrc_malloc(&ws, nc * sizeof(long long));
  if (st != NRC_OK) return st;
  long long* counts = (long long*)ws;
  ix::Iter<1> g{};
  g.nd = xv->ndim;
  for (int d = 0; d < g.nd; ++d) { g.shape[d] = xv->shape[d]; g.st[0][d] = xv->strides[d]; }
  size_t esz = dtype_size(dt);
  const int kind = kind_of(dt);
  NRC_BYTES_DISPATCH(esz, T, {
    const T* xp = (const T*)at(x, xv, esz);
    nz_count_kernel<T><<<(unsigned)nc, kThreads, 0, stream()>>>(xp, g, n, kind, counts, nullptr);
    nz_scan_kernel<<<1, 1024, 0, stream()>>>(counts, nc);
    nz_write_kernel<T><<<(unsigned)nc, kThreads, 0, stream()>>>(xp, g, n, kind, counts, (long long*)out, rows);
  });
  cudaError_t e = cudaGetLastError();
  nrc_free(ws);  // stream-ordered: released after the kernels above
  NRC_CUDA(e, fn);
  return NRC_OK;
}

}  // extern "C"
