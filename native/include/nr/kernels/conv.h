// 2-D convolution kernels (1-D and transposed convolutions are expressed through these).
// All tensors contiguous NCHW:  x is (N, C, H, W), w is (K, C/groups, R, S), y is (N, K, P, Q)
// with P = (H + 2*ph - dh*(R-1) - 1)/sh + 1 and Q likewise. float32 and float64.
#pragma once
#include <cstdint>
#include "nr/view.h"

namespace nr {

struct Conv2dShape {
  int64_t N, C, H, W;   // input
  int64_t K, R, S;      // output channels, kernel height/width
  int64_t P, Q;         // output height/width
  int64_t sh, sw, ph, pw, dh, dw, groups;
};

// y = conv(x, w) + bias (bias: K contiguous values, or nullptr for none).
void conv2d_forward(const Conv2dShape& s, const View& x, const View& w, const View* bias, const View& y);
// gx = d/dx (overwrites gx).
void conv2d_backward_input(const Conv2dShape& s, const View& gy, const View& w, const View& gx);
// gw = d/dw (overwrites gw).
void conv2d_backward_weight(const Conv2dShape& s, const View& gy, const View& x, const View& gw);

void conv2d_forward_ref(const Conv2dShape& s, const View& x, const View& w, const View* bias, const View& y);
void conv2d_backward_input_ref(const Conv2dShape& s, const View& gy, const View& w, const View& gx);
void conv2d_backward_weight_ref(const Conv2dShape& s, const View& gy, const View& x, const View& gw);

}  // namespace nr
