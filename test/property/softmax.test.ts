// Property tests for softmax and logSoftmax along any dim of random float tensors (0-d, empty, odd
// sizes, non-contiguous), including -Infinity entries and whole rows of -Infinity (NaN, as torch),
// against a float64 JS oracle and the fast kernel levels against 'ref'.
import { describe, it, afterAll } from 'vitest';
import fc from 'fast-check';
import * as nr from '../../src/index';
import { prop, reportCounts, tensorArb, shapeArb, build, levelArb, refAndFast, expectClose, flat, unravel, ravel, FLOATS, BEST, TIMEOUT } from './gen';

afterAll(() => { nr.backend.setKernelLevel(BEST as any); reportCounts('softmax'); });

function softmaxJS(v: number[], s: number[], dim: number, log: boolean): number[] {
  if (s.length === 0) return v.map((x) => (log ? x - x : 1));   // 0-d: one element (NaN/inf propagate as torch)
  const d = dim < 0 ? dim + s.length : dim;
  return v.map((_, i) => {
    const idx = unravel(i, s);
    const row: number[] = [];
    for (let k = 0; k < s[d]; k++) { const j = idx.slice(); j[d] = k; row.push(v[ravel(j, s)]); }
    const m = Math.max(...row);
    if (m === -Infinity) return NaN;
    const lse = m + Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0));
    return log ? v[i] - lse : Math.exp(v[i] - lse);
  });
}

describe('softmax / logSoftmax', { timeout: TIMEOUT }, () => {
  it('match a float64 oracle along any dim; fast levels match ref', () => {
    const arb = tensorArb(shapeArb(4, 500), FLOATS).chain((spec) => fc.record({
      spec: fc.constant(spec), dim: fc.integer({ min: -Math.max(spec.shape.length, 1), max: Math.max(spec.shape.length, 1) - 1 }),
      level: levelArb, log: fc.boolean(), ninf: fc.boolean(),
    }));
    prop('softmax', arb, ({ spec, dim, level, log, ninf }) => {
      const { t, v } = build(spec, 'wide');
      let x = t, vals = v;
      if (ninf) {   // every third element -inf: some rows are all -inf
        vals = v.map((a, i) => (i % 3 === 1 ? -Infinity : a));
        x = nr.fromArray(vals, spec.shape, { dtype: spec.dtype });
      }
      const want = softmaxJS(vals, spec.shape, dim, log);
      const tol = spec.dtype === 'float32' ? 2 ** -19 : 1e-12;
      const fn = () => flat(log ? nr.logSoftmax(x, dim) : nr.softmax(x, dim), spec.shape, spec.dtype);
      const [r, q] = refAndFast(level, fn);
      expectClose(r, want, tol, log ? tol * 16 : 1e-7, `${log ? 'logSoftmax' : 'softmax'}(${dim}) ref vs JS`);
      expectClose(q, r, tol, log ? tol * 16 : 1e-7, `${log ? 'logSoftmax' : 'softmax'} ${level} vs ref`);
    }, 250);
  });
});
