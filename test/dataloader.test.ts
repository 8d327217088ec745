// Datasets and DataLoader: batching, dropLast, shuffling reproducibility (seeded generator and
// global stream), collate rules, sync and async iteration, Subset/randomSplit, bad input.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';

const { data } = nr;

function ds(n = 10) {
  const x = nr.arange(n * 3, undefined, 1, { dtype: 'float32' }).reshape([n, 3]);
  const y = nr.arange(n);
  return new data.TensorDataset(x, y);
}

const firstCol = (b: Tensor[]) => (b[1].toFlatArray());

describe('TensorDataset', () => {
  it('indexes rows of every tensor', () => {
    const d = ds(4);
    expect(d.length).toBe(4);
    const [x, y] = d.get(2);
    expect(x.toArray()).toEqual([6, 7, 8]);
    expect(y.item()).toBe(2);
    expect(d.get(-1)[1].item()).toBe(3);
    expect(() => d.get(4)).toThrow(/index 4 is out of range for a dataset of length 4/);
    expect(() => d.get(1.5)).toThrow(/integer/);
  });
  it('rejects mismatched or scalar tensors', () => {
    expect(() => new data.TensorDataset(nr.zeros([3, 2]), nr.zeros([4]))).toThrow(/size mismatch/);
    expect(() => new data.TensorDataset(nr.tensor(1))).toThrow(/0-dimensional/);
    expect(() => new data.TensorDataset()).toThrow(/at least one tensor/);
  });
  it('getBatch gathers rows, also from non-contiguous tensors', () => {
    const base = nr.arange(12, undefined, 1, { dtype: 'float32' }).reshape([3, 4]);
    const d = new data.TensorDataset(base.transpose(0, 1), nr.arange(4));
    const [x, y] = d.getBatch([3, 0, 3]);
    expect(x.toArray()).toEqual([[3, 7, 11], [0, 4, 8], [3, 7, 11]]);
    expect(y.toArray()).toEqual([3, 0, 3]);
    expect(y.dtype).toBe('int64');
  });
});

describe('DataLoader batching', () => {
  it('batches in order with a short last batch, or drops it', () => {
    const d = ds(10);
    const l = new data.DataLoader(d, { batchSize: 4 });
    expect(l.length).toBe(3);
    const batches = [...l] as Tensor[][];
    expect(batches.map((b) => b[0].shape)).toEqual([[4, 3], [4, 3], [2, 3]]);
    expect(batches.flatMap(firstCol)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(batches[2][0].toArray()).toEqual([[24, 25, 26], [27, 28, 29]]);
    const dl = new data.DataLoader(d, { batchSize: 4, dropLast: true });
    expect(dl.length).toBe(2);
    expect([...dl].length).toBe(2);
    expect([...new data.DataLoader(d)].length).toBe(10);
  });

  it('the fast getBatch path and the per-sample collate path agree', () => {
    const d = ds(7);
    const slow = new data.MapDataset(d, (s) => s);
    const a = [...new data.DataLoader(d, { batchSize: 3, seed: 4, shuffle: true })] as Tensor[][];
    const b = [...new data.DataLoader(slow, { batchSize: 3, seed: 4, shuffle: true })] as Tensor[][];
    expect(a.map((t) => t.map((x) => x.toArray()))).toEqual(b.map((t) => t.map((x) => x.toArray())));
  });

  it('custom collate receives the samples', () => {
    const d = ds(5);
    const l = new data.DataLoader(d, { batchSize: 2, collateFn: (s: Tensor[][]) => s.map(([, y]) => Number(y.item())) });
    expect([...l]).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('a sampler sets the order', () => {
    const l = new data.DataLoader(ds(5), { batchSize: 2, sampler: [4, 2, 0] });
    expect(l.length).toBe(2);
    expect(([...l] as Tensor[][]).flatMap(firstCol)).toEqual([4, 2, 0]);
  });
});

describe('shuffling', () => {
  const order = (l: any) => ([...l] as Tensor[][]).flatMap(firstCol);
  it('a seed gives the same epochs on every run, a new order each epoch, every sample once', () => {
    const a = new data.DataLoader(ds(20), { batchSize: 6, shuffle: true, seed: 123 });
    const b = new data.DataLoader(ds(20), { batchSize: 6, shuffle: true, seed: 123 });
    const a1 = order(a), a2 = order(a);
    expect(order(b)).toEqual(a1);
    expect(order(b)).toEqual(a2);
    expect(a1).not.toEqual(a2);
    expect(a1.slice().sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a1).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
  it('a seeded loader leaves the global stream alone', () => {
    nr.manualSeed(1);
    const want = nr.randn([3]).toFlatArray();
    nr.manualSeed(1);
    order(new data.DataLoader(ds(8), { shuffle: true, seed: 9 }));
    expect(nr.randn([3]).toFlatArray()).toEqual(want);
  });
  it('without a seed the order comes from the global stream (manualSeed reproduces it)', () => {
    const l = new data.DataLoader(ds(16), { batchSize: 4, shuffle: true });
    nr.manualSeed(77);
    const e1 = order(l), e2 = order(l);
    nr.manualSeed(77);
    expect(order(l)).toEqual(e1);
    expect(order(l)).toEqual(e2);
    expect(e1).not.toEqual(e2);
  });
  it('a shared Generator continues its stream; its state can be saved and restored', () => {
    const g = new data.Generator(5);
    const l = new data.DataLoader(ds(12), { shuffle: true, generator: g });
    const st = g.getState();
    const e1 = order(l);
    g.setState(st);
    expect(order(l)).toEqual(e1);
    expect(g.initialSeed()).toBe(5);
  });
  it('shuffles evenly (each sample lands in the first slot about equally often)', () => {
    const g = new data.Generator(2);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 2000; i++) counts[g.randperm(5)[0]]++;
    for (const c of counts) expect(Math.abs(c - 400)).toBeLessThan(80);
  });
});

describe('async iteration', () => {
  it('for await gives the same batches and yields to the event loop', async () => {
    const d = ds(9);
    const l = new data.DataLoader(d, { batchSize: 4, shuffle: true, seed: 3 });
    const want = ([...l] as Tensor[][]).map((b) => b[1].toFlatArray());
    const l2 = new data.DataLoader(d, { batchSize: 4, shuffle: true, seed: 3 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const got: number[][] = [];
    for await (const b of l2) { got.push((b as Tensor[])[1].toFlatArray()); await new Promise((r) => setTimeout(r, 2)); }
    clearInterval(timer);
    expect(got).toEqual(want);
    expect(ticks).toBeGreaterThan(0);
  });
  it('awaits datasets whose get() returns a Promise; sync iteration refuses them', async () => {
    const asyncDs = { length: 5, get: async (i: number) => ({ x: i * 2, label: `s${i}` }) };
    const l = new data.DataLoader(asyncDs, { batchSize: 2 });
    const out: any[] = [];
    for await (const b of l) out.push(b);
    expect(out.map((b) => b.x.toArray())).toEqual([[0, 2], [4, 6], [8]]);
    expect(out[0].label).toEqual(['s0', 's1']);
    expect(() => [...l]).toThrow(/for await/);
  });
});

describe('defaultCollate', () => {
  const c = data.defaultCollate;
  it('stacks tensors and converts numbers, booleans and TypedArrays', () => {
    expect(c([nr.tensor([1, 2]), nr.tensor([3, 4])]).toArray()).toEqual([[1, 2], [3, 4]]);
    const ints = c([1, 2, 3]);
    expect([ints.dtype, ints.toArray()]).toEqual(['int64', [1, 2, 3]]);
    const fl = c([1, 2.5]);
    expect([fl.dtype, fl.toArray()]).toEqual(['float32', [1, 2.5]]);
    expect(c([true, false]).toArray()).toEqual([true, false]);
    const ta = c([new Float32Array([1, 2]), new Float32Array([3, 4])]);
    expect([ta.dtype, ta.shape]).toEqual(['float32', [2, 2]]);
    expect(c(['a', 'b'])).toEqual(['a', 'b']);
  });
  it('recurses into tuples and objects', () => {
    const b = c([[nr.tensor([1]), 0, { k: 1.5 }], [nr.tensor([2]), 1, { k: 2 }]]);
    expect(b[0].toArray()).toEqual([[1], [2]]);
    expect(b[1].toArray()).toEqual([0, 1]);
    expect(b[2].k.toArray()).toEqual([1.5, 2]);
  });
  it('reports mismatches', () => {
    expect(() => c([nr.zeros([2]), nr.zeros([3])])).toThrow(/equal size.*\[2\].*\[3\]/);
    expect(() => c([nr.zeros([2]), nr.zeros([2], { dtype: 'float64' })])).toThrow(/different dtypes/);
    expect(() => c([1, 'a'])).toThrow(/sample 1 .* string/);
    expect(() => c([[1, 2], [1]])).toThrow(/equal size/);
    expect(() => c([{ a: 1 }, { b: 1 }])).toThrow(/no key 'a'/);
    expect(() => c([null, null])).toThrow(/found null/);
    expect(() => c([])).toThrow(/non-empty/);
    expect(() => c([new Int16Array(2), new Int16Array(2)])).toThrow(/unsupported TypedArray/);
  });
});

describe('Subset and randomSplit', () => {
  const ids = (s: any) => Array.from({ length: s.length }, (_, i) => Number((s.get(i) as Tensor[])[1].item()));
  it('splits by sizes into disjoint subsets covering the dataset', () => {
    const d = ds(10);
    const parts = data.randomSplit(d, [3, 7], { seed: 1 });
    expect(parts.map((p) => p.length)).toEqual([3, 7]);
    const all = parts.flatMap(ids);
    expect(all.slice().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(data.randomSplit(d, [3, 7], { seed: 1 }).map(ids)).toEqual(parts.map(ids));
    expect(data.randomSplit(d, [3, 7], { seed: 2 }).map(ids)).not.toEqual(parts.map(ids));
  });
  it('splits by fractions like PyTorch (floors, then the remainder one by one)', () => {
    const parts = data.randomSplit(ds(11), [0.5, 0.3, 0.2], { seed: 0 });
    expect(parts.map((p) => p.length)).toEqual([6, 3, 2]);
    expect(data.randomSplit(ds(3), [0.5, 0.5], { seed: 0 }).map((p) => p.length)).toEqual([2, 1]);
  });
  it('subsets batch through the fast path with their own indices', () => {
    const d = ds(6);
    const s = new data.Subset(d, [5, 1, 3]);
    const [b] = [...new data.DataLoader(s, { batchSize: 3 })] as Tensor[][];
    expect(b[1].toArray()).toEqual([5, 1, 3]);
    expect(typeof s.getBatch).toBe('function');
    expect(typeof new data.Subset(new data.MapDataset(d, (x) => x), [0]).getBatch).toBe('undefined');
  });
  it('rejects bad lengths and indices', () => {
    expect(() => data.randomSplit(ds(10), [3, 3])).toThrow(/does not equal the length/);
    expect(() => data.randomSplit(ds(10), [-1, 11])).toThrow(/non-negative integer/);
    expect(() => data.randomSplit(ds(10), [])).toThrow(/non-empty/);
    expect(() => new data.Subset(ds(3), [0, 3])).toThrow(/out of range/);
  });
});

describe('bad input', () => {
  it('DataLoader options', () => {
    expect(() => new data.DataLoader(ds(), { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new data.DataLoader({} as any)).toThrow(/expected a dataset/);
    expect(() => new data.DataLoader(ds(), { shuffle: true, sampler: [0] })).toThrow(/mutually exclusive/);
    expect(() => new data.DataLoader(ds(), { seed: 1, generator: new data.Generator(1) })).toThrow(/either seed or generator/);
    expect(() => new data.DataLoader(ds(), { seed: -1 })).toThrow(/seed/);
    expect(() => new data.Generator(1.5)).toThrow(/seed/);
  });
});
