// Learning-rate schedulers: lr (and momentum) trajectories against PyTorch 1.13 (fixtures from
// tools/make_optim_fixtures.py), stateDict resume, stepping semantics and bad input.
import { describe, it, expect } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import * as nr from '../src/index';

const { optim } = nr;
const S = optim.lrScheduler as any;
const cases = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'optim', 'schedulers.json'), 'utf8')).cases as any[];
const LAMBDAS: Record<string, (e: number) => number> = { pow095: (e) => 0.95 ** e };

function makeOpt(c: any) {
  const groups = c.lrs.map((lr: number) => ({ params: [nr.zeros([2]).requiresGrad_(true)], lr }));
  const Cls = c.optimizer === 'SGD' ? optim.SGD : optim.Adam;
  return new Cls(groups, { lr: c.lrs[0], ...c.optimizerOptions });
}

function makeSched(opt: any, spec: any): any {
  const Cls = S[spec.type];
  if (spec.type === 'LambdaLR' || spec.type === 'MultiplicativeLR') return new Cls(opt, LAMBDAS[spec.lambda]);
  if (spec.type === 'SequentialLR') return new Cls(opt, { ...spec.options, schedulers: spec.children.map((ch: any) => makeSched(opt, ch)) });
  if (spec.type === 'ChainedScheduler') return new Cls(spec.children.map((ch: any) => makeSched(opt, ch)));
  return new Cls(opt, spec.options);
}

function snapshot(opt: any, c: any) {
  const out: any = { lr: opt.paramGroups.map((g: any) => g.lr) };
  const first = c.trajectory[0];
  if (first.momentum) out.momentum = opt.paramGroups.map((g: any) => g.momentum);
  if (first.beta1) out.beta1 = opt.paramGroups.map((g: any) => g.betas[0]);
  return out;
}

function expectClose(got: any, want: any, where: string) {
  for (const k of Object.keys(want)) {
    want[k].forEach((w: number, i: number) => {
      const g = got[k][i];
      if (!(Math.abs(g - w) <= 1e-13 * (1 + Math.abs(w)))) throw new Error(`${where}: ${k}[${i}] = ${g}, PyTorch has ${w}`);
    });
  }
}

function stepOnce(opt: any, sched: any, c: any, i: number) {
  opt.step();
  if (c.metrics) sched.step(c.metrics[i]);
  else sched.step();
}

describe('parity with PyTorch', () => {
  for (const c of cases) {
    it(c.name, () => {
      const opt = makeOpt(c);
      const sched = makeSched(opt, c.scheduler);
      expectClose(snapshot(opt, c), c.trajectory[0], `${c.name} after construction`);
      for (let i = 0; i < c.steps; i++) {
        stepOnce(opt, sched, c, i);
        expectClose(snapshot(opt, c), c.trajectory[i + 1], `${c.name} step ${i + 1}`);
        expect(sched.getLastLr()).toEqual(opt.paramGroups.map((g: any) => g.lr));
      }
    });
  }
});

describe('stateDict', () => {
  for (const c of cases.filter((x) => !['LambdaLR', 'MultiplicativeLR'].includes(x.scheduler.type))) {
    it(`${c.name} resumes from a saved state`, () => {
      const opt = makeOpt(c);
      const sched = makeSched(opt, c.scheduler);
      const half = Math.floor(c.steps / 2);
      for (let i = 0; i < half; i++) stepOnce(opt, sched, c, i);
      const sd = sched.stateDict();
      const osd = opt.stateDict();
      expect(sd.optimizer).toBeUndefined();
      // a new optimizer + scheduler built the same way, then loaded, continues identically
      const opt2 = makeOpt(c);
      const sched2 = makeSched(opt2, c.scheduler);
      opt2.loadStateDict(osd);
      sched2.loadStateDict(sd);
      for (let i = half; i < c.steps; i++) {
        stepOnce(opt, sched, c, i);
        stepOnce(opt2, sched2, c, i);
        expectClose(snapshot(opt2, c), c.trajectory[i + 1], `${c.name} resumed step ${i + 1}`);
      }
      expect(sched2.getLastLr()).toEqual(sched.getLastLr());
    });
  }

  it('LambdaLR saves no functions', () => {
    const opt = new optim.SGD([nr.zeros([1]).requiresGrad_(true)], { lr: 1 });
    const s = new S.LambdaLR(opt, (e: number) => 1 / (e + 1));
    opt.step(); s.step();
    const sd = s.stateDict();
    expect(Object.values(sd).some((v) => typeof v === 'function')).toBe(false);
    expect(sd.lastEpoch).toBe(1);
    expect(() => s.loadStateDict({ bogus: 1 })).toThrow(/unexpected key 'bogus'/);
  });
});

describe('stepping semantics', () => {
  it('the constructor takes the initial step and records initialLr', () => {
    const opt = new optim.SGD([nr.zeros([1]).requiresGrad_(true)], { lr: 0.1 });
    const s = new S.LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
    expect(s.lastEpoch).toBe(0);
    expect(opt.paramGroups[0].initialLr).toBe(0.1);
    expect(s.getLastLr()).toEqual([0.05]);
  });
  it('resuming with lastEpoch needs initialLr in every group', () => {
    const opt = new optim.SGD([nr.zeros([1]).requiresGrad_(true)], { lr: 0.1 });
    expect(() => new S.StepLR(opt, { stepSize: 2, lastEpoch: 3 })).toThrow(/initialLr/);
    opt.paramGroups[0].initialLr = 1;
    const s = new S.StepLR(opt, { stepSize: 2, lastEpoch: 3 });
    expect(s.lastEpoch).toBe(4);
    expect(s.getLastLr()[0]).toBeCloseTo(0.01, 12);
  });
  it('step(epoch) uses the closed form', () => {
    const opt = new optim.SGD([nr.zeros([1]).requiresGrad_(true)], { lr: 1 });
    const s = new S.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    opt.step();
    s.step(5);
    expect(s.getLastLr()).toEqual([0.25]);
  });
  it('warns when scheduler.step() comes before optimizer.step()', () => {
    const opt = new optim.SGD([nr.zeros([1]).requiresGrad_(true)], { lr: 1 });
    const s = new S.ExponentialLR(opt, { gamma: 0.5 });
    const seen: string[] = [];
    const onWarn = (w: Error) => seen.push(w.message);
    process.on('warning', onWarn);
    s.step();
    return new Promise<void>((resolve) => setImmediate(() => {
      process.off('warning', onWarn);
      expect(seen.some((m) => /before optimizer\.step\(\)/.test(m))).toBe(true);
      resolve();
    }));
  });
  it('OneCycleLR refuses to step past totalSteps', () => {
    const opt = new optim.SGD([nr.zeros([1]).requiresGrad_(true)], { lr: 1, momentum: 0.9 });
    const s = new S.OneCycleLR(opt, { maxLr: 1, totalSteps: 3 });
    opt.step(); s.step(); s.step(); s.step();
    expect(() => s.step()).toThrow(/tried to step 5 times/);
  });
  it('ReduceLROnPlateau accepts a one-element tensor metric', () => {
    const opt = new optim.SGD([nr.zeros([1]).requiresGrad_(true)], { lr: 1 });
    const s = new S.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
    s.step(nr.tensor(1.0, { dtype: 'float32' }));
    s.step(nr.tensor(2.0, { dtype: 'float32' }));
    expect(s.getLastLr()).toEqual([0.5]);
  });
});

describe('bad input', () => {
  const opt = () => new optim.SGD([nr.zeros([1]).requiresGrad_(true)], { lr: 0.1 });
  it('throws clear errors', () => {
    expect(() => new S.StepLR({} as any, { stepSize: 1 })).toThrow(/expected an optimizer/);
    expect(() => new S.StepLR(opt(), { stepSize: 0 })).toThrow(/stepSize must be a positive integer/);
    expect(() => new S.StepLR(opt(), {} as any)).toThrow(/stepSize/);
    expect(() => new S.CosineAnnealingLR(opt(), { tMax: 0 })).toThrow(/tMax/);
    expect(() => new S.LinearLR(opt(), { startFactor: 2 })).toThrow(/starting multiplicative factor/);
    expect(() => new S.MultiStepLR(opt(), { milestones: [1.5] })).toThrow(/integers/);
    expect(() => new S.LambdaLR(opt(), [(e: number) => e, (e: number) => e])).toThrow(/expected 1 lrLambdas/);
    expect(() => new S.OneCycleLR(opt(), { maxLr: 1 })).toThrow(/totalSteps OR/);
    expect(() => new S.OneCycleLR(opt(), { maxLr: 1, totalSteps: 10, pctStart: 2 })).toThrow(/pctStart/);
    expect(() => new S.OneCycleLR(opt(), { maxLr: 1, totalSteps: 10, annealStrategy: 'exp' })).toThrow(/annealStrategy/);
    expect(() => new S.OneCycleLR(new optim.Adagrad([nr.zeros([1]).requiresGrad_(true)]), { maxLr: 1, totalSteps: 10 })).toThrow(/momentum/);
    expect(() => new S.OneCycleLR(opt(), { maxLr: [1, 2], totalSteps: 10 })).toThrow(/expected 1 values for maxLr/);
    expect(() => new S.ReduceLROnPlateau(opt(), { factor: 1 })).toThrow(/factor should be < 1/);
    expect(() => new S.ReduceLROnPlateau(opt(), { mode: 'up' as any })).toThrow(/mode/);
    expect(() => new S.SequentialLR(opt(), { schedulers: [], milestones: [] })).toThrow(/non-empty/);
    const o1 = opt(), o2 = opt();
    expect(() => new S.ChainedScheduler([new S.ExponentialLR(o1, { gamma: 0.9 }), new S.ExponentialLR(o2, { gamma: 0.9 })])).toThrow(/same optimizer/);
    const o3 = opt();
    expect(() => new S.SequentialLR(o3, { schedulers: [new S.ExponentialLR(o3, { gamma: 0.9 })], milestones: [2] })).toThrow(/one more than the number of milestone/);
  });
});
