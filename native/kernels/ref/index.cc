// Reference indexing kernels: single-threaded loops over row-major coordinates, one element at a
// time. The oracle for the fast kernels in kernels/cpu/index.cc. Indices were validated by the caller.
#include "nr/kernels/index.h"
#include "kernels/index_util.h"

namespace nr {

namespace {

// out and index are (S...), x has S's rank:   out[p] = x[p with p[dim] = index[p]]
template <typename T, typename I>
void gather_loop(const View& out, const View& x, const View& index, int dim) {
  int64_t coord[kMaxDims] = {0};
  const int nd = index.ndim;
  for (int64_t n = 0; n < index.numel; ++n) {
    int64_t io = 0, oo = 0, xo = 0;
    for (int d = 0; d < nd; ++d) {
      io += coord[d] * index.strides[d];
      oo += coord[d] * out.strides[d];
      if (d != dim) xo += coord[d] * x.strides[d];
    }
    int64_t j = wrap_index(index.ptr<I>()[io], x.shape[dim]);
    out.ptr<T>()[oo] = x.ptr<T>()[xo + j * x.strides[dim]];
    next_coord(coord, index.shape, nd);
  }
}

// For every p of index (row-major):   out[p with p[dim] = index[p]]  op=  src[p]
template <int M, typename T, typename I>
void scatter_loop(const View& out, const View& index, const View& src, int dim) {
  int64_t coord[kMaxDims] = {0};
  const int nd = index.ndim;
  for (int64_t n = 0; n < index.numel; ++n) {
    int64_t io = 0, so = 0, oo = 0;
    for (int d = 0; d < nd; ++d) {
      io += coord[d] * index.strides[d];
      so += coord[d] * src.strides[d];
      if (d != dim) oo += coord[d] * out.strides[d];
    }
    int64_t j = wrap_index(index.ptr<I>()[io], out.shape[dim]);
    scatter_apply<M, T>(out.ptr<T>()[oo + j * out.strides[dim]], src.ptr<T>()[so]);
    next_coord(coord, index.shape, nd);
  }
}

// Offset into x (A_0..A_{k-1}, R...) of the indexed A position for B coordinate `coord`.
template <typename I>
int64_t advanced_offset(const View& x, int k, const View* indices, const int64_t* coord) {
  int64_t off = 0;
  for (int j = 0; j < k; ++j) {
    const View& ix = indices[j];
    int64_t io = 0;
    for (int d = 0; d < ix.ndim; ++d) io += coord[d] * ix.strides[d];
    off += wrap_index(ix.ptr<I>()[io], x.shape[j]) * x.strides[j];
  }
  return off;
}

// out (B..., R...):   out[b, r] = x[idx_0[b], ..., idx_{k-1}[b], r]
template <typename T, typename I>
void index_gather_loop(const View& out, const View& x, int k, const View* indices) {
  int64_t coord[kMaxDims] = {0};
  const int nb = indices[0].ndim, nd = out.ndim;
  for (int64_t n = 0; n < out.numel; ++n) {
    int64_t xo = advanced_offset<I>(x, k, indices, coord), oo = 0;
    for (int d = 0; d < nd; ++d) oo += coord[d] * out.strides[d];
    for (int d = nb; d < nd; ++d) xo += coord[d] * x.strides[k + d - nb];
    out.ptr<T>()[oo] = x.ptr<T>()[xo];
    next_coord(coord, out.shape, nd);
  }
}

// values (B..., R...):   x[idx_0[b], ..., idx_{k-1}[b], r]  (= or +=)  values[b, r]
template <int M, typename T, typename I>
void index_put_loop(const View& x, int k, const View* indices, const View& values) {
  int64_t coord[kMaxDims] = {0};
  const int nb = indices[0].ndim, nd = values.ndim;
  for (int64_t n = 0; n < values.numel; ++n) {
    int64_t xo = advanced_offset<I>(x, k, indices, coord), vo = 0;
    for (int d = 0; d < nd; ++d) vo += coord[d] * values.strides[d];
    for (int d = nb; d < nd; ++d) xo += coord[d] * x.strides[k + d - nb];
    scatter_apply<M, T>(x.ptr<T>()[xo], values.ptr<T>()[vo]);
    next_coord(coord, values.shape, nd);
  }
}

}  // namespace

void gather_ref(const View& out, const View& x, const View& index, int dim) {
  NR_DISPATCH_INDEX(index.dtype, I, NR_DISPATCH_BYTES(x.dtype, T, gather_loop<T, I>(out, x, index, dim)));
}

void scatter_ref(ScatterMode mode, const View& out, const View& index, const View& src, int dim) {
  NR_DISPATCH_INDEX(index.dtype, I, NR_DISPATCH_SCATTER(mode, out.dtype, M, T, scatter_loop<M, T, I>(out, index, src, dim)));
}

void index_gather_ref(const View& out, const View& x, int k, const View* indices) {
  NR_DISPATCH_INDEX(indices[0].dtype, I, NR_DISPATCH_BYTES(x.dtype, T, index_gather_loop<T, I>(out, x, k, indices)));
}

void index_put_ref(const View& x, int k, const View* indices, const View& values, bool accumulate) {
  ScatterMode mode = accumulate ? ScatterMode::add : ScatterMode::assign;
  NR_DISPATCH_INDEX(indices[0].dtype, I, NR_DISPATCH_SCATTER(mode, x.dtype, M, T, index_put_loop<M, T, I>(x, k, indices, values)));
}

int64_t count_nonzero_ref(const View& x) {
  int64_t n = 0;
  const int64_t isz = dtype_size(x.dtype);
  StridedIter it(x);
  for (int64_t i = 0; i < x.numel; ++i, it.next()) n += elem_nonzero(x.dtype, x.data + it.off * isz);
  return n;
}

int64_t nonzero_ref(const View& out, const View& x) {
  int64_t coord[kMaxDims] = {0}, n = 0;
  const int64_t isz = dtype_size(x.dtype), rows = out.ndim > 0 ? out.shape[0] : 0;
  int64_t* o = out.ptr<int64_t>();
  for (int64_t i = 0; i < x.numel; ++i) {
    int64_t off = 0;
    for (int d = 0; d < x.ndim; ++d) off += coord[d] * x.strides[d];
    if (elem_nonzero(x.dtype, x.data + off * isz)) {
      if (n < rows)
        for (int d = 0; d < x.ndim; ++d) o[n * x.ndim + d] = coord[d];
      ++n;
    }
    next_coord(coord, x.shape, x.ndim);
  }
  return n;
}

}  // namespace nr
