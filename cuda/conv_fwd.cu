// 2-D convolution forward (nrc_conv2d_fwd) as an implicit GEMM per group:
//   y (M = N*P*Q, Kg) = A (M, Cg*R*S) @ B (Cg*R*S, Kg) + bias
// A row m = (n, p, q) is the im2col row of output pixel (p, q) of image n, gathered from x on the
// fly (k = (r, s, c), channel fastest; zero where the tap falls in the padding); B row k, column n
// is w[n, c, r, s]. When Cg % 32 == 0 each k-tile has one tap (r, s): the bounds check is per tile. The bias is fused into the epilogue. Depthwise convolutions
// (groups == C == K) go to the direct kernel in conv_depthwise.cu.
#include "conv_igemm.cuh"

namespace nrc {
namespace {

// A: x gather; a thread keeps one output pixel m and walks k = (r, s, c) (c fastest).
template <typename T>
struct FwdA {
  static constexpr bool kAlongK = false;
  const ConvParams& p;
  const T* x;  // group's first channel of image 0
  const T* img = nullptr;
  const T* tap = nullptr;  // kfast: x[n, grp*Cg + 0, h, w] of this tile's tap
  int h0 = 0, w0 = 0, cbase = 0;
  bool ok = false, tap_ok = false;
  __host__ __device__ FwdA(const ConvParams& p_, int grp) : p(p_), x((const T*)p_.a + (size_t)grp * p_.Cg * p_.HW) {}
  __host__ __device__ void fix(int m) {
    ok = m < p.M;
    int n, pp;
    int pq = p.fd_PQ.divmod(ok ? m : 0, n);
    int q = p.fd_Q.divmod(pq, pp);
    h0 = pp * p.g.sh - p.g.ph;
    w0 = q * p.g.sw - p.g.pw;
    img = x + (size_t)n * p.g.C * p.HW;
  }
  __host__ __device__ void tile(int k0) {
    if (!p.kfast) return;
    int rs = p.fd_Cg.div(k0), r;
    int s = p.fd_S.divmod(rs, r);
    int h = h0 + r * p.g.dh, w = w0 + s * p.g.dw;
    cbase = rs * p.Cg;
    tap_ok = ok && (unsigned)h < (unsigned)p.g.H && (unsigned)w < (unsigned)p.g.W;
    tap = tap_ok ? img + h * p.g.W + w : img;
  }
  __host__ __device__ T at(int k) const {
    if (p.kfast) return tap_ok ? tap[(k - cbase) * p.HW] : conv::zero<T>();  // Kgemm % 32 == 0: k in range
    if (!ok || k >= p.Kgemm) return conv::zero<T>();
    int rs, r;
    int c = p.fd_Cg.divmod(k, rs);
    int s = p.fd_S.divmod(rs, r);
    int h = h0 + r * p.g.dh, w = w0 + s * p.g.dw;
    if ((unsigned)h >= (unsigned)p.g.H || (unsigned)w >= (unsigned)p.g.W) return conv::zero<T>();
    return img[c * p.HW + h * p.g.W + w];
  }
};

// B: w[grp*Kg + n, c, r, s]; a thread keeps one k = (r, s, c) and walks the output channels.
template <typename T>
struct FwdB {
  static constexpr bool kAlongK = true;
  const ConvParams& p;
  const T* w;
  int off = 0;
  bool ok = false;
  __host__ __device__ FwdB(const ConvParams& p_, int grp) : p(p_), w((const T*)p_.b + (size_t)grp * p_.Kg * p_.CgRS) {}
  __host__ __device__ void fix(int k, int) {
    ok = k < p.Kgemm;
    int rs;
    int c = p.fd_Cg.divmod(ok ? k : 0, rs);
    off = c * p.RS + rs;
  }
  __host__ __device__ void tile(int) {}
  __host__ __device__ T at(int n) const { return ok && n < p.Ngemm ? w[n * p.CgRS + off] : conv::zero<T>(); }
};

// y[n, grp*Kg + col, p, q] = acc + bias
template <typename T>
struct FwdEpi {
  const ConvParams& p;
  T* y;
  const float* bias;
  __host__ __device__ FwdEpi(const ConvParams& p_, int grp, int)
      : p(p_), y((T*)p_.out + (size_t)grp * p_.Kg * p_.PQ), bias(p_.bias ? p_.bias + grp * p_.Kg : nullptr) {}
  __host__ __device__ void row(int m) {
    int n;
    int pq = p.fd_PQ.divmod(m, n);
    rowp = y + (size_t)n * p.g.K * p.PQ + pq;
  }
  __host__ __device__ void store(int col, float v) { rowp[col * p.PQ] = conv::to_t<T>(v + (bias ? bias[col] : 0.f)); }
  T* rowp = nullptr;
};

template <typename T>
nrc_status run_fwd(const ConvParams& p) {
  return conv::launch<T, FwdA<T>, FwdB<T>, FwdEpi<T>>(p, "nrc_conv2d_fwd");
}

}  // namespace

void conv_fwd_shape(ConvParams& p) {
  p.M = p.g.N * p.g.P * p.g.Q;
  p.Ngemm = p.Kg;
  p.Kgemm = p.CgRS;
  p.splits = 1;
  p.kt_per_split = (p.Kgemm + conv::TC_BK - 1) / conv::TC_BK;
  p.kfast = p.Cg % conv::TC_BK == 0;
}

nrc_status conv_fwd_igemm(nrc_dtype dt, ConvParams& p) {
  conv_fwd_shape(p);
  NRC_DISPATCH(dt, T, return run_fwd<T>(p));
  return NRC_OK;
}

}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_conv2d_fwd(nrc_dtype dt, const nrc_conv2d_geom* g, const void* x, const void* w,
                                     const float* bias, void* y, int allow_tf32) {
  NRC_INIT();
  ConvParams p;
  nrc_status s = conv_validate("nrc_conv2d_fwd", dt, g, p);
  if (s != NRC_OK) return s;
  p.tf32 = allow_tf32 != 0;
  NRC_ARG(x && w && y, "nrc_conv2d_fwd: null x, w or y");
  if (conv_is_depthwise(p)) return conv_depthwise_fwd(dt, p, x, w, bias, y);
  p.a = x;
  p.b = w;
  p.out = y;
  p.bias = bias;
  return conv_fwd_igemm(dt, p);
}
