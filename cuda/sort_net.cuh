// Index math and orderings shared by the sort and scan kernels (cuda/sort.cu, cuda/scan.cu) and their
// host check (cuda/dev/sort_host_check.cu): every function is __host__ __device__ so the CPU emulation
// runs exactly the code the GPU runs.
//   - sort keys: any sortable dtype -> an unsigned 64-bit key whose unsigned order is the CPU's
//     nan_last_less order (NaN largest, all NaNs equal, -0 == +0); descending = complemented key.
//     Entries are (key, index) pairs compared lexicographically, so the order is total and equals a
//     stable sort (equal keys keep index order, ascending or descending).
//   - bitonic network over a power-of-two P: step (k, j) pairs t in [0, P/2) with (i, i + j), the pair
//     sorted ascending when (i & k) == 0, descending otherwise; after every k <= P the whole range is
//     sorted ascending. Padding entries (index >= n, key all ones) sort after every real entry.
//   - line layout (outer, n, inner) of a contiguous tensor scanned / sorted along its middle dim.
#pragma once
#include <cstdint>
#include <cstring>

#ifndef __CUDACC__
#define __host__
#define __device__
#define __forceinline__ inline
#endif

namespace nrc {
namespace sortnet {

// Largest row (padded to a power of two) sorted in shared memory by one block: 4096 entries of
// (8-byte key + 4-byte index) = 48 KiB, the default dynamic shared memory limit.
constexpr int kSmemRow = 4096;
constexpr int kThreads = 512;   // threads of the sorting blocks (each handles P/2/512 pairs a step)

__host__ __device__ __forceinline__ uint32_t f32_bits(float v) { uint32_t b; memcpy(&b, &v, 4); return b; }
__host__ __device__ __forceinline__ uint64_t f64_bits(double v) { uint64_t b; memcpy(&b, &v, 8); return b; }

// Ascending order keys.
__host__ __device__ __forceinline__ uint64_t key_of(float v) {
  uint32_t b = v != v ? 0x7FC00000u : v == 0.f ? 0u : f32_bits(v);
  return (b & 0x80000000u) ? (uint64_t)(~b) : (uint64_t)(b | 0x80000000u);
}
__host__ __device__ __forceinline__ uint64_t key_of(double v) {
  uint64_t b = v != v ? 0x7FF8000000000000ull : v == 0.0 ? 0ull : f64_bits(v);
  return (b >> 63) ? ~b : (b | 0x8000000000000000ull);
}
__host__ __device__ __forceinline__ uint64_t key_of(int32_t v) { return (uint64_t)((uint32_t)v ^ 0x80000000u); }
__host__ __device__ __forceinline__ uint64_t key_of(int64_t v) { return (uint64_t)v ^ 0x8000000000000000ull; }
__host__ __device__ __forceinline__ uint64_t key_of(uint8_t v) { return (uint64_t)v; }

template <typename T> __host__ __device__ __forceinline__ uint64_t sort_key(T v, bool descending) {
  uint64_t k = key_of(v);
  return descending ? ~k : k;
}

constexpr uint64_t kPadKey = ~0ull;

// (key, index) lexicographic order: a total order because indices are distinct.
__host__ __device__ __forceinline__ bool entry_less(uint64_t ka, uint32_t ia, uint64_t kb, uint32_t ib) {
  return ka < kb || (ka == kb && ia < ib);
}

// Smallest power of two >= n (n >= 1).
__host__ __device__ __forceinline__ int64_t pow2_at_least(int64_t n) {
  int64_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// Pair t of step (k, j): lower element i, partner i + j, ascending when (i & k) == 0. i counts from the
// start of the row (global index), so chunked passes agree with the whole-row network.
__host__ __device__ __forceinline__ int64_t pair_low(int64_t t, int64_t j) { return (t / j) * 2 * j + (t % j); }
__host__ __device__ __forceinline__ bool pair_up(int64_t i, int64_t k) { return (i & k) == 0; }

// One compare-exchange of the network on arrays (keys, idx) at positions a < b.
__host__ __device__ __forceinline__ void compare_exchange(uint64_t* keys, uint32_t* idx, int64_t a, int64_t b, bool up) {
  uint64_t ka = keys[a], kb = keys[b];
  uint32_t ia = idx[a], ib = idx[b];
  bool swap = up ? entry_less(kb, ib, ka, ia) : entry_less(ka, ia, kb, ib);
  if (swap) { keys[a] = kb; keys[b] = ka; idx[a] = ib; idx[b] = ia; }
}

// Line addressing of a contiguous (outer, n, inner) tensor: element j of line r.
__host__ __device__ __forceinline__ int64_t line_elem(int64_t r, int64_t j, int64_t n, int64_t inner) {
  int64_t o = r / inner, i = r - o * inner;
  return (o * n + j) * inner + i;
}

// Warp-scan chunking of a line of n elements (scan kernel, one warp per line): chunk c covers
// [c * 32 * kPer, ...), lane l its elements [c*32*kPer + l*kPer, + kPer) clipped to n.
constexpr int kScanPer = 4;
__host__ __device__ __forceinline__ int64_t scan_lane_begin(int64_t c, int lane) { return (c * 32 + lane) * (int64_t)kScanPer; }

}  // namespace sortnet
}  // namespace nrc
