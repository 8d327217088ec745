// Property tests for reductions over random dim subsets with and without keepdim: sum, mean, prod,
// amax/amin, max/min(dim) with indices, argmax/argmin, var/std, logsumexp, any/all and cumsum, on
// every dtype they accept and on non-contiguous inputs. Checked against a plain-JS oracle (values are
// multiples of 1/4, so sums are exact in float32) and the fast kernel levels against 'ref'.
import { describe, it, afterAll } from 'vitest';
import fc from 'fast-check';
import * as nr from '../../src/index';
import type { DType } from '../../src/index';
import {
  prop, reportCounts, tensorArb, shapeArb, build, levelArb, refAndFast, expectClose, flat, numel, unravel, ravel,
  ALL, FLOATS, BEST, TSpec, TIMEOUT,
} from './gen';

afterAll(() => { nr.backend.setKernelLevel(BEST as any); reportCounts('reduce'); });

/** A spec plus a dims argument (undefined = all, a number, or a list) and keepdim. */
function withDims(dtypes: DType[], maxNumel = 600): fc.Arbitrary<{ spec: TSpec; dims: number | number[] | undefined; keepdim: boolean; level: string }> {
  return tensorArb(shapeArb(4, maxNumel), dtypes).chain((spec) => {
    const r = spec.shape.length, n = Math.max(r, 1);
    const dimsArb = fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: -n, max: n - 1 }),
      fc.shuffledSubarray([...Array(r).keys()]).chain((ds) => fc.constant(ds.map((d) => (d % 2 ? d - r : d)))),   // some negative
    );
    return fc.record({ spec: fc.constant(spec), dims: dimsArb, keepdim: fc.boolean(), level: levelArb });
  });
}

/** JS reduction: folds the reduced dims of v (shape s) for every kept index. Returns out shape and values. */
function reduceJS(v: number[], s: number[], dims: number | number[] | undefined, keepdim: boolean,
  fold: (xs: number[]) => number): { shape: number[]; out: number[] } {
  const r = s.length;
  const red = dims === undefined ? [...Array(r).keys()] : (Array.isArray(dims) ? dims : [dims]).map((d) => (d < 0 ? d + Math.max(r, 1) : d));
  const isRed = (d: number) => r > 0 && red.includes(d);
  const keptShape = s.filter((_, d) => !isRed(d));
  const groups = new Map<number, number[]>();
  for (let i = 0; i < v.length; i++) {
    const idx = unravel(i, s);
    const k = ravel(idx.filter((_, d) => !isRed(d)), keptShape);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(v[i]);
  }
  const out = Array.from({ length: numel(keptShape) }, (_, k) => fold(groups.get(k) ?? []));
  return { shape: keepdim ? s.map((d, i) => (isRed(i) ? 1 : d)) : keptShape, out };
}

const sumOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const accOf = (d: DType): DType => (FLOATS.includes(d) ? d : 'int64');
const round = (x: number, d: DType) => (d === 'float32' ? Math.fround(x) : x);
const amaxOf = (xs: number[]) => xs.reduce((a, b) => (Number.isNaN(a) ? a : Number.isNaN(b) || b > a ? b : a));
const aminOf = (xs: number[]) => xs.reduce((a, b) => (Number.isNaN(a) ? a : Number.isNaN(b) || b < a ? b : a));
/** Product in the accumulator dtype: int64 wraps around like the kernels. */
const prodOf = (xs: number[], acc: DType) => (acc === 'int64'
  ? Number(xs.reduce((a, b) => BigInt.asIntN(64, a * BigInt(b)), 1n))
  : round(xs.reduce((a, b) => a * b, 1), acc));
/** First index of the max (min), NaN counting as the largest, as torch. */
function argOf(xs: number[], isMax: boolean): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) {
    const a = xs[best], b = xs[i];
    if (Number.isNaN(a)) break;
    if (Number.isNaN(b) || (isMax ? b > a : b < a)) best = i;
  }
  return best;
}
const nonEmptyOK = (s: number[], dims: number | number[] | undefined) => {
  const r = s.length;
  const red = dims === undefined ? [...Array(r).keys()] : (Array.isArray(dims) ? dims : [dims]).map((d) => (d < 0 ? d + Math.max(r, 1) : d));
  return red.every((d) => r === 0 || s[d] > 0);
};

describe('reductions', { timeout: TIMEOUT }, () => {
  it('sum / prod / any / all match the oracle on every dtype; fast levels match ref exactly', () => {
    prop('sum', withDims(ALL), ({ spec, dims, keepdim, level }) => {
      const { t, v } = build(spec);
      const acc = accOf(spec.dtype);
      const want = reduceJS(v, spec.shape, dims, keepdim, (xs) => round(sumOf(xs), acc));
      const [r, q] = refAndFast(level, () => flat(t.sum(dims, { keepdim }), want.shape, acc));
      expectClose(r, want.out, 0, 0, `sum(${JSON.stringify(dims)}) ref vs JS`);
      expectClose(q, r, 0, 0, `sum ${level} vs ref`);
      const anyW = reduceJS(v, spec.shape, dims, keepdim, (xs) => +xs.some((x) => x !== 0));
      expectClose(flat((t as any).any(dims, { keepdim }), anyW.shape, 'bool'), anyW.out, 0, 0, 'any');
      const allW = reduceJS(v, spec.shape, dims, keepdim, (xs) => +xs.every((x) => x !== 0));
      expectClose(flat((t as any).all(dims, { keepdim }), allW.shape, 'bool'), allW.out, 0, 0, 'all');
      if (numel(spec.shape) <= 64) {
        const pw = reduceJS(v, spec.shape, dims, keepdim, (xs) => prodOf(xs, acc));
        const [pr, pq] = refAndFast(level, () => flat(t.prod(dims, { keepdim }), pw.shape, acc));
        const tol = acc === 'float32' ? 64 * 2 ** -23 : 1e-12;
        expectClose(pr, pw.out, tol, 1e-30, 'prod ref vs JS');
        expectClose(pq, pr, tol, 1e-30, `prod ${level} vs ref`);
      }
    }, 250);
  });

  it('mean / var / std / logsumexp on floats', () => {
    prop('mean', withDims(FLOATS), ({ spec, dims, keepdim, level }) => {
      const { t, v } = build(spec);
      const dt = spec.dtype, tol = dt === 'float32' ? 2 ** -20 : 1e-12;
      const mw = reduceJS(v, spec.shape, dims, keepdim, (xs) => sumOf(xs) / xs.length);
      const [mr, mq] = refAndFast(level, () => flat(t.mean(dims, { keepdim }), mw.shape, dt));
      expectClose(mr, mw.out, tol, 0, 'mean ref vs JS');
      expectClose(mq, mr, tol, 0, `mean ${level} vs ref`);
      const variance = (xs: number[]) => { const m = sumOf(xs) / xs.length; return sumOf(xs.map((x) => (x - m) ** 2)) / (xs.length - 1); };
      const vw = reduceJS(v, spec.shape, dims, keepdim, variance);
      const [vr, vq] = refAndFast(level, () => flat(t.var(dims, { keepdim }), vw.shape, dt));
      expectClose(vr, vw.out, tol * 4, 1e-6, 'var ref vs JS');
      expectClose(vq, vr, tol * 4, 1e-6, `var ${level} vs ref`);
      const sw = reduceJS(v, spec.shape, dims, keepdim, (xs) => Math.sqrt(variance(xs)));
      expectClose(flat(t.std(dims, { keepdim }), sw.shape, dt), sw.out, tol * 4, 1e-5, 'std');
      if (dims !== undefined) {
        const lw = reduceJS(v, spec.shape, dims, keepdim, (xs) => {
          const m = Math.max(...xs);
          return xs.length === 0 ? -Infinity : m + Math.log(sumOf(xs.map((x) => Math.exp(x - m))));
        });
        expectClose(flat(t.logsumexp(dims, { keepdim }), lw.shape, dt), lw.out, tol * 4, 1e-6, 'logsumexp');
      }
    }, 200);
  });

  it('amax / amin / max(dim) / argmax / argmin: values, first-occurrence indices, NaN propagation', () => {
    const arb = withDims(ALL.filter((d) => d !== 'bool')).chain((c) => fc.record({ c: fc.constant(c), special: fc.boolean() }));
    prop('minmax', arb, ({ c: { spec, dims, keepdim, level }, special }) => {
      const { t, v } = build(spec, special ? 'special' : 'exact');
      if (!nonEmptyOK(spec.shape, dims)) return;   // empty reductions throw (errors suite)
      const aw = reduceJS(v, spec.shape, dims, keepdim, amaxOf);
      const [ar, aq] = refAndFast(level, () => flat(t.amax(dims, { keepdim }), aw.shape, spec.dtype));
      expectClose(ar, aw.out, 0, 0, 'amax ref vs JS');
      expectClose(aq, ar, 0, 0, `amax ${level} vs ref`);
      const iw = reduceJS(v, spec.shape, dims, keepdim, aminOf);
      expectClose(flat(t.amin(dims, { keepdim }), iw.shape, spec.dtype), iw.out, 0, 0, 'amin');
      if (typeof dims === 'number' || dims === undefined) {
        const kd = dims === undefined ? false : keepdim;
        const gw = reduceJS(v, spec.shape, dims, kd, (xs) => argOf(xs, true));
        const [gr, gq] = refAndFast(level, () => flat(t.argmax(dims as number | undefined, { keepdim: kd }), gw.shape, 'int64'));
        expectClose(gr, gw.out, 0, 0, `argmax(${dims}) ref vs JS`);
        expectClose(gq, gr, 0, 0, `argmax ${level} vs ref`);
        const nw = reduceJS(v, spec.shape, dims, kd, (xs) => argOf(xs, false));
        expectClose(flat(t.argmin(dims as number | undefined, { keepdim: kd }), nw.shape, 'int64'), nw.out, 0, 0, 'argmin');
        if (dims !== undefined) {
          const m = t.max(dims, { keepdim }) as unknown as { values: nr.Tensor; indices: nr.Tensor };
          const mw = reduceJS(v, spec.shape, dims, keepdim, amaxOf);
          expectClose(flat(m.values, mw.shape, spec.dtype), mw.out, 0, 0, 'max(dim).values');
          expectClose(flat(m.indices, mw.shape, 'int64'), reduceJS(v, spec.shape, dims, keepdim, (xs) => argOf(xs, true)).out, 0, 0, 'max(dim).indices');
        }
      }
    }, 250);
  });

  it('cumsum along any dim matches a running sum', () => {
    const arb = tensorArb(shapeArb(4, 400, 1), ALL).chain((spec) => fc.record({
      spec: fc.constant(spec), dim: fc.integer({ min: -spec.shape.length, max: spec.shape.length - 1 }), level: levelArb,
    }));
    prop('cumsum', arb, ({ spec, dim, level }) => {
      const { t, v } = build(spec);
      const s = spec.shape, d = dim < 0 ? dim + s.length : dim, acc = accOf(spec.dtype);
      const want = v.map((_, i) => {
        const idx = unravel(i, s);
        let a = 0;
        for (let k = 0; k <= idx[d]; k++) { const j = idx.slice(); j[d] = k; a += v[ravel(j, s)]; }
        return round(a, acc);
      });
      const [r, q] = refAndFast(level, () => flat(t.cumsum(dim), s, acc));
      expectClose(r, want, 0, 0, `cumsum(${dim}) ref vs JS`);
      expectClose(q, r, 0, 0, `cumsum ${level} vs ref`);
    }, 120);
  });
});
