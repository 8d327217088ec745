// Shared helpers for N-API bindings: self-registration of binding functions, the per-env argument
// block that JS fills with views and scalars, and argument checks that throw JS errors.
// Bindings validate and dispatch; they do no math.
#pragma once
#include <napi.h>
#include <cstdint>
#include <string>
#include "nr/view.h"

namespace nr {

using BindingFn = Napi::Value (*)(const Napi::CallbackInfo&);

// Registers a binding at static-init time; addon.cc exports every registered function.
struct BindingReg {
  BindingReg(const char* name, BindingFn fn);
};
void for_each_binding(void (*cb)(const char* name, BindingFn fn, void* ctx), void* ctx);

#define NR_BINDING(name)                                          \
  static Napi::Value nr_binding_##name(const Napi::CallbackInfo&); \
  static ::nr::BindingReg nr_reg_##name(#name, nr_binding_##name); \
  static Napi::Value nr_binding_##name(const Napi::CallbackInfo& info)

// Per-env state (worker_threads each get their own).
constexpr int kArgSlots = 4096;
struct EnvData {
  double* args = nullptr;           // the argument block shared with JS (Float64Array)
  Napi::Reference<Napi::ArrayBuffer> args_ref;
};
EnvData& env_data(Napi::Env env);

[[noreturn]] void throw_error(Napi::Env env, const std::string& msg);
[[noreturn]] void throw_range(Napi::Env env, const std::string& msg);
[[noreturn]] void throw_type(Napi::Env env, const std::string& msg);

// Base pointer and byte length of an ArrayBuffer argument (throws if detached or not a buffer).
struct Buf { char* data; size_t bytes; };
Buf get_buf(const Napi::CallbackInfo& info, size_t i, const char* op);

// Reads views and scalars from the argument block in the order JS wrote them (see src/backend/args.ts).
// View layout: [dtype, ndim, offset, shape[0..ndim), strides[0..ndim)].
class ArgReader {
 public:
  ArgReader(const Napi::CallbackInfo& info, const char* op) : info_(info), op_(op), a_(env_data(info.Env()).args) {}
  double num() { return a_[pos_++]; }
  int64_t i64() { return (int64_t)a_[pos_++]; }
  // Reads a view whose storage is the ArrayBuffer argument `buf_index`; checks every reachable
  // element lies inside the buffer.
  View view(size_t buf_index);
  // The same for a storage given as base pointer and byte length (a device allocation: data is a
  // device address and must not be dereferenced on the host).
  View view_in(Buf b);
  const char* op() const { return op_; }
  Napi::Env env() const { return info_.Env(); }
 private:
  const Napi::CallbackInfo& info_;
  const char* op_;
  const double* a_;
  int pos_ = 0;
};

std::string shape_str(const View& v);

}  // namespace nr
