// Philox4x32-10 counter-based random numbers (Salmon et al., SC'11) for device kernels, host-callable
// too: bit-identical to native/include/nr/philox.h (the CPU's generator), so a (seed, offset) pair
// gives the same stream on the CPU and on any GPU and launch configuration. Internal only.
#pragma once
#include <cstdint>
#include <cuda_runtime.h>

namespace nrc {

// Philox4x32-10: counter (lo, hi, 0, 0), key (lo, hi) of the 64-bit values.
__host__ __device__ __forceinline__ uint4 philox4x32(uint64_t counter, uint64_t key) {
  uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
#pragma unroll
  for (int r = 0; r < 10; ++r) {
    const uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;  // mul.wide.u32
    const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    c0 = n0; c1 = (uint32_t)p1; c2 = n2; c3 = (uint32_t)p0;
    k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
  }
  return make_uint4(c0, c1, c2, c3);
}
// Uniform float in [0, 1) with 24 random bits (as nr::philox_uniform).
__host__ __device__ __forceinline__ float philox_u01(uint32_t r) { return (float)(r >> 8) * (1.0f / 16777216.0f); }

}  // namespace nrc
