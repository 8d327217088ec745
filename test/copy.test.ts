// Strided copy fast path (coalesced rows, tiled transposes) against the reference element walker:
// random permutations, slices with steps, expands and transposes, every element size, copy_ into views.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import { atLevel, rng } from './util/levels';

const DTYPES = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool', 'float16'] as const;

function shuffled(n: number, r: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [p[i], p[j]] = [p[j], p[i]]; }
  return p;
}

function bytesOf(t: nr.Tensor): number[] { return Array.from(new Uint8Array(t.contiguous().storage.buf)); }

describe('strided copy: fast vs reference', () => {
  it('random permutations / slices / expands of random shapes, every dtype', () => {
    const r = rng(11);
    let cases = 0;
    for (let iter = 0; iter < 150; iter++) {
      const nd = 1 + Math.floor(r() * 5);
      const shape = Array.from({ length: nd }, () => 1 + Math.floor(r() * (iter % 3 === 0 ? 40 : 7)));
      while (shape.reduce((a, b) => a * b, 1) > 20000) shape[shape.indexOf(Math.max(...shape))] >>= 1;
      const dt = DTYPES[iter % DTYPES.length];
      const base = nr.randint(0, 200, shape).to(dt);
      let v = base.permute(shuffled(nd, r));
      if (r() < 0.5) {               // slice with a step on a random dim
        const d = Math.floor(r() * nd);
        if (v.shape[d] > 2) v = v.slice(d, 1, v.shape[d], 2);
      }
      if (r() < 0.3) v = v.unsqueeze(0).expand([3, ...v.shape]);
      const fast = v.contiguous();
      const ref = atLevel('ref', () => v.contiguous());
      expect(fast.shape).toEqual(ref.shape);
      expect(Array.from(new Uint8Array(fast.storage.buf))).toEqual(Array.from(new Uint8Array(ref.storage.buf)));
      cases++;
    }
    expect(cases).toBe(150);
  });

  it('matrix transposes of odd sizes (tiled path) and batched transposes', () => {
    for (const [m, n] of [[1, 9], [9, 8], [33, 65], [100, 37], [256, 255]]) {
      const a = nr.randn([m, n]);
      const t = a.t().contiguous();
      const ref = atLevel('ref', () => a.t().contiguous());
      expect(t.data()).toEqual(ref.data());
      const d = t.data() as Float32Array, s = a.data() as Float32Array;
      expect(d[(n - 1) * m + (m - 1)]).toBe(s[(m - 1) * n + (n - 1)]);
    }
    const b = nr.randn([3, 4, 50, 20], { dtype: 'float64' });
    for (const perm of [[0, 1, 3, 2], [0, 3, 1, 2], [3, 2, 1, 0], [1, 0, 3, 2]]) {
      expect(b.permute(perm).contiguous().data()).toEqual(atLevel('ref', () => b.permute(perm).contiguous()).data());
    }
  });

  it('copy_ into a strided destination, from a broadcast source', () => {
    const dst = nr.zeros([6, 10]);
    const view = dst.t().slice(0, 1, 9, 3);                    // (3, 6), strides (30, 10)
    view.copy_(nr.tensor([1, 2, 3, 4, 5, 6], { dtype: 'float32' }).expand([3, 6]));
    const ref = nr.zeros([6, 10]);
    atLevel('ref', () => ref.t().slice(0, 1, 9, 3).copy_(nr.tensor([1, 2, 3, 4, 5, 6], { dtype: 'float32' }).expand([3, 6])));
    expect(bytesOf(dst)).toEqual(bytesOf(ref));
    expect(dst.toArray()[2]).toEqual([0, 3, 0, 0, 3, 0, 0, 3, 0, 0]);   // columns 1, 4, 7 of row 2 = 3
  });

  it('the gpt head split/merge pattern: (B,T,3,H,Dh) -> (3,B,H,T,Dh) and back', () => {
    const x = nr.randn([2, 17, 3, 4, 8]);
    const p = x.permute([2, 0, 3, 1, 4]);
    expect(p.contiguous().data()).toEqual(atLevel('ref', () => p.contiguous()).data());
    const y = nr.randn([2, 4, 17, 8]).transpose(1, 2);
    expect(y.contiguous().data()).toEqual(atLevel('ref', () => y.contiguous()).data());
  });
});
