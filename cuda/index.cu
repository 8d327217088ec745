// Index validation and gather/scatter along a dim on strided views (nrc_index_check, nrc_gather,
// nrc_scatter; also index_select / index_add / index_fill through 0-strided index views).
// Out-of-range indices: nrc_index_check runs first (one check kernel per index tensor into a 64-bit
// fault key in device scratch, then one 8-byte D2H copy, i.e. a sync) and reports the first bad
// element (tensor, then row-major position) with its value, so the binding throws before any data
// moves. The gather/scatter kernels guard every index anyway: a bad one makes gather write 0 and
// scatter skip the element, never an out-of-bounds access.
#include "common.cuh"
#include "index_atomic.cuh"

namespace nrc {
namespace {

using ix::Iter;

// idx (view over g's shape, operand 0): atomicMin of the fault key over elements outside the range.
template <typename I, typename L>
__global__ void check_kernel(const I* __restrict__ idx, Iter<1> g, uint64_t n, int64_t size, bool allow_neg, int j,
                             unsigned long long* fault) {
  for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (uint64_t)gridDim.x * blockDim.x) {
    int64_t off[1];
    ix::offsets(g, (L)i, off);
    if (ix::wrap_checked((int64_t)idx[off[0]], size, allow_neg) < 0) atomicMin(fault, ix::fault_key(j, i));
  }
}

// Iteration over index's shape; operands: 0 out, 1 index, 2 x with x's `dim` stride zeroed.
//   out[p] = x[p with p[dim] = index[p]]        (T: element bytes as an unsigned type)
template <typename T, typename I, typename L>
__global__ void gather_kernel(T* __restrict__ out, const T* __restrict__ x, const I* __restrict__ idx, Iter<3> g, uint64_t n,
                              int64_t xdim_stride, int64_t size) {
  for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (uint64_t)gridDim.x * blockDim.x) {
    int64_t off[3];
    ix::offsets(g, (L)i, off);
    int64_t j = ix::wrap_checked((int64_t)idx[off[1]], size, false);
    out[off[0]] = j >= 0 ? x[off[2] + j * xdim_stride] : T(0);
  }
}

// Iteration over index's shape; operands: 0 out with its `dim` stride zeroed, 1 index, 2 src.
//   out[p with p[dim] = index[p]]  (M)=  src[p]
template <int M, typename T, typename I, typename L>
__global__ void scatter_kernel(T* __restrict__ out, const T* __restrict__ src, const I* __restrict__ idx, Iter<3> g, uint64_t n,
                               int64_t odim_stride, int64_t size) {
  for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (uint64_t)gridDim.x * blockDim.x) {
    int64_t off[3];
    ix::offsets(g, (L)i, off);
    int64_t j = ix::wrap_checked((int64_t)idx[off[1]], size, false);
    if (j >= 0) ix::atomic_apply<M>(out + off[0] + j * odim_stride, src[off[2]]);
  }
}

unsigned blocks_for(uint64_t n) { return grid_for(n, 256, 65535u * 8u); }

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
bool index_dtype(nrc_dtype t) { return t == NRC_I32 || t == NRC_I64; }
const char* at(const void* p, const nrc_view* v, size_t esz) { return (const char*)p + v->offset * (int64_t)esz; }

// Iteration over `shape_of`'s shape, operand strides taken from the given views (same ndim).
template <int NOPS>
Iter<NOPS> iter_of(const nrc_view* shape_of, const nrc_view* const (&ops)[NOPS]) {
  Iter<NOPS> g{};
  g.nd = shape_of->ndim;
  for (int d = 0; d < g.nd; ++d) {
    g.shape[d] = shape_of->shape[d];
    for (int o = 0; o < NOPS; ++o) g.st[o][d] = ops[o]->strides[d];
  }
  return g;
}


#define NRC_ARITH_DISPATCH(dt, T, ...)                                  \
  switch (dt) {                                                         \
    case NRC_F32: { using T = float; __VA_ARGS__; break; }              \
    case NRC_F64: { using T = double; __VA_ARGS__; break; }             \
    case NRC_F16: { using T = __half; __VA_ARGS__; break; }             \
    case NRC_BF16: { using T = __nv_bfloat16; __VA_ARGS__; break; }     \
    case NRC_I32: { using T = int32_t; __VA_ARGS__; break; }            \
    case NRC_I64: { using T = long long; __VA_ARGS__; break; }          \
    case NRC_U8: { using T = uint8_t; __VA_ARGS__; break; }             \
    default: return set_error(NRC_ERR_UNSUPPORTED, std::string(fn) + ": reduction not supported for dtype " + dtype_name(dt)); \
  }

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_index_check(int k, const nrc_index_arg* ixs, int allow_negative, int* bad, int* which, int64_t* value) {
  const char* fn = "nrc_index_check";
  NRC_INIT();
  NRC_ARG(bad && which && value && (k == 0 || ixs) && k >= 0 && k <= NRC_MAX_DIMS, "nrc_index_check: bad arguments");
  *bad = 0; *which = -1; *value = 0;
  // drop broadcast (stride-0) and size-1 dims: each distinct element is checked once
  nrc_view views[NRC_MAX_DIMS];
  bool any = false;
  for (int j = 0; j < k; ++j) {
    NRC_ARG(view_ok(&ixs[j].view) && index_dtype(ixs[j].dt) && ixs[j].size >= 0, "nrc_index_check: bad index view or dtype");
    nrc_view v{};
    v.offset = ixs[j].view.offset;
    bool empty = false;
    for (int d = 0; d < ixs[j].view.ndim; ++d) {
      if (ixs[j].view.shape[d] == 0) empty = true;
      if (ixs[j].view.shape[d] == 1 || ixs[j].view.strides[d] == 0) continue;
      v.shape[v.ndim] = ixs[j].view.shape[d];
      v.strides[v.ndim++] = ixs[j].view.strides[d];
    }
    if (empty) v.ndim = -1;  // nothing to check
    else { NRC_ARG(ixs[j].data, "nrc_index_check: null pointer"); any = true; }
    NRC_ARG(numel(&v) < (1ull << ix::kKeyShift), "nrc_index_check: index tensor too large");
    views[j] = v;
  }
  if (!any) return NRC_OK;
  void* scratch = nullptr;
  nrc_status st = nrc_malloc(&scratch, sizeof(unsigned long long));
  if (st != NRC_OK) return st;
  unsigned long long* fault = (unsigned long long*)scratch;
  unsigned long long key = ~0ull;
  cudaError_t e = cudaMemsetAsync(fault, 0xff, sizeof key, stream());
  for (int j = 0; j < k && e == cudaSuccess; ++j) {
    const nrc_view* v = &views[j];
    if (v->ndim < 0) continue;
    uint64_t n = numel(v);
    const nrc_view* const ops[1] = {v};
    Iter<1> g = iter_of<1>(v, ops);
    size_t esz = dtype_size(ixs[j].dt);
    NRC_IX_DISPATCH(ixs[j].dt, n, I, L,
      check_kernel<I, L><<<blocks_for(n), 256, 0, stream()>>>((const I*)at(ixs[j].data, v, esz), g, n, ixs[j].size, allow_negative != 0, j, fault));
    e = cudaGetLastError();
  }
  if (e == cudaSuccess) e = cudaMemcpyAsync(&key, fault, sizeof key, cudaMemcpyDeviceToHost, stream());
  if (e == cudaSuccess) e = cudaStreamSynchronize(stream());
  nrc_free(scratch);
  NRC_CUDA(e, fn);
  if (key == ~0ull) return NRC_OK;
  // the offending element: decompose its position over the checked view, read it back
  int j = ix::fault_tensor(key);
  const nrc_view* v = &views[j];
  uint64_t pos = ix::fault_pos(key);
  int64_t off = 0;
  for (int d = v->ndim - 1; d >= 0; --d) { off += (int64_t)(pos % (uint64_t)v->shape[d]) * v->strides[d]; pos /= (uint64_t)v->shape[d]; }
  size_t esz = dtype_size(ixs[j].dt);
  int64_t val = 0;
  if (esz == 4) { int32_t t; NRC_CUDA(cudaMemcpy(&t, at(ixs[j].data, v, esz) + off * 4, 4, cudaMemcpyDeviceToHost), fn); val = t; }
  else NRC_CUDA(cudaMemcpy(&val, at(ixs[j].data, v, esz) + off * 8, 8, cudaMemcpyDeviceToHost), fn);
  *bad = 1; *which = j; *value = val;
  return NRC_OK;
}

nrc_status nrc_gather(nrc_dtype dt, void* out, const nrc_view* ov, const void* x, const nrc_view* xv, nrc_dtype idx_dt, const void* idx,
                      const nrc_view* iv, int dim) {
  NRC_INIT();
  NRC_ARG(dtype_valid(dt) && index_dtype(idx_dt), "nrc_gather: bad dtype");
  NRC_ARG(view_ok(ov) && view_ok(xv) && view_ok(iv), "nrc_gather: bad view");
  int nd = iv->ndim;
  NRC_ARG(nd >= 1 && ov->ndim == nd && xv->ndim == nd && dim >= 0 && dim < nd, "nrc_gather: views must share ndim >= 1, dim in range");
  for (int d = 0; d < nd; ++d)
    NRC_ARG(ov->shape[d] == iv->shape[d] && (d == dim || iv->shape[d] <= xv->shape[d]), "nrc_gather: index larger than the input");
  uint64_t n = numel(iv);
  if (!n) return NRC_OK;
  NRC_ARG(out && x && idx, "nrc_gather: null pointer");
  nrc_view xz = *xv;
  xz.strides[dim] = 0;
  const nrc_view* const ops[3] = {ov, iv, &xz};
  Iter<3> g = iter_of<3>(iv, ops);
  size_t esz = dtype_size(dt), isz = dtype_size(idx_dt);
  NRC_IX_DISPATCH(idx_dt, n, I, L,
    NRC_BYTES_DISPATCH(esz, T,
      gather_kernel<T, I, L><<<blocks_for(n), 256, 0, stream()>>>((T*)at(out, ov, esz), (const T*)at(x, xv, esz), (const I*)at(idx, iv, isz), g, n,
                                                                  xv->strides[dim], xv->shape[dim])));
  NRC_LAUNCHED("nrc_gather");
  return NRC_OK;
}

nrc_status nrc_scatter(int mode, nrc_dtype dt, void* out, const nrc_view* ov, nrc_dtype idx_dt, const void* idx, const nrc_view* iv,
                       const void* src, const nrc_view* sv, int dim) {
  const char* fn = "nrc_scatter";
  NRC_INIT();
  NRC_ARG(dtype_valid(dt) && index_dtype(idx_dt) && mode >= 0 && mode <= 4, "nrc_scatter: bad dtype or mode");
  NRC_ARG(view_ok(ov) && view_ok(sv) && view_ok(iv), "nrc_scatter: bad view");
  int nd = iv->ndim;
  NRC_ARG(nd >= 1 && ov->ndim == nd && sv->ndim == nd && dim >= 0 && dim < nd, "nrc_scatter: views must share ndim >= 1, dim in range");
  for (int d = 0; d < nd; ++d)
    NRC_ARG(iv->shape[d] <= sv->shape[d] && (d == dim || iv->shape[d] <= ov->shape[d]), "nrc_scatter: index larger than the input or src");
  for (int d = 0; d < nd; ++d)
    NRC_ARG(ov->shape[d] <= 1 || ov->strides[d] != 0, "nrc_scatter: the output must not overlap itself (stride 0)");
  if (mode != 0 && dt == NRC_BOOL) return set_error(NRC_ERR_UNSUPPORTED, "nrc_scatter: reductions are not supported for bool");
  uint64_t n = numel(iv);
  if (!n) return NRC_OK;
  NRC_ARG(out && src && idx, "nrc_scatter: null pointer");
  nrc_view oz = *ov;
  oz.strides[dim] = 0;
  const nrc_view* const ops[3] = {&oz, iv, sv};
  Iter<3> g = iter_of<3>(iv, ops);
  size_t esz = dtype_size(dt), isz = dtype_size(idx_dt);
  unsigned b = blocks_for(n);
  const int64_t ods = ov->strides[dim], size = ov->shape[dim];
  NRC_IX_DISPATCH(idx_dt, n, I, L, {
    const I* ip = (const I*)at(idx, iv, isz);
    if (mode == 0) {
      NRC_BYTES_DISPATCH(esz, T,
        scatter_kernel<0, T, I, L><<<b, 256, 0, stream()>>>((T*)at(out, ov, esz), (const T*)at(src, sv, esz), ip, g, n, ods, size));
    } else {
      NRC_ARITH_DISPATCH(dt, T,
        T* op = (T*)at(out, ov, esz); const T* spp = (const T*)at(src, sv, esz);
        switch (mode) {
          case 1: scatter_kernel<1, T, I, L><<<b, 256, 0, stream()>>>(op, spp, ip, g, n, ods, size); break;
          case 2: scatter_kernel<2, T, I, L><<<b, 256, 0, stream()>>>(op, spp, ip, g, n, ods, size); break;
          case 3: scatter_kernel<3, T, I, L><<<b, 256, 0, stream()>>>(op, spp, ip, g, n, ods, size); break;
          default: scatter_kernel<4, T, I, L><<<b, 256, 0, stream()>>>(op, spp, ip, g, n, ods, size); break;
        });
    }
  });
  NRC_LAUNCHED(fn);
  return NRC_OK;
}

}  // extern "C"
