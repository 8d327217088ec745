// GradScaler: scaled backward + unscale gives the unscaled gradients, non-finite gradients skip the
// step and back the scale off, clean steps grow it, state round-trips, misuse is reported.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
const { nn, optim, amp } = nr;

function model(seed: number) {
  nr.manualSeed(seed);
  return new nn.Sequential(new nn.Linear(6, 16), new nn.Tanh(), new nn.Linear(16, 3));
}
const snapshot = (m: nr.nn.Module) => m.parameters().map((p) => Array.from(p.data() as Float32Array));

describe('GradScaler', () => {
  const x = (nr.manualSeed(1), nr.randn([10, 6]));
  const y = nr.randint(0, 3, [10]);

  it('a scaled step equals an unscaled step (SGD and AdamW)', () => {
    for (const make of [(m: nr.nn.Module) => new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 }),
      (m: nr.nn.Module) => new optim.AdamW(m.parameters(), { lr: 1e-2 })]) {
      const a = model(5), b = model(5);
      const oa = make(a), ob = make(b);
      const scaler = new amp.GradScaler({ initScale: 1024 });
      for (let i = 0; i < 3; i++) {
        oa.zeroGrad(); nn.functional.crossEntropy(a.forward(x), y).backward(); oa.step();
        ob.zeroGrad();
        const loss = nn.functional.crossEntropy(b.forward(x), y);
        const scaled = scaler.scale(loss);
        expect(scaled.item()).toBeCloseTo(loss.item() * 1024, 2);
        scaled.backward();
        scaler.step(ob);
        scaler.update();
      }
      const pa = snapshot(a), pb = snapshot(b);
      pa.forEach((p, i) => p.forEach((v, j) => expect(pb[i][j]).toBeCloseTo(v, 5)));
      expect(scaler.skippedSteps).toBe(0);
      expect(scaler.getScale()).toBe(1024);
    }
  });

  it('unscale_ before clipping: gradients are divided back exactly (power-of-two scale)', () => {
    const m = model(2), opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const ref = model(2);
    nn.functional.crossEntropy(ref.forward(x), y).backward();
    const scaler = new amp.GradScaler({ initScale: 2 ** 12 });
    scaler.scale(nn.functional.crossEntropy(m.forward(x), y)).backward();
    scaler.unscale_(opt);
    m.parameters().forEach((p, i) => {
      const g = p.grad!.data() as Float32Array, r = ref.parameters()[i].grad!.data() as Float32Array;
      g.forEach((v, j) => expect(v).toBeCloseTo(r[j], 5));
    });
    expect(nr.nnUtils.clipGradNorm_(m.parameters(), 1e9)).toBeLessThan(100);   // clip sees unscaled norms
    expect(() => scaler.unscale_(opt)).toThrow(/already been called/);
    scaler.step(opt);                                    // does not unscale a second time
    expect(() => scaler.step(opt)).toThrow(/already been called/);
    scaler.update();
  });

  it('a step with Inf/NaN gradients is skipped, the scale backs off, then grows after growthInterval clean steps', () => {
    const m = model(3), opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const scaler = new amp.GradScaler({ initScale: 8, growthInterval: 2, backoffFactor: 0.25, growthFactor: 4 });
    const before = snapshot(m);
    scaler.scale(nn.functional.crossEntropy(m.forward(x), y)).backward();
    m.parameters()[1].grad!.data()[0] = Infinity;
    expect(scaler.step(opt)).toBeUndefined();
    expect(scaler.foundInf(opt)).toBe(true);
    expect(snapshot(m)).toEqual(before);                 // untouched
    scaler.update();
    expect(scaler.getScale()).toBe(2);
    expect(scaler.skippedSteps).toBe(1);
    for (const [k, nan] of [[0, true], [1, false], [2, false]] as const) {
      opt.zeroGrad();
      scaler.scale(nn.functional.crossEntropy(m.forward(x), y)).backward();
      if (nan) m.parameters()[0].grad!.data()[k] = NaN;
      scaler.step(opt);
      scaler.update();
    }
    // NaN: 2 -> 0.5 (skipped); two clean steps: 0.5 -> 2
    expect(scaler.skippedSteps).toBe(2);
    expect(scaler.getScale()).toBe(2);
    expect(snapshot(m)).not.toEqual(before);
  });

  it('an overflowing initial scale recovers by itself and training proceeds', () => {
    const m = model(4), opt = new optim.Adam(m.parameters(), { lr: 1e-2 });
    const scaler = new amp.GradScaler({ initScale: 2 ** 140, growthInterval: 1000 });
    const lossAt = () => nr.noGrad(() => nn.functional.crossEntropy(m.forward(x), y).item());
    const first = lossAt();
    for (let i = 0; i < 40; i++) {
      opt.zeroGrad();
      scaler.scale(nn.functional.crossEntropy(m.forward(x), y)).backward();
      scaler.step(opt);
      scaler.update();
    }
    expect(scaler.skippedSteps).toBeGreaterThanOrEqual(13);     // 2^140 overflows float32: at least 13 halvings
    expect(scaler.skippedSteps).toBeLessThan(40);
    expect(scaler.getScale()).toBeLessThan(2 ** 128);
    expect(lossAt()).toBeLessThan(first * 0.8);
  });

  it('disabled: a pass-through', () => {
    const m = model(6), opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const s = new amp.GradScaler({ enabled: false });
    const loss = nn.functional.crossEntropy(m.forward(x), y);
    expect(s.scale(loss)).toBe(loss);
    loss.backward();
    s.unscale_(opt); s.step(opt); s.update();
    expect(s.getScale()).toBe(1);
    expect(s.isEnabled()).toBe(false);
  });

  it('stateDict round-trips (PyTorch key names) and bad options/states are rejected', () => {
    const s = new amp.GradScaler({ initScale: 256, growthInterval: 3 });
    const m = model(7), opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    s.scale(nn.functional.crossEntropy(m.forward(x), y)).backward();
    s.step(opt); s.update();
    const st = s.stateDict();
    expect(st).toEqual({ scale: 256, growth_factor: 2, backoff_factor: 0.5, growth_interval: 3, _growth_tracker: 1 });
    const t = new amp.GradScaler();
    t.loadStateDict(st);
    expect(t.stateDict()).toEqual(st);
    expect(() => new amp.GradScaler({ initScale: 0 })).toThrow(/initScale/);
    expect(() => new amp.GradScaler({ growthFactor: 1 })).toThrow(/growthFactor/);
    expect(() => new amp.GradScaler({ backoffFactor: 1.5 })).toThrow(/backoffFactor/);
    expect(() => new amp.GradScaler({ growthInterval: 0.5 })).toThrow(/growthInterval/);
    expect(() => t.loadStateDict({ ...st, scale: NaN })).toThrow(/scale/);
    expect(() => t.update()).toThrow(/no inf checks/);
    expect(() => t.scale(3 as any)).toThrow(/tensor/);
    expect(() => t.step({} as any)).toThrow(/optimizer/);
  });
});
