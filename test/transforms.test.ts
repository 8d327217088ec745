// Transforms: toFloat, normalize, fitted scalers, and image augmentation (random crop with padding,
// flips, Gaussian noise, compose) — shapes, exact values where deterministic, statistics where random.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';

const { data } = nr;

describe('toFloat and normalize', () => {
  it('toFloat scales uint8 to [0, 1] and casts other integers', () => {
    const u = nr.tensor([0, 51, 255], { dtype: 'uint8' });
    const f = data.toFloat(u);
    expect(f.dtype).toBe('float32');
    expect(f.toFlatArray().map((v) => Math.round(v * 1000) / 1000)).toEqual([0, 0.2, 1]);
    expect(data.toFloat(nr.tensor([3, 4])).toArray()).toEqual([3, 4]);
    const x = nr.ones([2]);
    expect(data.toFloat(x)).toBe(x);
  });
  it('normalize works per channel on (C,H,W), (N,C,H,W) and per feature on (N,F)', () => {
    const img = nr.tensor([[[1, 3]], [[10, 20]]], { dtype: 'float32' });   // (2, 1, 2)
    const n = data.normalize([2, 15], [1, 5]);
    expect(n(img).toArray()).toEqual([[[-1, 1]], [[-1, 1]]]);
    expect(n(img.unsqueeze(0)).shape).toEqual([1, 2, 1, 2]);
    expect(n(img.unsqueeze(0)).toArray()).toEqual([[[[-1, 1]], [[-1, 1]]]]);
    const tab = nr.tensor([[2, 10], [4, 20]], { dtype: 'float32' });
    expect(n(tab).toArray()).toEqual([[0, -1], [2, 1]]);
    expect(data.normalize(1, 2)(tab).toArray()).toEqual([[0.5, 4.5], [1.5, 9.5]]);
  });
  it('normalize rejects bad arguments', () => {
    expect(() => data.normalize([0], [0])).toThrow(/division by zero/);
    expect(() => data.normalize([0, 1, 2], [1, 1])).toThrow(/mean has 3 values but std has 2/);
    expect(() => data.normalize([0, 0, 0], [1, 1, 1])(nr.zeros([2, 5, 5]))).toThrow(/3 mean\/std values for 2 channels/);
    expect(() => data.normalize(0, 1)(nr.zeros([2], { dtype: 'int32' }))).toThrow(/float tensor/);
  });
});

describe('scalers fitted on training data', () => {
  const train = nr.tensor([[1, 10, 5], [3, 30, 5], [5, 20, 5]], { dtype: 'float64' });
  const test = nr.tensor([[7, 40, 6]], { dtype: 'float64' });
  it('StandardScaler uses the training mean and population std (zero std -> 1)', () => {
    const s = new data.StandardScaler().fit(train);
    const sd = Math.sqrt(8 / 3), sd2 = Math.sqrt(200 / 3);
    const t = s.transform(test).toFlatArray();
    expect(t[0]).toBeCloseTo((7 - 3) / sd, 12);
    expect(t[1]).toBeCloseTo((40 - 20) / sd2, 12);
    expect(t[2]).toBeCloseTo(1, 12);
    const tr = s.transform(train);
    expect(tr.mean(0).toFlatArray().map((v) => Math.abs(v) < 1e-12)).toEqual([true, true, true]);
    expect(s.inverseTransform(s.transform(test)).toFlatArray().map((v) => Math.round(v * 1e9) / 1e9)).toEqual([7, 40, 6]);
    const s2 = new data.StandardScaler();
    s2.loadStateDict(s.stateDict());
    expect(s2.transform(test).toFlatArray()).toEqual(t);
  });
  it('MinMaxScaler maps the training range onto featureRange', () => {
    const s = new data.MinMaxScaler({ featureRange: [-1, 1] }).fit(train);
    expect(s.transform(train).toArray()).toEqual([[-1, -1, -1], [0, 1, -1], [1, 0, -1]]);
    expect(s.transform(test).toArray()).toEqual([[2, 2, 1]]);
    expect(s.inverseTransform(s.transform(test)).toArray()).toEqual([[7, 40, 6]]);
  });
  it('standardize / minMaxScale helpers fit on the first tensor only', () => {
    const { scaler, data: [a, b] } = data.standardize(train, [test]);
    expect(scaler.mean!.toArray()).toEqual([3, 20, 5]);
    expect(a.shape).toEqual([3, 3]);
    expect(b.toFlatArray()[2]).toBe(1);
    const mm = data.minMaxScale(train, [test]);
    expect(mm.data[1].toArray()).toEqual([[1.5, 1.5, 1]]);
  });
  it('errors: not fitted, wrong feature shape, integer input, bad range', () => {
    expect(() => new data.StandardScaler().transform(train)).toThrow(/not fitted/);
    expect(() => new data.StandardScaler().fit(train).transform(nr.zeros([2, 2], { dtype: 'float64' }))).toThrow(/per-sample shape \[2\].*\[3\]/);
    expect(() => new data.MinMaxScaler().fit(nr.zeros([2, 2], { dtype: 'int32' }))).toThrow(/float tensor/);
    expect(() => new data.MinMaxScaler({ featureRange: [1, 0] })).toThrow(/featureRange/);
    expect(() => new data.StandardScaler().fit(nr.zeros([0, 2]))).toThrow(/0 samples/);
  });
});

/** Padded copy of one (C,H,W) sample as nested arrays. */
function padded(x: number[][][], p: number, fill = 0): number[][][] {
  return x.map((ch) => {
    const W = ch[0].length + 2 * p;
    const rows = ch.map((r) => [...new Array(p).fill(fill), ...r, ...new Array(p).fill(fill)]);
    return [...Array.from({ length: p }, () => new Array(W).fill(fill)), ...rows, ...Array.from({ length: p }, () => new Array(W).fill(fill))];
  });
}
function window(x: number[][][], i: number, j: number, h: number, w: number): number[][][] {
  return x.map((ch) => ch.slice(i, i + h).map((r) => r.slice(j, j + w)));
}

describe('randomCrop', () => {
  it('every crop is a window of the padded image, and offsets cover the whole range', () => {
    const N = 200, C = 2, H = 5, W = 6, p = 2, h = 4, w = 5;
    nr.manualSeed(0);
    const x = nr.randn([N, C, H, W]);
    const out = data.randomCrop([h, w], { padding: p, fill: -9 })(x);
    expect(out.shape).toEqual([N, C, h, w]);
    const xs = x.toArray() as number[][][][], os = out.toArray() as number[][][][];
    const seen = new Set<string>();
    for (let n = 0; n < N; n++) {
      const pd = padded(xs[n], p, -9);
      let found = '';
      for (let i = 0; i <= H + 2 * p - h && !found; i++) {
        for (let j = 0; j <= W + 2 * p - w && !found; j++) if (JSON.stringify(window(pd, i, j, h, w)) === JSON.stringify(os[n])) found = `${i},${j}`;
      }
      expect(found).not.toBe('');
      seen.add(found);
    }
    expect(seen.size).toBe((H + 2 * p - h + 1) * (W + 2 * p - w + 1));   // all 6 x 6 offsets occur in 200 draws
  });
  it('works on (C,H,W), is the identity when size equals the image, and is reproducible with a generator', () => {
    const x = nr.arange(2 * 3 * 3, undefined, 1, { dtype: 'float32' }).reshape([2, 3, 3]);
    expect(data.randomCrop(3)(x).toArray()).toEqual(x.toArray());
    const a = data.randomCrop(2, { padding: 1, generator: new data.Generator(4) });
    const b = data.randomCrop(2, { padding: 1, generator: new data.Generator(4) });
    const ya = a(x);
    expect(ya.shape).toEqual([2, 2, 2]);
    expect(b(x).toArray()).toEqual(ya.toArray());
    const u8 = data.randomCrop(2)(nr.zeros([1, 4, 4], { dtype: 'uint8' }));
    expect(u8.dtype).toBe('uint8');
  });
  it('rejects bad sizes and inputs', () => {
    expect(() => data.randomCrop(6)(nr.zeros([1, 5, 5]))).toThrow(/larger than the padded image/);
    expect(() => data.randomCrop(0)).toThrow(/positive integer/);
    expect(() => data.randomCrop(2, { padding: -1 })).toThrow(/padding/);
    expect(() => data.randomCrop(2, { paddingMode: 'reflect' as any })).toThrow(/not implemented/);
    expect(() => data.randomCrop(2)(nr.zeros([5, 5]))).toThrow(/\(C, H, W\) or \(N, C, H, W\).*\[5, 5\]/);
  });
});

describe('flips and noise', () => {
  it('randomHorizontalFlip mirrors the last dim of the chosen samples, about p of them', () => {
    const N = 400;
    const x = nr.arange(N * 2 * 3, undefined, 1, { dtype: 'float32' }).reshape([N, 1, 2, 3]);
    const y = data.randomHorizontalFlip(0.5, { generator: new data.Generator(1) })(x);
    const xs = x.toArray() as number[][][][], ys = y.toArray() as number[][][][];
    let flipped = 0;
    for (let n = 0; n < N; n++) {
      const rev = xs[n].map((c) => c.map((r) => r.slice().reverse()));
      if (JSON.stringify(ys[n]) === JSON.stringify(rev)) flipped++;
      else expect(ys[n]).toEqual(xs[n]);
    }
    expect(Math.abs(flipped - N / 2)).toBeLessThan(60);
    expect(data.randomHorizontalFlip(1)(x.select(0, 0)).toArray()).toEqual([[[2, 1, 0], [5, 4, 3]]]);
    expect(data.randomHorizontalFlip(0)(x).toArray()).toEqual(xs);
    expect(data.randomVerticalFlip(1)(x.select(0, 0)).toArray()).toEqual([[[3, 4, 5], [0, 1, 2]]]);
    expect(() => data.randomHorizontalFlip(2)).toThrow(/probability/);
  });
  it('gaussianNoise adds noise with the requested mean and std', () => {
    const x = nr.full([20000], 3, { dtype: 'float32' });
    const y = data.gaussianNoise(0.5, { mean: 0.1 })(x);
    const d = y.sub(x);
    expect(d.mean().item() as number).toBeCloseTo(0.1, 1);
    expect(d.std().item() as number).toBeCloseTo(0.5, 1);
    const g1 = data.gaussianNoise(1, { generator: new data.Generator(7), clip: [2.5, 3.5] });
    const g2 = data.gaussianNoise(1, { generator: new data.Generator(7), clip: [2.5, 3.5] });
    const a = g1(x);
    expect(a.toFlatArray()).toEqual(g2(x).toFlatArray());
    expect(Math.min(...a.toFlatArray())).toBe(2.5);
    expect(() => data.gaussianNoise(-1)).toThrow(/std/);
    expect(() => data.gaussianNoise(1)(nr.zeros([2], { dtype: 'uint8' }))).toThrow(/toFloat/);
  });
  it('compose applies transforms in order (with or without new)', () => {
    const x = nr.tensor([[[0, 255]]], { dtype: 'uint8' });
    const t = data.compose([data.toFloat, data.normalize([0.5], [0.5]), data.randomHorizontalFlip(1)]);
    expect(t(x).toArray()).toEqual([[[1, -1]]]);
    const t2 = new data.Compose([(v: Tensor) => v.add(1), (v: Tensor) => v.mul(2)]);
    expect(t2(nr.tensor([1, 2])).toArray()).toEqual([4, 6]);
    expect(() => data.compose([1 as any])).toThrow(/not a function/);
  });
});
