// Binding registry, per-env instance data, error helpers and the argument-block reader.
#include "binding/binding.h"
#include <vector>

namespace nr {

namespace {
struct Entry { const char* name; BindingFn fn; };
std::vector<Entry>& entries() {
  static std::vector<Entry> e;
  return e;
}
}  // namespace

BindingReg::BindingReg(const char* name, BindingFn fn) { entries().push_back({name, fn}); }

void for_each_binding(void (*cb)(const char*, BindingFn, void*), void* ctx) {
  for (auto& e : entries()) cb(e.name, e.fn, ctx);
}

EnvData& env_data(Napi::Env env) { return *env.GetInstanceData<EnvData>(); }

void throw_error(Napi::Env env, const std::string& msg) { throw Napi::Error::New(env, msg); }
void throw_range(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }
void throw_type(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }

Buf get_buf(const Napi::CallbackInfo& info, size_t i, const char* op) {
  if (i >= info.Length() || !info[i].IsArrayBuffer())
    throw_type(info.Env(), std::string(op) + ": expected a tensor storage (ArrayBuffer) as argument " + std::to_string(i));
  Napi::ArrayBuffer ab = info[i].As<Napi::ArrayBuffer>();
  if (ab.IsDetached()) throw_error(info.Env(), std::string(op) + ": tensor storage was disposed");
  return {static_cast<char*>(ab.Data()), ab.ByteLength()};
}

std::string shape_str(const View& v) {
  std::string s = "[";
  for (int d = 0; d < v.ndim; ++d) s += (d ? ", " : "") + std::to_string(v.shape[d]);
  return s + "]";
}

View ArgReader::view(size_t buf_index) {
  Buf b = get_buf(info_, buf_index, op_);
  View v;
  int code = (int)a_[pos_++];
  if (code < 0 || code >= kNumDTypes) throw_type(env(), std::string(op_) + ": bad dtype code");
  v.dtype = (DType)code;
  v.ndim = (int)a_[pos_++];
  if (v.ndim < 0 || v.ndim > kMaxDims)
    throw_range(env(), std::string(op_) + ": tensors of more than " + std::to_string(kMaxDims) + " dims are not supported");
  int64_t offset = (int64_t)a_[pos_++];
  int64_t lo = offset, hi = offset, numel = 1;
  for (int d = 0; d < v.ndim; ++d) v.shape[d] = (int64_t)a_[pos_++];
  for (int d = 0; d < v.ndim; ++d) v.strides[d] = (int64_t)a_[pos_++];
  for (int d = 0; d < v.ndim; ++d) {
    if (v.shape[d] < 0) throw_range(env(), std::string(op_) + ": negative dimension");
    numel *= v.shape[d];
  }
  v.numel = numel;
  if (numel > 0) {
    for (int d = 0; d < v.ndim; ++d) {
      int64_t ext = (v.shape[d] - 1) * v.strides[d];
      if (ext < 0) lo += ext; else hi += ext;
    }
    int64_t cap = (int64_t)(b.bytes / dtype_size(v.dtype));
    if (lo < 0 || hi >= cap)
      throw_range(env(), std::string(op_) + ": view " + shape_str(v) + " reaches outside its storage");
  }
  v.data = b.data + offset * dtype_size(v.dtype);
  return v;
}

}  // namespace nr
