// ONNX export (nr.io.exportOnnx): MLP, LeNet-style CNNs and Transformer encoders exported by tracing
// and run in onnxruntime-node, compared with neurona's own forward (also at other batch sizes with
// dynamicBatch, and at opsets 18/20); the ModelProto decoded structurally; eval-mode handling; and
// the errors for unsupported ops, untraced ops, data-dependent reads and frozen batch sizes.
import { describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const ort = require('onnxruntime-node');
const { nn } = nr;

/** An onnxruntime tensor holding the values of t. */
function ortTensor(t: Tensor): any {
  const c = t.contiguous();
  switch (t.dtype) {
    case 'float32': return new ort.Tensor('float32', Float32Array.from(c.data() as Float32Array), t.shape);
    case 'float64': return new ort.Tensor('float64', Float64Array.from(c.data() as Float64Array), t.shape);
    case 'int64': return new ort.Tensor('int64', BigInt64Array.from(c.data() as BigInt64Array), t.shape);
    case 'bool': return new ort.Tensor('bool', Uint8Array.from(c.data() as Uint8Array), t.shape);
    default: throw new Error(`no ort tensor for ${t.dtype}`);
  }
}

/** Runs the exported bytes in onnxruntime on inputs; returns the outputs by name. */
async function runOrt(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, { data: ArrayLike<number>; dims: readonly number[] }>> {
  const s = await ort.InferenceSession.create(bytes);
  const f: Record<string, any> = {};
  for (const [k, t] of Object.entries(feeds)) f[k] = ortTensor(t);
  return s.run(f);
}

/** Asserts that ORT's output equals neurona's (shape exactly; values within atol + rtol·|ref|). */
function expectClose(got: { data: ArrayLike<number>; dims: readonly number[] }, want: Tensor, tol = 1e-4): void {
  expect([...got.dims]).toEqual(want.shape);
  const ref = want.toFlatArray();
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const g = Number(got.data[i]);
    if (Number.isNaN(ref[i]) && Number.isNaN(g)) continue;
    const d = g === ref[i] ? 0 : Math.abs(g - ref[i]) / (1 + Math.abs(ref[i]));
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  expect(worst).toBeLessThan(tol);
}

const forward = (m: nn.Module, ...xs: Tensor[]): Tensor => nr.noGrad(() => m.call(...xs));

// ---- a minimal protobuf reader, to check the encoded ModelProto's structure --------------------

type Fields = Map<number, (bigint | Uint8Array)[]>;
function decode(b: Uint8Array): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = (): bigint => {
    let r = 0n, s = 0n;
    for (;;) { const x = b[i++]; r |= BigInt(x & 0x7f) << s; s += 7n; if (x < 0x80) return r; }
  };
  while (i < b.length) {
    const key = Number(varint()), field = key >> 3, wire = key & 7;
    let v: bigint | Uint8Array;
    if (wire === 0) v = varint();
    else if (wire === 2) { const n = Number(varint()); v = b.subarray(i, i + n); i += n; }
    else if (wire === 5) { v = b.subarray(i, i + 4); i += 4; }
    else if (wire === 1) { v = b.subarray(i, i + 8); i += 8; }
    else throw new Error(`bad wire type ${wire}`);
    if (!out.has(field)) out.set(field, []);
    out.get(field)!.push(v);
  }
  return out;
}
const str = (v: bigint | Uint8Array) => new TextDecoder().decode(v as Uint8Array);

// ---- models -------------------------------------------------------------------------------------

function mlp(): nn.Module {
  return new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Dropout(0.5), new nn.Linear(16, 4));
}

/** LeNet-5 style: conv/BN/ReLU/max-pool twice, flatten, three linear layers. */
function lenet(): nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.BatchNorm2d(6), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(16 * 5 * 5, 32), new nn.ReLU(), new nn.Linear(32, 10),
  );
}

/** A small all-conv net ending in global average pooling, with GELU/SiLU, stride and 'same' padding. */
function gapNet(): nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 'same' }), new nn.BatchNorm2d(8), new nn.GELU(),
    new nn.Conv2d(8, 8, 3, { stride: 2, padding: 1, groups: 2 }), new nn.SiLU(), new nn.AvgPool2d(2),
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(8, 5),
  );
}

/** Fills BatchNorm running statistics with a few training batches, so eval differs from training. */
function warmBatchNorm(m: nn.Module, shape: number[]): void {
  m.train();
  nr.noGrad(() => { for (let i = 0; i < 3; i++) m.call(nr.randn(shape).mul(2).add(0.5)); });
  m.eval();
}

/** Token classifier: embedding · √d + sinusoidal positions, a TransformerEncoder, mean-pool, linear head. */
class TextClassifier extends nn.Module {
  emb: nn.Embedding;
  pos: nn.SinusoidalPositionalEncoding;
  encoder: nn.TransformerEncoder;
  head: nn.Linear;
  constructor(readonly d = 16, vocab = 50, classes = 3) {
    super();
    this.emb = new nn.Embedding(vocab, d);
    this.pos = new nn.SinusoidalPositionalEncoding(d, { batchFirst: true, maxLen: 64 });
    const layer = new nn.TransformerEncoderLayer(d, 4, { dimFeedforward: 32, batchFirst: true, activation: 'gelu' });
    this.encoder = new nn.TransformerEncoder(layer, 2, new nn.LayerNorm(d));
    this.head = new nn.Linear(d, classes);
  }
  forward(tokens: Tensor, padMask?: Tensor): Tensor {
    const x = this.pos.call(this.emb.call(tokens).mul(Math.sqrt(this.d)));
    const h = this.encoder.call(x, { srcKeyPaddingMask: padMask ?? null });
    return this.head.call(h.mean(1));
  }
}

const tokens = (n: number, l: number) => nr.randint(0, 50, [n, l], { dtype: 'int64' });

// ---- tests --------------------------------------------------------------------------------------

describe('exportOnnx: models run in onnxruntime', () => {
  it('MLP (Linear/ReLU/Dropout/Linear), static and dynamic batch', async () => {
    nr.manualSeed(1);
    const m = mlp().eval();
    const x = nr.randn([3, 8]);
    const bytes = nr.io.exportOnnx(m, x);
    expectClose((await runOrt(bytes, { input: x })).output, forward(m, x));
    const dyn = nr.io.exportOnnx(m, x, undefined, { dynamicBatch: true, inputNames: ['x'], outputNames: ['logits'] });
    for (const n of [1, 5, 3]) {
      const xb = nr.randn([n, 8]);
      expectClose((await runOrt(dyn, { x: xb })).logits, forward(m, xb));
    }
  });

  it('LeNet-style CNN (Conv2d/BatchNorm2d/ReLU/MaxPool2d/Flatten/Linear), batch 2 and 4', async () => {
    nr.manualSeed(2);
    const m = lenet();
    warmBatchNorm(m, [4, 1, 28, 28]);
    const x = nr.randn([2, 1, 28, 28]);
    const bytes = nr.io.exportOnnx(m, x, undefined, { dynamicBatch: true });
    expectClose((await runOrt(bytes, { input: x })).output, forward(m, x));
    const x4 = nr.randn([4, 1, 28, 28]);
    expectClose((await runOrt(bytes, { input: x4 })).output, forward(m, x4));
  });

  it('conv net with groups, stride, same padding, GELU, SiLU, AvgPool2d and AdaptiveAvgPool2d', async () => {
    nr.manualSeed(3);
    const m = gapNet();
    warmBatchNorm(m, [4, 3, 12, 12]);
    const x = nr.randn([2, 3, 12, 12]);
    const bytes = nr.io.exportOnnx(m, x, undefined, { dynamicBatch: true });
    expectClose((await runOrt(bytes, { input: x })).output, forward(m, x));
    const x3 = nr.randn([3, 3, 12, 12]);
    expectClose((await runOrt(bytes, { input: x3 })).output, forward(m, x3));
  });

  it('Transformer encoder text classifier (Embedding, positions, 2 layers, GELU, mean-pool, head)', async () => {
    nr.manualSeed(4);
    const m = new TextClassifier().eval();
    const t = tokens(2, 7);
    const bytes = nr.io.exportOnnx(m, t, undefined, { dynamicBatch: true, inputNames: ['tokens'] });
    expectClose((await runOrt(bytes, { tokens: t })).output, forward(m, t));
    const t5 = tokens(5, 7);
    expectClose((await runOrt(bytes, { tokens: t5 })).output, forward(m, t5));
  });

  it('Transformer encoder with a key padding mask input (two inputs, bool mask)', async () => {
    nr.manualSeed(5);
    const m = new TextClassifier().eval();
    const t = tokens(3, 6);
    const mask = nr.tensor([[false, false, false, false, true, true], [false, false, false, false, false, false], [false, false, true, true, true, true]]);
    const bytes = nr.io.exportOnnx(m, [t, mask], undefined, { dynamicBatch: true, inputNames: ['tokens', 'pad'] });
    expectClose((await runOrt(bytes, { tokens: t, pad: mask })).output, forward(m, t, mask));
    const t2 = tokens(2, 6), m2 = nr.tensor([[false, false, false, true, true, true], [false, false, false, false, false, true]]);
    expectClose((await runOrt(bytes, { tokens: t2, pad: m2 })).output, forward(m, t2, m2));
  });

  it('sequence-first pre-norm causal encoder on float input (batchAxis 1), opsets 17, 18 and 20', async () => {
    nr.manualSeed(6);
    const layer = new nn.TransformerEncoderLayer(12, 3, { dimFeedforward: 24, normFirst: true, activation: 'gelu' });
    const enc = new nn.TransformerEncoder(layer, 2).eval();
    const m = { call: (x: Tensor) => enc.call(x, { isCausal: true }) };
    const x = nr.randn([5, 2, 12]);
    const want = nr.noGrad(() => m.call(x));
    for (const opset of [17, 18, 20]) {
      const bytes = nr.io.exportOnnx((x: Tensor) => m.call(x), x, undefined, { dynamicBatch: true, batchAxis: 1, opsetVersion: opset });
      expectClose((await runOrt(bytes, { input: x })).output, want);
    }
    const fn = nr.io.exportOnnx((x: Tensor) => m.call(x), x, undefined, { dynamicBatch: true, batchAxis: 1 });
    const x3 = nr.randn([5, 3, 12]);
    expectClose((await runOrt(fn, { input: x3 })).output, nr.noGrad(() => m.call(x3)));
  });

  it('ViT-style: conv patches, class token expanded to the batch and concatenated, learned positions', async () => {
    nr.manualSeed(12);
    class TinyViT extends nn.Module {
      patch = new nn.Conv2d(3, 16, 4, { stride: 4 });
      cls = new nn.Parameter(nr.randn([1, 1, 16]));
      pos = new nn.Parameter(nr.randn([1, 5, 16]).mul(0.1));
      encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(16, 2, { dimFeedforward: 32, batchFirst: true, normFirst: true }), 1);
      head = new nn.Linear(16, 4);
      forward(x: Tensor): Tensor {
        const p = this.patch.call(x).flatten(2).transpose(1, 2);                      // (N, 4, 16)
        const t = nr.cat([this.cls.expand([x.shape[0], 1, 16]), p], 1).add(this.pos);   // (N, 5, 16)
        return this.head.call(this.encoder.call(t).select(1, 0));
      }
    }
    const m = new TinyViT().eval();
    const x = nr.randn([2, 3, 8, 8]);
    const bytes = nr.io.exportOnnx(m, x, undefined, { dynamicBatch: true });
    for (const xb of [x, nr.randn([3, 3, 8, 8])]) expectClose((await runOrt(bytes, { input: xb })).output, forward(m, xb));
  });

  it('LSTM (2 layers, batch first) and bidirectional GRU, unrolled, with a dynamic batch', async () => {
    nr.manualSeed(13);
    const lstm = new nn.LSTM(4, 6, { batchFirst: true, numLayers: 2 });
    const bytes = nr.io.exportOnnx(lstm, nr.randn([2, 3, 4]), undefined, { dynamicBatch: true, outputNames: ['out', 'h', 'c'] });
    const x = nr.randn([5, 3, 4]);
    const got = await runOrt(bytes, { input: x });
    const [out, [h, cc]] = nr.noGrad(() => lstm.call(x)) as [Tensor, [Tensor, Tensor]];
    expectClose(got.out, out); expectClose(got.h, h); expectClose(got.c, cc);
    const gru = new nn.GRU(4, 5, { bidirectional: true });
    const gb = nr.io.exportOnnx(gru, nr.randn([3, 2, 4]), undefined, { dynamicBatch: true, batchAxis: 1 });
    const xs = nr.randn([3, 4, 4]);
    const gg = await runOrt(gb, { input: xs });
    const [go, gh] = nr.noGrad(() => gru.call(xs)) as [Tensor, Tensor];
    expectClose(gg.output_0, go); expectClose(gg.output_1, gh);
  });

  it('a function of several inputs with several outputs (cat, softmax, reductions, slicing)', async () => {
    nr.manualSeed(7);
    const f = (a: Tensor, b: Tensor) => {
      const c = nr.cat([a, b.mul(2)], 1);
      const s = c.softmax(-1);
      return [s.sum(1), c.narrow(1, 1, 3).transpose(0, 1).reshape([-1]), a.sub(b).abs().amax(1, { keepdim: true }).sqrt()];
    };
    const a = nr.randn([2, 4]), b = nr.randn([2, 4]);
    const bytes = nr.io.exportOnnx(f, [a, b], undefined, { inputNames: ['a', 'b'] });
    const got = await runOrt(bytes, { a, b });
    const want = f(a, b);
    want.forEach((w, i) => expectClose(got[`output_${i}`], w));
  });
});

describe('exportOnnx: op mappings agree with neurona in onnxruntime', () => {
  const F = nn.functional;
  const cases: [string, (x: Tensor) => Tensor | Tensor[], number[]][] = [
    ['activations', (x) => [x.leakyRelu(0.2), x.elu(0.7), x.softplus({ beta: 2 }), x.softplus(), x.hardtanh(-0.5, 0.5), x.relu6(),
      x.clamp(-0.3, null), x.clamp(null, 0.4), x.tanh(), x.sigmoid(), x.gelu({ approximate: 'tanh' }), x.mish(), x.silu(), x.neg().exp()], [2, 3, 4]],
    ['math', (x) => [x.abs().add(0.5).rsqrt(), x.abs().log1p(), x.expm1(), x.abs().add(1).log2(), x.square(), x.abs().pow(1.5),
      x.pow(x.abs()), x.maximum(x.mul(-1)), x.minimum(x.mul(0.5)), x.reciprocal(), x.floor(), x.round(), x.sign(), x.erf()], [3, 5]],
    ['compare and masks', (x) => [x.gt(0).logicalAnd(x.lt(0.5)).float(), x.ge(0.1).logicalOr(x.le(-0.1)).to('float32'), x.eq(x).long(),
      x.ne(0).int().float(), x.maskedFill(x.lt(0), -1), nr.where(x.gt(0), x, 0.25), nr.where(x.lt(0.2), 1, x.neg()), x.add(x.gt(0)), x.sub(2, { alpha: 0.5 }).rsub(1), x.div(3).add(x, { alpha: 2 })], [4, 3]],
    ['reductions', (x) => [x.sum(), x.mean([0, 2], { keepdim: true }), x.prod(1), x.amin(-1), x.var(1), x.std(1, { correction: 0, keepdim: true }),
      x.logsumexp(2), x.norm(2, 1), x.norm(1, [1, 2]), x.argmax(1), x.argmin(), x.sum(1, { dtype: 'float64' })], [2, 3, 4]],
    ['shapes', (x) => [x.permute([2, 0, 1]).reshape([4, -1]), x.unsqueeze(1).expand([2, 3, 3, 4]), x.flatten(), x.select(1, -1), x.unbind(2)[1],
      ...x.split([1, 2], 1), ...x.chunk(2, 2), nr.stack([x, x.neg()], 1), nr.pad(x, [1, 2, 0, 1], 0.5), x.slice(2, 1, 4, 2), x.sum(0).tril(), x.sum(0).triu(1),
      x.reshape([6, 4]).t(), x.transpose(0, 2).contiguous().view([4, 6]).clone().detach(), x.squeeze(), x.unflatten(2, [2, 2])], [2, 3, 4]],
    ['softmax and norms', (x) => [x.logSoftmax(1), F.softmax(x, 0), nr.softmax(x, 2), F.layerNorm(x, [4], { eps: 1e-3 }), F.layerNorm(x, [3, 4]),
      F.rmsNorm(x, [4], { weight: nr.ones([4]).mul(1.5) }), F.groupNorm(x, 3, { weight: nr.arange(3).float(), bias: nr.ones([3]) })], [2, 3, 4]],
    ['conv1d, pools 1-D, transposed conv, matmul family', (x) => {
      nr.manualSeed(11);
      const w = nr.randn([4, 3, 3]), wt = nr.randn([3, 2, 3, 3]), m = nr.randn([4, 5]);
      return [F.conv1d(x, w, nr.randn([4]), { padding: 'same', dilation: 2 }), F.maxPool1d(x, 2), F.avgPool1d(x, 3, { stride: 1, padding: 1, countIncludePad: false }),
        F.convTranspose2d(x.unsqueeze(-1).expand([2, 3, 4, 3]), wt, null, { stride: 2, padding: 1, outputPadding: 1 }), F.adaptiveAvgPool1d(x, 2),
        x.matmul(m), nr.matmul(x.transpose(1, 2), x), x.bmm(x.transpose(1, 2)), F.linear(x, m.t(), null), nr.mm(x.select(0, 0), m),
        F.conv2d(x, nr.randn([3, 2, 2, 2]), nr.randn([3])), F.maxPool2d(x, [2, 2], { stride: 1 }), x.matmul(m.select(1, 1)),
        F.maxPool2d(x.unsqueeze(0), 2, { ceilMode: true }), F.avgPool2d(x.unsqueeze(0), 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
        F.batchNorm(x, nr.randn([3]), nr.rand([3]).add(0.5), { weight: nr.randn([3]), bias: nr.randn([3]), eps: 1e-3 })];
    }, [2, 3, 4]],
    ['embedding and gather-free indexing', (x) => {
      const ids = nr.tensor([[0, 2], [1, 1]], { dtype: 'int64' });
      return [F.embedding(ids, x.reshape([6, 4])), x.reshape([6, 4]).narrow(0, 2, 3)];
    }, [2, 3, 4]],
  ];
  for (const [name, f, shape] of cases) {
    it(`${name} (opsets 17 and 18)`, async () => {
      nr.manualSeed(10);
      const x = nr.randn(shape);
      for (const opsetVersion of [17, 18]) {
        const bytes = nr.io.exportOnnx(f, x, undefined, { opsetVersion });
        const got = await runOrt(bytes, { input: x });
        const want = nr.noGrad(() => f(x));
        const ws = Array.isArray(want) ? want : [want];
        ws.forEach((w, i) => expectClose(got[ws.length === 1 ? 'output' : `output_${i}`], w));
      }
    });
  }
});

describe('exportOnnx: the ModelProto', () => {
  it('has ir_version 8, opset 17, named initializers and typed inputs/outputs; writes the file', async () => {
    nr.manualSeed(8);
    const m = mlp();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nr-onnx-')), 'mlp.onnx');
    const bytes = nr.io.exportOnnx(m, nr.randn([2, 8]), file, { dynamicBatch: true });
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(bytes);
    const model = decode(bytes);
    expect(model.get(1)).toEqual([8n]);                          // ir_version
    const opset = decode(model.get(8)![0] as Uint8Array);
    expect(opset.get(2)).toEqual([17n]);                         // opset_import.version
    const graph = decode(model.get(7)![0] as Uint8Array);
    const inits = graph.get(5)!.map((t) => str(decode(t as Uint8Array).get(8)![0]));
    expect(inits).toEqual(expect.arrayContaining(['0.weight', '0.bias', '3.weight', '3.bias']));
    const w0 = decode(graph.get(5)![inits.indexOf('0.weight')] as Uint8Array);
    expect(w0.get(1)).toEqual([16n, 8n]);                        // dims
    expect(w0.get(2)).toEqual([1n]);                             // FLOAT
    expect((w0.get(9)![0] as Uint8Array).length).toBe(16 * 8 * 4);
    const ops = graph.get(1)!.map((n) => str(decode(n as Uint8Array).get(4)![0]));
    expect(ops).toEqual(['Gemm', 'Relu', 'Gemm', 'Identity']);   // dropout is gone in eval
    const input = decode(graph.get(11)![0] as Uint8Array);
    expect(str(input.get(1)![0])).toBe('input');
    const tensorType = decode(decode(input.get(2)![0] as Uint8Array).get(1)![0] as Uint8Array);
    expect(tensorType.get(1)).toEqual([1n]);
    const dims = decode(tensorType.get(2)![0] as Uint8Array).get(1)!.map((d) => decode(d as Uint8Array));
    expect(str(dims[0].get(2)![0])).toBe('batch');
    expect(dims[1].get(1)).toEqual([8n]);
    const s = await ort.InferenceSession.create(file);
    expect(s.inputNames).toEqual(['input']);
    expect(s.outputNames).toEqual(['output']);
  });
});

describe('exportOnnx: modes and errors', () => {
  it('exports a model in training mode as in eval mode and restores its training flags', async () => {
    nr.manualSeed(9);
    const m = mlp();
    warmBatchNorm(new nn.Sequential(), [1]);
    expect(m.training).toBe(true);
    const x = nr.randn([4, 8]);
    const bytes = nr.io.exportOnnx(m, x);
    expect(m.training).toBe(true);
    expect(m.modules().every((c) => c.training)).toBe(true);
    m.eval();
    expectClose((await runOrt(bytes, { input: x })).output, forward(m, x));
  });

  it('an op with no ONNX mapping is an error naming it', () => {
    const f = (x: Tensor) => x.cumsum(1);
    expect(() => nr.io.exportOnnx(f, nr.randn([2, 3]))).toThrow(/exportOnnx: op 'cumsum' is not supported/);
    const g = (x: Tensor) => x.add(1).sort(1).values;
    expect(() => nr.io.exportOnnx(g, nr.randn([2, 3]))).toThrow(/exportOnnx: op 'sort' is not supported/);
  });

  it('an op the tracer did not see (a functional form without a hook) is an error, not a constant', () => {
    const f = (x: Tensor) => nr.exp(x.mul(2)).add(1);
    expect(() => nr.io.exportOnnx(f, nr.randn([2, 3]))).toThrow(/exportOnnx: an op is not supported: it ran on a traced tensor of shape \[2, 3\] outside the traced ops/);
  });

  it('untraced functional ops on integer inputs (no autograd node) are caught too', () => {
    const ids = nr.tensor([[1, 2], [3, 4]], { dtype: 'int64' });
    expect(() => nr.io.exportOnnx((t: Tensor) => nr.reshape(t, [-1]), ids)).toThrow(/exportOnnx: op 'reshape' is not supported: it ran on a traced tensor of shape \[2, 2\]/);
    expect(() => nr.io.exportOnnx((t: Tensor) => nr.add(t, 1), ids)).toThrow(/exportOnnx: an op is not supported: it ran on a traced tensor of shape \[2, 2\]/);
    expect(nr.io.exportOnnx((t: Tensor) => t.reshape([-1]).add(1), ids).length).toBeGreaterThan(0);
  });

  it('reading values of a traced tensor is refused; Tensor methods are restored after export', () => {
    const before = nr.Tensor.prototype.add;
    const f = (x: Tensor) => x.mul(x.sum().item() as number);
    expect(() => nr.io.exportOnnx(f, nr.randn([2, 3]))).toThrow(/exportOnnx: op 'item' reads the values of a traced tensor/);
    expect(nr.Tensor.prototype.add).toBe(before);
    const nested = (x: Tensor) => { nr.io.exportOnnx((y: Tensor) => y.neg(), x); return x; };
    expect(() => nr.io.exportOnnx(nested, nr.randn([2]))).toThrow(/another export is already tracing/);
    expect(nr.Tensor.prototype.add).toBe(before);
    expect(nr.randn([2]).add(1).shape).toEqual([2]);
  });

  it('batch norm without running statistics is refused', () => {
    const m = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2, { trackRunningStats: false }));
    expect(() => nr.io.exportOnnx(m, nr.randn([2, 1, 5, 5]))).toThrow(/exportOnnx: op 'batchNorm' with batch statistics/);
  });

  it('dynamicBatch refuses batch 1 and constants that carry the example batch size', () => {
    const m = mlp();
    expect(() => nr.io.exportOnnx(m, nr.randn([1, 8]), undefined, { dynamicBatch: true })).toThrow(/at least 2/);
    const c = nr.randn([3, 8]);
    const f = (x: Tensor) => x.add(c);
    expect(() => nr.io.exportOnnx(f, nr.randn([3, 8]), undefined, { dynamicBatch: true })).toThrow(/exportOnnx: op 'add' combines a constant of shape \[3, 8\] with the dynamic batch axis/);
    const g = (x: Tensor) => nr.cat([x, c], 1);
    expect(() => nr.io.exportOnnx(g, nr.randn([3, 8]), undefined, { dynamicBatch: true })).toThrow(/exportOnnx: op 'cat' joins a constant of shape \[3, 8\]/);
    // without dynamicBatch the same graphs are fine
    expect(nr.io.exportOnnx(f, nr.randn([3, 8])).length).toBeGreaterThan(0);
    expect(nr.io.exportOnnx(g, nr.randn([3, 8])).length).toBeGreaterThan(0);
  });

  it('dynamicBatch: a constant equal along the batch axis (e.g. a zero state) broadcasts to other batches', async () => {
    const z = nr.ones([3, 4]).mul(nr.arange(4).float());
    const f = (x: Tensor) => x.mul(z).add(nr.zeros([3, 4])).add(nr.ones([1, 4]).expandAs(x)).sub(1);
    const bytes = nr.io.exportOnnx(f, nr.randn([3, 4]), undefined, { dynamicBatch: true });
    const x = nr.randn([6, 4]);
    expectClose((await runOrt(bytes, { input: x })).output, x.mul(nr.arange(4).float()));
  });

  it('bad arguments', () => {
    const m = mlp();
    expect(() => nr.io.exportOnnx(m, [] as Tensor[])).toThrow(TypeError);
    expect(() => nr.io.exportOnnx({} as any, nr.randn([2, 8]))).toThrow(/nn.Module or a function/);
    expect(() => nr.io.exportOnnx(m, nr.randn([2, 8]), undefined, { opsetVersion: 9 })).toThrow(/opsetVersion/);
    expect(() => nr.io.exportOnnx(m, nr.randn([2, 8]), undefined, { inputNames: ['a', 'b'] })).toThrow(/inputNames/);
    expect(() => nr.io.exportOnnx((x: Tensor) => x.shape as any, nr.randn([2, 8]))).toThrow(/return a tensor/);
    expect(() => nr.io.exportOnnx(m, nr.randn([2, 8]), undefined, { inputNames: ['x'], outputNames: ['x'] })).toThrow(/both an input and an output/);
    expect(() => nr.io.exportOnnx((x: Tensor) => x.triu(), nr.randn([2, 2]), undefined, { opsetVersion: 13 })).toThrow(/opset 14/);
    expect(nr.io.onnxSupportedOps()).toEqual(expect.arrayContaining(['linear', 'conv2d', 'layerNorm', 'scaledDotProductAttention', 'add', 'reshape']));
  });
});
