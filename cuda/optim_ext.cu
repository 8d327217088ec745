// Fused optimizer steps beyond AdamW/SGD for float32 cuda parameters, each one pass over contiguous
// (n) tensors with the gradient of dtype grad_dt (F32/F16/BF16) scaled by grad_scale:
//   nrc_adam_ext: torch.optim.Adam / AdamW with amsgrad (max_exp_avg_sq state), L2 (coupled) or
//                 decoupled weight decay and maximize;
//   nrc_rmsprop:  torch.optim.RMSprop (centered, momentum);  nrc_adagrad: torch.optim.Adagrad.
// Per-element formulas in optim_ext.cuh (the CPU reference's operation order); a coalesced
// grid-stride loop, one element per thread step (memory-bound; no alignment requirements).
#include "vec.cuh"
#include "optim_ext.cuh"

namespace nrc {
namespace {

// Optional state pointers: the kernels test them per element (uniform branches).
template <typename G>
__global__ void adam_ext_kernel(float* __restrict__ p, const G* __restrict__ g, float* __restrict__ m, float* __restrict__ v,
                                float* __restrict__ vm, size_t n, float gscale, AdamExtArgs a) {
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    float pp = p[i], mm = m[i], vv = v[i];
    adam_ext_one(pp, to_f(g[i]) * gscale, mm, vv, vm ? vm + i : nullptr, a);
    p[i] = pp; m[i] = mm; v[i] = vv;
  }
}

template <typename G>
__global__ void rmsprop_kernel(float* __restrict__ p, const G* __restrict__ g, float* __restrict__ sq, float* __restrict__ ga,
                               float* __restrict__ b, size_t n, float gscale, RmspropArgs a) {
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    float pp = p[i], s = sq[i];
    rmsprop_one(pp, to_f(g[i]) * gscale, s, ga ? ga + i : nullptr, b ? b + i : nullptr, a);
    p[i] = pp; sq[i] = s;
  }
}

template <typename G>
__global__ void adagrad_kernel(float* __restrict__ p, const G* __restrict__ g, float* __restrict__ sum, size_t n, float gscale,
                               AdagradArgs a) {
  const size_t stride = (size_t)gridDim.x * blockDim.x;
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    float pp = p[i], s = sum[i];
    adagrad_one(pp, to_f(g[i]) * gscale, s, a);
    p[i] = pp; sum[i] = s;
  }
}

unsigned grid_of(size_t n) { return grid_for(n, 256, (unsigned)props().sms * 16); }

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" {

nrc_status nrc_adam_ext(float* param, const void* grad, nrc_dtype grad_dt, float* m, float* v, float* max_v, size_t n, float lr,
                        float beta1, float beta2, float eps, float weight_decay, int step, int decoupled, int maximize, float grad_scale) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(grad_dt, "nrc_adam_ext (grad)");
  if (!n) return NRC_OK;
  NRC_ARG(param && grad && m && v, "nrc_adam_ext: null pointer");
  NRC_ARG(step >= 1, "nrc_adam_ext: step must be >= 1");
  NRC_ARG(beta1 >= 0.f && beta1 < 1.f && beta2 >= 0.f && beta2 < 1.f, "nrc_adam_ext: betas must be in [0, 1)");
  const double bc1 = 1.0 - pow((double)beta1, step), bc2 = 1.0 - pow((double)beta2, step);
  AdamExtArgs a{(float)((double)lr / bc1), beta1, beta2, (float)(1.0 - (double)beta1), (float)(1.0 - (double)beta2), eps, weight_decay,
                (float)sqrt(bc2), (float)(1.0 - (double)lr * (double)weight_decay), decoupled != 0, max_v != nullptr, maximize != 0};
  NRC_DISPATCH(grad_dt, G, adam_ext_kernel<G><<<grid_of(n), 256, 0, stream()>>>(param, (const G*)grad, m, v, max_v, n, grad_scale, a));
  NRC_LAUNCHED("nrc_adam_ext");
  return NRC_OK;
}

nrc_status nrc_rmsprop(float* param, const void* grad, nrc_dtype grad_dt, float* square_avg, float* grad_avg, float* momentum_buf,
                       size_t n, float lr, float alpha, float eps, float weight_decay, float momentum, int maximize, float grad_scale) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(grad_dt, "nrc_rmsprop (grad)");
  if (!n) return NRC_OK;
  NRC_ARG(param && grad && square_avg, "nrc_rmsprop: null pointer");
  NRC_ARG((momentum > 0.f) == (momentum_buf != nullptr), "nrc_rmsprop: a momentum buffer is needed exactly when momentum > 0");
  RmspropArgs a{lr, alpha, (float)(1.0 - (double)alpha), eps, weight_decay, momentum, grad_avg != nullptr, maximize != 0};
  NRC_DISPATCH(grad_dt, G,
    rmsprop_kernel<G><<<grid_of(n), 256, 0, stream()>>>(param, (const G*)grad, square_avg, grad_avg, momentum_buf, n, grad_scale, a));
  NRC_LAUNCHED("nrc_rmsprop");
  return NRC_OK;
}

nrc_status nrc_adagrad(float* param, const void* grad, nrc_dtype grad_dt, float* sum, size_t n, float clr, float eps, float weight_decay,
                       int maximize, float grad_scale) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(grad_dt, "nrc_adagrad (grad)");
  if (!n) return NRC_OK;
  NRC_ARG(param && grad && sum, "nrc_adagrad: null pointer");
  AdagradArgs a{clr, eps, weight_decay, maximize != 0};
  NRC_DISPATCH(grad_dt, G, adagrad_kernel<G><<<grid_of(n), 256, 0, stream()>>>(param, (const G*)grad, sum, n, grad_scale, a));
  NRC_LAUNCHED("nrc_adagrad");
  return NRC_OK;
}

}  // extern "C"
