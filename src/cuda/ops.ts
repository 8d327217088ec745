// The ops that run on cuda tensors, called by the generic op entry points (runBinary, runUnary,
// mmCore, softmax, sum) when an operand lives on the GPU. Each checks that all operands share the
// device, converts and broadcasts with device copies, and launches one library kernel. Ops without a
// CUDA kernel throw a clear error (see Storage.allocCuda); supportedOps() lists what runs here.
import { native } from '../backend/native';
import { args } from '../backend/args';
import { DType, isFloat } from '../dtype';
import { Tensor, broadcastShapes, broadcastStridesTo, isTensor, numelOf, sharesMemory } from '../tensor';
import { emptyCuda, cudaClone, cudaCopyInto, cudaFill } from './memory';
import { CUSORT_OPS } from './sort';
import { CUIDX_OPS } from './index';
import { CUMISC_OPS } from './cumisc';

const BINARY: Record<string, number> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, pow: 6 };
// nrc_binary_ext_op: activation backward (a = grad, b = saved input/output), comparisons, logical, rounding division
const BINARY_EXT: Record<string, number> = {
  relu_bw: 0, gelu_bw: 1, gelu_tanh_bw: 2, silu_bw: 3, sigmoid_bw: 4, tanh_bw: 5, leaky_relu_bw: 6, elu_bw: 7, softplus_bw: 8,
  hardtanh_bw: 9, threshold_bw: 10, eq: 11, ne: 12, lt: 13, le: 14, gt: 15, ge: 16, logical_and: 17, logical_or: 18, logical_xor: 19,
  fmod: 20, remainder: 21, atan2: 22, floor_divide: 23,
};
const BOOL_OUT = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logical_and', 'logical_or', 'logical_xor']);
const BOOL_AS_LOGICAL: Record<string, string> = { add: 'logical_or', maximum: 'logical_or', mul: 'logical_and', minimum: 'logical_and' };
// nrc_unary_ext_op, by the CPU kernel names runUnary uses
const UNARY: Record<string, number> = {
  relu: 0, gelu: 1, gelu_tanh: 2, silu: 3, exp: 4, log: 5, neg: 6, abs: 7, sqrt: 8, rsqrt: 9, tanh: 10, sigmoid: 11, sin: 12, cos: 13,
  square: 14, reciprocal: 15, leaky_relu: 16, elu: 17, softplus: 18, hardtanh: 19, sign: 20, floor: 21, ceil: 22, round: 23, trunc: 24,
  log1p: 25, expm1: 26, erf: 27, isnan: 28, isinf: 29, isfinite: 30, logical_not: 31,
};
const PREDICATES = new Set(['isnan', 'isinf', 'isfinite', 'logical_not']);
const BINARY_DTYPES = new Set<DType>(['float32', 'float16', 'bfloat16', 'float64', 'int32', 'int64']);
const HALF_OR_FLOAT = new Set<DType>(['float32', 'float16', 'bfloat16']);


/** Names of the tensor ops that have CUDA kernels (every other op throws on a cuda tensor). */
export function supportedOps(): string[] {
  return [...Object.keys(BINARY), ...Object.keys(BINARY_EXT).filter((n) => !n.endsWith('_bw')), ...Object.keys(UNARY).filter((n) => n !== 'gelu_tanh'),
    'where', 'dropout', 'layerNorm', 'crossEntropy', 'embedding', 'Adam/AdamW (float32 parameters)', 'scaledDotProductAttention',
    'matmul', 'mm', 'bmm', 'linear', 'softmax (float32/float16/bfloat16)', 'sum', 'mean', 'to', 'contiguous', 'clone', 'copy_', 'fill_',
    'views (reshape, permute, transpose, slice, expand, squeeze, unsqueeze)', 'data', 'dataAsync', 'item', 'toArray',
    ...CUSORT_OPS,
    ...CUIDX_OPS,
    ...CUMISC_OPS,
  ];
}

/** Throws unless every tensor operand is on the same device as the first. */
export function checkSameDevice(op: string, ...xs: unknown[]): void {
  let dev: string | null = null;
  for (const x of xs) {
    if (!isTensor(x)) continue;
    if (dev === null) dev = x.device;
    else if (x.device !== dev) {
      throw new Error(`${op}: expected all tensors on one device, got ${dev} and ${x.device} (move one with .to('${dev}'))`);
    }
  }
}

function operand(x: Tensor | number | boolean, dtype: DType, op: string): Tensor {
  if (!isTensor(x)) {
    const d = emptyCuda([], dtype, op);
    cudaFill(d, Number(x));
    return d;
  }
  return x.dtype === dtype ? x : cudaClone(x, dtype);
}

/**
 * out = x op y on cuda with broadcasting (y may be a JS number), for the arithmetic ops, comparisons
 * and logical ops (bool out), rounding divisions and the activation backward ops (a = grad). `rt` is
 * the promoted dtype; `into` receives the result in place.
 */
export function cudaBinary(name: string, label: string, x: Tensor, y: Tensor | number | boolean, rt: DType, alpha: number, beta: number, into?: Tensor): Tensor {
  checkSameDevice(label, x, y, into);
  if (rt === 'bool' && BOOL_AS_LOGICAL[name]) name = BOOL_AS_LOGICAL[name];
  const logical = name.startsWith('logical_');
  const inDtype: DType = logical ? 'bool' : rt;
  const outDtype: DType = BOOL_OUT.has(name) ? 'bool' : rt;
  const arith = BINARY[name] !== undefined;
  if ((!arith && BINARY_EXT[name] === undefined) || (arith && (!BINARY_DTYPES.has(rt) || (name === 'pow' && !isFloat(rt))))) {
    throw new Error(`${label}: not implemented for cuda tensors of dtype ${rt} yet (move the tensors with .to('cpu'))`);
  }
  const xin = operand(x, inDtype, label);
  let yin = operand(y, inDtype, label);
  if (arith && alpha !== 1) { const s = cudaBinary('mul', label, yin, alpha, inDtype, 1, 0); if (yin !== y) yin.dispose(); yin = s; }
  const shape = broadcastShapes(label, xin.shape, yin.shape);
  const direct = into && into.dtype === outDtype && into.isContiguous() && shapeEq(into.shape, shape) && !sharesMemory(into, xin) && !sharesMemory(into, yin);
  const out = direct ? into! : emptyCuda(shape, outDtype, label);
  try {
    args().num(arith ? 0 : 1).num(arith ? BINARY[name] : BINARY_EXT[name]).num(alpha).num(beta)
      .view(out).view(xin, shape, broadcastStridesTo(xin, shape, label)).view(yin, shape, broadcastStridesTo(yin, shape, label));
    native().cudaBinary(out.storage.ptr, xin.storage.ptr, yin.storage.ptr);
  } finally {
    if (xin !== x) xin.dispose();
    if (yin !== y) yin.dispose();
  }
  if (into && out !== into) { cudaCopyInto(into, out, broadcastStridesTo(out, into.shape, label)); out.dispose(); }
  if (into) { into.storage.version++; return into; }
  return out;
}

/** out = op(x) on cuda (any layout); floatOnly ops promote integer input to float32; a, b: op parameters. */
export function cudaUnary(name: string, label: string, x: Tensor, a: number, b: number, floatOnly: boolean, into?: Tensor): Tensor {
  checkSameDevice(label, x, into);
  const code = UNARY[name];
  if (code === undefined) throw new Error(`${label}: not implemented for cuda tensors yet (move the tensor with .to('cpu'))`);
  const xin = floatOnly && !isFloat(x.dtype) ? cudaClone(x, 'float32') : x;
  const out = emptyCuda(x.shape, PREDICATES.has(name) ? 'bool' : xin.dtype, label);
  try {
    args().num(code).num(a).num(b).view(out).view(xin);
    native().cudaUnary(out.storage.ptr, xin.storage.ptr);
  } finally { if (xin !== x) xin.dispose(); }
  if (into) { cudaCopyInto(into, out, out.strides); out.dispose(); into.storage.version++; return into; }
  return out;
}

/** out = cond ? x : y on cuda, broadcast; x and y converted to dtype. */
export function cudaWhere(cond: Tensor, x: Tensor, y: Tensor, dtype: DType): Tensor {
  checkSameDevice('where', cond, x, y);
  const shape = broadcastShapes('where', cond.shape, x.shape, y.shape);
  const c = operand(cond, 'bool', 'where'), xin = operand(x, dtype, 'where'), yin = operand(y, dtype, 'where');
  const out = emptyCuda(shape, dtype, 'where');
  try {
    args().view(out).view(c, shape, broadcastStridesTo(c, shape, 'where')).view(xin, shape, broadcastStridesTo(xin, shape, 'where'))
      .view(yin, shape, broadcastStridesTo(yin, shape, 'where'));
    native().cudaWhere(out.storage.ptr, c.storage.ptr, xin.storage.ptr, yin.storage.ptr);
  } finally {
    for (const [t, u] of [[c, cond], [xin, x], [yin, y]]) if (t !== u) t.dispose();
  }
  return out;
}

/**
 * out (…batch, M, N) = alpha * a (…, M, K) · b (…, K, N) on cuda, batch dims broadcast: one GEMM per
 * batch entry on views (transposed operands need no copy; other layouts are made contiguous).
 */
export function cudaMatmulInto(op: string, out: Tensor, a: Tensor, b: Tensor, batch: readonly number[], alpha: number): void {
  checkSameDevice(op, a, b);
  if (!HALF_OR_FLOAT.has(a.dtype)) throw new Error(`${op}: not implemented for cuda tensors of dtype ${a.dtype} (float32, float16, bfloat16 run on cuda)`);
  // a layout the GEMM takes as is: row-major (unit column stride, row stride >= cols) or column-major;
  // size-1 dims count as dense (as the native layout check does); anything else (e.g. stride 0) is copied
  const unitStride = (t: Tensor) => {
    const r = t.shape[t.ndim - 2], c = t.shape[t.ndim - 1];
    const rs = r <= 1 ? c : t.strides[t.ndim - 2], cs = c <= 1 ? 1 : t.strides[t.ndim - 1];
    const rs2 = r <= 1 ? 1 : t.strides[t.ndim - 2], cs2 = c <= 1 ? r : t.strides[t.ndim - 1];
    return (cs === 1 && rs >= Math.max(1, c)) || (rs2 === 1 && cs2 >= Math.max(1, r));
  };
  const A = unitStride(a) ? a : cudaClone(a, a.dtype), B = unitStride(b) ? b : cudaClone(b, b.dtype);
  const nb = numelOf(batch), M = out.shape[out.ndim - 2], N = out.shape[out.ndim - 1], K = a.shape[a.ndim - 1];
  const idx = new Array<number>(batch.length).fill(0);
  const offsetIn = (t: Tensor) => {
    let off = t.offset;
    const lead = t.ndim - 2, skip = batch.length - lead;
    for (let d = 0; d < lead; d++) if (t.shape[d] !== 1) off += idx[skip + d] * t.strides[d];
    return off;
  };
  const mat = (t: Tensor, off: number, r: number, c: number) =>
    ({ dtype: t.dtype, shape: [r, c], strides: [t.strides[t.ndim - 2], t.strides[t.ndim - 1]], offset: off });
  try {
    for (let i = 0; i < nb; i++) {
      args().view(mat(A, offsetIn(A), M, K)).view(mat(B, offsetIn(B), K, N)).view(mat(out, i * M * N, M, N))
        .num(alpha).num(0).num(allowTf32 ? 1 : 0);
      native().cudaGemm(A.storage.ptr, B.storage.ptr, out.storage.ptr);
      for (let d = batch.length - 1; d >= 0; d--) { if (++idx[d] < batch[d]) break; idx[d] = 0; }
    }
  } finally {
    if (A !== a) A.dispose();
    if (B !== b) B.dispose();
  }
}

let allowTf32 = false;
/** Lets float32 GEMMs on cuda use TF32 tensor cores (faster, ~10-bit mantissa products), like torch.backends.cuda.matmul.allow_tf32. */
export function setAllowTf32(on: boolean): void { allowTf32 = !!on; }
/** Whether float32 GEMMs and convolutions on cuda may use TF32 tensor cores. */
export function tf32Allowed(): boolean { return allowTf32; }

/** Softmax over `dim` on cuda (float32/float16/bfloat16): the library kernel works on the last dim. */
export function cudaSoftmax(x: Tensor, dim: number): Tensor {
  if (!HALF_OR_FLOAT.has(x.dtype)) throw new Error(`softmax: not implemented for cuda tensors of dtype ${x.dtype}`);
  const last = x.ndim === 0 || dim === x.ndim - 1;
  const src = last ? x : x.transpose(dim, -1);
  const xin = src.isContiguous() ? src : cudaClone(src, x.dtype);
  const out = emptyCuda(src.shape, x.dtype, 'softmax');
  try {
    args().view(out).view(xin);
    native().cudaSoftmax(out.storage.ptr, xin.storage.ptr);
  } finally {
    if (xin !== src) xin.dispose();
    if (src !== x) src.dispose();
  }
  if (last) return out;
  const t = out.transpose(dim, -1);
  const back = cudaClone(t, x.dtype);
  t.dispose();
  out.dispose();
  return back;
}

function shapeEq(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
