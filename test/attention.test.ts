// Fused scaled-dot-product attention: values and gradients vs PyTorch math (float64 fixtures), the
// fused kernels vs the reference, gradchecks incl. dropout, masks and bad input.
import { describe, it, expect, afterEach } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';
import { native } from '../src/backend/native';
import { args } from '../src/backend/args';
import { fastLevels } from './util/levels';

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
  // Shapes off the kernel's 32 x 64 tiles, L != S, E != Ev, masks, dropout, float64 and B·H = 1; each
  // fast level at 1 and 3 threads (3 threads with few heads splits a head's key blocks over tasks and sums dQ).
  const cases = [
    { lead: [1], L: 70, S: 150, E: 16, Ev: 40, causal: false, mask: 'float', p: 0, dtype: 'float32' },
    { lead: [1, 1], L: 150, S: 150, E: 24, Ev: 24, causal: true, mask: null, p: 0, dtype: 'float32' },
    { lead: [2, 1], L: 33, S: 129, E: 8, Ev: 5, causal: true, mask: 'bool', p: 0, dtype: 'float32' },
    { lead: [2], L: 100, S: 40, E: 7, Ev: 9, causal: true, mask: null, p: 0.25, dtype: 'float32' },
    { lead: [3], L: 65, S: 97, E: 12, Ev: 20, causal: false, mask: 'bool', p: 0.1, dtype: 'float64' },
    { lead: [1], L: 129, S: 200, E: 33, Ev: 17, causal: true, mask: 'float', p: 0, dtype: 'float64' },
  ] as const;
  cases.forEach((c, n) => {
    it(`fused backward matches the reference #${n}: ${c.dtype} lead [${c.lead}] L${c.L} S${c.S} E${c.E} Ev${c.Ev} causal=${c.causal} mask=${c.mask} p=${c.p}`, () => {
      nr.manualSeed(100 + n);
      const dtype = c.dtype as 'float32' | 'float64';
      const q = nr.randn([...c.lead, c.L, c.E], { dtype }), k = nr.randn([...c.lead, c.S, c.E], { dtype });
      const v = nr.randn([...c.lead, c.S, c.Ev], { dtype }), g = nr.randn([...c.lead, c.L, c.Ev], { dtype });
      // bool mask with some fully masked rows; float mask broadcast over the batch dims
      const mask = c.mask === 'bool' ? nr.rand([...c.lead, c.L, c.S]).lt(0.7).logicalAnd(nr.arange(c.L).reshape([c.L, 1]).remainder(9).ne(4))
        : c.mask === 'float' ? nr.randn([c.L, c.S], { dtype }) : null;
      const run = () => {
        nr.manualSeed(7);
        const [a, b, d] = [q, k, v].map((t) => t.detach().requiresGrad_(true));
        const y = nr.scaledDotProductAttention(a, b, d, { isCausal: c.causal, attnMask: mask, dropoutP: c.p });
        y.backward(g);
        return [y, a.grad!, b.grad!, d.grad!].map((t) => t.toFlatArray());
      };
      nr.backend.setKernelLevel('ref');
      const r = run();
      const threads = nr.backend.getNumThreads();
      const tol = dtype === 'float64' ? 1e-10 : 2e-4;
      try {
        for (const level of fastLevels()) {
          for (const nt of [1, 3]) {
            nr.backend.setNumThreads(nt);
            nr.backend.setKernelLevel(level as any);
            const f = run();
            for (let i = 0; i < 4; i++) {
              expect(f[i].length).toBe(r[i].length);
              const bad = r[i].findIndex((x, j) => !(Math.abs(x - f[i][j]) <= tol * (1 + Math.abs(x))));
              expect(bad, `output ${i} at ${bad}: ref ${r[i][bad]} fused ${f[i][bad]} (${level}, ${nt} threads)`).toBe(-1);
            }
          }
        }
      } finally {
        nr.backend.setNumThreads(threads);
      }
    });
  });
  it('fused backward writes every element of dq, dk, dv (outputs start as NaN)', () => {
    // causal with L < S: key blocks no query sees, and a key block only partly seen
    const [BH, L, S, E, Ev] = [3, 33, 150, 8, 6];
    nr.manualSeed(3);
    const [q, k, v, g] = [[L, E], [S, E], [S, Ev], [L, Ev]].map((s) => nr.randn([BH, ...s]));
    const params = [1, BH, L, S, E, Ev, 0.4, 1, 0, 0, 0, 0, 0];
    const kernel = () => {
      const out = nr.empty([BH, L, Ev]), lse = nr.empty([BH, L]);
      args().nums(params).view(q).view(k).view(v).view(out).view(lse);
      native().attentionForward(q.storage.buf, k.storage.buf, v.storage.buf, out.storage.buf, lse.storage.buf);
      const [dq, dk, dv] = [q, k, v].map((t) => nr.full(t.shape as number[], NaN));
      args().nums(params).view(q).view(k).view(v).view(out).view(lse).view(g).view(dq).view(dk).view(dv);
      native().attentionBackward(q.storage.buf, k.storage.buf, v.storage.buf, out.storage.buf, lse.storage.buf, g.storage.buf,
        dq.storage.buf, dk.storage.buf, dv.storage.buf);
      return [dq, dk, dv].map((t) => t.toFlatArray());
    };
    nr.backend.setKernelLevel('ref');
    const r = kernel();
    const threads = nr.backend.getNumThreads();
    try {
      for (const level of fastLevels()) {
        for (const nt of [1, 4]) {
          nr.backend.setNumThreads(nt);
          nr.backend.setKernelLevel(level as any);
          const f = kernel();
          for (let i = 0; i < 3; i++) {
            const bad = r[i].findIndex((x, j) => !(Math.abs(x - f[i][j]) <= 2e-4 * (1 + Math.abs(x))));
            expect(bad, `grad ${i} at ${bad}: ref ${r[i][bad]} fused ${f[i][bad]} (${level}, ${nt} threads)`).toBe(-1);
          }
        }
      }
    } finally {
      nr.backend.setNumThreads(threads);
    }
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
