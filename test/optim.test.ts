// Optimizers: parity with PyTorch 1.13 trajectories (test/fixtures/optim, made by
// tools/make_optim_fixtures.py), fast-vs-reference update kernels, stateDict resume, parameter groups,
// zeroGrad/accumulation/closure semantics, gradient clipping and bad input.
import { describe, it, expect, afterEach } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';

const { optim } = nr;
const FIX = path.join(__dirname, 'fixtures', 'optim');
const optFix = JSON.parse(fs.readFileSync(path.join(FIX, 'optimizers.json'), 'utf8')).cases as any[];
const clipFix = JSON.parse(fs.readFileSync(path.join(FIX, 'clip.json'), 'utf8')).data as any;

const ALL_LEVELS = ['base', 'avx2', 'avx512'] as const;
function fastLevels(): string[] {
  const best = nr.backend.cpuInfo().best;
  const i = ALL_LEVELS.indexOf(best as any);
  return i < 0 ? ['base'] : ALL_LEVELS.slice(0, i + 1) as unknown as string[];
}
afterEach(() => { nr.backend.setKernelLevel(nr.backend.cpuInfo().best as any); });

const CLASSES: Record<string, any> = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, RMSprop: optim.RMSprop, Adagrad: optim.Adagrad, LAMB: optim.LAMB };

function param(values: number[], shape: number[], dtype: 'float32' | 'float64'): Tensor {
  return nr.fromArray(dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values), shape, { dtype }).requiresGrad_(true);
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i]));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

describe('parity with PyTorch', () => {
  for (const level of ['ref', 'fast']) {
    for (const c of optFix) {
      it(`${c.name} (${level})`, () => {
        nr.backend.setKernelLevel(level === 'ref' ? 'ref' : (nr.backend.cpuInfo().best as any));
        const ps = c.params.map((v: number[], i: number) => param(v, c.shapes[i], c.dtype));
        const Cls = CLASSES[c.optimizer];
        const opt = c.groups
          ? new Cls(c.groups.map((g: any) => ({ params: g.params.map((i: number) => ps[i]), ...g.options })), c.options)
          : new Cls(ps, c.options);
        const tol = c.dtype === 'float64' ? 1e-11 : 2e-5;
        for (let s = 0; s < c.grads.length; s++) {
          ps.forEach((p: Tensor, i: number) => { p.grad = nr.fromArray(c.grads[s][i], c.shapes[i], { dtype: c.dtype }); });
          opt.step();
          ps.forEach((p: Tensor, i: number) => {
            const err = maxRelErr(p.data() as Float32Array, c.expected[s][i]);
            if (err > tol) throw new Error(`${c.name}: step ${s + 1}, param ${i}: relative error ${err} > ${tol}`);
          });
        }
        expect(ps[0].gradFn).toBeNull();
      });
    }
  }
});

// Configurations that exercise every branch of the fused kernels.
const CONFIGS: [string, any][] = [
  ['SGD', { lr: 0.1 }], ['SGD', { lr: 0.1, momentum: 0.9, weightDecay: 0.1, maximize: true }],
  ['SGD', { lr: 0.1, momentum: 0.9, nesterov: true }], ['SGD', { lr: 0.1, momentum: 0.9, dampening: 0.3 }],
  ['Adam', { lr: 0.01 }], ['Adam', { lr: 0.01, weightDecay: 0.1, amsgrad: true, maximize: true }],
  ['AdamW', { lr: 0.01, amsgrad: true }], ['AdamW', { lr: 0.01, weightDecay: 0.2 }],
  ['RMSprop', { lr: 0.01 }], ['RMSprop', { lr: 0.01, centered: true, momentum: 0.9, weightDecay: 0.1 }],
  ['RMSprop', { lr: 0.01, momentum: 0.5, maximize: true }], ['RMSprop', { lr: 0.01, centered: true }],
  ['Adagrad', { lr: 0.1, weightDecay: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.5 }], ['Adagrad', { lr: 0.1, maximize: true }],
  ['LAMB', { lr: 0.01 }], ['LAMB', { lr: 0.01, adamWMode: false, weightDecay: 0.1 }],
  ['LAMB', { lr: 0.01, weightDecay: 0, useNvLamb: true, maxGradNorm: 0 }], ['LAMB', { lr: 0.01, weightDecay: 0 }],
];

/** Concatenates numbers and tensor contents into one Float64Array. */
function concat(parts: (number | Tensor)[]): Float64Array {
  const arrays = parts.map((v) => (typeof v === 'number' ? [v] : (v.data() as Float32Array)));
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) { out.set(a, o); o += a.length; }
  return out;
}

function stateValues(opt: any, ps: Tensor[]): Float64Array {
  const parts: (number | Tensor)[] = [];
  for (const p of ps) {
    const s = opt.state.get(p) ?? {};
    for (const k of Object.keys(s).sort()) parts.push(s[k]);
  }
  return concat(parts);
}

/** Runs 3 steps of cfg on fresh params (maybe non-contiguous views) at a kernel level; returns params and state. */
function trajectory(level: string, cls: string, o: any, shapes: number[][], dtype: 'float32' | 'float64', strided: boolean, seed: number) {
  nr.backend.setKernelLevel(level as any);
  nr.manualSeed(seed);
  const ps = shapes.map((s) => {
    if (!strided || s.length < 2) return nr.randn(s, { dtype }).requiresGrad_(true);
    const base = nr.randn([s[1], s[0]], { dtype });
    return base.transpose(0, 1).requiresGrad_(true);
  });
  const grads = [0, 1, 2].map(() => shapes.map((s) => nr.randn(s, { dtype }).mul(3)));
  const opt = new CLASSES[cls](ps, o);
  for (const gs of grads) {
    ps.forEach((p, i) => { p.grad = gs[i]; });
    opt.step();
  }
  return { params: concat(ps), state: stateValues(opt, ps) };
}

describe('fast kernels match the reference kernels', () => {
  // 40001 elements: two parallel chunks and three norm blocks; the strided runs use small shapes.
  const shapes = [[0], [1], [7], [33, 3], [40001], [5, 9]];
  const small = [[0], [1], [7], [33, 3], [5, 9]];
  for (const [cls, o] of CONFIGS) {
    it(`${cls} ${JSON.stringify(o)}`, () => {
      for (const dtype of ['float32', 'float64'] as const) {
        for (const strided of [false, true]) {
          const sh = strided ? small : shapes;
          const ref = trajectory('ref', cls, o, sh, dtype, strided, 11);
          for (const level of fastLevels()) {
            const got = trajectory(level, cls, o, sh, dtype, strided, 11);
            const tol = dtype === 'float32' ? 1e-5 : 1e-12;
            const e1 = maxRelErr(got.params, ref.params), e2 = maxRelErr(got.state, ref.state);
            if (e1 > tol || e2 > tol) throw new Error(`${cls} ${level} ${dtype} strided=${strided}: param err ${e1}, state err ${e2}`);
            expect(got.state.length).toBe(ref.state.length);
          }
        }
      }
    });
  }
});

describe('stateDict', () => {
  for (const [cls, o] of CONFIGS.filter((_, i) => i % 2 === 1 || i === 14)) {
    it(`${cls} resumes with an identical trajectory`, () => {
      nr.manualSeed(3);
      const ps = [nr.randn([4, 3]).requiresGrad_(true), nr.randn([5]).requiresGrad_(true)];
      const grads = Array.from({ length: 6 }, () => ps.map((p) => nr.randn(p.shape as number[])));
      const opt = new CLASSES[cls](ps, o);
      const run = (op: any, params: Tensor[], from: number) => {
        for (let s = from; s < 6; s++) { params.forEach((p, i) => { p.grad = grads[s][i].clone(); }); op.step(); }
      };
      run(opt, ps, 0);
      // save after 3 steps: rerun from scratch to step 3
      const ps2 = [nr.randn([4, 3]), nr.randn([5])];
      nr.manualSeed(3);
      const a = [nr.randn([4, 3]).requiresGrad_(true), nr.randn([5]).requiresGrad_(true)];
      const optA = new CLASSES[cls](a, o);
      for (let s = 0; s < 3; s++) { a.forEach((p, i) => { p.grad = grads[s][i].clone(); }); optA.step(); }
      const sd = optA.stateDict();
      const saved = a.map((p) => p.detach().clone());
      // the snapshot does not move when training continues
      const before = JSON.stringify(Object.values(sd.state).map((st: any) => Object.values(st).map((v: any) => (typeof v === 'number' ? v : v.toFlatArray()))));
      run(optA, a, 3);
      const after = JSON.stringify(Object.values(sd.state).map((st: any) => Object.values(st).map((v: any) => (typeof v === 'number' ? v : v.toFlatArray()))));
      expect(after).toBe(before);
      // a fresh optimizer on the saved params resumes exactly
      const b = saved.map((t) => t.clone().requiresGrad_(true));
      const optB = new CLASSES[cls](b, { lr: 123 });
      optB.loadStateDict(sd);
      expect(optB.paramGroups[0].lr).toBe(o.lr);
      run(optB, b, 3);
      expect(b.map((p) => p.toFlatArray())).toEqual(a.map((p) => p.toFlatArray()));
      expect(a.map((p) => p.toFlatArray())).toEqual(ps.map((p) => p.toFlatArray()));
      ps2.forEach((t) => t.dispose());
    });
  }

  it('has PyTorch layout: state by parameter index, param_groups with index lists', () => {
    const p0 = nr.zeros([2]).requiresGrad_(true), p1 = nr.zeros([3]).requiresGrad_(true), p2 = nr.zeros([1]).requiresGrad_(true);
    const opt = new optim.Adam([{ params: [p0, p1] }, { params: [p2], lr: 0.5 }], { lr: 0.1, amsgrad: true });
    p1.grad = nr.ones([3]);
    p2.grad = nr.ones([1]);
    opt.step();
    const sd = opt.stateDict();
    expect(sd.param_groups.map((g) => g.params)).toEqual([[0, 1], [2]]);
    expect(sd.param_groups[1].lr).toBe(0.5);
    expect(sd.param_groups[0].betas).toEqual([0.9, 0.999]);
    expect(Object.keys(sd.state)).toEqual(['1', '2']);
    expect(Object.keys(sd.state[1]).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    expect(sd.state[1].step).toBe(1);
    expect((sd.state[2].exp_avg as Tensor).toArray()).toEqual([expect.closeTo(0.1, 6)]);
  });

  it('accepts a one-element tensor step (PyTorch stores step as a tensor)', () => {
    const p = nr.zeros([2]).requiresGrad_(true);
    const opt = new optim.Adam([p], { lr: 0.1 });
    opt.loadStateDict({ state: { 0: { step: nr.tensor(4.0, { dtype: 'float32' }), exp_avg: nr.ones([2]), exp_avg_sq: nr.ones([2], { dtype: 'float64' }) } }, param_groups: [{ params: [0], lr: 0.1 }] });
    const st = opt.state.get(p)!;
    expect(st.step).toBe(4);
    expect((st.exp_avg_sq as Tensor).dtype).toBe('float32');
  });

  it('rejects mismatched state dicts and leaves the optimizer unchanged', () => {
    const p = nr.zeros([2]).requiresGrad_(true), q = nr.zeros([3]).requiresGrad_(true);
    const opt = new optim.SGD([p, q], { lr: 0.1, momentum: 0.9 });
    p.grad = nr.ones([2]); q.grad = nr.ones([3]);
    opt.step();
    const sd = opt.stateDict();
    const other = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    expect(() => other.loadStateDict(sd)).toThrow(/group 0 .* 2 parameters, the optimizer's has 1/);
    const two = new optim.SGD([{ params: [p] }, { params: [q] }], { lr: 0.1 });
    expect(() => two.loadStateDict(sd)).toThrow(/1 parameter groups, the optimizer has 2/);
    const swapped = new optim.SGD([q, p], { lr: 0.1, momentum: 0.9 });
    expect(() => swapped.loadStateDict(sd)).toThrow(/shape \[2\], the parameter has \[3\]/);
    const adam = new optim.Adam([p, q]);
    expect(() => adam.loadStateDict(sd)).toThrow(/unexpected state 'momentum_buffer'/);
    expect(adam.state.size).toBe(0);
    expect(() => opt.loadStateDict({ state: {}, param_groups: [{ params: [0, 1], lr: -1, momentum: 0.9 }] })).toThrow(/learning rate/);
    expect(() => opt.loadStateDict(null as any)).toThrow(/state/);
  });
});

describe('optimizer semantics', () => {
  it('parameter groups use their own lr; addParamGroup fills defaults', () => {
    const a = nr.ones([2]).requiresGrad_(true), b = nr.ones([2]).requiresGrad_(true), c = nr.ones([1]).requiresGrad_(true);
    const opt = new optim.SGD([{ params: [a], lr: 1 }, { params: [b] }], { lr: 0.1 });
    opt.addParamGroup({ params: [c], momentum: 0.5 });
    expect(opt.paramGroups[2].lr).toBe(0.1);
    expect(opt.paramGroups[2].momentum).toBe(0.5);
    for (const t of [a, b, c]) t.grad = nr.onesLike(t);
    opt.step();
    expect(a.toArray()).toEqual([0, 0]);
    expect(b.toFlatArray()[0]).toBeCloseTo(0.9, 6);
    expect(c.toFlatArray()[0]).toBeCloseTo(0.9, 6);
    opt.paramGroups[1].lr = 0.5;
    opt.step();
    expect(b.toFlatArray()[0]).toBeCloseTo(0.4, 6);
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(/more than one parameter group/);
  });

  it('skips parameters without gradients and never records autograd', () => {
    const a = nr.ones([2]).requiresGrad_(true), b = nr.ones([2]).requiresGrad_(true);
    const opt = new optim.Adam([a, b], { lr: 0.1 });
    a.mul(3).sum().backward();
    opt.step();
    expect(b.toArray()).toEqual([1, 1]);
    expect(opt.state.has(b)).toBe(false);
    expect(a.toFlatArray()[0]).toBeCloseTo(0.9, 5);
    expect(a.gradFn).toBeNull();
    expect(a.requiresGrad).toBe(true);
  });

  it('zeroGrad sets grads to null by default, or zeroes them in place', () => {
    const a = nr.ones([3]).requiresGrad_(true);
    const opt = new optim.SGD([a], { lr: 0.1 });
    a.sum().backward();
    const g = a.grad!;
    opt.zeroGrad({ setToNone: false });
    expect(a.grad).toBe(g);
    expect(g.toArray()).toEqual([0, 0, 0]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
  });

  it('gradient accumulation: two backward passes without zeroGrad equal one on the summed loss', () => {
    nr.manualSeed(9);
    const w0 = nr.randn([4, 3]);
    const x1 = nr.randn([5, 4]), x2 = nr.randn([5, 4]);
    const loss = (w: Tensor, x: Tensor) => x.sum(0).reshape([4, 1]).mul(w).square().mean();
    const a = w0.clone().requiresGrad_(true), b = w0.clone().requiresGrad_(true);
    const oa = new optim.Adam([a], { lr: 0.01 }), ob = new optim.Adam([b], { lr: 0.01 });
    for (let s = 0; s < 3; s++) {
      oa.zeroGrad(); ob.zeroGrad();
      loss(a, x1).backward();
      loss(a, x2).backward();
      loss(b, x1).add(loss(b, x2)).backward();
      expect(maxRelErr(a.grad!.toFlatArray(), b.grad!.toFlatArray())).toBeLessThan(1e-6);
      oa.step(); ob.step();
    }
    expect(maxRelErr(a.toFlatArray(), b.toFlatArray())).toBeLessThan(1e-6);
  });

  it('step(closure) evaluates the closure with grad enabled and returns its loss', () => {
    const w = nr.tensor([2.0], { dtype: 'float32', requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.25 });
    const closure = () => { opt.zeroGrad(); const l = w.square().sum(); l.backward(); return l; };
    const loss = nr.noGrad(() => opt.step(closure)) as Tensor;
    expect(loss.item()).toBe(4);
    expect(w.toArray()).toEqual([1]);
    expect(() => opt.step((async () => w) as any)).toThrow(/Promise/);
  });

  it('state survives tidy scopes', () => {
    const w = nr.ones([3]).requiresGrad_(true);
    const opt = new optim.Adam([w], { lr: 0.1 });
    for (let i = 0; i < 3; i++) nr.tidy(() => { opt.zeroGrad(); w.square().sum().backward(); opt.step(); });
    expect((opt.state.get(w)!.exp_avg as Tensor).isDisposed).toBe(false);
    expect(opt.state.get(w)!.step).toBe(3);
  });

  it('non-contiguous gradients are accepted', () => {
    const a = nr.ones([2, 3]).requiresGrad_(true);
    const opt = new optim.SGD([a], { lr: 1 });
    a.grad = nr.arange(6, undefined, 1, { dtype: 'float32' }).reshape([3, 2]).transpose(0, 1);
    opt.step();
    expect(a.toArray()).toEqual([[1, -1, -3], [0, -2, -4]]);
  });
});

describe('bad input', () => {
  const p = () => nr.ones([2]).requiresGrad_(true);
  it('rejects bad parameter lists', () => {
    expect(() => new optim.SGD([])).toThrow(/empty parameter list/);
    expect(() => new optim.SGD(p() as any)).toThrow(/single Tensor/);
    expect(() => new optim.SGD([1 as any])).toThrow(/can only optimize Tensors/);
    expect(() => new optim.SGD(null as any)).toThrow(/iterable/);
    const x = p();
    expect(() => new optim.SGD([x.mul(2)])).toThrow(/non-leaf/);
    expect(() => new optim.SGD([nr.ones([2], { dtype: 'int32' })])).toThrow(/floating-point/);
    expect(() => new optim.SGD([x, x])).toThrow(/same parameter twice/);
    expect(() => new optim.SGD([{ params: [x] }, { params: [x] }])).toThrow(/more than one parameter group/);
    expect(() => new optim.SGD(new Set([x]) as any)).not.toThrow();
    expect(() => new optim.SGD([{ params: new Set([x]) }])).toThrow(/ordered collection/);
  });
  it('rejects bad hyperparameters', () => {
    expect(() => new optim.SGD([p()], { lr: -1 })).toThrow(/learning rate/);
    expect(() => new optim.SGD([p()], { lr: NaN })).toThrow(/finite/);
    expect(() => new optim.SGD([p()], { nesterov: true })).toThrow(/Nesterov/);
    expect(() => new optim.Adam([p()], { betas: [1, 0.9] })).toThrow(/betas/);
    expect(() => new optim.Adam([p()], { betas: [0.9] as any })).toThrow(/pair/);
    expect(() => new optim.Adam([p()], { eps: -1 })).toThrow(/epsilon/);
    expect(() => new optim.AdamW([{ params: [p()], weightDecay: -0.1 }])).toThrow(/group 0.*weight_decay/);
    expect(() => new optim.RMSprop([p()], { alpha: -1 })).toThrow(/alpha/);
    expect(() => new optim.Adagrad([p()], { lrDecay: -1 })).toThrow(/lr_decay/);
    expect(() => new optim.LAMB([p()], { maxGradNorm: -1 })).toThrow(/max_grad_norm/);
    expect(() => new optim.Adam([p()], { amsgrad: 1 as any })).toThrow(/boolean/);
  });
  it('rejects gradients of the wrong shape or dtype, disposed and half-precision parameters', () => {
    const a = p();
    const opt = new optim.Adam([a]);
    a.grad = nr.ones([3]);
    expect(() => opt.step()).toThrow(/gradient shape \[3\] does not match parameter shape \[2\]/);
    a.grad = nr.ones([2], { dtype: 'float64' });
    expect(() => opt.step()).toThrow(/gradient dtype float64/);
    const h = nr.ones([2], { dtype: 'float16' }).requiresGrad_(true);
    const oh = new optim.SGD([h], { lr: 0.1 });
    h.grad = nr.ones([2], { dtype: 'float16' });
    expect(() => oh.step()).toThrow(/float32 or float64/);
    const d = p();
    const od = new optim.SGD([d], { lr: 0.1 });
    d.grad = nr.ones([2]);
    d.dispose();
    expect(() => od.step()).toThrow(/disposed/);
    expect(() => opt.step(5 as any)).toThrow(/closure must be a function/);
  });
});

describe('gradient clipping', () => {
  const setup = () => clipFix.shapes.map((s: number[], i: number) => {
    const t = nr.zeros(s, { dtype: 'float64' }).requiresGrad_(true);
    t.grad = nr.fromArray(clipFix.grads[i], s, { dtype: 'float64' });
    return t;
  });
  for (const c of clipFix.norm) {
    it(`clipGradNorm_ matches PyTorch (normType ${c.normType}, maxNorm ${c.maxNorm})`, () => {
      for (const level of ['ref', ...fastLevels()]) {
        nr.backend.setKernelLevel(level as any);
        const ps = setup();
        const total = optim.clipGradNorm_(ps, c.maxNorm, { normType: c.normType === 'inf' ? Infinity : c.normType });
        expect(total).toBeCloseTo(c.total, 10);
        ps.forEach((p: Tensor, i: number) => expect(maxRelErr(p.grad!.toFlatArray(), c.clipped[i])).toBeLessThan(1e-12));
      }
    });
  }
  it('clipGradValue_ matches PyTorch and nnUtils exports the same functions', () => {
    const ps = setup();
    nr.nnUtils.clipGradValue_(ps, clipFix.value.clipValue);
    ps.forEach((p: Tensor, i: number) => expect(p.grad!.toFlatArray()).toEqual(clipFix.value.clipped[i]));
    expect(nr.nnUtils.clipGradNorm_).toBe(optim.clipGradNorm_);
  });
  it('float32 gradients over many blocks: fast norm equals the reference', () => {
    nr.manualSeed(1);
    const big = nr.zeros([100003]).requiresGrad_(true);
    const g = nr.randn([100003]);
    const norms: number[] = [];
    for (const level of ['ref', ...fastLevels()]) {
      nr.backend.setKernelLevel(level as any);
      big.grad = g.clone();
      norms.push(optim.clipGradNorm_([big], 1e9));
      big.grad = g.clone();
      norms.push(optim.clipGradNorm_([big], 1e9, { normType: 3 }));
    }
    for (let i = 2; i < norms.length; i++) expect(norms[i]).toBeCloseTo(norms[i % 2], 8);
    expect(norms[0]).toBeGreaterThan(300);
  });
  it('edge cases: no grads, non-finite norms, bad arguments', () => {
    const a = nr.ones([2]).requiresGrad_(true);
    expect(optim.clipGradNorm_([a], 1)).toBe(0);
    a.grad = nr.tensor([3, 4]);
    expect(optim.clipGradNorm_(a, 10)).toBeCloseTo(5, 6);
    expect(a.grad.toArray()).toEqual([3, 4]);
    a.grad = nr.tensor([Infinity, 1]);
    expect(() => optim.clipGradNorm_([a], 1, { errorIfNonfinite: true })).toThrow(/non-finite/);
    a.grad = nr.tensor([NaN, 1]);
    expect(Number.isNaN(optim.clipGradNorm_([a], 1))).toBe(true);
    expect(Number.isNaN(a.grad.toFlatArray()[1])).toBe(true);
    expect(() => optim.clipGradNorm_([a], 1, { normType: 0 })).toThrow(/normType/);
    expect(() => optim.clipGradNorm_(5 as any, 1)).toThrow(/iterable/);
    expect(() => optim.clipGradValue_([a], NaN)).toThrow(/clipValue/);
  });
});
