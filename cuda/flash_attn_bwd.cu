// Flash attention backward (FA2 scheme) for bf16/fp16 with fp32 accumulation, head dim 64 or 128,
// causal with any diagonal offset and/or an additive float32 mask, on mma.sync m16n8k16 (sm_80+).
// q, dq, out, dout (B,H,Nq,D), k, v, dk, dv (B,H,Nk,D) by strides (last dim contiguous); lse (B,H,Nq)
// float32 (natural log) from the forward. Three kernels:
//   1. pre-pass, a warp per query row: dsum_i = rowsum(dO_i * O_i) (fp32), lse2_i = lse_i*log2(e)
//      (+inf for rows that saw no key, so their P is 0), dq_acc row = 0.
//   2. main kernel, a block (4 warps) per 64-key tile and (b, h): dK, dV accumulate in registers
//      (each warp owns 16 keys) while the block walks the query tiles of 64 rows that see any of its
//      keys (causal tiles above the diagonal are skipped): S^T = K Q^T, P^T = exp2(S^T*scale_log2 +
//      mask*log2e - lse2), dP^T = V dO^T, dS^T = P^T (dP^T - dsum), dV += P^T dO, dK += dS^T Q
//      (P^T / dS^T re-packed from accumulators as A fragments), dS^T goes through shared memory and
//      each warp adds dS K for 16 query rows into the fp32 dq_acc with atomicAdd.
//   3. convert: dq = dq_acc * scale in T.
// dQ by atomics rather than a second pass over query tiles: the second pass would recompute S, P and
// dP (3 of the 5 GEMMs again); fp32 atomics into L2 cost far less, as in FlashAttention-2. The price
// is run-to-run variation in dq's low bits (summation order).
// Q and dO tiles are double-buffered with cp.async when shared memory allows (not d=128 on 99 KB parts).
#include "flash_smem.cuh"
#include "flash_tiles.cuh"

namespace nrc {
namespace {

using flash::swz;

struct BwdParams {
  const void *q, *k, *v, *o, *dout;
  void *dq, *dk, *dv;
  nrc_strides sq, sk, sv, so, sdo, sdq, sdk, sdv;
  const float* lse;
  float *dq_acc, *dsum, *lse2;  // workspace: (B,H,Nq,D), (B,H,Nq), (B,H,Nq)
  int H, Nq, Nk;
  float scale, scale_log2;
  int off;
  flash::Mask mask;
};

constexpr int kBR = 64, kBC = 64, kThreads = 128;

// Pre-pass: 8 warps per block, a warp per row of (B*H*Nq).
template <typename T, int D>
__global__ void __launch_bounds__(256) flash_bwd_pre(BwdParams p, int64_t rows) {
  const int64_t row = (int64_t)blockIdx.x * 8 + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const int i = (int)(row % p.Nq);
  const int64_t bh = row / p.Nq, b = bh / p.H, h = bh % p.H;
  const T* o = (const T*)p.o + b * p.so.batch + h * p.so.head + (int64_t)i * p.so.seq;
  const T* g = (const T*)p.dout + b * p.sdo.batch + h * p.sdo.head + (int64_t)i * p.sdo.seq;
  float acc = 0.f;
#pragma unroll
  for (int c = lane; c < D; c += 32) acc += to_f(o[c]) * to_f(g[c]);
#pragma unroll
  for (int m = 16; m > 0; m >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, m);
  float* qa = p.dq_acc + row * D;
#pragma unroll
  for (int c = lane; c < D; c += 32) qa[c] = 0.f;
  if (lane == 0) {
    p.dsum[row] = acc;
    p.lse2[row] = flash::lse_to_log2(p.lse[row]);
  }
}

template <typename T, int D, bool CAUSAL, bool MASK, int STAGES>
__global__ void __launch_bounds__(kThreads, D == 64 ? 2 : 1) flash_bwd_kernel(BwdParams p) {
  constexpr int BR = kBR, BC = kBC;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  extern __shared__ __align__(128) unsigned char smem_raw[];
  T* sK = reinterpret_cast<T*>(smem_raw);  // [BC][D]
  T* sV = sK + BC * D;                     // [BC][D]
  T* sQ = sV + BC * D;                     // STAGES x [BR][D]
  T* sdO = sQ + STAGES * BR * D;           // STAGES x [BR][D]
  T* sdS = sdO + STAGES * BR * D;          // [BC][BR]: dS^T, row = key, col = query
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  const int q = lane / 8, r8 = lane % 8, g = lane / 4, c = lane % 4;
  const int h = blockIdx.y, b = blockIdx.z, k0 = blockIdx.x * BC;
  const T* Qp = (const T*)p.q + b * p.sq.batch + h * p.sq.head;
  const T* dOp = (const T*)p.dout + b * p.sdo.batch + h * p.sdo.head;
  const int64_t rbase = ((int64_t)b * p.H + h) * p.Nq;  // row index of (b, h, 0) in lse2/dsum/dq_acc
  const float* L2 = p.lse2 + rbase;
  const float* DS = p.dsum + rbase;
  float* dQa = p.dq_acc + rbase * D;
  const float* mbase = MASK ? p.mask.p + b * p.mask.sb + h * p.mask.sh : nullptr;
  const int m_begin = flash::bwd_query_begin(k0, BR, CAUSAL, p.off), m_end = flash::bwd_query_end(p.Nq, BR);

  flash::load_rows<T, D, kThreads>(sK, (const T*)p.k + b * p.sk.batch + h * p.sk.head + (int64_t)k0 * p.sk.seq, p.sk.seq, BC, p.Nk - k0, tid);
  flash::load_rows<T, D, kThreads>(sV, (const T*)p.v + b * p.sv.batch + h * p.sv.head + (int64_t)k0 * p.sv.seq, p.sv.seq, BC, p.Nk - k0, tid);
  if (m_begin < m_end) {
    const int q0 = m_begin * BR;
    flash::load_rows<T, D, kThreads>(sQ, Qp + (int64_t)q0 * p.sq.seq, p.sq.seq, BR, p.Nq - q0, tid);
    flash::load_rows<T, D, kThreads>(sdO, dOp + (int64_t)q0 * p.sdo.seq, p.sdo.seq, BR, p.Nq - q0, tid);
  }
  cp_async_commit();

  float dk[D / 8][4], dv[D / 8][4];
#pragma unroll
  for (int i = 0; i < D / 8; i++)
#pragma unroll
    for (int e = 0; e < 4; e++) dk[i][e] = dv[i][e] = 0.f;
  const int kw = warp * 16;  // this warp's first key within the tile

  for (int m = m_begin; m < m_end; m++) {
    const int buf = STAGES == 2 ? (m - m_begin) & 1 : 0;
    const int q0 = m * BR;
    if (STAGES == 2 && m + 1 < m_end) {
      const int q1 = q0 + BR, nb = (buf ^ 1) * BR * D;
      flash::load_rows<T, D, kThreads>(sQ + nb, Qp + (int64_t)q1 * p.sq.seq, p.sq.seq, BR, p.Nq - q1, tid);
      flash::load_rows<T, D, kThreads>(sdO + nb, dOp + (int64_t)q1 * p.sdo.seq, p.sdo.seq, BR, p.Nq - q1, tid);
      cp_async_commit();
      cp_async_wait<1>();
    } else {
      if (STAGES == 1 && m > m_begin) {  // the previous iteration's final barrier freed the buffer
        flash::load_rows<T, D, kThreads>(sQ, Qp + (int64_t)q0 * p.sq.seq, p.sq.seq, BR, p.Nq - q0, tid);
        flash::load_rows<T, D, kThreads>(sdO, dOp + (int64_t)q0 * p.sdo.seq, p.sdo.seq, BR, p.Nq - q0, tid);
        cp_async_commit();
      }
      cp_async_wait<0>();
    }
    __syncthreads();
    const T* tQ = sQ + buf * BR * D;
    const T* tO = sdO + buf * BR * D;

    // S^T = K Q^T and dP^T = V dO^T: 16 keys x BR queries per warp.
    float s[BR / 8][4], dp[BR / 8][4];
#pragma unroll
    for (int i = 0; i < BR / 8; i++)
#pragma unroll
      for (int e = 0; e < 4; e++) s[i][e] = dp[i][e] = 0.f;
#pragma unroll
    for (int ks = 0; ks < D / 16; ks++) {
      uint32_t ak[4], av[4];
      ldmatrix_x4(ak, smem_u32(sK + swz<D>(kw + (q % 2) * 8 + r8, ks * 16 + (q / 2) * 8)));
      ldmatrix_x4(av, smem_u32(sV + swz<D>(kw + (q % 2) * 8 + r8, ks * 16 + (q / 2) * 8)));
#pragma unroll
      for (int np = 0; np < BR / 16; np++) {
        uint32_t r[4];
        ldmatrix_x4(r, smem_u32(tQ + swz<D>(np * 16 + (q / 2) * 8 + r8, ks * 16 + (q % 2) * 8)));
        mma16816<T>(s[2 * np], ak, r[0], r[1]);
        mma16816<T>(s[2 * np + 1], ak, r[2], r[3]);
        ldmatrix_x4(r, smem_u32(tO + swz<D>(np * 16 + (q / 2) * 8 + r8, ks * 16 + (q % 2) * 8)));
        mma16816<T>(dp[2 * np], av, r[0], r[1]);
        mma16816<T>(dp[2 * np + 1], av, r[2], r[3]);
      }
    }

    // P^T and dS^T in place (s <- P^T, dp <- dS^T). Element e of n-tile nt: key kw + g + (e/2)*8,
    // query nt*8 + 2c + e%2 of the tile.
    const bool check = MASK || flash::tile_needs_check(q0, BR, k0, BC, p.Nq, p.Nk, CAUSAL, p.off);
#pragma unroll
    for (int nt = 0; nt < BR / 8; nt++)
#pragma unroll
      for (int e2 = 0; e2 < 2; e2++) {
        const int row = q0 + nt * 8 + 2 * c + e2;
        const bool in = row < p.Nq;
        const float l2 = in ? L2[row] : INFINITY, dd = in ? DS[row] : 0.f;
#pragma unroll
        for (int hi = 0; hi < 2; hi++) {
          const int e = hi * 2 + e2, key = k0 + kw + g + hi * 8;
          float pe = 0.f;
          if (!check || flash::visible(row, key, p.Nq, p.Nk, CAUSAL, p.off)) {
            float x = MASK ? fmaf(s[nt][e], p.scale_log2, mbase[row * p.mask.si + key * p.mask.sj] * flash::kLog2e)
                           : s[nt][e] * p.scale_log2;
            pe = flash::fast_exp2(x - l2);
          }
          s[nt][e] = pe;
          dp[nt][e] = pe * (dp[nt][e] - dd);
        }
      }

    // dV += P^T dO and dK += dS^T Q: A fragments (m = key, k = query) re-packed from s / dp,
    // B fragments (k = query, n = d) from the [query][d] tiles with ldmatrix.trans.
#pragma unroll
    for (int kk = 0; kk < BR / 16; kk++) {
      uint32_t pa[4], da[4];
      pa[0] = pack2<T>(s[2 * kk][0], s[2 * kk][1]);
      pa[1] = pack2<T>(s[2 * kk][2], s[2 * kk][3]);
      pa[2] = pack2<T>(s[2 * kk + 1][0], s[2 * kk + 1][1]);
      pa[3] = pack2<T>(s[2 * kk + 1][2], s[2 * kk + 1][3]);
      da[0] = pack2<T>(dp[2 * kk][0], dp[2 * kk][1]);
      da[1] = pack2<T>(dp[2 * kk][2], dp[2 * kk][3]);
      da[2] = pack2<T>(dp[2 * kk + 1][0], dp[2 * kk + 1][1]);
      da[3] = pack2<T>(dp[2 * kk + 1][2], dp[2 * kk + 1][3]);
      // dS^T to shared, [key][query], for the dQ product below
      *reinterpret_cast<uint32_t*>(sdS + swz<BR>(kw + g, kk * 16 + 2 * c)) = da[0];
      *reinterpret_cast<uint32_t*>(sdS + swz<BR>(kw + g + 8, kk * 16 + 2 * c)) = da[1];
      *reinterpret_cast<uint32_t*>(sdS + swz<BR>(kw + g, kk * 16 + 8 + 2 * c)) = da[2];
      *reinterpret_cast<uint32_t*>(sdS + swz<BR>(kw + g + 8, kk * 16 + 8 + 2 * c)) = da[3];
#pragma unroll
      for (int dt = 0; dt < D / 16; dt++) {
        uint32_t r[4];
        ldmatrix_x4_trans(r, smem_u32(tO + swz<D>(kk * 16 + (q % 2) * 8 + r8, dt * 16 + (q / 2) * 8)));
        mma16816<T>(dv[2 * dt], pa, r[0], r[1]);
        mma16816<T>(dv[2 * dt + 1], pa, r[2], r[3]);
        ldmatrix_x4_trans(r, smem_u32(tQ + swz<D>(kk * 16 + (q % 2) * 8 + r8, dt * 16 + (q / 2) * 8)));
        mma16816<T>(dk[2 * dt], da, r[0], r[1]);
        mma16816<T>(dk[2 * dt + 1], da, r[2], r[3]);
      }
    }
    __syncthreads();

    // dQ rows q0 + 16*warp .. +15 += dS (16 x BC) K (BC x D): A (m = query, k = key) from the
    // [key][query] tile with ldmatrix.trans, B (k = key, n = d) from sK with ldmatrix.trans; 64
    // columns of D at a time, added to dq_acc with fp32 atomics.
#pragma unroll
    for (int ch = 0; ch < D / 64; ch++) {
      float acc[8][4];
#pragma unroll
      for (int i = 0; i < 8; i++) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.f;
#pragma unroll
      for (int kk = 0; kk < BC / 16; kk++) {
        uint32_t a[4];
        ldmatrix_x4_trans(a, smem_u32(sdS + swz<BR>(kk * 16 + (q / 2) * 8 + r8, warp * 16 + (q % 2) * 8)));
#pragma unroll
        for (int dt = 0; dt < 4; dt++) {
          uint32_t r[4];
          ldmatrix_x4_trans(r, smem_u32(sK + swz<D>(kk * 16 + (q % 2) * 8 + r8, ch * 64 + dt * 16 + (q / 2) * 8)));
          mma16816<T>(acc[2 * dt], a, r[0], r[1]);
          mma16816<T>(acc[2 * dt + 1], a, r[2], r[3]);
        }
      }
#pragma unroll
      for (int hi = 0; hi < 2; hi++) {
        const int row = q0 + warp * 16 + g + hi * 8;
        if (row < p.Nq) {
          float* dst = dQa + (int64_t)row * D + ch * 64 + 2 * c;
#pragma unroll
          for (int nt = 0; nt < 8; nt++) {
            atomicAdd(dst + nt * 8, acc[nt][2 * hi]);
            atomicAdd(dst + nt * 8 + 1, acc[nt][2 * hi + 1]);
          }
        }
      }
    }
    __syncthreads();  // the next iteration reloads the Q/dO buffer and rewrites sdS
  }
  cp_async_wait<0>();

  // dK (times the softmax scale) and dV rows of this warp's keys.
#pragma unroll
  for (int hi = 0; hi < 2; hi++) {
    const int key = k0 + kw + g + hi * 8;
    if (key >= p.Nk) continue;
    T* dkr = (T*)p.dk + b * p.sdk.batch + h * p.sdk.head + (int64_t)key * p.sdk.seq + 2 * c;
    T* dvr = (T*)p.dv + b * p.sdv.batch + h * p.sdv.head + (int64_t)key * p.sdv.seq + 2 * c;
#pragma unroll
    for (int dt = 0; dt < D / 8; dt++) {
      *reinterpret_cast<uint32_t*>(dkr + dt * 8) = pack2<T>(dk[dt][2 * hi] * p.scale, dk[dt][2 * hi + 1] * p.scale);
      *reinterpret_cast<uint32_t*>(dvr + dt * 8) = pack2<T>(dv[dt][2 * hi], dv[dt][2 * hi + 1]);
    }
  }
#endif
}

// dq (T, strided) = dq_acc * scale; a thread per 2 elements.
template <typename T, int D>
__global__ void flash_bwd_convert(BwdParams p, int64_t rows) {
  const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= rows * (D / 2)) return;
  const int64_t row = t / (D / 2);
  const int col = (int)(t % (D / 2)) * 2;
  const int i = (int)(row % p.Nq);
  const int64_t bh = row / p.Nq, b = bh / p.H, h = bh % p.H;
  const float* a = p.dq_acc + row * D + col;
  T* d = (T*)p.dq + b * p.sdq.batch + h * p.sdq.head + (int64_t)i * p.sdq.seq + col;
  *reinterpret_cast<uint32_t*>(d) = pack2<T>(a[0] * p.scale, a[1] * p.scale);
}

template <typename T, int D, bool CAUSAL, bool MASK>
nrc_status launch_main(const BwdParams& p, int B) {
  constexpr size_t smem2 = (size_t)(2 * kBC * D + 4 * kBR * D + kBC * kBR) * sizeof(T);
  constexpr size_t smem1 = (size_t)(2 * kBC * D + 2 * kBR * D + kBC * kBR) * sizeof(T);
  dim3 grid((p.Nk + kBC - 1) / kBC, p.H, B);
  if ((size_t)props().smem_optin >= smem2) {
    auto kern = flash_bwd_kernel<T, D, CAUSAL, MASK, 2>;
    NRC_CUDA(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem2), "nrc_flash_attn_bwd");
    kern<<<grid, kThreads, smem2, stream()>>>(p);
  } else {
    auto kern = flash_bwd_kernel<T, D, CAUSAL, MASK, 1>;
    NRC_CUDA(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem1), "nrc_flash_attn_bwd");
    kern<<<grid, kThreads, smem1, stream()>>>(p);
  }
  NRC_LAUNCHED("nrc_flash_attn_bwd");
  return NRC_OK;
}

template <typename T, int D>
nrc_status run(const BwdParams& p, int B, bool causal) {
  const int64_t rows = (int64_t)B * p.H * p.Nq;
  flash_bwd_pre<T, D><<<(unsigned)((rows + 7) / 8), 256, 0, stream()>>>(p, rows);
  NRC_LAUNCHED("nrc_flash_attn_bwd");
  nrc_status s = p.mask.p ? (causal ? launch_main<T, D, true, true>(p, B) : launch_main<T, D, false, true>(p, B))
                          : (causal ? launch_main<T, D, true, false>(p, B) : launch_main<T, D, false, false>(p, B));
  if (s != NRC_OK) return s;
  const int64_t n = rows * (D / 2);
  flash_bwd_convert<T, D><<<(unsigned)((n + 255) / 256), 256, 0, stream()>>>(p, rows);
  NRC_LAUNCHED("nrc_flash_attn_bwd");
  return NRC_OK;
}

template <typename T>
nrc_status run_d(const BwdParams& p, int B, int D, bool causal) {
  return D == 64 ? run<T, 64>(p, B, causal) : run<T, 128>(p, B, causal);
}

bool strides_ok(const nrc_strides& s) { return s.batch % 8 == 0 && s.head % 8 == 0 && s.seq % 8 == 0; }

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_flash_attn_bwd(nrc_dtype dt, const void* q, nrc_strides sq, const void* k, nrc_strides sk,
                                         const void* v, nrc_strides sv, const void* out, nrc_strides so,
                                         const void* dout, nrc_strides sdo, const float* lse, void* dq, nrc_strides sdq,
                                         void* dk, nrc_strides sdk, void* dv, nrc_strides sdv, int B, int H, int Nq,
                                         int Nk, int D, float scale, int causal, int causal_offset,
                                         const nrc_attn_mask* mask) {
  const char* fn = "nrc_flash_attn_bwd";
  NRC_INIT();
  NRC_FLOAT_DTYPE(dt, fn);
  NRC_ARG(B >= 0 && H >= 0 && Nq >= 0 && Nk >= 0, "nrc_flash_attn_bwd: negative size");
  if (dt != NRC_BF16 && dt != NRC_F16) return set_error(NRC_ERR_UNSUPPORTED, "nrc_flash_attn_bwd: bfloat16/float16 only");
  if (D != 64 && D != 128) return set_error(NRC_ERR_UNSUPPORTED, "nrc_flash_attn_bwd: head dim must be 64 or 128");
  if (!B || !H || (!Nq && !Nk)) return NRC_OK;
  if (props().cc < 80) return set_error(NRC_ERR_UNSUPPORTED, "nrc_flash_attn_bwd: needs an sm_80+ GPU");
  NRC_ARG(q && k && v && out && dout && lse && dq && dk && dv, "nrc_flash_attn_bwd: null pointer");
  NRC_ARG(scale > 0.f, "nrc_flash_attn_bwd: scale must be positive");
  NRC_ARG(H <= 65535 && B <= 65535, "nrc_flash_attn_bwd: too many heads or batches");
  const nrc_strides* all[] = {&sq, &sk, &sv, &so, &sdo, &sdq, &sdk, &sdv};
  const void* ptrs[] = {q, k, v, out, dout, dq, dk, dv};
  for (int i = 0; i < 8; i++)
    if (!strides_ok(*all[i]) || ((uintptr_t)ptrs[i] & 15))
      return set_error(NRC_ERR_UNSUPPORTED, "nrc_flash_attn_bwd: strides must be multiples of 8 elements, pointers 16-byte aligned");
  const int64_t rows = (int64_t)B * H * Nq;
  void* ws = nullptr;
  if (rows) {
    nrc_status s = nrc_malloc(&ws, (size_t)rows * (D + 2) * sizeof(float));
    if (s != NRC_OK) return s;
  }
  flash::Mask m{nullptr, 0, 0, 0, 0};
  if (mask && mask->ptr) m = {mask->ptr, mask->batch, mask->head, mask->query, mask->key};
  float* wf = (float*)ws;
  BwdParams p{q, k, v, out, dout, dq, dk, dv, sq, sk, sv, so, sdo, sdq, sdk, sdv, lse,
              wf, wf ? wf + rows * D : nullptr, wf ? wf + rows * (D + 1) : nullptr,
              H, Nq, Nk, scale, scale * flash::kLog2e, causal_offset, m};
  nrc_status s;
  if (!Nq) {  // no query rows: dk = dv = 0
    s = NRC_OK;
    for (void* t : {dk, dv}) {
      const nrc_strides& st = t == dk ? sdk : sdv;
      for (int bb = 0; bb < B && s == NRC_OK; bb++)
        for (int hh = 0; hh < H && s == NRC_OK; hh++)
          if (cudaMemset2DAsync((char*)t + (bb * st.batch + hh * st.head) * 2, st.seq * 2, 0, D * 2, Nk, stream()) != cudaSuccess)
            s = set_error(NRC_ERR_CUDA, "nrc_flash_attn_bwd: memset failed");
    }
  } else if (!Nk) {
    s = set_error(NRC_ERR_INVALID_ARG, "nrc_flash_attn_bwd: Nk must be positive");
  } else {
    s = dt == NRC_BF16 ? run_d<__nv_bfloat16>(p, B, D, causal != 0) : run_d<__half>(p, B, D, causal != 0);
  }
  if (ws) nrc_free(ws);  // stream-ordered: released after the kernels that use it
  return s;
}
