// TEMPORARY: method declarations of ops that other branches add (gemm: matmul), so this
// branch type-checks before they are merged. Delete this file when they are.
declare module '../tensor' {
  interface Tensor { matmul(other: Tensor): Tensor; }
}
export {};
