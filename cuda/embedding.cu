// Embedding lookup and its backward. table (V, C), idx int32 (n), out (n, C).
// An index outside [0, V) writes a zero row and sets the device error flag (reported by nrc_sync).
#include "vec.cuh"

namespace nrc {
namespace {

// One 8-element chunk of one output row per thread (VEC), else one element per thread.
template <typename T, bool VEC>
__global__ void embedding_fwd_kernel(const T* __restrict__ table, const int32_t* __restrict__ idx, T* __restrict__ out,
                                     size_t n, size_t V, size_t C, int* flag) {
  size_t per_row = VEC ? C / kVec : C;
  size_t total = n * per_row;
  size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
    size_t r = i / per_row, c = i % per_row;
    int32_t t = idx[r];
    bool ok = t >= 0 && (size_t)t < V;
    if (!ok && c == 0) atomicOr(flag, kFlagEmbeddingIndex);
    if (VEC) {
      uint4 v = ok ? *reinterpret_cast<const uint4*>(table + (size_t)t * C + c * kVec) : make_uint4(0, 0, 0, 0);
      if (sizeof(T) == 4) {
        // 8 floats = two uint4
        uint4 v2 = ok ? *(reinterpret_cast<const uint4*>(table + (size_t)t * C + c * kVec) + 1) : make_uint4(0, 0, 0, 0);
        reinterpret_cast<uint4*>(out + r * C + c * kVec)[0] = v;
        reinterpret_cast<uint4*>(out + r * C + c * kVec)[1] = v2;
      } else {
        *reinterpret_cast<uint4*>(out + r * C + c * kVec) = v;
      }
    } else {
      out[r * C + c] = ok ? table[(size_t)t * C + c] : from_f<T>(0.f);
    }
  }
}

// dtable (V, C) fp32 += dout (n, C) rows scattered by idx (rows with bad indices are skipped).
template <typename T>
__global__ void embedding_bwd_kernel(const T* __restrict__ dout, const int32_t* __restrict__ idx, float* __restrict__ dtable,
                                     size_t n, size_t V, size_t C, int* flag) {
  size_t total = n * C;
  size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += stride) {
    size_t r = i / C, c = i % C;
    int32_t t = idx[r];
    if (t < 0 || (size_t)t >= V) {
      if (c == 0) atomicOr(flag, kFlagEmbeddingIndex);
      continue;
    }
    atomicAdd(&dtable[(size_t)t * C + c], to_f(dout[i]));
  }
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_embedding_fwd(nrc_dtype dt, const void* table, const int32_t* idx, void* out, size_t n, size_t V, size_t C) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_embedding_fwd");
  if (!n || !C) return NRC_OK;
  NRC_ARG(table && idx && out, "nrc_embedding_fwd: null pointer");
  bool vec = C % kVec == 0 && aligned16(table) && aligned16(out);
  size_t work = vec ? n * (C / kVec) : n * C;
  unsigned g = mem_grid(work);
  NRC_DISPATCH(dt, T,
    if (vec) embedding_fwd_kernel<T, true><<<g, 256, 0, stream()>>>((const T*)table, idx, (T*)out, n, V, C, device_error_flag());
    else embedding_fwd_kernel<T, false><<<g, 256, 0, stream()>>>((const T*)table, idx, (T*)out, n, V, C, device_error_flag()));
  NRC_LAUNCHED("nrc_embedding_fwd");
  return NRC_OK;
}

nrc_status nrc_embedding_bwd(nrc_dtype dt, const void* dout, const int32_t* idx, float* dtable, size_t n, size_t V, size_t C) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, "nrc_embedding_bwd");
  if (!n || !C) return NRC_OK;
  NRC_ARG(dout && idx && dtable, "nrc_embedding_bwd: null pointer");
  unsigned g = mem_grid(n * C);
  NRC_DISPATCH(dt, T, embedding_bwd_kernel<T><<<g, 256, 0, stream()>>>((const T*)dout, idx, dtable, n, V, C, device_error_flag()));
  NRC_LAUNCHED("nrc_embedding_bwd");
  return NRC_OK;
}

}  // extern "C"
