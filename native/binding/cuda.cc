// CUDA backend status for JS: cudaInfo() loads libneurona_cuda.so on first call (see
// runtime/cuda_loader.h) and reports availability, the reason when unavailable, and the devices.
// Device tensors are not wired in yet; this is the query surface only.
#include "binding/binding.h"
#include "runtime/cuda_loader.h"

namespace nr {

NR_BINDING(cudaInfo) {
  Napi::Env env = info.Env();
  const CudaStatus& s = cuda_status();
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", s.available);
  o.Set("reason", s.reason);
  o.Set("library", s.library.empty() ? env.Null() : Napi::String::New(env, s.library));
  Napi::Array searched = Napi::Array::New(env, s.searched.size());
  for (size_t i = 0; i < s.searched.size(); i++) searched.Set((uint32_t)i, s.searched[i]);
  o.Set("searched", searched);
  o.Set("driverVersion", s.driver_version);
  o.Set("runtimeVersion", s.runtime_version);
  o.Set("archs", s.archs);
  Napi::Array devs = Napi::Array::New(env, s.devices.size());
  for (size_t i = 0; i < s.devices.size(); i++) {
    const CudaDeviceInfo& d = s.devices[i];
    Napi::Object x = Napi::Object::New(env);
    x.Set("index", (double)i);
    x.Set("name", d.name);
    x.Set("cc", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor));
    x.Set("memory", (double)d.memory);
    x.Set("multiprocessors", d.multiprocessors);
    devs.Set((uint32_t)i, x);
  }
  o.Set("devices", devs);
  return o;
}

}  // namespace nr
