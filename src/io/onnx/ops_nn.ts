// ONNX mappings of the layer ops: matmul/mm/bmm/linear (Gemm or MatMul), conv1d/2d and the
// transposed convolutions, max/avg/adaptive-avg pooling, layer/RMS/group/batch norm (eval
// statistics only), embedding (Gather) and scaledDotProductAttention (MatMul, Softmax, masks).
import { Tensor, isTensor } from '../../tensor';
import { finfoEps } from '../../ops/norm';
import { Attr } from './proto';
import { Batch, OpCall, TraceContext, OpMapping, defineMappings, fail } from './mapping';

type Pair = number | [number, number];
const pairOf = (v: Pair | null | undefined, d: [number, number]): [number, number] => (v === undefined || v === null ? d : typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** The two operands of a binary method (self, arg) or functional op (arg, arg). */
function operands(call: OpCall): [Tensor, Tensor] {
  return (isTensor(call.self) ? [call.self, call.args[0]] : [call.args[0], call.args[1]]) as [Tensor, Tensor];
}

/** Where a matmul result's batch goes: a's row dim or batch dims, or b's column dim or batch dims. */
function matmulBatch(c: TraceContext, a: Tensor, b: Tensor, outNdim: number): Batch | null {
  const ba = c.batch(a), bb = c.batch(b);
  if (ba && a.ndim >= 2 && ba.axis !== a.ndim - 1) return { axis: ba.axis === a.ndim - 2 ? outNdim - 2 : ba.axis + outNdim - a.ndim, inner: ba.inner };
  if (bb && b.ndim >= 2 && bb.axis !== b.ndim - 2) return { axis: bb.axis === b.ndim - 1 ? outNdim - 1 : bb.axis + outNdim - b.ndim, inner: bb.inner };
  return null;
}

const matmul: OpMapping = (c, call) => {
  const [a, b] = operands(call), out = call.out as Tensor;
  c.bind(out, c.g.node1('MatMul', [c.v(a), c.v(b)]), matmulBatch(c, a, b, out.ndim));
};

/** The perm that swaps the last two of n dims. */
function lastTwo(n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  [p[n - 2], p[n - 1]] = [p[n - 1], p[n - 2]];
  return p;
}

/** linear(x, W, b): Gemm(transB) for 2-D x, else MatMul with Wᵀ plus b. */
const linear: OpMapping = (c, call) => {
  const [x, w, bias] = call.args as [Tensor, Tensor, Tensor | null | undefined];
  const out = call.out as Tensor, g = c.g;
  const b = c.batch(x);
  const batch = b && b.axis !== x.ndim - 1 ? b : null;
  if (x.ndim === 2) {
    c.bind(out, g.node1('Gemm', [c.v(x), c.v(w), ...(bias ? [c.v(bias)] : [])], { transB: { i: 1 } }), batch);
    return;
  }
  let y = g.node1('MatMul', [c.v(x), g.node1('Transpose', [c.v(w)], { perm: { ints: [1, 0] } })]);
  if (bias) y = g.node1('Add', [y, c.v(bias)]);
  c.bind(out, y, batch);
};

/** Runs `body` on a batched (N, ...) value: an unbatched input gets a leading dim added and removed. */
function batched(c: TraceContext, x: Tensor, batchedRank: number, body: (xv: string) => string): [string, Batch | null] {
  const g = c.g;
  if (x.ndim === batchedRank) return [body(c.v(x)), c.batch(x)?.axis === 0 ? c.batch(x) : null];
  const y = body(g.node1('Unsqueeze', [c.v(x), g.i64([0])]));
  return [g.node1('Squeeze', [y, g.i64([0])]), null];
}

/** conv1d/conv2d(x, w, b, { stride, padding (incl. 'same'/'valid'), dilation, groups }). */
function conv(dims: 1 | 2): OpMapping {
  return (c, call) => {
    const [x, w, bias, o = {}] = call.args as [Tensor, Tensor, Tensor | null | undefined, { stride?: Pair; padding?: Pair | 'same' | 'valid'; dilation?: Pair; groups?: number }];
    const k = w.shape.slice(2);
    const stride = dims === 2 ? pairOf(o.stride, [1, 1]) : [(o.stride as number | undefined) ?? 1];
    const dil = dims === 2 ? pairOf(o.dilation, [1, 1]) : [(o.dilation as number | undefined) ?? 1];
    let begin: number[], end: number[];
    if (o.padding === 'same') {
      const tot = k.map((kk, i) => dil[i] * (kk - 1));
      begin = tot.map((t) => t >> 1); end = tot.map((t, i) => t - begin[i]);
    } else if (o.padding === 'valid') { begin = end = k.map(() => 0); }
    else { begin = end = dims === 2 ? pairOf(o.padding as Pair | undefined, [0, 0]) : [(o.padding as number | undefined) ?? 0]; }
    const attrs: Record<string, Attr> = {
      kernel_shape: { ints: k }, strides: { ints: stride }, dilations: { ints: dil }, pads: { ints: [...begin, ...end] }, group: { i: o.groups ?? 1 },
    };
    const [y, b] = batched(c, x, dims + 2, (xv) => c.g.node1('Conv', [xv, c.v(w), ...(bias ? [c.v(bias)] : [])], attrs));
    c.bind(call.out, y, b);
  };
}

function convTranspose(dims: 1 | 2): OpMapping {
  return (c, call) => {
    const [x, w, bias, o = {}] = call.args as [Tensor, Tensor, Tensor | null | undefined, { stride?: Pair; padding?: Pair; outputPadding?: Pair; dilation?: Pair; groups?: number }];
    const two = (v: Pair | undefined, d: number) => (dims === 2 ? pairOf(v, [d, d]) : [(v as number | undefined) ?? d]);
    const p = two(o.padding, 0);
    const attrs: Record<string, Attr> = {
      kernel_shape: { ints: w.shape.slice(2) }, strides: { ints: two(o.stride, 1) }, dilations: { ints: two(o.dilation, 1) },
      pads: { ints: [...p, ...p] }, output_padding: { ints: two(o.outputPadding, 0) }, group: { i: o.groups ?? 1 },
    };
    const [y, b] = batched(c, x, dims + 2, (xv) => c.g.node1('ConvTranspose', [xv, c.v(w), ...(bias ? [c.v(bias)] : [])], attrs));
    c.bind(call.out, y, b);
  };
}

/** maxPool/avgPool 1-D and 2-D: kernel, stride (default kernel), padding, dilation, ceilMode. */
function pool(kind: 'MaxPool' | 'AveragePool', dims: 1 | 2): OpMapping {
  return (c, call) => {
    const [x, ks, o = {}] = call.args as [Tensor, Pair, { stride?: Pair | null; padding?: Pair; dilation?: Pair; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }];
    if (o.divisorOverride) fail(call.op, 'with divisorOverride is not supported');
    const get = (v: Pair | null | undefined, d: number[]) => (dims === 2 ? pairOf(v, d as [number, number]) : [(v as number | null | undefined) ?? d[0]]);
    const k = get(ks, [1, 1]), s = get(o.stride, k), p = get(o.padding, [0, 0]);
    const attrs: Record<string, Attr> = { kernel_shape: { ints: k }, strides: { ints: s }, pads: { ints: [...p, ...p] }, ceil_mode: { i: o.ceilMode ? 1 : 0 } };
    if (kind === 'MaxPool') attrs.dilations = { ints: get(o.dilation, [1, 1]) };
    else attrs.count_include_pad = { i: o.countIncludePad === false ? 0 : 1 };
    const [y, b] = batched(c, x, dims + 2, (xv) => c.g.node1(kind, [xv], attrs));
    c.bind(call.out, y, b);
  };
}

/** adaptiveAvgPool: GlobalAveragePool for output size 1, else an AveragePool when the sizes divide. */
function adaptivePool(dims: 1 | 2): OpMapping {
  return (c, call) => {
    const [x, os] = call.args as [Tensor, number | [number | null, number | null]];
    const inSize = x.shape.slice(-dims);
    const want = dims === 1 ? [os as number] : typeof os === 'number' ? [os, os] : os.map((v, i) => v ?? inSize[i]);
    let body: (xv: string) => string;
    if (want.every((v) => v === 1)) body = (xv) => c.g.node1('GlobalAveragePool', [xv]);
    else if (want.every((v, i) => inSize[i] % (v as number) === 0)) {
      const k = inSize.map((n, i) => n / (want[i] as number));
      body = (xv) => c.g.node1('AveragePool', [xv], { kernel_shape: { ints: k }, strides: { ints: k } });
    } else fail(call.op, `from ${inSize.join('x')} to ${want.join('x')} is not supported (output sizes must divide the input sizes)`);
    const [y, b] = batched(c, x, dims + 2, body);
    c.bind(call.out, y, b);
  };
}

/** A constant filled with v shaped like t (LayerNormalization/BatchNormalization need scale and bias). */
function filled(c: TraceContext, like: Tensor, shape: number[], v: number): string {
  const t = Tensor.empty(shape, like.dtype).fill_(v);
  const n = c.g.constant(t, v === 1 ? 'ones' : 'zeros');
  t.dispose();
  return n;
}

const layerNorm: OpMapping = (c, call) => {
  const [x, nsArg, o = {}] = call.args as [Tensor, number | number[], { weight?: Tensor | null; bias?: Tensor | null; eps?: number }];
  if (c.opset < 17) fail('layerNorm', 'needs opset 17 or later (LayerNormalization)');
  const ns = typeof nsArg === 'number' ? [nsArg] : [...nsArg];
  const scale = o.weight ? c.v(o.weight, x.dtype) : filled(c, x, ns, 1);
  const ins = [c.v(x), scale, ...(o.bias ? [c.v(o.bias, x.dtype)] : [])];
  const y = c.g.node1('LayerNormalization', ins, { axis: { i: -ns.length }, epsilon: { f: o.eps ?? 1e-5 } });
  c.bind(call.out, y, c.batch(x));
};

const rmsNorm: OpMapping = (c, call) => {
  const [x, nsArg, o = {}] = call.args as [Tensor, number | number[], { weight?: Tensor | null; eps?: number | null }];
  const n = typeof nsArg === 'number' ? 1 : nsArg.length, g = c.g;
  const axes = Array.from({ length: n }, (_, i) => x.ndim - n + i);
  const xv = c.v(x);
  const ms = c.opset >= 18 ? g.node1('ReduceMean', [g.node1('Mul', [xv, xv]), g.i64(axes)], { keepdims: { i: 1 } })
    : g.node1('ReduceMean', [g.node1('Mul', [xv, xv])], { axes: { ints: axes }, keepdims: { i: 1 } });
  const eps = o.eps ?? finfoEps(x.dtype);
  let y = g.node1('Mul', [xv, g.node1('Reciprocal', [g.node1('Sqrt', [g.node1('Add', [ms, g.scalar(eps, x.dtype)])])])]);
  if (o.weight) y = g.node1('Mul', [y, c.v(o.weight, x.dtype)]);
  c.bind(call.out, y, c.batch(x));
};

/** groupNorm: InstanceNormalization over (N, G, rest), reshaped back, then the per-channel affine. */
const groupNorm: OpMapping = (c, call) => {
  const [x, G, o = {}] = call.args as [Tensor, number, { weight?: Tensor | null; bias?: Tensor | null; eps?: number }];
  const b = c.batch(x);
  if (b && b.axis !== 0) fail('groupNorm', 'needs the dynamic batch on dim 0');
  const g = c.g, C = x.shape[1];
  const x3 = g.node1('Reshape', [c.v(x), g.i64([0, G, -1])]);
  const n3 = g.node1('InstanceNormalization', [x3, filled(c, x, [G], 1), filled(c, x, [G], 0)], { epsilon: { f: o.eps ?? 1e-5 } });
  let y = g.node1('Reshape', [n3, g.i64([0, ...x.shape.slice(1)])]);
  const chan = g.i64([C, ...x.shape.slice(2).map(() => 1)]);
  if (o.weight) y = g.node1('Mul', [y, g.node1('Reshape', [c.v(o.weight, x.dtype), chan])]);
  if (o.bias) y = g.node1('Add', [y, g.node1('Reshape', [c.v(o.bias, x.dtype), chan])]);
  c.bind(call.out, y, b);
};

const batchNorm: OpMapping = (c, call) => {
  const [x, rm, rv, o = {}] = call.args as [Tensor, Tensor | null, Tensor | null, { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; eps?: number }];
  if (o.training || !rm || !rv) fail('batchNorm', 'with batch statistics (training mode, or no running statistics) is not supported; export a model in eval mode with trackRunningStats');
  const C = x.shape[1];
  const ins = [c.v(x), o.weight ? c.v(o.weight, x.dtype) : filled(c, x, [C], 1), o.bias ? c.v(o.bias, x.dtype) : filled(c, x, [C], 0), c.v(rm, x.dtype), c.v(rv, x.dtype)];
  c.bind(call.out, c.g.node1('BatchNormalization', ins, { epsilon: { f: o.eps ?? 1e-5 } }), c.batch(x));
};

const embedding: OpMapping = (c, call) => {
  const [ids, w] = call.args as [Tensor, Tensor];
  c.bind(call.out, c.g.node1('Gather', [c.v(w), c.v(ids, 'int64')], { axis: { i: 0 } }), c.batch(ids));
};

/** softmax(q kᵀ · scale + mask) v, with bool (true = attend) or additive masks and isCausal. */
const sdpa: OpMapping = (c, call) => {
  const [q, k, v, o = {}] = call.args as [Tensor, Tensor, Tensor, { attnMask?: Tensor | null; dropoutP?: number; isCausal?: boolean; scale?: number | null }];
  if ((o.dropoutP ?? 0) > 0) fail('scaledDotProductAttention', 'with dropoutP > 0 is not supported (dropout is not exported)');
  const g = c.g, dt = q.dtype;
  const L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2], E = q.shape[q.ndim - 1];
  const kt = g.node1('Transpose', [c.v(k)], { perm: { ints: lastTwo(k.ndim) } });
  let s = g.node1('Mul', [g.node1('MatMul', [c.v(q), kt]), g.scalar(o.scale ?? 1 / Math.sqrt(E), dt)]);
  const m = o.attnMask;
  if (m) s = m.dtype === 'bool' ? g.node1('Where', [c.v(m), s, g.scalar(-Infinity, dt)]) : g.node1('Add', [s, c.v(m)]);
  if (o.isCausal) {
    const t = Tensor.empty([L, S], dt);
    const d = t.data() as Float32Array | Float64Array;
    for (let i = 0; i < L; i++) for (let j = 0; j < S; j++) d[i * S + j] = j <= i ? 0 : -Infinity;
    s = g.node1('Add', [s, g.constant(t, 'causal_mask')]);
    t.dispose();
  }
  let p = g.node1('Softmax', [s], { axis: { i: -1 } });
  // rows with no allowed key give 0 (as the fused kernel), not NaN
  if (m) p = g.node1('Where', [g.node1('IsNaN', [p]), g.scalar(0, dt), p]);
  const b = c.batch(q);
  c.bind(call.out, g.node1('MatMul', [p, c.v(v)]), b && b.axis < q.ndim - 2 ? b : null);
};

defineMappings({
  matmul, mm: matmul, bmm: matmul, mv: matmul, dot: matmul,
  linear,
  conv1d: conv(1), conv2d: conv(2), convTranspose1d: convTranspose(1), convTranspose2d: convTranspose(2),
  maxPool1d: pool('MaxPool', 1), maxPool2d: pool('MaxPool', 2), avgPool1d: pool('AveragePool', 1), avgPool2d: pool('AveragePool', 2),
  adaptiveAvgPool1d: adaptivePool(1), adaptiveAvgPool2d: adaptivePool(2),
  layerNorm, rmsNorm, groupNorm, batchNorm,
  embedding,
  scaledDotProductAttention: sdpa,
});
