// Core tensor behaviour: creation, zero-copy data, views, dtype conversion, lifetime.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';

describe('creation and data', () => {
  it('tensor() infers dtype and shape like torch.tensor', () => {
    expect(nr.tensor([[1, 2], [3, 4]]).dtype).toBe('int64');
    expect(nr.tensor([1.5, 2]).dtype).toBe('float32');
    expect(nr.tensor([true, false]).dtype).toBe('bool');
    const t = nr.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(nr.tensor(3.5).item()).toBe(3.5);
  });
  it('data() is a zero-copy view of native memory', () => {
    const t = nr.zeros([4]);
    const d = t.data() as Float32Array;
    d[2] = 7;
    expect(t.toArray()).toEqual([0, 0, 7, 0]);
    expect(nr.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
  });
  it('ranges, eye, full', () => {
    expect(nr.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(nr.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(nr.full([2], 3).dtype).toBe('int64');
    expect(nr.arange(0, 1, 0.25).toArray()).toEqual([0, 0.25, 0.5, 0.75]);
  });
  it('random streams are reproducible with manualSeed', () => {
    nr.manualSeed(42);
    const a = nr.randn([100]).toFlatArray();
    nr.manualSeed(42);
    const b = nr.randn([100]).toFlatArray();
    expect(a).toEqual(b);
    const m = a.reduce((s, v) => s + v, 0) / 100;
    expect(Math.abs(m)).toBeLessThan(0.4);
    const p = nr.randperm(10).toFlatArray().sort((x, y) => x - y);
    expect(p).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('views and ops', () => {
  it('transpose/permute/reshape share storage', () => {
    const x = nr.arange(6).reshape([2, 3]);
    const t = x.transpose(0, 1);
    expect(t.toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(t.isContiguous()).toBe(false);
    expect(t.contiguous().isContiguous()).toBe(true);
    expect(x.reshape([3, 2]).storage).toBe(x.storage);
    expect(t.reshape([6]).toArray()).toEqual([0, 3, 1, 4, 2, 5]);
  });
  it('broadcast add and grads', () => {
    const a = nr.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32', requiresGrad: true });
    const b = nr.tensor([10, 20, 30], { dtype: 'float32', requiresGrad: true });
    const y = a.mul(b).add(b).sum();
    expect(y.item()).toBe(10 + 40 + 90 + 40 + 100 + 180 + 2 * 60);
    y.backward();
    expect(b.grad!.toArray()).toEqual([1 + 4 + 2, 2 + 5 + 2, 3 + 6 + 2]);
    expect(a.grad!.toArray()).toEqual([[10, 20, 30], [10, 20, 30]]);
  });
  it('disposed tensors throw', () => {
    const a = nr.ones([2]);
    a.dispose();
    expect(() => a.add(1)).toThrow(/disposed/);
  });
});

describe('gradient ownership', () => {
  it('leaves never share a .grad tensor, and accumulation stays correct', () => {
    const a = nr.ones([3], { requiresGrad: true }), b = nr.ones([3], { requiresGrad: true });
    a.add(b).sum().backward();            // add passes the same gradient object to both inputs
    expect(a.grad).not.toBe(b.grad);
    nr.noGrad(() => a.grad!.mul_(5));
    expect(b.grad!.toArray()).toEqual([1, 1, 1]);
    const w = nr.ones([2, 2], { requiresGrad: true });
    const seed = nr.ones([2, 2]);
    w.mul(1).backward(seed);             // the caller's seed gradient must not become .grad
    expect(w.grad).not.toBe(seed);
    w.mul(3).sum().backward();
    expect(w.grad!.toArray()).toEqual([[4, 4], [4, 4]]);
    expect(seed.toArray()).toEqual([[1, 1], [1, 1]]);
  });
});

describe('random *Like creators', () => {
  it('randLike / randnLike / randintLike take shape and dtype from the tensor, seeded', () => {
    const t = nr.zeros([3, 4], { dtype: 'float64' });
    nr.manualSeed(5);
    const a = nr.randnLike(t);
    nr.manualSeed(5);
    const b = nr.randn([3, 4], { dtype: 'float64' });
    expect(a.dtype).toBe('float64');
    expect(a.toArray()).toEqual(b.toArray());
    const u = nr.randLike(nr.empty([100]));
    expect(u.shape).toEqual([100]);
    expect((u.data() as Float32Array).every((v) => v >= 0 && v < 1)).toBe(true);
    const r = nr.randintLike(nr.zeros([50], { dtype: 'int32' }), 3, 7);
    expect(r.dtype).toBe('int32');
    expect((r.data() as Int32Array).every((v) => v >= 3 && v < 7)).toBe(true);
    expect(() => nr.randnLike(nr.zeros([2], { dtype: 'int64' }))).toThrow(/randn/);
    expect(() => nr.randLike(null as any)).toThrow(/randLike: expected a tensor/);
  });
});
