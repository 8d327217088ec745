// Fast indexing kernels, threaded on the pool. Row layouts (index constant along the dims after
// `dim`, contiguous rows: index_select, index_add, embedding) copy or accumulate whole rows; other
// layouts walk strided iterators. Writes that may collide (scatter, index_put) are split so each
// target element is owned by one task and updated in the reference's order: the results equal the
// reference kernels' bit for bit. Also the index validation every binding runs first.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>
#include "nr/kernels/index.h"
#include "kernels/index_util.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

constexpr int64_t kGrain = 1 << 14;   // elements per task for element-wise loops

// Grain (in rows) so one task moves about kGrain elements.
inline int64_t row_grain(int64_t row_len) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, row_len)); }

// True when index is constant along the dims after `dim` and those dims form one contiguous run of
// `*inner` elements in a and b (both indexed like index there): then each (outer, i) moves one row.
bool row_layout(const View& index, const View& a, const View& b, int dim, int64_t* inner) {
  int64_t n = 1;
  for (int d = dim + 1; d < index.ndim; ++d) {
    if (index.shape[d] != 1 && index.strides[d] != 0) return false;
    if (index.shape[d] != a.shape[d] || index.shape[d] != b.shape[d]) return false;
    n *= index.shape[d];
  }
  *inner = n;
  return inner_contiguous(a, dim + 1) && inner_contiguous(b, dim + 1);
}

// ---- gather ---------------------------------------------------------------------------------

template <typename T, typename I>
void gather_rows(const View& out, const View& x, const View& index, int dim, int64_t inner) {
  const View oo = sub_dims(out, 0, dim), xo = sub_dims(reshaped_like(x, out), 0, dim), io = sub_dims(index, 0, dim);
  const int64_t ni = index.shape[dim], size = x.shape[dim];
  const int64_t ost = out.strides[dim], xst = x.strides[dim], ist = index.strides[dim];
  parallel_for(oo.numel * ni, row_grain(inner), [&](int64_t b, int64_t e) {
    int64_t o = b / ni, i = b % ni;
    StridedIter a(oo, o), c(xo, o), s(io, o);
    for (int64_t t = b; t < e; ++t) {
      int64_t j = wrap_index(index.ptr<I>()[s.off + i * ist], size);
      std::memcpy(out.ptr<T>() + a.off + i * ost, x.ptr<T>() + c.off + j * xst, (size_t)inner * sizeof(T));
      if (++i == ni) { i = 0; a.next(); c.next(); s.next(); }
    }
  });
}

// Any layout: walks the index one innermost row at a time (rows split into column chunks when
// there are few of them, so 1-D gathers use every thread too).
template <typename T, typename I>
void gather_any(const View& out, const View& x, const View& index, int dim) {
  View xr = reshaped_like(x, index);
  xr.strides[dim] = 0;   // offset of the position without its dim coordinate
  const int nd = index.ndim;
  const int64_t len = index.shape[nd - 1], size = x.shape[dim], xst = x.strides[dim];
  const int64_t os = out.strides[nd - 1], xs = xr.strides[nd - 1], is = index.strides[nd - 1];
  const View oo = sub_dims(out, 0, nd - 1), xo = sub_dims(xr, 0, nd - 1), io = sub_dims(index, 0, nd - 1);
  const int64_t nrows = oo.numel, nt = num_threads();
  const int64_t clen = nrows >= 4 * nt ? len : std::max<int64_t>(std::min<int64_t>(len, 4096), (len + 4 * nt - 1) / (4 * nt));
  const int64_t ncol = (len + clen - 1) / clen;
  parallel_for(nrows * ncol, row_grain(clen), [&](int64_t b, int64_t e) {
    int64_t row = b / ncol, cc = b % ncol;
    StridedIter a(oo, row), c(xo, row), s(io, row);
    for (int64_t t = b; t < e; ++t) {
      T* op = out.ptr<T>() + a.off;
      const T* xp = x.ptr<T>() + c.off;
      const I* ip = index.ptr<I>() + s.off;
      const int64_t c1 = std::min(len, (cc + 1) * clen);
      for (int64_t k = cc * clen; k < c1; ++k) op[k * os] = xp[k * xs + wrap_index(ip[k * is], size) * xst];
      if (++cc == ncol) { cc = 0; a.next(); c.next(); s.next(); }
    }
  });
}

// ---- scatter --------------------------------------------------------------------------------

// Row layout: tasks are (outer position, slice of the target dim); each scans the indices of its
// outer position in order and applies the rows whose target falls in its slice.
template <int M, typename T, typename I>
void scatter_rows(const View& out, const View& index, const View& src, int dim, int64_t inner) {
  const View oo = sub_dims(reshaped_like(out, index), 0, dim), so = sub_dims(reshaped_like(src, index), 0, dim);
  const View io = sub_dims(index, 0, dim);
  const int64_t ni = index.shape[dim], size = out.shape[dim];
  const int64_t ost = out.strides[dim], sst = src.strides[dim], ist = index.strides[dim];
  const int64_t nt = num_threads();
  const int64_t parts = (oo.numel >= 2 * nt || inner < 8) ? 1 : std::max<int64_t>(1, std::min<int64_t>(size, nt));
  parallel_for(oo.numel * parts, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / parts, p = t % parts;
      const int64_t lo = size * p / parts, hi = size * (p + 1) / parts;
      StridedIter a(oo, o), c(so, o), s(io, o);
      for (int64_t i = 0; i < ni; ++i) {
        int64_t j = wrap_index(index.ptr<I>()[s.off + i * ist], size);
        if (j < lo || j >= hi) continue;
        T* dst = out.ptr<T>() + a.off + j * ost;
        const T* sp = src.ptr<T>() + c.off + i * sst;
        for (int64_t r = 0; r < inner; ++r) scatter_apply<M, T>(dst[r], sp[r]);
      }
    }
  });
}

// Any layout: tasks own disjoint sets of positions of the non-indexed dims (targets never collide
// across them) and walk the index dim in order.
template <int M, typename T, typename I>
void scatter_any(const View& out, const View& index, const View& src, int dim) {
  const View ir = drop_dim(index, dim), sr = drop_dim(reshaped_like(src, index), dim), orr = drop_dim(reshaped_like(out, index), dim);
  const int64_t ni = index.shape[dim], size = out.shape[dim];
  const int64_t ost = out.strides[dim], sst = src.strides[dim], ist = index.strides[dim];
  parallel_for(ir.numel, row_grain(ni), [&](int64_t b, int64_t e) {
    StridedIter a(orr, b), c(sr, b), s(ir, b);
    for (int64_t t = b; t < e; ++t, a.next(), c.next(), s.next()) {
      for (int64_t i = 0; i < ni; ++i) {
        int64_t j = wrap_index(index.ptr<I>()[s.off + i * ist], size);
        scatter_apply<M, T>(out.ptr<T>()[a.off + j * ost], src.ptr<T>()[c.off + i * sst]);
      }
    }
  });
}

// ---- advanced indexing ----------------------------------------------------------------------

// Iterators over the k index views (all of shape B) that yield x's offset of the indexed position,
// and the row-major linear position in A (for partitioning targets).
struct AdvIndex {
  const View& x;
  int k;
  const View* ix;
  StridedIter* its;
  int64_t offset_and_key(int64_t* key) const {
    int64_t off = 0, lin = 0;
    for (int j = 0; j < k; ++j) {
      int64_t a = 0;
      NR_DISPATCH_INDEX(ix[j].dtype, I, a = wrap_index(ix[j].ptr<I>()[its[j].off], x.shape[j]));
      off += a * x.strides[j];
      lin = lin * x.shape[j] + a;
    }
    *key = lin;
    return off;
  }
  void next() { for (int j = 0; j < k; ++j) its[j].next(); }
};

std::vector<StridedIter> index_iters(int k, const View* indices, int64_t start) {
  std::vector<StridedIter> its;
  its.reserve(k);
  for (int j = 0; j < k; ++j) its.emplace_back(indices[j], start);
  return its;
}

template <typename T>
void index_gather_impl(const View& out, const View& x, int k, const View* indices) {
  const int nb = indices[0].ndim;
  const View xr = sub_dims(x, k, x.ndim), orr = sub_dims(out, nb, out.ndim), ob = sub_dims(out, 0, nb);
  const int64_t rn = xr.numel, nbp = indices[0].numel;
  const bool rows = inner_contiguous(xr, 0) && inner_contiguous(orr, 0);
  parallel_for(nbp, row_grain(rn), [&](int64_t b, int64_t e) {
    std::vector<StridedIter> its = index_iters(k, indices, b);
    AdvIndex adv{x, k, indices, its.data()};
    StridedIter ot(ob, b);
    for (int64_t t = b; t < e; ++t, adv.next(), ot.next()) {
      int64_t key;
      const T* src = x.ptr<T>() + adv.offset_and_key(&key);
      T* dst = out.ptr<T>() + ot.off;
      if (rows) { std::memcpy(dst, src, (size_t)rn * sizeof(T)); continue; }
      StridedIter xi(xr), oi(orr);
      for (int64_t r = 0; r < rn; ++r, xi.next(), oi.next()) dst[oi.off] = src[xi.off];
    }
  });
}

// Tasks are (slice of the A positions) x (chunk of R): each walks every b in order and applies the
// ones whose target lies in its slice, so a target is only ever touched by one task, in order.
template <int M, typename T>
void index_put_impl(const View& x, int k, const View* indices, const View& values) {
  const int nb = indices[0].ndim;
  const View xr = sub_dims(x, k, x.ndim), vr = sub_dims(values, nb, values.ndim), vb = sub_dims(values, 0, nb);
  const int64_t rn = xr.numel, nbp = indices[0].numel, nt = num_threads();
  int64_t atotal = 1;
  for (int j = 0; j < k; ++j) atotal *= x.shape[j];
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(nt, rn / kGrain));
  const int64_t parts = (rn < 8 || nbp < 2) ? 1 : std::max<int64_t>(1, std::min<int64_t>(atotal, nt));
  const int64_t clen = (rn + chunks - 1) / chunks;
  const bool rows = inner_contiguous(xr, 0) && inner_contiguous(vr, 0);
  parallel_for(parts * chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t p = t / chunks, c = t % chunks;
      const int64_t lo = atotal * p / parts, hi = atotal * (p + 1) / parts;
      const int64_t r0 = c * clen, r1 = std::min(rn, r0 + clen);
      std::vector<StridedIter> its = index_iters(k, indices, 0);
      AdvIndex adv{x, k, indices, its.data()};
      StridedIter vt(vb);
      for (int64_t i = 0; i < nbp; ++i, adv.next(), vt.next()) {
        int64_t key;
        int64_t off = adv.offset_and_key(&key);
        if (key < lo || key >= hi) continue;
        T* dst = x.ptr<T>() + off;
        const T* src = values.ptr<T>() + vt.off;
        if (rows) {
          for (int64_t r = r0; r < r1; ++r) scatter_apply<M, T>(dst[r], src[r]);
          continue;
        }
        StridedIter xi(xr, r0), vi(vr, r0);
        for (int64_t r = r0; r < r1; ++r, xi.next(), vi.next()) scatter_apply<M, T>(dst[xi.off], src[vi.off]);
      }
    }
  });
}

// ---- nonzero --------------------------------------------------------------------------------

// Fixed chunking (independent of scheduling) so counts and writes line up.
struct Chunks {
  int64_t n, len;
  explicit Chunks(int64_t numel) {
    n = std::max<int64_t>(1, std::min<int64_t>(4 * (int64_t)num_threads(), (numel + kGrain - 1) / kGrain));
    len = (numel + n - 1) / n;
  }
};

// x != 0 on the stored value; H: float16/bfloat16 bits (any bit but the sign set).
template <typename T, bool H> inline bool nz(T v) {
  if constexpr (H) return (v & 0x7fff) != 0;
  else return v != 0;
}

// Counts (and with kWrite, writes the coordinates of, starting at row `pos`, at most `rows` rows)
// the non-zero elements among row-major positions [b, e) of x, walking x one innermost row at a time.
template <typename T, bool H, bool kWrite>
int64_t nz_range(const View& x, int64_t b, int64_t e, int64_t* out, int64_t pos, int64_t rows) {
  const T* base = x.ptr<T>();
  const int nd = x.ndim;
  if (nd == 0) {
    if (b >= e || !nz<T, H>(base[0])) return 0;
    return 1;
  }
  const int64_t len = x.shape[nd - 1], st = x.strides[nd - 1];
  const View outer = sub_dims(x, 0, nd - 1);
  StridedIter ot(outer, b / len);
  int64_t n = 0, i = b;
  while (i < e) {
    const int64_t c0 = i % len, c1 = std::min(len, c0 + (e - i));
    const T* p = base + ot.off;
    for (int64_t c = c0; c < c1; ++c) {
      if (!nz<T, H>(p[c * st])) continue;
      if constexpr (kWrite) {
        if (pos + n < rows) {
          int64_t* o = out + (pos + n) * nd;
          for (int d = 0; d < nd - 1; ++d) o[d] = ot.idx[d];
          o[nd - 1] = c;
        }
      }
      ++n;
    }
    i += c1 - c0;
    ot.next();
  }
  return n;
}

#define NR_DISPATCH_NZ(dtype, T, H, ...)                                                      \
  switch (dtype) {                                                                            \
    case DType::f32: { using T = float; constexpr bool H = false; __VA_ARGS__; break; }       \
    case DType::f64: { using T = double; constexpr bool H = false; __VA_ARGS__; break; }      \
    case DType::f16: case DType::bf16: { using T = uint16_t; constexpr bool H = true; __VA_ARGS__; break; } \
    case DType::i32: { using T = int32_t; constexpr bool H = false; __VA_ARGS__; break; }     \
    case DType::i64: { using T = int64_t; constexpr bool H = false; __VA_ARGS__; break; }     \
    case DType::u8: case DType::b8: { using T = uint8_t; constexpr bool H = false; __VA_ARGS__; break; } \
  }

int64_t count_range(const View& x, int64_t b, int64_t e) {
  int64_t n = 0;
  NR_DISPATCH_NZ(x.dtype, T, H, n = (nz_range<T, H, false>(x, b, e, nullptr, 0, 0)));
  return n;
}

void write_range(const View& x, int64_t b, int64_t e, int64_t* out, int64_t pos, int64_t rows) {
  NR_DISPATCH_NZ(x.dtype, T, H, (nz_range<T, H, true>(x, b, e, out, pos, rows)));
}

}  // namespace

IndexFault check_index(const View& idx, int64_t size, bool allow_negative) {
  // Broadcast dims repeat the same values: check each distinct element once.
  View v = idx;
  v.ndim = 0;
  v.numel = 1;
  for (int d = 0; d < idx.ndim; ++d) {
    if (idx.strides[d] == 0 && idx.shape[d] > 0) continue;
    v.shape[v.ndim] = idx.shape[d];
    v.strides[v.ndim++] = idx.strides[d];
    v.numel *= idx.shape[d];
  }
  IndexFault f;
  if (idx.numel == 0) return f;
  const int64_t lo = allow_negative ? -size : 0;
  std::atomic<int64_t> first{v.numel};
  NR_DISPATCH_INDEX(v.dtype, I, {
    parallel_for(v.numel, kGrain * 4, [&](int64_t b, int64_t e) {
      StridedIter it(v, b);
      for (int64_t i = b; i < e; ++i, it.next()) {
        int64_t a = (int64_t)v.ptr<I>()[it.off];
        if (a < lo || a >= size) {
          int64_t cur = first.load();
          while (i < cur && !first.compare_exchange_weak(cur, i)) {}
          return;
        }
      }
    });
    if (first.load() < v.numel) {
      StridedIter it(v, first.load());
      f.pos = first.load();
      f.value = (int64_t)v.ptr<I>()[it.off];
    }
  });
  return f;
}

void gather(const View& out, const View& x, const View& index, int dim) {
  if (index.numel == 0) return;
  if (active_isa() == Isa::kRef) return gather_ref(out, x, index, dim);
  int64_t inner;
  bool rows = row_layout(index, out, x, dim, &inner);
  NR_DISPATCH_INDEX(index.dtype, I, NR_DISPATCH_BYTES(x.dtype, T, {
    if (rows) gather_rows<T, I>(out, x, index, dim, inner);
    else gather_any<T, I>(out, x, index, dim);
  }));
}

void scatter(ScatterMode mode, const View& out, const View& index, const View& src, int dim) {
  if (index.numel == 0) return;
  if (active_isa() == Isa::kRef) return scatter_ref(mode, out, index, src, dim);
  int64_t inner;
  bool rows = row_layout(index, out, src, dim, &inner);
  NR_DISPATCH_INDEX(index.dtype, I, NR_DISPATCH_SCATTER(mode, out.dtype, M, T, {
    if (rows) scatter_rows<M, T, I>(out, index, src, dim, inner);
    else scatter_any<M, T, I>(out, index, src, dim);
  }));
}

void index_gather(const View& out, const View& x, int k, const View* indices) {
  if (out.numel == 0) return;
  if (active_isa() == Isa::kRef) return index_gather_ref(out, x, k, indices);
  NR_DISPATCH_BYTES(x.dtype, T, index_gather_impl<T>(out, x, k, indices));
}

void index_put(const View& x, int k, const View* indices, const View& values, bool accumulate) {
  if (values.numel == 0) return;
  if (active_isa() == Isa::kRef) return index_put_ref(x, k, indices, values, accumulate);
  ScatterMode mode = accumulate ? ScatterMode::add : ScatterMode::assign;
  NR_DISPATCH_SCATTER(mode, x.dtype, M, T, index_put_impl<M, T>(x, k, indices, values));
}

int64_t count_nonzero(const View& x) {
  if (active_isa() == Isa::kRef) return count_nonzero_ref(x);
  if (x.numel == 0) return 0;
  Chunks ch(x.numel);
  std::vector<int64_t> counts((size_t)ch.n, 0);
  parallel_for(ch.n, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) counts[c] = count_range(x, c * ch.len, std::min(x.numel, (c + 1) * ch.len));
  });
  int64_t n = 0;
  for (int64_t c : counts) n += c;
  return n;
}

int64_t nonzero(const View& out, const View& x) {
  if (active_isa() == Isa::kRef) return nonzero_ref(out, x);
  if (x.numel == 0) return 0;
  Chunks ch(x.numel);
  std::vector<int64_t> start((size_t)ch.n + 1, 0);
  parallel_for(ch.n, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) start[c + 1] = count_range(x, c * ch.len, std::min(x.numel, (c + 1) * ch.len));
  });
  for (int64_t c = 0; c < ch.n; ++c) start[c + 1] += start[c];
  const int64_t rows = out.ndim > 0 ? out.shape[0] : 0;
  int64_t* o = out.ptr<int64_t>();
  parallel_for(ch.n, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) write_range(x, c * ch.len, std::min(x.numel, (c + 1) * ch.len), o, start[c], rows);
  });
  return start[ch.n];
}

}  // namespace nr
