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

namespace {
// Integers in views are written by JS as doubles: accept only exact integers of magnitude <= 2^53
// (casting NaN or out-of-range doubles to int64 is undefined behaviour).
bool exact_int(double x, int64_t* out) {
  if (!(x >= -9007199254740992.0 && x <= 9007199254740992.0) || x != (double)(int64_t)x) return false;
  *out = (int64_t)x;
  return true;
}
}  // namespace

View ArgReader::view(size_t buf_index) { return view_in(get_buf(info_, buf_index, op_)); }

View ArgReader::view_in(Buf b) {
  View v;
  const std::string op(op_);
  int64_t code = -1, ndim = -1, offset = 0;
  if (!exact_int(a_[pos_++], &code) || code < 0 || code >= kNumDTypes) throw_type(env(), op + ": bad dtype code");
  v.dtype = (DType)code;
  if (!exact_int(a_[pos_++], &ndim) || ndim < 0 || ndim > kMaxDims)
    throw_range(env(), op + ": tensors of more than " + std::to_string(kMaxDims) + " dims are not supported");
  v.ndim = (int)ndim;
  if (!exact_int(a_[pos_++], &offset) || offset < 0) throw_range(env(), op + ": bad view offset");
  for (int d = 0; d < v.ndim; ++d)
    if (!exact_int(a_[pos_++], &v.shape[d]) || v.shape[d] < 0) throw_range(env(), op + ": bad (negative or non-integer) dimension");
  for (int d = 0; d < v.ndim; ++d)
    if (!exact_int(a_[pos_++], &v.strides[d])) throw_range(env(), op + ": bad (non-integer) stride");
  // Element count and extent in 128-bit arithmetic: shapes and strides are at most 2^53 each, so no
  // product of two can overflow, and any count past 2^62 is refused.
  __int128 numel = 1;
  for (int d = 0; d < v.ndim; ++d) {
    numel *= v.shape[d];
    if (numel > ((__int128)1 << 62)) throw_range(env(), op + ": view " + shape_str(v) + " has too many elements");
  }
  v.numel = (int64_t)numel;
  if (numel > 0) {
    __int128 lo = offset, hi = offset;
    for (int d = 0; d < v.ndim; ++d) {
      __int128 ext = (__int128)(v.shape[d] - 1) * v.strides[d];
      if (ext < 0) lo += ext; else hi += ext;
    }
    __int128 cap = (__int128)(b.bytes / dtype_size(v.dtype));
    if (lo < 0 || hi >= cap)
      throw_range(env(), op + ": view " + shape_str(v) + " reaches outside its storage");
  }
  v.data = b.data + offset * dtype_size(v.dtype);
  return v;
}

}  // namespace nr
