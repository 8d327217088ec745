// Per-element steps of the fused Adam (amsgrad, L2 or decoupled decay), RMSprop and Adagrad kernels
// (cuda/optim_ext.cu), written in the operation order of the CPU reference (native/kernels/ref/optim.cc)
// and host-callable, so cuda/dev/cumisc_host_check.cu compares them with that reference on the CPU.
// d is the (already scaled) gradient; the state arguments are updated in place.
#pragma once

namespace nrc {

struct AdamExtArgs {
  float step_size;   // lr / (1 - b1^t)
  float b1, b2, c1, c2;  // c = 1 - b
  float eps, wd, bc2_sqrt, decay_mul;  // decay_mul = 1 - lr*wd (decoupled)
  int decoupled, amsgrad, maximize;
};

__host__ __device__ inline float nan_max_f(float a, float b) { return (a != a || a > b) ? a : b; }

__host__ __device__ inline void adam_ext_one(float& p, float d, float& m, float& v, float* vm, const AdamExtArgs& a) {
  if (a.maximize) d = -d;
  if (a.decoupled) p = p * a.decay_mul;
  else if (a.wd != 0.f) d = d + a.wd * p;
  m = m * a.b1 + a.c1 * d;
  v = v * a.b2 + a.c2 * d * d;
  float vv = v;
  if (vm) { *vm = nan_max_f(*vm, v); vv = *vm; }
  const float denom = sqrtf(vv) / a.bc2_sqrt + a.eps;
  p = p + -a.step_size * (m / denom);
}

struct RmspropArgs { float lr, alpha, c, eps, wd, momentum; int centered, maximize; };  // c = 1 - alpha

// ga (centered) and b (momentum > 0) may be null.
__host__ __device__ inline void rmsprop_one(float& p, float d, float& sq, float* ga, float* b, const RmspropArgs& a) {
  if (a.maximize) d = -d;
  if (a.wd != 0.f) d = d + a.wd * p;
  const float c = a.c;
  sq = sq * a.alpha + c * d * d;
  float avg;
  if (ga) {
    *ga = *ga * a.alpha + c * d;
    avg = sqrtf(sq + -1.f * *ga * *ga);
  } else {
    avg = sqrtf(sq);
  }
  avg = avg + a.eps;
  if (b) {
    *b = *b * a.momentum + d / avg;
    p = p + -a.lr * *b;
  } else {
    p = p + -a.lr * (d / avg);
  }
}

struct AdagradArgs { float clr, eps, wd; int maximize; };

__host__ __device__ inline void adagrad_one(float& p, float d, float& s, const AdagradArgs& a) {
  if (a.maximize) d = -d;
  if (a.wd != 0.f) d = d + a.wd * p;
  s = s + d * d;
  p = p + -a.clr * (d / (sqrtf(s) + a.eps));
}

}  // namespace nrc
