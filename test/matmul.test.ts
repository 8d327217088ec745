// Matrix products: fast GEMM kernels (every available level) against the reference kernel on
// random shapes and layouts, torch.matmul's shape rules and errors, hand-checked values, integer
// matmul, and float64 gradient checks for matmul (all rank combinations), mm, bmm, mv, dot, outer,
// addmm and linear, including transposed, strided and broadcast operands.
import { describe, it, expect, afterAll } from 'vitest';
import * as nr from '../src/index';
import type { Tensor, DType } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';

const initialLevel = nr.backend.cpuInfo().active as nr.backend.KernelLevel;
afterAll(() => { nr.backend.setKernelLevel(initialLevel); });

/** Kernel levels this CPU supports besides 'ref'. */
function fastLevels(): nr.backend.KernelLevel[] {
  const out: nr.backend.KernelLevel[] = [];
  for (const l of ['base', 'avx2', 'avx512', 'neon'] as nr.backend.KernelLevel[]) {
    if (nr.backend.setKernelLevel(l)) out.push(l);
  }
  nr.backend.setKernelLevel(initialLevel);
  return out;
}

interface Layout { trans?: boolean; step?: boolean; rows0?: boolean; }

/**
 * A (…batch, rows, cols) operand with the given layout: `trans` builds it as the transpose of a
 * contiguous (…, cols, rows) tensor, `step` takes every other column of a wider tensor, `rows0`
 * repeats one row (row stride 0, an expanded view).
 */
function operand(batch: number[], rows: number, cols: number, dtype: DType, lay: Layout): Tensor {
  if (lay.rows0) return operand(batch, 1, cols, dtype, { ...lay, rows0: false }).expand([...batch, rows, cols]);
  const inner = lay.trans ? [cols, rows * (lay.step ? 2 : 1)] : [rows, cols * (lay.step ? 2 : 1)];
  const shape = [...batch, ...inner];
  let t = dtype === 'float32' || dtype === 'float64'
    ? nr.uniform(shape, -1, 1, { dtype })
    : nr.randint(-6, 7, shape, { dtype });
  if (lay.step) t = t.slice(-1, 0, undefined, 2);
  if (lay.trans) t = t.transpose(-2, -1);
  expect(t.shape).toEqual([...batch, rows, cols]);
  return t;
}

function maxAbsDiff(x: number[], y: number[]): number {
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Naive matmul of two 2-D row-major arrays, in double. */
function naive(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0] ? b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)) : []);
}

describe('fast GEMM kernels match the reference kernel', () => {
  const levels = fastLevels();
  // [batchA, batchB, M, K, N, layoutA, layoutB]
  const cases: [number[], number[], number, number, number, Layout, Layout][] = [
    [[], [], 1, 1, 1, {}, {}],
    [[], [], 1, 37, 50, {}, {}],            // one row: GEMV path
    [[], [], 45, 19, 1, {}, {}],            // one column
    [[], [], 1, 33, 70, { trans: true }, { trans: true }],
    [[], [], 70, 33, 1, { trans: true }, { step: true }],
    [[], [], 7, 13, 17, {}, {}],
    [[], [], 7, 13, 17, { trans: true }, {}],
    [[], [], 7, 13, 17, {}, { trans: true }],
    [[], [], 7, 13, 17, { trans: true }, { trans: true }],
    [[], [], 23, 31, 29, { step: true }, { step: true }],
    [[], [], 23, 31, 29, { step: true, trans: true }, { step: true, trans: true }],
    [[], [], 65, 130, 129, {}, {}],
    [[], [], 128, 78, 96, {}, { trans: true }],
    [[], [], 97, 40, 67, { trans: true }, {}],
    [[], [], 13, 600, 700, {}, {}],         // several depth blocks and column slabs
    [[], [], 40, 700, 90, { trans: true }, { trans: true }],
    [[], [], 3, 100000, 5, { trans: true }, {}],   // very deep: split into depth chunks
    [[], [], 29, 40, 37, { rows0: true }, {}],   // broadcast rows (stride 0) in A and in B
    [[], [], 29, 40, 37, { rows0: true, step: true }, { rows0: true }],
    [[], [], 5, 0, 7, {}, {}],              // K = 0: zeros
    [[], [], 0, 4, 7, {}, {}],
    [[], [], 6, 4, 0, {}, {}],
    [[3], [3], 9, 11, 21, {}, {}],
    [[3], [1], 9, 11, 21, {}, { trans: true }],   // broadcast batch (stride 0)
    [[2, 1], [1, 4], 5, 6, 7, { trans: true }, {}],
    [[4], [], 17, 9, 33, {}, {}],           // batched x matrix (folded into one GEMM)
    [[], [4], 17, 9, 33, { step: true }, {}],
    [[40], [40], 3, 5, 4, {}, { trans: true }],   // many small matrices (batch split over threads)
    [[2], [2], 0, 3, 3, {}, {}],
  ];
  for (const dtype of ['float32', 'float64', 'int32', 'int64'] as DType[]) {
    it(`${dtype}: every level against ref on random shapes and layouts`, () => {
      nr.manualSeed(7);
      for (const [ba, bb, M, K, N, la, lb] of cases) {
        const a = operand(ba, M, K, dtype, la), b = operand(bb, K, N, dtype, lb);
        nr.backend.setKernelLevel('ref');
        const want = nr.matmul(a, b);
        const ref = want.toFlatArray();
        for (const level of levels) {
          nr.backend.setKernelLevel(level);
          const got = nr.matmul(a, b);
          expect(got.shape).toEqual(want.shape);
          expect(got.dtype).toBe(dtype);
          const tol = dtype === 'float32' ? 2e-6 * (K + 4) : dtype === 'float64' ? 1e-13 * (K + 4) : 0;
          const err = maxAbsDiff(got.toFlatArray(), ref);
          if (!(err <= tol)) throw new Error(`${level} ${dtype} case ${JSON.stringify([ba, bb, M, K, N, la, lb])}: max error ${err} > ${tol}`);
        }
        nr.backend.setKernelLevel(initialLevel);
      }
    });
  }

  it('matches a naive product (hand-checkable values) on every level', () => {
    const a = [[1, 2, 3], [4, 5, 6]], b = [[7, 8], [9, 10], [11, 12]];
    for (const level of ['ref', ...levels] as nr.backend.KernelLevel[]) {
      nr.backend.setKernelLevel(level);
      expect(nr.tensor(a, { dtype: 'float32' }).matmul(nr.tensor(b, { dtype: 'float32' })).toArray()).toEqual([[58, 64], [139, 154]]);
      expect(nr.tensor(a).matmul(nr.tensor(b)).toArray()).toEqual([[58, 64], [139, 154]]);   // int64
    }
    nr.backend.setKernelLevel(initialLevel);
    expect(naive(a, b)).toEqual([[58, 64], [139, 154]]);
  });

  it('addmm and linear use alpha/beta and the bias on every level', () => {
    nr.manualSeed(3);
    const x = nr.randn([37, 21]), w = nr.randn([19, 21]), bias = nr.randn([19]), inp = nr.randn([37, 19]);
    nr.backend.setKernelLevel('ref');
    const refLin = nr.linear(x, w, bias).toFlatArray();
    const refAdd = nr.addmm(inp, x, w.t(), { beta: 0.5, alpha: -2 }).toFlatArray();
    const refRow = nr.addmm(bias, x, w.t(), { alpha: 3 }).toFlatArray();          // bias fused in the kernel
    const strided = nr.randn([38]).slice(0, 0, undefined, 2);                        // non-contiguous bias
    const refStrided = nr.linear(x, w, strided).toFlatArray();
    for (const level of levels) {
      nr.backend.setKernelLevel(level);
      expect(maxAbsDiff(nr.linear(x, w, bias).toFlatArray(), refLin)).toBeLessThan(1e-4);
      expect(maxAbsDiff(nr.addmm(inp, x, w.t(), { beta: 0.5, alpha: -2 }).toFlatArray(), refAdd)).toBeLessThan(1e-4);
      expect(maxAbsDiff(nr.addmm(bias, x, w.t(), { alpha: 3 }).toFlatArray(), refRow)).toBeLessThan(1e-4);
      expect(maxAbsDiff(nr.addmm(bias.reshape([1, 19]), x, w.t(), { alpha: 3 }).toFlatArray(), refRow)).toBeLessThan(1e-4);
      expect(maxAbsDiff(nr.linear(x, w, strided).toFlatArray(), refStrided)).toBeLessThan(1e-4);
      // one row / one column of C (GEMV path) with a bias
      expect(maxAbsDiff(nr.linear(x.narrow(0, 0, 1), w, bias).toFlatArray(), refLin.slice(0, 19))).toBeLessThan(1e-4);
    }
    const one = nr.linear(x, w.narrow(0, 0, 1), bias.narrow(0, 0, 1)).toFlatArray();
    expect(maxAbsDiff(one, Array.from({ length: 37 }, (_, i) => refLin[i * 19]))).toBeLessThan(1e-4);
    nr.backend.setKernelLevel(initialLevel);
    // linear(x, w, b) == x·wᵀ + b, computed with other ops
    const other = x.matmul(w.t()).add(bias).toFlatArray();
    expect(maxAbsDiff(nr.linear(x, w, bias).toFlatArray(), other)).toBeLessThan(1e-4);
  });
});

describe('torch.matmul shape rules', () => {
  const cases: [number[], number[], number[]][] = [
    [[3], [3], []],
    [[2, 3], [3], [2]],
    [[3], [3, 4], [4]],
    [[2, 3], [3, 4], [2, 4]],
    [[5, 2, 3], [3], [5, 2]],
    [[3], [5, 3, 4], [5, 4]],
    [[5, 2, 3], [3, 4], [5, 2, 4]],
    [[2, 3], [5, 3, 4], [5, 2, 4]],
    [[5, 1, 2, 3], [4, 3, 2], [5, 4, 2, 2]],
    [[1, 2, 3], [6, 3, 1], [6, 2, 1]],
    [[0, 2, 3], [3, 4], [0, 2, 4]],
  ];
  for (const [sa, sb, so] of cases) {
    it(`${JSON.stringify(sa)} x ${JSON.stringify(sb)} -> ${JSON.stringify(so)}`, () => {
      nr.manualSeed(11);
      const a = nr.randn(sa, { dtype: 'float64' }), b = nr.randn(sb, { dtype: 'float64' });
      const out = nr.matmul(a, b);
      expect(out.shape).toEqual(so);
      // Check values against an explicit loop over the broadcast batch.
      const a4 = sa.length === 1 ? a.unsqueeze(0) : a, b4 = sb.length === 1 ? b.unsqueeze(1) : b;
      const batch = so.length >= 2 || (sa.length > 2 || sb.length > 2) ? nr.broadcastTensors(
        nr.zeros([...a4.shape.slice(0, -2), 1, 1]), nr.zeros([...b4.shape.slice(0, -2), 1, 1]))[0].shape.slice(0, -2) : [];
      const ea = a4.expand([...batch, ...a4.shape.slice(-2)]), eb = b4.expand([...batch, ...b4.shape.slice(-2)]);
      const nb = batch.reduce((x, y) => x * y, 1);
      const fa = ea.reshape([nb, ...a4.shape.slice(-2)]), fb = eb.reshape([nb, ...b4.shape.slice(-2)]);
      const want: number[] = [];
      for (let i = 0; i < nb; i++) {
        const r = naive(fa.select(0, i).toArray() as number[][], fb.select(0, i).toArray() as number[][]);
        for (const row of r) want.push(...row);
      }
      expect(maxAbsDiff(out.toFlatArray(), want)).toBeLessThan(1e-12);
    });
  }

  it('mm, bmm, mv, dot, outer shapes and values', () => {
    const m = nr.tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    const v = nr.tensor([1, -1], { dtype: 'float64' });
    expect(nr.mv(m, v).toArray()).toEqual([-1, -1]);
    expect(m.mv(v).toArray()).toEqual([-1, -1]);
    expect(nr.dot(v, v).item()).toBe(2);
    expect(v.dot(v).shape).toEqual([]);
    expect(nr.outer(v, nr.tensor([1, 2, 3], { dtype: 'float64' })).toArray()).toEqual([[1, 2, 3], [-1, -2, -3]]);
    expect(m.mm(m).toArray()).toEqual([[7, 10], [15, 22]]);
    const bm = nr.stack([m, m.mul(2)]);
    expect(bm.bmm(bm).toArray()).toEqual([[[7, 10], [15, 22]], [[28, 40], [60, 88]]]);
    expect(nr.addmm(nr.tensor([1, 1], { dtype: 'float64' }), m, m, { beta: 2, alpha: 0.5 }).toArray()).toEqual([[5.5, 7], [9.5, 13]]);
    expect(nr.outer(nr.tensor([1, 2]), nr.tensor([0.5])).dtype).toBe('float32');   // promotes like mul
  });

  it('integer matmul is exact', () => {
    const a = nr.tensor([[2 ** 20, 3], [-7, 1]], { dtype: 'int64' }), b = nr.tensor([[2 ** 20, 1], [5, -2]], { dtype: 'int64' });
    expect(a.matmul(b).toArray()).toEqual([[2 ** 40 + 15, 2 ** 20 - 6], [-7 * 2 ** 20 + 5, -9]]);
    const c = nr.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    expect(c.matmul(c).dtype).toBe('int32');
    expect(c.matmul(c).toArray()).toEqual([[7, 10], [15, 22]]);
    const u = nr.tensor([[200, 100]], { dtype: 'uint8' });
    expect(u.matmul(nr.tensor([[1], [1]], { dtype: 'uint8' })).toArray()).toEqual([[44]]);   // wraps mod 256 like torch
  });

  it('float16/bfloat16 compute in float32 and keep their dtype', () => {
    const a = nr.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    for (const dt of ['float16', 'bfloat16'] as DType[]) {
      const r = a.to(dt).matmul(a.to(dt));
      expect(r.dtype).toBe(dt);
      expect(r.toArray()).toEqual([[7, 10], [15, 22]]);
    }
  });

  it('a zero-size K gives zeros, and empty operands give empty results', () => {
    expect(nr.matmul(nr.ones([2, 0]), nr.ones([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(nr.matmul(nr.ones([0, 4]), nr.ones([4, 3])).shape).toEqual([0, 3]);
    expect(nr.dot(nr.ones([0]), nr.ones([0])).item()).toBe(0);
    expect(nr.addmm(nr.ones([2, 3]), nr.ones([2, 0]), nr.ones([0, 3]), { beta: 3 }).toArray()).toEqual([[3, 3, 3], [3, 3, 3]]);
  });

  it('addmm with beta = 0 ignores NaN in the input', () => {
    const r = nr.addmm(nr.full([2, 2], NaN), nr.eye(2), nr.eye(2), { beta: 0 });
    expect(r.toArray()).toEqual([[1, 0], [0, 1]]);
  });
});

describe('bad input', () => {
  const f = (s: number[], dtype: DType = 'float32') => nr.zeros(s, { dtype });
  it('mismatched inner dimensions name the shapes', () => {
    expect(() => nr.matmul(f([2, 3]), f([4, 5]))).toThrow(/matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied \(2x3 and 4x5\)/);
    expect(() => nr.matmul(f([3]), f([4]))).toThrow(/inconsistent tensor size.*\[3\] and \[4\]/);
    expect(() => nr.matmul(f([2, 3]), f([4]))).toThrow(/size mismatch.*\[2, 3\].*\[4\]/);
    expect(() => nr.matmul(f([3]), f([4, 5]))).toThrow(/cannot be multiplied \(1x3 and 4x5\)/);
    expect(() => nr.matmul(f([2, 2, 3]), f([2, 4, 5]))).toThrow(/cannot be multiplied \(2x3 and 4x5\)/);
    expect(() => nr.matmul(f([2, 2, 3]), f([4]))).toThrow(/cannot be multiplied/);
    expect(() => nr.mm(f([2, 3]), f([2, 3]))).toThrow(RangeError);
  });
  it('batch dims that do not broadcast', () => {
    expect(() => nr.matmul(f([2, 2, 3]), f([3, 3, 4]))).toThrow(/batch dimensions of \[2, 2, 3\] and \[3, 3, 4\] cannot be broadcast/);
    expect(() => nr.bmm(f([2, 2, 3]), f([3, 3, 4]))).toThrow(/bmm: batch sizes differ/);
  });
  it('wrong ranks', () => {
    expect(() => nr.matmul(f([]), f([2]))).toThrow(/at least 1-D/);
    expect(() => nr.mm(f([2, 3, 4]), f([4, 2]))).toThrow(/mm: expected 2-D/);
    expect(() => nr.bmm(f([2, 3]), f([3, 2]))).toThrow(/bmm: expected 3-D/);
    expect(() => nr.mv(f([2, 3]), f([3, 1]))).toThrow(/mv: expected a 2-D matrix and a 1-D vector/);
    expect(() => nr.dot(f([2, 3]), f([3]))).toThrow(/dot: 1-D tensors expected/);
    expect(() => nr.outer(f([2, 3]), f([3]))).toThrow(/outer: 1-D tensors expected/);
    expect(() => nr.linear(f([2, 3]), f([3]))).toThrow(/linear: weight must be 2-D/);
    expect(() => nr.linear(f([2, 3]), f([4, 5]))).toThrow(/linear: input of shape \[2, 3\] and weight of shape \[4, 5\]/);
    expect(() => nr.linear(f([2, 3]), f([4, 3]), f([5]))).toThrow(/linear: bias must have shape \[4\]/);
    expect(() => nr.addmm(f([3, 3]), f([2, 3]), f([3, 2]))).toThrow(/addmm: input of shape \[3, 3\] cannot be broadcast/);
  });
  it('dtypes', () => {
    expect(() => nr.matmul(f([2, 2]), f([2, 2], 'float64'))).toThrow(TypeError);
    expect(() => nr.matmul(f([2, 2]), f([2, 2], 'float64'))).toThrow(/same dtype, got float32 and float64/);
    expect(() => nr.matmul(f([2, 2], 'bool'), f([2, 2], 'bool'))).toThrow(/not implemented for bool/);
    expect(() => nr.linear(f([2, 2]), f([2, 2]), f([2], 'float64'))).toThrow(TypeError);
  });
  it('disposed operands', () => {
    const a = f([2, 2]);
    a.dispose();
    expect(() => nr.matmul(a, f([2, 2]))).toThrow(/disposed/);
  });
});

describe('gradients (float64 finite differences)', () => {
  const rankCases: [number[], number[]][] = [
    [[4], [4]], [[3, 4], [4]], [[4], [4, 3]], [[2, 3], [3, 4]],
    [[2, 2, 3], [2, 3, 2]], [[2, 2, 3], [3, 2]], [[2, 3], [2, 3, 2]], [[3], [2, 3, 2]], [[2, 2, 3], [3]],
    [[2, 1, 2, 3], [3, 3, 2]], [[1, 2, 3], [2, 3, 2]],
  ];
  for (const [sa, sb] of rankCases) {
    it(`matmul ${JSON.stringify(sa)} x ${JSON.stringify(sb)}`, () => {
      nr.manualSeed(5);
      gradcheck((a, b) => nr.matmul(a, b), [rand64(sa), rand64(sb)]);
    });
  }
  it('matmul with transposed and strided (non-contiguous) leaves', () => {
    nr.manualSeed(6);
    const a = nr.uniform([4, 3], -1, 1, { dtype: 'float64' }).transpose(0, 1).detach().requiresGrad_(true);
    const b = nr.uniform([4, 6], -1, 1, { dtype: 'float64' }).slice(1, 0, undefined, 2).detach().requiresGrad_(true);
    expect(a.isContiguous()).toBe(false);
    expect(b.isContiguous()).toBe(false);
    gradcheck((x, y) => nr.matmul(x, y), [a, b]);
    gradcheck((x, y) => nr.mm(y.transpose(0, 1), x.transpose(0, 1)), [a, b]);
  });
  it('mm, bmm, mv, dot, outer', () => {
    nr.manualSeed(8);
    gradcheck((a, b) => nr.mm(a, b), [rand64([3, 2]), rand64([2, 4])]);
    gradcheck((a, b) => nr.bmm(a, b), [rand64([2, 3, 2]), rand64([2, 2, 3])]);
    gradcheck((a, b) => nr.bmm(a, b.transpose(1, 2)), [rand64([2, 3, 2]), rand64([2, 3, 2])]);
    gradcheck((a, b) => nr.mv(a, b), [rand64([3, 4]), rand64([4])]);
    gradcheck((a, b) => nr.dot(a, b), [rand64([5]), rand64([5])]);
    gradcheck((a, b) => nr.outer(a, b), [rand64([3]), rand64([2])]);
  });
  it('linear with and without bias, batched input, transposed weight', () => {
    nr.manualSeed(9);
    gradcheck((x, w, b) => nr.linear(x, w, b), [rand64([3, 4]), rand64([2, 4]), rand64([2])]);
    gradcheck((x, w) => nr.linear(x, w), [rand64([2, 2, 4]), rand64([3, 4])]);
    gradcheck((x, w, b) => nr.linear(x, w, b), [rand64([4]), rand64([3, 4]), rand64([3])]);
    const wt = nr.uniform([4, 3], -1, 1, { dtype: 'float64' }).transpose(0, 1).detach().requiresGrad_(true);
    gradcheck((x, w, b) => nr.linear(x.transpose(0, 1), w, b), [rand64([4, 2]), wt, rand64([3])]);
  });
  it('addmm with alpha, beta and a broadcast input', () => {
    nr.manualSeed(10);
    gradcheck((i, a, b) => nr.addmm(i, a, b), [rand64([2, 3]), rand64([2, 4]), rand64([4, 3])]);
    gradcheck((i, a, b) => nr.addmm(i, a, b, { beta: 0.5, alpha: -1.5 }), [rand64([3]), rand64([2, 4]), rand64([4, 3])]);
    gradcheck((i, a, b) => nr.addmm(i, a, b.transpose(0, 1), { beta: 2 }), [rand64([2, 1]), rand64([2, 4]), rand64([3, 4])]);
    gradcheck((i, a, b) => nr.addmm(i, a, b, { alpha: 0.5 }), [rand64([3]), rand64([2, 4]), rand64([4, 3])]);   // fused bias
    gradcheck((i, a, b) => nr.addmm(i, a, b), [rand64([1, 3]), rand64([2, 4]), rand64([4, 3])]);
  });
  it('second derivatives through matmul (createGraph)', () => {
    nr.manualSeed(12);
    const a = rand64([2, 3]), b = rand64([3, 2]);
    const y = nr.matmul(a, b).pow(2).sum();
    y.backward(undefined, { createGraph: true });
    // d/da sum((ab)^2) = 2 (ab) bᵀ; its sum's gradient w.r.t. b is checked against finite differences.
    const ga = a.grad!;
    expect(ga.requiresGrad).toBe(true);
    gradcheck((x, w) => {
      const inner = nr.matmul(x, w);
      return nr.matmul(inner.mul(2), w.transpose(0, 1));
    }, [rand64([2, 3]), rand64([3, 2])]);
  });
});
