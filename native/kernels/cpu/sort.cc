// Fast sort and top-k along a dim. Each element becomes (key, position), where the key is an
// unsigned integer with the same order as the value (NaN largest, -0 == 0; inverted for
// descending). Sorts are stable LSD radix sorts on the key (byte digits, passes whose digit is the
// same for every key skipped), which keeps equal keys in position order: exactly the reference's
// stable order. Short rows use std::sort on (key, position); top-k uses nth_element on the same
// total order. Rows run in parallel on the pool; a few very long rows are instead cut into chunks
// sorted in parallel and joined by stable pairwise merges.
#include <algorithm>
#include <cstring>
#include <vector>
#include "nr/kernels/sort.h"
#include "kernels/index_util.h"
#include "kernels/sort_util.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

// Order-preserving unsigned keys: NaN is the largest, -0.0 equals 0.0.
inline uint32_t sort_key(float v) {
  if (v != v) return 0xffffffffu;
  if (v == 0.0f) v = 0.0f;
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}
inline uint64_t sort_key(double v) {
  if (v != v) return ~0ull;
  if (v == 0.0) v = 0.0;
  uint64_t b;
  std::memcpy(&b, &v, 8);
  return (b >> 63) ? ~b : (b | (1ull << 63));
}
inline uint32_t sort_key(int32_t v) { return (uint32_t)v ^ 0x80000000u; }
inline uint64_t sort_key(int64_t v) { return (uint64_t)v ^ (1ull << 63); }
inline uint32_t sort_key(uint8_t v) { return v; }

template <typename K> struct KP { K k; int64_t p; };
template <typename K> inline bool kp_less(const KP<K>& a, const KP<K>& b) { return a.k < b.k || (a.k == b.k && a.p < b.p); }
template <typename K> inline bool key_less(const KP<K>& a, const KP<K>& b) { return a.k < b.k; }

// Stable LSD radix sort of a[0, n) by key (tmp has room for n elements).
template <typename K>
void radix_sort(KP<K>* a, KP<K>* tmp, int64_t n) {
  if (n < 64) { std::sort(a, a + n, kp_less<K>); return; }   // a total order: same result as stable
  KP<K>* src = a;
  KP<K>* dst = tmp;
  for (int shift = 0; shift < (int)(8 * sizeof(K)); shift += 8) {
    int64_t count[256] = {0};
    for (int64_t i = 0; i < n; ++i) ++count[(src[i].k >> shift) & 0xff];
    if (count[(src[0].k >> shift) & 0xff] == n) continue;   // every key has this digit
    int64_t off = 0;
    for (int d = 0; d < 256; ++d) { int64_t c = count[d]; count[d] = off; off += c; }
    for (int64_t i = 0; i < n; ++i) dst[count[(src[i].k >> shift) & 0xff]++] = src[i];
    std::swap(src, dst);
  }
  if (src != a) std::memcpy(a, src, (size_t)n * sizeof(KP<K>));
}

// Sorts a[0, n) with P parallel chunk radix sorts, then log2(P) rounds of parallel stable merges
// (chunks hold increasing positions, so the merge's first-range-wins keeps ties in position order).
template <typename K>
void parallel_radix_sort(KP<K>* a, KP<K>* tmp, int64_t n) {
  const int64_t p = std::min<int64_t>(num_threads(), n / (1 << 14));
  if (p <= 1) { radix_sort(a, tmp, n); return; }
  std::vector<int64_t> bound((size_t)p + 1);
  for (int64_t c = 0; c <= p; ++c) bound[c] = n * c / p;
  parallel_for(p, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) radix_sort(a + bound[c], tmp + bound[c], bound[c + 1] - bound[c]);
  });
  KP<K>* src = a;
  KP<K>* dst = tmp;
  for (int64_t w = 1; w < p; w *= 2) {
    const int64_t pairs = (p + 2 * w - 1) / (2 * w);
    parallel_for(pairs, 1, [&](int64_t b, int64_t e) {
      for (int64_t q = b; q < e; ++q) {
        int64_t lo = bound[q * 2 * w], mid = bound[std::min(p, q * 2 * w + w)], hi = bound[std::min(p, q * 2 * w + 2 * w)];
        std::merge(src + lo, src + mid, src + mid, src + hi, dst + lo, key_less<K>);
      }
    });
    std::swap(src, dst);
  }
  if (src != a) std::memcpy(a, src, (size_t)n * sizeof(KP<K>));
}

// For each row of x along dim: order (key, position) pairs, then write the values and positions of
// the first `keep` (keep < n: top-k by nth_element on the total order, then a sort of those).
template <typename T>
void sort_rows(const View& values, const View& indices, const View& x, int dim, int64_t keep, bool desc) {
  using K = decltype(sort_key(T()));
  const K flip = desc ? (K)~(K)0 : (K)0;
  const int64_t n = x.shape[dim];
  const int64_t xs = x.strides[dim], vs = values.strides[dim], is = indices.strides[dim];
  const View xr = drop_dim(x, dim), vr = drop_dim(values, dim), ir = drop_dim(indices, dim);
  const bool few_long_rows = keep == n && xr.numel < num_threads() && n >= (1 << 15);
  auto run = [&](int64_t b, int64_t e, bool par) {
    std::vector<KP<K>> buf((size_t)n), tmp(keep == n ? (size_t)n : 0);
    StridedIter xi(xr, b), vi(vr, b), ii(ir, b);
    for (int64_t r = b; r < e; ++r, xi.next(), vi.next(), ii.next()) {
      const T* xp = x.ptr<T>() + xi.off;
      for (int64_t i = 0; i < n; ++i) buf[i] = KP<K>{(K)(sort_key(xp[i * xs]) ^ flip), i};
      if (keep == n) {
        if (par) parallel_radix_sort(buf.data(), tmp.data(), n);
        else radix_sort(buf.data(), tmp.data(), n);
      } else {
        if (keep < n) std::nth_element(buf.begin(), buf.begin() + keep, buf.end(), kp_less<K>);
        std::sort(buf.begin(), buf.begin() + keep, kp_less<K>);
      }
      T* vp = values.ptr<T>() + vi.off;
      int64_t* ip = indices.ptr<int64_t>() + ii.off;
      for (int64_t i = 0; i < keep; ++i) {
        const int64_t j = buf[i].p;
        vp[i * vs] = xp[j * xs];
        ip[i * is] = j;
      }
    }
  };
  if (few_long_rows) run(0, xr.numel, true);
  else parallel_for(xr.numel, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) { run(b, e, false); });
}

}  // namespace

void sort(const View& values, const View& indices, const View& x, int dim, bool descending) {
  if (x.numel == 0) return;
  if (active_isa() == Isa::kRef) return sort_ref(values, indices, x, dim, descending);
  NR_DISPATCH_SORT(x.dtype, T, sort_rows<T>(values, indices, x, dim, x.shape[dim], descending));
}

void topk(const View& values, const View& indices, const View& x, int dim, int64_t k, bool largest) {
  if (values.numel == 0) return;
  if (active_isa() == Isa::kRef) return topk_ref(values, indices, x, dim, k, largest);
  NR_DISPATCH_SORT(x.dtype, T, sort_rows<T>(values, indices, x, dim, k, largest));
}

}  // namespace nr
