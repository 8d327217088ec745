// Fused AdamW: one pass over fp32 master params p, first/second moments m, v and gradients g
// (float32/float16/bfloat16), all (n) contiguous; optional low-precision copy of the new params.
// Matches torch.optim.AdamW: p *= 1 - lr*wd; m,v updated; p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps).
#include "vec.cuh"

namespace nrc {
namespace {

struct AdamArgs {
  float lr, b1, b2, eps, wd, bc1, bc2_sqrt, gscale;
};

__device__ __forceinline__ void adam_one(float& p, float g, float& m, float& v, const AdamArgs& a) {
  g *= a.gscale;
  m = a.b1 * m + (1.f - a.b1) * g;
  v = a.b2 * v + (1.f - a.b2) * g * g;
  p *= 1.f - a.lr * a.wd;
  float denom = sqrtf(v) / a.bc2_sqrt + a.eps;
  p -= (a.lr / a.bc1) * (m / denom);
}

// VEC: 4 params per step with float4 loads (grads loaded as 4 of G).
template <typename G, typename L, bool VEC>
__global__ void adamw_kernel(float* __restrict__ p, const G* __restrict__ g, float* __restrict__ m, float* __restrict__ v,
                             L* __restrict__ lp, size_t n, AdamArgs a) {
  size_t stride = (size_t)gridDim.x * blockDim.x;
  size_t tid = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  size_t nv = VEC ? n / 4 : 0;
  for (size_t i = tid; i < nv; i += stride) {
    float4 pp = reinterpret_cast<float4*>(p)[i];
    float4 mm = reinterpret_cast<float4*>(m)[i];
    float4 vv = reinterpret_cast<float4*>(v)[i];
    float gg[4];
    load4_at(g, i, gg);
    adam_one(pp.x, gg[0], mm.x, vv.x, a);
    adam_one(pp.y, gg[1], mm.y, vv.y, a);
    adam_one(pp.z, gg[2], mm.z, vv.z, a);
    adam_one(pp.w, gg[3], mm.w, vv.w, a);
    reinterpret_cast<float4*>(p)[i] = pp;
    reinterpret_cast<float4*>(m)[i] = mm;
    reinterpret_cast<float4*>(v)[i] = vv;
    if (lp) {
      lp[4 * i] = from_f<L>(pp.x); lp[4 * i + 1] = from_f<L>(pp.y);
      lp[4 * i + 2] = from_f<L>(pp.z); lp[4 * i + 3] = from_f<L>(pp.w);
    }
  }
  for (size_t i = nv * 4 + tid; i < n; i += stride) {
    float pp = p[i], mm = m[i], vv = v[i];
    adam_one(pp, to_f(g[i]), mm, vv, a);
    p[i] = pp; m[i] = mm; v[i] = vv;
    if (lp) lp[i] = from_f<L>(pp);
  }
}

template <typename G, typename L>
void launch(float* p, const void* g, float* m, float* v, void* lp, size_t n, const AdamArgs& a) {
  bool vec = aligned16(p) && aligned16(m) && aligned16(v) && ((uintptr_t)g % (4 * sizeof(G))) == 0;
  unsigned grid = grid_for(vec ? n / 4 + 1 : n, 256, (unsigned)props().sms * 16);
  if (vec) adamw_kernel<G, L, true><<<grid, 256, 0, stream()>>>(p, (const G*)g, m, v, (L*)lp, n, a);
  else adamw_kernel<G, L, false><<<grid, 256, 0, stream()>>>(p, (const G*)g, m, v, (L*)lp, n, a);
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_adamw(float* param, const void* grad, nrc_dtype grad_dt, float* m, float* v, size_t n, float lr,
                                float beta1, float beta2, float eps, float weight_decay, int step, float grad_scale,
                                void* param_lp, nrc_dtype lp_dt) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(grad_dt, "nrc_adamw (grad)");
  NRC_FLOAT_DTYPE(lp_dt, "nrc_adamw (param_lp)");
  if (!n) return NRC_OK;
  NRC_ARG(param && grad && m && v, "nrc_adamw: null pointer");
  NRC_ARG(step >= 1, "nrc_adamw: step must be >= 1");
  NRC_ARG(beta1 >= 0.f && beta1 < 1.f && beta2 >= 0.f && beta2 < 1.f, "nrc_adamw: betas must be in [0, 1)");
  AdamArgs a{lr, beta1, beta2, eps, weight_decay, (float)(1.0 - pow((double)beta1, step)),
             (float)sqrt(1.0 - pow((double)beta2, step)), grad_scale};
  NRC_DISPATCH(grad_dt, G, NRC_DISPATCH(lp_dt, L, launch<G, L>(param, grad, m, v, param_lp, n, a)));
  NRC_LAUNCHED("nrc_adamw");
  return NRC_OK;
}
