// Property tests for index-driven ops: gather, scatter (assign / add / multiply), scatterAdd,
// scatterReduce (sum, prod, mean, amax, amin, with and without self), indexSelect, indexAdd and
// indexFill, on random shapes (incl. empty and 0-d), dtypes, int32/int64 indices with duplicates, and
// non-contiguous inputs and indices; checked against a plain-JS oracle at a random kernel level.
import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import * as nr from '../../src/index';
import type { DType } from '../../src/index';
import { prop, reportCounts, shapeArb, build, specArb, levelArb, expectClose, flat, numel, unravel, ravel, toDtype, BEST, TIMEOUT } from './gen';

afterAll(() => { nr.backend.setKernelLevel(BEST as any); reportCounts('indexing'); });

const DT: DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8'];
const IDX: DType[] = ['int64', 'int32'];

function atLevel<T>(level: string, fn: () => T): T {
  const prev = nr.backend.cpuInfo().active;
  nr.backend.setKernelLevel(level as any);
  try { return fn(); } finally { nr.backend.setKernelLevel(prev as any); }
}

/** x shape, dim, and an index shape valid for gather/scatter (index.size(d) <= x.size(d) off dim). */
const gatherCase = shapeArb(3, 200, 1).chain((xs) => fc.record({
  xs: fc.constant(xs), dim: fc.nat(xs.length - 1), extra: fc.array(fc.nat(5), { minLength: xs.length, maxLength: xs.length }),
  dtype: fc.constantFrom(...DT), idt: fc.constantFrom(...IDX), level: levelArb,
})).chain((c) => {
  const is = c.xs.map((d, i) => (i === c.dim ? (c.xs[i] === 0 ? 0 : c.extra[i]) : Math.min(d, c.extra[i])));
  return fc.record({ c: fc.constant({ ...c, is }), sx: specArb(c.xs, c.dtype), si: specArb(is, c.idt), ss: specArb(is.map((d, i) => d + (c.extra[i] % 2)), c.dtype) });
});

describe('gather / scatter', { timeout: TIMEOUT }, () => {
  it('gather picks x[.., index[p], ..]', () => {
    prop('gather', gatherCase, ({ c, sx, si }) => {
      const x = build(sx), ix = build(si, [0, Math.max(1, c.xs[c.dim])]);
      const got = atLevel(c.level, () => flat(nr.gather(x.t, c.dim, ix.t), c.is, c.dtype));
      const want = ix.v.map((k, i) => { const p = unravel(i, c.is); p[c.dim] = k; return x.v[ravel(p, c.xs)]; });
      expectClose(got, want, 0, 0, 'gather');
    }, 200);
  });

  it('scatter (assign, add, multiply), scatterAdd and scatterReduce agree with the oracle, duplicates included', () => {
    const arb = fc.record({ k: gatherCase, mode: fc.constantFrom('assign', 'add', 'multiply', 'scatterAdd', 'sum', 'prod', 'mean', 'amax', 'amin'), self: fc.boolean(), scalar: fc.boolean() });
    prop('scatter', arb, ({ k: { c, sx, si, ss }, mode, self, scalar }) => {
      const x = build(sx), ix = build(si, [0, Math.max(1, c.xs[c.dim])]), src = build(ss);
      if (mode === 'mean' && !['float32', 'float64'].includes(c.dtype)) return;
      // writes[j] = the src values landing on output element j
      const writes = new Map<number, number[]>();
      ix.v.forEach((kk, i) => {
        const p = unravel(i, c.is), sv = scalar && mode === 'assign' ? 1.5 : src.v[ravel(p, ss.shape)];
        p[c.dim] = kk;
        const j = ravel(p, c.xs);
        (writes.get(j) ?? writes.set(j, []).get(j)!).push(sv);
      });
      const got = atLevel(c.level, () => {
        if (mode === 'assign') return flat(nr.scatter(x.t, c.dim, ix.t, scalar ? 1.5 : src.t), c.xs, c.dtype);
        if (mode === 'add' || mode === 'multiply') return flat(nr.scatter(x.t, c.dim, ix.t, src.t, { reduce: mode }), c.xs, c.dtype);
        if (mode === 'scatterAdd') return flat(nr.scatterAdd(x.t, c.dim, ix.t, src.t), c.xs, c.dtype);
        return flat(nr.scatterReduce(x.t, c.dim, ix.t, src.t, mode as any, { includeSelf: self }), c.xs, c.dtype);
      });
      x.v.forEach((xv, j) => {
        const w = writes.get(j);
        let want: number;
        if (!w) want = xv;
        else if (mode === 'assign') {
          const g = got[j];
          if (!w.map((v) => toDtype(v, c.dtype)).includes(g)) throw new Error(`scatter: element ${j} is ${g}, none of the values written there (${w})`);
          return;
        } else {
          const vals = mode === 'add' || mode === 'multiply' || mode === 'scatterAdd' || self ? [xv, ...w] : w;
          const red = mode === 'add' || mode === 'scatterAdd' || mode === 'sum' ? vals.reduce((a, b) => a + b, 0)
            : mode === 'multiply' || mode === 'prod' ? vals.reduce((a, b) => a * b, 1)
              : mode === 'mean' ? vals.reduce((a, b) => a + b, 0) / vals.length
                : mode === 'amax' ? Math.max(...vals) : Math.min(...vals);
          want = toDtype(red, c.dtype);
        }
        const tol = mode === 'mean' || mode === 'prod' || mode === 'multiply' ? 1e-6 : 0;
        expectClose([got[j]], [want], tol, 0, `scatter ${mode} element ${j}`);
      });
    }, 250);
  });
});

describe('indexSelect / indexAdd / indexFill', { timeout: TIMEOUT }, () => {
  const arb = shapeArb(3, 200).chain((xs) => fc.record({
    xs: fc.constant(xs), dim: fc.nat(Math.max(0, xs.length - 1)), n: fc.nat(6),
    dtype: fc.constantFrom(...DT), idt: fc.constantFrom(...IDX), level: levelArb,
  })).chain((c) => {
    const len = c.xs.length ? c.xs[c.dim] : 1;
    const n = len === 0 ? 0 : c.xs.length === 0 ? 1 : c.n;
    const os = c.xs.map((d, i) => (i === c.dim ? n : d));
    return fc.record({ c: fc.constant({ ...c, len, n, os }), sx: specArb(c.xs, c.dtype), si: specArb([n], c.idt), ss: specArb(os, c.dtype) });
  });
  it('match the oracle on any dim, duplicate indices and 0-d inputs', () => {
    prop('indexSelect', arb, ({ c, sx, si, ss }) => {
      const x = build(sx), ix = build(si, [0, Math.max(1, c.len)]), src = build(ss);
      const r = c.xs.length;
      const sel = atLevel(c.level, () => flat(nr.indexSelect(x.t, c.dim, ix.t), c.os, c.dtype));
      const want = Array.from({ length: numel(c.os) }, (_, i) => {
        const p = unravel(i, c.os);
        if (r) p[c.dim] = ix.v[p[c.dim]];
        return x.v[ravel(p, c.xs)];
      });
      expectClose(sel, want, 0, 0, 'indexSelect');
      const add = atLevel(c.level, () => flat(nr.indexAdd(x.t, c.dim, ix.t, r ? src.t : src.t.reshape([1])), c.xs, c.dtype));
      const acc = x.v.slice();
      src.v.forEach((sv, i) => {
        const p = unravel(i, c.os);
        if (r) p[c.dim] = ix.v[p[c.dim]];
        const j = ravel(p, c.xs);
        acc[j] = toDtype(acc[j] + sv, c.dtype);
      });
      expectClose(add, acc, 0, 0, 'indexAdd');
      const fill = flat(nr.indexFill(x.t, c.dim, ix.t, 3), c.xs, c.dtype);
      const hit = new Set(ix.v);
      expectClose(fill, x.v.map((v, j) => (hit.has(r ? unravel(j, c.xs)[c.dim] : 0) ? 3 : v)), 0, 0, 'indexFill');
    }, 200);
  });
});

describe('out-of-range indices', { timeout: TIMEOUT }, () => {
  it('gather / scatter / scatterAdd / indexSelect / indexAdd / indexFill refuse an index outside the dim with a RangeError naming the op', () => {
    const arb = fc.record({
      k: gatherCase, bad: fc.constantFrom(-1, -7, 1, 3, 2 ** 31, 2 ** 40, -(2 ** 53)), at: fc.nat(),
      op: fc.constantFrom('gather', 'scatter', 'scatterAdd', 'scatterReduce', 'indexSelect', 'indexAdd', 'indexFill'),
    }).filter(({ k }) => k.c.is.every((d) => d > 0));
    prop('badIndex', arb, ({ k: { c, sx, si, ss }, bad, at, op }) => {
      const x = build(sx), src = build(ss);
      const n = c.xs[c.dim];
      const v = build(si, [0, Math.max(1, n)]).v.slice();
      v[at % v.length] = bad < 0 ? bad : n + bad - 1;   // negative, or at least n
      if (c.idt === 'int32' && Math.abs(v[at % v.length]) >= 2 ** 31) return;   // not representable: creation refuses
      const is = op.startsWith('index') ? [v.length] : c.is;
      const ix = nr.fromArray(v, is, { dtype: c.idt });
      const before = x.v.slice();
      let err: unknown = null;
      try {
        atLevel(c.level, () => {
          if (op === 'gather') nr.gather(x.t, c.dim, ix);
          else if (op === 'scatter') nr.scatter(x.t, c.dim, ix, src.t);
          else if (op === 'scatterAdd') nr.scatterAdd(x.t, c.dim, ix, src.t);
          else if (op === 'scatterReduce') nr.scatterReduce(x.t, c.dim, ix, src.t, 'amax');
          else if (op === 'indexSelect') nr.indexSelect(x.t, c.dim, ix);
          else if (op === 'indexAdd') nr.indexAdd(x.t, c.dim, ix, nr.zeros(c.xs.map((d, i) => (i === c.dim ? v.length : d)), { dtype: c.dtype }));
          else nr.indexFill(x.t, c.dim, ix, 1);
        });
      } catch (e) { err = e; }
      expect(err, `${op} accepted index ${v[at % v.length]} for a dim of size ${n}`).toBeInstanceOf(RangeError);
      expect((err as Error).message).toMatch(new RegExp(`^${op}(\\(\\w+\\))?: `));
      expectClose(flat(x.t), before, 0, 0, 'input unchanged');
    }, 150);
  });
});
