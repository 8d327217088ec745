// Internal interface between the packed GEMM driver (gemm_packed.cc) and the per-ISA building
// blocks (gemm_avx512.cc, gemm_avx2.cc, gemm_base.cc): register-tile sizes, cache blocks, panel
// packing routines and the microkernel, as plain function pointers (no ISA code in the driver).
#pragma once
#include <cstdint>
#include "runtime/cpu_features.h"

namespace nr {

// B of a convolution as an implicit im2col matrix, read straight from the input by
// GemmKernel::pack_b_conv (no column buffer). x holds the Cg channels of one image's group (channel
// stride cs, row stride rs), already padded so that every read is inside it: output row p reads
// rows from (p - p0)*sh on. Row k of B = (c, r, s) in the weights' order (k = (c*R + r)*S + s),
// after a leading row of ones when `ones` is set (a bias in A's column 0); column j = output
// position (p, q) = (j / Q, j % Q):
//   B[(c, r, s)][j] = x[c*cs + ((p - p0)*sh + r*dh)*rs + q*sw + s*dw].
struct ConvB {
  const void* x;
  int64_t cs, rs, R, S, Q, sh, sw, dh, dw, p0;
  bool stream;  // x is read in place from memory: prefetch the next panel's inputs while packing
  bool ones;
};

// Packed layouts (T = float or double):
//  B panel: up to nr columns of B over kc rows, stored k-major: panel[p*nr + j], zero-padded to nr.
//  A panel: up to mr rows of A over kc columns. A with contiguous rows is not packed: the
//           microkernel reads it in place (a[i*lda + p]); any other A is packed k-major
//           (panel[p*mr + i]).
template <typename T>
struct GemmKernel {
  const char* name;
  int mr, nr;          // register tile (rows of A, columns of B)
  int kc, mc;          // cache blocks: depth of one packed block, rows of A per packed A block
  int slab_kib;        // KiB of one depth block of a packed B column slab (kept in a core's L2)
  // Packs one B panel: rows [0,k) and columns [0,n) (n <= nr) of b with element strides rs, cs.
  void (*pack_b)(T* dst, const T* b, int64_t rs, int64_t cs, int64_t k, int64_t n);
  // Packs one B panel from an implicit im2col matrix (ConvB): rows [k0, k0+k), columns [j0, j0+n)
  // (n <= nr), zero-padded to nr, into dst (64-byte aligned).
  void (*pack_b_conv)(T* dst, const ConvB& g, int64_t k0, int64_t k, int64_t j0, int64_t n);
  // Packs one A panel (m <= mr rows, k columns) k-major.
  void (*pack_a)(T* dst, const T* a, int64_t rs, int64_t cs, int64_t m, int64_t k);
  // C tile (m <= mr rows, n <= nr columns; strides rs, cs) = alpha * (A panel · B panel over k)
  // + beta * C (beta == 0: C is not read) + bias[j] (bias: n contiguous values, or null).
  // lda > 0: A is read in place with row stride lda; lda == 0: a is a packed k-major panel.
  void (*micro)(int64_t k, const T* a, int64_t lda, const T* b, T* c, int64_t rs, int64_t cs,
                int64_t m, int64_t n, T alpha, T beta, const T* bias);
  // y (m, stride ys) = alpha * A (m x k, strides rs, cs) · x (k, stride xs) + beta * y; used when
  // C has one row or one column.
  void (*gemv)(int64_t m, int64_t k, T alpha, const T* a, int64_t rs, int64_t cs, const T* x,
               int64_t xs, T beta, T* y, int64_t ys);
};

// nullptr where the ISA is not compiled in (non-x86).
const GemmKernel<float>* gemm_kernel_f32_avx512();
const GemmKernel<float>* gemm_kernel_f32_avx2();
const GemmKernel<float>* gemm_kernel_f32_base();
const GemmKernel<double>* gemm_kernel_f64_avx512();
const GemmKernel<double>* gemm_kernel_f64_avx2();
const GemmKernel<double>* gemm_kernel_f64_base();

// The kernel for an active ISA level other than kRef (the widest compiled-in one it allows).
template <typename T> const GemmKernel<T>& gemm_kernel_for(Isa isa);

// Development hook (native/test/gemm_dev): block-size overrides; 0 keeps the kernel's own.
struct GemmTuning { int kc = 0, mc = 0, l2kb = 0; };
extern GemmTuning g_gemm_tuning;

// One strided matrix product with the packed, cache-blocked, threaded driver.
// A is (M,K), B is (K,N), C is (M,N); strides in elements. threads: how many pool threads it may use.
// bias (N contiguous values, or null) is added to every row of C.
template <typename T>
void gemm_packed(const GemmKernel<T>& kr, int64_t M, int64_t N, int64_t K, T alpha,
                 const T* a, int64_t a_rs, int64_t a_cs, const T* b, int64_t b_rs, int64_t b_cs,
                 T beta, T* c, int64_t c_rs, int64_t c_cs, const T* bias, bool threaded);

}  // namespace nr
