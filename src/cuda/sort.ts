// Scans, sorting and flips on cuda tensors, called by src/ops/scan.ts, sort.ts and rearrange.ts when the
// input lives on the GPU: cumsum/cumprod (and the cumprod gradient), sort/topk values + int64 indices
// (a full bitonic sort of every line; topk keeps the first k of it) and their gradient scatter, and the
// negative-stride copy behind flip. Inputs are made contiguous first; the kernels run along any dim of a
// contiguous tensor (cuda/scan.cu, cuda/sort.cu).
import { native } from '../backend/native';
import { args } from '../backend/args';
import { DType } from '../dtype';
import { Tensor } from '../tensor';
import { emptyCuda, contiguousAs } from './memory';
import { checkSameDevice } from './ops';

/** The ops of this file, listed by supportedOps() (src/cuda/ops.ts). */
export const CUSORT_OPS: readonly string[] = [
  'cumsum', 'cumprod', 'sort', 'argsort', 'msort', 'topk', 'kthvalue', 'unique (sort on the GPU, grouping on the host)',
  'flip', 'fliplr', 'flipud', 'roll', 'repeat', 'tile', 'tril', 'triu', 'pad (constant)',
];

const SCAN_DTYPES = new Set<DType>(['float32', 'float64', 'int32', 'int64', 'uint8']);
const SORT_DTYPES = new Set<DType>(['float32', 'float64', 'int32', 'int64', 'uint8', 'bool']);

/** Runs fn on t made contiguous (a copy when needed, disposed after). */
function withContiguous<R>(t: Tensor, fn: (c: Tensor) => R): R {
  const c = contiguousAs(t);
  try { return fn(c); } finally { if (c !== t) c.dispose(); }
}

/** Cumulative sum (op 'cumsum') or product along dim of a cuda tensor of a compute dtype; a new contiguous tensor. */
export function cudaScan(op: 'cumsum' | 'cumprod', x: Tensor, dim: number, reverse: boolean): Tensor {
  if (!SCAN_DTYPES.has(x.dtype)) throw new Error(`${op}: not implemented for cuda tensors of dtype ${x.dtype}`);
  const out = emptyCuda(x.shape, x.dtype, op);
  try {
    withContiguous(x, (xc) => {
      args().num(op === 'cumsum' ? 0 : 1).num(dim).num(reverse ? 1 : 0).view(out).view(xc);
      native().cudaScan(out.storage.ptr, xc.storage.ptr);
    });
  } catch (e) { out.dispose(); throw e; }
  return out;
}

/** The cumprod gradient on cuda: g and x float32/float64 of one dtype and shape. */
export function cudaCumprodBackward(g: Tensor, x: Tensor, dim: number): Tensor {
  checkSameDevice('cumprod backward', g, x);
  const gx = emptyCuda(x.shape, x.dtype, 'cumprod backward');
  try {
    withContiguous(g, (gc) => withContiguous(x, (xc) => {
      args().num(dim).view(gx).view(gc).view(xc);
      native().cudaCumprodBackward(gx.storage.ptr, gc.storage.ptr, xc.storage.ptr);
    }));
  } catch (e) { gx.dispose(); throw e; }
  return gx;
}

/**
 * Sorts every line of x along dim (stable, NaN largest) and keeps the first `keep` entries: values of x's
 * dtype and int64 indices with keep along dim. float16/bfloat16 are sorted as float32 by the caller.
 */
export function cudaSort(x: Tensor, dim: number, keep: number, descending: boolean): { values: Tensor; indices: Tensor } {
  if (!SORT_DTYPES.has(x.dtype)) throw new Error(`sort: not implemented for cuda tensors of dtype ${x.dtype}`);
  const shape = x.shape.slice();
  shape[dim] = keep;
  const values = emptyCuda(shape, x.dtype, 'sort'), indices = emptyCuda(shape, 'int64', 'sort');
  try {
    withContiguous(x, (xc) => {
      args().num(dim).num(keep).num(descending ? 1 : 0).view(values).view(indices).view(xc);
      native().cudaSort(values.storage.ptr, indices.storage.ptr, xc.storage.ptr);
    });
  } catch (e) { values.dispose(); indices.dispose(); throw e; }
  return { values, indices };
}

/** Gradient of sort/topk values on cuda: zeros of xshape with g placed at idx along dim (idx distinct per line). */
export function cudaSortBackward(g: Tensor, idx: Tensor, xshape: readonly number[], dim: number): Tensor {
  checkSameDevice('sort backward', g, idx);
  const dx = emptyCuda(xshape as number[], g.dtype, 'sort backward');
  try {
    withContiguous(g, (gc) => withContiguous(idx, (ic) => {
      args().num(dim).view(dx).view(gc).view(ic);
      native().cudaScatterLines(dx.storage.ptr, gc.storage.ptr, ic.storage.ptr);
    }));
  } catch (e) { dx.dispose(); throw e; }
  return dx;
}

/** A contiguous copy of a cuda view whose strides may be negative (flip). */
export function cudaCopySigned(v: Tensor): Tensor {
  const out = emptyCuda(v.shape, v.dtype, 'flip');
  try {
    args().view(out).view(v);
    native().cudaCopySigned(out.storage.ptr, v.storage.ptr);
  } catch (e) { out.dispose(); throw e; }
  return out;
}
