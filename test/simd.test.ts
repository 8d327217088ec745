// Fast (SIMD / threaded) kernels against the scalar reference level: elementwise unary and binary
// ops (incl. fused activation backward and comparisons) on random, odd, empty and non-contiguous
// shapes, broadcast fast paths, special values, accuracy against float64, and reductions.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { runUnary, runBinary } from '../src/ops/kernels';
import { fastLevels, atLevel, valuesTensor, testValues, SPECIALS, ulp32, close } from './util/levels';
import { native } from '../src/backend/native';
import { args } from '../src/backend/args';

const LEVELS = fastLevels();

type Params = { a?: number; b?: number };
// Unary kernels, their params, and how results may differ from the reference:
// 'exact' = bit-identical (incl. signed zeros), 'math' = a few ulp, 'tail' = few ulp plus |x|*2^-23
// (gelu variants: the fast kernels avoid the 1 + erf / 1 + tanh cancellation the reference has).
const UNARY: [string, Params, 'exact' | 'math' | 'tail'][] = [
  ['neg', {}, 'exact'], ['abs', {}, 'exact'], ['sign', {}, 'exact'], ['relu', {}, 'exact'], ['square', {}, 'exact'],
  ['reciprocal', {}, 'exact'], ['sqrt', {}, 'exact'], ['rsqrt', {}, 'exact'], ['floor', {}, 'exact'], ['ceil', {}, 'exact'],
  ['round', {}, 'exact'], ['trunc', {}, 'exact'], ['frac', {}, 'exact'], ['leaky_relu', { a: 0.01 }, 'exact'],
  ['leaky_relu', { a: -1.5 }, 'exact'], ['hardtanh', { a: -1, b: 1 }, 'exact'], ['hardtanh', { a: 0, b: 6 }, 'exact'],
  ['clamp', { a: -2, b: 3 }, 'exact'], ['clamp', { a: NaN, b: 0.5 }, 'exact'], ['clamp', { a: -0.5, b: NaN }, 'exact'],
  ['clamp', { a: 2, b: -1 }, 'exact'],
  ['exp', {}, 'math'], ['expm1', {}, 'math'], ['log', {}, 'math'], ['log1p', {}, 'math'], ['tanh', {}, 'math'],
  ['sigmoid', {}, 'math'], ['erf', {}, 'math'], ['silu', {}, 'math'], ['softplus', { a: 1, b: 20 }, 'math'],
  ['softplus', { a: 2.5, b: 7 }, 'math'], ['mish', {}, 'math'], ['elu', { a: 1 }, 'math'], ['elu', { a: 0.3 }, 'math'],
  ['gelu', {}, 'tail'], ['gelu_tanh', {}, 'tail'],
];

// Binary kernels: x is the first operand (the incoming gradient for *_bw), y the second (saved tensor).
// 'cancel' = the derivative is a difference of terms; error is bounded by ulps of those terms.
const BINARY: [string, Params, 'exact' | 'math' | 'cancel'][] = [
  ['add', { a: 1 }, 'exact'], ['add', { a: 0.3 }, 'exact'], ['sub', { a: 1 }, 'exact'], ['sub', { a: -2 }, 'exact'],
  ['mul', {}, 'exact'], ['div', {}, 'exact'], ['maximum', {}, 'exact'], ['minimum', {}, 'exact'], ['heaviside', {}, 'exact'],
  ['relu_bw', {}, 'exact'], ['threshold_bw', { a: 0.5 }, 'exact'], ['hardtanh_bw', { a: -1, b: 1 }, 'exact'],
  ['leaky_relu_bw', { a: 0.2 }, 'exact'], ['sigmoid_bw', {}, 'exact'], ['tanh_bw', {}, 'exact'],
  ['elu_bw', { a: 1.5 }, 'math'], ['softplus_bw', { a: 1, b: 20 }, 'math'], ['softplus_bw', { a: 3, b: 4 }, 'math'],
  ['silu_bw', {}, 'cancel'], ['mish_bw', {}, 'cancel'], ['gelu_bw', {}, 'cancel'], ['gelu_tanh_bw', {}, 'cancel'],
];
const COMPARE = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logical_and', 'logical_or', 'logical_xor'];

function unaryTol(kind: string, r: number, x: number): number {
  if (kind === 'exact') return 0;
  const base = 6 * ulp32(r) + 1e-37 * Math.max(1, Math.abs(x));
  return kind === 'tail' ? base + Math.abs(x) * 2 ** -23 : base;
}
// Returns -1 (skip) for an infinite gradient meeting a far-tail input of a cancellation op: there the
// reference's derivative rounds to exactly 0 (inf * 0 = NaN) where the fast kernel keeps a tiny value.
function binaryTol(kind: string, r: number, g: number, y: number): number {
  if (kind === 'exact') return 0;
  if (kind === 'cancel' && !Number.isFinite(g) && !(Math.abs(y) <= 3)) return -1;
  const base = 6 * ulp32(r) + 1e-36 * Math.abs(g);
  return kind === 'cancel' ? base + Math.abs(g) * (1 + Math.abs(y)) * 2 ** -22 : base;
}

function same(a: number, b: number, tol: number): boolean {
  if (tol < 0) return true;
  return tol === 0 ? Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) : close(a, b, tol);
}

/** Compares a fast result with the reference element by element; reports the first few mismatches. */
function expectMatch(what: string, fast: number[], ref: number[], tol: (i: number) => number): void {
  expect(fast.length).toBe(ref.length);
  const bad: string[] = [];
  for (let i = 0; i < ref.length && bad.length < 5; i++) {
    if (!same(fast[i], ref[i], tol(i))) bad.push(`[${i}] fast ${fast[i]} ref ${ref[i]} (tol ${tol(i)})`);
  }
  expect(bad, `${what}: ${bad.join('; ')}`).toEqual([]);
}

// Input layouts for unary ops: [description, builder] (each builds a float32 tensor, maybe strided).
const UNARY_INPUTS: [string, () => Tensor][] = [
  ['empty', () => valuesTensor([0])],
  ['empty 3-d', () => valuesTensor([2, 0, 3])],
  ['scalar', () => valuesTensor([])],
  ['1', () => valuesTensor([1], 2)],
  ['17', () => valuesTensor([17], 3)],
  ['31', () => valuesTensor([31], 4)],
  ['1003', () => valuesTensor([1003], 5)],
  ['3x7001 (threaded)', () => valuesTensor([3, 7001], 6)],
  ['transposed 37x40', () => valuesTensor([40, 37], 7).transpose(0, 1)],
  ['step-2 slice', () => valuesTensor([301], 8).slice(0, 1, 301, 2)],
  ['row slice 20x30 of 20x50', () => valuesTensor([20, 50], 9).narrow(1, 7, 30)],
  ['expanded 5x33', () => valuesTensor([1, 33], 10).expand([5, 33])],
];

describe('elementwise unary: fast levels vs ref', () => {
  for (const [op, p, kind] of UNARY) {
    it(`${op} ${JSON.stringify(p)}`, () => {
      for (const [desc, make] of UNARY_INPUTS) {
        const x = make();
        const xs = x.toFlatArray();
        const ref = atLevel('ref', () => runUnary(op, x, p).toFlatArray());
        for (const level of LEVELS) {
          const fast = atLevel(level, () => runUnary(op, x, p));
          expect(fast.shape).toEqual(x.shape);
          expectMatch(`${op} ${desc} @${level}`, fast.toFlatArray(), ref, (i) => unaryTol(kind, ref[i], xs[i]));
        }
      }
    });
  }
});

describe('elementwise unary: special values behave as the scalar definitions', () => {
  it('NaN, infinities, signed zeros, subnormals, overflow edges', () => {
    const x = nr.fromArray(Float32Array.from(SPECIALS), [SPECIALS.length]);
    for (const [op, p, kind] of UNARY) {
      const ref = atLevel('ref', () => runUnary(op, x, p).toFlatArray());
      for (const level of LEVELS) {
        const fast = atLevel(level, () => runUnary(op, x, p).toFlatArray());
        expectMatch(`${op} specials @${level}`, fast, ref, (i) => unaryTol(kind, ref[i], SPECIALS[i]));
        // NaN-ness and infinities must agree exactly, whatever the tolerance
        for (let i = 0; i < ref.length; i++) {
          expect(Number.isNaN(fast[i]), `${op}(${SPECIALS[i]}) NaN @${level}`).toBe(Number.isNaN(ref[i]));
          if (!Number.isFinite(ref[i]) && !Number.isNaN(ref[i])) expect(fast[i], `${op}(${SPECIALS[i]}) @${level}`).toBe(ref[i]);
        }
      }
    }
  });
  it('hand-checked values', () => {
    const x = nr.tensor([-Infinity, -1, -0, 0, 2, Infinity, NaN]);
    expect(x.relu().toFlatArray()).toEqual([0, 0, 0, 0, 2, Infinity, NaN]);
    expect(Object.is(x.abs().toFlatArray()[2], -0)).toBe(true);  // x < 0 ? -x : x keeps -0
    expect(x.exp().toFlatArray()).toEqual([0, Math.fround(Math.exp(-1)), 1, 1, Math.fround(Math.exp(2)), Infinity, NaN]);
    expect(x.tanh().toFlatArray()).toEqual([-1, Math.fround(Math.tanh(-1)), -0, 0, Math.fround(Math.tanh(2)), 1, NaN]);
    const sg = x.sigmoid().toFlatArray();
    [0, 1 / (1 + Math.E), 0.5, 0.5, 1 / (1 + Math.exp(-2)), 1].forEach((v, i) => expect(sg[i]).toBeCloseTo(v, 7));
    expect(sg[6]).toBeNaN();
    expect(Object.is(nr.tensor([-0], { dtype: 'float32' }).expm1().toFlatArray()[0], -0)).toBe(true);
    expect(Object.is(nr.tensor([-0], { dtype: 'float32' }).erf().toFlatArray()[0], -0)).toBe(true);
    expect(nr.tensor([0, -1, 1e-45]).log().toFlatArray()).toEqual([-Infinity, NaN, Math.fround(Math.log(Math.fround(1e-45)))]);
  });
});

describe('elementwise accuracy against float64', () => {
  // The reference run on float64 input is the truth here; inputs are limited to where that truth is
  // itself accurate (gelu's float64 1 + erf cancels below about -5.5). Allowed error in float32 ulps:
  // 4, except gelu (8: erfc's polynomial, 1e-6 relative at worst) and gelu_tanh (16: float32 rounding
  // of u = 0.798 (x + 0.0447 x^3) is amplified by e^(-2u), so only x >= -3; the scalar float32
  // formula is off by ~200 ulp there).
  const OPS: [string, Params, number, number][] = [
    ['exp', {}, -Infinity, 4], ['expm1', {}, -Infinity, 4], ['log', {}, -Infinity, 4], ['log1p', {}, -Infinity, 4],
    ['tanh', {}, -Infinity, 4], ['sigmoid', {}, -Infinity, 4], ['erf', {}, -Infinity, 4], ['softplus', { a: 1, b: 20 }, -Infinity, 4],
    ['elu', { a: 1 }, -Infinity, 4], ['gelu', {}, -5.5, 8], ['gelu_tanh', {}, -3, 16],
    // silu, mish: below -87 an intermediate (e^-x, softplus) leaves the normal float32 range and the
    // product loses digits, as in the reference
    ['silu', {}, -87, 4], ['mish', {}, -87, 4],
  ];
  it('float32 results are within a few ulp of the float64 result rounded to float32', () => {
    const n = 20000;
    const vals = testValues(n, 42, false);
    for (const [op, p, lo, ulps] of OPS) {
      const v = Float32Array.from(vals, (t) => Math.max(t, lo));
      const x = nr.fromArray(v, [n]);
      const truth = atLevel('ref', () => runUnary(op, x.to('float64'), p).toFlatArray());
      for (const level of LEVELS.filter((l) => l !== 'base')) {
        const fast = atLevel(level, () => runUnary(op, x, p).toFlatArray());
        const bad: string[] = [];
        for (let i = 0; i < n && bad.length < 3; i++) {
          const t = Math.fround(truth[i]);
          if (Math.abs(t) < 1e-37) continue;  // subnormal outputs: float32 itself has few digits there
          if (!close(fast[i], t, ulps * ulp32(t))) bad.push(`${op}(${v[i]}) = ${fast[i]}, float64 ${truth[i]}`);
        }
        expect(bad, `@${level}: ${bad.join('; ')}`).toEqual([]);
      }
    }
  });
});

describe('elementwise binary: fast levels vs ref', () => {
  // [description, x shape, y shape (null = JS number 2.5), transform]
  const CASES: [string, number[], number[] | null, ((x: Tensor, y: Tensor) => [Tensor, Tensor])?][] = [
    ['same shape', [1003], [1003]],
    ['same shape threaded', [3, 7001], [3, 7001]],
    ['row broadcast (M,N)+(N)', [64, 37], [37]],
    ['row broadcast (N)+(M,N)', [37], [64, 37]],
    ['column broadcast (M,N)+(M,1)', [64, 37], [64, 1]],
    ['column broadcast (M,1)+(M,N)', [64, 1], [64, 37]],
    ['0-d rhs', [64, 37], []],
    ['0-d lhs', [], [64, 37]],
    ['JS number rhs', [1003], null],
    ['outer (M,1)+(1,N)', [50, 1], [1, 37]],
    ['3-d bias (B,T,C)+(T,1)', [4, 5, 37], [5, 1]],
    ['short rows (M,3)+(3)', [100, 3], [3]],
    ['empty', [0, 37], [37]],
    ['transposed lhs', [37, 40], [40, 37], (x, y) => [x.transpose(0, 1), y]],
    ['row slices', [20, 50], [20, 30], (x, y) => [x.narrow(1, 3, 30), y]],
  ];
  for (const [op, p, kind] of BINARY) {
    it(`${op} ${JSON.stringify(p)}`, () => {
      for (const [desc, xs, ys, tf] of CASES) {
        let x = valuesTensor(xs, 11), y: Tensor | number = ys ? valuesTensor(ys, 12) : 2.5;
        if (tf && typeof y !== 'number') [x, y] = tf(x, y);
        const shape = ys ? nr.broadcastTensors(x, y as Tensor)[0].shape : x.shape;
        const xb = x.expand(shape).toFlatArray();
        const yb = typeof y === 'number' ? null : (y as Tensor).expand(shape).toFlatArray();
        const ref = atLevel('ref', () => runBinary(op, x, y, p).toFlatArray());
        for (const level of LEVELS) {
          const fast = atLevel(level, () => runBinary(op, x, y, p));
          expect(fast.shape).toEqual(shape);
          expectMatch(`${op} ${desc} @${level}`, fast.toFlatArray(), ref, (i) => binaryTol(kind, ref[i], xb[i], yb ? yb[i] : 2.5));
        }
      }
    });
  }
  it('special values in both operands', () => {
    const s = Float32Array.from(SPECIALS);
    const n = s.length;
    // every pair (g, y) of specials (see binaryTol for the one exclusion)
    const g = new Float32Array(n * n), y = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { g[i * n + j] = s[i]; y[i * n + j] = s[j]; }
    const G = nr.fromArray(g, [n * n]), Y = nr.fromArray(y, [n * n]);
    for (const [op, p, kind] of BINARY) {
      const ref = atLevel('ref', () => runBinary(op, G, Y, p).toFlatArray());
      for (const level of LEVELS) {
        const fast = atLevel(level, () => runBinary(op, G, Y, p).toFlatArray());
        const bad: string[] = [];
        for (let i = 0; i < n * n && bad.length < 5; i++) {
          if (!same(fast[i], ref[i], binaryTol(kind, ref[i], g[i], y[i]))) bad.push(`${op}(${g[i]}, ${y[i]}) @${level}: fast ${fast[i]} ref ${ref[i]}`);
        }
        expect(bad, bad.join('; ')).toEqual([]);
      }
    }
  });
  it('in-place into a non-contiguous output', () => {
    for (const level of LEVELS) {
      const base = valuesTensor([37, 40], 13, false);
      const ref = atLevel('ref', () => { const t = base.clone().transpose(0, 1); runBinary('add', t, valuesTensor([37], 14, false), { out: t }); return t.toFlatArray(); });
      const got = atLevel(level, () => { const t = base.clone().transpose(0, 1); runBinary('add', t, valuesTensor([37], 14, false), { out: t }); return t.toFlatArray(); });
      expect(got).toEqual(ref);
    }
  });
});

describe('other dtypes take the generic threaded path and match ref', () => {
  it('float64, int32, int64 unary and binary ops, tensor and scalar operands', () => {
    for (const dtype of ['float64', 'int32', 'int64'] as const) {
      const v = valuesTensor([64, 37], 81, false).clamp(-1000, 1000);
      const x = v.to(dtype);
      const y = valuesTensor([37], 82, false).clamp(-1000, 1000).to(dtype);
      const c = valuesTensor([64, 1], 83, false).clamp(-1000, 1000).to(dtype);
      const cases: [string, () => Tensor][] = [
        ['add', () => runBinary('add', x, y)], ['mul scalar', () => runBinary('mul', x, 3)], ['sub column', () => runBinary('sub', x, c)],
        ['maximum', () => runBinary('maximum', x, y)], ['lt', () => runBinary('lt', x, y)], ['eq scalar', () => runBinary('eq', x, 0)],
        ['neg', () => runUnary('neg', x)], ['abs', () => runUnary('abs', x)],
      ];
      if (dtype === 'float64') cases.push(['exp', () => runUnary('exp', x.div(100))], ['gelu_bw', () => runBinary('gelu_bw', x, y)]);
      for (const [name, f] of cases) {
        const ref = atLevel('ref', f).toFlatArray();
        for (const level of LEVELS) expect(atLevel(level, f).toFlatArray(), `${name} ${dtype} @${level}`).toEqual(ref);
      }
    }
  });
});

describe('comparisons and logical ops: fast vs ref (exact)', () => {
  it('all ops, broadcast shapes, specials', () => {
    const shapes: [number[], number[]][] = [[[1003], [1003]], [[64, 37], [37]], [[64, 37], [64, 1]], [[64, 37], []], [[100, 3], [3]]];
    for (const op of COMPARE) {
      for (const [xs, ys] of shapes) {
        const x = valuesTensor(xs, 21), y = valuesTensor(ys, 21);  // same seed: many equal pairs
        const ref = atLevel('ref', () => runBinary(op, x, y));
        expect(ref.dtype).toBe('bool');
        for (const level of LEVELS) {
          const fast = atLevel(level, () => runBinary(op, x, y));
          expect(fast.dtype).toBe('bool');
          expect(fast.toFlatArray(), `${op} ${xs}/${ys} @${level}`).toEqual(ref.toFlatArray());
          expect(atLevel(level, () => runBinary(op, x, 0.5)).toFlatArray()).toEqual(atLevel('ref', () => runBinary(op, x, 0.5)).toFlatArray());
        }
      }
    }
  });
});

describe('reductions: fast levels vs ref', () => {
  // [shape, dims, transform]: inner-run layouts, outer (column-wise) layouts, split long reductions,
  // generic fallbacks, non-contiguous inputs
  const CASES: [number[], number | number[] | null, ((x: Tensor) => Tensor)?][] = [
    [[1000], null],
    [[200003], null],                      // one long run, chunked across threads
    [[64, 37], 1], [[64, 37], 0],           // inner / outer (bias gradient)
    [[64, 5], 0], [[64, 5], 1],             // short rows: generic kernel
    [[300, 1000], 0],                       // outer with row chunks
    [[4, 6, 50], [0, 1]], [[4, 6, 50], [0, 2]], [[4, 6, 50], 1], [[4, 6, 50], 2],
    [[2, 3, 40000], [0, 2]],                // several long runs per output, split by runs
    [[37, 64], 1, (x) => x.transpose(0, 1)], [[37, 64], 0, (x) => x.transpose(0, 1)],
    [[40, 90], 1, (x) => x.narrow(1, 5, 70)],
    [[0, 37], 1], [[37, 0], 1], [[], null], [[1], 0],
  ];
  type R = [string, (x: Tensor, d: any) => Tensor, 'exact' | 'sum' | 'lse'];
  const OPS: R[] = [
    ['sum', (x, d) => x.sum(d), 'sum'],
    ['mean', (x, d) => x.mean(d), 'sum'],
    ['var', (x, d) => x.var(d), 'sum'],
    ['var(correction 0)', (x, d) => x.var(d, { correction: 0 }), 'sum'],
    ['norm 2', (x, d) => x.norm(2, d), 'sum'],
    ['norm 1', (x, d) => x.norm(1, d), 'sum'],
    ['norm 0', (x, d) => x.norm(0, d), 'exact'],
    ['norm inf', (x, d) => x.norm(Infinity, d), 'exact'],
    ['norm -inf', (x, d) => x.norm(-Infinity, d), 'exact'],
    ['norm 3 (generic)', (x, d) => x.norm(3, d), 'sum'],
    ['logsumexp', (x, d) => x.logsumexp(d ?? [...Array(x.ndim).keys()]), 'lse'],
    ['amax', (x, d) => x.amax(d), 'exact'],
    ['amin', (x, d) => x.amin(d), 'exact'],
    ['argmax', (x, d) => (typeof d === 'number' || d === null ? x.argmax(d ?? undefined) : x.flatten().argmax()), 'exact'],
    ['argmin', (x, d) => (typeof d === 'number' || d === null ? x.argmin(d ?? undefined) : x.flatten().argmin()), 'exact'],
    ['max(dim).values', (x, d) => x.max(typeof d === 'number' ? d : 0).values, 'exact'],
    ['max(dim).indices', (x, d) => x.max(typeof d === 'number' ? d : 0).indices, 'exact'],
    ['min(dim).indices', (x, d) => x.min(typeof d === 'number' ? d : 0).indices, 'exact'],
  ];
  const needsElems = new Set(['amax', 'amin', 'argmax', 'argmin', 'max(dim).values', 'max(dim).indices', 'min(dim).indices']);
  for (const [name, f, kind] of OPS) {
    it(name, () => {
      for (const [shape, dims, tf] of CASES) {
        if (needsElems.has(name) && shape.includes(0)) continue;
        if (name.startsWith('max(dim)') || name.startsWith('min(dim)')) { if (shape.length === 0) continue; }
        const base = valuesTensor(shape, 31, false);
        const x = tf ? tf(base) : base;
        const scale = atLevel('ref', () => (x.numel() ? x.abs().amax().item() as number : 0));
        const ref = atLevel('ref', () => f(x, dims));
        const r = ref.toFlatArray();
        for (const level of LEVELS) {
          const got = atLevel(level, () => f(x, dims));
          expect(got.shape).toEqual(ref.shape);
          expect(got.dtype).toBe(ref.dtype);
          const g = got.toFlatArray();
          const tol = (i: number) => kind === 'exact' ? 0 : kind === 'sum' ? 2 * ulp32(r[i]) + 1e-12 * scale * Math.max(1, x.numel()) : 4 * ulp32(r[i]) + 2e-7;
          const bad: string[] = [];
          for (let i = 0; i < r.length && bad.length < 3; i++) if (!close(g[i], r[i], tol(i))) bad.push(`[${i}] ${g[i]} vs ref ${r[i]}`);
          expect(bad, `${name} ${JSON.stringify(shape)} dims ${JSON.stringify(dims)} @${level}: ${bad.join('; ')}`).toEqual([]);
        }
      }
    });
  }
  it('NaN, infinities and ties follow the reference (first NaN / first extremum wins)', () => {
    // rows long enough for the SIMD layouts; each row plants specials at chosen positions
    const n = 40;
    const rows: number[][] = [];
    const plant = (pos: [number, number][]) => { const r = Array.from({ length: n }, (_, i) => Math.sin(i) * 3); for (const [p, v] of pos) r[p] = v; rows.push(r); };
    plant([[7, NaN], [20, NaN], [30, 100]]);          // NaN first: amax NaN, argmax 7
    plant([[5, 9], [25, 9]]);                          // tie: argmax 5
    plant([[3, Infinity], [33, -Infinity]]);          // logsumexp inf
    plant(Array.from({ length: n }, (_, i) => [i, -Infinity] as [number, number]));  // all -inf
    plant([[0, -0], [1, 0], [17, -5]]);                // signed zeros
    plant([[39, NaN]]);                                // NaN in the tail
    const x = nr.tensor(rows, { dtype: 'float32' });
    const xt = x.transpose(0, 1).contiguous();         // same data as columns: the outer layout
    const fns: [string, (t: Tensor, d: number) => Tensor][] = [
      ['amax', (t, d) => t.amax(d)], ['amin', (t, d) => t.amin(d)], ['argmax', (t, d) => t.argmax(d)], ['argmin', (t, d) => t.argmin(d)],
      ['logsumexp', (t, d) => t.logsumexp(d)], ['sum', (t, d) => t.sum(d)], ['norm inf', (t, d) => t.norm(Infinity, d)],
      ['var', (t, d) => t.var(d)], ['max.indices', (t, d) => t.max(d).indices],
    ];
    for (const [name, f] of fns) {
      const ref = atLevel('ref', () => f(x, 1).toFlatArray());
      for (const level of LEVELS) {
        for (const [t, d] of [[x, 1], [xt, 0]] as [Tensor, number][]) {
          const got = atLevel(level, () => f(t, d).toFlatArray());
          ref.forEach((v, i) => expect(close(got[i], v, Math.abs(v) * 1e-6), `${name} row ${i} @${level} dim ${d}: ${got[i]} vs ${v}`).toBe(true));
        }
      }
    }
    expect(x.argmax(1).toFlatArray().slice(0, 2)).toEqual([7, 5]);
    expect(x.logsumexp(1).toFlatArray()[2]).toBe(Infinity);
    expect(x.logsumexp(1).toFlatArray()[3]).toBe(-Infinity);
  });
  it('results do not depend on the thread count', () => {
    const x = valuesTensor([300003], 77, false);
    const y = valuesTensor([2000, 300], 78, false);
    const prev = nr.backend.getNumThreads();
    const run = () => [x.sum().item(), x.var().item(), x.logsumexp(0).item(), ...y.sum(0).toFlatArray().slice(0, 5)];
    nr.backend.setNumThreads(1);
    const a = run();
    nr.backend.setNumThreads(3);
    const b = run();
    nr.backend.setNumThreads(prev);
    expect(b).toEqual(a);
  });
});

// Direct kernel calls (no autograd) so forward and backward kernels are compared separately.
function softmaxKernel(x: Tensor, dim: number, log: boolean): Tensor {
  const out = nr.empty(x.shape as number[], { dtype: x.dtype });
  args().num(dim).num(log ? 1 : 0).view(out).view(x);
  native().softmax(out.storage.buf, x.storage.buf);
  return out;
}
function softmaxBackwardKernel(g: Tensor, y: Tensor, dim: number, log: boolean): Tensor {
  const gx = nr.empty(y.shape as number[], { dtype: y.dtype });
  args().num(dim).num(log ? 1 : 0).view(gx).view(g).view(y);
  native().softmaxBackward(gx.storage.buf, g.storage.buf, y.storage.buf);
  return gx;
}
function scanKernel(x: Tensor, dim: number, prod: boolean, reverse: boolean): Tensor {
  const out = nr.empty(x.shape as number[], { dtype: x.dtype });
  args().num(prod ? 1 : 0).num(dim).num(reverse ? 1 : 0).view(out).view(x);
  native().scan(out.storage.buf, x.storage.buf);
  return out;
}
function cumprodBackwardKernel(g: Tensor, x: Tensor, dim: number): Tensor {
  const gx = nr.empty(x.shape as number[], { dtype: x.dtype });
  args().num(dim).view(gx).view(g).view(x);
  native().cumprodBackward(gx.storage.buf, g.storage.buf, x.storage.buf);
  return gx;
}

// [shape, dim, transform]: rows (dim last), column blocks (dim inner), narrow inner (generic),
// threaded sizes, several column blocks, non-contiguous and empty inputs.
const LINE_CASES: [number[], number, ((x: Tensor) => Tensor)?][] = [
  [[1], 0], [[17], 0], [[5, 37], 1], [[5, 37], 0], [[3, 50, 40], 0], [[3, 50, 40], 1], [[3, 50, 40], 2],
  [[4, 3, 5], 1], [[200, 300], 1], [[300, 200], 0], [[3, 700], 0], [[37, 5], 1, (x) => x.transpose(0, 1)],
  [[20, 30], 1, (x) => x.narrow(1, 2, 25)], [[0, 5], 1], [[6, 0], 1],
];

describe('softmax kernels: fast levels vs ref', () => {
  for (const log of [false, true]) {
    const name = log ? 'log_softmax' : 'softmax';
    it(`${name} forward and backward`, () => {
      for (const [shape, dim, tf] of LINE_CASES) {
        const base = valuesTensor(shape, 51, false).mul(0.05);   // spread of logits up to ~1e28
        const x = tf ? tf(base) : base;
        const g = valuesTensor(x.shape as number[], 52, false);
        const yRef = atLevel('ref', () => softmaxKernel(x, dim, log));
        const r = yRef.toFlatArray();
        const gxRef = atLevel('ref', () => softmaxBackwardKernel(g, yRef, dim, log)).toFlatArray();
        const gs = g.toFlatArray();
        for (const level of LEVELS) {
          const y = atLevel(level, () => softmaxKernel(x, dim, log)).toFlatArray();
          expectMatch(`${name} ${shape} dim ${dim} @${level}`, y, r, (i) => (log ? 4 * ulp32(r[i]) + 4e-7 : 4 * ulp32(r[i]) + 1e-44));
          const gx = atLevel(level, () => softmaxBackwardKernel(g, yRef, dim, log)).toFlatArray();
          expectMatch(`${name} backward ${shape} dim ${dim} @${level}`, gx, gxRef,
            (i) => (log ? 4 * ulp32(gxRef[i]) + 4 * ulp32(Math.abs(gs[i]) + Math.abs(gxRef[i])) : 2 * ulp32(gxRef[i]) + 1e-44));
        }
      }
    });
  }
  it('special values: -inf masks, +inf, NaN, all -inf rows (fast layouts)', () => {
    const n = 40;
    const rows: number[][] = [];
    const plant = (pos: [number, number][]) => { const r = Array.from({ length: n }, (_, i) => Math.cos(i) * 5); for (const [p, v] of pos) r[p] = v; rows.push(r); };
    plant([[3, -Infinity], [17, -Infinity], [39, -Infinity]]);
    plant([[20, Infinity]]);
    plant([[5, NaN]]);
    plant(Array.from({ length: n }, (_, i) => [i, -Infinity] as [number, number]));
    plant([[0, 3e38], [1, -3e38]]);
    plant([[38, 1e-40]]);
    const x = nr.tensor(rows, { dtype: 'float32' });
    const xt = x.transpose(0, 1).contiguous();
    for (const log of [false, true]) {
      const ref = atLevel('ref', () => softmaxKernel(x, 1, log)).toFlatArray();
      const refT = atLevel('ref', () => softmaxKernel(xt, 0, log)).transpose(0, 1).contiguous().toFlatArray();
      expect(refT.map(String)).toEqual(ref.map(String));
      for (const level of LEVELS) {
        const got = atLevel(level, () => softmaxKernel(x, 1, log)).toFlatArray();
        const gotT = atLevel(level, () => softmaxKernel(xt, 0, log)).transpose(0, 1).contiguous().toFlatArray();
        for (const [arr, what] of [[got, 'rows'], [gotT, 'cols']] as [number[], string][]) {
          arr.forEach((v, i) => expect(close(v, ref[i], 4 * ulp32(ref[i]) + 4e-7), `${log ? 'log_' : ''}softmax ${what} [${i}] @${level}: ${v} vs ${ref[i]}`).toBe(true));
        }
      }
    }
  });
});

describe('scan kernels: fast levels vs ref (exact)', () => {
  it('cumsum / cumprod, forward and reverse, all compute dtypes', () => {
    for (const dtype of ['float32', 'float64', 'int32', 'int64'] as const) {
      for (const [shape, dim, tf] of LINE_CASES) {
        if (dtype !== 'float32' && shape.reduce((a, b) => a * b, 1) > 10000) continue;  // big shapes: float32 only
        const v = valuesTensor(shape, 61, false);
        const base = dtype.startsWith('int') ? v.clamp(-50, 50).to(dtype) : v.to(dtype);
        const x = tf ? tf(base) : base;
        for (const prod of [false, true]) {
          for (const reverse of [false, true]) {
            const ref = atLevel('ref', () => scanKernel(x, dim, prod, reverse)).toFlatArray();
            for (const level of LEVELS) {
              const got = atLevel(level, () => scanKernel(x, dim, prod, reverse)).toFlatArray();
              expect(got, `${prod ? 'cumprod' : 'cumsum'}${reverse ? ' reverse' : ''} ${dtype} ${shape} dim ${dim} @${level}`).toEqual(ref);
            }
          }
        }
      }
    }
  });
  it('float64 softmax (generic threaded path) matches ref', () => {
    for (const [shape, dim] of [[[5, 37], 1], [[3, 50, 40], 1], [[4, 3, 5], 1]] as [number[], number][]) {
      const x = valuesTensor(shape, 91, false).to('float64').mul(0.01);
      for (const log of [false, true]) {
        const ref = atLevel('ref', () => softmaxKernel(x, dim, log)).toFlatArray();
        for (const level of LEVELS) expect(atLevel(level, () => softmaxKernel(x, dim, log)).toFlatArray()).toEqual(ref);
      }
    }
  });
  it('cumprod backward', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [shape, dim, tf] of LINE_CASES) {
        const base = valuesTensor(shape, 71, true).to(dtype);
        const x = tf ? tf(base) : base;
        const g = valuesTensor(x.shape as number[], 72, false).to(dtype);
        const ref = atLevel('ref', () => cumprodBackwardKernel(g, x, dim)).toFlatArray();
        for (const level of LEVELS) {
          expect(atLevel(level, () => cumprodBackwardKernel(g, x, dim)).toFlatArray(), `${dtype} ${shape} dim ${dim} @${level}`).toEqual(ref);
        }
      }
    }
  });
});
