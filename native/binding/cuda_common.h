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

}  // namespace nr
