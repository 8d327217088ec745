// Reductions over any set of dims with keepdim: sum, mean, prod, max/min (values and indices),
// amax/amin, argmax/argmin, var/std (correction), logsumexp, norm, any/all; and sumToShape, which
// reduces a broadcast gradient back to an input's shape. Backward rules are next to each op.
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, Shape, normDim, fmtShape } from '../tensor';
import { where } from './binary';
import { attach } from '../autograd';
import { defineMethods } from './registry';
import { DType, isFloat, defaultFloat, checkDtype } from '../dtype';
import { checkTensor, fmtValue } from './check';
import { cudaReduce } from '../cuda/layers';

export type Dims = number | number[] | null | undefined;
export interface ReduceOpts { keepdim?: boolean; dtype?: DType; }

let codes: Record<string, number> | null = null;
const code = (name: string) => (codes ??= native().reduceCodes())[name];

/** Normalised, sorted, unique dims to reduce (all dims when dims is null/undefined). */
export function reduceDims(x: Tensor, dims: Dims, op: string): number[] {
  checkTensor(x, op, 'the input');
  if (dims === undefined || dims === null) return x.shape.map((_, i) => i);
  const list = (Array.isArray(dims) ? dims : [dims]).map((d) => normDim(d, x.ndim, op));
  if (new Set(list).size !== list.length) throw new RangeError(`${op}: dim ${fmtValue(dims)} appears multiple times`);
  if (x.ndim === 0) return [];   // dim 0 / -1 of a 0-dim tensor reduces nothing (as PyTorch)
  return list.sort((a, b) => a - b);
}

function outShape(x: Tensor, red: number[], keepdim: boolean): number[] {
  return keepdim ? x.shape.map((d, i) => (red.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !red.includes(i));
}

/** Input view permuted to (kept..., reduced...): [shape, strides, nkept]. */
function permuted(x: Tensor, red: number[]): [number[], number[], number] {
  const kept = x.shape.map((_, i) => i).filter((i) => !red.includes(i));
  const order = [...kept, ...red];
  return [order.map((i) => x.shape[i]), order.map((i) => x.strides[i]), kept.length];
}

/** Runs a native reduction; returns a contiguous tensor of the reduced shape. */
function runReduce(name: string, x: Tensor, red: number[], keepdim: boolean, outDtype: DType, param = 0): Tensor {
  checkTensor(x, name, 'the input');
  checkNonEmpty(name, x, red);
  if (x.device !== 'cpu') return cudaReduce(name, x, [...red].sort((p, q) => p - q), keepdim, outDtype, param);
  let xin = x;
  if (xin.dtype === 'float16' || xin.dtype === 'bfloat16') xin = xin.detach().to('float32');
  if (outDtype === 'float16' || outDtype === 'bfloat16') {
    const r = runReduce(name, xin, red, keepdim, 'float32', param);
    const c = r.to(outDtype);
    r.dispose();
    return c;
  }
  const [shape, strides, nkept] = permuted(xin, red);
  const out = Tensor.empty(outShape(x, red, keepdim), outDtype, false, name);
  args().num(code(name)).num(nkept).num(param).view(out).view(xin, shape, strides);
  native().reduce(out.storage.buf, xin.storage.buf);
  if (xin !== x) xin.dispose();
  return out;
}

/** Re-inserts reduced dims (as size 1) into g, then broadcasts it to `shape`. */
export function expandBack(g: Tensor, shape: Shape, red: number[], keepdim: boolean): Tensor {
  let t = g;
  if (!keepdim) for (const d of red) t = t.unsqueeze(d);
  return t.expand(shape);
}

/** amax/amin/argmax/argmin/max/min have no identity: refuse an empty reduction with a non-empty result. */
function checkNonEmpty(name: string, x: Tensor, red: number[]): void {
  if (!['amax', 'amin', 'argmax', 'argmin', 'max', 'min'].includes(name)) return;
  if (count(x, red) === 0 && x.shape.every((d, i) => red.includes(i) || d > 0)) {
    throw new RangeError(`${name}: cannot reduce over an empty dimension of a tensor of shape ${fmtShape(x.shape)} (dims ${fmtValue(red)}; no identity)`);
  }
}

function count(x: Tensor, red: number[]): number { return red.reduce((a, d) => a * x.shape[d], 1); }

function accDtype(x: Tensor, o?: ReduceOpts): DType {
  if (o?.dtype) return o?.dtype;
  return isFloat(x.dtype) ? x.dtype : 'int64';
}

export function sum(x: Tensor, dims?: Dims, o: ReduceOpts = {}): Tensor {
  const red = reduceDims(x, dims, 'sum');
  if (o?.dtype !== undefined) checkDtype(o.dtype, 'sum');
  const keep = !!o?.keepdim;
  const dt = accDtype(x, o);
  const src = o?.dtype && o?.dtype !== x.dtype ? x.to(o?.dtype) : x;
  const out = runReduce('sum', src, red, keep, dt);
  const shape = x.shape;
  return attach(out, 'sum', [x], (g) => [expandBack(g, shape, red, keep)]);
}

export function mean(x: Tensor, dims?: Dims, o: ReduceOpts = {}): Tensor {
  const red = reduceDims(x, dims, 'mean');
  if (o?.dtype !== undefined) checkDtype(o.dtype, 'mean');
  const dt = o?.dtype ?? x.dtype;
  if (!isFloat(dt)) throw new TypeError(`mean: input dtype must be floating point, got ${x.dtype} (pass { dtype: 'float32' })`);
  const keep = !!o?.keepdim;
  const src = dt !== x.dtype ? x.to(dt) : x;
  const out = runReduce('mean', src, red, keep, dt);
  const n = count(x, red), shape = x.shape;
  return attach(out, 'mean', [x], (g) => [expandBack(g.div(n), shape, red, keep)]);
}

export function prod(x: Tensor, dims?: Dims, o: ReduceOpts = {}): Tensor {
  const red = reduceDims(x, dims, 'prod');
  if (o?.dtype !== undefined) checkDtype(o.dtype, 'prod');
  const keep = !!o?.keepdim;
  // integer products accumulate (and are written) in int64; a requested narrower dtype is a cast after
  const dt = accDtype(x, o);
  const src = o?.dtype && o?.dtype !== x.dtype ? x.to(o?.dtype) : x;
  const raw = runReduce('prod', src, red, keep, isFloat(src.dtype) ? dt : 'int64');
  const out = raw.dtype === dt ? raw : raw.to(dt);
  if (out !== raw) raw.dispose();
  return attach(out, 'prod', [x], (g, [sx, so]) => {
    // d prod / dx_i = prod / x_i where x_i != 0; with zeros, the product of the other elements.
    const ge = expandBack(g, sx.shape, red, keep), oe = expandBack(so, sx.shape, red, keep);
    const zero = sx.eq(0);
    if (!(zero.any().item() as boolean)) return [ge.mul(oe).div(sx)];
    const others = prodExcluding(sx, red);
    return [ge.mul(others)];
  }, [x, out]);
}

/** For each element, the product of the other elements of its reduction group (handles zeros). */
function prodExcluding(x: Tensor, red: number[]): Tensor {
  // Move reduced dims last, flatten them, and form exclusive products with cumprod-free prefix/suffix loops in JS.
  const [shape, strides, nkept] = permuted(x, red);
  const v = x._view(shape, strides, x.offset, 'prod').contiguous().to('float64');
  const outer = shape.slice(0, nkept).reduce((a, b) => a * b, 1), n = v.numel() / Math.max(outer, 1);
  const d = v.data() as Float64Array, r = new Float64Array(d.length);
  for (let o = 0; o < outer; o++) {
    let acc = 1;
    for (let i = 0; i < n; i++) { r[o * n + i] = acc; acc *= d[o * n + i]; }
    acc = 1;
    for (let i = n - 1; i >= 0; i--) { r[o * n + i] *= acc; acc *= d[o * n + i]; }
  }
  const res = Tensor.empty(shape, 'float64');
  (res.data() as Float64Array).set(r);
  // Undo the permutation: the result is laid out (kept..., reduced...).
  const order = [...x.shape.map((_, i) => i).filter((i) => !red.includes(i)), ...red];
  const inv = new Array<number>(order.length);
  order.forEach((dd, i) => { inv[dd] = i; });
  return res.permute(inv).to(x.dtype);
}

function minmaxFull(name: 'amax' | 'amin', x: Tensor, dims: Dims, keep: boolean): Tensor {
  const red = reduceDims(x, dims, name);
  const out = runReduce(name, x, red, keep, x.dtype);
  return attach(out, name, [x], (g, [sx, so]) => {
    // gradient split evenly among the tied extrema (as PyTorch's amax/amin and full max/min)
    const mask = sx.eq(expandBack(so, sx.shape, red, keep)).to(g.dtype);
    const n = sum(mask, red, { keepdim: true });
    return [expandBack(g, sx.shape, red, keep).mul(mask).div(n)];
  }, [x, out]);
}

export interface ValuesIndices { values: Tensor; indices: Tensor; }

function minmaxDim(isMax: boolean, x: Tensor, dim: number, keep: boolean): ValuesIndices {
  const name = isMax ? 'max' : 'min';
  checkTensor(x, name, 'the input');
  const d = normDim(dim, x.ndim, name);
  const red = x.ndim === 0 ? [] : [d];
  checkNonEmpty(name, x, red);
  const [shape, strides, nkept] = permuted(x, red);
  const os = outShape(x, red, keep);
  let xin = x.dtype === 'float16' || x.dtype === 'bfloat16' ? x.detach().to('float32') : x;
  const values = Tensor.empty(os, xin.dtype), indices = Tensor.empty(os, 'int64');
  args().num(isMax ? 1 : 0).num(nkept).view(values).view(indices).view(xin, shape, strides);
  native().reduceMinMax(values.storage.buf, indices.storage.buf, xin.storage.buf);
  if (xin !== x) { xin.dispose(); xin = x; }
  const v = values.dtype === x.dtype ? values : values.to(x.dtype);
  const n = x.ndim === 0 ? 1 : x.shape[d];
  const xshape = x.shape;
  attach(v, name, [x], (g, [idx]) => {
    // one-hot of the chosen index along dim (only that element gets the gradient, as PyTorch)
    const gi = keep || x.ndim === 0 ? idx : idx.unsqueeze(d);
    const posShape = xshape.map((s, i) => (i === d ? n : 1));
    const pos = arangeLike(n, posShape);
    const hit = pos.eq(gi).to(g.dtype);
    return [expandBack(g, xshape, red, keep).mul(hit)];
  }, [indices]);
  return { values: v, indices };
}

function arangeLike(n: number, shape: number[]): Tensor {
  const t = Tensor.empty([n], 'int64');
  args().view(t).num(0).num(1);
  native().arange(t.storage.buf);
  return t.reshape(shape);
}

export function argmax(x: Tensor, dim?: number, o: { keepdim?: boolean } = {}): Tensor {
  checkTensor(x, 'argmax', 'the input');
  const red = dim === undefined ? reduceDims(x, null, 'argmax') : reduceDims(x, dim, 'argmax');
  if (dim === undefined) { const f = x.reshape([-1]); return runReduce('argmax', f, [0], false, 'int64'); }
  return runReduce('argmax', x, red, !!o?.keepdim, 'int64');
}
export function argmin(x: Tensor, dim?: number, o: { keepdim?: boolean } = {}): Tensor {
  checkTensor(x, 'argmin', 'the input');
  if (dim === undefined) { const f = x.reshape([-1]); return runReduce('argmin', f, [0], false, 'int64'); }
  return runReduce('argmin', x, reduceDims(x, dim, 'argmin'), !!o?.keepdim, 'int64');
}

export interface VarOpts { correction?: number; unbiased?: boolean; keepdim?: boolean; }

/** Variance of x written as `outDtype` (x's dtype, or float64 for std's intermediate). */
function varianceAs(x: Tensor, dims: Dims, o: VarOpts, outDtype: DType, op: string): Tensor {
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: input dtype must be floating point, got ${x.dtype}`);
  const red = reduceDims(x, dims, op);
  const keep = !!o?.keepdim;
  const corr = o?.correction ?? (o?.unbiased === false ? 0 : 1);
  if (typeof corr !== 'number') throw new TypeError(`${op}: correction must be a number, got ${fmtValue(corr)}`);
  const out = runReduce('var', x, red, keep, outDtype, corr);
  const n = count(x, red);
  return attach(out, 'var', [x], (g, [sx]) => {
    const m = mean(sx, red, { keepdim: true });
    const gx = expandBack(g, sx.shape, red, keep).mul(sx.sub(m)).mul(2 / (n - corr));
    return [gx.dtype === sx.dtype ? gx : gx.to(sx.dtype)];
  }, [x]);
}

export function variance(x: Tensor, dims?: Dims, o: VarOpts = {}): Tensor { return varianceAs(x, dims, o, x.dtype, 'var'); }

/** Standard deviation. The variance stays in float64 until after the square root, so a std that fits
 *  the input dtype is finite even where the variance would overflow it (as PyTorch). */
export function std(x: Tensor, dims?: Dims, o: VarOpts = {}): Tensor {
  const v = varianceAs(x, dims, o, 'float64', 'std');
  const s = v.sqrt();
  if (x.dtype === 'float64') return s;
  const r = s.to(x.dtype);
  if (!r.requiresGrad) { v.dispose(); s.dispose(); }
  return r;
}

export function logsumexp(x: Tensor, dims: Dims, o: { keepdim?: boolean } = {}): Tensor {
  const red = reduceDims(x, dims, 'logsumexp');
  const keep = !!o?.keepdim;
  const xf = isFloat(x.dtype) ? x : x.to(defaultFloat());
  const out = runReduce('logsumexp', xf, red, keep, xf.dtype);
  return attach(out, 'logsumexp', [xf], (g, [sx, so]) => [expandBack(g, sx.shape, red, keep).mul(sx.sub(expandBack(so, sx.shape, red, keep)).exp())], [xf, out]);
}

export function norm(x: Tensor, p: number | 'fro' = 2, dims?: Dims, o: { keepdim?: boolean } = {}): Tensor {
  const pv = p === 'fro' ? 2 : p;
  if (typeof pv !== 'number' || Number.isNaN(pv)) throw new TypeError(`norm: p must be a number, 'fro' or Infinity, got ${String(p)}`);
  const red = reduceDims(x, dims, 'norm');
  const keep = !!o?.keepdim;
  const xf = isFloat(x.dtype) ? x : x.to(defaultFloat());
  const out = runReduce('norm', xf, red, keep, xf.dtype, pv);
  return attach(out, 'norm', [xf], (g, [sx, so]) => {
    const ge = expandBack(g, sx.shape, red, keep), oe = expandBack(so, sx.shape, red, keep);
    if (pv === 0) return [ge.mul(0)];
    if (pv === 1) return [ge.mul(sx.sign())];
    if (!Number.isFinite(pv)) {
      const mask = sx.abs().eq(oe).to(g.dtype);
      return [ge.mul(sx.sign()).mul(mask).div(sum(mask, red, { keepdim: true }))];
    }
    // d||x||_p/dx = x |x|^(p-2) / ||x||^(p-1), and 0 where the norm is 0
    const num = pv === 2 ? sx : sx.mul(sx.abs().pow(pv - 2));
    const den = pv === 2 ? oe : oe.pow(pv - 1);
    const r = ge.mul(num).div(den);
    return [where(oe.eq(0), 0, r)];
  }, [xf, out]);
}

/** Sums g over broadcast dims so it has `shape` (the gradient of an expand). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (g.ndim === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new RangeError(`sumToShape: cannot reduce ${fmtShape(g.shape)} to ${fmtShape(shape)}`);
  const red: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead) red.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) red.push(i);
    else if (shape[i - lead] !== g.shape[i]) throw new RangeError(`sumToShape: cannot reduce ${fmtShape(g.shape)} to ${fmtShape(shape)}`);
  }
  const s = sum(g, red, { keepdim: true });
  return lead ? s.reshape(shape as number[]) : s;
}

const boolReduce = (name: 'any' | 'all') => function (this: Tensor, dims?: Dims, o: { keepdim?: boolean } = {}) {
  return runReduce(name, this, reduceDims(this, dims, name), !!o?.keepdim, 'bool');
};

declare module '../tensor' {
  interface Tensor {
    sum(dims?: Dims, opts?: ReduceOpts): Tensor;
    mean(dims?: Dims, opts?: ReduceOpts): Tensor;
    prod(dims?: Dims, opts?: ReduceOpts): Tensor;
    max(): Tensor; max(dim: number, opts?: { keepdim?: boolean }): ValuesIndices;
    min(): Tensor; min(dim: number, opts?: { keepdim?: boolean }): ValuesIndices;
    amax(dims?: Dims, opts?: { keepdim?: boolean }): Tensor;
    amin(dims?: Dims, opts?: { keepdim?: boolean }): Tensor;
    argmax(dim?: number, opts?: { keepdim?: boolean }): Tensor;
    argmin(dim?: number, opts?: { keepdim?: boolean }): Tensor;
    var(dims?: Dims, opts?: VarOpts): Tensor;
    std(dims?: Dims, opts?: VarOpts): Tensor;
    logsumexp(dims: Dims, opts?: { keepdim?: boolean }): Tensor;
    norm(p?: number | 'fro', dims?: Dims, opts?: { keepdim?: boolean }): Tensor;
  }
}

defineMethods('reduce', {
  sum(d?: Dims, o?: ReduceOpts) { return sum(this, d, o); },
  mean(d?: Dims, o?: ReduceOpts) { return mean(this, d, o); },
  prod(d?: Dims, o?: ReduceOpts) { return prod(this, d, o); },
  max(dim?: number, o: { keepdim?: boolean } = {}) { this._check('max'); if (dim === undefined) checkNonEmpty('max', this, reduceDims(this, null, 'max')); return dim === undefined ? minmaxFull('amax', this, null, false) : minmaxDim(true, this, dim, !!o?.keepdim); },
  min(dim?: number, o: { keepdim?: boolean } = {}) { this._check('min'); if (dim === undefined) checkNonEmpty('min', this, reduceDims(this, null, 'min')); return dim === undefined ? minmaxFull('amin', this, null, false) : minmaxDim(false, this, dim, !!o?.keepdim); },
  amax(d?: Dims, o: { keepdim?: boolean } = {}) { return minmaxFull('amax', this, d, !!o?.keepdim); },
  amin(d?: Dims, o: { keepdim?: boolean } = {}) { return minmaxFull('amin', this, d, !!o?.keepdim); },
  argmax(d?: number, o?: { keepdim?: boolean }) { return argmax(this, d, o); },
  argmin(d?: number, o?: { keepdim?: boolean }) { return argmin(this, d, o); },
  var(d?: Dims, o?: VarOpts) { return variance(this, d, o); },
  std(d?: Dims, o?: VarOpts) { return std(this, d, o); },
  logsumexp(d: Dims, o?: { keepdim?: boolean }) { return logsumexp(this, d, o); },
  norm(p?: number | 'fro', d?: Dims, o?: { keepdim?: boolean }) { return norm(this, p, d, o); },
  any: boolReduce('any'),
  all: boolReduce('all'),
});
