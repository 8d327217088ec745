// Fast same-dtype strided copy (contiguous() of permuted/sliced/expanded views). The two views'
// dims are coalesced (size-1 dims dropped, neighbours merged where both views are dense across them),
// then rows along the innermost dim are copied: memcpy when both are unit-stride there, a typed
// strided loop otherwise, and 2-D tiles when the copy is a transpose (dst unit-stride on its last dim,
// src unit-stride on another), so neither side walks memory column by column. Split over threads by
// rows. The element-wise walker in copy.cc stays the reference (kernel level 'ref').
#include "kernels/cpu/copy_strided.h"
#include <cstring>
#include "runtime/threadpool.h"

namespace nr {

namespace {

// Coalesced shape: dims outermost first, strides in elements for dst (d) and src (s).
struct Plan {
  int nd = 0;
  int64_t shape[kMaxDims];
  int64_t d[kMaxDims];
  int64_t s[kMaxDims];
};

Plan coalesce(const View& dst, const View& src) {
  Plan p;
  for (int i = 0; i < dst.ndim; ++i) {
    if (dst.shape[i] == 1) continue;
    if (p.nd > 0) {
      const int j = p.nd - 1;   // merge into the previous kept dim if dense across both views
      if (p.d[j] == dst.strides[i] * dst.shape[i] && p.s[j] == src.strides[i] * dst.shape[i]) {
        p.shape[j] *= dst.shape[i];
        p.d[j] = dst.strides[i];
        p.s[j] = src.strides[i];
        continue;
      }
    }
    p.shape[p.nd] = dst.shape[i];
    p.d[p.nd] = dst.strides[i];
    p.s[p.nd] = src.strides[i];
    ++p.nd;
  }
  return p;
}

// Offsets (elements) of outer index `o` over dims [0, nd) of the plan.
inline void outer_offsets(const Plan& p, int nd, int64_t o, int64_t* od, int64_t* os) {
  int64_t a = 0, b = 0;
  for (int k = nd - 1; k >= 0; --k) {
    const int64_t i = o % p.shape[k];
    o /= p.shape[k];
    a += i * p.d[k];
    b += i * p.s[k];
  }
  *od = a; *os = b;
}

template <typename U>
void rows(const Plan& p, char* dst, const char* src) {
  const int last = p.nd - 1;
  const int64_t n = p.shape[last], dstep = p.d[last], sstep = p.s[last];
  int64_t outer = 1;
  for (int k = 0; k < last; ++k) outer *= p.shape[k];
  const int64_t grain = n >= 4096 ? 1 : 4096 / n + 1;
  parallel_for(outer, grain, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      int64_t od, os;
      outer_offsets(p, last, o, &od, &os);
      U* dp = reinterpret_cast<U*>(dst) + od;
      const U* sp = reinterpret_cast<const U*>(src) + os;
      if (dstep == 1 && sstep == 1) { std::memcpy(dp, sp, (size_t)n * sizeof(U)); continue; }
      if (sstep == 0) { const U v = *sp; for (int64_t i = 0; i < n; ++i) dp[i * dstep] = v; continue; }
      for (int64_t i = 0; i < n; ++i) dp[i * dstep] = sp[i * sstep];
    }
  });
}

// Transpose tiles: dims t (src unit-stride) and last (dst unit-stride) of the plan form a 2-D plane;
// all other dims are outer. Each TILE x TILE block is read along src rows and written along dst rows.
template <typename U>
void transpose(const Plan& p, int t, char* dst, const char* src) {
  constexpr int64_t TILE = 32;
  const int last = p.nd - 1;
  const int64_t R = p.shape[t], C = p.shape[last];      // plane: r along dim t, c along the last dim
  const int64_t dR = p.d[t], sC = p.s[last];             // dst stride of r, src stride of c (others 1)
  Plan outer;                                            // the remaining dims
  for (int k = 0; k < last; ++k) {
    if (k == t) continue;
    outer.shape[outer.nd] = p.shape[k]; outer.d[outer.nd] = p.d[k]; outer.s[outer.nd] = p.s[k]; ++outer.nd;
  }
  int64_t nouter = 1;
  for (int k = 0; k < outer.nd; ++k) nouter *= outer.shape[k];
  const int64_t tr = (R + TILE - 1) / TILE, tc = (C + TILE - 1) / TILE, ntiles = nouter * tr * tc;
  parallel_for(ntiles, 4, [&](int64_t b, int64_t e) {
    for (int64_t w = b; w < e; ++w) {
      const int64_t o = w / (tr * tc), r0 = (w / tc) % tr * TILE, c0 = w % tc * TILE;
      int64_t od, os;
      outer_offsets(outer, outer.nd, o, &od, &os);
      U* dp = reinterpret_cast<U*>(dst) + od;
      const U* sp = reinterpret_cast<const U*>(src) + os;
      const int64_t r1 = r0 + TILE < R ? r0 + TILE : R, c1 = c0 + TILE < C ? c0 + TILE : C;
      for (int64_t r = r0; r < r1; ++r)          // dst row r is contiguous over c; src column r over c
        for (int64_t c = c0; c < c1; ++c) dp[r * dR + c] = sp[c * sC + r];
    }
  });
}

template <typename U>
void run(const Plan& p, char* dst, const char* src) {
  const int last = p.nd - 1;
  if (p.d[last] == 1 && p.s[last] != 1 && p.shape[last] >= 8) {
    for (int t = last - 1; t >= 0; --t) {
      if (p.s[t] == 1 && p.shape[t] >= 8) return transpose<U>(p, t, dst, src);
    }
  }
  rows<U>(p, dst, src);
}

}  // namespace

bool copy_same_dtype_strided(const View& dst, const View& src) {
  if (dst.dtype != src.dtype || dst.numel == 0) return false;
  Plan p = coalesce(dst, src);
  if (p.nd == 0) {   // a single element
    std::memcpy(dst.data, src.data, (size_t)dtype_size(dst.dtype));
    return true;
  }
  switch (dtype_size(dst.dtype)) {
    case 1: run<uint8_t>(p, dst.data, src.data); return true;
    case 2: run<uint16_t>(p, dst.data, src.data); return true;
    case 4: run<uint32_t>(p, dst.data, src.data); return true;
    case 8: run<uint64_t>(p, dst.data, src.data); return true;
    default: return false;
  }
}

}  // namespace nr
