// Batched strided matrix multiplication: C = alpha * A·B + beta * C (+ a bias row) for every batch
// index.
// A is (batch..., M, K), B is (batch..., K, N), C is (batch..., M, N). Every operand carries its own
// element strides for every dim, so transposed views (row stride 1) and broadcast batch dims
// (stride 0) need no copies: the fast kernels handle layouts while packing.
#pragma once
#include <cstdint>
#include "nr/view.h"

namespace nr {

struct GemmParams {
  DType dtype = DType::f32;          // A, B and C share it
  int64_t M = 0, N = 0, K = 0;
  int nbatch = 0;                    // batch dims (all three operands use the same batch shape)
  int64_t batch[kMaxDims] = {0};
  int64_t a_bs[kMaxDims] = {0}, b_bs[kMaxDims] = {0}, c_bs[kMaxDims] = {0};  // batch strides
  const char* a = nullptr;
  int64_t a_rs = 0, a_cs = 0;        // A[i][k] = a[i*a_rs + k*a_cs]
  const char* b = nullptr;
  int64_t b_rs = 0, b_cs = 0;        // B[k][j] = b[k*b_rs + j*b_cs]
  char* c = nullptr;
  int64_t c_rs = 0, c_cs = 0;        // C[i][j] = c[i*c_rs + j*c_cs]; C never aliases A or B
  // beta == 0 means C is write-only (NaN/Inf already in C are not propagated), as in BLAS.
  double alpha = 1.0, beta = 0.0;
  // Optional bias added to every row of every C: N contiguous values of the dtype (nullptr: none).
  // C = alpha * A·B + beta * C + bias.
  const char* bias = nullptr;

  int64_t batch_count() const {
    int64_t n = 1;
    for (int d = 0; d < nbatch; ++d) n *= batch[d];
    return n;
  }
};

// Fast path: float32 packed/register-tiled per ISA, float64 blocked, integers exact with int64
// accumulation (wrapping like torch). Threads over the pool. Uses active_isa(); kRef -> gemm_ref.
void gemm(const GemmParams& p);
// Reference: a plain triple loop per batch, accumulating in double (int64 for integer dtypes).
void gemm_ref(const GemmParams& p);

// One strided product for other kernels (convolution, attention, ...): C (M,N) = alpha * A (M,K) ·
// B (K,N) + beta * C, element strides per operand, at the active kernel level. threaded = false
// runs on the calling thread only (for callers already inside a parallel_for).
// bias: N contiguous values added to every row (or nullptr).
void sgemm(int64_t M, int64_t N, int64_t K, float alpha, const float* a, int64_t a_rs, int64_t a_cs,
           const float* b, int64_t b_rs, int64_t b_cs, float beta, float* c, int64_t c_rs, int64_t c_cs,
           bool threaded = true, const float* bias = nullptr);
void dgemm(int64_t M, int64_t N, int64_t K, double alpha, const double* a, int64_t a_rs, int64_t a_cs,
           const double* b, int64_t b_rs, int64_t b_cs, double beta, double* c, int64_t c_rs, int64_t c_cs,
           bool threaded = true, const double* bias = nullptr);

}  // namespace nr
