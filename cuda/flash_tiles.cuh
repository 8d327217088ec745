// Index, tile-range and masking rules shared by the flash attention kernels (flash_attn.cu forward,
// flash_attn_bwd.cu backward) and their host emulation (cuda/dev/flash_emu.cc, run in CI): everything
// here is __host__ __device__ and free of CUDA-only calls, so the CPU re-implementation of the tile
// loops uses exactly the rules the kernels use.
// Visibility: query row i (< Nq) sees key j (< Nk) unless causal and j > i + off. off = 0 is top-left
// alignment (PyTorch SDPA, neurona's CPU kernel), off = Nk - Nq bottom-right (flash-attn).
// The optional additive mask is float32 (natural-log domain) addressed by 4 element strides
// (batch, head, query, key); a stride of 0 broadcasts that dim, so (B,1,1,Nk) padding masks and full
// (B,H,Nq,Nk) masks both work. The kernels add mask * log2(e) to the scaled score in the log2 domain.
#pragma once
#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define NRC_HD __host__ __device__ __forceinline__
#else
#define NRC_HD inline
#endif

namespace nrc {
namespace flash {

constexpr float kLog2e = 1.4426950408889634f;

struct Mask {
  const float* p;  // nullptr: no mask
  int64_t sb, sh, si, sj;
};

NRC_HD int64_t mask_index(const Mask& m, int64_t b, int64_t h, int64_t i, int64_t j) {
  return b * m.sb + h * m.sh + i * m.si + j * m.sj;
}

// Does row i see key j (both inside the sequences)?
NRC_HD bool visible(int i, int j, int Nq, int Nk, bool causal, int off) {
  return i >= 0 && i < Nq && j >= 0 && j < Nk && !(causal && j > i + off);
}

// Forward: number of BC-key tiles a block of query rows [q0, q0 + BR) streams through; tiles past it
// hold no key that any of these rows sees (0 when no row sees a key).
NRC_HD int fwd_key_tiles(int q0, int BR, int BC, int Nk, bool causal, int off) {
  int n = (Nk + BC - 1) / BC;
  if (causal) {
    long last_key = (long)q0 + BR - 1 + off;  // largest key any row of the block sees
    if (last_key < 0) return 0;
    long t = last_key / BC + 1;
    if (t < n) n = (int)t;
  }
  return n;
}

// Backward: query blocks [begin, end) of BR rows that see some key of the tile [k0, k0 + BC).
// Blocks before begin see none of these keys (causal: row i sees key k0 only when i >= k0 - off).
NRC_HD int bwd_query_begin(int k0, int BR, bool causal, int off) {
  if (!causal) return 0;
  long first_row = (long)k0 - off;
  return first_row <= 0 ? 0 : (int)(first_row / BR);
}
NRC_HD int bwd_query_end(int Nq, int BR) { return (Nq + BR - 1) / BR; }

// Does the tile (rows [q0, q0+BR), keys [k0, k0+BC)) need per-element checks (sequence tails or the
// causal diagonal)? When false every element of the tile is visible.
NRC_HD bool tile_needs_check(int q0, int BR, int k0, int BC, int Nq, int Nk, bool causal, int off) {
  return q0 + BR > Nq || k0 + BC > Nk || (causal && (long)k0 + BC - 1 > (long)q0 + off);
}

// Keys only: the forward masks rows past Nq by not writing them, so only the key tail and the
// diagonal matter there.
NRC_HD bool fwd_tile_needs_check(int q0, int k0, int BC, int Nk, bool causal, int off) {
  return k0 + BC > Nk || (causal && (long)k0 + BC - 1 > (long)q0 + off);
}

// lse (natural log, as the forward stores it) -> the log2-domain value the backward subtracts:
// rows with no visible key (lse = -inf) get +inf so that every P = exp2(s - lse2) of the row is 0,
// which gives them zero gradients as the CPU kernel does.
NRC_HD float lse_to_log2(float lse) { return lse == -INFINITY ? INFINITY : lse * kLog2e; }

}  // namespace flash
}  // namespace nrc
