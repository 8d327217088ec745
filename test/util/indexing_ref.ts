// Plain-JS references and helpers for the indexing and sorting tests: row-major coordinate walks,
// gather/scatter/stable-sort written as obvious loops over flat arrays, random non-contiguous
// tensors, and a runner that compares every available kernel level against 'ref'.
import { expect } from 'vitest';
import * as nr from '../../src/index';
import type { Tensor } from '../../src/index';

/** Every coordinate of shape in row-major order. */
export function coords(shape: number[]): number[][] {
  const out: number[][] = [];
  const n = shape.reduce((a, b) => a * b, 1);
  const c = new Array(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    out.push(c.slice());
    for (let d = shape.length - 1; d >= 0; d--) { if (++c[d] < shape[d]) break; c[d] = 0; }
  }
  return out;
}

export function flatPos(shape: number[], c: number[]): number {
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * shape[d] + c[d];
  return p;
}

/** A flat JS array with its shape (row-major). */
export interface Arr { shape: number[]; data: number[]; }
export const arr = (t: Tensor): Arr => ({ shape: t.shape.slice(), data: t.toFlatArray() });
export const at = (a: Arr, c: number[]): number => a.data[flatPos(a.shape, c)];

export function gatherRef(x: Arr, dim: number, idx: Arr): number[] {
  return coords(idx.shape).map((c) => { const s = c.slice(); s[dim] = at(idx, c); return at(x, s); });
}

export type Reducer = (acc: number, v: number) => number;
export function scatterRef(x: Arr, dim: number, idx: Arr, src: Arr | number, f: Reducer = (_a, v) => v): number[] {
  const out = x.data.slice();
  for (const c of coords(idx.shape)) {
    const t = c.slice();
    t[dim] = at(idx, c);
    const p = flatPos(x.shape, t);
    out[p] = f(out[p], typeof src === 'number' ? src : at(src, c));
  }
  return out;
}

/** Stable order of positions of row (NaN largest; descending keeps ties in position order). */
export function stableOrder(row: number[], descending: boolean): number[] {
  const lt = (a: number, b: number) => (Number.isNaN(a) ? false : Number.isNaN(b) ? true : a < b);
  return row.map((_, i) => i).sort((i, j) => {
    const a = row[i], b = row[j];
    const before = descending ? lt(b, a) : lt(a, b), after = descending ? lt(a, b) : lt(b, a);
    return before ? -1 : after ? 1 : i - j;
  });
}

/** Kernel levels this CPU runs besides 'ref'. */
export function fastLevels(): string[] {
  const best = nr.backend.cpuInfo().best;
  const order = best === 'neon' ? ['base', 'neon'] : ['base', 'avx2', 'avx512'];
  return order.slice(0, order.indexOf(best) + 1);
}

/** First position where two flat results differ (Object.is: NaN equals NaN, -0 differs from 0), or -1. */
function firstDiff(a: number[], b: number[]): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/**
 * Runs fn at the 'ref' level and at every fast level (with the default thread count and with more
 * threads than cores, so the threaded partitions are exercised) and expects identical results, bit
 * for bit.
 */
export function expectLevelsAgree(fn: () => Tensor | Tensor[], label = '', threadCounts?: number[]): void {
  const active = nr.backend.cpuInfo().active as any;
  const threads = nr.backend.getNumThreads();
  const flat = (r: Tensor | Tensor[]) => (Array.isArray(r) ? r : [r]).map((t) => ({ shape: t.shape.slice(), dtype: t.dtype, data: t.toFlatArray() }));
  try {
    nr.backend.setKernelLevel('ref');
    const want = flat(fn());
    for (const lvl of fastLevels()) {
      expect(nr.backend.setKernelLevel(lvl as any)).toBe(true);
      for (const n of threadCounts ?? [threads, 5]) {
        nr.backend.setNumThreads(n);
        const got = flat(fn());
        const where = `${label} level ${lvl}, ${n} threads`;
        expect(got.length, where).toBe(want.length);
        got.forEach((g, k) => {
          expect([g.shape, g.dtype], `${where}, output ${k}`).toEqual([want[k].shape, want[k].dtype]);
          const i = firstDiff(g.data, want[k].data);
          expect(i < 0 ? 'same' : `element ${i}: ${g.data[i]} vs ref ${want[k].data[i]}`, `${where}, output ${k}`).toBe('same');
        });
      }
      nr.backend.setNumThreads(threads);
    }
  } finally {
    nr.backend.setKernelLevel(active);
    nr.backend.setNumThreads(threads);
  }
}

/** A random float tensor of shape that is a non-contiguous view (transposed and strided) when `strided`. */
export function randomTensor(shape: number[], strided: boolean, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  if (!strided || shape.length === 0) return nr.randn(shape, { dtype });
  // a view of a larger tensor: last two dims swapped and a step of 2 on dim 0
  const big = shape.slice();
  big[0] = big[0] * 2;
  const nd = shape.length;
  if (nd >= 2) [big[nd - 2], big[nd - 1]] = [big[nd - 1], big[nd - 2]];
  let t = nr.randn(big, { dtype });
  if (nd >= 2) t = t.transpose(nd - 2, nd - 1);
  return t.slice(0, 0, undefined, 2);
}

/** Random int64 indices in [lo, hi) of shape, optionally a non-contiguous view. */
export function randomIndex(shape: number[], lo: number, hi: number, strided = false, dtype: 'int64' | 'int32' = 'int64'): Tensor {
  if (hi <= lo) return nr.zeros(shape, { dtype });
  if (!strided || shape.length < 2) return nr.randint(lo, hi, shape, { dtype });
  const nd = shape.length;
  const big = shape.slice();
  [big[nd - 2], big[nd - 1]] = [big[nd - 1], big[nd - 2]];
  return nr.randint(lo, hi, big, { dtype }).transpose(nd - 2, nd - 1);
}
