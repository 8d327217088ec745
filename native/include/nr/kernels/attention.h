// Fused scaled-dot-product attention, forward and backward (FlashAttention-2 style on the CPU):
// q (BH, L, E), k (BH, S, E), v (BH, S, Ev), out (BH, L, Ev), lse (BH, L), all contiguous,
// BH = B*H. The L x S score matrix is never stored: queries are processed in blocks against key
// blocks with an online softmax. Optional mask (B, H, L, S) view with broadcast strides: bool
// (true = attend) or additive float. Causal masking keeps key j <= query i (top-left aligned, as
// PyTorch's is_causal). Dropout on the attention weights uses Philox bits keyed by (bh, i, j) so
// backward regenerates the same mask. Rows with no allowed key output 0 (and get zero gradient).
#pragma once
#include <cstdint>
#include "nr/view.h"

namespace nr {

struct AttnShape {
  int64_t B, H, L, S, E, Ev;
  double scale;
  bool causal;
  double dropout_p;
  uint64_t seed, offset;
};

// mask may be nullptr.
void attention_forward(const AttnShape& s, const View& q, const View& k, const View& v, const View* mask, const View& out, const View& lse);
void attention_backward(const AttnShape& s, const View& q, const View& k, const View& v, const View* mask, const View& out,
                        const View& lse, const View& dout, const View& dq, const View& dk, const View& dv);

void attention_forward_ref(const AttnShape& s, const View& q, const View& k, const View& v, const View* mask, const View& out, const View& lse);
void attention_backward_ref(const AttnShape& s, const View& q, const View& k, const View& v, const View* mask, const View& out,
                            const View& lse, const View& dout, const View& dq, const View& dk, const View& dv);

// Per-element score bias: -inf when masked out, else the additive mask value (0 for bool masks).
inline double attn_mask_bias(const AttnShape& s, const View* mask, int64_t bh, int64_t i, int64_t j) {
  if (s.causal && j > i) return -1.0 / 0.0;
  if (!mask) return 0;
  int64_t b = bh / s.H, h = bh % s.H;
  int64_t off = b * mask->strides[0] + h * mask->strides[1] + i * mask->strides[2] + j * mask->strides[3];
  switch (mask->dtype) {
    case DType::b8: case DType::u8: return mask->ptr<uint8_t>()[off] ? 0.0 : -1.0 / 0.0;
    case DType::f32: return (double)mask->ptr<float>()[off];
    case DType::f64: return mask->ptr<double>()[off];
    default: return 0;
  }
}

}  // namespace nr
