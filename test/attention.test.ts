// Fused scaled-dot-product attention: values and gradients vs PyTorch math (float64 fixtures), the
// fused kernels vs the reference, gradchecks incl. dropout, masks and bad input.
import { describe, it, expect, afterEach } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';

const fx = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'attention.json'), 'utf8'));
const t64 = (v: number[], s: number[]) => nr.fromArray(Float64Array.from(v), s, { dtype: 'float64' });
const best = nr.backend.cpuInfo().best as any;
afterEach(() => { nr.backend.setKernelLevel(best); });

function maxRel(a: Tensor, b: number[]): number {
  const x = a.toFlatArray();
  expect(x.length).toBe(b.length);
  return Math.max(0, ...x.map((v, i) => Math.abs(v - b[i]) / (1 + Math.abs(b[i]))));
}

describe('scaledDotProductAttention', () => {
  for (const level of ['ref', best]) {
    fx.cases.forEach((c: any, n: number) => {
      it(`matches PyTorch #${n} L${c.L} S${c.S} causal=${c.causal} mask=${c.mask?.dtype ?? 'none'} [${level}]`, () => {
        nr.backend.setKernelLevel(level);
        const q = t64(c.q, [...c.lead, c.L, c.E]).requiresGrad_(true);
        const k = t64(c.k, [...c.lead, c.S, c.E]).requiresGrad_(true);
        const v = t64(c.v, [...c.lead, c.S, c.Ev]).requiresGrad_(true);
        const mask = c.mask ? (c.mask.dtype === 'bool' ? t64(c.mask.data, c.mask.shape).ne(0) : t64(c.mask.data, c.mask.shape)) : null;
        const y = nr.scaledDotProductAttention(q, k, v, { isCausal: c.causal, attnMask: mask, scale: c.scale });
        expect(maxRel(y, c.y)).toBeLessThan(1e-10);
        y.mul(t64(c.g, y.shape as number[])).sum().backward();
        expect(maxRel(q.grad!, c.gq)).toBeLessThan(1e-10);
        expect(maxRel(k.grad!, c.gk)).toBeLessThan(1e-10);
        expect(maxRel(v.grad!, c.gv)).toBeLessThan(1e-10);
      });
    });
  }
  it('float32 fused kernel matches the reference (forward and backward, with dropout)', () => {
    nr.manualSeed(5);
    const q = nr.randn([2, 3, 77, 32]), k = nr.randn([2, 3, 77, 32]), v = nr.randn([2, 3, 77, 24]);
    const run = () => {
      nr.manualSeed(11);
      const [a, b, c] = [q, k, v].map((t) => t.detach().requiresGrad_(true));
      const y = nr.scaledDotProductAttention(a, b, c, { isCausal: true, dropoutP: 0.2 });
      y.square().sum().backward();
      return [y, a.grad!, b.grad!, c.grad!].map((t) => t.toFlatArray());
    };
    nr.backend.setKernelLevel('ref');
    const r = run();
    nr.backend.setKernelLevel(best);
    const f = run();
    for (let i = 0; i < 4; i++) r[i].forEach((x, j) => expect(Math.abs(x - f[i][j])).toBeLessThan(2e-4 * (1 + Math.abs(x))));
  });
  it('gradcheck with causal mask, bool mask and dropout', () => {
    nr.manualSeed(2);
    const q = rand64([2, 6, 4]), k = rand64([2, 5, 4]), v = rand64([2, 5, 3]);
    const mask = nr.tensor([[true, false, true, true, false], [true, true, true, false, false]]).reshape([2, 1, 5]);
    gradcheck((q, k, v) => nr.scaledDotProductAttention(q, k, v, { attnMask: mask }), [q, k, v]);
    gradcheck((q, k, v) => nr.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.7 }), [q, k, v]);
    gradcheck((q, k, v) => { nr.manualSeed(9); return nr.scaledDotProductAttention(q, k, v, { dropoutP: 0.3 }); }, [q, k, v]);
  });
  it('fully masked rows give zeros; dropout is reproducible', () => {
    const q = nr.randn([1, 2, 4]), k = nr.randn([1, 3, 4]), v = nr.randn([1, 3, 4]);
    const mask = nr.tensor([[false, false, false], [true, true, true]]);
    const y = nr.scaledDotProductAttention(q, k, v, { attnMask: mask });
    expect(y.select(1, 0).toFlatArray()).toEqual([0, 0, 0, 0]);
    nr.manualSeed(4);
    const a = nr.scaledDotProductAttention(q, k, v, { dropoutP: 0.5 }).toFlatArray();
    nr.manualSeed(4);
    expect(nr.scaledDotProductAttention(q, k, v, { dropoutP: 0.5 }).toFlatArray()).toEqual(a);
  });
  it('rejects bad input', () => {
    const q = nr.randn([2, 4, 8]);
    expect(() => nr.scaledDotProductAttention(q, nr.randn([2, 5, 7]), nr.randn([2, 5, 8]))).toThrow(/key \[2, 5, 7\] must be/);
    expect(() => nr.scaledDotProductAttention(q, q, q, { dropoutP: 1 })).toThrow(/dropoutP/);
    expect(() => nr.scaledDotProductAttention(q, q, q, { attnMask: nr.ones([3, 3]) })).toThrow(/cannot broadcast|expand/);
    expect(() => nr.scaledDotProductAttention(q, q.double(), q)).toThrow(/one floating dtype/);
  });
});
