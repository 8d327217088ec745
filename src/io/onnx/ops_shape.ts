// ONNX mappings of shape and data-movement ops: reshape/view/flatten/unflatten/squeeze/unsqueeze
// (one Reshape each, batch dim as -1), transpose/t/permute, expand, narrow/slice/select/split/
// chunk/unbind, cat/stack, pad, tril/triu, and reductions (sum, mean, prod, amax/amin, argmax/
// argmin, var/std, logsumexp, norm).
import { Tensor, numelOf, fmtShape } from '../../tensor';
import { Attr, ONNX_DTYPE } from './proto';
import { Batch, OpCall, TraceContext, OpMapping, defineMappings, reshapeValue, permuteBatch, bcastBatch, fail, dimOf, uniformAlong } from './mapping';

const INT64_MAX = Number.MAX_SAFE_INTEGER;   // "to the end" for Slice (any end past the size works)

/** The op's output reached by one Reshape of the input to the output's shape. */
const reshapeLike: OpMapping = (c, call) => {
  const x = call.self as Tensor, out = call.out as Tensor;
  const [y, b] = reshapeValue(c, call.op, x, c.v(x), out.shape);
  c.bind(out, y, b);
};

function transposeTo(c: TraceContext, call: OpCall, perm: number[]): void {
  const x = call.self as Tensor, out = call.out as Tensor;
  if (x.ndim < 2) { c.bind(out, c.v(x), c.batch(x)); return; }
  c.bind(out, c.g.node1('Transpose', [c.v(x)], { perm: { ints: perm } }), permuteBatch(c.batch(x), perm));
}

function swap(n: number, a: number, b: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  [p[a], p[b]] = [p[b], p[a]];
  return p;
}

const expandLike: OpMapping = (c, call) => {
  const x = call.self as Tensor, out = call.out as Tensor;
  const other = call.args[0];
  if (call.op === 'expandAs' && c.isDynamic(other)) {
    // to other's shape as computed at run time (its batch may differ from the example's)
    const o = other as Tensor;
    const b = c.batch(o) ?? bcastBatch(c, call.op, out.ndim, [x]);
    c.bind(out, c.g.node1('Expand', [c.v(x), c.g.node1('Shape', [c.v(o)])]), b);
    return;
  }
  const b = bcastBatch(c, call.op, out.ndim, [x]);
  const target = out.shape.slice();
  if (b) target[b.axis] = 1;   // Expand broadcasts both ways: 1 keeps the input's (batch) size
  c.bind(out, c.g.node1('Expand', [c.v(x), c.g.i64(target)]), b);
};

/** Slice of x along dim d: [start, end) by step; the batch axis may only be kept whole. */
function sliceDim(c: TraceContext, op: string, x: Tensor, d: number, start: number, end: number, step = 1): [string, Batch | null] {
  const b = c.batch(x);
  if (b && b.axis === d) {
    if (start !== 0 || end < x.shape[d] || step !== 1) fail(op, `slices the dynamic batch axis ${d}; export without dynamicBatch`);
    end = INT64_MAX;
  }
  const g = c.g;
  return [g.node1('Slice', [c.v(x), g.i64([start]), g.i64([end]), g.i64([d]), g.i64([step])]), b];
}

/** x[..., i, ...] along dim d (the dim removed). */
function gatherIndex(c: TraceContext, op: string, x: Tensor, d: number, i: number): [string, Batch | null] {
  const b = c.batch(x);
  if (b && b.axis === d) fail(op, `indexes the dynamic batch axis ${d}; export without dynamicBatch`);
  const y = c.g.node1('Gather', [c.v(x), c.g.i64([i], true)], { axis: { i: d } });
  return [y, b ? { axis: b.axis > d ? b.axis - 1 : b.axis, inner: b.inner } : null];
}

/** Outputs that are consecutive pieces of x along dim d (split/chunk). */
const pieces: OpMapping = (c, call) => {
  const x = call.self as Tensor, outs = call.out as Tensor[];
  const d = dimOf((call.args[1] as number | undefined) ?? 0, x.ndim);
  let s = 0;
  for (const o of outs) {
    const [y, b] = sliceDim(c, call.op, x, d, s, s + o.shape[d]);
    c.bind(o, y, b);
    s += o.shape[d];
  }
};

/** Reduce node over axes: axes as an input (ReduceSum from opset 13, the others from 18) or an attribute. */
export function reduce(c: TraceContext, op: string, x: string, axes: number[], keepdims: boolean): string {
  const asInput = op === 'ReduceSum' ? c.opset >= 13 : c.opset >= 18;
  const attrs: Record<string, Attr> = { keepdims: { i: keepdims ? 1 : 0 } };
  if (asInput) return c.g.node1(op, [x, c.g.i64(axes)], attrs);
  return c.g.node1(op, [x], { ...attrs, axes: { ints: axes } });
}

/** Dims a reduction covers (all for null/undefined), normalised and sorted. */
function redDims(x: Tensor, dims: unknown): number[] {
  if (dims === undefined || dims === null) return x.shape.map((_, i) => i);
  const l = (Array.isArray(dims) ? dims : [dims]) as number[];
  return [...new Set(l.map((d) => dimOf(d, x.ndim)))].sort((a, b) => a - b);
}

/** The batch placement after reducing `red` (null when the batch axis is reduced). */
function reducedBatch(b: Batch | null, red: number[], keep: boolean): Batch | null {
  if (!b || red.includes(b.axis)) return null;
  return keep ? b : { axis: b.axis - red.filter((d) => d < b.axis).length, inner: b.inner };
}

/** sum/mean/prod/amax/amin/logsumexp: x.op(dims?, { keepdim }) computed in the output dtype. */
function reduction(onnxOp: string): OpMapping {
  return (c, call) => {
    const x = call.self as Tensor, out = call.out as Tensor;
    const red = redDims(x, call.args[0]);
    const keep = !!(call.args[1] as { keepdim?: boolean } | undefined)?.keepdim;
    if (x.ndim === 0) { c.bind(out, c.v(x, out.dtype), null); return; }
    c.bind(out, reduce(c, onnxOp, c.v(x, out.dtype), red, keep), reducedBatch(c.batch(x), red, keep));
  };
}

function argReduce(onnxOp: string): OpMapping {
  return (c, call) => {
    const x = call.self as Tensor, out = call.out as Tensor;
    const dim = call.args[0] as number | undefined;
    const keep = !!(call.args[1] as { keepdim?: boolean } | undefined)?.keepdim;
    if (dim === undefined) {
      const [flat] = reshapeValue(c, call.op, x, c.v(x), [numelOf(x.shape)]);
      c.bind(out, c.g.node1(onnxOp, [flat], { axis: { i: 0 }, keepdims: { i: 0 } }), null);
      return;
    }
    const d = dimOf(dim, x.ndim);
    c.bind(out, c.g.node1(onnxOp, [c.v(x)], { axis: { i: d }, keepdims: { i: keep ? 1 : 0 } }), reducedBatch(c.batch(x), [d], keep));
  };
}

/** var/std: sum((x - mean)^2) / (n - correction), then sqrt for std. */
function variance(isStd: boolean): OpMapping {
  return (c, call) => {
    const x = call.self as Tensor, out = call.out as Tensor, g = c.g;
    const red = redDims(x, call.args[0]);
    const o = (call.args[1] ?? {}) as { correction?: number; unbiased?: boolean; keepdim?: boolean };
    const corr = o.correction ?? (o.unbiased === false ? 0 : 1), keep = !!o.keepdim;
    const n = red.reduce((a, d) => a * x.shape[d], 1);
    const xv = c.v(x, out.dtype);
    const dev = g.node1('Sub', [xv, reduce(c, 'ReduceMean', xv, red, true)]);
    const ss = reduce(c, 'ReduceSum', g.node1('Mul', [dev, dev]), red, keep);
    let y = g.node1('Div', [ss, g.scalar(n - corr, out.dtype)]);
    if (isStd) y = g.node1('Sqrt', [y]);
    c.bind(out, y, reducedBatch(c.batch(x), red, keep));
  };
}

const norm: OpMapping = (c, call) => {
  const x = call.self as Tensor, out = call.out as Tensor;
  const p = (call.args[0] as number | 'fro' | undefined) ?? 2;
  const op = p === 2 || p === 'fro' ? 'ReduceL2' : p === 1 ? 'ReduceL1' : fail('norm', `with p=${p} is not supported (p = 1, 2 or 'fro')`);
  const red = redDims(x, call.args[1]);
  const keep = !!(call.args[2] as { keepdim?: boolean } | undefined)?.keepdim;
  c.bind(out, reduce(c, op, c.v(x, out.dtype), red, keep), reducedBatch(c.batch(x), red, keep));
};

/**
 * A constant t whose size on the batch axis is the example batch, as a value that follows the batch
 * of traced tensor `like` (same batch axis): one slice expanded to like's batch size (e.g. a class
 * token expanded to the batch before a cat). Refused unless all slices along the axis are equal.
 */
function batchedConstant(c: TraceContext, op: string, t: Tensor, like: Tensor, axis: number): string {
  if (t.shape[axis] !== c.batchSize || c.batch(like)!.inner !== 1 || !uniformAlong(t, axis)) {
    fail(op, `joins a constant of shape ${fmtShape(t.shape)} with traced tensors that have a dynamic batch axis; export without dynamicBatch`);
  }
  const g = c.g;
  const n = g.node1('Gather', [g.node1('Shape', [c.v(like)]), g.i64([axis])], { axis: { i: 0 } });
  const target = g.node1('Concat', [g.i64(t.shape.slice(0, axis)), n, g.i64(t.shape.slice(axis + 1))], { axis: { i: 0 } });
  return g.node1('Expand', [c.v(t.narrow(axis, 0, 1)), target]);
}

/** cat(tensors, dim): Concat in the result dtype (1-D empty tensors skipped, as the op does). */
const cat: OpMapping = (c, call) => {
  const all = call.args[0] as Tensor[], out = call.out as Tensor;
  const parts = all.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  const d = dimOf((call.args[1] as number | undefined) ?? 0, out.ndim);
  const dyn = parts.find((t) => c.batch(t));
  const b = dyn ? c.batch(dyn) : null;
  const value = (t: Tensor) => (b && b.axis !== d && !c.isDynamic(t) ? batchedConstant(c, 'cat', t, dyn!, b.axis) : c.v(t));
  c.bind(out, c.g.node1('Concat', parts.map((t) => {
    const v = value(t);
    return t.dtype === out.dtype ? v : c.g.node1('Cast', [v], { to: { i: ONNX_DTYPE[out.dtype] } });
  }), { axis: { i: d } }), b);
};

/** stack(tensors, dim): Unsqueeze each then Concat. */
const stack: OpMapping = (c, call) => {
  const ts = call.args[0] as Tensor[], out = call.out as Tensor;
  const d = dimOf((call.args[1] as number | undefined) ?? 0, out.ndim);
  const dyn = ts.find((t) => c.batch(t));
  const b0 = dyn ? c.batch(dyn) : null;
  const axes = c.g.i64([d]);
  const ins = ts.map((t) => {
    let v = b0 && !c.isDynamic(t) ? batchedConstant(c, 'stack', t, dyn!, b0.axis) : c.v(t);
    if (t.dtype !== out.dtype) v = c.g.node1('Cast', [v], { to: { i: ONNX_DTYPE[out.dtype] } });
    return c.g.node1('Unsqueeze', [v, axes]);
  });
  c.bind(out, c.g.node1('Concat', ins, { axis: { i: d } }), b0 ? { axis: b0.axis >= d ? b0.axis + 1 : b0.axis, inner: b0.inner } : null);
};

/** pad(x, [lastLeft, lastRight, ...], value): Pad in constant mode (negative amounts crop). */
const pad: OpMapping = (c, call) => {
  const [x, padding, value] = call.args as [Tensor, number[], number | undefined];
  const out = call.out as Tensor, n = x.ndim;
  const begin = new Array<number>(n).fill(0), end = new Array<number>(n).fill(0);
  for (let i = 0; i < padding.length / 2; i++) { begin[n - 1 - i] = padding[2 * i]; end[n - 1 - i] = padding[2 * i + 1]; }
  const b = c.batch(x);
  if (b && (begin[b.axis] !== 0 || end[b.axis] !== 0)) fail('pad', 'pads the dynamic batch axis; export without dynamicBatch');
  c.bind(out, c.g.node1('Pad', [c.v(x), c.g.i64([...begin, ...end]), c.g.scalar(value ?? 0, x.dtype)]), b);
};

function trilu(upper: boolean): OpMapping {
  return (c, call) => {
    const x = call.self as Tensor, out = call.out as Tensor;
    if (c.opset < 14) fail(call.op, 'needs opset 14 or later (Trilu)');
    const k = (call.args[0] as number | undefined) ?? 0;
    c.bind(out, c.g.node1('Trilu', [c.v(x), c.g.i64([k], true)], { upper: { i: upper ? 1 : 0 } }), c.batch(x));
  };
}

defineMappings({
  reshape: reshapeLike, view: reshapeLike, flatten: reshapeLike, unflatten: reshapeLike, squeeze: reshapeLike, unsqueeze: reshapeLike,
  transpose: (c, call) => {
    const x = call.self as Tensor;
    transposeTo(c, call, swap(x.ndim, dimOf(call.args[0] as number, x.ndim), dimOf(call.args[1] as number, x.ndim)));
  },
  t: (c, call) => transposeTo(c, call, [1, 0]),
  permute: (c, call) => {
    const x = call.self as Tensor;
    transposeTo(c, call, (call.args[0] as number[]).map((d) => dimOf(d, x.ndim)));
  },
  expand: expandLike, expandAs: expandLike, broadcastTo: expandLike,
  narrow: (c, call) => {
    const x = call.self as Tensor, [dim, start, len] = call.args as number[];
    const d = dimOf(dim, x.ndim), s = start < 0 ? start + x.shape[d] : start;
    const [y, b] = sliceDim(c, 'narrow', x, d, s, s + len);
    c.bind(call.out, y, b);
  },
  slice: (c, call) => {
    const x = call.self as Tensor, out = call.out as Tensor;
    const [dim, start = 0, end = Infinity, step = 1] = call.args as number[];
    const d = dimOf(dim, x.ndim), n = x.shape[d];
    const cl = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
    const s = cl(start), e = Math.max(cl(end === Infinity ? n : end), s);
    const [y, b] = sliceDim(c, 'slice', x, d, s, e, step);
    c.bind(out, y, b);
  },
  select: (c, call) => {
    const x = call.self as Tensor, [dim, index] = call.args as number[];
    const d = dimOf(dim, x.ndim);
    const [y, b] = gatherIndex(c, 'select', x, d, index < 0 ? index + x.shape[d] : index);
    c.bind(call.out, y, b);
  },
  unbind: (c, call) => {
    const x = call.self as Tensor, d = dimOf((call.args[0] as number | undefined) ?? 0, x.ndim);
    (call.out as Tensor[]).forEach((o, i) => { const [y, b] = gatherIndex(c, 'unbind', x, d, i); c.bind(o, y, b); });
  },
  split: pieces, chunk: pieces,
  cat, stack, pad,
  tril: trilu(false), triu: trilu(true),
  sum: reduction('ReduceSum'), mean: reduction('ReduceMean'), prod: reduction('ReduceProd'),
  amax: reduction('ReduceMax'), amin: reduction('ReduceMin'), logsumexp: reduction('ReduceLogSumExp'),
  argmax: argReduce('ArgMax'), argmin: argReduce('ArgMin'),
  var: variance(false), std: variance(true), norm,
});
