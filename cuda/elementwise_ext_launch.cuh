// Launch helper shared by the strided elementwise families (elementwise_ext.cu, where.cu): picks
// the flat kernel (vectorised when every base pointer is pack-aligned) for dense plans, else the
// gather kernel with 32- or 64-bit geometry (strided.cuh). Internal only.
#pragma once
#include "strided.cuh"
#include "vec.cuh"

namespace nrc {

// flat(grid, vec), g32(grid, Geo32<NV>), g64(grid, Geo64<NV>) launch the kernels of one family.
template <int NV, typename Flat, typename Gather32, typename Gather64>
nrc_status launch_elementwise(const char* fn, const Plan<NV>& p, const void* const (&base)[NV], const size_t (&elem)[NV],
                  Flat flat, Gather32 g32, Gather64 g64) {
  if (p.contiguous()) {
    bool vec = true;
    for (int v = 0; v < NV; v++) vec = vec && aligned_for_pack(base[v], elem[v]);
    flat(mem_grid(vec ? (size_t)p.numel / 8 + 1 : (size_t)p.numel), vec);
  } else {
    unsigned g = grid_for((size_t)(p.numel + 3) / 4, 256, (unsigned)props().sms * 16);
    if (p.narrow()) g32(g, geo32(p));
    else g64(g, geo64(p));
  }
  NRC_LAUNCHED(fn);
  return NRC_OK;
}

}  // namespace nrc
