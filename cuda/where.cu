// nrc_where_strided: out = cond ? a : b over strided views (broadcast by stride 0), any of the 8
// dtypes, elements copied as stored (bit for bit). Planned by plan_views (strided.cuh); dense views
// take a flat kernel with 8-element packs, anything else a gather kernel (4 elements per thread,
// loads before stores).
#include <string>
#include "elementwise_ext_launch.cuh"

namespace nrc {
namespace {

// ---- where: out (n, T) = c (n, bool) ? a (n, T) : b (n, T), elements copied as stored ----
template <typename T>
__global__ void where_flat(T* out, const Bool8* c, const T* a, const T* b, int64_t n, bool vec) {
  const int64_t step = (int64_t)gridDim.x * blockDim.x, tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  const int64_t nv = vec ? n / 8 : 0;
  for (int64_t i = tid; i < nv; i += step) {
    Pack8<Bool8> m = ld_pack(c + i * 8);
    Pack8<T> p = ld_pack(a + i * 8), r = ld_pack(b + i * 8);
#pragma unroll
    for (int j = 0; j < 8; j++) if (!m.v[j].v) p.v[j] = r.v[j];
    st_pack(out + i * 8, p);
  }
  for (int64_t i = nv * 8 + tid; i < n; i += step) out[i] = c[i].v ? a[i] : b[i];
}

template <typename T, typename G, typename I>
__global__ void where_gather(T* out, const Bool8* c, const T* a, const T* b, I n, G g) {
  const I step = (I)gridDim.x * blockDim.x;
  for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += 4 * step) {
    T v[4];
    I od[4];
#pragma unroll
    for (int k = 0; k < 4; k++) {
      I j = i + k * step, off[4];
      od[k] = 0;
      if (j < n) { g.offsets(j, off); od[k] = off[0]; v[k] = c[off[1]].v ? a[off[2]] : b[off[3]]; }
    }
#pragma unroll
    for (int k = 0; k < 4; k++)
      if (i + k * step < n) out[od[k]] = v[k];
  }
}

template <typename T>
nrc_status run_where(void* out, const void* cond, const void* a, const void* b, const Plan<4>& p) {
  T* o = (T*)out + p.offset[0];
  const Bool8* c = (const Bool8*)cond + p.offset[1];
  const T* x = (const T*)a + p.offset[2];
  const T* y = (const T*)b + p.offset[3];
  const void* base[4] = {o, c, x, y};
  const size_t elem[4] = {sizeof(T), 1, sizeof(T), sizeof(T)};
  return launch_elementwise<4>("nrc_where_strided", p, base, elem,
      [&](unsigned g, bool vec) { where_flat<T><<<g, 256, 0, stream()>>>(o, c, x, y, p.numel, vec); },
      [&](unsigned g, const Geo32<4>& geo) {
        where_gather<T, Geo32<4>, uint32_t><<<g, 256, 0, stream()>>>(o, c, x, y, (uint32_t)p.numel, geo); },
      [&](unsigned g, const Geo64<4>& geo) {
        where_gather<T, Geo64<4>, int64_t><<<g, 256, 0, stream()>>>(o, c, x, y, p.numel, geo); });
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_where_strided(nrc_dtype dt, void* out, const nrc_view* ov, const void* cond,
                                        const nrc_view* cv, const void* a, const nrc_view* av, const void* b,
                                        const nrc_view* bv) {
  NRC_INIT();
  const char* fn = "nrc_where_strided";
  NRC_ARG(dtype_valid(dt), std::string(fn) + ": unknown dtype code " + std::to_string((int)dt));
  const nrc_view* views[4] = {ov, cv, av, bv};
  const char* const names[4] = {"out", "cond", "a", "b"};
  const size_t es = dtype_size(dt);
  const size_t elem[4] = {es, 1, es, es};
  Plan<4> p;
  nrc_status st = make_plan(fn, views, names, elem, p);
  if (st != NRC_OK || p.numel == 0) return st;
  NRC_ARG(out && cond && a && b, std::string(fn) + ": null pointer");
  NRC_DISPATCH_ALL(dt, T, return run_where<T>(out, cond, a, b, p));
  return NRC_OK;
}
