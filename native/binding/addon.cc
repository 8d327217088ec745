// Addon entry: per-env instance data (context-aware, safe in worker_threads) and the export of
// every self-registered binding, plus runtime queries (ISA, threads).
#include "binding/binding.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

NR_BINDING(argBuffer) {
  return env_data(info.Env()).args_ref.Value();
}

NR_BINDING(cpuInfo) {
  Napi::Env env = info.Env();
  const CpuFeatures& f = cpu_features();
  Napi::Object o = Napi::Object::New(env);
  o.Set("best", isa_name(best_isa()));
  o.Set("active", isa_name(active_isa()));
  o.Set("threads", num_threads());
  Napi::Object feats = Napi::Object::New(env);
  feats.Set("avx2", f.avx2); feats.Set("fma", f.fma); feats.Set("f16c", f.f16c);
  feats.Set("avx512f", f.avx512f); feats.Set("avx512bw", f.avx512bw); feats.Set("avx512vl", f.avx512vl);
  feats.Set("avx512dq", f.avx512dq); feats.Set("avx512bf16", f.avx512bf16); feats.Set("neon", f.neon);
  o.Set("features", feats);
  return o;
}

NR_BINDING(setIsa) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  const Isa all[] = {Isa::kRef, Isa::kBase, Isa::kAvx2, Isa::kAvx512, Isa::kNeon};
  for (Isa i : all)
    if (name == isa_name(i)) return Napi::Boolean::New(info.Env(), set_active_isa(i));
  throw_error(info.Env(), "setIsa: unknown kernel level '" + name + "' (ref, base, avx2, avx512, neon)");
}

NR_BINDING(setNumThreads) {
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n < 1 || n > 1024) throw_range(info.Env(), "setNumThreads: expected 1..1024, got " + std::to_string(n));
  set_num_threads(n);
  return info.Env().Undefined();
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new EnvData();
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, sizeof(double) * kArgSlots);
  data->args = static_cast<double*>(ab.Data());
  data->args_ref = Napi::Persistent(ab);
  env.SetInstanceData<EnvData>(data);
  struct Ctx { Napi::Env env; Napi::Object exports; } ctx{env, exports};
  for_each_binding([](const char* name, BindingFn fn, void* c) {
    auto* x = static_cast<Ctx*>(c);
    x->exports.Set(name, Napi::Function::New(x->env, fn, name));
  }, &ctx);
  return exports;
}

}  // namespace nr

static Napi::Object InitNeurona(Napi::Env env, Napi::Object exports) { return nr::Init(env, exports); }
NODE_API_MODULE(neurona, InitNeurona)
