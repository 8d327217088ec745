// Tensor indexing like PyTorch's x[...]: integers, slices, '...', 'newaxis', integer index tensors
// (broadcast together) and bool masks, mixed freely. Basic items (integers, slices) make views;
// tensor items run the native gather (index) or put (indexPut/indexPut_, optionally accumulating).
// Also nonzero, maskedFill and maskedSelect, which are built on the same machinery.
// On cuda the same argument blocks go to the CUDA kernels (src/cuda/index.ts). Devices (as PyTorch):
// index tensors (integer or bool) of a cuda input may be on the CPU (they are copied to the device);
// values must be on the input's device unless 0-dim; masks of maskedFill/maskedSelect must be on the
// input's device; maskedFill's 0-dim value tensor may be anywhere. Bool-mask indexing, nonzero and
// maskedSelect read the number of selected elements back from the GPU (a synchronous readback).
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, Shape, fmtShape, isTensor, broadcastShapes, broadcastStridesTo } from '../tensor';
import { attach, isGradEnabled } from '../autograd';
import { defineMethods } from './registry';
import { sumToShape } from './reduce';
import { where } from './binary';
import { rawCopy } from './gather';
import { DType } from '../dtype';
import { checkTensor, fmtValue } from './check';
import { indexOnDeviceOf, requireDeviceOf, cudaIndexGatherCall, cudaIndexPutCall, cudaNonzero } from '../cuda/index';

/** A slice item: {start, end, step} (each optional, PyTorch's start:end:step). */
export interface Slice { start?: number; end?: number; step?: number; }
/**
 * One index item: an integer (selects, removing the dim), null or a Slice (keeps a range), '...'
 * (as many full slices as needed), 'newaxis' (inserts a dim of size 1), an int64/int32 tensor
 * (advanced indexing) or a bool mask tensor (selects where true, over as many dims as it has).
 */
export type IndexItem = number | null | Slice | '...' | 'newaxis' | Tensor;

declare module '../tensor' {
  interface Tensor {
    index(indices: IndexItem[] | IndexItem): Tensor;
    indexPut(indices: IndexItem[] | IndexItem, values: Tensor | number, opts?: { accumulate?: boolean }): Tensor;
    indexPut_(indices: IndexItem[] | IndexItem, values: Tensor | number, opts?: { accumulate?: boolean }): Tensor;
    nonzero(opts?: { asTuple?: false }): Tensor;
    nonzero(opts: { asTuple: true }): Tensor[];
    maskedFill(mask: Tensor, value: number | Tensor): Tensor;
    maskedFill_(mask: Tensor, value: number | Tensor): Tensor;
    maskedSelect(mask: Tensor): Tensor;
  }
}

/** After basic indexing: the view, and the advanced (tensor) indices on its dims, in order. */
interface Plan { v: Tensor; dims: number[]; idx: Tensor[]; temps: Tensor[]; }

function isSlice(x: unknown): x is Slice {
  return typeof x === 'object' && x !== null && !isTensor(x) && !Array.isArray(x);
}

/** Dims an item consumes of the indexed tensor. */
function consumed(it: IndexItem): number {
  if (it === '...' || it === 'newaxis') return 0;
  if (isTensor(it)) return it.dtype === 'bool' ? it.ndim : 1;
  return 1;
}

/** Applies the basic items to x (views) and collects the tensor items; bool masks become nonzero index columns. */
function plan(x: Tensor, items: IndexItem[], op: string): Plan {
  checkTensor(x, op, 'the input');
  const nEll = items.filter((it) => it === '...').length;
  if (nEll > 1) throw new RangeError(`${op}: an index can only have a single ellipsis ('...')`);
  const used = items.reduce<number>((a, it) => a + consumed(it), 0);
  if (used > x.ndim) throw new RangeError(`${op}: too many indices for a tensor of dimension ${x.ndim} (shape ${fmtShape(x.shape)})`);
  let v = x;
  const temps: Tensor[] = [];
  const setV = (t: Tensor) => { if (v !== x) temps.push(v); v = t; };
  const dims: number[] = [], idx: Tensor[] = [];
  let cur = 0;
  items.forEach((it, pos) => {
    if (it === '...') { cur += x.ndim - used; return; }
    if (it === 'newaxis') { setV(v.unsqueeze(cur)); cur++; return; }
    if (it === null) { cur++; return; }
    if (typeof it === 'number') {
      const n = v.shape[cur];
      if (!Number.isInteger(it) || it < -n || it >= n) throw new RangeError(`${op}: index ${it} is out of bounds for dimension ${cur} with size ${String(n)}`);
      setV(v.select(cur, it));
      return;
    }
    if (isTensor(it)) {
      it._check(op);
      const moved = indexOnDeviceOf(op, x, it);
      if (moved !== it) { temps.push(moved); it = moved; }
      if (it.dtype === 'bool') {
        const m = it.ndim;
        if (m === 0) throw new Error(`${op}: 0-dim bool indices are not implemented`);
        const want = v.shape.slice(cur, cur + m);
        if (it.shape.some((s, i) => s !== want[i])) {
          throw new RangeError(`${op}: the shape of the mask ${fmtShape(it.shape)} at index ${pos} does not match the shape of the indexed tensor ${fmtShape(v.shape)} at dimension ${cur}`);
        }
        const nz = nonzero(it);
        temps.push(nz);
        for (let j = 0; j < m; j++) { dims.push(cur + j); idx.push(nz.select(1, j)); temps.push(idx[idx.length - 1]); }
        cur += m;
        return;
      }
      if (it.dtype !== 'int64' && it.dtype !== 'int32') {
        throw new TypeError(`${op}: tensors used as indices must be int64, int32 or bool, got ${it.dtype} at position ${pos}`);
      }
      dims.push(cur); idx.push(it); cur++;
      return;
    }
    if (isSlice(it)) {
      const { start = 0, end = Infinity, step = 1 } = it;
      if (!Number.isInteger(step) || step <= 0) throw new RangeError(`${op}: slice step must be a positive integer, got ${String(step)}`);
      if (!Number.isInteger(start) || !(Number.isInteger(end) || end === Infinity)) throw new TypeError(`${op}: slice bounds must be integers, got ${fmtValue(it)}`);
      if (start !== 0 || end !== Infinity || step !== 1) setV(v.slice(cur, start, end, step));
      cur++;
      return;
    }
    throw new TypeError(`${op}: unsupported index item at position ${pos} (${typeof it}); use numbers, null, {start, end, step}, '...', 'newaxis' or tensors`);
  });
  return { v, dims, idx, temps };
}

function release(p: Plan): void { for (const t of p.temps) t.dispose(); }

/** Result layout of advanced indexing on view v: shape, and the order (B dims, remaining dims) the kernel writes. */
interface Layout { shape: number[]; bShape: number[]; rest: number[]; kernelPerm: number[]; }

function layout(v: Tensor, dims: number[], idx: Tensor[], op: string): Layout {
  const bShape = broadcastShapes(op, ...idx.map((t) => t.shape));
  const rest = v.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const adjacent = dims.every((d, i) => i === 0 || d === dims[i - 1] + 1);
  const at = adjacent ? rest.filter((d) => d < dims[0]).length : 0;   // where the B dims go in the result
  const restShape = rest.map((d) => v.shape[d]);
  const shape = [...restShape.slice(0, at), ...bShape, ...restShape.slice(at)];
  // kernel order (B..., R...) -> result dims
  const nb = bShape.length;
  const kernelPerm = [...bShape.map((_, i) => at + i), ...rest.map((_, i) => (i < at ? i : i + nb))];
  return { shape, bShape, rest, kernelPerm };
}

/** Index tensors broadcast to B (int64 if their dtypes differ), as [tensor, strides]. */
function indexViews(idx: Tensor[], bShape: Shape, op: string): [Tensor, number[]][] {
  const dt: DType = idx.every((t) => t.dtype === 'int32') ? 'int32' : 'int64';
  return idx.map((t) => {
    const c = t.dtype === dt ? t : t.to(dt);
    return [c, broadcastStridesTo(c, bShape, op)];
  });
}

/** out = v[adv] (no autograd): the native gather over v permuted to (adv dims..., rest...). */
function gatherAdvanced(v: Tensor, dims: number[], idx: Tensor[], op: string): Tensor {
  const L = layout(v, dims, idx, op);
  const out = Tensor.empty(L.shape, v.dtype, false, op, v.device);
  const xorder = [...dims, ...L.rest];
  const views = indexViews(idx, L.bShape, op);
  const w = args().num(dims.length).nums(dims)
    .view(out, L.kernelPerm.map((d) => out.shape[d]), L.kernelPerm.map((d) => out.strides[d]))
    .view(v, xorder.map((d) => v.shape[d]), xorder.map((d) => v.strides[d]));
  for (const [t, st] of views) w.view(t, L.bShape, st);
  try {
    if (v.device === 'cuda') cudaIndexGatherCall(out, v, views.map(([t]) => t), op);
    else native().indexGather(out.storage.buf, v.storage.buf, ...views.map(([t]) => t.storage.buf), op);
  } catch (e) { out.dispose(); throw e; } finally {
    views.forEach(([t], i) => { if (t !== idx[i]) t.dispose(); });
  }
  return out;
}

/** v[adv] (=|+=) values in place (no autograd); values broadcast to the indexing result's shape. */
function putAdvanced(v: Tensor, dims: number[], idx: Tensor[], values: Tensor, accumulate: boolean, op: string): void {
  const L = layout(v, dims, idx, op);
  const vst = broadcastStridesTo(values, L.shape, op);
  const xorder = [...dims, ...L.rest];
  const views = indexViews(idx, L.bShape, op);
  const w = args().num(dims.length).num(accumulate ? 1 : 0).nums(dims)
    .view(v, xorder.map((d) => v.shape[d]), xorder.map((d) => v.strides[d]))
    .view(values, L.kernelPerm.map((d) => L.shape[d]), L.kernelPerm.map((d) => vst[d]));
  for (const [t, st] of views) w.view(t, L.bShape, st);
  try {
    if (v.device === 'cuda') cudaIndexPutCall(v, values, views.map(([t]) => t), op);
    else native().indexPut(v.storage.buf, values.storage.buf, ...views.map(([t]) => t.storage.buf), op);
  } finally {
    views.forEach(([t], i) => { if (t !== idx[i]) t.dispose(); });
  }
}

const asItems = (indices: IndexItem[] | IndexItem): IndexItem[] => (Array.isArray(indices) ? indices : [indices]);

/** Tensors among the items (to be saved for backward) and a function rebuilding the items from replacements. */
function tensorSlots(items: IndexItem[]): [Tensor[], (ts: Tensor[]) => IndexItem[]] {
  const ts = items.filter(isTensor) as Tensor[];
  return [ts, (rep) => { let k = 0; return items.map((it) => (isTensor(it) ? rep[k++] : it)); }];
}

/**
 * x[indices] with PyTorch semantics: e.g. x.index([idx]) is x[idx], x.index([null, idx]) is
 * x[:, idx], x.index([mask]) is x[mask], x.index([i, j]) is x[i, j], x.index(['...', {start: 1}])
 * is x[..., 1:]. Index tensors broadcast together; negative indices count from the end. With only
 * integers and slices the result is a view, otherwise a new tensor.
 */
export function index(x: Tensor, indices: IndexItem[] | IndexItem): Tensor {
  const op = 'index';
  const items = asItems(indices);
  const p = plan(x, items, op);
  if (p.dims.length === 0) {
    release(p);
    return p.v === x ? x.reshape(x.shape) : p.v;   // always a new view, like x[()]
  }
  let out: Tensor;
  try { out = gatherAdvanced(p.v, p.dims, p.idx, op); } finally {
    if (p.v !== x) p.v.dispose();
    release(p);
  }
  const [ts, rebuild] = tensorSlots(items);
  const xshape = x.shape;
  return attach(out, op, [x], (g, saved) => [indexPut(Tensor.empty(xshape, g.dtype, true, 'backward', g.device), rebuild(saved), g, { accumulate: true })], ts);
}

function valuesOf(values: Tensor | number | boolean, x: Tensor, op: string): Tensor {
  if (isTensor(values)) {
    values._check(op);
    if (values.dtype !== x.dtype) throw new TypeError(`${op}: values (${values.dtype}) and the indexed tensor (${x.dtype}) must have the same dtype`);
    if (values.device !== x.device && values.ndim === 0) return values.to(x.device);   // scalar-like: moved
    requireDeviceOf(op, x, ['values', values]);
    return values;
  }
  if (typeof values !== 'number' && typeof values !== 'boolean') throw new TypeError(`${op}: values must be a tensor or a number`);
  return Tensor.empty([], x.dtype, false, op, x.device).fill_(values);
}

/** Writes values into x[indices] in place (x's storage, no autograd). */
function putInto(x: Tensor, items: IndexItem[], values: Tensor, accumulate: boolean, op: string): void {
  const p = plan(x, items, op);
  try {
    if (p.dims.length) { putAdvanced(p.v, p.dims, p.idx, values, accumulate, op); return; }
    if (!accumulate) { p.v.copy_(values); return; }
    const sum = p.v.add(values.expand(p.v.shape));
    p.v.copy_(sum);
    sum.dispose();
  } finally {
    if (p.v !== x) p.v.dispose();
    release(p);
  }
}

/**
 * Out-of-place x[indices] = values (values broadcast to the indexed shape, same dtype as x, or a
 * number). accumulate adds instead, summing duplicate indices.
 */
export function indexPut(x: Tensor, indices: IndexItem[] | IndexItem, values: Tensor | number, o: { accumulate?: boolean } = {}): Tensor {
  const op = 'indexPut';
  checkTensor(x, op, 'the input');
  const acc = !!o?.accumulate;
  const items = asItems(indices);
  const vals = valuesOf(values, x, op);
  const out = rawCopy(x);
  try { putInto(out, items, vals, acc, op); } catch (e) { out.dispose(); throw e; }
  const [ts, rebuild] = tensorSlots(items);
  const vshape = vals.shape;
  const inputs = vals === values ? [x, vals] : [x];
  return attach(out, op, inputs, (g, saved) => {
    const its = rebuild(saved);
    const gx = !x.requiresGrad ? null : acc ? g : indexPut(g, its, 0);
    const gv = vals === values && vals.requiresGrad ? sumToShape(index(g, its), vshape) : null;
    return [gx, gv];
  }, ts);
}

/** torch.nonzero: int64 (n, ndim) coordinates of the non-zero elements in row-major order; asTuple gives one vector per dim. */
export function nonzero(x: Tensor): Tensor {
  checkTensor(x, 'nonzero', 'the input');
  if (x.device === 'cuda') return cudaNonzero(x);
  args().view(x);
  const n: number = native().nonzeroCount(x.storage.buf);
  const out = Tensor.empty([n, x.ndim], 'int64');
  args().view(out).view(x);
  native().nonzero(out.storage.buf, x.storage.buf);
  return out;
}

function checkMask(x: Tensor, mask: Tensor, op: string): void {
  if (!isTensor(mask)) throw new TypeError(`${op}: mask must be a bool tensor`);
  checkTensor(mask, op, 'the mask');
  if (mask.dtype !== 'bool') throw new TypeError(`${op}: mask must be a bool tensor, got ${mask.dtype}`);
  requireDeviceOf(op, x, ['mask', mask]);
}

/** x with value where mask is true (mask broadcasts to x's shape; value a number or 0-dim tensor). */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  const op = 'maskedFill';
  checkTensor(x, op, 'the input');
  checkMask(x, mask, op);
  const shape = broadcastShapes(op, x.shape, mask.shape);
  if (shape.length !== x.ndim || shape.some((d, i) => d !== x.shape[i])) {
    throw new RangeError(`${op}: mask of shape ${fmtShape(mask.shape)} does not broadcast to the input's shape ${fmtShape(x.shape)}`);
  }
  let v: Tensor;
  if (isTensor(value)) {
    if (value.ndim !== 0) throw new RangeError(`${op}: value must be a number or a 0-dim tensor, got shape ${fmtShape(value.shape)}`);
    v = value.dtype === x.dtype && value.device === x.device ? value : value.to({ dtype: x.dtype, device: x.device });
  } else if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new TypeError(`${op}: value must be a number or a 0-dim tensor, got ${fmtValue(value)}`);
  } else v = Tensor.empty([], x.dtype, false, op, x.device).fill_(value);
  return where(mask, v, x);
}

/** 1-D tensor of the elements of x where mask is true (x and mask broadcast together). */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  const op = 'maskedSelect';
  checkTensor(x, op, 'the input');
  checkMask(x, mask, op);
  const shape = broadcastShapes(op, x.shape, mask.shape);
  if (shape.length === 0) return index(x.reshape([1]), [mask.reshape([1])]);
  return index(x.expand(shape), [mask.expand(shape)]);
}

defineMethods('advindex', {
  index(indices: IndexItem[] | IndexItem) { return index(this, indices); },
  indexPut(indices: IndexItem[] | IndexItem, values: Tensor | number, o?: { accumulate?: boolean }) { return indexPut(this, indices, values, o); },
  indexPut_(indices: IndexItem[] | IndexItem, values: Tensor | number, o: { accumulate?: boolean } = {}) {
    const vals = valuesOf(values, this, 'indexPut_');
    if (isGradEnabled() && (this.requiresGrad || vals.requiresGrad)) {
      throw new Error('indexPut_: in-place operation on a tensor that requires grad; wrap it in noGrad() or use the out-of-place indexPut()');
    }
    try { putInto(this, asItems(indices), vals, !!o?.accumulate, 'indexPut_'); } finally { if (vals !== values) vals.dispose(); }
    return this;
  },
  nonzero(o: { asTuple?: boolean } = {}) {
    const nz = nonzero(this);
    if (!o?.asTuple) return nz;
    const cols = this.ndim === 0 ? [Tensor.empty([nz.shape[0]], 'int64', true, 'nonzero', this.device)] : nz.unbind(1).map((c) => c.contiguous());
    return cols;
  },
  maskedFill(mask: Tensor, value: number | Tensor) { return maskedFill(this, mask, value); },
  maskedFill_(mask: Tensor, value: number | Tensor) {
    if (isGradEnabled() && (this.requiresGrad || (isTensor(value) && value.requiresGrad))) {
      throw new Error('maskedFill_: in-place operation on a tensor that requires grad; wrap it in noGrad() or use maskedFill()');
    }
    const r = maskedFill(this, mask, value);
    this.copy_(r);
    r.dispose();
    return this;
  },
  maskedSelect(mask: Tensor) { return maskedSelect(this, mask); },
});
