// Bindings for the fused optimizer updates and gradient norms: check dtypes (float32/float64), that
// grad and state views have the parameter's shape, and that written state does not overlap the
// parameter or other state; then run the kernel in place. Unused state slots receive the param view.
#include <initializer_list>
#include <utility>
#include <vector>
#include "binding/binding.h"
#include "nr/kernels/optim.h"

namespace nr {

namespace {

void check_param(const ArgReader& r, const View& p) {
  if (p.dtype != DType::f32 && p.dtype != DType::f64)
    throw_type(r.env(), std::string(r.op()) + ": parameters must be float32 or float64 (got " + dtype_name(p.dtype) + ")");
}

void check_like(const ArgReader& r, const View& p, const View& x, const char* what) {
  if (x.dtype != p.dtype)
    throw_type(r.env(), std::string(r.op()) + ": " + what + " dtype " + dtype_name(x.dtype) + " differs from the parameter's " + dtype_name(p.dtype));
  bool same = x.ndim == p.ndim;
  for (int d = 0; same && d < p.ndim; ++d) same = x.shape[d] == p.shape[d];
  if (!same) throw_range(r.env(), std::string(r.op()) + ": " + what + " shape " + shape_str(x) + " does not match parameter shape " + shape_str(p));
}

// Byte range [lo, hi) a view can touch.
void extent(const View& v, const char*& lo, const char*& hi) {
  int64_t a = 0, b = 0;
  for (int d = 0; d < v.ndim; ++d) {
    int64_t e = (v.shape[d] - 1) * v.strides[d];
    if (e < 0) a += e; else b += e;
  }
  int64_t sz = dtype_size(v.dtype);
  lo = v.data + a * sz;
  hi = v.data + (b + 1) * sz;
}

bool overlap(const View& x, const View& y) {
  if (x.numel == 0 || y.numel == 0) return false;
  const char *xl, *xh, *yl, *yh;
  extent(x, xl, xh);
  extent(y, yl, yh);
  return xl < yh && yl < xh;
}

// Checks each used state view against the parameter and the other used state views.
void check_states(const ArgReader& r, const View& p, std::initializer_list<std::pair<const View*, const char*>> states) {
  std::vector<std::pair<const View*, const char*>> used(states);
  for (size_t i = 0; i < used.size(); ++i) {
    check_like(r, p, *used[i].first, used[i].second);
    if (overlap(*used[i].first, p)) throw_error(r.env(), std::string(r.op()) + ": state '" + used[i].second + "' overlaps the parameter");
    for (size_t j = 0; j < i; ++j)
      if (overlap(*used[i].first, *used[j].first))
        throw_error(r.env(), std::string(r.op()) + ": states '" + used[j].second + "' and '" + used[i].second + "' overlap");
  }
}

}  // namespace

// optimSgd(p, g, buf) args: pView, gView, bufView, lr, momentum, dampening, weightDecay, nesterov, maximize, first
NR_BINDING(optimSgd) {
  ArgReader r(info, "SGD.step");
  View p = r.view(0), g = r.view(1), buf = r.view(2);
  SgdArgs a{};
  a.lr = r.num(); a.momentum = r.num(); a.dampening = r.num(); a.weight_decay = r.num();
  a.nesterov = r.num() != 0; a.maximize = r.num() != 0; a.first = r.num() != 0;
  check_param(r, p);
  check_like(r, p, g, "gradient");
  if (a.momentum != 0) check_states(r, p, {{&buf, "momentum_buffer"}});
  optim_sgd(p, g, a.momentum != 0 ? buf : p, a);
  return info.Env().Undefined();
}

// optimAdam(p, g, m, v, vmax) args: 5 views, stepSize, beta1, beta2, eps, weightDecay, bc2Sqrt, decayMul,
// decoupled, amsgrad, maximize
NR_BINDING(optimAdam) {
  ArgReader r(info, "Adam.step");
  View p = r.view(0), g = r.view(1), m = r.view(2), v = r.view(3), vm = r.view(4);
  AdamArgs a{};
  a.step_size = r.num(); a.beta1 = r.num(); a.beta2 = r.num(); a.eps = r.num(); a.weight_decay = r.num();
  a.bc2_sqrt = r.num(); a.decay_mul = r.num();
  a.decoupled = r.num() != 0; a.amsgrad = r.num() != 0; a.maximize = r.num() != 0;
  check_param(r, p);
  check_like(r, p, g, "gradient");
  if (a.amsgrad) check_states(r, p, {{&m, "exp_avg"}, {&v, "exp_avg_sq"}, {&vm, "max_exp_avg_sq"}});
  else check_states(r, p, {{&m, "exp_avg"}, {&v, "exp_avg_sq"}});
  optim_adam(p, g, m, v, a.amsgrad ? vm : v, a);
  return info.Env().Undefined();
}

// optimRmsprop(p, g, sq, gavg, buf) args: 5 views, lr, alpha, eps, weightDecay, momentum, centered, maximize
NR_BINDING(optimRmsprop) {
  ArgReader r(info, "RMSprop.step");
  View p = r.view(0), g = r.view(1), sq = r.view(2), ga = r.view(3), buf = r.view(4);
  RmspropArgs a{};
  a.lr = r.num(); a.alpha = r.num(); a.eps = r.num(); a.weight_decay = r.num(); a.momentum = r.num();
  a.centered = r.num() != 0; a.maximize = r.num() != 0;
  check_param(r, p);
  check_like(r, p, g, "gradient");
  const bool mom = a.momentum > 0;
  if (a.centered && mom) check_states(r, p, {{&sq, "square_avg"}, {&ga, "grad_avg"}, {&buf, "momentum_buffer"}});
  else if (a.centered) check_states(r, p, {{&sq, "square_avg"}, {&ga, "grad_avg"}});
  else if (mom) check_states(r, p, {{&sq, "square_avg"}, {&buf, "momentum_buffer"}});
  else check_states(r, p, {{&sq, "square_avg"}});
  optim_rmsprop(p, g, sq, a.centered ? ga : sq, mom ? buf : sq, a);
  return info.Env().Undefined();
}

// optimAdagrad(p, g, sum) args: 3 views, clr, eps, weightDecay, maximize
NR_BINDING(optimAdagrad) {
  ArgReader r(info, "Adagrad.step");
  View p = r.view(0), g = r.view(1), s = r.view(2);
  AdagradArgs a{};
  a.clr = r.num(); a.eps = r.num(); a.weight_decay = r.num(); a.maximize = r.num() != 0;
  check_param(r, p);
  check_like(r, p, g, "gradient");
  check_states(r, p, {{&s, "sum"}});
  optim_adagrad(p, g, s, a);
  return info.Env().Undefined();
}

namespace {
LambArgs read_lamb(ArgReader& r) {
  LambArgs a{};
  a.beta1 = r.num(); a.beta2 = r.num(); a.beta3 = r.num(); a.bc1 = r.num(); a.bc2 = r.num(); a.eps = r.num();
  a.weight_decay = r.num(); a.grad_div = r.num(); a.ratio = r.num();
  a.decoupled = r.num() != 0; a.maximize = r.num() != 0;
  return a;
}
}  // namespace

// optimLamb1(p, g, m, v) args: 4 views, beta1, beta2, beta3, bc1, bc2, eps, weightDecay, gradDiv, ratio,
// decoupled, maximize. Returns [sum(p^2), sum(u^2)].
NR_BINDING(optimLamb1) {
  ArgReader r(info, "LAMB.step");
  View p = r.view(0), g = r.view(1), m = r.view(2), v = r.view(3);
  LambArgs a = read_lamb(r);
  check_param(r, p);
  check_like(r, p, g, "gradient");
  check_states(r, p, {{&m, "exp_avg"}, {&v, "exp_avg_sq"}});
  double sums[2];
  optim_lamb_stage1(p, g, m, v, a, sums);
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set((uint32_t)0, sums[0]);
  out.Set((uint32_t)1, sums[1]);
  return out;
}

// optimLamb2(p, m, v) args: 3 views, then the same scalars as optimLamb1 (ratio = lr * trust ratio).
NR_BINDING(optimLamb2) {
  ArgReader r(info, "LAMB.step");
  View p = r.view(0), m = r.view(1), v = r.view(2);
  LambArgs a = read_lamb(r);
  check_param(r, p);
  check_states(r, p, {{&m, "exp_avg"}, {&v, "exp_avg_sq"}});
  optim_lamb_stage2(p, m, v, a);
  return info.Env().Undefined();
}

// sumPow(x) args: view, pw (> 0 or inf). Returns sum(|x|^pw) in double, or max|x| for pw = inf.
NR_BINDING(sumPow) {
  ArgReader r(info, "gradient norm");
  View x = r.view(0);
  double pw = r.num();
  if (x.dtype != DType::f32 && x.dtype != DType::f64)
    throw_type(info.Env(), std::string("gradient norm: gradients must be float32 or float64 (got ") + dtype_name(x.dtype) + ")");
  if (!(pw > 0)) throw_range(info.Env(), "gradient norm: norm type must be > 0");
  return Napi::Number::New(info.Env(), optim_sum_pow(x, pw));
}

}  // namespace nr
