// Argument helpers shared by the CPU and CUDA indexing bindings (index.cc, cuda_index.cc): the public
// op name (an optional trailing string argument), the index dtype rule, shape equality and the names
// of the scatter modes used in error messages.
#pragma once
#include <string>
#include "binding/binding.h"

namespace nr {

inline std::string index_op_name(const Napi::CallbackInfo& info, const char* dflt) {
  size_t n = info.Length();
  if (n > 0 && info[n - 1].IsString()) return info[n - 1].As<Napi::String>().Utf8Value();
  return dflt;
}

inline void require_index_dtype(Napi::Env env, const std::string& op, const View& idx) {
  if (idx.dtype != DType::i64 && idx.dtype != DType::i32)
    throw_type(env, op + ": index tensors must be int64 or int32, got " + dtype_name(idx.dtype));
}

inline bool same_index_shape(const View& a, const View& b) {
  if (a.ndim != b.ndim) return false;
  for (int d = 0; d < a.ndim; ++d) if (a.shape[d] != b.shape[d]) return false;
  return true;
}

inline const char* scatter_mode_name(int mode) {
  static const char* n[] = {"scatter", "scatterAdd", "scatter(multiply)", "scatterReduce(amax)", "scatterReduce(amin)"};
  return mode >= 0 && mode <= 4 ? n[mode] : "scatter";
}

}  // namespace nr
