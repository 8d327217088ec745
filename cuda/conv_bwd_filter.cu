// 2-D convolution backward filter (nrc_conv2d_bwd_filter) as an implicit GEMM per group:
//   dw (M = Kg, Cg*R*S) = A (Kg, N*P*Q) @ B (N*P*Q, Cg*R*S)
// A = dy viewed per group (row k, column (n, p, q)); B row (n, p, q), column (r, s, c) gathers
// x[n, c, p*sh - ph + r*dh, q*sw - pw + s*dw] (zero in the padding; one bounds check per block and
// k when Cg % 64 == 0); the epilogue writes column (r, s, c) to dw[k, c, r, s]. Both operands are walked along
// the deep reduction index N*P*Q (contiguous in memory). The reduction is split over blocks
// (split-K): each split writes fp32 partials to a workspace, summed in a fixed order by a second
// kernel (deterministic), which also converts to the output dtype. dbias[k] = sum of dy over
// (n, p, q), one block per channel (fixed order, deterministic). Depthwise: conv_depthwise.cu.
#include "conv_igemm.cuh"

namespace nrc {
namespace {

// A: dy of the group; a thread keeps one reduction index (n, pq) and walks the out channels.
template <typename T>
struct BfA {
  static constexpr bool kAlongK = true;
  const ConvParams& p;
  const T* dy;
  int off = 0;
  bool ok = false;
  __host__ __device__ BfA(const ConvParams& p_, int grp) : p(p_), dy((const T*)p_.a + (size_t)grp * p_.Kg * p_.PQ) {}
  __host__ __device__ void fix(int k, int) {
    ok = k < p.Kgemm;
    int n;
    int pq = p.fd_PQ.divmod(ok ? k : 0, n);
    off = n * p.g.K * p.PQ + pq;
  }
  __host__ __device__ void tile(int) {}
  __host__ __device__ T at(int m) const { return ok && m < p.M ? dy[off + m * p.PQ] : conv::zero<T>(); }
};

// B: x gather; a thread keeps one reduction index (n, p, q) and walks the columns (r, s, c)
// (channel fastest). kfast (Cg % 64 == 0): a block's 64 columns share one tap, checked in fix().
template <typename T>
struct BfB {
  static constexpr bool kAlongK = true;
  const ConvParams& p;
  const T* x;
  const T* img = nullptr;
  const T* tap = nullptr;  // kfast: x[n, grp*Cg + 0, h, w] of the block's tap
  int h0 = 0, w0 = 0, cbase = 0;
  bool ok = false, tap_ok = false;
  __host__ __device__ BfB(const ConvParams& p_, int grp) : p(p_), x((const T*)p_.b + (size_t)grp * p_.Cg * p_.HW) {}
  __host__ __device__ void fix(int k, int origin) {
    ok = k < p.Kgemm;
    int n, pp;
    int pq = p.fd_PQ.divmod(ok ? k : 0, n);
    int q = p.fd_Q.divmod(pq, pp);
    h0 = pp * p.g.sh - p.g.ph;
    w0 = q * p.g.sw - p.g.pw;
    img = x + (size_t)n * p.g.C * p.HW;
    if (p.kfast) {
      int rs = p.fd_Cg.div(origin), r;
      int s = p.fd_S.divmod(rs, r);
      int h = h0 + r * p.g.dh, w = w0 + s * p.g.dw;
      cbase = rs * p.Cg;
      tap_ok = ok && (unsigned)h < (unsigned)p.g.H && (unsigned)w < (unsigned)p.g.W;
      tap = tap_ok ? img + h * p.g.W + w : img;
    }
  }
  __host__ __device__ void tile(int) {}
  __host__ __device__ T at(int col) const {
    if (p.kfast) return tap_ok ? tap[(col - cbase) * p.HW] : conv::zero<T>();  // Ngemm % 64 == 0: col in range
    if (!ok || col >= p.Ngemm) return conv::zero<T>();
    int rs, r;
    int c = p.fd_Cg.divmod(col, rs);
    int s = p.fd_S.divmod(rs, r);
    int h = h0 + r * p.g.dh, w = w0 + s * p.g.dw;
    if ((unsigned)h >= (unsigned)p.g.H || (unsigned)w >= (unsigned)p.g.W) return conv::zero<T>();
    return img[c * p.HW + h * p.g.W + w];
  }
};

// fp32 partial of split `split`: out[split][grp*Kg + m][c, r, s] for column (r, s, c) (out = dw
// itself when fp32 and 1 split)
struct BfEpi {
  const ConvParams& p;
  float* base;
  float* rowp = nullptr;
  __host__ __device__ BfEpi(const ConvParams& p_, int grp, int split)
      : p(p_), base((float*)p_.out + (size_t)split * p_.g.K * p_.CgRS + (size_t)grp * p_.Kg * p_.CgRS) {}
  __host__ __device__ void row(int m) { rowp = base + (size_t)m * p.CgRS; }
  __host__ __device__ void store(int col, float v) {
    int rs;
    int c = p.fd_Cg.divmod(col, rs);
    rowp[c * p.RS + rs] = v;
  }
};

// dw[i] = sum over splits of part[s][i], in split order
template <typename T>
__global__ void splitk_reduce_kernel(const float* __restrict__ part, T* __restrict__ dw, int n, int splits) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    float s = 0.f;
    for (int k = 0; k < splits; k++) s += part[(size_t)k * n + i];
    dw[i] = from_f<T>(s);
  }
}

// dbias[k] = sum over n, pq of dy[n, k, pq]; one block per channel k
template <typename T>
__global__ void dbias_kernel(const T* __restrict__ dy, float* __restrict__ dbias, int N, int K, int PQ) {
  __shared__ float shm[32];
  const int k = blockIdx.x;
  float s = 0.f;
  for (int n = 0; n < N; n++) {
    const T* row = dy + ((size_t)n * K + k) * PQ;
    for (int i = threadIdx.x; i < PQ; i += blockDim.x) s += to_f(row[i]);
  }
  s = block_sum(s, shm);
  if (threadIdx.x == 0) dbias[k] = s;
}

template <typename T>
nrc_status run_bwd_filter(const ConvParams& p) {
  return conv::launch<T, BfA<T>, BfB<T>, BfEpi>(p, "nrc_conv2d_bwd_filter");
}

}  // namespace

void conv_bwd_filter_shape(ConvParams& p, int sms) {
  p.M = p.Kg;
  p.Ngemm = p.CgRS;
  p.Kgemm = p.g.N * p.PQ;
  p.kfast = p.Cg % conv::TC_BN == 0;
  // Split-K: about two waves of blocks, at least 4 k-tiles (128 of N*P*Q) per split, partials <= 64 MiB.
  const int KT = (p.Kgemm + conv::TC_BK - 1) / conv::TC_BK;
  const int64_t tiles = (int64_t)((p.M + 127) / 128) * ((p.Ngemm + 63) / 64) * p.g.groups;
  const int64_t wcount = (int64_t)p.g.K * p.CgRS;
  int64_t splits = std::max<int64_t>(1, 2 * (int64_t)sms / std::max<int64_t>(tiles, 1));
  splits = std::min<int64_t>(splits, std::max(1, KT / 4));
  splits = std::min<int64_t>(splits, std::max<int64_t>(1, ((int64_t)16 << 20) / wcount));
  splits = std::min<int64_t>(splits, std::max(1, 65535 / p.g.groups));
  p.kt_per_split = (int)((KT + splits - 1) / splits);
  p.splits = (KT + p.kt_per_split - 1) / p.kt_per_split;
}

nrc_status conv_bwd_filter_igemm(nrc_dtype dt, ConvParams& p, float* partials) {
  p.out = partials;
  NRC_DISPATCH(dt, T, return run_bwd_filter<T>(p));
  return NRC_OK;
}

}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_conv2d_bwd_filter(nrc_dtype dt, const nrc_conv2d_geom* g, const void* x, const void* dy,
                                            void* dw, float* dbias, int allow_tf32) {
  NRC_INIT();
  ConvParams p;
  nrc_status s = conv_validate("nrc_conv2d_bwd_filter", dt, g, p);
  if (s != NRC_OK) return s;
  p.tf32 = allow_tf32 != 0;
  NRC_ARG(x && dy && dw, "nrc_conv2d_bwd_filter: null x, dy or dw");
  if (dbias) {
    NRC_DISPATCH(dt, T, dbias_kernel<T><<<p.g.K, 256, 0, stream()>>>((const T*)dy, dbias, p.g.N, p.g.K, p.PQ));
    NRC_LAUNCHED("nrc_conv2d_bwd_filter (dbias)");
  }
  if (conv_is_depthwise(p)) return conv_depthwise_bwd_filter(dt, p, x, dy, dw);

  conv_bwd_filter_shape(p, props().sms);
  p.a = dy;
  p.b = x;
  const int64_t wcount = (int64_t)p.g.K * p.CgRS;
  if (dt == NRC_F32 && p.splits == 1) return conv_bwd_filter_igemm(dt, p, (float*)dw);

  void* ws = nullptr;
  s = nrc_malloc(&ws, (size_t)p.splits * wcount * sizeof(float));
  if (s != NRC_OK) return s;
  s = conv_bwd_filter_igemm(dt, p, (float*)ws);
  if (s == NRC_OK) {
    unsigned blocks = grid_for((size_t)wcount, 256, (unsigned)props().sms * 8);
    NRC_DISPATCH(dt, T, splitk_reduce_kernel<T><<<blocks, 256, 0, stream()>>>((const float*)ws, (T*)dw, (int)wcount, p.splits));
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) s = cuda_error(e, "nrc_conv2d_bwd_filter (split-K reduce)");
  }
  nrc_free(ws);  // stream-ordered: released after the kernels that use it
  return s;
}
