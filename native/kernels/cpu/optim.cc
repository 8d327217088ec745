// Fast optimizer-update dispatch: contiguous parameters run the widest ISA's loops (optim_simd.inc)
// split over the thread pool; norms sum fixed-size blocks in order, so results do not depend on the
// thread count. Non-contiguous views fall back to the reference kernels.
#include <algorithm>
#include <vector>
#include "nr/kernels/optim.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace base {
namespace {
#include "optim_simd.inc"
}  // namespace
}  // namespace base

const OptimKernels* optim_kernels_base() { return &base::kTable; }

namespace {

constexpr int64_t kGrain = 1 << 15;   // elements per parallel chunk of an update
constexpr int64_t kBlock = 1 << 14;   // elements per partial sum of a norm

const OptimKernels* table() {
  switch (active_isa()) {
    case Isa::kAvx512:
      if (const OptimKernels* t = optim_kernels_avx512()) return t;
      if (const OptimKernels* t = optim_kernels_avx2()) return t;
      return optim_kernels_base();
    case Isa::kAvx2:
      if (const OptimKernels* t = optim_kernels_avx2()) return t;
      return optim_kernels_base();
    default:
      return optim_kernels_base();
  }
}

bool fast_ok(std::initializer_list<const View*> vs) {
  if (active_isa() == Isa::kRef) return false;
  for (const View* v : vs) if (!v->is_contiguous()) return false;
  return true;
}

// Runs fn(offset_in_bytes, count) over [0, n) on the pool.
template <typename F>
void chunks(const View& p, F&& fn) {
  const int64_t sz = dtype_size(p.dtype);
  parallel_for(p.numel, kGrain, [&](int64_t s, int64_t e) { fn(s * sz, e - s); });
}

// Sums per-block pairs fn(offset_in_bytes, count, out[2]) in block order.
template <typename F>
void blocked_sums(const View& x, F&& fn, double out[2]) {
  const int64_t sz = dtype_size(x.dtype), n = x.numel, nb = (n + kBlock - 1) / kBlock;
  std::vector<double> part((size_t)nb * 2, 0.0);
  parallel_for(nb, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      int64_t s = k * kBlock, c = std::min(kBlock, n - s);
      fn(s * sz, c, &part[(size_t)k * 2]);
    }
  });
  out[0] = out[1] = 0;
  for (int64_t k = 0; k < nb; ++k) { out[0] += part[(size_t)k * 2]; out[1] += part[(size_t)k * 2 + 1]; }
}

}  // namespace

void optim_sgd(const View& p, const View& g, const View& buf, const SgdArgs& a) {
  if (p.numel == 0) return;
  if (!fast_ok({&p, &g, &buf})) return optim_sgd_ref(p, g, buf, a);
  const OptimKernels* k = table();
  chunks(p, [&](int64_t o, int64_t c) { k->sgd(p.dtype, p.data + o, g.data + o, buf.data + o, c, a); });
}

void optim_adam(const View& p, const View& g, const View& m, const View& v, const View& vmax, const AdamArgs& a) {
  if (p.numel == 0) return;
  if (!fast_ok({&p, &g, &m, &v, &vmax})) return optim_adam_ref(p, g, m, v, vmax, a);
  const OptimKernels* k = table();
  chunks(p, [&](int64_t o, int64_t c) { k->adam(p.dtype, p.data + o, g.data + o, m.data + o, v.data + o, vmax.data + o, c, a); });
}

void optim_rmsprop(const View& p, const View& g, const View& sq, const View& gavg, const View& buf, const RmspropArgs& a) {
  if (p.numel == 0) return;
  if (!fast_ok({&p, &g, &sq, &gavg, &buf})) return optim_rmsprop_ref(p, g, sq, gavg, buf, a);
  const OptimKernels* k = table();
  chunks(p, [&](int64_t o, int64_t c) { k->rmsprop(p.dtype, p.data + o, g.data + o, sq.data + o, gavg.data + o, buf.data + o, c, a); });
}

void optim_adagrad(const View& p, const View& g, const View& sum, const AdagradArgs& a) {
  if (p.numel == 0) return;
  if (!fast_ok({&p, &g, &sum})) return optim_adagrad_ref(p, g, sum, a);
  const OptimKernels* k = table();
  chunks(p, [&](int64_t o, int64_t c) { k->adagrad(p.dtype, p.data + o, g.data + o, sum.data + o, c, a); });
}

void optim_lamb_stage1(const View& p, const View& g, const View& m, const View& v, const LambArgs& a, double sums[2]) {
  sums[0] = sums[1] = 0;
  if (p.numel == 0) return;
  if (!fast_ok({&p, &g, &m, &v})) return optim_lamb_stage1_ref(p, g, m, v, a, sums);
  const OptimKernels* k = table();
  blocked_sums(p, [&](int64_t o, int64_t c, double* out) { k->lamb1(p.dtype, p.data + o, g.data + o, m.data + o, v.data + o, c, a, out); }, sums);
}

void optim_lamb_stage2(const View& p, const View& m, const View& v, const LambArgs& a) {
  if (p.numel == 0) return;
  if (!fast_ok({&p, &m, &v})) return optim_lamb_stage2_ref(p, m, v, a);
  const OptimKernels* k = table();
  chunks(p, [&](int64_t o, int64_t c) { k->lamb2(p.dtype, p.data + o, m.data + o, v.data + o, c, a); });
}

double optim_sum_pow(const View& x, double pw) {
  if (x.numel == 0) return 0;
  if (!fast_ok({&x})) return optim_sum_pow_ref(x, pw);
  const OptimKernels* k = table();
  const int64_t sz = dtype_size(x.dtype), n = x.numel, nb = (n + kBlock - 1) / kBlock;
  std::vector<double> part((size_t)nb, 0.0);
  parallel_for(nb, 1, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) part[(size_t)j] = k->sum_pow(x.dtype, x.data + j * kBlock * sz, std::min(kBlock, n - j * kBlock), pw);
  });
  double acc = 0;
  if (pw > 1e308) { for (double d : part) acc = (d != d || d > acc) ? d : acc; }  // inf-norm: max of block maxima
  else { for (double d : part) acc += d; }
  return acc;
}

}  // namespace nr
