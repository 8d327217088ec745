// Fill of n contiguous elements of any dtype with a given element bit pattern (1, 2, 4 or 8 bytes):
// the binding builds the pattern with the CPU fill's own conversion (nr::fill_view: float64 exact,
// saturating integer truncation, bool = value != 0), so float64/integer/bool fills on cuda need no
// host upload and agree bit for bit with the CPU. One grid-stride kernel per word size.
#include "dtype_ext.cuh"
#include <cstring>

namespace nrc {
namespace {

// out (n words) = v
template <typename W>
__global__ void fill_words_kernel(W* __restrict__ out, size_t n, W v) {
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) out[i] = v;
}

template <typename W>
void launch(void* out, size_t n, const void* pattern) {
  W v;
  memcpy(&v, pattern, sizeof(W));
  fill_words_kernel<W><<<grid256(n), 256, 0, stream()>>>((W*)out, n, v);
}

}  // namespace
}  // namespace nrc

using namespace nrc;

extern "C" nrc_status nrc_fill_pattern(void* out, size_t n, size_t elem_size, const void* pattern) {
  NRC_INIT();
  NRC_ARG(elem_size == 1 || elem_size == 2 || elem_size == 4 || elem_size == 8, "nrc_fill_pattern: elem_size must be 1, 2, 4 or 8");
  if (!n) return NRC_OK;
  NRC_ARG(out && pattern, "nrc_fill_pattern: null pointer");
  NRC_ARG((uintptr_t)out % elem_size == 0, "nrc_fill_pattern: out is not aligned to the element size");
  switch (elem_size) {
    case 1: launch<unsigned char>(out, n, pattern); break;
    case 2: launch<unsigned short>(out, n, pattern); break;
    case 4: launch<unsigned>(out, n, pattern); break;
    default: launch<unsigned long long>(out, n, pattern); break;
  }
  NRC_LAUNCHED("nrc_fill_pattern");
  return NRC_OK;
}
