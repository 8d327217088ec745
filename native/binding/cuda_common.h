// Shared by the CUDA bindings (cuda_memory.cc, cuda_ops.cc): the resolved library API or a clear JS
// error, nrc_status -> JS error (code NEURONA_CUDA_OOM for out-of-memory), and device storages passed
// from JS as handles that are looked up in the registry of live allocations (bounds for views).
#pragma once
#include "binding/binding.h"
#include "runtime/cuda_loader.h"

namespace nr {

const CudaApi* cuda_api_or_throw(Napi::Env env, const char* op);
void cuda_check(Napi::Env env, const CudaApi* a, nrc_status s, const char* op);
// The live device allocation behind argument i (a handle from cudaAlloc); throws if unknown/freed.
Buf cuda_buf(const Napi::CallbackInfo& info, size_t i, const char* op);

// JS dtype (native/include/nr/dtype.h) -> library dtype (cuda/neurona_cuda.h).
nrc_dtype nrc_dtype_of(DType t);
// The library's view of v (its data pointer already includes the offset); negative strides throw.
nrc_view to_nrc_view(Napi::Env env, const View& v, const std::string& op);
// Throws "<op>: <what>" unless ok.
void cuda_need(Napi::Env env, bool ok, const char* op, const std::string& what);
inline bool f32_contig(const View& v) { return v.dtype == DType::f32 && v.is_contiguous(); }
// Argument i as a device view read from the argument block, or absent (on = false, nothing read)
// when the JS value is the handle 0.
struct OptView { bool on; View v; };
OptView opt_view(const Napi::CallbackInfo& info, ArgReader& r, size_t i, const char* op);
inline float* opt_f32(const OptView& o) { return o.on ? o.v.ptr<float>() : nullptr; }

// The views of a normalisation backward (layernorm, batchnorm): argument handles dy, x, w|0, mean,
// rstd, dx, dw, db in that order. Checks dy, x and dx are contiguous, of one dtype and size, and x has
// `ndim` dims; the per-channel checks stay with the caller.
struct NormBwdViews { View dy, x; OptView w; View mean, rstd, dx, dw, db; };
NormBwdViews norm_bwd_views(const Napi::CallbackInfo& info, ArgReader& r, int ndim, const char* op);

}  // namespace nr
