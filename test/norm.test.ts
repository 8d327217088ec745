// Normalisation: functional layerNorm/rmsNorm/groupNorm/batchNorm against PyTorch fixtures, fast
// kernels against the reference kernels, float64 gradchecks, the norm layers' state and modes.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';
import { native } from '../src/backend/native';
import { args } from '../src/backend/args';
import { loadFixture, ft, expectClose, fastLevels, atLevel } from './util/nnfixtures';

const { nn } = nr;
const F = nn.functional;
const fx = loadFixture('norm.json');

function runCase(c: any, dtype: 'float64' | 'float32') {
  const inp: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries<any>(c.inputs)) inp[k] = ft(v, dtype, c.grads[k] !== undefined);
  const o = c.opts;
  let out: Tensor;
  switch (c.op) {
    case 'layerNorm': out = F.layerNorm(inp.x, o.normalizedShape, { weight: inp.weight, bias: inp.bias, eps: o.eps }); break;
    case 'rmsNorm': out = F.rmsNorm(inp.x, o.normalizedShape, { weight: inp.weight, eps: o.eps }); break;
    case 'groupNorm': out = F.groupNorm(inp.x, o.numGroups, { weight: inp.weight, bias: inp.bias, eps: o.eps }); break;
    case 'batchNorm': out = F.batchNorm(inp.x, inp.runningMean ?? null, inp.runningVar ?? null,
      { weight: inp.weight, bias: inp.bias, training: o.training, momentum: o.momentum, eps: o.eps }); break;
    default: throw new Error(c.op);
  }
  out.backward(ft(c.gout, dtype));
  return { inp, out };
}

describe('norm ops match PyTorch', () => {
  for (const level of ['ref', ...fastLevels()]) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${level} ${dtype}`, () => atLevel(level, () => {
        const tol = dtype === 'float64' ? 1e-10 : 2e-5;
        for (const c of fx.cases) {
          const { inp, out } = runCase(c, dtype);
          expectClose(out, c.out, tol, `${c.name} out`);
          for (const [k, g] of Object.entries<any>(c.grads)) expectClose(inp[k].grad!, g, tol * 10, `${c.name} grad ${k}`);
          if (c.runningMeanAfter) {
            expectClose(inp.runningMean, c.runningMeanAfter, tol, `${c.name} running mean`);
            expectClose(inp.runningVar, c.runningVarAfter, tol, `${c.name} running var`);
          }
        }
      }));
    }
  }
});

describe('fast norm kernels match the reference', () => {
  const shapes: [number, number][] = [[1, 1], [3, 17], [5, 64], [9, 33], [130, 7], [2, 1000], [0, 5], [4, 0]];
  const both = <T>(fn: () => T): [T, T][] => fastLevels().map((l) => [atLevel('ref', fn), atLevel(l, fn)]);

  it('layerNorm / rmsNorm forward and backward, incl. empty and non-contiguous', () => {
    for (const [M, N] of shapes) {
      for (const rms of [false, true]) {
        nr.manualSeed(M * 100 + N);
        const xt = nr.randn([N, M]).mul(3).add(1);   // transposed: (M,N) non-contiguous view
        const x = xt.transpose(0, 1);
        const w = nr.randn([N]), b = nr.randn([N]), g = nr.randn([M, N]);
        const run = () => {
          const xs = x.detach().requiresGrad_(), ws = w.detach().requiresGrad_(), bs = b.detach().requiresGrad_();
          const y = rms ? F.rmsNorm(xs, N, { weight: ws, eps: 1e-5 }) : F.layerNorm(xs, [N], { weight: ws, bias: bs });
          y.backward(g);
          return [y, xs.grad ?? nr.zeros([M, N]), ws.grad ?? nr.zeros([N]), rms ? nr.zeros([N]) : (bs.grad ?? nr.zeros([N]))];
        };
        for (const [ref, fast] of both(run)) {
          ref.forEach((r, i) => expectClose(fast[i], r, 2e-5, `[${M},${N}] rms=${rms} output ${i}`));
        }
      }
    }
  });

  it('batchNorm train/eval forward and backward over (B,C,L) layouts', () => {
    for (const shape of [[7, 5], [16, 70], [3, 4, 9], [2, 3, 5, 5], [1, 2, 3], [65, 3]]) {
      for (const training of [true, false]) {
        nr.manualSeed(shape.reduce((a, b) => a * 31 + b, 0));
        const C = shape[1];
        const x = nr.randn(shape).mul(2).add(0.5), w = nr.randn([C]), b = nr.randn([C]), g = nr.randn(shape);
        const rm0 = nr.randn([C]), rv0 = nr.rand([C]).add(0.5);
        const run = () => {
          const xs = x.detach().requiresGrad_(), ws = w.detach().requiresGrad_(), bs = b.detach().requiresGrad_();
          const rm = rm0.clone(), rv = rv0.clone();
          const y = F.batchNorm(xs, rm, rv, { weight: ws, bias: bs, training, momentum: 0.3 });
          y.backward(g);
          return [y, xs.grad!, ws.grad!, bs.grad!, rm, rv];
        };
        for (const [ref, fast] of both(run)) {
          ref.forEach((r, i) => expectClose(fast[i], r, 5e-5, `${JSON.stringify(shape)} training=${training} output ${i}`));
        }
      }
    }
  });
});

describe('norm gradchecks (float64)', () => {
  it('layerNorm with affine, over 1 and 2 trailing dims, non-contiguous input', () => {
    nr.manualSeed(1);
    const x = rand64([3, 4]), w = rand64([4]), b = rand64([4]);
    gradcheck((x, w, b) => F.layerNorm(x, [4], { weight: w, bias: b }), [x, w, b]);
    const base = rand64([5, 2, 3]);
    const xt = base.detach().transpose(0, 2).requiresGrad_();   // (3,2,5) strided
    const w2 = rand64([2, 5]);
    gradcheck((x, w) => F.layerNorm(x, [2, 5], { weight: w, eps: 1e-3 }), [xt, w2]);
  });
  it('rmsNorm', () => {
    nr.manualSeed(2);
    gradcheck((x, w) => F.rmsNorm(x, [5], { weight: w, eps: 1e-6 }), [rand64([3, 5]), rand64([5])]);
    gradcheck((x) => F.rmsNorm(x, 6), [rand64([2, 6])]);
  });
  it('groupNorm', () => {
    nr.manualSeed(3);
    gradcheck((x, w, b) => F.groupNorm(x, 2, { weight: w, bias: b }), [rand64([2, 4, 3]), rand64([4]), rand64([4])]);
    gradcheck((x) => F.groupNorm(x, 3, { eps: 1e-3 }), [rand64([2, 3, 2, 2])]);
  });
  it('batchNorm in training and eval mode', () => {
    nr.manualSeed(4);
    const rm = nr.randn([3], { dtype: 'float64' }), rv = nr.rand([3], { dtype: 'float64' }).add(0.5);
    gradcheck((x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [rand64([4, 3]), rand64([3]), rand64([3])]);
    gradcheck((x, w, b) => F.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [rand64([2, 3, 4]), rand64([3]), rand64([3])]);
    gradcheck((x, w, b) => F.batchNorm(x, rm, rv, { weight: w, bias: b, training: false }), [rand64([2, 3, 2, 2]), rand64([3]), rand64([3])]);
    const xt = rand64([3, 5]).detach().transpose(0, 1).requiresGrad_();   // (5,3) strided
    gradcheck((x) => F.batchNorm(x, null, null, { training: true }), [xt]);
  });
  it('float16 input computes in float32 and returns float16', () => {
    const x = nr.randn([2, 8]).half();
    const y = F.layerNorm(x, 8);
    expect(y.dtype).toBe('float16');
    expectClose(y.float(), F.layerNorm(x.float(), 8), 2e-3, 'half layerNorm');
  });
  it('double backward is refused clearly', () => {
    const x = rand64([2, 3]);
    const y = F.layerNorm(x, 3).pow(2).sum();
    expect(() => y.backward(undefined, { createGraph: true })).toThrow(/double backward/);
  });
});

describe('norm layers', () => {
  it('BatchNorm modules over training steps and eval match PyTorch', () => {
    for (const run of fx.batchNormModules) {
      const Cls = run.cls === 'BatchNorm1d' ? nn.BatchNorm1d : nn.BatchNorm2d;
      const m = new Cls(run.numFeatures, { ...run.opts, dtype: 'float64' });
      const sd: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries<any>(run.init)) sd[k] = ft(v);
      m.loadStateDict(sd);
      run.steps.forEach((s: any, i: number) => {
        m.zeroGrad();
        const x = ft(s.x, 'float64', true);
        const y = m.forward(x);
        y.backward(ft(s.gout));
        const what = `${run.cls} ${JSON.stringify(run.opts)} step ${i}`;
        expectClose(y, s.out, 1e-10, `${what} out`);
        expectClose(x.grad!, s.gradX, 1e-9, `${what} grad x`);
        for (const [k, p] of m.namedParameters()) expectClose(p.grad!, s.params[k], 1e-9, `${what} grad ${k}`);
        const st = m.stateDict();
        expect(Object.keys(st)).toEqual(Object.keys(s.state));
        for (const [k, v] of Object.entries<any>(s.state)) expectClose(st[k].to('float64'), v, 1e-10, `${what} ${k}`);
      });
      m.eval();
      expectClose(m.forward(ft(run.evalX)), run.evalOut, 1e-10, `${run.cls} eval`);
    }
  });

  it('BatchNorm state dict keys, buffers and repr', () => {
    const bn = new nn.BatchNorm2d(3);
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(bn.numBatchesTracked!.dtype).toBe('int64');
    expect(bn.runningMean!.toArray()).toEqual([0, 0, 0]);
    expect(bn.runningVar!.toArray()).toEqual([1, 1, 1]);
    expect(String(bn)).toBe('BatchNorm2d(3, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)');
    const nostats = new nn.BatchNorm1d(3, { trackRunningStats: false, affine: false });
    expect(Object.keys(nostats.stateDict())).toEqual([]);
    expect(nostats.parameters()).toEqual([]);
    // without running stats, eval mode still normalises with batch statistics
    nostats.eval();
    const x = nr.randn([6, 3]);
    expectClose(nostats.forward(x), F.batchNorm(x, null, null, { training: true }), 1e-6, 'no-stats eval');
  });

  it('BatchNorm train vs eval: running stats update only in training', () => {
    nr.manualSeed(5);
    const bn = new nn.BatchNorm1d(2);
    const x = nr.randn([16, 2]).mul(3).add(2);
    const y = bn.forward(x);
    // batch statistics: per-channel mean 0, biased variance 1 (up to eps)
    expectClose(y.mean(0), nr.zeros([2]), 1e-5, 'train mean');
    expectClose(y.var(0, { correction: 0 }), nr.ones([2]), 1e-3, 'train var');
    const mean = x.mean(0), uvar = x.var(0);
    expectClose(bn.runningMean!, mean.mul(0.1), 1e-6, 'running mean');
    expectClose(bn.runningVar!, uvar.mul(0.1).add(0.9), 1e-5, 'running var (unbiased)');
    expect(bn.numBatchesTracked!.item()).toBe(1);
    bn.eval();
    const before = bn.runningMean!.toFlatArray();
    const ye = bn.forward(x);
    expect(bn.runningMean!.toFlatArray()).toEqual(before);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    const expected = x.sub(bn.runningMean!).div(bn.runningVar!.add(1e-5).sqrt());
    expectClose(ye, expected, 1e-5, 'eval uses running stats');
    // momentum null: cumulative average over batches
    const cum = new nn.BatchNorm1d(2, { momentum: null });
    const xs = [nr.randn([5, 2]), nr.randn([5, 2]).add(1), nr.randn([5, 2]).mul(2)];
    for (const b of xs) cum.forward(b);
    expectClose(cum.runningMean!, nr.stack(xs.map((b) => b.mean(0))).mean(0), 1e-6, 'cumulative mean');
    expect(() => new nn.BatchNorm1d(2).forward(nr.randn([1, 2]))).toThrow(/more than 1 value per channel/);
  });

  it('LayerNorm, RMSNorm, GroupNorm layers: params, keys, repr, shape errors', () => {
    const ln = new nn.LayerNorm([2, 3]);
    expect(Object.keys(ln.stateDict())).toEqual(['weight', 'bias']);
    expect(ln.weight!.shape).toEqual([2, 3]);
    expect(String(ln)).toBe('LayerNorm([2, 3], eps=0.00001, elementwiseAffine=true)');
    expect(new nn.LayerNorm(4, { elementwiseAffine: false }).parameters()).toEqual([]);
    expect(Object.keys(new nn.LayerNorm(4, { bias: false }).stateDict())).toEqual(['weight']);
    const x = nr.randn([4, 2, 3]);
    expectClose(ln.forward(x), F.layerNorm(x, [2, 3]), 1e-6, 'LayerNorm default affine is identity');
    expect(() => ln.forward(nr.randn([4, 3, 2]))).toThrow(/normalizedShape=\[2, 3\]/);
    const rms = new nn.RMSNorm(3);
    expect(Object.keys(rms.stateDict())).toEqual(['weight']);
    const r = rms.forward(x);
    const manual = x.div(x.pow(2).mean(-1, { keepdim: true }).add(1.1920928955078125e-7).sqrt());
    expectClose(r, manual, 1e-5, 'RMSNorm default eps = finfo eps');
    const gn = new nn.GroupNorm(2, 4);
    expect(Object.keys(gn.stateDict())).toEqual(['weight', 'bias']);
    expect(() => new nn.GroupNorm(3, 4)).toThrow(/divisible/);
    expect(() => gn.forward(nr.randn([2, 3, 5]))).toThrow(/expected input of shape \(N, 4, \*\)/);
  });
});

describe('norm bad input', () => {
  it('throws clear errors', () => {
    const x = nr.randn([2, 3]);
    expect(() => F.layerNorm(x, [4])).toThrow(/expected input with shape \[\*, 4\]/);
    expect(() => F.layerNorm(x, [3], { weight: nr.ones([4]) })).toThrow(/weight of shape \[4\]/);
    expect(() => F.layerNorm(nr.ones([2, 3], { dtype: 'int64' }), [3])).toThrow(/floating-point/);
    expect(() => F.layerNorm(x, [3], { eps: -1 })).toThrow(/eps/);
    expect(() => F.batchNorm(x, null, null, { training: false })).toThrow(/required/);
    expect(() => F.batchNorm(x, nr.zeros([2]), nr.ones([2]))).toThrow(/runningMean of shape \[2\]/);
    expect(() => F.batchNorm(nr.randn([3]), null, null, { training: true })).toThrow(/\(N, C, \*\)/);
    expect(() => F.groupNorm(nr.randn([2, 3, 4]), 2)).toThrow(/divisible/);
    expect(() => new nn.BatchNorm1d(3).forward(nr.randn([2, 3, 4, 5]))).toThrow(/2D or 3D/);
    expect(() => new nn.BatchNorm2d(3).forward(nr.randn([2, 4, 4, 5]))).toThrow(/expected 3 channels/);
    const d = nr.randn([2, 3]);
    d.dispose();
    expect(() => F.layerNorm(d, 3)).toThrow(/disposed/);
  });
  it('the native bindings validate shapes themselves', () => {
    const x = nr.randn([2, 3]), y = nr.empty([2, 3]), m = nr.empty([3]), r = nr.empty([2]);
    args().num(0).num(1e-5).num(0).num(0).view(x).view(y).view(m).view(r);
    expect(() => native().rowNormFwd(x.storage.buf, y.storage.buf, m.storage.buf, r.storage.buf)).toThrow(/mean has shape \[3\], expected \[2\]/);
    const xi = nr.ones([2, 3], { dtype: 'int32' });
    args().num(0).num(1e-5).num(0).num(0).view(xi).view(y).view(r).view(r);
    expect(() => native().rowNormFwd(xi.storage.buf, y.storage.buf, r.storage.buf, r.storage.buf)).toThrow(/float32 or float64/);
    const xt = x.transpose(0, 1);
    args().num(1).num(1e-5).num(0).num(0).view(xt).view(y).view(r).view(r);
    expect(() => native().batchNormFwd(xt.storage.buf, y.storage.buf, r.storage.buf, r.storage.buf)).toThrow(/3 dims/);
  });
});
