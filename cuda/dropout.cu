// Inverted dropout (nrc_dropout) on n contiguous elements with a counter-based Philox4x32-10
// generator (Salmon et al., SC'11), bit-identical to native/include/nr/philox.h: element i draws
// lane i % 4 of philox4x32(counter offset + i / 4, key seed), u = (bits >> 8) * 2^-24, keep = u >= p.
// The mask is a pure function of (seed, offset, i), so it does not depend on the GPU or the launch
// configuration, and a backward pass can regenerate it. Each thread step handles 8 elements (two
// Philox blocks) with packed loads/stores when the pointers are aligned.
#include "elementwise_ext_ops.cuh"
#include "philox.cuh"
#include "vec.cuh"

namespace nrc {
namespace {

// y (n) = keep ? x (n) * scale : 0; mask (n, may be null) = keep. y may be x.
template <typename T>
__global__ void dropout_kernel(const T* x, T* y, uint8_t* mask, int64_t n, float p, ext::cmp_t<T> scale,
                               uint64_t seed, uint64_t offset, bool vec, bool mvec) {
  using C = ext::cmp_t<T>;
  const int64_t step = (int64_t)gridDim.x * blockDim.x, chunks = (n + 7) / 8;
  for (int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; c < chunks; c += step) {
    const int64_t i0 = c * 8;
    const uint4 r0 = philox4x32(offset + (uint64_t)(2 * c), seed), r1 = philox4x32(offset + (uint64_t)(2 * c + 1), seed);
    const uint32_t r[8] = {r0.x, r0.y, r0.z, r0.w, r1.x, r1.y, r1.z, r1.w};
    bool keep[8];
#pragma unroll
    for (int j = 0; j < 8; j++) keep[j] = philox_u01(r[j]) >= p;
    if (i0 + 8 <= n) {
      if (vec) {
        Pack8<T> a = ld_pack(x + i0);
#pragma unroll
        for (int j = 0; j < 8; j++) a.v[j] = ext::to_t<T>(keep[j] ? ext::to_c(a.v[j]) * scale : C(0));
        st_pack(y + i0, a);
      } else {
#pragma unroll
        for (int j = 0; j < 8; j++) y[i0 + j] = ext::to_t<T>(keep[j] ? ext::to_c(x[i0 + j]) * scale : C(0));
      }
      if (mask && mvec) {
        uint2 m;
        m.x = (uint32_t)keep[0] | (uint32_t)keep[1] << 8 | (uint32_t)keep[2] << 16 | (uint32_t)keep[3] << 24;
        m.y = (uint32_t)keep[4] | (uint32_t)keep[5] << 8 | (uint32_t)keep[6] << 16 | (uint32_t)keep[7] << 24;
        *reinterpret_cast<uint2*>(mask + i0) = m;
      } else if (mask) {
#pragma unroll
        for (int j = 0; j < 8; j++) mask[i0 + j] = keep[j];
      }
    } else {
      for (int j = 0; j < 8 && i0 + j < n; j++) {
        y[i0 + j] = ext::to_t<T>(keep[j] ? ext::to_c(x[i0 + j]) * scale : C(0));
        if (mask) mask[i0 + j] = keep[j];
      }
    }
  }
}

template <typename T>
nrc_status launch_dropout(const void* x, void* y, uint8_t* mask, size_t n, float p, uint64_t seed, uint64_t offset) {
  const double s = 1.0 / (1.0 - (double)p);  // inf for p == 1: never applied (nothing is kept)
  const bool vec = aligned_for_pack(x, sizeof(T)) && aligned_for_pack(y, sizeof(T));
  const bool mvec = ((uintptr_t)mask & 7) == 0;
  const size_t chunks = (n + 7) / 8;
  dropout_kernel<T><<<mem_grid(chunks), 256, 0, stream()>>>((const T*)x, (T*)y, mask, (int64_t)n, p,
                                                            (ext::cmp_t<T>)s, seed, offset, vec, mvec);
  NRC_LAUNCHED("nrc_dropout");
  return NRC_OK;
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_dropout(nrc_dtype dt, const void* x, void* y, uint8_t* mask, size_t n, float p, uint64_t seed,
                                  uint64_t offset) {
  NRC_INIT();
  const std::string fn = "nrc_dropout";
  NRC_ARG(dtype_valid(dt), fn + ": unknown dtype code " + std::to_string((int)dt));
  if (dt != NRC_F32 && dt != NRC_F16 && dt != NRC_BF16 && dt != NRC_F64)
    return set_error(NRC_ERR_UNSUPPORTED, fn + ": dtype " + dtype_name(dt) + " is not supported (floating dtypes only)");
  NRC_ARG(p >= 0.f && p <= 1.f, fn + ": p must be in [0, 1], got " + std::to_string(p));
  NRC_ARG(n <= ((size_t)1 << 62), fn + ": n too large");
  if (!n) return NRC_OK;
  NRC_ARG(x && y, fn + ": null pointer");
  switch (dt) {
    case NRC_F32: return launch_dropout<float>(x, y, mask, n, p, seed, offset);
    case NRC_F16: return launch_dropout<__half>(x, y, mask, n, p, seed, offset);
    case NRC_BF16: return launch_dropout<__nv_bfloat16>(x, y, mask, n, p, seed, offset);
    default: return launch_dropout<double>(x, y, mask, n, p, seed, offset);
  }
}
