// Binding for batched matrix multiplication: validates the three views and their shapes, merges
// batch dims where it can, and calls gemm (or gemm_ref at the 'ref' kernel level via dispatch).
#include <new>
#include "binding/binding.h"
#include "nr/kernels/gemm.h"

namespace nr {

// gemm(cBuf, aBuf, bBuf[, biasBuf]) args: alpha, beta, hasBias, cView, aView, bView[, biasView].
// c is (batch..., M, N) and contiguous; a is (batch..., M, K); b is (batch..., K, N). The batch
// dims are the same sizes for all three (JS expands broadcast operands with 0 strides).
// c = alpha * a·b + beta * c + bias; beta == 0: c is write-only; bias is (N) and contiguous.
NR_BINDING(gemm) {
  ArgReader r(info, "matmul");
  const double alpha = r.num(), beta = r.num();
  const bool has_bias = r.num() != 0;
  View c = r.view(0), a = r.view(1), b = r.view(2);
  View bias;
  if (has_bias) bias = r.view(3);
  Napi::Env env = info.Env();
  auto shapes = [&]() { return shape_str(a) + " and " + shape_str(b); };
  if (a.ndim < 2 || b.ndim != a.ndim || c.ndim != a.ndim)
    throw_range(env, "matmul: expected operands of equal rank >= 2 (with batch dims expanded), got " + shapes() + " into " + shape_str(c));
  if (a.dtype != b.dtype || c.dtype != a.dtype)
    throw_type(env, std::string("matmul: expected all operands to have the same dtype, got ") + dtype_name(a.dtype) + ", " + dtype_name(b.dtype) + " and " + dtype_name(c.dtype));
  if (a.dtype == DType::f16 || a.dtype == DType::bf16 || a.dtype == DType::b8)
    throw_type(env, std::string("matmul: not implemented for ") + dtype_name(a.dtype) + " on the CPU");
  const int nb = a.ndim - 2;
  const int64_t M = a.shape[nb], K = a.shape[nb + 1], N = b.shape[nb + 1];
  if (b.shape[nb] != K) throw_range(env, "matmul: shapes " + shapes() + " cannot be multiplied (" + std::to_string(M) + "x" + std::to_string(K) + " and " + std::to_string(b.shape[nb]) + "x" + std::to_string(N) + ")");
  for (int d = 0; d < nb; ++d)
    if (a.shape[d] != b.shape[d] || c.shape[d] != a.shape[d]) throw_range(env, "matmul: batch dims of " + shapes() + " and output " + shape_str(c) + " differ");
  if (c.shape[nb] != M || c.shape[nb + 1] != N) throw_range(env, "matmul: output " + shape_str(c) + " does not match " + shapes());
  if (!c.is_contiguous()) throw_range(env, "matmul: output must be contiguous");
  if (has_bias) {
    if (bias.dtype != c.dtype) throw_type(env, "matmul: bias dtype differs from the operands'");
    if (bias.ndim != 1 || bias.shape[0] != N || !bias.is_contiguous())
      throw_range(env, "matmul: bias " + shape_str(bias) + " must be contiguous with " + std::to_string(N) + " elements");
  }
  // The output must not overlap an input (the kernel reads A and B while writing C).
  if (c.numel > 0) {
    const int64_t isz = dtype_size(c.dtype);
    const char* c_lo = c.data;
    const char* c_hi = c.data + c.numel * isz;
    for (const View* v : {&a, &b, &bias}) {
      if (v == &bias && !has_bias) continue;
      if (v->numel == 0) continue;
      int64_t lo = 0, hi = 0;
      for (int d = 0; d < v->ndim; ++d) {
        const int64_t ext = (v->shape[d] - 1) * v->strides[d];
        if (ext < 0) lo += ext; else hi += ext;
      }
      const char* v_lo = v->data + lo * isz;
      const char* v_hi = v->data + (hi + 1) * isz;
      if (v_lo < c_hi && c_lo < v_hi) throw_range(env, "matmul: the output overlaps an input");
    }
  }

  GemmParams p;
  p.dtype = a.dtype;
  p.M = M; p.N = N; p.K = K;
  p.alpha = alpha; p.beta = beta;
  p.bias = has_bias ? bias.data : nullptr;
  p.a = a.data; p.a_rs = a.strides[nb]; p.a_cs = a.strides[nb + 1];
  p.b = b.data; p.b_rs = b.strides[nb]; p.b_cs = b.strides[nb + 1];
  p.c = c.data; p.c_rs = c.strides[nb]; p.c_cs = c.strides[nb + 1];
  // Batch dims: drop size-1 dims and merge neighbours whose strides chain for all three operands.
  for (int d = 0; d < nb; ++d) {
    if (a.shape[d] == 1) continue;
    const int k = p.nbatch;
    if (k > 0 && p.a_bs[k - 1] == a.strides[d] * a.shape[d] && p.b_bs[k - 1] == b.strides[d] * b.shape[d] &&
        p.c_bs[k - 1] == c.strides[d] * c.shape[d]) {
      p.batch[k - 1] *= a.shape[d];
      p.a_bs[k - 1] = a.strides[d]; p.b_bs[k - 1] = b.strides[d]; p.c_bs[k - 1] = c.strides[d];
      continue;
    }
    p.batch[k] = a.shape[d];
    p.a_bs[k] = a.strides[d]; p.b_bs[k] = b.strides[d]; p.c_bs[k] = c.strides[d];
    p.nbatch = k + 1;
  }
  try {
    gemm(p);
  } catch (const std::bad_alloc&) {
    throw_error(env, "matmul: out of memory for the packing workspace of " + shapes());
  }
  return env.Undefined();
}

}  // namespace nr
