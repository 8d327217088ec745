// Property tests for sort, argsort, topk and kthvalue along any dim of random tensors (every sortable
// dtype, ties, NaN and infinities, empty and 0-d inputs, non-contiguous layouts): values against a
// stable JS sort with NaN as the largest value, indices that gather back to the values, at a random
// kernel level.
import { describe, it, afterAll } from 'vitest';
import fc from 'fast-check';
import * as nr from '../../src/index';
import { prop, reportCounts, tensorArb, shapeArb, build, levelArb, expectClose, flat, unravel, ravel, numel, BEST, TIMEOUT } from './gen';

afterAll(() => { nr.backend.setKernelLevel(BEST as any); reportCounts('sort'); });

/** Total order: NaN largest; ties broken by index (stable). */
function order(desc: boolean) {
  return (a: [number, number], b: [number, number]) => {
    const x = a[0], y = b[0];
    const c = Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : Number.isNaN(y) ? -1 : x < y ? -1 : x > y ? 1 : 0;
    return (desc ? -c : c) || a[1] - b[1];
  };
}

/** Rows along dim d of (v, s): each a list of [value, index along d], with the position of every member. */
function rows(v: number[], s: number[], d: number): { row: [number, number][]; at: number[] }[] {
  const out: { row: [number, number][]; at: number[] }[] = [];
  const lead = s.map((x, i) => (i === d ? 1 : x));
  for (let r = 0; r < numel(lead); r++) {
    const base = unravel(r, lead);
    const row: [number, number][] = [], at: number[] = [];
    for (let k = 0; k < s[d]; k++) { const p = base.slice(); p[d] = k; at.push(ravel(p, s)); row.push([v[ravel(p, s)], k]); }
    out.push({ row, at });
  }
  return out;
}

function atLevel<T>(level: string, fn: () => T): T {
  const prev = nr.backend.cpuInfo().active;
  nr.backend.setKernelLevel(level as any);
  try { return fn(); } finally { nr.backend.setKernelLevel(prev as any); }
}

describe('sort / topk', { timeout: TIMEOUT }, () => {
  const arb = tensorArb(shapeArb(3, 400), ['float32', 'float64', 'int32', 'int64', 'uint8']).chain((spec) => fc.record({
    spec: fc.constant(spec), dim: fc.integer({ min: -Math.max(1, spec.shape.length), max: Math.max(1, spec.shape.length) - 1 }),
    desc: fc.boolean(), special: fc.boolean(), k: fc.nat(20), largest: fc.boolean(), level: levelArb,
  }));

  it('sort is a stable sort with NaN largest; argsort agrees; indices gather back to the values', () => {
    prop('sort', arb, ({ spec, dim, desc, special, level }) => {
      const { t, v } = build(spec, special ? 'special' : 'exact');
      const { values, indices } = atLevel(level, () => nr.sort(t, dim, { descending: desc }));
      const vals = flat(values, spec.shape, spec.dtype), idx = flat(indices, spec.shape, 'int64');
      if (spec.shape.length === 0) { expectClose(vals, v, 0, 0, 'sort 0-d'); expectClose(idx, [0], 0, 0, 'sort 0-d index'); return; }
      const d = dim < 0 ? dim + spec.shape.length : dim;
      const wantV = new Array(v.length), wantI = new Array(v.length);
      for (const { row, at } of rows(v, spec.shape, d)) {
        row.slice().sort(order(desc)).forEach(([x, k], j) => { wantV[at[j]] = x; wantI[at[j]] = k; });
      }
      expectClose(vals, wantV, 0, 0, `sort(${dim}, desc=${desc}) values`);
      expectClose(idx, wantI, 0, 0, `sort(${dim}, desc=${desc}) indices (stable)`);
      expectClose(flat(nr.argsort(t, dim, { descending: desc })), wantI, 0, 0, 'argsort');
    }, 200);
  });

  it('topk and kthvalue: the k largest/smallest in order, indices consistent with the input', () => {
    prop('topk', arb, ({ spec, dim, special, k: k0, largest, level }) => {
      const { t, v } = build(spec, special ? 'special' : 'exact');
      const r = spec.shape.length, d = dim < 0 ? dim + Math.max(r, 1) : dim;
      const n = r === 0 ? 1 : spec.shape[d];
      const k = k0 % (n + 1);
      const { values, indices } = atLevel(level, () => nr.topk(t, k, dim, { largest }));
      const os = r === 0 ? [] : spec.shape.map((x, i) => (i === d ? k : x));
      const vals = flat(values, os, spec.dtype), idx = flat(indices, undefined, 'int64');
      if (r === 0) { expectClose(vals, v, 0, 0, 'topk 0-d'); expectClose(idx, [0], 0, 0, 'topk 0-d index'); return; }   // k = 0 or 1, as torch
      const wantV: number[] = new Array(numel(os));
      const outRows = rows(new Array(numel(os)).fill(0), os, d);
      rows(v, spec.shape, d).forEach(({ row }, ri) => {
        row.slice().sort(order(largest)).slice(0, k).forEach(([x], j) => { wantV[outRows[ri].at[j]] = x; });
      });
      expectClose(vals, wantV, 0, 0, `topk(${k}, ${dim}, largest=${largest}) values`);
      // indices: in range, distinct per row, and pointing at the reported values
      rows(idx, os, d).forEach(({ row }, ri) => {
        const seen = new Set<number>();
        row.forEach(([ix], j) => {
          if (!(ix >= 0 && ix < n) || seen.has(ix)) throw new Error(`topk: bad index ${ix} in row ${ri}`);
          seen.add(ix);
          const p = unravel(outRows[ri].at[j], os); p[d] = ix;
          expectClose([v[ravel(p, spec.shape)]], [vals[outRows[ri].at[j]]], 0, 0, 'topk index -> value');
        });
      });
      if (k >= 1) {
        const kv = nr.kthvalue(t, k, dim);
        const ks = spec.shape.filter((_, i) => i !== d);
        const want = rows(v, spec.shape, d).map(({ row }) => row.slice().sort(order(false))[k - 1][0]);
        expectClose(flat(kv.values, ks, spec.dtype), want, 0, 0, `kthvalue(${k})`);
      }
    }, 200);
  });
});
