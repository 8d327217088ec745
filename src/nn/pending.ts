// TEMPORARY: method declarations of ops that other branches add (simd: softmax/logSoftmax, gemm: matmul), so this
// branch type-checks before they are merged. Delete this file when they are.
declare module '../tensor' {
  interface Tensor { softmax(dim: number): Tensor; logSoftmax(dim: number): Tensor; matmul(other: Tensor): Tensor; }
}
export {};
