// Fused SGD step (torch.optim.SGD, as native/kernels/ref/optim.cc): one pass over fp32 params p and
// momentum buffer buf, gradients g of float32/float16/bfloat16, all (n) contiguous. Per element:
//   d = g*grad_scale; maximize: d = -d; wd: d += wd*p; momentum: buf = first ? d : buf*m + (1-damp)*d,
//   d = nesterov ? d + m*buf : buf;  p += (-lr)*d
// float4 loads/stores when p, buf and g are aligned, scalar otherwise (and for the tail).
#include "vec.cuh"

namespace nrc {
namespace {

struct SgdArgs {
  float neg_lr, momentum, one_minus_damp, wd, gscale;
  bool mom, nesterov, maximize, first, has_wd;
};

__device__ __forceinline__ void sgd_one(float& p, float g, float* b, const SgdArgs& a) {
  float d = g * a.gscale;
  if (a.maximize) d = -d;
  if (a.has_wd) d = d + a.wd * p;
  if (a.mom) {
    float bv = a.first ? d : *b * a.momentum + a.one_minus_damp * d;
    *b = bv;
    d = a.nesterov ? d + a.momentum * bv : bv;
  }
  p = p + a.neg_lr * d;
}

// p, buf (n) float32 (buf unused without momentum), g (n) of G.
template <typename G, bool VEC>
__global__ void sgd_kernel(float* __restrict__ p, const G* __restrict__ g, float* __restrict__ buf, size_t n, SgdArgs a) {
  size_t stride = (size_t)gridDim.x * blockDim.x;
  size_t tid = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  size_t nv = VEC ? n / 4 : 0;
  for (size_t i = tid; i < nv; i += stride) {
    float4 pp = reinterpret_cast<float4*>(p)[i];
    float4 bb = a.mom && !a.first ? reinterpret_cast<float4*>(buf)[i] : make_float4(0.f, 0.f, 0.f, 0.f);
    float gg[4];
    load4_at(g, i, gg);
    sgd_one(pp.x, gg[0], &bb.x, a);
    sgd_one(pp.y, gg[1], &bb.y, a);
    sgd_one(pp.z, gg[2], &bb.z, a);
    sgd_one(pp.w, gg[3], &bb.w, a);
    reinterpret_cast<float4*>(p)[i] = pp;
    if (a.mom) reinterpret_cast<float4*>(buf)[i] = bb;
  }
  for (size_t i = nv * 4 + tid; i < n; i += stride) {
    float pp = p[i], bb = a.mom && !a.first ? buf[i] : 0.f;
    sgd_one(pp, to_f(g[i]), &bb, a);
    p[i] = pp;
    if (a.mom) buf[i] = bb;
  }
}

template <typename G>
void launch(float* p, const void* g, float* buf, size_t n, const SgdArgs& a) {
  bool vec = aligned16(p) && (!a.mom || aligned16(buf)) && ((uintptr_t)g % (4 * sizeof(G))) == 0;
  unsigned grid = grid_for(vec ? n / 4 + 1 : n, 256, (unsigned)props().sms * 16);
  if (vec) sgd_kernel<G, true><<<grid, 256, 0, stream()>>>(p, (const G*)g, buf, n, a);
  else sgd_kernel<G, false><<<grid, 256, 0, stream()>>>(p, (const G*)g, buf, n, a);
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_sgd(float* param, const void* grad, nrc_dtype grad_dt, float* buf, size_t n, float lr, float momentum,
                              float dampening, float weight_decay, int nesterov, int maximize, int first_step, float grad_scale) {
  NRC_INIT();
  const std::string fn = "nrc_sgd(n=" + std::to_string(n) + ")";
  NRC_ARG(dtype_ok(grad_dt), fn + ": grad dtype must be float32, float16 or bfloat16");
  if (!n) return NRC_OK;
  NRC_ARG(param && grad, fn + ": null param or grad");
  NRC_ARG(momentum == 0.f || buf, fn + ": momentum != 0 needs a momentum buffer");
  NRC_ARG(!nesterov || (momentum > 0.f && dampening == 0.f), fn + ": Nesterov momentum requires a momentum and zero dampening");
  SgdArgs a;
  a.neg_lr = (float)(-(double)lr);
  a.momentum = momentum;
  a.one_minus_damp = (float)(1.0 - (double)dampening);
  a.wd = weight_decay;
  a.gscale = grad_scale;
  a.mom = momentum != 0.f;
  a.nesterov = nesterov != 0;
  a.maximize = maximize != 0;
  a.first = first_step != 0;
  a.has_wd = weight_decay != 0.f;
  NRC_DISPATCH(grad_dt, G, launch<G>(param, grad, a.mom ? buf : nullptr, n, a));
  NRC_LAUNCHED("nrc_sgd");
  return NRC_OK;
}
