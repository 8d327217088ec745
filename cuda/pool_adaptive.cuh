// Window arithmetic of adaptive average pooling (cuda/pool_adaptive.cu), host-callable so that
// cuda/dev/cumisc_host_check.cu checks it against the CPU kernel's formulas and a brute-force search.
// Output o of `out` over an input of `in` covers [start, end) with start = floor(o*in/out) and
// end = ceil((o+1)*in/out) (native/kernels/cpu/pool.cc start_idx / end_idx).
#pragma once

namespace nrc {

__host__ __device__ inline long long ada_start(long long o, long long out, long long in) { return (o * in) / out; }
__host__ __device__ inline long long ada_end(long long o, long long out, long long in) { return ((o + 1) * in + out - 1) / out; }

// Outputs whose window contains input position i: [lo, hi] (derived from the two inequalities
// end(o) > i <=> o >= floor(i*out/in) and start(o) <= i <=> o <= ceil((i+1)*out/in) - 1).
__host__ __device__ inline void ada_covering(long long i, long long out, long long in, long long& lo, long long& hi) {
  lo = (i * out) / in;
  hi = ((i + 1) * out + in - 1) / in - 1;
  if (hi > out - 1) hi = out - 1;
}

}  // namespace nrc
