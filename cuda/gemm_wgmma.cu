// Hopper GEMM (sm_90a): wgmma tensor-core instructions fed by TMA (cp.async.bulk.tensor) through a
// 4-stage shared-memory ring guarded by mbarriers. bf16/fp16 (k16 steps) and tf32 (fp32 data, k8).
// C (M,N) = alpha * op(A) @ op(B) + beta * C for every transpose combination in bf16/fp16: a
// K-major operand (A stored (M,K), B stored (N,K)) is loaded as 128 x 128-byte rows; an MN-major one
// (A stored (K,M), B stored (K,N)) as 64-element-wide boxes of BK rows that wgmma reads transposed
// (imm-trans). tf32 supports only A (M,K) with B (N,K) (wgmma has no transpose for 32-bit types).
// Block: 3 warpgroups. WG0 is the producer (one thread issues TMA loads, registers lowered with
// setmaxnreg); WG1 and WG2 each compute a 64x256 half of the 128x256 output tile with
// wgmma.m64n256 (128 fp32 accumulators per thread). Each stage holds A 128 x 128B and B 256 x 128B
// (128-byte swizzle: BK = 64 halves or 32 floats); the producer waits for "empty", the consumers
// for "full". Tiles are rastered in groups of 8 row-tiles for L2 reuse. TMA zero-fills the
// out-of-range parts of edge tiles; the epilogue bounds-checks its stores.
#include <cuda.h>
#include <cudaTypedefs.h>
#include "gemm.cuh"
#include "mma.cuh"
#include "wgmma_ops.cuh"

namespace nrc {
namespace {

constexpr int BM = 128, BN = 256, STAGES = 4, THREADS = 384, GROUP_M = 8;
constexpr int A_BYTES = BM * 128, B_BYTES = BN * 128, STAGE_BYTES = A_BYTES + B_BYTES;
constexpr int SMEM_BYTES = STAGES * STAGE_BYTES + 1024 /* alignment slack */ + 2 * STAGES * 8 /* barriers */;

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
__device__ __forceinline__ void mbar_init(uint32_t bar, uint32_t count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count));
}
__device__ __forceinline__ void mbar_expect_tx(uint32_t bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint32_t bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
__device__ __forceinline__ void mbar_wait(uint32_t bar, uint32_t parity) {
  uint32_t done = 0;
  while (!done) {
    asm volatile(
        "{\n.reg .pred p;\nmbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\nselp.u32 %0, 1, 0, p;\n}\n"
        : "=r"(done) : "r"(bar), "r"(parity) : "memory");
  }
}
__device__ __forceinline__ void tma_load_2d(uint32_t dst, const CUtensorMap* map, int c0, int c1, uint32_t bar) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];\n"
      ::"r"(dst), "l"((uint64_t)map), "r"(c0), "r"(c1), "r"(bar) : "memory");
}
__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void wgmma_wait() { asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory"); }

// Shared-memory matrix descriptor with 128B swizzle. K-major tiles: 128-byte rows, 8-row groups
// 1024 B apart (SBO), LBO unused. MN-major tiles: LBO = bytes between 64-element MN blocks, SBO =
// bytes between groups of 8 K-rows.
__device__ __forceinline__ uint64_t make_desc(uint32_t addr, uint32_t lbo, uint32_t sbo) {
  uint64_t d = (uint64_t)((addr & 0x3FFFF) >> 4);
  d |= (uint64_t)((lbo >> 4) & 0x3FFF) << 16;
  d |= (uint64_t)((sbo >> 4) & 0x3FFF) << 32;
  d |= (uint64_t)1 << 62;  // SWIZZLE_128B
  return d;
}

template <typename T, bool AMN, bool BMN>
__device__ __forceinline__ void wgmma_tile(float (&d)[128], uint64_t da, uint64_t db) {
  if constexpr (std::is_same<T, __nv_bfloat16>::value) wgmma_m64n256k16_bf16<AMN, BMN>(d, da, db, 1);
  else if constexpr (std::is_same<T, __half>::value) wgmma_m64n256k16_f16<AMN, BMN>(d, da, db, 1);
  else wgmma_m64n256k8_tf32(d, da, db, 1);
}
#endif

// AMN / BMN: the operand is MN-major (A stored (K,M), B stored (K,N)). mn_lbo / mn_sbo: the
// MN-major descriptor offsets (8192 / 1024 for this tiling; parameters so the harness can probe).
template <typename T, bool AMN, bool BMN>
__global__ void __launch_bounds__(THREADS, 1)
    gemm_wgmma_kernel(const __grid_constant__ CUtensorMap tmA, const __grid_constant__ CUtensorMap tmB, T* C, int M,
                      int N, int K, int ldc, float alpha, float beta, uint32_t mn_lbo, uint32_t mn_sbo) {
#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
  extern __shared__ unsigned char smem_raw[];
  const uint32_t raw = smem_u32(smem_raw);
  const uint32_t base = (raw + 1023) & ~1023u;  // 128B swizzle needs 1024-byte aligned tiles
  const uint32_t full0 = base + STAGES * STAGE_BYTES, empty0 = full0 + STAGES * 8;
  constexpr int BK = 128 / sizeof(T);       // elements per 128-byte row
  constexpr int KSTEP_BYTES = 32;           // one wgmma consumes 32 bytes of K (k16 halves / k8 floats)
  const int KT = (K + BK - 1) / BK;

  // Grouped raster: consecutive blocks share row-tiles of A.
  const int tiles_m = (M + BM - 1) / BM, tiles_n = (N + BN - 1) / BN;
  const int pid = blockIdx.x, in_group = GROUP_M * tiles_n;
  const int first_m = (pid / in_group) * GROUP_M;
  const int gsize = min(tiles_m - first_m, GROUP_M);
  const int tm = first_m + (pid % in_group) % gsize, tn = (pid % in_group) / gsize;
  const int bm = tm * BM, bn = tn * BN;

  const int wg = threadIdx.x / 128, t = threadIdx.x % 128;
  if (threadIdx.x == 0) {
    for (int s = 0; s < STAGES; s++) {
      mbar_init(full0 + 8 * s, 1);
      mbar_init(empty0 + 8 * s, 2);
    }
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();

  if (wg == 0) {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 40;\n");
    if (t == 0) {
      for (int kt = 0; kt < KT; kt++) {
        int s = kt % STAGES, r = kt / STAGES;
        mbar_wait(empty0 + 8 * s, (r & 1) ^ 1);
        mbar_expect_tx(full0 + 8 * s, STAGE_BYTES);
        const uint32_t sa = base + s * STAGE_BYTES, sb = sa + A_BYTES;
        if (AMN) {  // BM/64 boxes of (BK rows x 64 elements)
#pragma unroll
          for (int i = 0; i < BM / 64; i++) tma_load_2d(sa + i * BK * 128, &tmA, bm + 64 * i, kt * BK, full0 + 8 * s);
        } else {
          tma_load_2d(sa, &tmA, kt * BK, bm, full0 + 8 * s);
        }
        if (BMN) {
#pragma unroll
          for (int i = 0; i < BN / 64; i++) tma_load_2d(sb + i * BK * 128, &tmB, bn + 64 * i, kt * BK, full0 + 8 * s);
        } else {
          tma_load_2d(sb, &tmB, kt * BK, bn, full0 + 8 * s);
        }
      }
    }
  } else {
    asm volatile("setmaxnreg.inc.sync.aligned.u32 232;\n");
    const int c = wg - 1;  // rows c*64 .. c*64+63 of the tile
    float d[128];
#pragma unroll
    for (int i = 0; i < 128; i++) d[i] = 0.f;
    for (int kt = 0; kt < KT; kt++) {
      int s = kt % STAGES, r = kt / STAGES;
      mbar_wait(full0 + 8 * s, r & 1);
      // this consumer's 64 rows of A: K-major rows c*64.. (8 KB on), MN-major box c (BK*128 B on)
      const uint32_t a_addr = base + s * STAGE_BYTES + c * (AMN ? BK * 128 : 64 * 128);
      const uint32_t b_addr = base + s * STAGE_BYTES + A_BYTES;
      // one k-step: 32 bytes along a K-major row, or 16 K-rows (2 KB) of an MN-major box
      constexpr uint32_t A_STEP = AMN ? 16 * 128 : KSTEP_BYTES, B_STEP = BMN ? 16 * 128 : KSTEP_BYTES;
      wgmma_fence();
#pragma unroll
      for (int kk = 0; kk < 4; kk++)
        wgmma_tile<T, AMN, BMN>(d, AMN ? make_desc(a_addr + kk * A_STEP, mn_lbo, mn_sbo) : make_desc(a_addr + kk * A_STEP, 16, 1024),
                                BMN ? make_desc(b_addr + kk * B_STEP, mn_lbo, mn_sbo) : make_desc(b_addr + kk * B_STEP, 16, 1024));
      wgmma_commit();
      wgmma_wait<1>();  // the previous k-tile's group is done: release its stage
      if (kt > 0 && t == 0) mbar_arrive(empty0 + 8 * ((kt - 1) % STAGES));
    }
    wgmma_wait<0>();

    // Accumulator layout: warp w of the warpgroup holds rows w*16..w*16+15; per 8-column chunk j,
    // d[4j..4j+1] = (row g, cols 8j+2q, +1), d[4j+2..4j+3] = (row g+8, same cols).
    const int w = t / 32, lane = t % 32, g = lane / 4, q = lane % 4;
    const bool pair_ok = (ldc % 2 == 0) && (((uintptr_t)C & 7) == 0);
#pragma unroll
    for (int j = 0; j < 32; j++) {
#pragma unroll
      for (int h = 0; h < 2; h++) {
        int m = bm + c * 64 + w * 16 + g + h * 8, n = bn + j * 8 + q * 2;
        if (m >= M || n >= N) continue;
        T* p = C + (size_t)m * ldc + n;
        float v0 = alpha * d[4 * j + 2 * h], v1 = alpha * d[4 * j + 2 * h + 1];
        if constexpr (sizeof(T) == 2) {
          if (pair_ok && n + 1 < N) {
            if (beta != 0.f) { v0 += beta * to_f(p[0]); v1 += beta * to_f(p[1]); }
            *reinterpret_cast<uint32_t*>(p) = pack2<T>(v0, v1);
            continue;
          }
        } else {
          if (pair_ok && n + 1 < N) {
            if (beta != 0.f) { v0 += beta * p[0]; v1 += beta * p[1]; }
            *reinterpret_cast<float2*>(p) = make_float2(v0, v1);
            continue;
          }
        }
        p[0] = from_f<T>(v0 + (beta != 0.f ? beta * to_f(p[0]) : 0.f));
        if (n + 1 < N) p[1] = from_f<T>(v1 + (beta != 0.f ? beta * to_f(p[1]) : 0.f));
      }
    }
  }
#endif
}

}  // namespace

uint32_t g_wgmma_mn_lbo = 8192, g_wgmma_mn_sbo = 1024;

namespace {

PFN_cuTensorMapEncodeTiled_v12000 encode_fn() {
  static PFN_cuTensorMapEncodeTiled_v12000 fn = [] {
    void* p = nullptr;
    cudaDriverEntryPointQueryResult q;
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &p, 12000, cudaEnableDefault, &q) != cudaSuccess ||
        q != cudaDriverEntryPointSuccess) {
      cudaGetLastError();
      p = nullptr;
    }
    return (PFN_cuTensorMapEncodeTiled_v12000)p;
  }();
  return fn;
}

// 2-D tensor map over a row-major (rows, cols) matrix with row stride ld, box (box_rows, 128 bytes).
bool make_map(CUtensorMap* map, nrc_dtype dt, const void* ptr, int rows, int cols, int ld, int box_rows) {
  size_t es = dtype_size(dt);
  cuuint64_t dims[2] = {(cuuint64_t)cols, (cuuint64_t)rows};
  cuuint64_t strides[1] = {(cuuint64_t)ld * es};
  cuuint32_t box[2] = {(cuuint32_t)(128 / es), (cuuint32_t)box_rows};
  cuuint32_t estr[2] = {1, 1};
  CUtensorMapDataType t = dt == NRC_BF16 ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16
                          : dt == NRC_F16 ? CU_TENSOR_MAP_DATA_TYPE_FLOAT16 : CU_TENSOR_MAP_DATA_TYPE_FLOAT32;
  CUresult r = encode_fn()(map, t, 2, const_cast<void*>(ptr), dims, strides, box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
                           CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                           CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  return r == CUDA_SUCCESS;
}

template <typename T, bool AMN, bool BMN>
nrc_status launch(const GemmArgs& a) {
  constexpr int BK = 128 / sizeof(T);
  CUtensorMap ma, mb;
  bool ok = AMN ? make_map(&ma, a.dt, a.A, a.K, a.M, a.lda, BK) : make_map(&ma, a.dt, a.A, a.M, a.K, a.lda, BM);
  ok = ok && (BMN ? make_map(&mb, a.dt, a.B, a.K, a.N, a.ldb, BK) : make_map(&mb, a.dt, a.B, a.N, a.K, a.ldb, BN));
  if (!ok) return set_error(NRC_ERR_UNSUPPORTED, "gemm wgmma: cuTensorMapEncodeTiled rejected the operands");
  auto kern = gemm_wgmma_kernel<T, AMN, BMN>;
  NRC_CUDA(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM_BYTES), "nrc_gemm (wgmma)");
  long long tiles = (long long)((a.M + BM - 1) / BM) * ((a.N + BN - 1) / BN);
  if (tiles > 0x7fffffff) return set_error(NRC_ERR_UNSUPPORTED, "gemm wgmma: too many tiles");
  kern<<<(unsigned)tiles, THREADS, SMEM_BYTES, stream()>>>(ma, mb, (T*)a.C, a.M, a.N, a.K, a.ldc, a.alpha, a.beta,
                                                           g_wgmma_mn_lbo, g_wgmma_mn_sbo);
  NRC_LAUNCHED("nrc_gemm (wgmma)");
  return NRC_OK;
}

template <typename T>
nrc_status dispatch(const GemmArgs& a) {
  if (a.ta) return a.tb ? launch<T, true, false>(a) : launch<T, true, true>(a);
  return a.tb ? launch<T, false, false>(a) : launch<T, false, true>(a);
}

}  // namespace

bool gemm_wgmma_available() {
#ifdef NRC_HAS_SM90A
  static int ok = -1;  // per process; devices of one process are assumed alike
  if (ok < 0) {
    cudaFuncAttributes attr;
    ok = props().cc == 90 && encode_fn() != nullptr &&
         cudaFuncGetAttributes(&attr, gemm_wgmma_kernel<__nv_bfloat16, false, false>) == cudaSuccess &&
         attr.binaryVersion == 90;
    cudaGetLastError();
  }
  return ok == 1;
#else
  return false;
#endif
}

nrc_status gemm_wgmma(const GemmArgs& a) {
  if (!gemm_wgmma_available()) return set_error(NRC_ERR_UNSUPPORTED, "gemm wgmma: needs an sm_90 GPU and a build with 90a");
  if (a.dt == NRC_F32 && !a.tf32) return set_error(NRC_ERR_UNSUPPORTED, "gemm wgmma: float32 needs allow_tf32");
  if (a.dt == NRC_F32 && (a.ta || !a.tb))
    return set_error(NRC_ERR_UNSUPPORTED, "gemm wgmma: tf32 needs A (M,K) and B (N,K) layouts");
  size_t es = dtype_size(a.dt);
  bool ok = ((uintptr_t)a.A & 15) == 0 && ((uintptr_t)a.B & 15) == 0 && (a.lda * es) % 16 == 0 &&
            (a.ldb * es) % 16 == 0;
  if (!ok) return set_error(NRC_ERR_UNSUPPORTED, "gemm wgmma: needs 16-byte aligned rows");
  if (a.dt == NRC_BF16) return dispatch<__nv_bfloat16>(a);
  if (a.dt == NRC_F16) return dispatch<__half>(a);
  return launch<float, false, false>(a);
}

}  // namespace nrc
