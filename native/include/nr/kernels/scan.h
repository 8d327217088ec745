// Cumulative scans along one dim: inclusive cumsum / cumprod (optionally from the end, which is the
// backward of cumsum) and the exact gradient of cumprod. out and x have the same shape and dtype
// (float32, float64, int32, int64, uint8); any strides. Floats accumulate in double, integers in
// 64-bit two's complement (wrapping), as PyTorch does on the CPU.
#pragma once
#include "nr/view.h"

namespace nr {

enum class ScanOp : int { sum = 0, prod = 1 };

void scan(ScanOp op, const View& out, const View& x, int dim, bool reverse);
void scan_ref(ScanOp op, const View& out, const View& x, int dim, bool reverse);

// Gradient of y = cumprod(x) along dim (float dtypes): gx_i = sum_{j>=i} g_j prod_{l<=j, l!=i} x_l,
// computed without division as P_{i-1} S_i with S_i = g_i + x_{i+1} S_{i+1}, so zeros in x are exact.
void cumprod_backward(const View& gx, const View& g, const View& x, int dim);
void cumprod_backward_ref(const View& gx, const View& g, const View& x, int dim);

}  // namespace nr
