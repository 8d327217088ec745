// Anomaly mode: the first op producing NaN/Inf (forward or backward) is named, with the forward stack;
// values propagated from non-finite inputs are not blamed; the setting is scoped and costs nothing off.
import { describe, it, expect, afterEach } from 'vitest';
import * as nr from '../src/index';

afterEach(() => nr.setDetectAnomaly(false));
const f = (a: any, o: any = {}) => nr.tensor(a, { dtype: 'float32', ...o });

function thrown(fn: () => unknown): nr.AnomalyError {
  try { fn(); } catch (e) { if (e instanceof nr.AnomalyError) return e; throw e; }
  throw new Error('expected an AnomalyError');
}

describe('anomaly mode: forward', () => {
  it('names the op that turns finite inputs into NaN, with shapes and the caller', () => {
    const x = f([[1, -1], [4, 9]]);
    const e = thrown(() => nr.detectAnomaly(() => x.add(-2).sqrt().mul(2)));
    expect(e.op).toBe('sqrt');
    expect(e.phase).toBe('forward');
    expect(e.message).toContain("forward op 'sqrt'");
    expect(e.message).toContain('[2,2]');
    expect(e.message).toContain('anomaly.test');          // the stack points at the user's code
  });

  it('catches Inf too (log of 0, division by 0, overflow of exp)', () => {
    expect(thrown(() => nr.detectAnomaly(() => f([0, 1]).log())).op).toBe('log');
    expect(thrown(() => nr.detectAnomaly(() => f([1, 2]).div(f([1, 0])))).op).toBe('div');
    expect(thrown(() => nr.detectAnomaly(() => f([100]).exp())).op).toBe('exp');
  });

  it('does not blame ops that only propagate a NaN they were given', () => {
    const x = f([NaN, 1]);
    expect(() => nr.detectAnomaly(() => x.mul(2).add(1).relu().sum())).not.toThrow();
  });

  it('checks under noGrad as well, inside a model, and float64 and views', () => {
    const lin = new nr.nn.Linear(3, 2);
    const x = nr.randn([4, 3], { dtype: 'float32' });
    const e = thrown(() => nr.detectAnomaly(() => nr.noGrad(() => lin.forward(x).abs().neg().sqrt())));
    expect(e.op).toBe('sqrt');
    const v = nr.tensor([[1, -2], [3, 4]], { dtype: 'float64' }).t();
    expect(thrown(() => nr.detectAnomaly(() => v.log())).op).toBe('log');
  });

  it('is off by default and restored after a throw; the computation is unchanged when off', () => {
    expect(nr.isAnomalyEnabled()).toBe(false);
    expect(() => nr.detectAnomaly(() => f([-1]).sqrt())).toThrow(nr.AnomalyError);
    expect(nr.isAnomalyEnabled()).toBe(false);
    expect(Number.isNaN(f([-1]).sqrt().item())).toBe(true);
    nr.setDetectAnomaly(true);
    expect(nr.isAnomalyEnabled()).toBe(true);
    expect(() => f([-1]).sqrt()).toThrow(/sqrt/);
    expect(() => nr.setDetectAnomaly('yes' as any)).toThrow(TypeError);
  });
});

describe('anomaly mode: backward', () => {
  it('names the backward rule that produced Inf from a finite gradient, with the forward call site', () => {
    const x = f([0, 4], { requiresGrad: true });
    const y = nr.detectAnomaly(() => x.sqrt().sum());       // forward is finite: sqrt(0) = 0
    const e = thrown(() => nr.detectAnomaly(() => y.backward()));
    expect(e.phase).toBe('backward');
    expect(e.op).toBe('sqrt');
    expect(e.message).toContain("backward of 'sqrt'");
    expect(e.message).toContain('input 0 (shape [2])');
    expect(e.message).toContain('anomaly.test');            // the forward stack was recorded
  });

  it('without anomaly mode the same backward silently yields Inf', () => {
    const x = f([0, 4], { requiresGrad: true });
    x.sqrt().sum().backward();
    expect(x.grad!.toArray()).toEqual([Infinity, 0.25]);
  });

  it('a NaN loss from the data is propagated without blaming backward rules', () => {
    const w = f([1, 2], { requiresGrad: true });
    const data = f([NaN, 1]);
    expect(() => nr.detectAnomaly(() => w.mul(data).sum().backward())).not.toThrow();
    expect(Number.isNaN(w.grad!.toArray()[0] as number)).toBe(true);
  });

  it('a finite training step under anomaly mode gives the same gradients as without', () => {
    nr.manualSeed(3);
    const m = new nr.nn.Sequential(new nr.nn.Linear(5, 8), new nr.nn.GELU(), new nr.nn.Linear(8, 3));
    const x = nr.randn([6, 5]), y = nr.randint(0, 3, [6]);
    const grads = () => {
      m.zeroGrad();
      nr.nn.functional.crossEntropy(m.forward(x), y).backward();
      return m.parameters().map((p) => Array.from(p.grad!.data() as Float32Array));
    };
    const plain = grads();
    expect(nr.detectAnomaly(grads)).toEqual(plain);
  });
});
