// Fast sort and top-k along a dim. Rows run in parallel on the pool; a few very long rows are
// sorted by parallel chunk sorts plus pairwise merges instead. Elements of 4 bytes or less are
// packed into one uint64 per element (order-preserving key << 32 | position), so a plain integer
// sort gives the stable order; float64/int64 sort (value, position) pairs. The order is total (ties
// by position), so results equal the reference's stable sort exactly.
#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>
#include "nr/kernels/sort.h"
#include "kernels/index_util.h"
#include "kernels/sort_util.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

// Order-preserving 32-bit keys: NaN is the largest, -0.0 equals 0.0.
inline uint32_t key32(float v) {
  if (v != v) return 0xffffffffu;
  if (v == 0.0f) v = 0.0f;
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}
inline uint32_t key32(int32_t v) { return (uint32_t)v ^ 0x80000000u; }
inline uint32_t key32(uint8_t v) { return v; }

template <typename T> struct Item { T v; int64_t i; };

// Total order of (value, position): by value (NaN largest; reversed when descending), then position.
template <typename T> struct ItemBefore {
  bool desc;
  bool operator()(const Item<T>& a, const Item<T>& b) const {
    if (desc ? nan_last_less(b.v, a.v) : nan_last_less(a.v, b.v)) return true;
    if (desc ? nan_last_less(a.v, b.v) : nan_last_less(b.v, a.v)) return false;
    return a.i < b.i;
  }
};

// Sorts a[0, n) with P parallel chunk sorts and log2(P) rounds of parallel pairwise merges.
template <typename E, typename C>
void parallel_sort(E* a, int64_t n, C cmp) {
  int64_t p = std::min<int64_t>(num_threads(), n / (1 << 14));
  if (p <= 1) { std::sort(a, a + n, cmp); return; }
  std::vector<int64_t> bound((size_t)p + 1);
  for (int64_t c = 0; c <= p; ++c) bound[c] = n * c / p;
  parallel_for(p, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) std::sort(a + bound[c], a + bound[c + 1], cmp);
  });
  std::vector<E> tmp((size_t)n);
  E* src = a;
  E* dst = tmp.data();
  for (int64_t w = 1; w < p; w *= 2) {
    const int64_t pairs = (p + 2 * w - 1) / (2 * w);
    parallel_for(pairs, 1, [&](int64_t b, int64_t e) {
      for (int64_t q = b; q < e; ++q) {
        int64_t lo = bound[q * 2 * w], mid = bound[std::min(p, q * 2 * w + w)], hi = bound[std::min(p, q * 2 * w + 2 * w)];
        std::merge(src + lo, src + mid, src + mid, src + hi, dst + lo, cmp);
      }
    });
    std::swap(src, dst);
  }
  if (src != a) std::memcpy(a, src, (size_t)n * sizeof(E));
}

// For each row of x along dim: buf[i] = make(x[i], i); order the first `keep`; write values and
// indices of the first `keep` entries (position = index_of(buf[i])).
template <typename T, typename E, typename Make, typename Cmp, typename IndexOf>
void sort_driver(const View& values, const View& indices, const View& x, int dim, int64_t keep, Make make, Cmp cmp, IndexOf index_of) {
  const int64_t n = x.shape[dim];
  const int64_t xs = x.strides[dim], vs = values.strides[dim], is = indices.strides[dim];
  const View xr = drop_dim(x, dim), vr = drop_dim(values, dim), ir = drop_dim(indices, dim);
  const bool few_long_rows = keep == n && xr.numel < num_threads() && n >= (1 << 15);
  auto run = [&](int64_t b, int64_t e, bool par) {
    std::vector<E> buf((size_t)n);
    StridedIter xi(xr, b), vi(vr, b), ii(ir, b);
    for (int64_t r = b; r < e; ++r, xi.next(), vi.next(), ii.next()) {
      const T* xp = x.ptr<T>() + xi.off;
      for (int64_t i = 0; i < n; ++i) buf[i] = make(xp[i * xs], i);
      if (par) parallel_sort(buf.data(), n, cmp);
      else {
        if (keep < n) std::nth_element(buf.begin(), buf.begin() + keep, buf.end(), cmp);
        std::sort(buf.begin(), buf.begin() + keep, cmp);
      }
      T* vp = values.ptr<T>() + vi.off;
      int64_t* ip = indices.ptr<int64_t>() + ii.off;
      for (int64_t i = 0; i < keep; ++i) {
        int64_t j = index_of(buf[i]);
        vp[i * vs] = xp[j * xs];
        ip[i * is] = j;
      }
    }
  };
  if (few_long_rows) run(0, xr.numel, true);
  else parallel_for(xr.numel, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) { run(b, e, false); });
}

template <typename T>
void sort_any(const View& values, const View& indices, const View& x, int dim, int64_t keep, bool desc) {
  if constexpr (sizeof(T) <= 4) {
    if (x.shape[dim] <= (int64_t)0xffffffffLL) {
      const uint32_t flip = desc ? 0xffffffffu : 0u;
      sort_driver<T, uint64_t>(
          values, indices, x, dim, keep,
          [flip](T v, int64_t i) { return ((uint64_t)(key32(v) ^ flip) << 32) | (uint64_t)i; },
          std::less<uint64_t>(), [](uint64_t e) { return (int64_t)(e & 0xffffffffu); });
      return;
    }
  }
  sort_driver<T, Item<T>>(
      values, indices, x, dim, keep, [](T v, int64_t i) { return Item<T>{v, i}; }, ItemBefore<T>{desc},
      [](const Item<T>& e) { return e.i; });
}

}  // namespace

void sort(const View& values, const View& indices, const View& x, int dim, bool descending) {
  if (x.numel == 0) return;
  if (active_isa() == Isa::kRef) return sort_ref(values, indices, x, dim, descending);
  NR_DISPATCH_SORT(x.dtype, T, sort_any<T>(values, indices, x, dim, x.shape[dim], descending));
}

void topk(const View& values, const View& indices, const View& x, int dim, int64_t k, bool largest) {
  if (values.numel == 0) return;
  if (active_isa() == Isa::kRef) return topk_ref(values, indices, x, dim, k, largest);
  NR_DISPATCH_SORT(x.dtype, T, sort_any<T>(values, indices, x, dim, k, largest));
}

}  // namespace nr
