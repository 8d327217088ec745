// Property tests for conv2d (stride, padding, dilation, groups, bias), maxPool2d with indices
// (padding, dilation, ceilMode) and avgPool2d (countIncludePad, ceilMode) on small random shapes with
// non-contiguous inputs: a direct plain-JS loop is the oracle, and every fast level must match 'ref'.
import { describe, it, afterAll } from 'vitest';
import fc from 'fast-check';
import * as nr from '../../src/index';
import type { DType } from '../../src/index';
import { prop, reportCounts, build, specArb, levelArb, refAndFast, expectClose, flat, numel, BEST, TIMEOUT } from './gen';

afterAll(() => { nr.backend.setKernelLevel(BEST as any); reportCounts('conv_pool'); });

const FL: DType[] = ['float32', 'float64'];
const outSize = (n: number, k: number, s: number, p: number, d: number, ceil = false) => {
  const span = n + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
};

describe('conv2d', { timeout: TIMEOUT }, () => {
  const arb = fc.record({
    N: fc.integer({ min: 0, max: 2 }), G: fc.integer({ min: 1, max: 3 }), Cg: fc.integer({ min: 1, max: 3 }), Kg: fc.integer({ min: 1, max: 2 }),
    H: fc.integer({ min: 1, max: 8 }), W: fc.integer({ min: 1, max: 8 }), R: fc.integer({ min: 1, max: 3 }), S: fc.integer({ min: 1, max: 3 }),
    sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), ph: fc.nat(2), pw: fc.nat(2),
    dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }), bias: fc.boolean(), dtype: fc.constantFrom(...FL), level: levelArb,
  }).filter((c) => outSize(c.H, c.R, c.sh, c.ph, c.dh) >= 1 && outSize(c.W, c.S, c.sw, c.pw, c.dw) >= 1)
    .chain((c) => fc.record({
      c: fc.constant(c), sx: specArb([c.N, c.G * c.Cg, c.H, c.W], c.dtype), sw: specArb([c.G * c.Kg, c.Cg, c.R, c.S], c.dtype), sb: specArb([c.G * c.Kg], c.dtype),
    }));

  it('matches a direct JS convolution; fast levels match ref', () => {
    prop('conv2d', arb, ({ c, sx, sw, sb }) => {
      const x = build(sx), w = build(sw), b = build(sb);
      const C = c.G * c.Cg, K = c.G * c.Kg;
      const P = outSize(c.H, c.R, c.sh, c.ph, c.dh), Q = outSize(c.W, c.S, c.sw, c.pw, c.dw);
      const want: number[] = [];
      for (let n = 0; n < c.N; n++) for (let k = 0; k < K; k++) for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) {
        const g = Math.floor(k / c.Kg);
        let s = c.bias ? b.v[k] : 0;
        for (let ci = 0; ci < c.Cg; ci++) for (let r = 0; r < c.R; r++) for (let t = 0; t < c.S; t++) {
          const h = p * c.sh - c.ph + r * c.dh, ww = q * c.sw - c.pw + t * c.dw;
          if (h < 0 || h >= c.H || ww < 0 || ww >= c.W) continue;
          s += x.v[((n * C + g * c.Cg + ci) * c.H + h) * c.W + ww] * w.v[((k * c.Cg + ci) * c.R + r) * c.S + t];
        }
        want.push(c.dtype === 'float32' ? Math.fround(s) : s);
      }
      const opts = { stride: [c.sh, c.sw] as [number, number], padding: [c.ph, c.pw] as [number, number], dilation: [c.dh, c.dw] as [number, number], groups: c.G };
      const [r, q] = refAndFast(c.level, () => flat(nr.conv2d(x.t, w.t, c.bias ? b.t : null, opts), [c.N, K, P, Q], c.dtype));
      expectClose(r, want, 1e-6, 1e-5, 'conv2d ref vs JS');
      expectClose(q, r, 1e-6, 1e-5, `conv2d ${c.level} vs ref`);
    }, 150);
  });
});

describe('pooling', { timeout: TIMEOUT }, () => {
  const arb = fc.record({
    lead: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 2 }), H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 9 }),
    kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
    ph: fc.nat(2), pw: fc.nat(2), dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
    ceil: fc.boolean(), incl: fc.boolean(), dtype: fc.constantFrom(...FL), level: levelArb, special: fc.boolean(),
  }).filter((c) => 2 * c.ph <= c.kh && 2 * c.pw <= c.kw).chain((c) => fc.record({ c: fc.constant(c), sx: specArb([...c.lead, c.H, c.W], c.dtype) }));

  it('maxPool2d values and indices, avgPool2d, against direct JS loops; fast levels match ref', () => {
    prop('pool', arb, ({ c, sx }) => {
      const x = build(sx, c.special ? 'special' : 'exact');
      const planes = numel(c.lead);
      const P = outSize(c.H, c.kh, c.sh, c.ph, c.dh, c.ceil), Q = outSize(c.W, c.kw, c.sw, c.pw, c.dw, c.ceil);
      const mo = { stride: [c.sh, c.sw] as [number, number], padding: [c.ph, c.pw] as [number, number], dilation: [c.dh, c.dw] as [number, number], ceilMode: c.ceil };
      if (P < 1 || Q < 1) return;
      const wantV: number[] = [], wantI: number[] = [];
      for (let pl = 0; pl < planes; pl++) for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) {
        let best = -Infinity, bi = -1;
        for (let r = 0; r < c.kh; r++) for (let t = 0; t < c.kw; t++) {
          const h = p * c.sh - c.ph + r * c.dh, w = q * c.sw - c.pw + t * c.dw;
          if (h < 0 || h >= c.H || w < 0 || w >= c.W) continue;
          const v = x.v[(pl * c.H + h) * c.W + w];
          if (bi < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) { best = v; bi = h * c.W + w; }
        }
        wantV.push(best); wantI.push(bi);
      }
      const os = [...c.lead, P, Q];
      const [r, f] = refAndFast(c.level, () => {
        const m = nr.maxPool2dWithIndices(x.t, [c.kh, c.kw], mo);
        return [flat(m.values, os, c.dtype), flat(m.indices, os, 'int64')];
      });
      expectClose(r[0], wantV, 0, 0, 'maxPool2d ref values vs JS');
      expectClose(r[1], wantI, 0, 0, 'maxPool2d ref indices vs JS (first max in scan order)');
      expectClose(f[0], r[0], 0, 0, `maxPool2d ${c.level} values vs ref`);
      expectClose(f[1], r[1], 0, 0, `maxPool2d ${c.level} indices vs ref`);
      if (c.special) return;
      // avgPool2d (no dilation): torch's divisor counts the window clipped to the padded input
      const Pa = outSize(c.H, c.kh, c.sh, c.ph, 1, c.ceil), Qa = outSize(c.W, c.kw, c.sw, c.pw, 1, c.ceil);
      if (Pa < 1 || Qa < 1) return;
      const wantA: number[] = [];
      for (let pl = 0; pl < planes; pl++) for (let p = 0; p < Pa; p++) for (let q = 0; q < Qa; q++) {
        let h0 = p * c.sh - c.ph, w0 = q * c.sw - c.pw;
        let h1 = Math.min(h0 + c.kh, c.H + c.ph), w1 = Math.min(w0 + c.kw, c.W + c.pw);
        const padded = (h1 - h0) * (w1 - w0);
        h0 = Math.max(h0, 0); w0 = Math.max(w0, 0); h1 = Math.min(h1, c.H); w1 = Math.min(w1, c.W);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += x.v[(pl * c.H + h) * c.W + w];
        const div = c.incl ? padded : (h1 - h0) * (w1 - w0);
        wantA.push(s / div);
      }
      const ao = { stride: [c.sh, c.sw] as [number, number], padding: [c.ph, c.pw] as [number, number], ceilMode: c.ceil, countIncludePad: c.incl };
      const [ar, af] = refAndFast(c.level, () => flat(nr.avgPool2d(x.t, [c.kh, c.kw], ao), [...c.lead, Pa, Qa], c.dtype));
      const tol = c.dtype === 'float32' ? 2 ** -21 : 1e-13;
      expectClose(ar, wantA, tol, 0, 'avgPool2d ref vs JS');
      expectClose(af, ar, tol, 0, `avgPool2d ${c.level} vs ref`);
    }, 200);
  });
});
