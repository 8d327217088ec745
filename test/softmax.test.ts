// softmax / logSoftmax: values against an independent float64 JS computation and hand-checked
// numbers, numerical stability, special values, dtypes, float64 gradchecks (incl. non-contiguous
// inputs and every dim), and bad input.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';
import { native } from '../src/backend/native';
import { args } from '../src/backend/args';

/** softmax / log_softmax of a nested row-major array along `dim`, in float64 JS. */
function jsSoftmax(vals: number[], shape: number[], dim: number, log: boolean): number[] {
  const n = shape[dim];
  const inner = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const outer = vals.length / (n * inner);
  const out = new Array<number>(vals.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const idx = (k: number) => (o * n + k) * inner + j;
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, vals[idx(k)]);
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp(vals[idx(k)] - m);
      for (let k = 0; k < n; k++) out[idx(k)] = log ? vals[idx(k)] - m - Math.log(s) : Math.exp(vals[idx(k)] - m) / s;
    }
  }
  return out;
}

function expectClose(got: number[], want: number[], rtol: number, atol: number, what = ''): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const ok = Number.isNaN(want[i]) ? Number.isNaN(got[i]) : got[i] === want[i] || Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]);
    expect(ok, `${what}[${i}]: got ${got[i]}, want ${want[i]}`).toBe(true);
  }
}

describe('softmax / logSoftmax values', () => {
  it('hand-checked values', () => {
    const x = nr.tensor([1, 2, 3], { dtype: 'float32' });
    expectClose(x.softmax(0).toFlatArray(), [0.09003057317038046, 0.24472847105479764, 0.6652409557748219], 1e-6, 0);
    expectClose(x.logSoftmax(0).toFlatArray(), [-2.4076059644443806, -1.4076059644443806, -0.40760596444438046], 1e-6, 0);
    expectClose(nr.softmax(nr.tensor([[1, 1], [0, Math.log(3)]], { dtype: 'float64' }), 1).toFlatArray(), [0.5, 0.5, 0.25, 0.75], 1e-15, 0);
  });
  for (const dtype of ['float32', 'float64'] as const) {
    it(`matches a float64 JS computation along every dim (${dtype})`, () => {
      nr.manualSeed(3);
      for (const shape of [[7], [4, 9], [3, 5, 33], [2, 3, 4, 20]]) {
        const x = nr.randn(shape, { dtype }).mul(4);
        const vals = x.toFlatArray();
        for (let dim = -shape.length; dim < shape.length; dim++) {
          const d = dim < 0 ? dim + shape.length : dim;
          const tol = dtype === 'float32' ? 2e-6 : 1e-13;
          expectClose(x.softmax(dim).toFlatArray(), jsSoftmax(vals, shape, d, false), tol, 1e-30, `softmax ${shape} dim ${dim}`);
          expectClose(x.logSoftmax(dim).toFlatArray(), jsSoftmax(vals, shape, d, true), tol, tol, `logSoftmax ${shape} dim ${dim}`);
          expect(nr.softmax(x, dim).shape).toEqual(shape);
        }
      }
    });
  }
  it('rows sum to one, non-contiguous input', () => {
    const x = nr.randn([30, 20]).transpose(0, 1);   // (20, 30) strided
    const s = x.softmax(1).sum(1).toFlatArray();
    s.forEach((v) => expect(v).toBeCloseTo(1, 5));
    expectClose(x.softmax(1).toFlatArray(), jsSoftmax(x.contiguous().toFlatArray(), [20, 30], 1, false), 2e-6, 1e-30);
  });
  it('is stable for large logits and handles -inf masks, +inf and NaN like PyTorch', () => {
    expectClose(nr.tensor([1000, 1001], { dtype: 'float32' }).softmax(0).toFlatArray(), [0.2689414213699951, 0.7310585786300049], 1e-6, 0);
    expectClose(nr.tensor([-1000, 0], { dtype: 'float32' }).logSoftmax(0).toFlatArray(), [-1000, 0], 1e-7, 0);
    const masked = nr.tensor([[0, -Infinity, 0], [-Infinity, -Infinity, -Infinity], [1, Infinity, 2], [1, NaN, 2]], { dtype: 'float32' });
    const sm = masked.softmax(1).toArray() as number[][];
    expect(sm[0]).toEqual([0.5, 0, 0.5]);
    expect(sm[1].every(Number.isNaN)).toBe(true);   // all masked: NaN (0/0), as torch
    expect(sm[2].every(Number.isNaN)).toBe(true);   // +inf: inf - inf
    expect(sm[3].every(Number.isNaN)).toBe(true);
    const ls = masked.logSoftmax(1).toArray() as number[][];
    expect(ls[0][1]).toBe(-Infinity);
    expect(ls[0][0]).toBeCloseTo(-Math.LN2, 6);
  });
  it('0-d, size-1 and empty tensors', () => {
    expect(nr.tensor(3.5).softmax(0).item()).toBe(1);
    expect(nr.tensor(3.5).logSoftmax(-1).item()).toBe(0);
    expect(nr.ones([4, 1]).softmax(1).toFlatArray()).toEqual([1, 1, 1, 1]);
    const e = nr.zeros([0, 5]).softmax(1);
    expect(e.shape).toEqual([0, 5]);
    expect(nr.zeros([3, 0]).logSoftmax(1).shape).toEqual([3, 0]);
  });
  it('dtype option and dtype rules', () => {
    const xi = nr.tensor([[1, 2], [3, 3]]);   // int64
    expect(() => xi.softmax(1)).toThrow(TypeError);
    const s = xi.softmax(1, { dtype: 'float64' });
    expect(s.dtype).toBe('float64');
    expectClose(s.toFlatArray(), [0.2689414213699951, 0.7310585786300049, 0.5, 0.5], 1e-15, 0);
    const h = nr.tensor([0.5, 1.5], { dtype: 'float16' });
    expect(h.softmax(0).dtype).toBe('float16');
    expect(nr.tensor([0.5, 1.5], { dtype: 'float32' }).logSoftmax(0, { dtype: 'float64' }).dtype).toBe('float64');
  });
});

describe('softmax / logSoftmax gradients (float64 gradcheck)', () => {
  for (const name of ['softmax', 'logSoftmax'] as const) {
    it(`${name} along every dim`, () => {
      for (const dim of [0, 1, 2, -1]) {
        gradcheck((x) => x[name](dim), [rand64([3, 4, 5], -2, 2)]);
      }
    });
    it(`${name} of a non-contiguous view, a 1-d and a 0-d tensor`, () => {
      gradcheck((x) => x.transpose(0, 1)[name](1), [rand64([6, 4], -3, 3)]);
      gradcheck((x) => x[name](0), [rand64([9])]);
      gradcheck((x) => x[name](0), [rand64([])]);
    });
    it(`${name} through a dtype cast from float32`, () => {
      const x = nr.randn([3, 7]).requiresGrad_(true);
      const y = x[name](1, { dtype: 'float64' });
      y.mul(nr.arange(21).to('float64').reshape([3, 7])).sum().backward();
      expect(x.grad!.dtype).toBe('float32');
      // reference: the same gradient computed in float64 from the float64 input
      const x64 = x.detach().to('float64').requiresGrad_(true);
      x64[name](1).mul(nr.arange(21).to('float64').reshape([3, 7])).sum().backward();
      expectClose(x.grad!.toFlatArray(), x64.grad!.toFlatArray(), 1e-5, 1e-6);
    });
  }
  it('softmax gradient equals the Jacobian formula by hand', () => {
    // y = softmax([0, ln 3]) = [1/4, 3/4]; dL/dx for L = y0: y0 (1 - y0), -y0 y1
    const x = nr.tensor([0, Math.log(3)], { dtype: 'float64', requiresGrad: true });
    x.softmax(0).select(0, 0).backward();
    expectClose(x.grad!.toFlatArray(), [0.25 * 0.75, -0.25 * 0.75], 1e-15, 0);
  });
  it('logSoftmax gradient of a one-hot loss is softmax - onehot', () => {
    const x = nr.tensor([[0.5, -1, 2]], { dtype: 'float64', requiresGrad: true });
    x.logSoftmax(1).select(1, 2).sum().neg().backward();
    const p = jsSoftmax([0.5, -1, 2], [1, 3], 1, false);
    expectClose(x.grad!.toFlatArray(), [p[0], p[1], p[2] - 1], 1e-14, 0);
  });
  it('double backward is refused with a clear error', () => {
    const x = nr.randn([2, 3], { dtype: 'float64' }).requiresGrad_(true);
    const y = x.softmax(1).mul(nr.randn([2, 3], { dtype: 'float64' })).sum();
    expect(() => y.backward(undefined, { createGraph: true })).toThrow(/double backward.*softmax/);
  });
});

describe('softmax / logSoftmax bad input', () => {
  it('dim out of range, missing dim, disposed tensors, bad dtype option', () => {
    const x = nr.randn([2, 3]);
    expect(() => x.softmax(2)).toThrow(RangeError);
    expect(() => x.logSoftmax(-3)).toThrow(RangeError);
    expect(() => x.softmax(0.5)).toThrow(RangeError);
    expect(() => (x as any).softmax()).toThrow(TypeError);
    expect(() => nr.softmax(x, 1, { dtype: 'int32' })).toThrow(TypeError);
    expect(() => nr.softmax(x, 1, { dtype: 'float128' as any })).toThrow(TypeError);
    const d = nr.randn([2]);
    d.dispose();
    expect(() => d.softmax(0)).toThrow(/disposed/);
  });
  it('the native binding rejects mismatched views', () => {
    const x = nr.randn([2, 3]), out = nr.empty([3, 2]), o64 = nr.empty([2, 3], { dtype: 'float64' });
    args().num(1).num(0).view(out).view(x);
    expect(() => native().softmax(out.storage.buf, x.storage.buf)).toThrow(/shape/);
    args().num(1).num(0).view(o64).view(x);
    expect(() => native().softmax(o64.storage.buf, x.storage.buf)).toThrow(/dtype/);
    args().num(5).num(1).view(x).view(x);
    expect(() => native().softmax(x.storage.buf, x.storage.buf)).toThrow(/dim 5/);
    const xi = nr.zeros([2, 3], { dtype: 'int32' });
    args().num(1).num(0).view(xi).view(xi);
    expect(() => native().softmax(xi.storage.buf, xi.storage.buf)).toThrow(/float32 or float64/);
  });
});

export type { Tensor };
