// Indexing ops: gather/scatter family, indexSelect/indexAdd/indexFill, tensor indexing (index,
// indexPut), masks, nonzero, oneHot, embedding. Hand-checked values, JS references on random
// shapes, fast kernels vs 'ref', float64 gradchecks and bad-input errors.
import { describe, it, expect, beforeEach } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, leaf64, rand64 } from './util/gradcheck';
import { arr, at, coords, gatherRef, scatterRef, expectLevelsAgree, randomTensor, randomIndex } from './util/indexing_ref';

const T = (v: any, dtype?: any) => nr.tensor(v, dtype ? { dtype } : undefined);
const f32 = (v: any) => nr.tensor(v, { dtype: 'float32' });

beforeEach(() => nr.manualSeed(1234));

describe('gather / scatter (hand-checked)', () => {
  const x = nr.arange(12).reshape([3, 4]).float();
  it('gather along each dim', () => {
    expect(x.gather(1, T([[0, 2], [1, 3], [3, 3]])).toArray()).toEqual([[0, 2], [5, 7], [11, 11]]);
    expect(x.gather(0, T([[2, 0, 1, 0]])).toArray()).toEqual([[8, 1, 6, 3]]);
    expect(nr.gather(x, -1, T([[1], [0]], 'int32')).toArray()).toEqual([[1], [4]]);
    expect(x.gather(1, nr.zeros([3, 0], { dtype: 'int64' })).shape).toEqual([3, 0]);
    expect(nr.tensor(5.5).gather(0, T(0)).item()).toBe(5.5);
  });
  it('scatter with a value, a tensor, and reduce modes', () => {
    const idx = T([[0, 2], [1, 3], [3, 3]]);
    expect(nr.zeros([3, 4]).scatter(1, idx, 5).toArray()).toEqual([[5, 0, 5, 0], [0, 5, 0, 5], [0, 0, 0, 5]]);
    const src = f32([[1, 2], [3, 4], [5, 6]]);
    expect(nr.zeros([3, 4]).scatter(1, idx, src).toArray()).toEqual([[1, 0, 2, 0], [0, 3, 0, 4], [0, 0, 0, 6]]);   // last write wins
    expect(nr.ones([3, 4]).scatter(1, idx, src, { reduce: 'add' }).toArray()).toEqual([[2, 1, 3, 1], [1, 4, 1, 5], [1, 1, 1, 12]]);
    expect(nr.ones([3, 4]).scatter(1, idx, src, { reduce: 'multiply' }).toArray()).toEqual([[1, 1, 2, 1], [1, 3, 1, 4], [1, 1, 1, 30]]);
    // src larger than index: only its leading block is used
    expect(nr.zeros([2, 3]).scatter(0, T([[1, 0]]), f32([[7, 8, 9], [10, 11, 12]])).toArray()).toEqual([[0, 8, 0], [7, 0, 0]]);
  });
  it('scatterAdd sums duplicates; in-place variants write through views', () => {
    const out = nr.zeros([5]).scatterAdd(0, T([0, 1, 0, 4, 0]), f32([1, 2, 3, 4, 5]));
    expect(out.toArray()).toEqual([9, 2, 0, 0, 4]);
    const y = nr.zeros([2, 4]);
    const col = y.narrow(1, 1, 2);   // non-contiguous target
    col.scatter_(0, T([[1, 0]]), 3);
    col.scatterAdd_(1, T([[0, 0], [1, 1]]), f32([[1, 1], [2, 2]]));
    expect(y.toArray()).toEqual([[0, 2, 3, 0], [0, 3, 4, 0]]);
    const i64 = nr.zeros([3], { dtype: 'int64' }).scatterAdd(0, T([2, 2]), T([2 ** 40, 1]));
    expect(i64.toArray()).toEqual([0, 0, 2 ** 40 + 1]);
  });
  it('scatterReduce: sum, prod, mean, amax, amin with and without self', () => {
    const base = f32([1, 2, 3, 4]);
    const idx = T([0, 0, 2, 2, 2]), src = f32([5, 6, 7, NaN, 9].map((v, i) => (i === 3 ? 8 : v)));
    expect(base.scatterReduce(0, idx, src, 'sum').toArray()).toEqual([12, 2, 27, 4]);
    expect(base.scatterReduce(0, idx, src, 'sum', { includeSelf: false }).toArray()).toEqual([11, 2, 24, 4]);
    expect(base.scatterReduce(0, idx, src, 'prod').toArray()).toEqual([30, 2, 1512, 4]);
    expect(base.scatterReduce(0, idx, src, 'mean').toArray()).toEqual([4, 2, 27 / 4, 4]);
    expect(base.scatterReduce(0, idx, src, 'mean', { includeSelf: false }).toArray()).toEqual([5.5, 2, 8, 4]);
    expect(base.scatterReduce(0, idx, src, 'amax').toArray()).toEqual([6, 2, 9, 4]);
    expect(base.scatterReduce(0, idx, src, 'amin').toArray()).toEqual([1, 2, 3, 4]);
    expect(base.scatterReduce(0, idx, src, 'amin', { includeSelf: false }).toArray()).toEqual([5, 2, 7, 4]);
    expect(base.scatterReduce(0, T([1]), f32([NaN]), 'amax').toArray()).toEqual([1, NaN, 3, 4]);
    expect(T([10, 20]).scatterReduce(0, T([0, 0]), T([3, 4]), 'mean').toArray()).toEqual([5, 20]);   // floor for ints
    expect(T([5, 5]).scatterReduce(0, T([0, 0]), T([-(2 ** 60), -(2 ** 61)]), 'amax', { includeSelf: false }).toArray()).toEqual([-(2 ** 60), 5]);
  });
  it('float16 and int dtypes go through the same kernels', () => {
    const h = nr.tensor([1, 2, 3], { dtype: 'float16' });
    expect(h.gather(0, T([2, 0])).toArray()).toEqual([3, 1]);
    expect(h.scatterAdd(0, T([0, 0]), nr.tensor([0.5, 0.25], { dtype: 'float16' })).toArray()).toEqual([1.75, 2, 3]);
    const b = nr.tensor([true, false, true]);
    expect(b.gather(0, T([1, 2])).toArray()).toEqual([false, true]);
    expect(b.scatter(0, T([0]), false).toArray()).toEqual([false, false, true]);
  });
});

describe('indexSelect / indexAdd / indexFill', () => {
  const x = nr.arange(12).reshape([3, 4]).float();
  it('hand-checked values', () => {
    expect(x.indexSelect(0, T([2, 0, 2])).toArray()).toEqual([[8, 9, 10, 11], [0, 1, 2, 3], [8, 9, 10, 11]]);
    expect(x.indexSelect(1, T([3, 0], 'int32')).toArray()).toEqual([[3, 0], [7, 4], [11, 8]]);
    expect(x.t().indexSelect(1, T([1])).toArray()).toEqual([[4], [5], [6], [7]]);
    expect(x.indexSelect(1, T(2)).shape).toEqual([3, 1]);
    expect(x.indexSelect(0, nr.zeros([0], { dtype: 'int64' })).shape).toEqual([0, 4]);
    const acc = nr.zeros([3, 2]).indexAdd(0, T([0, 2, 0]), f32([[1, 2], [3, 4], [5, 6]]), { alpha: 2 });
    expect(acc.toArray()).toEqual([[12, 16], [0, 0], [6, 8]]);
    expect(x.indexFill(1, T([0, 3]), -1).toArray()).toEqual([[-1, 1, 2, -1], [-1, 5, 6, -1], [-1, 9, 10, -1]]);
    const y = nr.zeros([2, 3]);
    y.indexAdd_(1, T([2, 2]), nr.ones([2, 2]));
    y.indexFill_(0, T([0]), 7);
    expect(y.toArray()).toEqual([[7, 7, 7], [0, 0, 2]]);
  });
});

describe('tensor indexing (index / indexPut)', () => {
  const x = nr.arange(24).reshape([2, 3, 4]).float();
  const ref = arr(x);
  it('x[idx], x[:, idx], x[..., idx], x[idx1, idx2] with broadcasting', () => {
    expect(x.index(T([1, 0, -1])).shape).toEqual([3, 3, 4]);
    expect(x.index([T([1, 0, -1])]).toFlatArray()).toEqual([...ref.data.slice(12), ...ref.data.slice(0, 12), ...ref.data.slice(12)]);
    const b = x.index([null, T([2, 0])]);
    expect(b.shape).toEqual([2, 2, 4]);
    expect(b.toArray()).toEqual([[[8, 9, 10, 11], [0, 1, 2, 3]], [[20, 21, 22, 23], [12, 13, 14, 15]]]);
    expect(x.index(['...', T([3, 0])]).toArray()).toEqual([[[3, 0], [7, 4], [11, 8]], [[15, 12], [19, 16], [23, 20]]]);
    // two index tensors broadcast: [[0],[1]] x [0, 2] -> (2, 2)
    const p = x.index([T([[0], [1]]), T([0, 2])]);
    expect(p.shape).toEqual([2, 2, 4]);
    expect(p.index([null, null, 1]).toArray()).toEqual([[1, 9], [13, 21]]);
    // all dims indexed: a gather of single elements
    expect(x.index([T([1, 0]), T([2, 1]), T([3, -4])]).toArray()).toEqual([23, 4]);
  });
  it('non-adjacent index tensors put the broadcast dims first; integers select first (as PyTorch)', () => {
    const r = x.index([T([1, 0]), null, T([3, 3])]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.toArray()).toEqual([[15, 19, 23], [3, 7, 11]]);
    const s = x.index([0, null, T([0, 1, 3, 2, 1])]);
    expect(s.shape).toEqual([3, 5]);
    expect(s.index([1]).toArray()).toEqual([4, 5, 7, 6, 5]);
    const u = x.index([null, 0, T([3, 1])]);
    expect(u.toArray()).toEqual([[3, 1], [15, 13]]);
  });
  it('bool masks, slices, newaxis, int32 and mixed index dtypes', () => {
    const m = x.gt(17);
    expect(x.index(m).toArray()).toEqual([18, 19, 20, 21, 22, 23]);
    const rowMask = T([true, false, true]);
    expect(x.index([null, rowMask]).shape).toEqual([2, 2, 4]);
    expect(x.index([null, rowMask, 0]).toArray()).toEqual([[0, 8], [12, 20]]);
    expect(x.index([{ start: 1 }, { step: 2 }, T([1], 'int32')]).toArray()).toEqual([[[13], [21]]]);
    expect(x.index([T([1], 'int32'), T([0, 2])]).toArray()).toEqual([[12, 13, 14, 15], [20, 21, 22, 23]]);
    expect(x.index(['newaxis', 1, { start: -1 }]).shape).toEqual([1, 1, 4]);
    expect(x.index([]).storage).toBe(x.storage);
    const basic = x.index([1, { start: 0, end: 2 }]);   // integers and slices only: a view
    expect(basic.storage).toBe(x.storage);
    expect(basic.toArray()).toEqual([[12, 13, 14, 15], [16, 17, 18, 19]]);
    expect(x.index(T([], 'int64')).shape).toEqual([0, 3, 4]);
  });
  it('index matches a JS reference on random shapes (incl. empty and non-contiguous)', () => {
    for (const [shape, strided] of [[[4, 5, 3], false], [[3, 6, 2], true], [[0, 3, 2], false], [[5, 1, 4], true]] as [number[], boolean][]) {
      const v = randomTensor(shape, strided);
      const a = arr(v);
      const i0 = randomIndex([2, 3], -shape[1], Math.max(shape[1], 1), strided);
      const i1 = randomIndex([3], 0, shape[2]);
      const got = v.index([null, i0, i1]);
      expect(got.shape).toEqual([shape[0], 2, 3]);
      const I0 = arr(i0), I1 = arr(i1);
      const want = coords([shape[0], 2, 3]).map(([n, p, q]) => {
        const j = at(I0, [p, q]);
        return at(a, [n, j < 0 ? j + shape[1] : j, at(I1, [q])]);
      });
      expect(got.toFlatArray()).toEqual(want);
    }
  });
  it('indexPut_ assigns, accumulates duplicates, and broadcasts values', () => {
    const y = nr.zeros([3, 3]);
    y.indexPut_([T([0, 2, 0]), T([1, 1, 1])], f32([1, 2, 3]), { accumulate: true });
    expect(y.toArray()).toEqual([[0, 4, 0], [0, 0, 0], [0, 2, 0]]);
    y.indexPut_([T([1])], 9);
    expect(y.toArray()).toEqual([[0, 4, 0], [9, 9, 9], [0, 2, 0]]);
    y.indexPut_([y.eq(9)], -1);
    y.indexPut_([null, T([2, 0])], f32([5, 6]));
    expect(y.toArray()).toEqual([[6, 4, 5], [6, -1, 5], [6, 2, 5]]);
    y.indexPut_([0], f32([1, 1, 1]), { accumulate: true });
    expect(y.toArray()[0]).toEqual([7, 5, 6]);
    const z = nr.zeros([2, 3]);
    const o = z.indexPut([T([1, 1]), T([0, 0])], f32([2, 3]));   // duplicates without accumulate: last wins
    expect(o.toArray()).toEqual([[0, 0, 0], [3, 0, 0]]);
    expect(z.toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    const t = nr.zeros([4, 2]).t();   // non-contiguous target
    t.indexPut_([null, T([3, 0])], f32([[1, 2], [3, 4]]));
    expect(t.toArray()).toEqual([[2, 0, 0, 1], [4, 0, 0, 3]]);
  });
  it('maskedFill, maskedSelect, nonzero', () => {
    const v = f32([[1, -2, 3], [-4, 5, -6]]);
    expect(v.maskedFill(v.lt(0), 0).toArray()).toEqual([[1, 0, 3], [0, 5, 0]]);
    expect(v.maskedFill(T([true, false, false]), nr.tensor(9)).toArray()).toEqual([[9, -2, 3], [9, 5, -6]]);
    expect(T([1, 2, 3]).maskedFill(T([false, true, false]), 2.7).toArray()).toEqual([1, 2, 3].map((a, i) => (i === 1 ? 2 : a)));
    const w = v.clone();
    w.maskedFill_(w.gt(2), 100);
    expect(w.toArray()).toEqual([[1, -2, 100], [-4, 100, -6]]);
    expect(v.maskedSelect(v.gt(0)).toArray()).toEqual([1, 3, 5]);
    expect(f32([1, 2]).maskedSelect(T([[true, false], [false, true], [true, true]])).toArray()).toEqual([1, 2, 1, 2]);
    expect(f32([[0, NaN], [-0, 2]]).nonzero().toArray()).toEqual([[0, 1], [1, 1]]);
    expect(nr.zeros([3, 0]).nonzero().shape).toEqual([0, 2]);
    expect(nr.tensor(3).nonzero().shape).toEqual([1, 0]);
    const nz = (nr.arange(6).reshape([2, 3]).t().nonzero({ asTuple: true }) as Tensor[]).map((c) => c.toArray());
    expect(nz).toEqual([[0, 1, 1, 2, 2], [1, 0, 1, 0, 1]]);
    expect(nr.tensor([1, 0, 2], { dtype: 'float16' }).nonzero().toArray()).toEqual([[0], [2]]);
  });
  it('nonzero matches a JS reference on a larger sparse tensor', () => {
    const v = nr.rand([37, 41, 23]).lt(0.1).transpose(0, 2);
    const a = arr(v);
    const want = coords(a.shape).filter((c) => at(a, c) !== 0);
    expect(v.nonzero().toArray()).toEqual(want);
  });
});

describe('oneHot and embedding', () => {
  it('oneHot', () => {
    const o = nr.oneHot(T([[0, 2], [1, 0]]), 3);
    expect(o.dtype).toBe('int64');
    expect(o.toArray()).toEqual([[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [1, 0, 0]]]);
    expect(nr.oneHot(T([3, 1])).shape).toEqual([2, 4]);
    expect(nr.oneHot(T([], 'int64'), 5).shape).toEqual([0, 5]);
  });
  it('embedding forward and backward (skips paddingIdx)', () => {
    const w = nr.arange(10).reshape([5, 2]).float().requiresGrad_();
    const ids = T([[0, 3], [3, 1], [1, 1]]);
    const e = nr.embedding(ids, w, { paddingIdx: 1 });
    expect(e.shape).toEqual([3, 2, 2]);
    expect(e.toArray()).toEqual([[[0, 1], [6, 7]], [[6, 7], [2, 3]], [[2, 3], [2, 3]]]);
    e.mul(f32([1, 10])).sum().backward();
    expect(w.grad!.toArray()).toEqual([[1, 10], [0, 0], [0, 0], [2, 20], [0, 0]]);
    const w2 = nr.randn([4, 3], { requiresGrad: true });
    nr.embedding(T([3, 3], 'int32'), w2, { paddingIdx: -1 }).sum().backward();
    expect(w2.grad!.toArray()).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  });
});

describe('random shapes: JS reference and fast kernels vs ref', () => {
  const cases: { x: number[]; idx: number[]; dim: number; strided: boolean }[] = [
    { x: [7, 9], idx: [5, 9], dim: 0, strided: false },
    { x: [6, 5, 4], idx: [6, 3, 4], dim: 1, strided: true },
    { x: [4, 6, 5], idx: [3, 6, 2], dim: 2, strided: false },
    { x: [3, 4], idx: [3, 0], dim: 1, strided: false },
    { x: [0, 4], idx: [0, 4], dim: 0, strided: false },
    { x: [33, 17, 5], idx: [33, 40, 5], dim: 1, strided: true },
    { x: [1000], idx: [3000], dim: 0, strided: false },
  ];
  it('gather and scatter/scatterAdd/scatterReduce match the JS reference and every kernel level', () => {
    for (const c of cases) {
      const x = randomTensor(c.x, c.strided);
      const idx = randomIndex(c.idx, 0, c.x[c.dim], c.strided, c.strided ? 'int32' : 'int64');
      const src = randomTensor(c.idx, c.strided);
      const gx = x.gather(c.dim, idx);
      expect(gx.toFlatArray()).toEqual(gatherRef(arr(x), c.dim, arr(idx)));
      const got = nr.zeros(c.x, { dtype: 'float64' }).scatterAdd(c.dim, idx, src.double());
      const want = scatterRef({ shape: c.x, data: new Array(x.numel()).fill(0) }, c.dim, arr(idx), arr(src.double()), (a, v) => a + v);
      got.toFlatArray().forEach((v, i) => expect(v).toBeCloseTo(want[i], 10));
      expect(x.scatter(c.dim, idx, 2.5).toFlatArray()).toEqual(scatterRef(arr(x), c.dim, arr(idx), 2.5));
      expectLevelsAgree(() => [
        x.gather(c.dim, idx), x.scatter(c.dim, idx, src), x.scatterAdd(c.dim, idx, src),
        x.scatterReduce(c.dim, idx, src, 'amax'), x.scatterReduce(c.dim, idx, src, 'prod', { includeSelf: false }),
      ], JSON.stringify(c));
    }
  });
  it('row layouts (indexSelect / indexAdd / embedding) match every kernel level', () => {
    for (const [shape, dim, n, strided] of [[[50, 64], 0, 300, false], [[6, 40, 33], 1, 70, true], [[5, 7], 1, 0, false], [[200, 3], 0, 1000, false]] as [number[], number, number, boolean][]) {
      const x = randomTensor(shape, strided);
      const idx = randomIndex([n], 0, shape[dim], false, 'int32');
      const srcShape = shape.map((s, i) => (i === dim ? n : s));
      const src = randomTensor(srcShape, strided);
      const sel = x.indexSelect(dim, idx);
      const ax = arr(x), ai = arr(idx);
      const want = coords(srcShape).map((c) => { const s = c.slice(); s[dim] = at(ai, [c[dim]]); return at(ax, s); });
      expect(sel.toFlatArray()).toEqual(want);
      expectLevelsAgree(() => [x.indexSelect(dim, idx), x.indexAdd(dim, idx, src), x.indexFill(dim, idx, -3)], `${shape} ${dim}`);
    }
  });
  it('advanced index gather/put and nonzero match every kernel level', () => {
    const x = randomTensor([20, 30, 7], true);
    const i0 = randomIndex([40, 5], -20, 20, true), i1 = randomIndex([5], 0, 30);
    const vals = randomTensor([40, 5, 7], false);
    const mask = nr.rand([20, 30]).lt(0.3);
    const r0 = randomIndex([2000], 0, 5), r1 = randomIndex([2000], 0, 5), rv = nr.randn([2000]);
    // rows of 16 from 300 indices into 12 targets: the put is split over target slices
    const x2 = randomTensor([12, 16], true), i2 = randomIndex([300], -12, 12), v2 = nr.randn([300, 16]);
    expectLevelsAgree(() => [
      x.index([i0, i1]), x.index([null, i1, T([0, 6, 3, 3, 1])]), x.index([i0, null, T([2])]), x.index(mask),
      x.indexPut([i0, i1], vals, { accumulate: true }), x.indexPut([i0, i1], vals), x.indexPut([null, i1], 1, { accumulate: true }),
      nr.zeros([5, 5]).indexPut([r0, r1], rv, { accumulate: true }),
      x2.indexPut([i2], v2, { accumulate: true }), x2.indexPut([i2], v2), x2.index([i2]),
      mask.nonzero(), x.gt(0.5).nonzero(), nr.zeros([0, 3]).nonzero(),
    ]);
  });
});

describe('gradients (float64 gradcheck)', () => {
  const idx2 = T([[0, 2, 1], [1, 1, 0]]);
  it('gather, scatter, scatterAdd (incl. non-contiguous inputs)', () => {
    gradcheck((x) => x.gather(1, idx2), [rand64([2, 4])]);
    gradcheck((x) => x.t().gather(0, T([[0, 1], [2, 2], [1, 0]])), [rand64([2, 4])]);
    // scatter without duplicate targets (with duplicates the last write wins and the gradient is not defined)
    gradcheck((x, s) => x.scatter(1, T([[0, 2, 1], [1, 3, 0]]), s), [rand64([2, 4]), rand64([2, 3])]);
    gradcheck((x, s) => x.scatter(1, T([[0], [3]]), s), [rand64([2, 4]), rand64([2, 3])]);   // src larger than index
    gradcheck((x) => x.scatter(0, T([[1, 0, 1, 0]]), 2), [rand64([3, 4])]);
    gradcheck((x, s) => x.scatterAdd(1, idx2, s.t()), [rand64([2, 4]), rand64([3, 2])]);
    gradcheck((x, s) => x.scatter(1, idx2, s, { reduce: 'add' }), [rand64([2, 4]), rand64([2, 3])]);
  });
  it('scatterReduce sum / mean / amax / amin / prod', () => {
    const idx = T([0, 2, 2, 0, 2]);
    for (const includeSelf of [true, false]) {
      for (const r of ['sum', 'mean', 'amax', 'amin', 'prod'] as const) {
        gradcheck((x, s) => x.scatterReduce(0, idx, s, r, { includeSelf }), [leaf64([0.5, -1.2, 2.1], [3]), leaf64([1.7, -0.3, 0.9, -2.2, 1.3], [5])]);
      }
    }
  });
  it('indexSelect, indexAdd, indexFill, embedding', () => {
    gradcheck((x) => x.indexSelect(0, T([2, 0, 2])), [rand64([3, 2])]);
    gradcheck((x) => x.t().indexSelect(1, T([1, 1], 'int32')), [rand64([3, 2])]);
    gradcheck((x, s) => x.indexAdd(1, T([0, 2, 0]), s, { alpha: -2 }), [rand64([2, 3]), rand64([2, 3])]);
    gradcheck((x) => x.indexFill(0, T([1]), 4), [rand64([3, 2])]);
    gradcheck((w) => nr.embedding(T([[1, 3], [3, 0]]), w, { paddingIdx: 2 }), [rand64([4, 3])]);
  });
  it('index and indexPut (advanced, masks, broadcast values)', () => {
    gradcheck((x) => x.index([T([1, 1, 0])]), [rand64([2, 3])]);
    gradcheck((x) => x.index([null, T([[2], [0]]), T([1, 1])]), [rand64([2, 3, 2])]);
    gradcheck((x) => x.index([T([0, 1]), null, T([1, 0])]), [rand64([2, 3, 2])]);
    gradcheck((x) => x.t().index([x.t().gt(0).detach()]), [rand64([3, 4])]);
    gradcheck((x) => x.index([1, { step: 2 }]), [rand64([2, 5])]);
    gradcheck((x, v) => x.indexPut([T([0, 2])], v), [rand64([3, 2]), rand64([2])]);
    gradcheck((x, v) => x.indexPut([T([0, 2, 0]), T([1, 1, 1])], v, { accumulate: true }), [rand64([3, 2]), rand64([3])]);
    gradcheck((x, v) => x.indexPut([null, T([1])], v), [rand64([3, 2]), rand64([3, 1])]);
  });
  it('maskedFill and maskedSelect', () => {
    const m = T([[true, false, true], [false, false, true]]);
    gradcheck((x) => x.maskedFill(m, 3), [rand64([2, 3])]);
    gradcheck((x, v) => x.maskedFill(T([false, true, false]), v), [rand64([2, 3]), leaf64([0.5], [])]);
    gradcheck((x) => x.maskedSelect(m), [rand64([2, 3])]);
    gradcheck((x) => x.maskedSelect(m), [rand64([3])]);   // x broadcast against the mask
  });
});

describe('bad input', () => {
  const x = nr.arange(12).reshape([3, 4]).float();
  it('out-of-range indices are RangeErrors naming the op, the index and the size', () => {
    expect(() => x.gather(1, T([[0], [4], [1]]))).toThrow(/gather: index 4 is out of bounds for dimension 1 with size 4/);
    expect(() => x.gather(1, T([[-1]]))).toThrow(RangeError);
    expect(() => x.scatter(0, T([[3]]), 1)).toThrow(/scatter: index 3 is out of bounds for dimension 0 with size 3/);
    expect(() => x.scatterAdd(0, T([[2 ** 40]]), f32([[1]]))).toThrow(/index 1099511627776 is out of bounds/);
    expect(() => x.indexSelect(0, T([0, -1]))).toThrow(/indexSelect: index -1 is out of bounds for dimension 0 with size 3/);
    expect(() => x.indexAdd(1, T([9]), nr.ones([3, 1]))).toThrow(/indexAdd: index 9 is out of bounds/);
    expect(() => x.index([null, T([4])])).toThrow(/index: index 4 is out of bounds for dimension 1 with size 4/);
    expect(() => x.index([T([-4])])).toThrow(/index -4 is out of bounds for dimension 0 with size 3/);
    expect(() => x.index([T([0]), T([0, 1, 7], 'int32')])).toThrow(RangeError);
    expect(() => x.index([5])).toThrow(/index 5 is out of bounds/);
    expect(() => x.clone().indexPut_([T([3])], 1)).toThrow(/indexPut_: index 3 is out of bounds/);
    expect(() => nr.embedding(T([0, 5]), nr.zeros([5, 2]))).toThrow(/embedding: index 5 is out of bounds for dimension 0 with size 5/);
    expect(() => nr.oneHot(T([0, 3]), 3)).toThrow(/oneHot: class value 3/);
    expect(() => nr.oneHot(T([-1]))).toThrow(/oneHot: class values must be non-negative/);
    expect(() => nr.zeros([0, 4]).gather(0, T([[0]]))).toThrow(/out of bounds for dimension 0 with size 0/);
    // nothing was written by a rejected in-place scatter
    const y = nr.zeros([3]);
    expect(() => y.scatter_(0, T([0, 1, 5]), 1)).toThrow(RangeError);
    expect(y.toArray()).toEqual([0, 0, 0]);
  });
  it('wrong index dtypes are TypeErrors', () => {
    expect(() => x.gather(1, f32([[0]]))).toThrow(/gather: index must be an int64 or int32 tensor, got float32/);
    expect(() => x.indexSelect(0, T([true]))).toThrow(TypeError);
    expect(() => x.index([f32([0])])).toThrow(/tensors used as indices must be int64, int32 or bool, got float32/);
    expect(() => x.index([T([1], 'uint8')])).toThrow(TypeError);
    expect(() => nr.embedding(f32([0]), nr.zeros([2, 2]))).toThrow(TypeError);
    expect(() => x.maskedFill(T([1, 0, 1, 0]), 0)).toThrow(/mask must be a bool tensor/);
    expect(() => x.scatter(0, T([[0]]), T([[1]]))).toThrow(/must have the same dtype/);
    expect(() => x.gather(0, [0] as any)).toThrow(TypeError);
  });
  it('shape mismatches and dims out of range', () => {
    expect(() => x.gather(2, T([[0]]))).toThrow(/dimension 2 out of range/);
    expect(() => x.gather(1, T([0, 1]))).toThrow(/same number of dimensions/);
    expect(() => x.gather(1, T([[0], [0], [0], [0]]))).toThrow(/must not exceed the input/);
    expect(() => x.scatter(1, T([[0, 1]]), f32([[1]]))).toThrow(/no larger than src/);
    expect(() => x.indexSelect(0, T([[0]]))).toThrow(/index must be a vector/);
    expect(() => x.indexAdd(0, T([0]), nr.ones([1, 3]))).toThrow(/source of shape \[1, 3\] does not match \[1, 4\]/);
    expect(() => x.index([T([0, 1]), T([0, 1, 2])])).toThrow(/cannot be broadcast/);
    expect(() => x.index([0, 0, 0])).toThrow(/too many indices/);
    expect(() => x.index([T([true, false])])).toThrow(/shape of the mask \[2\]/);
    expect(() => x.indexPut([T([0])], f32([1, 2]))).toThrow(RangeError);
    expect(() => x.maskedFill(T([true, false]), 1)).toThrow(RangeError);
    expect(() => nr.embedding(T([0]), nr.zeros([3]))).toThrow(/weight must be 2-D/);
    expect(() => x.scatterReduce(0, T([[0]]), f32([[1]]), 'max' as any)).toThrow(/reduce must be one of/);
    expect(() => x.index(['...', '...'])).toThrow(/single ellipsis/);
  });
  it('in-place ops refuse tensors that require grad; disposed tensors throw', () => {
    const w = nr.zeros([3], { requiresGrad: true });
    expect(() => w.scatter_(0, T([0]), 1)).toThrow(/in-place/);
    expect(() => w.indexPut_([T([0])], 1)).toThrow(/in-place/);
    expect(() => w.maskedFill_(T([true, false, true]), 1)).toThrow(/in-place/);
    nr.noGrad(() => w.scatter_(0, T([1]), 4));
    expect(w.toArray()).toEqual([0, 4, 0]);
    const d = nr.tensor([[0]]);
    d.dispose();
    expect(() => x.gather(1, d)).toThrow(/disposed/);
    expect(() => x.index([d])).toThrow(/disposed/);
  });
});
