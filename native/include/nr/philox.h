// Philox4x32-10 counter-based RNG (Salmon et al., SC'11): any element's random bits are a pure
// function of (key, counter), so streams are reproducible on any thread count and kernels can
// regenerate the same bits in a backward pass (e.g. dropout masks).
#pragma once
#include <cstdint>

namespace nr {

struct Philox4 { uint32_t v[4]; };

inline Philox4 philox4x32(uint64_t counter, uint64_t key) {
  uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
  for (int r = 0; r < 10; ++r) {
    uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n1 = (uint32_t)p1;
    uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1, n3 = (uint32_t)p0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

// Uniform float in [0, 1) from element `i` of a stream: counter offset + i/4, lane i%4.
inline float philox_uniform(uint64_t key, uint64_t offset, uint64_t i) {
  Philox4 r = philox4x32(offset + i / 4, key);
  return (float)(r.v[i & 3] >> 8) * (1.0f / 16777216.0f);
}

}  // namespace nr
