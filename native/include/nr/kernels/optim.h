// Fused optimizer updates: one pass over a parameter reads its gradient and state and writes the new
// parameter and state in place. Every view (param, grad, state) has the parameter's shape and dtype
// (float32 or float64); math runs in that dtype, like PyTorch's single-tensor optimizers. Scalars that
// depend on the step count (bias corrections, decayed lr) are computed in double by the caller.
//
// Per-element formulas (d = grad, negated when maximize):
//   SGD      if wd: d = d + wd*p;  if momentum: buf = first ? d : buf*momentum + (1-dampening)*d,
//            d = nesterov ? d + momentum*buf : buf;  p = p + (-lr)*d
//   Adam     decoupled (AdamW): p = p*(1 - lr*wd)  else if wd: d = d + wd*p
//            m = m*b1 + (1-b1)*d;  v = v*b2 + (1-b2)*d*d;  amsgrad: vmax = max(vmax, v), use vmax
//            p = p + (-step_size) * (m / (sqrt(v)/bc2_sqrt + eps))        step_size = lr/(1-b1^t)
//   RMSprop  if wd: d = d + wd*p;  sq = sq*alpha + (1-alpha)*d*d
//            centered: ga = ga*alpha + (1-alpha)*d, avg = sqrt(sq - ga*ga) + eps  else sqrt(sq) + eps
//            momentum: buf = buf*momentum + d/avg, p = p + (-lr)*buf   else p = p + (-lr)*(d/avg)
//   Adagrad  if wd: d = d + wd*p;  sum = sum + d*d;  p = p + (-clr) * (d / (sqrt(sum) + eps))
//   LAMB     (NVIDIA apex FusedLAMB, multi_tensor_lamb.cu) stage 1: s = d / grad_div;
//            L2 mode: s = s + wd*p;  m = m*b1 + b3*s;  v = v*b2 + (1-b2)*s*s
//            u = (m/bc1) / (sqrt(v/bc2) + eps);  decoupled mode: u = u + wd*p
//            returns sum(p*p) and sum(u*u) (p before the update);  stage 2: p = p - ratio*u
#pragma once
#include <cstdint>
#include "nr/view.h"

namespace nr {

struct SgdArgs { double lr, momentum, dampening, weight_decay; bool nesterov, maximize, first; };
struct AdamArgs { double step_size, beta1, beta2, eps, weight_decay, bc2_sqrt, decay_mul; bool decoupled, amsgrad, maximize; };
struct RmspropArgs { double lr, alpha, eps, weight_decay, momentum; bool centered, maximize; };
struct AdagradArgs { double clr, eps, weight_decay; bool maximize; };
struct LambArgs { double beta1, beta2, beta3, bc1, bc2, eps, weight_decay, grad_div, ratio; bool decoupled, maximize; };

// Fast entry points: contiguous views run threaded per-ISA loops; anything else uses the reference.
// Views that an option does not use (buf without momentum, vmax without amsgrad, ...) are ignored.
void optim_sgd(const View& p, const View& g, const View& buf, const SgdArgs& a);
void optim_adam(const View& p, const View& g, const View& m, const View& v, const View& vmax, const AdamArgs& a);
void optim_rmsprop(const View& p, const View& g, const View& sq, const View& gavg, const View& buf, const RmspropArgs& a);
void optim_adagrad(const View& p, const View& g, const View& sum, const AdagradArgs& a);
void optim_lamb_stage1(const View& p, const View& g, const View& m, const View& v, const LambArgs& a, double sums[2]);
void optim_lamb_stage2(const View& p, const View& m, const View& v, const LambArgs& a);
// sum(|x|^pw) in double (pw = inf: max |x|, NaN if any element is NaN). Used for gradient norms.
double optim_sum_pow(const View& x, double pw);

// Scalar reference kernels (single-threaded, strided): the oracle for the fast ones.
void optim_sgd_ref(const View& p, const View& g, const View& buf, const SgdArgs& a);
void optim_adam_ref(const View& p, const View& g, const View& m, const View& v, const View& vmax, const AdamArgs& a);
void optim_rmsprop_ref(const View& p, const View& g, const View& sq, const View& gavg, const View& buf, const RmspropArgs& a);
void optim_adagrad_ref(const View& p, const View& g, const View& sum, const AdagradArgs& a);
void optim_lamb_stage1_ref(const View& p, const View& g, const View& m, const View& v, const LambArgs& a, double sums[2]);
void optim_lamb_stage2_ref(const View& p, const View& m, const View& v, const LambArgs& a);
double optim_sum_pow_ref(const View& x, double pw);

// Contiguous loops over n elements of dtype f32 or f64, compiled once per ISA (optim_simd.inc).
struct OptimKernels {
  void (*sgd)(DType, char* p, const char* g, char* buf, int64_t n, const SgdArgs&);
  void (*adam)(DType, char* p, const char* g, char* m, char* v, char* vmax, int64_t n, const AdamArgs&);
  void (*rmsprop)(DType, char* p, const char* g, char* sq, char* gavg, char* buf, int64_t n, const RmspropArgs&);
  void (*adagrad)(DType, char* p, const char* g, char* sum, int64_t n, const AdagradArgs&);
  void (*lamb1)(DType, const char* p, const char* g, char* m, char* v, int64_t n, const LambArgs&, double sums[2]);
  void (*lamb2)(DType, char* p, const char* m, const char* v, int64_t n, const LambArgs&);
  double (*sum_pow)(DType, const char* x, int64_t n, double pw);
};
const OptimKernels* optim_kernels_base();
const OptimKernels* optim_kernels_avx2();    // nullptr off x86
const OptimKernels* optim_kernels_avx512();  // nullptr off x86

}  // namespace nr
