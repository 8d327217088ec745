// Fast 2-D convolution backward passes as im2col + GEMM (the packed, register-tiled sgemm/dgemm of
// gemm.h); the forward is the implicit GEMM of conv_forward.cc.
// x (N,C,H,W), w (K,C/g,R,S), y (N,K,P,Q), all contiguous. Per image and group:
//   grad input   gcol (CgRS, PQ) = w_gᵀ · gy_g, then col2im adds gcol into gx
//   grad weight  gw_g (Kg, CgRS) += gy_g (Kg, PQ) · colᵀ
// 1x1 stride-1 unpadded convolutions use x itself as col. Images are split across threads when
// there are enough of them (each thread its own column workspace, reused across calls); otherwise
// images run in turn and the GEMM itself is threaded.
#include <algorithm>
#include <cstring>
#include <vector>
#include "nr/kernels/conv.h"
#include "nr/kernels/dispatch.h"
#include "nr/kernels/gemm.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

// Output columns q whose input column q*sw - pw + off lies in [0, W): [q0, q1).
inline void q_range(const Conv2dShape& s, int64_t off, int64_t* q0, int64_t* q1) {
  int64_t a = s.pw - off;
  int64_t lo = a <= 0 ? 0 : (a + s.sw - 1) / s.sw;
  int64_t b = s.W - 1 + s.pw - off;
  int64_t hi = b < 0 ? 0 : b / s.sw + 1;
  *q0 = std::max<int64_t>(0, lo);
  *q1 = std::min<int64_t>(s.Q, hi);
}

// col (Cg*R*S, P*Q) from one image's group slice xc (Cg, H, W).
template <typename T>
void im2col(const Conv2dShape& s, int64_t Cg, const T* xc, T* col) {
  const int64_t PQ = s.P * s.Q;
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t r = 0; r < s.R; ++r)
      for (int64_t t = 0; t < s.S; ++t) {
        T* row = col + ((c * s.R + r) * s.S + t) * PQ;
        const int64_t off = t * s.dw;
        int64_t q0, q1;
        q_range(s, off, &q0, &q1);
        for (int64_t p = 0; p < s.P; ++p) {
          T* dst = row + p * s.Q;
          const int64_t ih = p * s.sh - s.ph + r * s.dh;
          if (ih < 0 || ih >= s.H || q0 >= q1) { std::memset(dst, 0, sizeof(T) * s.Q); continue; }
          const T* src = xc + (c * s.H + ih) * s.W + off - s.pw;
          for (int64_t q = 0; q < q0; ++q) dst[q] = 0;
          if (s.sw == 1) std::memcpy(dst + q0, src + q0, sizeof(T) * (q1 - q0));
          else for (int64_t q = q0; q < q1; ++q) dst[q] = src[q * s.sw];
          for (int64_t q = q1; q < s.Q; ++q) dst[q] = 0;
        }
      }
}

// gx slice (Cg, H, W) += col2im(gcol).
template <typename T>
void col2im_add(const Conv2dShape& s, int64_t Cg, const T* col, T* gxc) {
  const int64_t PQ = s.P * s.Q;
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t r = 0; r < s.R; ++r)
      for (int64_t t = 0; t < s.S; ++t) {
        const T* row = col + ((c * s.R + r) * s.S + t) * PQ;
        const int64_t off = t * s.dw;
        int64_t q0, q1;
        q_range(s, off, &q0, &q1);
        for (int64_t p = 0; p < s.P; ++p) {
          const int64_t ih = p * s.sh - s.ph + r * s.dh;
          if (ih < 0 || ih >= s.H) continue;
          T* dst = gxc + (c * s.H + ih) * s.W + off - s.pw;
          const T* src = row + p * s.Q;
          if (s.sw == 1) for (int64_t q = q0; q < q1; ++q) dst[q] += src[q];
          else for (int64_t q = q0; q < q1; ++q) dst[q * s.sw] += src[q];
        }
      }
}

inline void gemm_t(int64_t M, int64_t N, int64_t K, const float* a, int64_t ars, int64_t acs, const float* b, int64_t brs, int64_t bcs,
                   float beta, float* c, int64_t crs, bool th) {
  sgemm(M, N, K, 1.0f, a, ars, acs, b, brs, bcs, beta, c, crs, 1, th);
}
inline void gemm_t(int64_t M, int64_t N, int64_t K, const double* a, int64_t ars, int64_t acs, const double* b, int64_t brs, int64_t bcs,
                   double beta, double* c, int64_t crs, bool th) {
  dgemm(M, N, K, 1.0, a, ars, acs, b, brs, bcs, beta, c, crs, 1, th);
}

bool is_pointwise(const Conv2dShape& s) {
  return s.R == 1 && s.S == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0;
}

// A per-thread column workspace (pool threads persist, so it is reused across calls).
template <typename T>
T* workspace(size_t n) {
  thread_local std::vector<char> buf;
  if (buf.size() < n * sizeof(T)) buf.resize(n * sizeof(T));
  return reinterpret_cast<T*>(buf.data());
}

// Runs body(n, threaded_gemm) for every image: split across threads when N is large enough.
template <typename F>
void for_images(int64_t N, F&& body) {
  const int64_t nt = num_threads();
  if (N >= nt && nt > 1) {
    parallel_for(N, 1, [&](int64_t b, int64_t e) { for (int64_t n = b; n < e; ++n) body(n, false); });
  } else {
    for (int64_t n = 0; n < N; ++n) body(n, true);
  }
}

template <typename T>
void bwd_input(const Conv2dShape& s, const T* gy, const T* w, T* gx) {
  const int64_t Cg = s.C / s.groups, Kg = s.K / s.groups, PQ = s.P * s.Q, CRS = Cg * s.R * s.S;
  const bool pw = is_pointwise(s);
  for_images(s.N, [&](int64_t n, bool th) {
    T* gcol = pw ? nullptr : workspace<T>((size_t)(CRS * PQ));
    for (int64_t g = 0; g < s.groups; ++g) {
      T* gxc = gx + (n * s.C + g * Cg) * s.H * s.W;
      const T* gyg = gy + (n * s.K + g * Kg) * PQ;
      // w_gᵀ: (CRS, Kg) with element (i, k) at w[k*CRS + i]
      if (pw) { gemm_t(CRS, PQ, Kg, w + g * Kg * CRS, 1, CRS, gyg, PQ, 1, T(0), gxc, PQ, th); continue; }
      gemm_t(CRS, PQ, Kg, w + g * Kg * CRS, 1, CRS, gyg, PQ, 1, T(0), gcol, PQ, th);
      std::memset(gxc, 0, sizeof(T) * Cg * s.H * s.W);
      col2im_add<T>(s, Cg, gcol, gxc);
    }
  });
}

template <typename T>
void bwd_weight(const Conv2dShape& s, const T* gy, const T* x, T* gw) {
  const int64_t Cg = s.C / s.groups, Kg = s.K / s.groups, PQ = s.P * s.Q, CRS = Cg * s.R * s.S;
  const int64_t WN = s.K * CRS;   // weight elements
  const bool pw = is_pointwise(s);
  const int64_t nt = num_threads();
  // Images are split into `parts` chunks; each accumulates into its own partial weight gradient.
  const int64_t parts = (s.N >= nt && nt > 1) ? nt : 1;
  std::vector<T> partial((size_t)(parts > 1 ? (parts - 1) * WN : 0));
  parallel_for(parts, 1, [&](int64_t pb, int64_t pe) {
    for (int64_t part = pb; part < pe; ++part) {
      T* acc = part == 0 ? gw : partial.data() + (part - 1) * WN;
      const int64_t n0 = s.N * part / parts, n1 = s.N * (part + 1) / parts;
      const bool th = parts == 1;
      T* col = pw ? nullptr : workspace<T>((size_t)(CRS * PQ));
      for (int64_t n = n0; n < n1; ++n)
        for (int64_t g = 0; g < s.groups; ++g) {
          const T* xc = x + (n * s.C + g * Cg) * s.H * s.W;
          if (!pw) im2col<T>(s, Cg, xc, col);
          const T* cb = pw ? xc : col;
          // gw_g (Kg, CRS) (+)= gy_g (Kg, PQ) · colᵀ, colᵀ element (p, i) at cb[i*PQ + p]
          gemm_t(Kg, CRS, PQ, gy + (n * s.K + g * Kg) * PQ, PQ, 1, cb, 1, PQ, n == n0 ? T(0) : T(1), acc + g * Kg * CRS, CRS, th);
        }
      if (n1 == n0) std::memset(acc, 0, sizeof(T) * WN);
    }
  });
  for (int64_t part = 1; part < parts; ++part) {
    const T* src = partial.data() + (part - 1) * WN;
    for (int64_t i = 0; i < WN; ++i) gw[i] += src[i];
  }
}

}  // namespace

void conv2d_backward_input(const Conv2dShape& s, const View& gy, const View& w, const View& gx) {
  if (active_isa() == Isa::kRef) return conv2d_backward_input_ref(s, gy, w, gx);
  NR_DISPATCH_FLOAT(gy.dtype, T, bwd_input<T>(s, gy.ptr<T>(), w.ptr<T>(), gx.ptr<T>()));
}
void conv2d_backward_weight(const Conv2dShape& s, const View& gy, const View& x, const View& gw) {
  if (active_isa() == Isa::kRef) return conv2d_backward_weight_ref(s, gy, x, gw);
  NR_DISPATCH_FLOAT(gy.dtype, T, bwd_weight<T>(s, gy.ptr<T>(), x.ptr<T>(), gw.ptr<T>()));
}

}  // namespace nr
