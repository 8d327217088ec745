// Strided copies with dtype conversion (nrc_copy_strided), and the host planning shared with
// nrc_binary_strided (strided_binary.cu): views are validated, dims sorted by the output's strides,
// size-1 dims dropped and mergeable dims coalesced, then one of three kernels runs:
//   - flat: every view dense in the same order -> vectorised grid-stride loop (8 elements a step);
//   - tiled: dst dense along its last dim, src dense along another -> 32x32 tiles through shared
//     memory so both the reads and the writes are coalesced (transpose/permute materialisation);
//   - gather: anything else (slices, broadcasts) -> grid-stride loop, linear index -> per-view
//     offsets (32-bit with multiply-shift dividers when everything fits 31 bits, else 64-bit).
// Same-dtype copies move raw 1/2/4/8-byte words; other pairs convert via St<D>::from(ld(x)).
#include <cstring>
#include <type_traits>
#include "strided.cuh"
#include "vec.cuh"

namespace nrc {

static std::string dims_str(const int64_t* a, int n) {
  std::string s = "(";
  for (int i = 0; i < n; i++) s += (i ? ", " : "") + std::to_string(a[i]);
  return s + (n == 1 ? ",)" : ")");
}
static std::string views_str(int nv, const nrc_view* const* v, const char* const* names) {
  std::string s;
  for (int i = 0; i < nv; i++) {
    if (i) s += ", ";
    int nd = v[i]->ndim < 0 || v[i]->ndim > NRC_MAX_DIMS ? 0 : v[i]->ndim;
    s += std::string(names[i]) + " shape " + dims_str(v[i]->shape, nd) + " strides " + dims_str(v[i]->strides, nd) +
         " offset " + std::to_string(v[i]->offset);
  }
  return s;
}

nrc_status plan_views(const char* fn, int nv, const nrc_view* const* views, const char* const* names,
                      const size_t* elem, int64_t* size, int64_t (*stride)[NRC_MAX_DIMS], int64_t* offset,
                      int64_t* span, int& nd_out, int64_t& numel_out) {
  std::string f(fn);
  if (nv < 1 || nv > 4) return set_error(NRC_ERR_INVALID_ARG, f + ": internal: bad view count");
  for (int v = 0; v < nv; v++)
    if (!views[v]) return set_error(NRC_ERR_INVALID_ARG, f + ": null view " + names[v]);
  for (int v = 0; v < nv; v++)
    if (views[v]->ndim < 0 || views[v]->ndim > NRC_MAX_DIMS)
      return set_error(NRC_ERR_INVALID_ARG, f + ": " + names[v] + " has ndim " + std::to_string(views[v]->ndim) +
                                                " (must be 0.." + std::to_string(NRC_MAX_DIMS) + ")");
  const int nd = views[0]->ndim;
  for (int v = 0; v < nv; v++) {
    bool ok = views[v]->ndim == nd;
    for (int i = 0; ok && i < nd; i++) ok = views[v]->shape[i] == views[0]->shape[i];
    if (!ok) return set_error(NRC_ERR_INVALID_ARG, f + ": shape mismatch: " + views_str(nv, views, names));
    bool neg = views[v]->offset < 0;
    for (int i = 0; i < nd; i++) neg = neg || views[v]->shape[i] < 0 || views[v]->strides[i] < 0;
    if (neg) return set_error(NRC_ERR_INVALID_ARG, f + ": negative shape, stride or offset: " + views_str(nv, views, names));
  }
  int64_t numel = 1;
  for (int i = 0; i < nd; i++)
    if (views[0]->shape[i] == 0) numel = 0;
  for (int i = 0; numel && i < nd; i++)
    if (__builtin_mul_overflow(numel, views[0]->shape[i], &numel))
      return set_error(NRC_ERR_INVALID_ARG, f + ": too many elements: " + views_str(nv, views, names));
  numel_out = numel;
  nd_out = 0;
  if (!numel) return NRC_OK;
  for (int v = 0; v < nv; v++) {  // every element offset, in bytes, must fit int64
    int64_t sp = 0, t;
    bool over = false;
    for (int i = 0; i < nd; i++) {
      over = over || __builtin_mul_overflow(views[v]->shape[i] - 1, views[v]->strides[i], &t) ||
             __builtin_add_overflow(sp, t, &sp);
    }
    over = over || __builtin_add_overflow(sp, views[v]->offset + 1, &t) ||
           __builtin_mul_overflow(t, (int64_t)elem[v], &t);
    if (over) return set_error(NRC_ERR_INVALID_ARG, f + ": view addresses overflow: " + views_str(nv, views, names));
    span[v] = sp;
    offset[v] = views[v]->offset;
  }
  for (int i = 0; i < nd; i++)
    if (views[0]->shape[i] > 1 && views[0]->strides[i] == 0)
      return set_error(NRC_ERR_INVALID_ARG, f + ": " + names[0] + " overlaps itself (stride 0 on a dim of size > 1): " +
                                                views_str(nv, views, names));
  // dims of size > 1, sorted by the output's stride, largest first (stable: ties keep their order)
  int order[NRC_MAX_DIMS], n = 0;
  for (int i = 0; i < nd; i++)
    if (views[0]->shape[i] > 1) order[n++] = i;
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && views[0]->strides[order[j - 1]] < views[0]->strides[order[j]]; j--)
      std::swap(order[j - 1], order[j]);
  // coalesce from the innermost dim outwards: outer dim o merges into inner dim q when every view
  // has stride[o] == stride[q] * size[q]
  int m = 0;  // dims kept, built innermost first
  int64_t rsize[NRC_MAX_DIMS], rstride[4][NRC_MAX_DIMS];  // nv <= 4
  for (int k = n - 1; k >= 0; k--) {
    int d = order[k];
    bool merge = m > 0;
    for (int v = 0; merge && v < nv; v++) merge = views[v]->strides[d] == rstride[v][m - 1] * rsize[m - 1];
    if (merge) {
      rsize[m - 1] *= views[0]->shape[d];
    } else {
      rsize[m] = views[0]->shape[d];
      for (int v = 0; v < nv; v++) rstride[v][m] = views[v]->strides[d];
      m++;
    }
  }
  for (int i = 0; i < m; i++) {  // outermost first
    size[i] = rsize[m - 1 - i];
    for (int v = 0; v < nv; v++) stride[v][i] = rstride[v][m - 1 - i];
  }
  nd_out = m;
  return NRC_OK;
}

namespace {

template <typename D, typename S>
struct Conv { __device__ __forceinline__ D operator()(S x) const { return St<D>::from(ld(x)); } };
template <typename T>
struct Ident { __device__ __forceinline__ T operator()(T x) const { return x; } };

// dst (n) = f(src (n)), both dense
template <typename D, typename S, typename F>
__global__ void copy_flat_kernel(D* dst, const S* src, int64_t n, F f, bool vec) {
  int64_t step = (int64_t)gridDim.x * blockDim.x, tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  int64_t nv = vec ? n / 8 : 0;
  for (int64_t i = tid; i < nv; i += step) {
    Pack8<S> p = ld_pack(src + i * 8);
    Pack8<D> q;
#pragma unroll
    for (int j = 0; j < 8; j++) q.v[j] = f(p.v[j]);
    st_pack(dst + i * 8, q);
  }
  for (int64_t i = nv * 8 + tid; i < n; i += step) dst[i] = f(src[i]);
}

// dst[off0(i)] = f(src[off1(i)]) for i < n; G is Geo32<2> (I = uint32_t) or Geo64<2> (I = int64_t).
// Four elements per thread per step: all loads issued before the stores.
template <typename D, typename S, typename F, typename G, typename I>
__global__ void copy_gather_kernel(D* dst, const S* src, I n, G g, F f) {
  const I step = (I)gridDim.x * blockDim.x;
  for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += 4 * step) {
    S v[4];
    I od[4];
#pragma unroll
    for (int k = 0; k < 4; k++) {
      I j = i + k * step, off[2];
      if (j < n) {
        g.offsets(j, off);
        od[k] = off[0];
        v[k] = src[off[1]];
      }
    }
#pragma unroll
    for (int k = 0; k < 4; k++)
      if (i + k * step < n) dst[od[k]] = f(v[k]);
  }
}

// Batched transpose-copy. For batch b, r < R, c < C:
//   dst[db(b) + r * dst_r + c] = f(src[sb(b) + r + c * src_c])
// src is dense along r, dst along c. A block moves one 32x32 (r, c) tile per step through shared
// memory (rows padded to 33), blockDim (32, 8): reads and writes are both coalesced.
struct TileGeo {
  int64_t R, C, dst_r, src_c, tiles_r, tiles_c, tiles;
  int nb;                                  // batch dims, outermost first
  int64_t bsize[NRC_MAX_DIMS], bstride[2][NRC_MAX_DIMS];
};
template <typename D, typename S, typename F>
__global__ void __launch_bounds__(256) copy_tiled_kernel(D* dst, const S* src, TileGeo g, F f) {
  __shared__ __align__(16) unsigned char raw[32 * 33 * sizeof(D)];
  D(*tile)[33] = reinterpret_cast<D(*)[33]>(raw);
  const int x = threadIdx.x, y = threadIdx.y;
  for (int64_t t = blockIdx.x; t < g.tiles; t += gridDim.x) {
    int64_t tc = t % g.tiles_c, rest = t / g.tiles_c, tr = rest % g.tiles_r, b = rest / g.tiles_r;
    int64_t od = 0, os = 0;
    for (int i = g.nb - 1; i >= 0; i--) {
      int64_t q = b / g.bsize[i], r = b - q * g.bsize[i];
      od += r * g.bstride[0][i];
      os += r * g.bstride[1][i];
      b = q;
    }
    int64_t r0 = tr * 32, c0 = tc * 32;
    const S* s = src + os + r0 + c0 * g.src_c;
    D* d = dst + od + r0 * g.dst_r + c0;
    int rn = (int)min((int64_t)32, g.R - r0), cn = (int)min((int64_t)32, g.C - c0);
    if (x < rn)
      for (int j = y; j < cn; j += 8) tile[j][x] = f(s[x + j * g.src_c]);
    __syncthreads();
    if (x < cn)
      for (int j = y; j < rn; j += 8) d[j * g.dst_r + x] = tile[x][j];
    __syncthreads();
  }
}

// The tiled path applies when dst is dense along its last dim and src along another dim k, both
// at least 16 long; fills g.
bool tiled_geo(const Plan<2>& p, TileGeo& g) {
  int nd = p.nd, k = -1;
  if (nd < 2 || p.stride[0][nd - 1] != 1 || p.stride[1][nd - 1] == 1) return false;
  for (int i = 0; i < nd - 1; i++)
    if (p.stride[1][i] == 1) k = i;
  if (k < 0 || p.size[k] < 16 || p.size[nd - 1] < 16) return false;
  g.R = p.size[k];
  g.C = p.size[nd - 1];
  g.dst_r = p.stride[0][k];
  g.src_c = p.stride[1][nd - 1];
  g.tiles_r = (g.R + 31) / 32;
  g.tiles_c = (g.C + 31) / 32;
  g.tiles = g.tiles_r * g.tiles_c;
  g.nb = 0;
  for (int i = 0; i < nd - 1; i++) {
    if (i == k) continue;
    g.bsize[g.nb] = p.size[i];
    g.bstride[0][g.nb] = p.stride[0][i];
    g.bstride[1][g.nb] = p.stride[1][i];
    g.tiles *= p.size[i];  // cannot overflow: tiles <= numel
    g.nb++;
  }
  return true;
}

template <typename D, typename S, typename F>
nrc_status launch_copy(void* dst, const void* src, const Plan<2>& p, F f) {
  D* d = (D*)dst + p.offset[0];
  const S* s = (const S*)src + p.offset[1];
  const unsigned max_blocks = (unsigned)props().sms * 16;
  TileGeo tg;
  if (p.contiguous()) {
    bool vec = aligned_for_pack(d, sizeof(D)) && aligned_for_pack(s, sizeof(S));
    unsigned g = mem_grid(vec ? p.numel / 8 + 1 : p.numel);
    copy_flat_kernel<D, S, F><<<g, 256, 0, stream()>>>(d, s, p.numel, f, vec);
  } else if (tiled_geo(p, tg)) {
    unsigned g = grid_for((size_t)tg.tiles, 1, max_blocks);
    copy_tiled_kernel<D, S, F><<<g, dim3(32, 8), 0, stream()>>>(d, s, tg, f);
  } else if (p.narrow()) {
    unsigned g = grid_for((size_t)(p.numel + 3) / 4, 256, max_blocks);
    copy_gather_kernel<D, S, F, Geo32<2>, uint32_t><<<g, 256, 0, stream()>>>(d, s, (uint32_t)p.numel, geo32(p), f);
  } else {
    unsigned g = grid_for((size_t)(p.numel + 3) / 4, 256, max_blocks);
    copy_gather_kernel<D, S, F, Geo64<2>, int64_t><<<g, 256, 0, stream()>>>(d, s, p.numel, geo64(p), f);
  }
  NRC_LAUNCHED("nrc_copy_strided");
  return NRC_OK;
}

template <typename T>
nrc_status launch_raw(void* dst, const void* src, const Plan<2>& p) {
  return launch_copy<T, T>(dst, src, p, Ident<T>{});
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_copy_strided(nrc_dtype dst_dt, void* dst, const nrc_view* dv, nrc_dtype src_dt,
                                       const void* src, const nrc_view* sv) {
  NRC_INIT();
  NRC_ARG(dtype_valid(dst_dt) && dtype_valid(src_dt),
          "nrc_copy_strided: unknown dtype code " + std::to_string((int)(dtype_valid(dst_dt) ? src_dt : dst_dt)));
  const nrc_view* views[2] = {dv, sv};
  const char* const names[2] = {"dst", "src"};
  const size_t elem[2] = {dtype_size(dst_dt), dtype_size(src_dt)};
  Plan<2> p;
  nrc_status st = make_plan("nrc_copy_strided", views, names, elem, p);
  if (st != NRC_OK || p.numel == 0) return st;
  NRC_ARG(dst && src, "nrc_copy_strided: null pointer");
  bool same_view = dst == src && dv->offset == sv->offset &&
                   !memcmp(dv->strides, sv->strides, sizeof(int64_t) * (size_t)dv->ndim);
  if (same_view) {
    NRC_ARG(elem[0] == elem[1], std::string("nrc_copy_strided: in-place copy from ") + dtype_name(src_dt) + " to " +
                                    dtype_name(dst_dt) + " (element sizes differ)");
    if (dst_dt == src_dt) return NRC_OK;
  }
  if (dst_dt == src_dt) {
    switch (elem[0]) {
      case 1: return launch_raw<uint8_t>(dst, src, p);
      case 2: return launch_raw<uint16_t>(dst, src, p);
      case 4: return launch_raw<uint32_t>(dst, src, p);
      default: return launch_raw<unsigned long long>(dst, src, p);
    }
  }
  NRC_DISPATCH_ALL(dst_dt, D, NRC_DISPATCH_ALL(src_dt, S,
    if constexpr (!std::is_same<D, S>::value) return launch_copy<D, S>(dst, src, p, Conv<D, S>{})));
  return NRC_OK;
}
