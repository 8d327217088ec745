// Binding for the 2-D convolution kernels: validates the geometry against the tensors' shapes.
#include "binding/binding.h"
#include "nr/kernels/conv.h"

namespace nr {

namespace {

// Reads [N,C,H,W,K,R,S,P,Q,sh,sw,ph,pw,dh,dw,groups] and checks it against the three views
// (a: the NCHW input-side tensor, b: the weight, c: the NKPQ output-side tensor).
Conv2dShape read_shape(ArgReader& r, const View& a, const View& wv, const View& c) {
  Conv2dShape s;
  int64_t* f[] = {&s.N, &s.C, &s.H, &s.W, &s.K, &s.R, &s.S, &s.P, &s.Q, &s.sh, &s.sw, &s.ph, &s.pw, &s.dh, &s.dw, &s.groups};
  for (int64_t* p : f) *p = r.i64();
  auto bad = [&](const std::string& why) {
    throw_range(r.env(), std::string(r.op()) + ": " + why + " (input " + shape_str(a) + ", weight " + shape_str(wv) + ", output " + shape_str(c) + ")");
  };
  if (s.sh < 1 || s.sw < 1 || s.dh < 1 || s.dw < 1 || s.ph < 0 || s.pw < 0 || s.groups < 1) bad("invalid stride/padding/dilation/groups");
  if (s.C % s.groups || s.K % s.groups) bad("channels must be divisible by groups");
  auto is = [](const View& v, int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
    return v.ndim == 4 && v.shape[0] == d0 && v.shape[1] == d1 && v.shape[2] == d2 && v.shape[3] == d3 && v.is_contiguous();
  };
  if (!is(a, s.N, s.C, s.H, s.W)) bad("input-side tensor does not match the geometry");
  if (!is(wv, s.K, s.C / s.groups, s.R, s.S)) bad("weight does not match the geometry");
  if (!is(c, s.N, s.K, s.P, s.Q)) bad("output-side tensor does not match the geometry");
  if (s.P != (s.H + 2 * s.ph - s.dh * (s.R - 1) - 1) / s.sh + 1 || s.Q != (s.W + 2 * s.pw - s.dw * (s.S - 1) - 1) / s.sw + 1 || s.P < 1 || s.Q < 1) bad("inconsistent output size");
  if (a.dtype != wv.dtype || a.dtype != c.dtype || (a.dtype != DType::f32 && a.dtype != DType::f64)) bad("dtypes must all be float32 or float64");
  return s;
}

}  // namespace

// The three entry points share one shape: geometry (16 numbers), then three views. `role` says which
// view is the input-side (N,C,H,W) tensor, which the weight and which the output-side (N,K,P,Q).
enum class Role { kForward, kBackwardInput, kBackwardWeight };

static Napi::Value run_conv(const Napi::CallbackInfo& info, const char* name, Role role) {
  ArgReader geo(info, name), views(info, name);
  for (int i = 0; i < 16; ++i) views.num();   // the views follow the geometry in the argument block
  View v0 = views.view(0), v1 = views.view(1), v2 = views.view(2);
  switch (role) {
    case Role::kForward: {            // (x, w, y), then hasBias and the bias view
      Conv2dShape s = read_shape(geo, v0, v1, v2);
      const bool has_bias = views.num() != 0;
      View bias;
      if (has_bias) {
        bias = views.view(3);
        if (bias.dtype != v2.dtype || bias.ndim != 1 || bias.shape[0] != s.K || !bias.is_contiguous())
          throw_range(info.Env(), std::string(name) + ": bias " + shape_str(bias) + " must be a contiguous " + std::to_string(s.K) +
                                      "-element tensor of the input's dtype");
      }
      conv2d_forward(s, v0, v1, has_bias ? &bias : nullptr, v2);
      break;
    }
    case Role::kBackwardInput: {      // (gy, w, gx)
      Conv2dShape s = read_shape(geo, v2, v1, v0);
      conv2d_backward_input(s, v0, v1, v2);
      break;
    }
    case Role::kBackwardWeight: {     // (gy, x, gw)
      Conv2dShape s = read_shape(geo, v1, v2, v0);
      conv2d_backward_weight(s, v0, v1, v2);
      break;
    }
  }
  return info.Env().Undefined();
}

// conv2dForward(x, w, y[, bias]) args: geometry, xView, wView, yView, hasBias[, biasView]
NR_BINDING(conv2dForward) { return run_conv(info, "conv2d", Role::kForward); }
// conv2dBackwardInput(gy, w, gx) args: geometry, gyView, wView, gxView
NR_BINDING(conv2dBackwardInput) { return run_conv(info, "conv2d backward (input)", Role::kBackwardInput); }
// conv2dBackwardWeight(gy, x, gw) args: geometry, gyView, xView, gwView
NR_BINDING(conv2dBackwardWeight) { return run_conv(info, "conv2d backward (weight)", Role::kBackwardWeight); }

}  // namespace nr
