// Reference matrix multiplication (the oracle for the fast GEMM): a plain triple loop per batch
// index over the strided operands, accumulating in double (wrapping 64-bit for integer dtypes).
#include "nr/kernels/gemm.h"
#include "nr/kernels/dispatch.h"

namespace nr {

namespace {

// Integer products accumulate in uint64 so overflow wraps (two's complement) as torch's does,
// without signed-overflow UB.
template <typename T> struct Acc { using type = double; };
template <> struct Acc<int32_t> { using type = uint64_t; };
template <> struct Acc<int64_t> { using type = uint64_t; };
template <> struct Acc<uint8_t> { using type = uint64_t; };

template <typename A> inline A scalar_as(double v) { return (A)v; }
template <> inline uint64_t scalar_as<uint64_t>(double v) { return (uint64_t)(int64_t)v; }

// Byte offset of batch index `lin` along batch strides `bs` (elements) for the batch shape.
inline int64_t batch_offset(const GemmParams& p, const int64_t* bs, int64_t lin) {
  int64_t off = 0;
  for (int d = p.nbatch - 1; d >= 0; --d) {
    int64_t i = lin % p.batch[d];
    lin /= p.batch[d];
    off += i * bs[d];
  }
  return off;
}

// One matrix: A is (M,K), B is (K,N), C is (M,N), all strided.
template <typename T>
void gemm_one(const GemmParams& p, const T* a, const T* b, T* c) {
  using A = typename Acc<T>::type;
  const A alpha = scalar_as<A>(p.alpha), beta = scalar_as<A>(p.beta);
  for (int64_t i = 0; i < p.M; ++i)
    for (int64_t j = 0; j < p.N; ++j) {
      A s = 0;
      for (int64_t k = 0; k < p.K; ++k) s += (A)a[i * p.a_rs + k * p.a_cs] * (A)b[k * p.b_rs + j * p.b_cs];
      T& out = c[i * p.c_rs + j * p.c_cs];
      A v = p.beta == 0 ? alpha * s : alpha * s + beta * (A)out;
      if (p.bias) v += (A)reinterpret_cast<const T*>(p.bias)[j];
      out = (T)v;
    }
}

}  // namespace

void gemm_ref(const GemmParams& p) {
  const int64_t nb = p.batch_count();
  if (p.M == 0 || p.N == 0 || nb == 0) return;
  NR_DISPATCH_ARITH(p.dtype, T, {
    for (int64_t bi = 0; bi < nb; ++bi)
      gemm_one<T>(p, reinterpret_cast<const T*>(p.a) + batch_offset(p, p.a_bs, bi),
                  reinterpret_cast<const T*>(p.b) + batch_offset(p, p.b_bs, bi),
                  reinterpret_cast<T*>(p.c) + batch_offset(p, p.c_bs, bi));
  });
}

}  // namespace nr
