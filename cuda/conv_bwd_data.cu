// 2-D convolution backward data (nrc_conv2d_bwd_data; also the forward of ConvTranspose2d) as an
// implicit GEMM per group:
//   dx (M = N*H*W, Cg) = A (M, Kg*R*S) @ B (Kg*R*S, Cg)
// A row m = (n, h, w) gathers dy[n, k, p, q] for k = (r, s, k) (channel fastest; per-tile tap when
// Kg % 32 == 0) with h + ph - r*dh = p*sh and
// w + pw - s*dw = q*sw: taps whose offsets are not multiples of the stride, or fall outside
// (0..P-1, 0..Q-1), are zeros (simplest correct scheme: strided convolutions multiply those zeros
// too). B row k = (r, s, k), column c is w[k, c, r, s]. Depthwise goes to conv_depthwise.cu.
#include "conv_igemm.cuh"

namespace nrc {
namespace {

// A: dy gather; a thread keeps one input pixel m and walks k = (r, s, k) (output channel fastest).
template <typename T>
struct BdA {
  static constexpr bool kAlongK = false;
  const ConvParams& p;
  const T* dy;  // group's first channel of image 0
  const T* img = nullptr;
  const T* tap = nullptr;  // kfast: dy[n, grp*Kg + 0, p, q] of this tile's tap
  int hp = 0, wp = 0, kbase = 0;  // h + ph, w + pw
  bool ok = false, tap_ok = false;
  __host__ __device__ BdA(const ConvParams& p_, int grp) : p(p_), dy((const T*)p_.a + (size_t)grp * p_.Kg * p_.PQ) {}
  __host__ __device__ void fix(int m) {
    ok = m < p.M;
    int n, h;
    int hw = p.fd_HW.divmod(ok ? m : 0, n);
    int w = p.fd_W.divmod(hw, h);
    hp = h + p.g.ph;
    wp = w + p.g.pw;
    img = dy + (size_t)n * p.g.K * p.PQ;
  }
  // offset of dy[p, q] for tap (r, s) in the channel plane, or -1 when no output pixel uses it
  __host__ __device__ int tap_offset(int rs) const {
    int r;
    int s = p.fd_S.divmod(rs, r);
    int th = hp - r * p.g.dh, tw = wp - s * p.g.dw;
    if (th < 0 || tw < 0) return -1;
    int pp, qq;
    if (p.fd_sh.divmod(th, pp) != 0 || p.fd_sw.divmod(tw, qq) != 0) return -1;
    if (pp >= p.g.P || qq >= p.g.Q) return -1;
    return pp * p.g.Q + qq;
  }
  __host__ __device__ void tile(int k0) {
    if (!p.kfast) return;
    int rs = p.fd_Kg.div(k0);
    kbase = rs * p.Kg;
    int off = ok ? tap_offset(rs) : -1;
    tap_ok = off >= 0;
    tap = img + (tap_ok ? off : 0);
  }
  __host__ __device__ T at(int k) const {
    if (p.kfast) return tap_ok ? tap[(k - kbase) * p.PQ] : conv::zero<T>();  // Kgemm % 32 == 0: k in range
    if (!ok || k >= p.Kgemm) return conv::zero<T>();
    int rs;
    int ko = p.fd_Kg.divmod(k, rs);
    int off = tap_offset(rs);
    return off >= 0 ? img[ko * p.PQ + off] : conv::zero<T>();
  }
};

// B: w[k, c, r, s] of the group; a thread keeps one k = (r, s, k) and walks c.
template <typename T>
struct BdB {
  static constexpr bool kAlongK = true;
  const ConvParams& p;
  const T* w;
  int off = 0;
  bool ok = false;
  __host__ __device__ BdB(const ConvParams& p_, int grp) : p(p_), w((const T*)p_.b + (size_t)grp * p_.Kg * p_.CgRS) {}
  __host__ __device__ void fix(int k, int) {
    ok = k < p.Kgemm;
    int rs;
    int ko = p.fd_Kg.divmod(ok ? k : 0, rs);
    off = ko * p.CgRS + rs;
  }
  __host__ __device__ void tile(int) {}
  __host__ __device__ T at(int c) const { return ok && c < p.Ngemm ? w[off + c * p.RS] : conv::zero<T>(); }
};

// dx[n, grp*Cg + c, h, w] = acc
template <typename T>
struct BdEpi {
  const ConvParams& p;
  T* dx;
  T* rowp = nullptr;
  __host__ __device__ BdEpi(const ConvParams& p_, int grp, int) : p(p_), dx((T*)p_.out + (size_t)grp * p_.Cg * p_.HW) {}
  __host__ __device__ void row(int m) {
    int n;
    int hw = p.fd_HW.divmod(m, n);
    rowp = dx + (size_t)n * p.g.C * p.HW + hw;
  }
  __host__ __device__ void store(int c, float v) { rowp[c * p.HW] = conv::to_t<T>(v); }
};

template <typename T>
nrc_status run_bwd_data(const ConvParams& p) {
  return conv::launch<T, BdA<T>, BdB<T>, BdEpi<T>>(p, "nrc_conv2d_bwd_data");
}

}  // namespace

void conv_bwd_data_shape(ConvParams& p) {
  p.M = p.g.N * p.g.H * p.g.W;
  p.Ngemm = p.Cg;
  p.Kgemm = p.Kg * p.RS;
  p.splits = 1;
  p.kt_per_split = (p.Kgemm + conv::TC_BK - 1) / conv::TC_BK;
  p.kfast = p.Kg % conv::TC_BK == 0;
}

nrc_status conv_bwd_data_igemm(nrc_dtype dt, ConvParams& p) {
  conv_bwd_data_shape(p);
  NRC_DISPATCH(dt, T, return run_bwd_data<T>(p));
  return NRC_OK;
}

}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_conv2d_bwd_data(nrc_dtype dt, const nrc_conv2d_geom* g, const void* dy, const void* w,
                                          void* dx, int allow_tf32) {
  NRC_INIT();
  ConvParams p;
  nrc_status s = conv_validate("nrc_conv2d_bwd_data", dt, g, p);
  if (s != NRC_OK) return s;
  p.tf32 = allow_tf32 != 0;
  NRC_ARG(dy && w && dx, "nrc_conv2d_bwd_data: null dy, w or dx");
  if (conv_is_depthwise(p)) return conv_depthwise_bwd_data(dt, p, dy, w, dx);
  p.a = dy;
  p.b = w;
  p.out = dx;
  return conv_bwd_data_igemm(dt, p);
}
