// Gather/scatter along a dim: gather, scatter (tensor or value, optional reduce), scatterAdd,
// scatterReduce, indexSelect, indexAdd, indexFill, and their in-place variants (no autograd: use
// them under noGrad or on tensors that do not require grad). Each out-of-place op has its backward
// here. index_select/index_add run the gather/scatter kernels with a broadcast (0-strided) index.
// On cuda the same argument blocks go to the CUDA kernels (src/cuda/index.ts); index and src must be
// on the input's device (as PyTorch), and float16/bfloat16 reductions run natively there (atomics that
// round after every step) instead of through a float32 copy.
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, Shape, normDim, fmtShape, isTensor } from '../tensor';
import { attach, isGradEnabled } from '../autograd';
import { defineMethods } from './registry';
import { DType, isFloat } from '../dtype';
import { fmtValue } from './check';
import { requireDeviceOf, cudaGatherCall, cudaScatterCall } from '../cuda/index';

declare module '../tensor' {
  interface Tensor {
    gather(dim: number, index: Tensor): Tensor;
    scatter(dim: number, index: Tensor, src: Tensor | number, opts?: { reduce?: 'add' | 'multiply' }): Tensor;
    scatter_(dim: number, index: Tensor, src: Tensor | number, opts?: { reduce?: 'add' | 'multiply' }): Tensor;
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    scatterAdd_(dim: number, index: Tensor, src: Tensor): Tensor;
    scatterReduce(dim: number, index: Tensor, src: Tensor, reduce: ScatterReduce, opts?: { includeSelf?: boolean }): Tensor;
    indexSelect(dim: number, index: Tensor): Tensor;
    indexAdd(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): Tensor;
    indexAdd_(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): Tensor;
    indexFill(dim: number, index: Tensor, value: number): Tensor;
    indexFill_(dim: number, index: Tensor, value: number): Tensor;
  }
}

export type ScatterReduce = 'sum' | 'prod' | 'mean' | 'amax' | 'amin';
const MODE = { assign: 0, add: 1, multiply: 2, amax: 3, amin: 4 } as const;
type Mode = keyof typeof MODE;

/** Checks that `index` is an int64/int32 tensor (TypeError naming the op otherwise). */
export function asIndex(index: unknown, op: string): Tensor {
  if (!isTensor(index)) throw new TypeError(`${op}: index must be a tensor, got ${index === null ? 'null' : typeof index}`);
  index._check(op);
  if (index.dtype !== 'int64' && index.dtype !== 'int32') {
    throw new TypeError(`${op}: index must be an int64 or int32 tensor, got ${index.dtype}`);
  }
  return index;
}

function asTensor(x: unknown, op: string, what = 'input'): Tensor {
  if (!isTensor(x)) throw new TypeError(`${op}: ${what} must be a tensor, got ${x === null ? 'null' : typeof x}`);
  return x._check(op);
}

/** A contiguous copy with no autograd (the buffer an out-of-place scatter writes into). */
export function rawCopy(x: Tensor): Tensor { return Tensor.empty(x.shape, x.dtype, false, 'copy', x.device).copy_(x); }

/** A 0-dim tensor of dtype holding value, on device. */
function scalarOf(value: number | boolean, dtype: DType, device: Tensor['device']): Tensor {
  return Tensor.empty([], dtype, false, 'scatter', device).fill_(value);
}

/** Shape and strides a 0-dim tensor is passed with (a 1-element vector, as PyTorch treats it here). */
function lifted(shape: Shape, strides: Shape): [Shape, Shape] { return shape.length ? [shape, strides] : [[1], [0]]; }

function refuseGrad(op: string, ...ts: (Tensor | number)[]): void {
  if (isGradEnabled() && ts.some((t) => isTensor(t) && t.requiresGrad)) {
    throw new Error(`${op}: in-place operation on a tensor that requires grad; wrap it in noGrad() or use the out-of-place ${op.slice(0, -1)}()`);
  }
}

/** out[p] = x[p with p[dim] = index[p]] through the native kernel (no autograd); out has the index view's shape. */
function runGather(x: Tensor, d: number, index: Tensor, op: string, indexShape: Shape = index.shape, indexStrides: Shape = index.strides): Tensor {
  requireDeviceOf(op, x, ['index', index]);
  const out = Tensor.empty(indexShape, x.dtype, false, op, x.device);
  const [ish, ist] = lifted(indexShape, indexStrides);
  const [xsh, xst] = lifted(x.shape, x.strides);
  args().num(d).view(out, ish, lifted(out.shape, out.strides)[1]).view(x, xsh, xst).view(index, ish, ist);
  try {
    if (x.device === 'cuda') cudaGatherCall(out, x, index, op);
    else native().gather(out.storage.buf, x.storage.buf, index.storage.buf, op);
  } catch (e) { out.dispose(); throw e; }
  return out;
}

/**
 * out[p with p[dim] = index[p]] (mode)= src[p] in place. src is a tensor of out's dtype or a number
 * (broadcast over index); indexShape/indexStrides let callers pass a broadcast index view.
 */
function runScatter(out: Tensor, d: number, index: Tensor, src: Tensor | number | boolean, mode: Mode, op: string,
  indexShape: Shape = index.shape, indexStrides: Shape = index.strides): void {
  out._check(op);
  requireDeviceOf(op, out, ['index', index], ['src', src]);
  if (mode !== 'assign' && (out.dtype === 'float16' || out.dtype === 'bfloat16') && out.device === 'cpu') {
    // computed in float32, written back
    const o32 = out.detach().to('float32');
    const s32 = isTensor(src) && src.dtype === out.dtype ? src.detach().to('float32') : src;
    try { runScatter(o32, d, index, s32, mode, op, indexShape, indexStrides); } finally { if (isTensor(s32) && s32 !== src) s32.dispose(); }   // (a NaN scalar is !== itself)
    out.copy_(o32);
    o32.dispose();
    return;
  }
  if (isTensor(src) && src.dtype !== out.dtype) {
    throw new TypeError(`${op}: self (${out.dtype}) and src (${src.dtype}) must have the same dtype`);
  }
  const s = isTensor(src) ? src._check(op) : scalarOf(src, out.dtype, out.device);
  const [ish, ist] = lifted(indexShape, indexStrides);
  const [osh, ost] = lifted(out.shape, out.strides);
  const [ssh, sst] = isTensor(src) ? lifted(s.shape, s.strides) : [ish, ish.map(() => 0)];
  args().num(MODE[mode]).num(d).view(out, osh, ost).view(index, ish, ist).view(s, ssh, sst);
  try {
    if (out.device === 'cuda') cudaScatterCall(out, index, s, op);
    else native().scatter(out.storage.buf, index.storage.buf, s.storage.buf, op);
  } finally { if (s !== src) s.dispose(); }
}

/** Zero-pads t (at the end of each dim) to `shape`; differentiable (backward: narrow back). */
function padTo(t: Tensor, shape: Shape): Tensor {
  if (t.shape.every((s, i) => s === shape[i])) return t;
  const out = Tensor.empty(shape, t.dtype, true, 'pad', t.device);
  const v = out._view(t.shape, out.strides, 0, 'pad');
  v.copy_(t);
  v.dispose();
  return attach(out, 'pad', [t], (g) => [narrowTo(g, t.shape)]);
}
function narrowTo(g: Tensor, shape: Shape): Tensor {
  let r = g;
  shape.forEach((s, i) => { if (r.shape[i] !== s) r = r.narrow(i, 0, s); });
  return r;
}

/** torch.gather: out[i][j][k] = x[index[i][j][k]][j][k] (dim 0), etc. Output has index's shape. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  asTensor(x, 'gather');
  asIndex(index, 'gather');
  const d = normDim(dim, x.ndim, 'gather');
  const out = runGather(x, d, index, 'gather');
  const xshape = x.shape;
  return attach(out, 'gather', [x], (g, [idx]) => [scatterAdd(zerosOf(xshape, g), d, idx, g)], [index]);
}

/** Zeros of shape with g's dtype and device (the gradient buffers of gather/indexSelect). */
const zerosOf = (shape: Shape, g: Tensor) => Tensor.empty(shape, g.dtype, true, 'backward', g.device);

/**
 * torch.scatter (out of place): a copy of x with out[p with p[dim] = index[p]] = src[p] (src a tensor
 * of x's dtype, or a number). reduce 'add' | 'multiply' combine instead of assigning.
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number, o: { reduce?: 'add' | 'multiply' } = {}): Tensor {
  asTensor(x, 'scatter');
  asIndex(index, 'scatter');
  if (!isTensor(src) && typeof src !== 'number' && typeof src !== 'boolean') throw new TypeError('scatter: src must be a tensor or a number');
  const d = normDim(dim, x.ndim, 'scatter');
  const mode: Mode = o?.reduce === undefined ? 'assign' : o?.reduce === 'add' ? 'add' : o?.reduce === 'multiply' ? 'multiply' : badReduce(o?.reduce);
  const out = rawCopy(x);
  try { runScatter(out, d, index, src, mode, 'scatter'); } catch (e) { out.dispose(); throw e; }
  const inputs = isTensor(src) ? [x, src] : [x];
  const srcShape = isTensor(src) ? src.shape : [];
  return attach(out, 'scatter', inputs, (g, [idx]) => {
    if (mode === 'multiply') throw new Error('scatter: backward of reduce "multiply" is not implemented (use scatterReduce(..., "prod"))');
    const gx = x.requiresGrad ? (mode === 'add' ? g : scatter(g, d, idx, 0)) : null;
    const gs = isTensor(src) && src.requiresGrad ? padTo(gather(g, d, idx), srcShape) : null;
    return [gx, gs];
  }, [index]);
}

function badReduce(r: unknown): never {
  throw new RangeError(`scatter: reduce must be 'add' or 'multiply', got ${fmtValue(r)}`);
}

/** torch.scatter_add (out of place): a copy of x with src[p] added at out[p with p[dim] = index[p]]. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  asTensor(x, 'scatterAdd');
  asIndex(index, 'scatterAdd');
  asTensor(src, 'scatterAdd', 'src');
  const d = normDim(dim, x.ndim, 'scatterAdd');
  const out = rawCopy(x);
  try { runScatter(out, d, index, src, 'add', 'scatterAdd'); } catch (e) { out.dispose(); throw e; }
  const srcShape = src.shape;
  return attach(out, 'scatterAdd', [x, src], (g, [idx]) => [x.requiresGrad ? g : null, src.requiresGrad ? padTo(gather(g, d, idx), srcShape) : null], [index]);
}

const REDUCE_IDENTITY: Record<string, number> = { sum: 0, mean: 0, prod: 1, amax: 0, amin: 0 };

/**
 * torch.scatter_reduce: reduces src into a copy of x at out[p with p[dim] = index[p]] with 'sum',
 * 'prod', 'mean', 'amax' or 'amin'; includeSelf (default true) includes x's values in the reduction.
 * Gradients: sum, mean, amax/amin (split evenly between tied extrema, as PyTorch) and prod (inputs
 * without zeros).
 */
export function scatterReduce(x: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduce, o: { includeSelf?: boolean } = {}): Tensor {
  const op = 'scatterReduce';
  asTensor(x, op); asIndex(index, op); asTensor(src, op, 'src');
  if (!(reduce in REDUCE_IDENTITY)) throw new RangeError(`${op}: reduce must be one of sum, prod, mean, amax, amin; got ${fmtValue(reduce)}`);
  const d = normDim(dim, x.ndim, op);
  const includeSelf = o?.includeSelf ?? true;
  const out = rawCopy(x);
  let counts: Tensor | null = null;
  try {
    // without self: positions reached start from the reduction's identity (amax/amin: from one of
    // the src values, which is exact for every dtype since max/min are idempotent)
    if (!includeSelf) runScatter(out, d, index, reduce === 'amax' || reduce === 'amin' ? src : REDUCE_IDENTITY[reduce], 'assign', op);
    const mode: Mode = reduce === 'sum' || reduce === 'mean' ? 'add' : reduce === 'prod' ? 'multiply' : reduce;
    runScatter(out, d, index, src, mode, op);
    if (reduce === 'mean') {
      counts = Tensor.empty(x.shape, x.dtype === 'float16' || x.dtype === 'bfloat16' ? 'float32' : x.dtype, false, op, x.device).fill_(includeSelf ? 1 : 0);
      runScatter(counts, d, index, 1, 'add', op);
      const c = counts.add(counts.eq(0).to(counts.dtype));   // max(counts, 1): counts >= 0
      counts.dispose();
      counts = c;
      const m = isFloat(x.dtype) ? out.div(counts) : out.div(counts, { roundingMode: 'floor' });
      out.copy_(m);
      m.dispose();
    }
  } catch (e) { out.dispose(); counts?.dispose(); throw e; }
  const srcShape = src.shape, xshape = x.shape;
  const saved = [index, x, src, out, ...(counts ? [counts] : [])];
  return attach(out, op, [x, src], (g, [idx, sx, ss, so, cnt]) => {
    // positions reached by the scatter lose x's own contribution when includeSelf is false
    const selfGrad = (t: Tensor) => (includeSelf ? t : scatter(t, d, idx, 0));
    const srcGrad = (t: Tensor) => padTo(gather(t, d, idx), srcShape);
    const gi = narrowTo(ss, idx.ndim ? idx.shape : ss.shape);
    switch (reduce) {
      case 'sum': return [selfGrad(g), srcGrad(g)];
      case 'mean': { const gm = g.div(cnt); return [selfGrad(gm), srcGrad(gm)]; }
      case 'prod': {
        if ((sx.eq(0).any().item() as boolean) || (ss.eq(0).any().item() as boolean)) {
          throw new Error(`${op}: backward of 'prod' with zeros in the input or src is not implemented`);
        }
        const go = g.mul(so);
        return [selfGrad(go.div(sx)), padTo(gather(go, d, idx).div(gi), srcShape)];
      }
      default: {
        // amax/amin: the gradient is split evenly among x (if included) and src elements equal to the result
        let selfHit = sx.eq(so);
        if (!includeSelf) selfHit = selfHit.logicalAnd(scatter(Tensor.empty(xshape, 'bool', false, op, g.device).fill_(true), d, idx, 0));
        selfHit = selfHit.to(g.dtype);
        const srcHit = gi.eq(gather(so, d, idx)).to(g.dtype);
        const n = scatterAdd(selfHit, d, idx, srcHit);
        const gn = g.div(n.add(n.eq(0).to(g.dtype)));
        return [gn.mul(selfHit), padTo(gather(gn, d, idx).mul(srcHit), srcShape)];
      }
    }
  }, saved);
}

/** Index view broadcasting a 1-D index along every dim but `d` of `shape`. */
function broadcastIndex(index: Tensor, d: number, shape: Shape): [number[], number[]] {
  const st = shape.map(() => 0);
  st[d] = index.ndim === 0 ? 0 : index.strides[0];
  return [shape.slice(), st];
}

function vectorIndex(index: Tensor, op: string): number {
  if (index.ndim > 1) throw new RangeError(`${op}: index must be a vector (0 or 1 dims), got shape ${fmtShape(index.shape)}`);
  return index.ndim === 0 ? 1 : index.shape[0];
}

/** torch.index_select: the entries of x at positions `index` (a vector) along dim. */
export function indexSelect(x: Tensor, dim: number, index: Tensor, op = 'indexSelect'): Tensor {
  asTensor(x, op);
  asIndex(index, op);
  const d = normDim(dim, x.ndim, op);
  const n = vectorIndex(index, op);
  if (x.ndim === 0) {
    if (n !== 1) throw new RangeError(`${op}: index of a 0-dim input must have exactly one element, got ${String(n)}`);
    return indexSelect(x.reshape([1]), 0, index, op).reshape([]);
  }
  const shape = x.shape.map((s, i) => (i === d ? n : s));
  const [ish, ist] = broadcastIndex(index, d, shape);
  const out = runGather(x, d, index, op, ish, ist);
  const xshape = x.shape;
  return attach(out, op, [x], (g, [idx]) => [indexAdd(zerosOf(xshape, g), d, idx, g, { op })], [index]);
}

function checkSource(x: Tensor, d: number, index: Tensor, source: Tensor, op: string): void {
  const n = vectorIndex(index, op);
  const want = x.shape.map((s, i) => (i === d ? n : s));
  if (source.ndim !== want.length || source.shape.some((s, i) => s !== want[i])) {
    throw new RangeError(`${op}: source of shape ${fmtShape(source.shape)} does not match ${fmtShape(want)} (input ${fmtShape(x.shape)} with dim ${d} of size ${String(n)})`);
  }
  if (source.dtype !== x.dtype) throw new TypeError(`${op}: self (${x.dtype}) and source (${source.dtype}) must have the same dtype`);
}

function runIndexAdd(out: Tensor, d: number, index: Tensor, source: Tensor, alpha: number, op: string): void {
  const src = alpha === 1 ? source : source.detach().mul(alpha);
  const [ish, ist] = broadcastIndex(index, d, source.shape);
  try { runScatter(out, d, index, src, 'add', op, ish, ist); } finally { if (src !== source) src.dispose(); }
}

/** torch.index_add (out of place): x with alpha * source[.., i, ..] added at x[.., index[i], ..] along dim. */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor, o: { alpha?: number; op?: string } = {}): Tensor {
  const op = o?.op ?? 'indexAdd';
  const alpha = o?.alpha ?? 1;
  asTensor(x, op); asIndex(index, op); asTensor(source, op, 'source');
  const d = normDim(dim, x.ndim, op);
  if (x.ndim === 0) return indexAdd(x.reshape([1]), 0, index, source.reshape([-1]), o).reshape([]);
  checkSource(x, d, index, source, op);
  const out = rawCopy(x);
  try { runIndexAdd(out, d, index, source, alpha, op); } catch (e) { out.dispose(); throw e; }
  return attach(out, op, [x, source], (g, [idx]) => [
    x.requiresGrad ? g : null,
    source.requiresGrad ? (alpha === 1 ? indexSelect(g, d, idx, op) : indexSelect(g, d, idx, op).mul(alpha)) : null,
  ], [index]);
}

/** torch.index_fill (out of place): x with every entry at positions `index` along dim set to value. */
export function indexFill(x: Tensor, dim: number, index: Tensor, value: number): Tensor {
  asTensor(x, 'indexFill'); asIndex(index, 'indexFill');
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new TypeError(`indexFill: value must be a number, got ${fmtValue(value)}`);
  const d = normDim(dim, x.ndim, 'indexFill');
  if (x.ndim === 0) return indexFill(x.reshape([1]), 0, index, value).reshape([]);
  const out = rawCopy(x);
  try { runIndexFill(out, d, index, value); } catch (e) { out.dispose(); throw e; }
  return attach(out, 'indexFill', [x], (g, [idx]) => [indexFill(g, d, idx, 0)], [index]);
}

function runIndexFill(out: Tensor, d: number, index: Tensor, value: number): void {
  const n = vectorIndex(index, 'indexFill');
  if (out.ndim === 0) { const v = out.reshape([1]); runIndexFill(v, 0, index, value); v.dispose(); return; }
  const shape = out.shape.map((s, i) => (i === d ? n : s));
  const [ish, ist] = broadcastIndex(index, d, shape);
  runScatter(out, d, index, value, 'assign', 'indexFill', ish, ist);
}

defineMethods('gather', {
  gather(dim: number, index: Tensor) { return gather(this, dim, index); },
  scatter(dim: number, index: Tensor, src: Tensor | number, o?: { reduce?: 'add' | 'multiply' }) { return scatter(this, dim, index, src, o); },
  scatter_(dim: number, index: Tensor, src: Tensor | number, o: { reduce?: 'add' | 'multiply' } = {}) {
    refuseGrad('scatter_', this, src);
    asIndex(index, 'scatter_');
    const mode: Mode = o?.reduce === undefined ? 'assign' : o?.reduce === 'add' ? 'add' : o?.reduce === 'multiply' ? 'multiply' : badReduce(o?.reduce);
    runScatter(this, normDim(dim, this.ndim, 'scatter_'), index, src, mode, 'scatter_');
    return this;
  },
  scatterAdd(dim: number, index: Tensor, src: Tensor) { return scatterAdd(this, dim, index, src); },
  scatterAdd_(dim: number, index: Tensor, src: Tensor) {
    refuseGrad('scatterAdd_', this, src);
    asIndex(index, 'scatterAdd_');
    asTensor(src, 'scatterAdd_', 'src');
    runScatter(this, normDim(dim, this.ndim, 'scatterAdd_'), index, src, 'add', 'scatterAdd_');
    return this;
  },
  scatterReduce(dim: number, index: Tensor, src: Tensor, reduce: ScatterReduce, o?: { includeSelf?: boolean }) {
    return scatterReduce(this, dim, index, src, reduce, o);
  },
  indexSelect(dim: number, index: Tensor) { return indexSelect(this, dim, index); },
  indexAdd(dim: number, index: Tensor, source: Tensor, o?: { alpha?: number }) { return indexAdd(this, dim, index, source, o); },
  indexAdd_(dim: number, index: Tensor, source: Tensor, o: { alpha?: number } = {}) {
    refuseGrad('indexAdd_', this, source);
    asIndex(index, 'indexAdd_');
    asTensor(source, 'indexAdd_', 'source');
    const d = normDim(dim, this.ndim, 'indexAdd_');
    if (this.ndim === 0) {
      const v = this.reshape([1]), s1 = source.reshape([-1]);
      try { v.indexAdd_(0, index, s1, o); } finally { v.dispose(); if (s1 !== source) s1.dispose(); }
      return this;
    }
    checkSource(this, d, index, source, 'indexAdd_');
    runIndexAdd(this, d, index, source, o?.alpha ?? 1, 'indexAdd_');
    return this;
  },
  indexFill(dim: number, index: Tensor, value: number) { return indexFill(this, dim, index, value); },
  indexFill_(dim: number, index: Tensor, value: number) {
    refuseGrad('indexFill_', this);
    asIndex(index, 'indexFill_');
    runIndexFill(this, normDim(dim, this.ndim, 'indexFill_'), index, value);
    return this;
  },
});
