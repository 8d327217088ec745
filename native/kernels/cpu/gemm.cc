// GEMM dispatch: picks the per-ISA kernel for float32/float64 and runs the packed driver over the
// batch (threads split each matrix, or split the batch when the matrices are small); integer
// dtypes run a threaded exact loop with wrapping 64-bit accumulation; kRef runs gemm_ref.
#include <algorithm>
#include "kernels/cpu/gemm_kernel.h"
#include "nr/kernels/dispatch.h"
#include "nr/kernels/gemm.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

GemmTuning g_gemm_tuning;

template <> const GemmKernel<float>& gemm_kernel_for<float>(Isa isa) {
  const GemmKernel<float>* k = nullptr;
  if (isa == Isa::kAvx512) k = gemm_kernel_f32_avx512();
  if (!k && (isa == Isa::kAvx512 || isa == Isa::kAvx2)) k = gemm_kernel_f32_avx2();
  return k ? *k : *gemm_kernel_f32_base();
}
template <> const GemmKernel<double>& gemm_kernel_for<double>(Isa isa) {
  const GemmKernel<double>* k = nullptr;
  if (isa == Isa::kAvx512) k = gemm_kernel_f64_avx512();
  if (!k && (isa == Isa::kAvx512 || isa == Isa::kAvx2)) k = gemm_kernel_f64_avx2();
  return k ? *k : *gemm_kernel_f64_base();
}

namespace {

// Element offsets of batch index `lin` for A, B and C.
struct BatchOffsets { int64_t a, b, c; };
inline BatchOffsets batch_offsets(const GemmParams& p, int64_t lin) {
  BatchOffsets o{0, 0, 0};
  for (int d = p.nbatch - 1; d >= 0; --d) {
    const int64_t i = lin % p.batch[d];
    lin /= p.batch[d];
    o.a += i * p.a_bs[d];
    o.b += i * p.b_bs[d];
    o.c += i * p.c_bs[d];
  }
  return o;
}

// Below this many flops per matrix, threads split the batch instead of each matrix.
constexpr double kSmallMatrixFlops = 4e6;
constexpr double kMediumMatrixFlops = 1.5e8;

template <typename T>
void gemm_float(const GemmParams& p, const GemmKernel<T>& kr) {
  const int64_t nb = p.batch_count();
  const T alpha = (T)p.alpha, beta = (T)p.beta;
  const T* a = reinterpret_cast<const T*>(p.a);
  const T* b = reinterpret_cast<const T*>(p.b);
  T* c = reinterpret_cast<T*>(p.c);
  auto one = [&](int64_t bi, bool threaded) {
    const BatchOffsets o = batch_offsets(p, bi);
    gemm_packed<T>(kr, p.M, p.N, p.K, alpha, a + o.a, p.a_rs, p.a_cs, b + o.b, p.b_rs, p.b_cs, beta,
                   c + o.c, p.c_rs, p.c_cs, reinterpret_cast<const T*>(p.bias), threaded);
  };
  const double flops = 2.0 * (double)p.M * (double)p.N * (double)std::max<int64_t>(p.K, 1);
  const int nt = num_threads();
  // Split the batch over threads when each matrix is small, or when there are enough matrices
  // of moderate size to keep every thread busy (one pool dispatch instead of one per matrix).
  const bool split_batch = nb > 1 && nt > 1 && (flops < kSmallMatrixFlops || (nb >= 2 * nt && flops < kMediumMatrixFlops));
  if (split_batch) {
    const int64_t grain = std::max<int64_t>(1, (int64_t)(2e5 / flops));
    parallel_for(nb, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t bi = b0; bi < b1; ++bi) one(bi, false);
    });
    return;
  }
  for (int64_t bi = 0; bi < nb; ++bi) one(bi, true);
}

// Integer matmul: exact, wrapping like torch (uint64 accumulation), rows split over threads.
template <typename T>
void gemm_int(const GemmParams& p) {
  const int64_t nb = p.batch_count();
  const uint64_t alpha = (uint64_t)(int64_t)p.alpha, beta = (uint64_t)(int64_t)p.beta;
  const int64_t rows = nb * p.M;
  const int64_t work = std::max<int64_t>(1, p.N * std::max<int64_t>(p.K, 1));
  parallel_for(rows, std::max<int64_t>(1, (1 << 16) / work), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t bi = r / p.M, i = r % p.M;
      const BatchOffsets o = batch_offsets(p, bi);
      const T* a = reinterpret_cast<const T*>(p.a) + o.a + i * p.a_rs;
      const T* b = reinterpret_cast<const T*>(p.b) + o.b;
      T* c = reinterpret_cast<T*>(p.c) + o.c + i * p.c_rs;
      for (int64_t j = 0; j < p.N; ++j) {
        uint64_t s = 0;
        for (int64_t k = 0; k < p.K; ++k) s += (uint64_t)a[k * p.a_cs] * (uint64_t)b[k * p.b_rs + j * p.b_cs];
        T& out = c[j * p.c_cs];
        uint64_t v = p.beta == 0 ? alpha * s : alpha * s + beta * (uint64_t)out;
        if (p.bias) v += (uint64_t)reinterpret_cast<const T*>(p.bias)[j];
        out = (T)v;
      }
    }
  });
}

}  // namespace

void gemm(const GemmParams& p) {
  const Isa isa = active_isa();
  if (isa == Isa::kRef) return gemm_ref(p);
  if (p.M == 0 || p.N == 0 || p.batch_count() == 0) return;
  switch (p.dtype) {
    case DType::f32: return gemm_float<float>(p, gemm_kernel_for<float>(isa));
    case DType::f64: return gemm_float<double>(p, gemm_kernel_for<double>(isa));
    case DType::i32: return gemm_int<int32_t>(p);
    case DType::i64: return gemm_int<int64_t>(p);
    case DType::u8: return gemm_int<uint8_t>(p);
    default: return;  // the binding rejects other dtypes
  }
}

namespace {
template <typename T>
void gemm_2d(int64_t M, int64_t N, int64_t K, T alpha, const T* a, int64_t a_rs, int64_t a_cs, const T* b,
             int64_t b_rs, int64_t b_cs, T beta, T* c, int64_t c_rs, int64_t c_cs, bool threaded, const T* bias) {
  const Isa isa = active_isa();
  if (isa == Isa::kRef) {
    GemmParams p;
    p.dtype = sizeof(T) == 4 ? DType::f32 : DType::f64;
    p.M = M; p.N = N; p.K = K; p.alpha = alpha; p.beta = beta;
    p.a = reinterpret_cast<const char*>(a); p.a_rs = a_rs; p.a_cs = a_cs;
    p.b = reinterpret_cast<const char*>(b); p.b_rs = b_rs; p.b_cs = b_cs;
    p.c = reinterpret_cast<char*>(c); p.c_rs = c_rs; p.c_cs = c_cs;
    p.bias = reinterpret_cast<const char*>(bias);
    return gemm_ref(p);
  }
  gemm_packed<T>(gemm_kernel_for<T>(isa), M, N, K, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, c_rs, c_cs, bias, threaded);
}
}  // namespace

void sgemm(int64_t M, int64_t N, int64_t K, float alpha, const float* a, int64_t a_rs, int64_t a_cs,
           const float* b, int64_t b_rs, int64_t b_cs, float beta, float* c, int64_t c_rs, int64_t c_cs,
           bool threaded, const float* bias) {
  gemm_2d<float>(M, N, K, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, c_rs, c_cs, threaded, bias);
}

void dgemm(int64_t M, int64_t N, int64_t K, double alpha, const double* a, int64_t a_rs, int64_t a_cs,
           const double* b, int64_t b_rs, int64_t b_cs, double beta, double* c, int64_t c_rs, int64_t c_cs,
           bool threaded, const double* bias) {
  gemm_2d<double>(M, N, K, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, c_rs, c_cs, threaded, bias);
}

}  // namespace nr
