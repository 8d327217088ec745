// Property tests for matrix products: matmul with every rank combination (1-D operands, batch dims
// that broadcast), bmm, and linear, on float and integer dtypes, with transposed/sliced/expanded
// operands, empty dims and odd sizes. Values are multiples of 1/4, so the products are exact in float32
// and GEMM at every kernel level must equal the plain-JS triple loop exactly.
import { describe, it, afterAll } from 'vitest';
import fc from 'fast-check';
import * as nr from '../../src/index';
import type { DType } from '../../src/index';
import { prop, reportCounts, build, specArb, levelArb, refAndFast, expectClose, flat, numel, unravel, broadcastPairArb, toDtype, BEST, TIMEOUT } from './gen';

afterAll(() => { nr.backend.setKernelLevel(BEST as any); reportCounts('matmul'); });

const mnk = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 9 }) }, { weight: 1, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: 10, max: 33 }) });
const DTYPES: DType[] = ['float32', 'float64', 'int32', 'int64'];

/** (…, M, K) x (…, K, N) in JS; a1/b1 mark 1-D operands (dims dropped from the result as torch). */
function matmulJS(av: number[], as: number[], bv: number[], bs: number[], dt: DType): { shape: number[]; out: number[] } {
  const a1 = as.length === 1, b1 = bs.length === 1;
  const A = a1 ? [1, as[0]] : as, B = b1 ? [bs[0], 1] : bs;
  const M = A[A.length - 2], K = A[A.length - 1], N = B[B.length - 1];
  const ab = A.slice(0, -2), bb = B.slice(0, -2);
  const nb = Math.max(ab.length, bb.length);
  const batch = Array.from({ length: nb }, (_, i) => {
    const x = ab[i - (nb - ab.length)] ?? 1, y = bb[i - (nb - bb.length)] ?? 1;
    return x === 1 ? y : x;
  });
  const at = (bs0: number[], bshape: number[], idx: number[]) => {
    let o = 0;
    for (let d = 0; d < bshape.length; d++) o = o * bshape[d] + (bshape[d] === 1 ? 0 : idx[nb - bshape.length + d]);
    return o;
  };
  const out: number[] = [];
  for (let b = 0; b < numel(batch); b++) {
    const idx = unravel(b, batch);
    const ao = at(batch, ab, idx) * M * K, bo = at(batch, bb, idx) * K * N;
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += av[ao + i * K + k] * bv[bo + k * N + j];
      out.push(toDtype(s, dt));
    }
  }
  let shape = [...batch, M, N];
  if (a1) shape = shape.filter((_, i) => i !== shape.length - 2);
  if (b1) shape = shape.slice(0, -1);
  return { shape, out };
}

describe('matrix products', { timeout: TIMEOUT }, () => {
  it('matmul: any ranks, broadcast batch dims, non-contiguous operands, every level equals the JS loop', () => {
    const arb = fc.record({
      m: mnk, k: mnk, n: mnk, batch: broadcastPairArb(2), r1a: fc.boolean(), r1b: fc.boolean(),
      dtype: fc.constantFrom(...DTYPES), level: levelArb,
    }).filter((c) => numel(c.batch.out) * (c.m * c.k + c.k * c.n + c.m * c.n) <= 6000).chain((c) => {
      const as = c.r1a ? [c.k] : [...c.batch.a, c.m, c.k];
      const bs = c.r1b ? [c.k] : [...c.batch.b, c.k, c.n];
      return fc.record({ c: fc.constant(c), sa: specArb(as, c.dtype), sb: specArb(bs, c.dtype) });
    });
    prop('matmul', arb, ({ c, sa, sb }) => {
      const a = build(sa), b = build(sb);
      const want = matmulJS(a.v, sa.shape, b.v, sb.shape, c.dtype);
      const [r, q] = refAndFast(c.level, () => flat(nr.matmul(a.t, b.t), want.shape, c.dtype));
      expectClose(r, want.out, 0, 0, `matmul [${sa.shape}]x[${sb.shape}] ${c.dtype} ref vs JS`);
      expectClose(q, r, 0, 0, `matmul ${c.level} vs ref`);
    }, 200);
  });

  it('bmm and linear', () => {
    const arb = fc.record({ bt: fc.integer({ min: 0, max: 4 }), m: mnk, k: mnk, n: mnk, dtype: fc.constantFrom<DType>('float32', 'float64'), level: levelArb, bias: fc.boolean() })
      .filter((c) => (c.bt + 1) * (c.m * c.k + c.k * c.n + c.m * c.n) <= 6000)
      .chain((c) => fc.record({
        c: fc.constant(c), sa: specArb([c.bt, c.m, c.k], c.dtype), sb: specArb([c.bt, c.k, c.n], c.dtype),
        sw: specArb([c.n, c.k], c.dtype), sbias: specArb([c.n], c.dtype), sx: specArb([c.m, c.k], c.dtype),
      }));
    prop('bmm', arb, ({ c, sa, sb, sw, sbias, sx }) => {
      const a = build(sa), b = build(sb);
      const want = matmulJS(a.v, sa.shape, b.v, sb.shape, c.dtype);
      const [r, q] = refAndFast(c.level, () => flat(nr.bmm(a.t, b.t), want.shape, c.dtype));
      expectClose(r, want.out, 0, 0, 'bmm ref vs JS');
      expectClose(q, r, 0, 0, `bmm ${c.level} vs ref`);
      // linear(x, W, bias) = x W^T + bias, W stored (out, in) as PyTorch
      const x = build(sx), w = build(sw), bias = build(sbias);
      const wT: number[] = [];
      for (let k = 0; k < c.k; k++) for (let j = 0; j < c.n; j++) wT.push(w.v[j * c.k + k]);
      const lw = matmulJS(x.v, [c.m, c.k], wT, [c.k, c.n], c.dtype);
      if (c.bias) lw.out = lw.out.map((v, i) => toDtype(v + bias.v[i % c.n], c.dtype));
      const [lr, lq] = refAndFast(c.level, () => flat(nr.linear(x.t, w.t, c.bias ? bias.t : null), [c.m, c.n], c.dtype));
      expectClose(lr, lw.out, 0, 0, 'linear ref vs JS');
      expectClose(lq, lr, 0, 0, `linear ${c.level} vs ref`);
    }, 120);
  });
});
