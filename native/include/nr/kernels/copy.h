// Kernels that move or create data: strided copy with dtype conversion, fill, ranges, random numbers.
#pragma once
#include "nr/view.h"

namespace nr {

// dst and src have the same shape (src may broadcast via 0 strides); converts dtype as torch does:
// float->int truncates toward zero (saturating, NaN -> 0), anything->bool is (x != 0).
void copy_view(const View& dst, const View& src);
// Every element of dst (any strides) = value converted to dst's dtype.
void fill_view(const View& dst, double value);
// dst (contiguous, 1-D) = start + i*step; integer dtypes get exact integer values.
void arange_fill(const View& dst, double start, double step);
// dst (contiguous, 1-D, n >= 2) = torch.linspace: first half from start, second half from end.
void linspace_fill(const View& dst, double start, double end);

// Philox4x32-10 counter-based RNG: element i of a call uses counter offset + i/4 (uniform) or
// offset + i/2 (normal), so results do not depend on the thread count.
void rand_uniform(const View& dst, uint64_t seed, uint64_t offset, double lo, double hi);
void rand_normal(const View& dst, uint64_t seed, uint64_t offset, double mean, double std);
void rand_int(const View& dst, uint64_t seed, uint64_t offset, int64_t low, int64_t high);

}  // namespace nr
