// 2-D pooling over contiguous (planes, H, W) tensors, planes = N*C: max pooling (with argmax indices
// into each H*W plane, as PyTorch), average pooling, adaptive average pooling, and their backwards.
#pragma once
#include <cstdint>
#include "nr/view.h"

namespace nr {

struct Pool2dShape {
  int64_t planes, H, W, P, Q;          // input (planes,H,W) -> output (planes,P,Q)
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  bool count_include_pad;              // avg only
  int64_t divisor;                     // avg only: 0 = window size
};

// Every kernel takes `threaded`: false is the single-threaded reference order.
void max_pool2d_forward(const Pool2dShape& s, const View& x, const View& y, const View& idx, bool threaded);
void max_pool2d_backward(const Pool2dShape& s, const View& gy, const View& idx, const View& gx, bool threaded);
void avg_pool2d_forward(const Pool2dShape& s, const View& x, const View& y, bool threaded);
void avg_pool2d_backward(const Pool2dShape& s, const View& gy, const View& gx, bool threaded);
// Adaptive: window for output p is [floor(p*H/P), ceil((p+1)*H/P)).
void adaptive_avg_pool2d_forward(const Pool2dShape& s, const View& x, const View& y, bool threaded);
void adaptive_avg_pool2d_backward(const Pool2dShape& s, const View& gy, const View& gx, bool threaded);

}  // namespace nr
