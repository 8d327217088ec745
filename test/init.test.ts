// nn.init: distribution statistics on large tensors, bounds, fan computation, gains (against
// PyTorch's calculate_gain), orthogonality, reproducibility under manualSeed, and bad input.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { loadFixture } from './util/nnfixtures';

const { nn } = nr;
const init = nn.init;

/** a (n,k), b (m,k) -> a b^T (n,m), by broadcasting. */
const gram = (a: Tensor, b: Tensor) => a.unsqueeze(1).mul(b.unsqueeze(0)).sum(-1);

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const v = t.toFlatArray();
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (const x of v) { s += x; s2 += x * x; min = Math.min(min, x); max = Math.max(max, x); }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), min, max };
}

describe('nn.init distributions', () => {
  it('uniform_, normal_, constant_, zeros_, ones_, eye_', () => {
    nr.manualSeed(0);
    const u = stats(init.uniform_(nr.empty([200, 500]), -2, 3));
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(3);
    expect(u.mean).toBeCloseTo(0.5, 1);
    expect(u.std).toBeCloseTo(5 / Math.sqrt(12), 1);
    const n = stats(init.normal_(nr.empty([200, 500], { dtype: 'float64' }), 1.5, 0.5));
    expect(Math.abs(n.mean - 1.5)).toBeLessThan(0.01);
    expect(Math.abs(n.std - 0.5)).toBeLessThan(0.01);
    expect(init.constant_(nr.empty([3]), 2.5).toArray()).toEqual([2.5, 2.5, 2.5]);
    expect(init.zeros_(nr.ones([2])).toArray()).toEqual([0, 0]);
    expect(init.ones_(nr.zeros([2])).toArray()).toEqual([1, 1]);
    expect(init.eye_(nr.empty([2, 3])).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
  });

  it('xavier (Glorot) uniform and normal', () => {
    nr.manualSeed(1);
    const w = nr.empty([300, 500]);
    const bound = 2 * Math.sqrt(6 / 800);
    const s = stats(init.xavierUniform_(w, { gain: 2 }));
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeGreaterThan(bound * 0.99);
    expect(Math.abs(s.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
    const n = stats(init.xavierNormal_(nr.empty([300, 500])));
    expect(Math.abs(n.std / Math.sqrt(2 / 800) - 1)).toBeLessThan(0.02);
    expect(Math.abs(n.mean)).toBeLessThan(0.002);
  });

  it('kaiming (He) uniform and normal: fan modes, nonlinearities, conv-shaped weights', () => {
    nr.manualSeed(2);
    // conv weight (out=64, in=16, 3, 3): fanIn = 16*9, fanOut = 64*9
    const w = nr.empty([64, 16, 3, 3]);
    expect(init.calculateFanInAndFanOut(w)).toEqual([144, 576]);
    let s = stats(init.kaimingUniform_(w));
    const b1 = Math.sqrt(2) * Math.sqrt(3 / 144);
    expect(s.max).toBeLessThanOrEqual(b1);
    expect(s.max).toBeGreaterThan(b1 * 0.98);
    s = stats(init.kaimingUniform_(w, { mode: 'fanOut', nonlinearity: 'relu' }));
    expect(s.max).toBeLessThanOrEqual(Math.sqrt(2) * Math.sqrt(3 / 576));
    s = stats(init.kaimingNormal_(nr.empty([400, 300]), { a: 0.2, nonlinearity: 'leaky_relu' }));
    expect(Math.abs(s.std / (Math.sqrt(2 / 1.04) / Math.sqrt(300)) - 1)).toBeLessThan(0.02);
    s = stats(init.kaimingNormal_(nr.empty([400, 300]), { mode: 'fan_out', nonlinearity: 'tanh' }));
    expect(Math.abs(s.std / ((5 / 3) / Math.sqrt(400)) - 1)).toBeLessThan(0.02);
  });

  it('truncNormal_ stays inside [a, b] with the truncated moments', () => {
    nr.manualSeed(3);
    const s = stats(init.truncNormal_(nr.empty([100000], { dtype: 'float64' }), { mean: 0, std: 1, a: -1, b: 2 }));
    expect(s.min).toBeGreaterThanOrEqual(-1);
    expect(s.max).toBeLessThanOrEqual(2);
    // moments of N(0,1) truncated to [-1, 2]
    const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    const Z = 0.9772498680518208 - 0.15865525393145707;
    const m = (phi(-1) - phi(2)) / Z;
    const v = 1 + (-1 * phi(-1) - 2 * phi(2)) / Z - m * m;
    expect(Math.abs(s.mean - m)).toBeLessThan(0.01);
    expect(Math.abs(s.std - Math.sqrt(v))).toBeLessThan(0.01);
    const d = stats(init.truncNormal_(nr.empty([50000]), { mean: 5, std: 0.1, a: 4.9, b: 5.3 }));
    expect(d.min).toBeGreaterThanOrEqual(4.9 - 1e-6);
    expect(d.max).toBeLessThanOrEqual(5.3 + 1e-6);
  });

  it('orthogonal_ gives orthonormal rows or columns, scaled by gain', () => {
    nr.manualSeed(4);
    for (const [r, c] of [[6, 4], [4, 6], [5, 5], [1, 3]]) {
      const w = init.orthogonal_(nr.empty([r, c], { dtype: 'float64' }), { gain: 2 });
      const g = r <= c ? gram(w, w) : gram(w.t(), w.t());
      const n = Math.min(r, c);
      const eye = nr.eye(n, n, { dtype: 'float64' }).mul(4);
      expect(g.sub(eye).abs().max().item()).toBeLessThan(1e-12);
    }
    const conv = init.orthogonal_(nr.empty([3, 2, 2, 2]));   // flattened to (3, 8)
    const f = conv.reshape([3, 8]);
    expect(gram(f, f).sub(nr.eye(3)).abs().max().item()).toBeLessThan(1e-5);
  });

  it('is reproducible under manualSeed', () => {
    const draw = () => {
      nr.manualSeed(99);
      return [init.kaimingUniform_(nr.empty([4, 5])), init.normal_(nr.empty([3])), init.orthogonal_(nr.empty([3, 3])),
        init.truncNormal_(nr.empty([4]))].map((t) => t.toFlatArray());
    };
    expect(draw()).toEqual(draw());
    nr.manualSeed(1);
    const a = new nn.Linear(3, 2).weight.toFlatArray();
    nr.manualSeed(1);
    expect(new nn.Linear(3, 2).weight.toFlatArray()).toEqual(a);
  });

  it('aliases without the underscore', () => {
    expect(init.kaimingUniform).toBe(init.kaimingUniform_);
    expect(init.xavierNormal).toBe(init.xavierNormal_);
  });
});

describe('nn.init gains and fans', () => {
  it('calculateGain matches PyTorch', () => {
    const fx = loadFixture('modules.json');
    for (const [k, v] of Object.entries<number>(fx.gains)) expect(init.calculateGain(k as any)).toBeCloseTo(v, 12);
    expect(init.calculateGain('leaky_relu', 0.2)).toBeCloseTo(fx.gainLeaky02, 12);
  });
  it('layers initialise as PyTorch: Linear/Bilinear bounds, norms ones/zeros', () => {
    nr.manualSeed(5);
    const lin = new nn.Linear(400, 300);
    const bound = 1 / Math.sqrt(400);
    const sw = stats(lin.weight), sb = stats(lin.bias!);
    expect(sw.max).toBeLessThanOrEqual(bound);
    expect(sw.min).toBeGreaterThanOrEqual(-bound);
    expect(sw.max).toBeGreaterThan(bound * 0.99);
    expect(sb.max).toBeLessThanOrEqual(bound);
    expect(Math.abs(sw.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
    const bil = new nn.Bilinear(25, 7, 3);
    expect(stats(bil.weight).max).toBeLessThanOrEqual(1 / 5);
    expect(stats(bil.weight).max).toBeGreaterThan(0.19);
    expect(new nn.Linear(0, 3).bias!.toArray()).toEqual([0, 0, 0]);
  });
});

describe('nn.init bad input', () => {
  it('throws clear errors', () => {
    expect(() => init.xavierUniform_(nr.empty([5]))).toThrow(/fewer than 2 dimensions/);
    expect(() => init.kaimingNormal_(nr.empty([2, 2]), { mode: 'fanSideways' as any })).toThrow(/mode must be/);
    expect(() => init.calculateGain('swish' as any)).toThrow(/unsupported nonlinearity/);
    expect(() => init.normal_(nr.zeros([2], { dtype: 'int64' }))).toThrow(/floating-point/);
    expect(() => init.uniform_(nr.empty([2]), 1, 0)).toThrow(/a <= b/);
    expect(() => init.truncNormal_(nr.empty([2]), { a: 1, b: 0 })).toThrow(/a < b/);
    expect(() => init.orthogonal_(nr.empty([3]))).toThrow(/2 or more dimensions/);
    expect(() => init.eye_(nr.empty([2, 2, 2]))).toThrow(/2-D/);
  });
});
