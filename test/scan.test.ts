// cumsum / cumprod: values against independent JS loops along every dim and dtype, PyTorch's dtype
// rules, float64 gradchecks (incl. zeros in cumprod and non-contiguous inputs), the cumprod
// gradient against a brute-force formula, and bad input.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import { gradcheck, rand64, leaf64 } from './util/gradcheck';
import { native } from '../src/backend/native';
import { args } from '../src/backend/args';

/** Inclusive scan of row-major `vals` (shape) along dim, in float64 (or BigInt-free integer) JS. */
function jsScan(vals: number[], shape: number[], dim: number, prod: boolean): number[] {
  const n = shape[dim];
  const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const outer = vals.length / Math.max(1, n * inner);
  const out = vals.slice();
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let acc = prod ? 1 : 0;
      for (let k = 0; k < n; k++) {
        const i = (o * n + k) * inner + j;
        acc = prod ? acc * vals[i] : acc + vals[i];
        out[i] = acc;
      }
    }
  }
  return out;
}

describe('cumsum / cumprod values', () => {
  it('hand-checked values', () => {
    const x = nr.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.cumsum(1).toArray()).toEqual([[1, 3, 6], [4, 9, 15]]);
    expect(x.cumsum(0).toArray()).toEqual([[1, 2, 3], [5, 7, 9]]);
    expect(x.cumprod(1).toArray()).toEqual([[1, 2, 6], [4, 20, 120]]);
    expect(nr.cumprod(x, -2).toArray()).toEqual([[1, 2, 3], [4, 10, 18]]);
    expect(nr.tensor([0.5, 0.25, 0.25], { dtype: 'float32' }).cumsum(0).toFlatArray()).toEqual([0.5, 0.75, 1]);
  });
  for (const dtype of ['float32', 'float64', 'int32', 'int64'] as const) {
    it(`matches JS loops along every dim (${dtype})`, () => {
      nr.manualSeed(5);
      for (const shape of [[9], [4, 7], [3, 5, 40], [2, 3, 2, 5]]) {
        const x = dtype.startsWith('int') ? nr.randint(-3, 4, shape, { dtype }) : nr.uniform(shape, 0.5, 1.5, { dtype });
        const vals = x.toFlatArray();
        for (let dim = -shape.length; dim < shape.length; dim++) {
          const d = dim < 0 ? dim + shape.length : dim;
          for (const prod of [false, true]) {
            const got = (prod ? x.cumprod(dim) : x.cumsum(dim)).toFlatArray();
            const want = jsScan(vals, shape, d, prod);
            // floats accumulate in double and round each output once: float32 results equal the
            // float64 JS values rounded to float32
            const round = dtype === 'float32' ? Math.fround : dtype === 'float64' ? (v: number) => v : (v: number) => v + 0;  // ints have no -0
            want.forEach((w, i) => expect(got[i], `${prod ? 'cumprod' : 'cumsum'} ${shape} dim ${dim} [${i}]`).toBe(round(w)));
          }
        }
      }
    });
  }
  it('non-contiguous input', () => {
    const x = nr.randn([30, 20]).transpose(0, 1);
    const v = x.contiguous().toFlatArray();
    expect(x.cumsum(1).toFlatArray()).toEqual(jsScan(v, [20, 30], 1, false).map(Math.fround));
    expect(x.cumsum(0).toFlatArray()).toEqual(jsScan(v, [20, 30], 0, false).map(Math.fround));
  });
  it('dtypes follow PyTorch: integers and bool give int64, { dtype } casts first', () => {
    expect(nr.tensor([1, 2], { dtype: 'int32' }).cumsum(0).dtype).toBe('int64');
    const b = nr.tensor([true, false, true, true]);
    expect(b.cumsum(0).dtype).toBe('int64');
    expect(b.cumsum(0).toFlatArray()).toEqual([1, 1, 2, 3]);
    expect(nr.tensor([1, 2, 3]).cumprod(0, { dtype: 'float64' }).dtype).toBe('float64');
    expect(nr.tensor([1.5, 2.5], { dtype: 'float32' }).cumsum(0, { dtype: 'int32' }).toFlatArray()).toEqual([1, 3]);
    const h = nr.tensor([0.5, 0.5, 1], { dtype: 'float16' }).cumsum(0);
    expect(h.dtype).toBe('float16');
    expect(h.toFlatArray()).toEqual([0.5, 1, 2]);
    // int64 wraps around like PyTorch (two's complement)
    const big = nr.tensor([2 ** 62, 2 ** 62], { dtype: 'int64' }).cumsum(0).data() as BigInt64Array;
    expect(big[1]).toBe(-(2n ** 63n));
  });
  it('NaN and Inf propagate; 0-d and empty tensors', () => {
    expect(nr.tensor([1, NaN, 2], { dtype: 'float32' }).cumsum(0).toFlatArray().map(Number.isNaN)).toEqual([false, true, true]);
    expect(nr.tensor([Infinity, -Infinity, 1], { dtype: 'float32' }).cumsum(0).toFlatArray()).toEqual([Infinity, NaN, NaN]);
    expect(nr.tensor([2, Infinity, 0], { dtype: 'float32' }).cumprod(0).toFlatArray()).toEqual([2, Infinity, NaN]);
    expect(nr.tensor(4.5).cumsum(0).item()).toBe(4.5);
    expect(nr.tensor(4.5).cumprod(-1).shape).toEqual([]);
    expect(nr.zeros([0, 3]).cumsum(0).shape).toEqual([0, 3]);
    expect(nr.zeros([3, 0]).cumprod(1).shape).toEqual([3, 0]);
  });
});

describe('cumsum / cumprod gradients', () => {
  it('cumsum gradcheck along every dim, non-contiguous, 0-d', () => {
    for (const dim of [0, 1, 2, -1]) gradcheck((x) => x.cumsum(dim), [rand64([3, 4, 5])]);
    gradcheck((x) => x.transpose(0, 1).cumsum(1), [rand64([5, 4])]);
    gradcheck((x) => x.cumsum(0), [rand64([])]);
  });
  it('cumsum backward is the reverse cumsum, and is itself differentiable', () => {
    const x = nr.tensor([1, 2, 3, 4], { dtype: 'float64', requiresGrad: true });
    x.cumsum(0).mul(nr.tensor([1, 10, 100, 1000], { dtype: 'float64' })).sum().backward();
    expect(x.grad!.toFlatArray()).toEqual([1111, 1110, 1100, 1000]);
    // second order: d/dx of sum(grad * x) where grad = revcumsum(w) does not depend on x
    const y = nr.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const w = nr.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    y.cumsum(0).mul(w).sum().backward(undefined, { createGraph: true });
    const gy = y.grad!;
    expect(gy.toFlatArray()).toEqual([6, 5, 3]);
    expect(gy.requiresGrad).toBe(true);
  });
  it('cumprod gradcheck with and without zeros, non-contiguous', () => {
    gradcheck((x) => x.cumprod(1), [rand64([3, 6], 0.5, 1.5)]);
    gradcheck((x) => x.cumprod(0), [rand64([5, 3], -1.5, 1.5)]);
    gradcheck((x) => x.cumprod(0), [leaf64([2, 0, 3, 0.5, 4], [5])]);         // one zero
    gradcheck((x) => x.cumprod(0), [leaf64([0, 2, 0, 3, 1.5], [5])]);         // two zeros
    gradcheck((x) => x.transpose(0, 1).cumprod(1), [leaf64([1, 0, 2, 3, 0.5, -1, 0, 2], [4, 2])]);
  });
  it('cumprod gradient matches the brute-force formula (zeros included)', () => {
    const xs = [1.5, 0, -2, 0.5, 0, 3, 0.25];
    const gs = [0.3, -1, 2, 0.7, 1.1, -0.4, 0.9];
    const n = xs.length;
    const want = xs.map((_, i) => {
      let s = 0;
      for (let j = i; j < n; j++) {
        let p = gs[j];
        for (let l = 0; l <= j; l++) if (l !== i) p *= xs[l];
        s += p;
      }
      return s;
    });
    for (const level of ['ref', nr.backend.cpuInfo().best]) {
      const prev = nr.backend.cpuInfo().active;
      nr.backend.setKernelLevel(level as any);
      try {
        const x = nr.tensor(xs, { dtype: 'float64', requiresGrad: true });
        x.cumprod(0).backward(nr.tensor(gs, { dtype: 'float64' }));
        x.grad!.toFlatArray().forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
      } finally { nr.backend.setKernelLevel(prev as any); }
    }
  });
  it('gradient flows back through a dtype cast; double backward of cumprod is refused', () => {
    const x = nr.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    x.cumsum(0, { dtype: 'float64' }).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toFlatArray()).toEqual([3, 2, 1]);
    const y = nr.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const l = y.cumprod(0).sum();
    expect(() => l.backward(undefined, { createGraph: true })).toThrow(/double backward.*cumprod/);
  });
});

describe('cumsum / cumprod bad input', () => {
  it('dims, dtypes and disposed tensors', () => {
    const x = nr.randn([2, 3]);
    expect(() => x.cumsum(2)).toThrow(RangeError);
    expect(() => x.cumprod(-3)).toThrow(RangeError);
    expect(() => (x as any).cumsum()).toThrow(TypeError);
    expect(() => x.cumsum(0, { dtype: 'bool' })).toThrow(TypeError);
    expect(() => x.cumsum(0, { dtype: 'complex64' as any })).toThrow(TypeError);
    const d = nr.randn([3]);
    d.dispose();
    expect(() => d.cumsum(0)).toThrow(/disposed/);
  });
  it('the native binding rejects mismatched views', () => {
    const x = nr.randn([2, 3]), bad = nr.empty([3, 2]), o64 = nr.empty([2, 3], { dtype: 'float64' });
    args().num(0).num(1).num(0).view(bad).view(x);
    expect(() => native().scan(bad.storage.buf, x.storage.buf)).toThrow(/shape/);
    args().num(0).num(1).num(0).view(o64).view(x);
    expect(() => native().scan(o64.storage.buf, x.storage.buf)).toThrow(/dtype/);
    args().num(7).num(1).num(0).view(x).view(x);
    expect(() => native().scan(x.storage.buf, x.storage.buf)).toThrow(/op code/);
    args().num(0).num(-1).num(0).view(x).view(x);
    expect(() => native().scan(x.storage.buf, x.storage.buf)).toThrow(/dim/);
    const xi = nr.zeros([2, 3], { dtype: 'int32' });
    args().num(1).view(xi).view(xi).view(xi);
    expect(() => native().cumprodBackward(xi.storage.buf, xi.storage.buf, xi.storage.buf)).toThrow(/float32 or float64/);
  });
});
