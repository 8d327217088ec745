// Sorting and rearranging ops: sort/argsort/msort/topk/kthvalue/unique (NaN largest, stable) and
// flip/roll/repeat/tile/tril/triu. Hand-checked values, a JS stable-sort reference on random rows,
// fast kernels vs 'ref' (incl. long rows that take the parallel merge sort), float64 gradchecks
// and bad-input errors.
import { describe, it, expect, beforeEach } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, leaf64, rand64 } from './util/gradcheck';
import { arr, at, coords, stableOrder, expectLevelsAgree, randomTensor } from './util/indexing_ref';

const T = (v: any, dtype?: any) => nr.tensor(v, dtype ? { dtype } : undefined);
const f32 = (v: any) => nr.tensor(v, { dtype: 'float32' });

beforeEach(() => nr.manualSeed(4321));

/** Values/indices expected from the JS stable order along dim (rows over the other dims). */
function expectSorted(x: Tensor, dim: number, descending: boolean, k: number | null, got: { values: Tensor; indices: Tensor }): void {
  const a = arr(x);
  const d = dim < 0 ? dim + x.ndim : dim;
  const n = x.shape[d];
  const kk = k ?? n;
  const outShape = a.shape.map((s, i) => (i === d ? kk : s));
  const wantV: number[] = [], wantI: number[] = [];
  const orders = new Map<string, number[]>();
  for (const c of coords(outShape)) {
    const key = c.filter((_, i) => i !== d).join(',');
    let ord = orders.get(key);
    if (!ord) {
      const row = Array.from({ length: n }, (_, j) => { const s = c.slice(); s[d] = j; return at(a, s); });
      ord = stableOrder(row, descending);
      orders.set(key, ord);
    }
    const s = c.slice();
    s[d] = ord[c[d]];
    wantI.push(ord[c[d]]);
    wantV.push(at(a, s));
  }
  expect(got.values.shape).toEqual(outShape);
  expect(got.indices.dtype).toBe('int64');
  expect(got.indices.toFlatArray()).toEqual(wantI);
  expect(got.values.toFlatArray()).toEqual(wantV);
}

describe('sort / argsort / topk / kthvalue (hand-checked)', () => {
  it('NaN sorts as the largest value; -0 and 0 tie and keep their order', () => {
    const x = f32([3, NaN, 1, NaN, -0, 0]);
    const a = x.sort();
    expect(a.values.toArray()).toEqual([-0, 0, 1, 3, NaN, NaN]);
    expect(a.indices.toArray()).toEqual([4, 5, 2, 0, 1, 3]);
    const d = nr.sort(x, -1, { descending: true });
    expect(d.values.toArray()).toEqual([NaN, NaN, 3, 1, -0, 0]);
    expect(d.indices.toArray()).toEqual([1, 3, 0, 2, 4, 5]);
    expect(x.argsort(0, { stable: true }).toArray()).toEqual([4, 5, 2, 0, 1, 3]);
  });
  it('long rows with a single differing value (radix passes with one outlier digit)', () => {
    for (const dtype of ['float32', 'float64', 'int32', 'int64'] as const) {
      const x = nr.zeros([200], { dtype });
      x.indexPut_([T([137])], -1);
      const r = x.sort(0);
      expect(r.indices.toArray()).toEqual([137, ...Array.from({ length: 200 }, (_, i) => i).filter((i) => i !== 137)]);
      const d = x.sort(0, { descending: true }).indices.toFlatArray();
      expect(d[199]).toBe(137);
      expect(d.slice(0, 3)).toEqual([0, 1, 2]);
    }
  });
  it('sorts along any dim, and int, bool and float16 dtypes', () => {
    const x = T([[3, 1, 2], [1, 1, 0]]);
    expect(x.sort(1).values.toArray()).toEqual([[1, 2, 3], [0, 1, 1]]);
    expect(x.sort(1).indices.toArray()).toEqual([[1, 2, 0], [2, 0, 1]]);
    expect(x.sort(0, { descending: true }).indices.toArray()).toEqual([[0, 0, 0], [1, 1, 1]]);
    expect(x.int().sort(1, { descending: true }).values.toArray()).toEqual([[3, 2, 1], [1, 1, 0]]);
    expect(T([true, false, true]).sort().values.toArray()).toEqual([false, true, true]);
    expect(T([2 ** 53 + 2, 2 ** 53]).sort().indices.toArray()).toEqual([1, 0]);
    const h = nr.tensor([0.5, -2, 65504], { dtype: 'float16' }).sort();
    expect(h.values.dtype).toBe('float16');
    expect(h.values.toArray()).toEqual([-2, 0.5, 65504]);
    expect(nr.tensor([-1, 2, 0], { dtype: 'bfloat16' }).sort(0, { descending: true }).values.toArray()).toEqual([2, 0, -1]);
    expect(nr.tensor(4.5).sort().values.item()).toBe(4.5);
    expect(nr.zeros([2, 0]).sort(1).values.shape).toEqual([2, 0]);
    expect(T([5, 3, 9]).msort().toArray()).toEqual([3, 5, 9]);
  });
  it('topk: largest or smallest, NaN counts as largest, k = 0 and k = n', () => {
    const x = f32([3, NaN, 1, 5]);
    const t = x.topk(2);
    expect(t.values.toArray()).toEqual([NaN, 5]);
    expect(t.indices.toArray()).toEqual([1, 3]);
    const s = nr.topk(x, 2, -1, { largest: false });
    expect(s.values.toArray()).toEqual([1, 3]);
    expect(s.indices.toArray()).toEqual([2, 0]);
    expect(x.topk(0).values.shape).toEqual([0]);
    expect(x.topk(4, 0, { largest: false }).indices.toArray()).toEqual([2, 0, 3, 1]);
    const m = T([[1, 9, 3], [7, 7, 2]]);
    expect(m.topk(1, 0).values.toArray()).toEqual([[7, 9, 3]]);
    expect(m.topk(2, 1).indices.toArray()).toEqual([[1, 2], [0, 1]]);
  });
  it('kthvalue and unique', () => {
    const x = f32([[4, 1, 3], [2, 2, 0]]);
    const k = x.kthvalue(2, 1);
    expect(k.values.toArray()).toEqual([3, 2]);
    expect(k.indices.toArray()).toEqual([2, 0]);
    expect(nr.kthvalue(x, 1, 0, { keepdim: true }).values.toArray()).toEqual([[2, 1, 0]]);
    const u = nr.unique(T([[3, 1], [3, 2]]), { returnInverse: true, returnCounts: true }) as any;
    expect(u.values.toArray()).toEqual([1, 2, 3]);
    expect(u.inverse.toArray()).toEqual([[2, 0], [2, 1]]);
    expect(u.counts.toArray()).toEqual([1, 1, 2]);
    expect((f32([NaN, 1, NaN, -0, 0]).unique() as Tensor).toArray()).toEqual([0, 1, NaN, NaN].map((v, i) => (i === 0 ? -0 : v)));
    expect((T([2 ** 53 + 2, 2 ** 53, 2 ** 53 + 2]).unique() as Tensor).shape).toEqual([2]);
  });
});

describe('sort: JS reference and fast vs ref on random shapes', () => {
  const shapes: [number[], number][] = [[[17], 0], [[6, 33], 1], [[5, 7, 9], 1], [[40, 3], 0], [[0, 5], 1], [[4, 0], 1], [[3, 1], 1]];
  it('stable order incl. ties and NaN, for float and int dtypes, non-contiguous inputs', () => {
    for (const [shape, dim] of shapes) {
      for (const strided of [false, true]) {
        // few distinct values -> many ties; some NaN
        const x = randomTensor(shape, strided);   // a non-contiguous view when strided
        x.copy_(x.mul(2).round().maskedFill(nr.rand(shape).lt(0.1), NaN));
        for (const desc of [false, true]) {
          expectSorted(x, dim, desc, null, x.sort(dim, { descending: desc }));
          const k = Math.floor(shape[dim] / 2);
          expectSorted(x, dim, desc, k, x.topk(k, dim, { largest: desc }));
        }
        const xi = x.maskedFill(x.ne(x), 0).to('int32');   // NaN -> 0
        expectSorted(xi, dim, true, null, xi.sort(dim, { descending: true }));
        expectLevelsAgree(() => {
          const a = x.sort(dim), b = x.sort(dim, { descending: true }), c = x.topk(Math.min(3, shape[dim]), dim);
          const d = xi.topk(Math.floor(shape[dim] / 3), dim, { largest: false }), e = x.double().sort(dim, { descending: true });
          return [a.values, a.indices, b.values, b.indices, c.values, c.indices, d.values, d.indices, e.values, e.indices];
        }, `${shape} dim ${dim}`);
      }
    }
  });
  it('long rows take the parallel merge sort and still equal the reference', () => {
    const x = nr.randn([90000]).mul(50).round();   // many ties; 5 chunks -> 3 merge rounds
    const y = nr.randint(-1000, 1000, [2, 33000], { dtype: 'int64' });
    expectLevelsAgree(() => {
      const a = x.sort(0), b = x.sort(0, { descending: true }), c = y.sort(1), d = x.topk(100, 0);
      return [a.indices, b.indices, c.indices, d.indices];
    }, 'long rows', [5]);
    const s = x.sort(0).values.toFlatArray();
    expect(s.findIndex((v, i) => i > 0 && s[i - 1] > v)).toBe(-1);
  });
});

describe('flip / roll / repeat / tile / tril / triu', () => {
  const x = nr.arange(6).reshape([2, 3]);
  it('hand-checked values', () => {
    expect(x.flip(0).toArray()).toEqual([[3, 4, 5], [0, 1, 2]]);
    expect(nr.flip(x, [0, -1]).toArray()).toEqual([[5, 4, 3], [2, 1, 0]]);
    expect(x.t().flip(1).toArray()).toEqual([[3, 0], [4, 1], [5, 2]]);
    expect(x.fliplr().toArray()).toEqual([[2, 1, 0], [5, 4, 3]]);
    expect(x.flipud().isContiguous()).toBe(true);
    expect(nr.zeros([0, 2]).flip(0).shape).toEqual([0, 2]);
    expect(x.roll(1, 1).toArray()).toEqual([[2, 0, 1], [5, 3, 4]]);
    expect(x.roll(-4, 1).toArray()).toEqual([[1, 2, 0], [4, 5, 3]]);
    expect(x.roll(2).toArray()).toEqual([[4, 5, 0], [1, 2, 3]]);
    expect(nr.roll(x, [1, 1], [0, 1]).toArray()).toEqual([[5, 3, 4], [2, 0, 1]]);
    expect(T([1, 2]).repeat([2, 2]).toArray()).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]]);
    expect(x.repeat([1, 2]).toArray()).toEqual([[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]);
    expect(x.repeat([2, 1, 0]).shape).toEqual([2, 2, 0]);
    expect(x.tile([2]).toArray()).toEqual([[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]);
    const r = x.repeat([1, 1]);
    expect(r.storage).not.toBe(x.storage);
    const m = nr.ones([3, 4]);
    expect(m.tril().toArray()).toEqual([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]]);
    expect(m.triu(1).toArray()).toEqual([[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1]]);
    expect(nr.tril(m, -1).toArray()).toEqual([[0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0]]);
    expect(nr.ones([2, 2, 2], { dtype: 'bool' }).triu().toArray()).toEqual([[[true, true], [false, true]], [[true, true], [false, true]]]);
    expect(x.triu().dtype).toBe('int64');
  });
  it('match JS references on random non-contiguous inputs', () => {
    const v = randomTensor([4, 5, 3], true);
    const a = arr(v);
    const flipped = v.flip([0, 2]).toFlatArray();
    expect(flipped).toEqual(coords([4, 5, 3]).map(([i, j, k]) => at(a, [3 - i, j, 2 - k])));
    expect(v.roll([2, -1], [1, 2]).toFlatArray()).toEqual(coords([4, 5, 3]).map(([i, j, k]) => at(a, [i, (j + 3) % 5, (k + 1) % 3])));
    expect(v.repeat([2, 1, 1, 2]).toFlatArray()).toEqual(coords([2, 4, 5, 6]).map(([, i, j, k]) => at(a, [i, j, k % 3])));
    expect(v.tril(1).toFlatArray()).toEqual(coords([4, 5, 3]).map(([i, j, k]) => (k - j <= 1 ? at(a, [i, j, k]) : 0)));
  });
});

describe('gradients (float64 gradcheck)', () => {
  it('sort, topk, kthvalue values', () => {
    gradcheck((x) => x.sort(1).values, [rand64([3, 5])]);
    gradcheck((x) => x.t().sort(0, { descending: true }).values, [rand64([3, 4])]);
    gradcheck((x) => x.topk(2, 0).values, [rand64([4, 3])]);
    gradcheck((x) => x.topk(3, -1, { largest: false }).values, [rand64([2, 5])]);
    gradcheck((x) => x.kthvalue(2, 1).values, [rand64([3, 4])]);
    gradcheck((x) => x.sort().values, [leaf64([1.5], [])]);
  });
  it('flip, roll, repeat, tile, tril, triu', () => {
    gradcheck((x) => x.flip([0, 1]), [rand64([3, 4])]);
    gradcheck((x) => x.t().flip(0), [rand64([3, 4])]);
    gradcheck((x) => x.roll([1, -2], [0, 1]), [rand64([3, 4])]);
    gradcheck((x) => x.roll(5), [rand64([2, 3])]);
    gradcheck((x) => x.repeat([2, 1, 3]), [rand64([2, 2])]);
    gradcheck((x) => x.t().tile([2]), [rand64([2, 3])]);
    gradcheck((x) => x.tril(), [rand64([3, 4])]);
    gradcheck((x) => x.transpose(1, 2).triu(-1), [rand64([2, 3, 4])]);
  });
});

describe('bad input', () => {
  const x = f32([[3, 1, 2], [0, 5, 4]]);
  it('k and dims out of range, wrong arguments', () => {
    expect(() => x.topk(4)).toThrow(/topk: k \(4\) out of range for dimension -1 of size 3/);
    expect(() => x.topk(-1)).toThrow(RangeError);
    expect(() => x.topk(1.5)).toThrow(RangeError);
    expect(() => x.kthvalue(0)).toThrow(/kthvalue: k \(0\) out of range/);
    expect(() => x.sort(2)).toThrow(/sort: dimension 2 out of range/);
    expect(() => x.argsort(-3)).toThrow(RangeError);
    expect(() => x.flip([0, 0])).toThrow(/appears multiple times/);
    expect(() => x.flip(3)).toThrow(RangeError);
    expect(() => x.roll([1, 2], [0])).toThrow(/same length/);
    expect(() => x.roll([1, 2])).toThrow(/single number/);
    expect(() => x.repeat([2])).toThrow(/can not be smaller/);
    expect(() => x.repeat([2, -1])).toThrow(RangeError);
    expect(() => f32([1, 2]).tril()).toThrow(/at least 2 dims/);
    expect(() => x.unique({ dim: 0 })).toThrow(/not implemented/);
    const d = f32([1]);
    d.dispose();
    expect(() => d.sort()).toThrow(/disposed/);
    expect(() => d.topk(1)).toThrow(/disposed/);
  });
});
