// Flash attention forward (FA2 scheme) for bf16/fp16 with fp32 accumulation, head dim 64 or 128,
// causal or not, on tensor cores with mma.sync m16n8k16 (sm_80+).
// q (B,H,Nq,D), k/v (B,H,Nk,D), out (B,H,Nq,D) by strides (last dim contiguous); lse (B,H,Nq).
// A block of 4 or 8 warps owns 64 or 128 query rows (16 or 32 per warp) and streams 64- or 128-key tiles of K and V through
// double-buffered shared memory (cp.async). Per tile: S = Q K^T (Q fragments stay in registers),
// online softmax in fp32 (exp2 with the scale folded in), P is re-packed from the S accumulators
// into A fragments without touching shared memory, O += P V (V read with ldmatrix.trans).
// Shared rows are XOR-swizzled in 16-byte chunks (chunk ^ row%8) so ldmatrix is conflict-free.
// Causal blocks skip key tiles above the diagonal and run heaviest-first. The causal diagonal is
// offset (row i sees keys j <= i + off: 0 = top-left as PyTorch, Nk - Nq = bottom-right), and an
// optional additive float32 mask with broadcast strides is added in the log2 domain (flash_tiles.cuh).
// Rows that see no key output 0 and lse -inf (as neurona's CPU kernel: zero output, zero gradient).
#include "flash_smem.cuh"
#include "flash_tiles.cuh"

namespace nrc {
namespace {

using flash::swz;
using flash::fast_exp2;
using flash::load_rows;

struct FlashParams {
  const void *q, *k, *v;
  void* o;
  float* lse;
  nrc_strides sq, sk, sv, so;
  int H, Nq, Nk;
  float scale_log2;  // softmax scale * log2(e)
  int off;           // causal: row i sees keys <= i + off
  flash::Mask mask;  // additive mask (p == nullptr: none)
};

// WARPS warps, each owning MT m-tiles of 16 query rows (BR = WARPS*16*MT rows per block). With
// MT == 1 the Q fragments stay in registers; with MT == 2 (32 rows per warp, as FA2 does) they are
// re-read from shared memory per k-step, and every K/V fragment feeds two mma instead of one.
template <typename T, int D, bool CAUSAL, bool MASK, int WARPS, int MT, int BC>
__global__ void __launch_bounds__(WARPS * 32, (WARPS == 4 && MT == 1 && BC == 64) ? 2 : 1) flash_fwd_kernel(FlashParams p) {
  constexpr int THREADS = WARPS * 32, BR = WARPS * 16 * MT;
  constexpr bool Q_IN_REGS = MT == 1;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  extern __shared__ __align__(128) unsigned char smem_raw[];
  T* sQ = reinterpret_cast<T*>(smem_raw);
  T* sK = sQ + BR * D;      // 2 buffers
  T* sV = sK + 2 * BC * D;  // 2 buffers
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  const int qb = CAUSAL ? gridDim.x - 1 - blockIdx.x : blockIdx.x;
  const int h = blockIdx.y, b = blockIdx.z;
  const int q0 = qb * BR;
  const int off = p.off;
  // with a mask the scores are scaled (and masked) before the max, so the exp2 below scales by 1
  const float sl = MASK ? 1.f : p.scale_log2;
  const float* mbase = MASK ? p.mask.p + b * p.mask.sb + h * p.mask.sh : nullptr;
  const T* Q = (const T*)p.q + b * p.sq.batch + h * p.sq.head + (int64_t)q0 * p.sq.seq;
  const T* Kp = (const T*)p.k + b * p.sk.batch + h * p.sk.head;
  const T* Vp = (const T*)p.v + b * p.sv.batch + h * p.sv.head;

  const int n_kt = flash::fwd_key_tiles(q0, BR, BC, p.Nk, CAUSAL, off);

  load_rows<T, D, THREADS>(sQ, Q, p.sq.seq, BR, p.Nq - q0, tid);
  if (n_kt > 0) {
    load_rows<T, D, THREADS>(sK, Kp, p.sk.seq, BC, p.Nk, tid);
    load_rows<T, D, THREADS>(sV, Vp, p.sv.seq, BC, p.Nk, tid);
  }
  cp_async_commit();

  const int q = lane / 8, r8 = lane % 8;
  const int wrow = warp * 16 * MT;  // first row of this warp within the block
  uint32_t qf[Q_IN_REGS ? D / 16 : 1][4];
  float o[MT][D / 8][4];
  float m_r[MT][2], l_r[MT][2];
#pragma unroll
  for (int mt = 0; mt < MT; mt++) {
    m_r[mt][0] = m_r[mt][1] = -INFINITY;
    l_r[mt][0] = l_r[mt][1] = 0.f;
#pragma unroll
    for (int i = 0; i < D / 8; i++) o[mt][i][0] = o[mt][i][1] = o[mt][i][2] = o[mt][i][3] = 0.f;
  }
  const int row0 = q0 + wrow + lane / 4;  // rows of m-tile mt: row0 + mt*16 and row0 + mt*16 + 8

  for (int j = 0; j < n_kt; j++) {
    const int buf = j & 1;
    if (j + 1 < n_kt) {
      int k0 = (j + 1) * BC;
      load_rows<T, D, THREADS>(sK + (buf ^ 1) * BC * D, Kp + (int64_t)k0 * p.sk.seq, p.sk.seq, BC, p.Nk - k0, tid);
      load_rows<T, D, THREADS>(sV + (buf ^ 1) * BC * D, Vp + (int64_t)k0 * p.sv.seq, p.sv.seq, BC, p.Nk - k0, tid);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      cp_async_wait<0>();
    }
    __syncthreads();
    if (Q_IN_REGS && j == 0) {
#pragma unroll
      for (int ks = 0; ks < (Q_IN_REGS ? D / 16 : 0); ks++)
        ldmatrix_x4(qf[ks], smem_u32(sQ + swz<D>(wrow + (q % 2) * 8 + r8, ks * 16 + (q / 2) * 8)));
    }
    const T* tK = sK + buf * BC * D;
    const T* tV = sV + buf * BC * D;

    // S (16*MT x 64 per warp) = Q K^T
    float s[MT][BC / 8][4];
#pragma unroll
    for (int mt = 0; mt < MT; mt++)
#pragma unroll
      for (int i = 0; i < BC / 8; i++) s[mt][i][0] = s[mt][i][1] = s[mt][i][2] = s[mt][i][3] = 0.f;
#pragma unroll
    for (int ks = 0; ks < D / 16; ks++) {
      uint32_t a[MT][4];
#pragma unroll
      for (int mt = 0; mt < MT; mt++) {
        if (Q_IN_REGS) {
#pragma unroll
          for (int i = 0; i < 4; i++) a[mt][i] = qf[Q_IN_REGS ? ks : 0][i];
        } else {
          ldmatrix_x4(a[mt], smem_u32(sQ + swz<D>(wrow + mt * 16 + (q % 2) * 8 + r8, ks * 16 + (q / 2) * 8)));
        }
      }
#pragma unroll
      for (int np = 0; np < BC / 16; np++) {
        uint32_t r[4];
        ldmatrix_x4(r, smem_u32(tK + swz<D>(np * 16 + (q / 2) * 8 + r8, ks * 16 + (q % 2) * 8)));
#pragma unroll
        for (int mt = 0; mt < MT; mt++) {
          mma16816<T>(s[mt][2 * np], a[mt], r[0], r[1]);
          mma16816<T>(s[mt][2 * np + 1], a[mt], r[2], r[3]);
        }
      }
    }

    // Scale, mask (sequence tail / causal diagonal), online softmax; then O += P V.
    const int k0 = j * BC;
    uint32_t pa[MT][BC / 16][4];
#pragma unroll
    for (int mt = 0; mt < MT; mt++) {
      const int mrow = q0 + wrow + mt * 16;  // first row of the m-tile
      const bool need_mask = flash::fwd_tile_needs_check(mrow, k0, BC, p.Nk, CAUSAL, off);
      // raw scores: the max is taken unscaled, the scale folds into one FFMA per exp2 below;
      // m_r holds the running max already scaled (log2 domain)
      float mx[2] = {-INFINITY, -INFINITY};
#pragma unroll
      for (int nt = 0; nt < BC / 8; nt++)
#pragma unroll
        for (int e = 0; e < 4; e++) {
          float x = s[mt][nt][e];
          if (need_mask || MASK) {
            int key = k0 + nt * 8 + (lane % 4) * 2 + (e & 1);
            int row = row0 + mt * 16 + (e >> 1) * 8;
            if (key >= p.Nk || (CAUSAL && key > row + off)) x = -INFINITY;
            else if (MASK) x = row < p.Nq ? fmaf(x, p.scale_log2, mbase[row * p.mask.si + key * p.mask.sj] * flash::kLog2e) : -INFINITY;
          }
          s[mt][nt][e] = x;
          mx[e >> 1] = fmaxf(mx[e >> 1], x);
        }
      float alpha[2], mu[2];
#pragma unroll
      for (int r = 0; r < 2; r++) {
        mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 1));
        mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 2));
        float m_new = fmaxf(m_r[mt][r], mx[r] * sl);  // scale > 0, so -inf stays -inf
        mu[r] = m_new == -INFINITY ? 0.f : m_new;  // fully masked so far: keep exp2 finite
        alpha[r] = fast_exp2(m_r[mt][r] - mu[r]);  // m_r = -inf -> 0
        m_r[mt][r] = m_new;
        l_r[mt][r] *= alpha[r];
      }
#pragma unroll
      for (int nt = 0; nt < BC / 8; nt++)
#pragma unroll
        for (int e = 0; e < 4; e++) {
          float pe = fast_exp2(fmaf(s[mt][nt][e], sl, -mu[e >> 1]));
          s[mt][nt][e] = pe;
          l_r[mt][e >> 1] += pe;
        }
#pragma unroll
      for (int dt = 0; dt < D / 8; dt++) {
        o[mt][dt][0] *= alpha[0]; o[mt][dt][1] *= alpha[0];
        o[mt][dt][2] *= alpha[1]; o[mt][dt][3] *= alpha[1];
      }
      // P's C-fragments of n-tiles (2kk, 2kk+1) are the A-fragment of key step kk.
#pragma unroll
      for (int kk = 0; kk < BC / 16; kk++) {
        pa[mt][kk][0] = pack2<T>(s[mt][2 * kk][0], s[mt][2 * kk][1]);
        pa[mt][kk][1] = pack2<T>(s[mt][2 * kk][2], s[mt][2 * kk][3]);
        pa[mt][kk][2] = pack2<T>(s[mt][2 * kk + 1][0], s[mt][2 * kk + 1][1]);
        pa[mt][kk][3] = pack2<T>(s[mt][2 * kk + 1][2], s[mt][2 * kk + 1][3]);
      }
    }
#pragma unroll
    for (int kk = 0; kk < BC / 16; kk++) {
#pragma unroll
      for (int dp = 0; dp < D / 16; dp++) {
        uint32_t r[4];
        ldmatrix_x4_trans(r, smem_u32(tV + swz<D>(kk * 16 + (q % 2) * 8 + r8, dp * 16 + (q / 2) * 8)));
#pragma unroll
        for (int mt = 0; mt < MT; mt++) {
          mma16816<T>(o[mt][2 * dp], pa[mt][kk], r[0], r[1]);
          mma16816<T>(o[mt][2 * dp + 1], pa[mt][kk], r[2], r[3]);
        }
      }
    }
    __syncthreads();  // the next iteration's prefetch overwrites this buffer
  }
  cp_async_wait<0>();

  // Normalise and write O and the log-sum-exp.
  T* O = (T*)p.o + b * p.so.batch + h * p.so.head;
#pragma unroll
  for (int mt = 0; mt < MT; mt++)
#pragma unroll
    for (int r = 0; r < 2; r++) {
      float l = l_r[mt][r];
      l += __shfl_xor_sync(0xffffffffu, l, 1);
      l += __shfl_xor_sync(0xffffffffu, l, 2);
      int row = row0 + mt * 16 + r * 8;
      float inv = l > 0.f ? 1.f / l : 0.f;
      if (row < p.Nq) {
        T* orow = O + (int64_t)row * p.so.seq;
#pragma unroll
        for (int dt = 0; dt < D / 8; dt++)
          *reinterpret_cast<uint32_t*>(orow + dt * 8 + (lane % 4) * 2) =
              pack2<T>(o[mt][dt][2 * r] * inv, o[mt][dt][2 * r + 1] * inv);
        if (p.lse && lane % 4 == 0)
          p.lse[((int64_t)b * p.H + h) * p.Nq + row] =
              l > 0.f ? (m_r[mt][r] + __log2f(l)) * 0.6931471805599453f : -INFINITY;
      }
    }
#endif
}

template <typename T, int D, bool CAUSAL, int WARPS, int MT, int BC, bool MASK = false>
nrc_status launch(const FlashParams& p, int B) {
  constexpr int BR = WARPS * 16 * MT;
  constexpr int smem = (BR * D + 4 * BC * D) * sizeof(T);
  auto kern = flash_fwd_kernel<T, D, CAUSAL, MASK, WARPS, MT, BC>;
  NRC_CUDA(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, smem), "nrc_flash_attn_fwd");
  dim3 grid((p.Nq + BR - 1) / BR, p.H, B);
  kern<<<grid, WARPS * 32, smem, stream()>>>(p);
  NRC_LAUNCHED("nrc_flash_attn_fwd");
  return NRC_OK;
}

template <typename T, int WARPS, int MT, int BC>
nrc_status dispatch(const FlashParams& p, int B, int D, bool causal) {
  if (D == 64) return causal ? launch<T, 64, true, WARPS, MT, BC>(p, B) : launch<T, 64, false, WARPS, MT, BC>(p, B);
  return causal ? launch<T, 128, true, WARPS, MT, BC>(p, B) : launch<T, 128, false, WARPS, MT, BC>(p, B);
}

// Block configurations (warps x rows per warp, keys per tile): 1 = 4x16, 64 keys; 3 = 4x32, 64 keys.
// Also measured on H100 and dropped (slower everywhere, see cuda/dev/NOTES.md): 2 = 8x16, 64 keys;
// 4 = 8x16, 128 keys. dispatch<T, 8, 1, 64|128> brings them back.
template <typename T>
nrc_status dispatch_cfg(int cfg, const FlashParams& p, int B, int D, bool causal) {
  if (p.mask.p) {  // masked: one configuration (4 warps x 16 rows) to bound the number of kernels
    if (D == 64) return causal ? launch<T, 64, true, 4, 1, 64, true>(p, B) : launch<T, 64, false, 4, 1, 64, true>(p, B);
    return causal ? launch<T, 128, true, 4, 1, 64, true>(p, B) : launch<T, 128, false, 4, 1, 64, true>(p, B);
  }
  if (cfg == 1) return dispatch<T, 4, 1, 64>(p, B, D, causal);
  if (cfg == 3) return dispatch<T, 4, 2, 64>(p, B, D, causal);
  return set_error(NRC_ERR_INVALID_ARG, "nrc_flash_attn_fwd: unknown block configuration");
}

bool strides_ok(const nrc_strides& s) { return s.batch % 8 == 0 && s.head % 8 == 0 && s.seq % 8 == 0; }

}  // namespace

// Block configuration (see dispatch_cfg): 0 = default; the dev harness times each.
int g_flash_cfg = 0;

}  // namespace nrc

using namespace nrc;

static nrc_status flash_fwd(const char* fn, nrc_dtype dt, const void* q, nrc_strides sq, const void* k, nrc_strides sk,
                            const void* v, nrc_strides sv, void* out, nrc_strides so, float* lse, int B, int H, int Nq,
                            int Nk, int D, float scale, int causal, int causal_offset, const nrc_attn_mask* mask) {
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, fn);
  NRC_ARG(B >= 0 && H >= 0 && Nq >= 0 && Nk >= 0, "nrc_flash_attn_fwd: negative size");
  if (!B || !H || !Nq) return NRC_OK;
  if (dt != NRC_BF16 && dt != NRC_F16)
    return set_error(NRC_ERR_UNSUPPORTED, "nrc_flash_attn_fwd: bfloat16/float16 only");
  if (D != 64 && D != 128) return set_error(NRC_ERR_UNSUPPORTED, "nrc_flash_attn_fwd: head dim must be 64 or 128");
  if (props().cc < 80) return set_error(NRC_ERR_UNSUPPORTED, "nrc_flash_attn_fwd: needs an sm_80+ GPU");
  NRC_ARG(q && k && v && out, "nrc_flash_attn_fwd: null pointer");
  NRC_ARG(Nk > 0, "nrc_flash_attn_fwd: Nk must be positive");
  NRC_ARG(scale > 0.f, "nrc_flash_attn_fwd: scale must be positive");
  NRC_ARG(H <= 65535 && B <= 65535, "nrc_flash_attn_fwd: too many heads or batches");
  if (!strides_ok(sq) || !strides_ok(sk) || !strides_ok(sv) || !strides_ok(so) || ((uintptr_t)q & 15) ||
      ((uintptr_t)k & 15) || ((uintptr_t)v & 15) || ((uintptr_t)out & 15))
    return set_error(NRC_ERR_UNSUPPORTED, "nrc_flash_attn_fwd: strides must be multiples of 8 elements, pointers 16-byte aligned");
  flash::Mask m{nullptr, 0, 0, 0, 0};
  if (mask && mask->ptr) m = {mask->ptr, mask->batch, mask->head, mask->query, mask->key};
  FlashParams p{q, k, v, out, lse, sq, sk, sv, so, H, Nq, Nk, scale * flash::kLog2e, causal_offset, m};
  // Defaults from H100 measurements (cuda/dev/NOTES.md): 4 warps x 32 rows, except causal d=128
  // where 4 warps x 16 rows (two blocks per SM) balances the triangle better.
  int cfg = g_flash_cfg ? g_flash_cfg : (D == 128 && causal ? 1 : 3);
  if (dt == NRC_BF16) return dispatch_cfg<__nv_bfloat16>(cfg, p, B, D, causal != 0);
  return dispatch_cfg<__half>(cfg, p, B, D, causal != 0);
}

extern "C" nrc_status nrc_flash_attn_fwd(nrc_dtype dt, const void* q, nrc_strides sq, const void* k, nrc_strides sk,
                                         const void* v, nrc_strides sv, void* out, nrc_strides so, float* lse, int B,
                                         int H, int Nq, int Nk, int D, float scale, int causal) {
  return flash_fwd("nrc_flash_attn_fwd", dt, q, sq, k, sk, v, sv, out, so, lse, B, H, Nq, Nk, D, scale, causal, Nk - Nq, nullptr);
}

extern "C" nrc_status nrc_flash_attn_fwd_ex(nrc_dtype dt, const void* q, nrc_strides sq, const void* k, nrc_strides sk,
                                            const void* v, nrc_strides sv, void* out, nrc_strides so, float* lse, int B,
                                            int H, int Nq, int Nk, int D, float scale, int causal, int causal_offset,
                                            const nrc_attn_mask* mask) {
  return flash_fwd("nrc_flash_attn_fwd_ex", dt, q, sq, k, sk, v, sv, out, so, lse, B, H, Nq, Nk, D, scale, causal, causal_offset, mask);
}
