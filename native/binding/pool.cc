// Bindings for 2-D pooling: one entry taking a kind code, geometry checked against the views.
#include "binding/binding.h"
#include "nr/kernels/pool.h"
#include "runtime/cpu_features.h"

namespace nr {

namespace {

enum Kind { kMaxF = 0, kMaxB = 1, kAvgF = 2, kAvgB = 3, kAdaF = 4, kAdaB = 5 };

bool is3(const View& v, int64_t a, int64_t b, int64_t c) {
  return v.ndim == 3 && v.shape[0] == a && v.shape[1] == b && v.shape[2] == c && v.is_contiguous();
}

}  // namespace

// pool2d(big, small[, idx]) args: kind, planes,H,W,P,Q,kh,kw,sh,sw,ph,pw,dh,dw,countIncludePad,divisor,
//   then views: big (planes,H,W) [x or gx], small (planes,P,Q) [y or gy], idx (planes,P,Q) int64 for max
NR_BINDING(pool2d) {
  ArgReader r(info, "pool2d");
  int kind = (int)r.num();
  Pool2dShape s;
  int64_t* f[] = {&s.planes, &s.H, &s.W, &s.P, &s.Q, &s.kh, &s.kw, &s.sh, &s.sw, &s.ph, &s.pw, &s.dh, &s.dw};
  for (int64_t* p : f) *p = r.i64();
  s.count_include_pad = r.num() != 0;
  s.divisor = r.i64();
  const char* name = kind <= kMaxB ? "maxPool2d" : kind <= kAvgB ? "avgPool2d" : "adaptiveAvgPool2d";
  View big = r.view(0), small = r.view(1);
  bool is_max = kind == kMaxF || kind == kMaxB;
  View idx;
  if (is_max) idx = r.view(2);
  auto bad = [&](const std::string& why) { throw_range(info.Env(), std::string(name) + ": " + why + " (input " + shape_str(big) + ", output " + shape_str(small) + ")"); };
  if (kind < kMaxF || kind > kAdaB) bad("bad kind");
  if (!is3(big, s.planes, s.H, s.W) || !is3(small, s.planes, s.P, s.Q)) bad("tensors do not match the geometry");
  if (is_max && (!is3(idx, s.planes, s.P, s.Q) || idx.dtype != DType::i64)) bad("indices do not match");
  if (big.dtype != small.dtype || (big.dtype != DType::f32 && big.dtype != DType::f64)) bad("dtype must be float32 or float64");
  if (kind < kAdaF) {
    if (s.kh < 1 || s.kw < 1 || s.sh < 1 || s.sw < 1 || s.ph < 0 || s.pw < 0 || s.dh < 1 || s.dw < 1) bad("invalid kernel/stride/padding/dilation");
    if (2 * s.ph > s.kh || 2 * s.pw > s.kw) bad("padding must be at most half the kernel size");
  } else if ((s.P < 1 || s.Q < 1) && s.planes > 0) bad("output size must be positive");
  bool th = active_isa() != Isa::kRef;
  switch (kind) {
    case kMaxF: max_pool2d_forward(s, big, small, idx, th); break;
    case kMaxB: max_pool2d_backward(s, small, idx, big, th); break;
    case kAvgF: avg_pool2d_forward(s, big, small, th); break;
    case kAvgB: avg_pool2d_backward(s, small, big, th); break;
    case kAdaF: adaptive_avg_pool2d_forward(s, big, small, th); break;
    case kAdaB: adaptive_avg_pool2d_backward(s, small, big, th); break;
  }
  return info.Env().Undefined();
}

}  // namespace nr
