// Device helpers shared by the flash attention kernels (flash_attn.cu, flash_attn_bwd.cu): the XOR
// swizzle of [rows][W] shared tiles (16-byte chunk ^ row % 8, so ldmatrix rows hit distinct banks),
// exp2 via ex2.approx, and cp.async loads of up to `rows` rows (rows past `valid` are zero-filled).
#pragma once
#include "mma.cuh"

namespace nrc {
namespace flash {

template <int W>
__device__ __forceinline__ int swz(int row, int col) {  // element offset in a [rows][W] swizzled tile
  return row * W + ((((col >> 3) ^ (row & 7))) << 3) + (col & 7);
}

__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}

// dst [rows][D] swizzled <- src rows (stride elements apart, 16-byte aligned), zeros past `valid`.
template <typename T, int D, int THREADS>
__device__ __forceinline__ void load_rows(T* dst, const T* src, int64_t stride, int rows, int valid, int tid) {
  constexpr int CH = D / 8;  // 16-byte chunks per row
  for (int c = tid; c < rows * CH; c += THREADS) {
    int r = c / CH, ch = c % CH;
    bool ok = r < valid;
    cp_async16(smem_u32(dst + swz<D>(r, ch * 8)), ok ? src + r * stride + ch * 8 : src, ok);
  }
}

}  // namespace flash
}  // namespace nrc
