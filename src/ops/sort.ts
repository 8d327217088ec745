// Sorting ops along a dim: sort, argsort, msort, topk, kthvalue (values + int64 indices) and unique.
// NaN sorts as the largest value and equal values keep their order (every sort is stable). The
// values' backward scatters the gradient back to the positions in `indices`. cuda tensors sort with the
// kernels of src/cuda/sort.ts (unique: sort on the GPU, grouping on the host).
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, normDim, fmtShape } from '../tensor';
import { attach } from '../autograd';
import { defineMethods } from './registry';
import { scatterAdd } from './gather';
import { fromArray } from '../creation';
import type { ValuesIndices } from './reduce';
import { checkTensor } from './check';
import { cudaSort, cudaSortBackward } from '../cuda/sort';

export interface SortOpts { descending?: boolean; stable?: boolean; }
export interface TopkOpts { largest?: boolean; sorted?: boolean; }

declare module '../tensor' {
  interface Tensor {
    sort(dim?: number, opts?: SortOpts): ValuesIndices;
    argsort(dim?: number, opts?: SortOpts): Tensor;
    msort(): Tensor;
    topk(k: number, dim?: number, opts?: TopkOpts): ValuesIndices;
    kthvalue(k: number, dim?: number, opts?: { keepdim?: boolean }): ValuesIndices;
    unique(opts?: UniqueOpts): Tensor | UniqueResult;
  }
}

/** Runs the native sort (k = null) or top-k on x along d; x has ndim >= 1. */
function runSort(x: Tensor, d: number, k: number | null, flag: boolean, op: string): ValuesIndices {
  const half = x.dtype === 'float16' || x.dtype === 'bfloat16';
  const xin = half ? x.detach().to('float32') : x;   // exact and order-preserving
  if (x.device === 'cuda') {
    let r: ValuesIndices;
    try { r = cudaSort(xin, d, k === null ? x.shape[d] : k, flag); } finally { if (xin !== x) xin.dispose(); }
    if (!half) return r;
    const v = r.values.to(x.dtype);
    r.values.dispose();
    return { values: v, indices: r.indices };
  }
  const shape = x.shape.slice();
  if (k !== null) shape[d] = k;
  const values = Tensor.empty(shape, xin.dtype), indices = Tensor.empty(shape, 'int64');
  try {
    if (k === null) {
      args().num(d).num(flag ? 1 : 0).view(values).view(indices).view(xin);
      native().sort(values.storage.buf, indices.storage.buf, xin.storage.buf);
    } else {
      args().num(d).num(k).num(flag ? 1 : 0).view(values).view(indices).view(xin);
      native().topk(values.storage.buf, indices.storage.buf, xin.storage.buf);
    }
  } catch (e) { values.dispose(); indices.dispose(); throw e; } finally { if (xin !== x) xin.dispose(); }
  if (!half) return { values, indices };
  const v = values.to(x.dtype);
  values.dispose();
  return { values: v, indices };
}

/** Values carry a gradient: g is added back at the positions the values came from. */
function withGrad(x: Tensor, d: number, r: ValuesIndices, op: string): ValuesIndices {
  const xshape = x.shape;
  attach(r.values, op, [x], (g, [idx]) => [g.device === 'cuda' ? cudaSortBackward(g, idx, xshape, d)
    : scatterAdd(Tensor.empty(xshape, g.dtype, true), d, idx, g)], [r.indices]);
  return r;
}

/** 0-dim inputs sort as 1-element vectors; results keep the 0-dim shape. */
function lift0(x: Tensor, fn: (x1: Tensor) => ValuesIndices): ValuesIndices {
  if (x.ndim > 0) return fn(x);
  const r = fn(x.reshape([1]));
  const out = { values: r.values.reshape([]), indices: r.indices.reshape([]) };
  return out;
}

/** torch.sort: {values, indices} of x sorted along dim (ascending unless descending). Always stable. */
export function sort(x: Tensor, dim = -1, o: SortOpts = {}): ValuesIndices {
  checkTensor(x, 'sort', 'the input');
  const d = normDim(dim, x.ndim, 'sort');
  return lift0(x, (x1) => withGrad(x1, d, runSort(x1, d, null, !!o?.descending, 'sort'), 'sort'));
}

/** torch.argsort: the int64 indices that sort x along dim. */
export function argsort(x: Tensor, dim = -1, o: SortOpts = {}): Tensor {
  checkTensor(x, 'argsort', 'the input');
  const d = normDim(dim, x.ndim, 'argsort');
  if (x.ndim === 0) return Tensor.empty([], 'int64', true, 'argsort', x.device);
  const r = runSort(x, d, null, !!o?.descending, 'argsort');
  r.values.dispose();
  return r.indices;
}

/** torch.topk: the k largest (or smallest) entries along dim with their indices, largest first (smallest first when largest=false). */
export function topk(x: Tensor, k: number, dim = -1, o: TopkOpts = {}): ValuesIndices {
  checkTensor(x, 'topk', 'the input');
  const d = normDim(dim, x.ndim, 'topk');
  const n = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`topk: k (${String(k)}) out of range for dimension ${String(dim)} of size ${String(n)} (shape ${fmtShape(x.shape)})`);
  const largest = o?.largest ?? true;
  // a 0-dim input gives its element back for k = 0 as well as k = 1 (as torch; k = 0 used to fail in reshape)
  return lift0(x, (x1) => withGrad(x1, d, runSort(x1, d, x.ndim === 0 ? 1 : k, largest, 'topk'), 'topk'));
}

/** torch.kthvalue: the k-th smallest entry (1-based) along dim and its index. */
export function kthvalue(x: Tensor, k: number, dim = -1, o: { keepdim?: boolean } = {}): ValuesIndices {
  checkTensor(x, 'kthvalue', 'the input');
  const d = normDim(dim, x.ndim, 'kthvalue');
  const n = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`kthvalue: k (${String(k)}) out of range for dimension ${String(dim)} of size ${String(n)} (shape ${fmtShape(x.shape)})`);
  const r = topk(x, k, d, { largest: false });
  if (x.ndim === 0) return r;
  const values = r.values.narrow(d, k - 1, 1), indices = r.indices.narrow(d, k - 1, 1).contiguous();
  if (o?.keepdim) return { values, indices };
  return { values: values.squeeze(d), indices: indices.squeeze(d) };
}

export interface UniqueOpts { sorted?: boolean; returnInverse?: boolean; returnCounts?: boolean; dim?: number; }
export interface UniqueResult { values: Tensor; inverse?: Tensor; counts?: Tensor; }

/**
 * torch.unique over all elements, sorted ascending (also when sorted is false, as on PyTorch CPU);
 * NaNs are each unique, as in PyTorch. Returns the
 * values tensor, or {values, inverse?, counts?} when returnInverse/returnCounts is set.
 */
export function unique(x: Tensor, o: UniqueOpts = {}): Tensor | UniqueResult {
  checkTensor(x, 'unique', 'the input');
  if (o?.dim !== undefined && o?.dim !== null) throw new Error('unique: the dim option is not implemented (unique over all elements only)');
  const flat = x.reshape([-1]);
  const sorted = runSort(flat, 0, null, false, 'unique');
  // on cuda: the sort runs on the GPU, the grouping on the host (one readback), the results go back
  const dev = x.device;
  const sv = dev === 'cpu' ? sorted.values : sorted.values.to('cpu'), si = dev === 'cpu' ? sorted.indices : sorted.indices.to('cpu');
  if (sv !== sorted.values) { sorted.values.dispose(); sorted.indices.dispose(); }
  // compare the sorted values as stored (exact for int64; NaN !== NaN keeps NaNs apart, -0 === 0)
  const vals: ArrayLike<number | bigint> = sv.dtype === 'float16' || sv.dtype === 'bfloat16' ? sv.toFlatArray() : sv.data();
  const idx = si.data() as BigInt64Array;
  const n = vals.length;
  const firsts: number[] = [], counts: number[] = [];
  const inverse = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    if (i === 0 || vals[i] !== vals[i - 1]) { firsts.push(i); counts.push(0); }
    counts[counts.length - 1]++;
    inverse[Number(idx[i])] = firsts.length - 1;
  }
  const pick = fromArray(Float64Array.from(firsts), [firsts.length], { dtype: 'int64' });
  const values = sv.indexSelect(0, pick);
  pick.dispose(); sv.dispose(); si.dispose();
  if (flat !== x) flat.dispose();
  const onDev = (t: Tensor): Tensor => { if (dev === 'cpu') return t; const m = t.to(dev); t.dispose(); return m; };
  if (!o?.returnInverse && !o?.returnCounts) return onDev(values);
  const r: UniqueResult = { values: onDev(values) };
  if (o?.returnInverse) r.inverse = onDev(fromArray(Float64Array.from(inverse), [n], { dtype: 'int64' }).reshape(x.shape));
  if (o?.returnCounts) r.counts = onDev(fromArray(Float64Array.from(counts), [counts.length], { dtype: 'int64' }));
  return r;
}

defineMethods('sort', {
  sort(dim?: number, o?: SortOpts) { return sort(this, dim, o); },
  argsort(dim?: number, o?: SortOpts) { return argsort(this, dim, o); },
  msort() { return sort(this, 0).values; },
  topk(k: number, dim?: number, o?: TopkOpts) { return topk(this, k, dim, o); },
  kthvalue(k: number, dim?: number, o?: { keepdim?: boolean }) { return kthvalue(this, k, dim, o); },
  unique(o?: UniqueOpts) { return unique(this, o); },
});
