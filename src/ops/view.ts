// View ops (no data copied: same storage, new shape/strides/offset) and the ops built from views:
// reshape, flatten, transpose, permute, squeeze/unsqueeze, expand, narrow/slice/select, split/chunk,
// plus cat/stack (copies into views of the output). Each has its backward here.
import { checkSameDevice } from '../cuda/ops';
import { Tensor, Shape, fmtShape, normDim, numelOf, contiguousStrides, broadcastShapes, checkShape, isTensor } from '../tensor';
import { attach } from '../autograd';
import { defineMethods } from './registry';
import { sumToShape } from './reduce';
import { resultType } from '../dtype';
import { checkTensor, fmtValue } from './check';
import { tracing, traceOp } from '../trace';

declare module '../tensor' {
  interface Tensor {
    reshape(shape: Shape): Tensor;
    view(shape: Shape): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    unflatten(dim: number, sizes: Shape): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    t(): Tensor;
    permute(dims: Shape): Tensor;
    squeeze(dim?: number | number[]): Tensor;
    unsqueeze(dim: number): Tensor;
    expand(shape: Shape): Tensor;
    expandAs(other: Tensor): Tensor;
    broadcastTo(shape: Shape): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    select(dim: number, index: number): Tensor;
    split(sizeOrSections: number | number[], dim?: number): Tensor[];
    chunk(chunks: number, dim?: number): Tensor[];
    unbind(dim?: number): Tensor[];
  }
}

/** Resolves one -1 in a requested shape against numel. */
function inferShape(shape: Shape, numel: number, op: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array`);
  const out = shape.slice();
  let infer = -1, known = 1;
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    if (d === -1) {
      if (infer >= 0) throw new RangeError(`${op}: only one dimension can be -1 in ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) throw new RangeError(`${op}: invalid shape ${fmtShape(shape)}`);
    else known *= d;
  }
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) throw new RangeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${numel}`);
    out[infer] = numel / known;
  } else if (known !== numel) throw new RangeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${numel}`);
  return out;
}

/** Strides for viewing t as newShape without a copy, or null (PyTorch's computeStride). */
function viewStrides(t: Tensor, newShape: number[]): number[] | null {
  const n = t.numel();
  if (n === 0) return contiguousStrides(newShape);
  const oldShape = t.shape, oldStrides = t.strides;
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1] ?? 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) { chunkBase = oldStrides[d - 1]; tensorNumel = 1; viewNumel = 1; }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

function reshapeGrad(out: Tensor, x: Tensor, name: string): Tensor {
  const shape = x.shape;
  return attach(out, name, [x], (g) => [g.reshape(shape)]);
}

export function view(x: Tensor, shape: Shape): Tensor {
  checkTensor(x, 'view', 'the input');
  const ns = inferShape(shape, x.numel(), 'view');
  const st = viewStrides(x, ns);
  if (!st) throw new Error(`view: size ${fmtShape(ns)} is not compatible with input of shape ${fmtShape(x.shape)} and strides ${fmtShape(x.strides)}; use reshape()`);
  return reshapeGrad(x._view(ns, st, x.offset, 'view'), x, 'view');
}

export function reshape(x: Tensor, shape: Shape): Tensor {
  checkTensor(x, 'reshape', 'the input');
  const ns = inferShape(shape, x.numel(), 'reshape');
  const st = viewStrides(x, ns);
  if (st) return reshapeGrad(x._view(ns, st, x.offset, 'reshape'), x, 'reshape');
  const c = x.detach().contiguous();
  const out = c._view(ns, contiguousStrides(ns), c.offset, 'reshape');
  if (c !== x) c.dispose();
  return reshapeGrad(out, x, 'reshape');
}

export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  checkTensor(x, 'transpose', 'the input');
  const a = normDim(d0, x.ndim, 'transpose'), b = normDim(d1, x.ndim, 'transpose');
  if (x.ndim === 0) return reshapeGrad(x._view([], [], x.offset, 'transpose'), x, 'transpose');
  const sh = x.shape.slice(), st = x.strides.slice();
  [sh[a], sh[b]] = [sh[b], sh[a]];
  [st[a], st[b]] = [st[b], st[a]];
  return attach(x._view(sh, st, x.offset, 'transpose'), 'transpose', [x], (g) => [g.transpose(a, b)]);
}

export function permute(x: Tensor, dims: Shape): Tensor {
  checkTensor(x, 'permute', 'the input');
  if (!Array.isArray(dims) || dims.length !== x.ndim) throw new RangeError(`permute: expected ${x.ndim} dims for a tensor of shape ${fmtShape(x.shape)}, got ${fmtValue(dims)}`);
  const p = dims.map((d) => normDim(d, x.ndim, 'permute'));
  if (new Set(p).size !== p.length) throw new RangeError(`permute: repeated dim in ${fmtValue(dims)}`);
  const inv = new Array<number>(p.length);
  p.forEach((d, i) => { inv[d] = i; });
  const out = x._view(p.map((d) => x.shape[d]), p.map((d) => x.strides[d]), x.offset, 'permute');
  return attach(out, 'permute', [x], (g) => [g.permute(inv)]);
}

export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  checkTensor(x, 'squeeze', 'the input');
  const dims = dim === undefined ? x.shape.map((_, i) => i) : (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(d, x.ndim, 'squeeze'));
  const keep = x.shape.map((s, i) => !(s === 1 && dims.includes(i)));
  const out = x._view(x.shape.filter((_, i) => keep[i]), x.strides.filter((_, i) => keep[i]), x.offset, 'squeeze');
  return reshapeGrad(out, x, 'squeeze');
}

/** A dim for inserting a new axis into a tensor of rank ndim: -(ndim+1)..ndim. */
function insertDim(dim: number, ndim: number, op: string): number {
  if (!Number.isInteger(dim) || dim < -(ndim + 1) || dim > ndim) {
    throw new RangeError(`${op}: dimension ${String(dim)} out of range for inserting a dim into a tensor of ${ndim} dims (expected ${-(ndim + 1)}..${ndim})`);
  }
  return dim < 0 ? dim + ndim + 1 : dim;
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'unsqueeze', 'the input');
  const d = insertDim(dim, x.ndim, 'unsqueeze');
  const sh = x.shape.slice(), st = x.strides.slice();
  const inner = d < x.ndim ? st[d] * sh[d] : 1;
  sh.splice(d, 0, 1);
  st.splice(d, 0, inner);
  return reshapeGrad(x._view(sh, st, x.offset, 'unsqueeze'), x, 'unsqueeze');
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor(x, 'flatten', 'the input');
  if (x.ndim === 0) return x.reshape([1]);
  const s = normDim(startDim, x.ndim, 'flatten'), e = normDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new RangeError(`flatten: startDim ${String(startDim)} comes after endDim ${String(endDim)}`);
  const sh = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return x.reshape(sh);
}

export function expand(x: Tensor, shape: Shape): Tensor {
  checkTensor(x, 'expand', 'the input');
  if (!Array.isArray(shape)) throw new TypeError(`expand: shape must be an array of integers, got ${typeof shape}`);
  const nd = shape.length;
  if (nd < x.ndim) throw new RangeError(`expand: the number of sizes (${nd}) must be at least the tensor's dims (${x.ndim}); shape ${fmtShape(x.shape)}`);
  const off = nd - x.ndim;
  const sh = new Array<number>(nd), st = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const want = shape[i];
    if (i < off) {
      if (!Number.isInteger(want) || want < 0) throw new RangeError(`expand: invalid size ${want} for new leading dim in ${fmtShape(shape)}`);
      sh[i] = want; st[i] = 0; continue;
    }
    const have = x.shape[i - off];
    if (want === -1 || want === have) { sh[i] = have; st[i] = x.strides[i - off]; }
    else if (have === 1 && Number.isInteger(want) && want >= 0) { sh[i] = want; st[i] = 0; }
    else throw new RangeError(`expand: the expanded size ${want} must match the existing size ${have} at dim ${String(i)} (shape ${fmtShape(x.shape)} to ${fmtShape(shape)})`);
  }
  checkShape(sh, 'expand');
  const inShape = x.shape;
  return attach(x._view(sh, st, x.offset, 'expand'), 'expand', [x], (g) => [sumToShape(g, inShape)]);
}

/** Views of narrow/slice/select route gradients back by writing g into a zero tensor's matching view. */
function sliceGrad(out: Tensor, x: Tensor, name: string, makeView: (t: Tensor) => Tensor): Tensor {
  const shape = x.shape;
  return attach(out, name, [x], (g) => {
    const gx = Tensor.empty(shape, g.dtype, true, name, g.device);
    const v = makeView(gx);
    v.copy_(g);
    v.dispose();
    return [gx];
  });
}

export function slice(x: Tensor, dim: number, start = 0, end = Infinity, step = 1): Tensor {
  checkTensor(x, 'slice', 'the input');
  if (x.ndim === 0) throw new RangeError('slice: cannot be applied to a 0-dim tensor');
  const d = normDim(dim, x.ndim, 'slice');
  const bound = (v: unknown) => typeof v === 'number' && (Number.isInteger(v) || v === Infinity || v === -Infinity);
  if (!bound(start) || !bound(end)) throw new TypeError(`slice: start and end must be integers, got ${fmtValue(start)} and ${fmtValue(end)}`);
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`slice: step must be a positive integer, got ${String(step)}`);
  const n = x.shape[d];
  const clampIdx = (i: number) => { if (i < 0) i += n; return Math.min(Math.max(i, 0), n); };
  const s = clampIdx(start), e = Math.max(clampIdx(end === Infinity ? n : end), s);
  const len = Math.ceil((e - s) / step);
  const mk = (t: Tensor) => {
    const sh = t.shape.slice(), st = t.strides.slice();
    // a step past the dim's size picks at most one element: its stride then never matters, and must
    // not grow beyond what the native layer accepts (2^53)
    sh[d] = len; st[d] = t.strides[d] * Math.min(step, Math.max(n, 1));
    return t._view(sh, st, t.offset + s * t.strides[d], 'slice');
  };
  return sliceGrad(mk(x), x, 'slice', mk);
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor(x, 'narrow', 'the input');
  if (x.ndim === 0) throw new RangeError('narrow: cannot be applied to a 0-dim tensor');
  const d = normDim(dim, x.ndim, 'narrow');
  if (typeof start !== 'number' || typeof length !== 'number') throw new TypeError(`narrow: start and length must be integers, got ${fmtValue(start)} and ${fmtValue(length)}`);
  const n = x.shape[d];
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > n) {
    throw new RangeError(`narrow: start ${String(start)} and length ${String(length)} are out of range for dim ${String(dim)} of size ${String(n)} (shape ${fmtShape(x.shape)})`);
  }
  return slice(x, d, s, s + length);
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  checkTensor(x, 'select', 'the input');
  if (x.ndim === 0) throw new RangeError('select: cannot be applied to a 0-dim tensor');
  const d = normDim(dim, x.ndim, 'select');
  if (typeof index !== 'number') throw new TypeError(`select: index must be an integer, got ${fmtValue(index)}`);
  const n = x.shape[d];
  const i = index < 0 ? index + n : index;
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`select: index ${String(index)} is out of range for dim ${String(dim)} of size ${String(n)} (shape ${fmtShape(x.shape)})`);
  const mk = (t: Tensor) => t._view(t.shape.filter((_, k) => k !== d), t.strides.filter((_, k) => k !== d), t.offset + i * t.strides[d], 'select');
  return sliceGrad(mk(x), x, 'select', mk);
}

export function split(x: Tensor, sizeOrSections: number | number[], dim = 0): Tensor[] {
  checkTensor(x, 'split', 'the input');
  const d = normDim(dim, x.ndim, 'split');
  const n = x.shape[d];
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) throw new RangeError(`split: split size must be a positive integer, got ${String(sizeOrSections)}`);
    sizes = [];
    for (let s = 0; s < n; s += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - s));
    if (n === 0) sizes.push(0);
  } else {
    sizes = sizeOrSections;
    if (!Array.isArray(sizes) || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new TypeError(`split: expected a positive split size or an array of non-negative integer sizes, got ${fmtValue(sizeOrSections)}`);
    }
    if (sizes.reduce((a, b) => a + b, 0) !== n) throw new RangeError(`split: sizes ${fmtValue(sizes)} do not sum to dim ${String(dim)} of size ${String(n)}`);
  }
  const out: Tensor[] = [];
  let s = 0;
  for (const len of sizes) { out.push(narrow(x, d, s, len)); s += len; }
  return out;
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor(x, 'chunk', 'the input');
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: chunks must be a positive integer, got ${String(chunks)}`);
  const n = x.shape[normDim(dim, x.ndim, 'chunk')];
  return split(x, Math.max(1, Math.ceil(n / chunks)), dim);
}

export function unbind(x: Tensor, dim = 0): Tensor[] {
  checkTensor(x, 'unbind', 'the input');
  const d = normDim(dim, x.ndim, 'unbind');
  return Array.from({ length: x.shape[d] }, (_, i) => select(x, d, i));
}

/** torch.cat: joins tensors along an existing dim (dtype promoted; 1-D empty tensors are skipped, as in PyTorch). */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (tracing.active) return traceOp('cat', cat, [tensors, dim]);
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('cat: expected a non-empty array of tensors');
  tensors.forEach((t, i) => {
    if (!isTensor(t)) throw new TypeError(`cat: element ${String(i)} is not a tensor (got ${t === null ? 'null' : typeof t})`);
    t._check('cat');
  });
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  // the result dtype counts the skipped empty inputs too (torch.cat([int64 [0], int32 [2, 3]]) is int64)
  const dtype = resultType(...tensors);
  if (parts.length === 0) return attach(Tensor.empty([0], dtype, false, 'cat'), 'cat', tensors, () => tensors.map((t) => (t.requiresGrad ? Tensor.empty(t.shape, t.dtype) : null)));
  const ref = parts[0];
  const d = normDim(dim, ref.ndim, 'cat');
  for (const t of parts) {
    if (t.ndim !== ref.ndim || t.shape.some((s, i) => i !== d && s !== ref.shape[i])) {
      throw new RangeError(`cat: shapes ${parts.map((p) => fmtShape(p.shape)).join(', ')} must match except in dim ${String(dim)}`);
    }
  }
  const shape = ref.shape.slice();
  shape[d] = parts.reduce((a, t) => a + t.shape[d], 0);
  checkSameDevice('cat', ...parts);
  const out = Tensor.empty(checkShape(shape, 'cat'), dtype, false, 'cat', ref.device);
  let s = 0;
  const offsets: number[] = [];
  for (const t of parts) {
    offsets.push(s);
    const v = out._view(t.shape, out.strides, out.offset + s * out.strides[d], 'cat');
    v.copy_(t);
    v.dispose();
    s += t.shape[d];
  }
  // skipped legacy empty inputs get an empty gradient (as PyTorch)
  let k = 0;
  const partOf = tensors.map((t) => (t.ndim === 1 && t.shape[0] === 0 ? -1 : k++));
  return attach(out, 'cat', tensors, (g) => tensors.map((t, j) => {
    if (!t.requiresGrad) return null;
    const i = partOf[j];
    return i < 0 ? Tensor.empty(t.shape, t.dtype) : g.narrow(d, offsets[i], t.shape[d]).contiguous().to(t.dtype);
  }));
}

/** torch.stack: joins same-shape tensors along a new dim. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (tracing.active) return traceOp('stack', stack, [tensors, dim]);
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('stack: expected a non-empty array of tensors');
  tensors.forEach((t, i) => {
    if (!isTensor(t)) throw new TypeError(`stack: element ${String(i)} is not a tensor (got ${t === null ? 'null' : typeof t})`);
    t._check('stack');
  });
  const ref = tensors[0];
  for (const t of tensors) {
    if (t.ndim !== ref.ndim || t.shape.some((s, i) => s !== ref.shape[i])) {
      throw new RangeError(`stack: all tensors must have the same shape, got ${tensors.map((p) => fmtShape(p.shape)).join(', ')}`);
    }
  }
  const d = insertDim(dim, ref.ndim, 'stack');
  return cat(tensors.map((t) => t.unsqueeze(d)), d);
}

export function broadcastTo(x: Tensor, shape: Shape): Tensor { return expand(x, shape); }
export function broadcastTensors(...ts: Tensor[]): Tensor[] {
  const shape = broadcastShapes('broadcastTensors', ...ts.map((t) => t.shape));
  return ts.map((t) => expand(t, shape));
}

defineMethods('view', {
  reshape(shape: Shape) { return reshape(this, shape); },
  view(shape: Shape) { return view(this, shape); },
  flatten(s?: number, e?: number) { return flatten(this, s, e); },
  unflatten(dim: number, sizes: Shape) {
    const d = normDim(dim, this.ndim, 'unflatten');
    const inner = inferShape(sizes, this.shape[d], 'unflatten');
    return reshape(this, [...this.shape.slice(0, d), ...inner, ...this.shape.slice(d + 1)]);
  },
  transpose(a: number, b: number) { return transpose(this, a, b); },
  t() {
    if (this.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dims, got shape ${fmtShape(this.shape)}`);
    return this.ndim < 2 ? this : transpose(this, 0, 1);
  },
  permute(dims: Shape) { return permute(this, dims); },
  squeeze(dim?: number | number[]) { return squeeze(this, dim); },
  unsqueeze(dim: number) { return unsqueeze(this, dim); },
  expand(shape: Shape) { return expand(this, shape); },
  expandAs(o: Tensor) { return expand(this, o.shape); },
  broadcastTo(shape: Shape) { return expand(this, shape); },
  narrow(d: number, s: number, l: number) { return narrow(this, d, s, l); },
  slice(d: number, s?: number, e?: number, st?: number) { return slice(this, d, s, e, st); },
  select(d: number, i: number) { return select(this, d, i); },
  split(s: number | number[], d?: number) { return split(this, s, d); },
  chunk(c: number, d?: number) { return chunk(this, c, d); },
  unbind(d?: number) { return unbind(this, d); },
});
