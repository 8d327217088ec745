// Losses: every nn.functional loss against PyTorch fixtures (float64 and float32, each kernel level),
// the fused cross-entropy kernel against the reference, float64 gradchecks, loss modules, bad input.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';
import { loadFixture, ft, expectClose, fastLevels, atLevel } from './util/nnfixtures';
import { crossEntropyRows } from '../src/ops/loss';

const { nn } = nr;
const F = nn.functional;
const fx = loadFixture('loss.json');

function runLoss(c: any, dtype: 'float64' | 'float32') {
  const inp: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries<any>(c.inputs)) inp[k] = ft(v, dtype, c.grads[k] !== undefined);
  const o = c.opts;
  let out: Tensor;
  switch (c.op) {
    case 'mseLoss': out = F.mseLoss(inp.input, inp.target, o); break;
    case 'l1Loss': out = F.l1Loss(inp.input, inp.target, o); break;
    case 'smoothL1Loss': out = F.smoothL1Loss(inp.input, inp.target, o); break;
    case 'huberLoss': out = F.huberLoss(inp.input, inp.target, o); break;
    case 'crossEntropy': out = F.crossEntropy(inp.input, inp.target, { ...o, weight: inp.weight }); break;
    case 'nllLoss': out = F.nllLoss(inp.input, inp.target, { ...o, weight: inp.weight }); break;
    case 'binaryCrossEntropy': out = F.binaryCrossEntropy(inp.input, inp.target, { ...o, weight: inp.weight }); break;
    case 'binaryCrossEntropyWithLogits':
      out = F.binaryCrossEntropyWithLogits(inp.input, inp.target, { ...o, weight: inp.weight, posWeight: inp.posWeight }); break;
    case 'klDiv': out = F.klDiv(inp.input, inp.target, o); break;
    case 'cosineEmbeddingLoss': out = F.cosineEmbeddingLoss(inp.x1, inp.x2, inp.y, o); break;
    case 'cosineSimilarity': out = F.cosineSimilarity(inp.x1, inp.x2, o); break;
    default: throw new Error(c.op);
  }
  if (out.requiresGrad) out.backward(ft(c.gout, dtype));
  return { inp, out };
}

describe('losses match PyTorch', () => {
  for (const level of ['ref', ...fastLevels()]) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${level} ${dtype}`, () => atLevel(level, () => {
        const tol = dtype === 'float64' ? 1e-10 : 3e-5;
        let n = 0;
        for (const c of fx.cases) {
          if (dtype === 'float32' && c.name === 'binaryCrossEntropy near 0/1') continue;   // 1 - 1e-9 rounds to 1 in float32
          const { inp, out } = runLoss(c, dtype);
          expectClose(out, c.out, tol, `${c.name} out`);
          for (const [k, g] of Object.entries<any>(c.grads)) expectClose(inp[k].grad!, g, tol * 10, `${c.name} grad ${k}`);
          n++;
        }
        expect(n).toBeGreaterThan(90);
      }));
    }
  }
});

describe('fused cross-entropy kernel', () => {
  it('fast levels match the reference (weights, ignoreIndex, smoothing, extreme logits, empty)', () => {
    for (const [M, C] of [[1, 1], [5, 3], [37, 10], [200, 257], [0, 4]]) {
      for (const [w, ign, ls] of [[false, -100, 0], [true, 2, 0.1], [false, 0, 0.3], [true, -1, 0]] as const) {
        nr.manualSeed(M * 7 + C);
        const x = nr.randn([M, C]).mul(M === 37 ? 40 : 3);
        const t = nr.randint(0, C, [M]);
        if (M > 2) t.data()[1] = BigInt(ign);
        const weight = w ? nr.rand([C]).add(0.5) : null;
        const g = nr.rand([M]);
        const run = () => {
          const xs = x.detach().requiresGrad_();
          const { loss, wt } = crossEntropyRows(xs, t, weight, ign, ls);
          loss.backward(g);
          return [loss, wt, xs.grad ?? nr.zeros([M, C])];
        };
        const ref = atLevel('ref', run);
        for (const l of fastLevels()) {
          const fast = atLevel(l, run);
          ref.forEach((r, i) => expectClose(fast[i], r, 2e-5, `[${M},${C}] w=${w} ign=${ign} ls=${ls} output ${i}`));
        }
      }
    }
  });
  it('backward is softmax - onehot', () => {
    const x = nr.tensor([[1, 2, 3], [0, 0, 0]], { dtype: 'float64', requiresGrad: true });
    const t = nr.tensor([2, 0]);
    F.crossEntropy(x, t, { reduction: 'sum' }).backward();
    const p = x.detach().exp().div(x.detach().exp().sum(1, { keepdim: true }));
    const onehot = nr.tensor([[0, 0, 1], [1, 0, 0]], { dtype: 'float64' });
    expectClose(x.grad!, p.sub(onehot), 1e-12, 'softmax - onehot');
  });
  it('huge logits stay finite; all-ignored mean is NaN like PyTorch', () => {
    const x = nr.tensor([[1000, -1000, 0], [-5000, 5000, 1]], { dtype: 'float32', requiresGrad: true });
    const l = F.crossEntropy(x, nr.tensor([0, 1]));
    expect(l.item()).toBeCloseTo(0, 6);
    l.backward();
    expect(x.grad!.toFlatArray().every(Number.isFinite)).toBe(true);
    expect(Number.isNaN(F.crossEntropy(nr.randn([2, 3]), nr.tensor([-100, -100])).item())).toBe(true);
    expect(F.crossEntropy(nr.randn([2, 3]), nr.tensor([-100, -100]), { reduction: 'sum' }).item()).toBe(0);
  });
});

describe('loss gradchecks (float64)', () => {
  const reds = ['none', 'mean', 'sum'] as const;
  it('pointwise regression losses, incl. broadcast and non-contiguous', () => {
    nr.manualSeed(10);
    for (const r of reds) {
      const x = rand64([3, 4]), y = rand64([3, 4]);
      gradcheck((a, b) => F.mseLoss(a, b, { reduction: r }), [x, y]);
      gradcheck((a, b) => F.l1Loss(a, b, { reduction: r }), [x, y]);
      gradcheck((a, b) => F.smoothL1Loss(a, b, { reduction: r, beta: 0.7 }), [x, y]);
      gradcheck((a, b) => F.huberLoss(a, b, { reduction: r, delta: 0.6 }), [x, y]);
    }
    const xt = rand64([4, 3]).detach().transpose(0, 1).requiresGrad_();
    gradcheck((a, b) => F.mseLoss(a, b), [xt, rand64([3, 1])]);
  });
  it('classification losses', () => {
    nr.manualSeed(11);
    const t = nr.tensor([0, 2, 1, 2]);
    const tIgn = nr.tensor([0, 9, 1, 2]);
    const w = nr.rand([3], { dtype: 'float64' }).add(0.5);
    for (const r of reds) {
      gradcheck((x) => F.crossEntropy(x, t, { reduction: r }), [rand64([4, 3], -3, 3)]);
      gradcheck((x) => F.crossEntropy(x, tIgn, { reduction: r, weight: w, ignoreIndex: 9, labelSmoothing: 0.2 }), [rand64([4, 3], -3, 3)]);
      gradcheck((x) => F.nllLoss(x, tIgn, { reduction: r, weight: w, ignoreIndex: 9 }), [rand64([4, 3], -3, 0)]);
      gradcheck((x) => F.crossEntropy(x, nr.tensor([[1, 0], [2, 2]]), { reduction: r }), [rand64([2, 3, 2], -2, 2)]);
      gradcheck((x, p) => F.crossEntropy(x, p, { reduction: r, weight: w, labelSmoothing: 0.1 }), [rand64([4, 3]), rand64([4, 3], 0, 1)]);
      gradcheck((x, y) => F.binaryCrossEntropy(x, y, { reduction: r, weight: w }), [rand64([2, 3], 0.05, 0.95), rand64([2, 3], 0, 1)]);
      gradcheck((x, y) => F.binaryCrossEntropyWithLogits(x, y, { reduction: r, weight: w, posWeight: w.mul(2) }), [rand64([2, 3], -4, 4), rand64([2, 3], 0, 1)]);
    }
    const xs = rand64([3, 4], -3, 3).detach().transpose(0, 1).requiresGrad_();   // strided (4,3)
    gradcheck((x) => F.crossEntropy(x, t), [xs]);
  });
  it('KL divergence and cosine losses', () => {
    nr.manualSeed(12);
    for (const r of [...reds, 'batchmean'] as const) {
      gradcheck((x, y) => F.klDiv(x, y, { reduction: r }), [rand64([3, 4], -3, 0), rand64([3, 4], 0.1, 1)]);
      gradcheck((x, y) => F.klDiv(x, y, { reduction: r, logTarget: true }), [rand64([3, 4], -3, 0), rand64([3, 4], -3, 0)]);
    }
    for (const r of reds) {
      gradcheck((a, b) => F.cosineEmbeddingLoss(a, b, nr.tensor([1, -1, -1]), { reduction: r, margin: -0.5 }), [rand64([3, 4]), rand64([3, 4])]);
    }
    gradcheck((a, b) => F.cosineSimilarity(a, b, { dim: -1 }), [rand64([2, 3, 4]), rand64([3, 4])]);
  });
});

describe('loss modules', () => {
  it('modules compute their functional, hold weights as buffers', () => {
    nr.manualSeed(13);
    const x = nr.randn([4, 3]), t = nr.tensor([0, 1, 2, 1]), y = nr.randn([4, 3]);
    const w = nr.tensor([1, 2, 0.5]);
    const same = (a: Tensor, b: Tensor) => expectClose(a, b, 1e-6, 'module vs functional');
    same(new nn.MSELoss().forward(x, y), F.mseLoss(x, y));
    same(new nn.L1Loss({ reduction: 'sum' }).forward(x, y), F.l1Loss(x, y, { reduction: 'sum' }));
    same(new nn.SmoothL1Loss({ beta: 0.5 }).forward(x, y), F.smoothL1Loss(x, y, { beta: 0.5 }));
    same(new nn.HuberLoss({ delta: 2 }).forward(x, y), F.huberLoss(x, y, { delta: 2 }));
    const ce = new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1, ignoreIndex: 1 });
    same(ce.forward(x, t), F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.1, ignoreIndex: 1 }));
    expect(Object.keys(ce.stateDict())).toEqual(['weight']);
    expect(Object.keys(new nn.CrossEntropyLoss().stateDict())).toEqual([]);
    const lp = x.sub(x.logsumexp(1, { keepdim: true }));
    same(new nn.NLLLoss({ weight: w }).forward(lp, t), F.nllLoss(lp, t, { weight: w }));
    const p = x.sigmoid(), q = y.sigmoid();
    same(new nn.BCELoss().forward(p, q), F.binaryCrossEntropy(p, q));
    const bl = new nn.BCEWithLogitsLoss({ posWeight: w });
    same(bl.forward(x, q), F.binaryCrossEntropyWithLogits(x, q, { posWeight: w }));
    expect(Object.keys(bl.stateDict())).toEqual(['pos_weight']);
    expect(bl.posWeight).toBe(w);
    same(new nn.KLDivLoss({ reduction: 'batchmean' }).forward(lp, q), F.klDiv(lp, q, { reduction: 'batchmean' }));
    same(new nn.CosineEmbeddingLoss({ margin: 0.1 }).forward(x, y, nr.tensor([1, -1, 1, -1])),
      F.cosineEmbeddingLoss(x, y, nr.tensor([1, -1, 1, -1]), { margin: 0.1 }));
    expect(String(new nn.MSELoss({ reduction: 'sum' }))).toBe("MSELoss(reduction='sum')");
  });
  it('hand-checked values', () => {
    const f = (v: number[]) => nr.tensor(v, { dtype: 'float32' });
    expect(F.mseLoss(f([1, 2, 3]), f([1, 0, 0])).item()).toBeCloseTo(13 / 3, 6);
    expect(F.l1Loss(f([1, 2, 3]), f([1, 0, 0]), { reduction: 'sum' }).item()).toBe(5);
    expect(F.smoothL1Loss(f([0.5, 3]), f([0, 0]), { reduction: 'none' }).toArray()).toEqual([0.125, 2.5]);
    expect(F.huberLoss(f([0.5, 3]), f([0, 0]), { reduction: 'none', delta: 2 }).toArray()).toEqual([0.125, 4]);
    // uniform logits: CE = log(C)
    expect(F.crossEntropy(nr.zeros([2, 4]), nr.tensor([1, 3])).item()).toBeCloseTo(Math.log(4), 6);
    expect(F.binaryCrossEntropy(f([0.5]), f([1])).item()).toBeCloseTo(Math.LN2, 6);
    expect(F.binaryCrossEntropy(f([0]), f([1])).item()).toBe(100);   // log clamped at -100
  });
});

describe('loss bad input', () => {
  it('throws clear errors', () => {
    const x = nr.randn([3, 4]);
    expect(() => F.crossEntropy(x, nr.tensor([0, 4, 1]))).toThrow(/target 4 is out of bounds for 4 classes/);
    expect(() => F.crossEntropy(x, nr.tensor([0, -3, 1]))).toThrow(/target -3 is out of bounds/);
    expect(() => F.nllLoss(x, nr.tensor([0, 1]))).toThrow(/expected target of shape \[3\]/);
    expect(() => F.crossEntropy(x, nr.tensor([0, 1, 2]), { weight: nr.ones([3]) })).toThrow(/4 class weights/);
    expect(() => F.crossEntropy(x, nr.tensor([0, 1, 2]), { labelSmoothing: 1.5 })).toThrow(/labelSmoothing/);
    expect(() => F.crossEntropy(x, nr.tensor([0, 1, 2]), { reduction: 'avg' as any })).toThrow(/reduction must be one of/);
    expect(() => F.crossEntropy(x, nr.tensor([true, false, true]))).toThrow(/integer tensor/);
    expect(() => F.crossEntropy(x, nr.rand([3, 5]))).toThrow(/input's shape/);
    expect(() => F.crossEntropy(nr.ones([3, 4], { dtype: 'int64' }), nr.tensor([0, 1, 2]))).toThrow(/floating point/);
    expect(() => F.binaryCrossEntropy(nr.tensor([1.5, 0.2]), nr.tensor([1, 0], { dtype: 'float32' }))).toThrow(/between 0 and 1/);
    expect(() => F.binaryCrossEntropy(nr.rand([2, 3]), nr.rand([3, 2]))).toThrow(/same as input size/);
    expect(() => F.mseLoss(nr.rand([2, 3]), nr.rand([4]))).toThrow(/cannot be broadcast/);
    expect(() => F.klDiv(x, x, { reduction: 'avg' as any })).toThrow(/'batchmean'/);
    expect(() => F.cosineEmbeddingLoss(x, x, nr.tensor([1, -1]))).toThrow(/target of shape \[2\]/);
    expect(() => new nn.CrossEntropyLoss({ reduction: 'x' as any })).toThrow(/reduction/);
    expect(() => F.smoothL1Loss(x, x, { beta: -1 })).toThrow(/beta/);
  });
});
