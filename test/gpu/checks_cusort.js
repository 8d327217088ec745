// GPU checks of the scan, sort and rearrange ops on cuda (cumsum/cumprod, sort/argsort/msort/topk/
// kthvalue/unique, flip/roll/repeat/tile/tril/triu, constant pad) against the CPU kernels: forward values
// (exact where the CPU is exact: sorts, indices, integer scans, copies) and input gradients. Plain
// JavaScript shared by vitest (test/cuda-cusort.test.ts) and the device runner (test/gpu/run.js).
// checks(nr, expect) -> { name: fn }.
'use strict';
const util = require('./util');

module.exports = function checks(nr, expect) {
  const { close, onGpu, back, sameAsCpu } = util(nr, expect);
  /** a (cuda) read back equals b (cpu) element for element (NaN equals NaN), same dtype and shape. */
  const same = (a, b) => {
    const h = back(a);
    expect(h.dtype).toBe(b.dtype);
    expect(h.shape).toEqual(b.shape);
    const x = h.toFlatArray(), y = b.toFlatArray();
    const bad = y.findIndex((v, i) => (Number.isNaN(v) ? !Number.isNaN(x[i]) : x[i] !== v));
    if (bad >= 0) expect(`element ${bad}: ${x[bad]}`).toBe(`element ${bad}: ${y[bad]}`);
  };
  /** Values with ties, NaN (float dtypes) and signed zeros, of dtype. */
  const tricky = (shape, dtype, seed = 0) => {
    const base = nr.randint(-3, 4, shape, { dtype: 'int64' }).to('float64');
    const x = nr.randn(shape, { dtype: 'float64' }).mul(5).add(seed);
    const n = base.numel();
    const b = base.toFlatArray();
    const flat = x.toFlatArray().map((v, i) => (i % 3 === 0 ? b[i] : v));
    if (dtype.startsWith('float') || dtype === 'bfloat16') for (let i = 5; i < n; i += 17) flat[i] = NaN;
    for (let i = 7; i < n; i += 23) flat[i] = -0;
    const t = nr.tensor(flat, { dtype: 'float64' }).reshape(shape);
    if (dtype === 'uint8') return t.abs().to('uint8');
    if (dtype === 'bool') return t.gt(0);
    return t.to(dtype);
  };
  const floatDtypes = ['float32', 'float64', 'float16', 'bfloat16'];

  return {
    'cumsum and cumprod forward over dims and dtypes (integers exact)': () => {
      for (const dtype of ['float32', 'float64', 'int32', 'int64', 'uint8', 'float16', 'bfloat16', 'bool']) {
        const x = dtype === 'bool' ? nr.randn([3, 5, 7]).gt(0) : nr.randint(-4, 5, [3, 5, 7], { dtype: 'int64' }).to(dtype === 'uint8' ? 'int64' : 'float64').abs().to(dtype);
        for (const d of [0, 1, 2, -1]) {
          same(nr.cumsum(onGpu(x), d), nr.cumsum(x, d));
          if (dtype !== 'bool') same(nr.cumprod(onGpu(x), d), nr.cumprod(x, d));
        }
      }
      for (const n of [1, 127, 129, 1000, 5003]) {
        const x = nr.randn([3, n]);
        close(back(nr.cumsum(onGpu(x), 1)), nr.cumsum(x, 1), 1e-6);
        close(back(nr.cumsum(onGpu(x.t()), 0)), nr.cumsum(x.t(), 0), 1e-6);   // non-contiguous input
        const p = nr.rand([2, n]).mul(0.2).add(0.9).to('float64');
        close(back(nr.cumprod(onGpu(p), 1)), nr.cumprod(p, 1), 1e-12);
        same(nr.cumsum(onGpu(x), 0), nr.cumsum(x, 0));   // strided lines run in the CPU's order: exact
      }
      same(nr.cumsum(onGpu(nr.tensor([[1, 2, 3]], { dtype: 'int32' })), 1, { dtype: 'float64' }), nr.cumsum(nr.tensor([[1, 2, 3]], { dtype: 'int32' }), 1, { dtype: 'float64' }));
      same(nr.cumsum(onGpu(nr.tensor(2.5)), 0), nr.cumsum(nr.tensor(2.5), 0));
      same(nr.cumsum(onGpu(nr.zeros([0, 3])), 0), nr.cumsum(nr.zeros([0, 3]), 0));
    },

    'cumsum and cumprod gradients (cumprod with zeros)': () => {
      for (const dtype of ['float32', 'float64']) {
        const x = nr.randn([4, 6]).to(dtype);
        for (const d of [0, 1]) {
          sameAsCpu([x], (t) => nr.cumsum(t, d), 1e-5);
          sameAsCpu([x], (t) => nr.cumprod(t, d), 1e-5);
        }
        const z = nr.tensor([[0, 2, 3, 0.5], [1, 0, 0, 2], [1.5, -1, 2, 0]]).to(dtype);
        for (const d of [0, 1]) sameAsCpu([z], (t) => nr.cumprod(t, d), 1e-6);
      }
      sameAsCpu([nr.randn([5, 4]).to('bfloat16')], (t) => nr.cumsum(t, 0), 2e-2);
    },

    'sort and argsort: exact values and indices with ties, NaN, -0, every dtype, both orders': () => {
      for (const dtype of ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool']) {
        const x = tricky([4, 37, 3], dtype);
        for (const d of [0, 1, 2]) {
          for (const descending of [false, true]) {
            const a = nr.sort(onGpu(x), d, { descending }), b = nr.sort(x, d, { descending });
            same(a.values, b.values);
            same(a.indices, b.indices);
            same(nr.argsort(onGpu(x), d, { descending }), nr.argsort(x, d, { descending }));
          }
        }
        same(onGpu(x).msort(), x.msort());
        same(nr.sort(onGpu(x.transpose(0, 2)), 1).indices, nr.sort(x.transpose(0, 2), 1).indices);   // non-contiguous
      }
      same(nr.sort(onGpu(nr.tensor(3)), 0).values, nr.sort(nr.tensor(3), 0).values);
      same(nr.sort(onGpu(nr.zeros([3, 0])), 1).indices, nr.sort(nr.zeros([3, 0]), 1).indices);
    },

    'sort of lines longer than shared memory (chunked multi-pass path)': () => {
      for (const n of [4095, 4096, 4097, 9000, 70001]) {
        const x = tricky([2, n], 'float32', n);
        for (const descending of [false, true]) {
          const a = nr.sort(onGpu(x), 1, { descending }), b = nr.sort(x, 1, { descending });
          same(a.values, b.values);
          same(a.indices, b.indices);
        }
      }
      const big = nr.randint(-50, 50, [3, 6000], { dtype: 'int64' });
      same(nr.sort(onGpu(big), 1).indices, nr.sort(big, 1).indices);
      same(nr.topk(onGpu(big), 7, 1).indices, nr.topk(big, 7, 1).indices);
      same(nr.sort(onGpu(big.t()), 0).values, nr.sort(big.t(), 0).values);   // long strided lines
    },

    'topk and kthvalue (largest/smallest, keepdim) forward and gradients': () => {
      for (const dtype of floatDtypes.concat(['int32', 'int64'])) {
        const x = tricky([5, 23], dtype);
        for (const largest of [true, false]) {
          for (const k of [0, 1, 4, 23]) {
            const a = nr.topk(onGpu(x), k, 1, { largest }), b = nr.topk(x, k, 1, { largest });
            same(a.values, b.values);
            same(a.indices, b.indices);
          }
        }
        const a = nr.kthvalue(onGpu(x), 3, 0, { keepdim: true }), b = nr.kthvalue(x, 3, 0, { keepdim: true });
        same(a.values, b.values);
        same(a.indices, b.indices);
      }
      const x = nr.randn([6, 9]).to('float64');
      sameAsCpu([x], (t) => nr.sort(t, 1, { descending: true }).values, 1e-12);
      sameAsCpu([x], (t) => nr.sort(t, 0).values, 1e-12);
      sameAsCpu([x], (t) => nr.topk(t, 3, 1).values, 1e-12);
      sameAsCpu([x], (t) => nr.topk(t, 2, 0, { largest: false }).values, 1e-12);
      sameAsCpu([x], (t) => nr.kthvalue(t, 4, 1).values, 1e-12);
      sameAsCpu([nr.randn([4, 5000])], (t) => nr.sort(t, 1).values, 1e-6);
      sameAsCpu([nr.randn([7, 4]).to('bfloat16')], (t) => nr.topk(t, 2, 0).values, 1e-2);
    },

    'unique on cuda (sort on the GPU, grouping on the host)': () => {
      for (const dtype of ['float32', 'int64', 'bfloat16']) {
        const x = tricky([6, 11], dtype);
        const a = nr.unique(onGpu(x), { returnInverse: true, returnCounts: true }), b = nr.unique(x, { returnInverse: true, returnCounts: true });
        same(a.values, b.values);
        same(a.inverse, b.inverse);
        same(a.counts, b.counts);
        same(nr.unique(onGpu(x)), nr.unique(x));
      }
    },

    'flip, fliplr, flipud and roll (every dtype, gradients)': () => {
      for (const dtype of ['float32', 'float64', 'float16', 'int32', 'int64', 'uint8', 'bool']) {
        const x = tricky([3, 4, 5], dtype);
        for (const dims of [0, [1], [0, 2], [0, 1, 2], -1]) same(nr.flip(onGpu(x), dims), nr.flip(x, dims));
        same(onGpu(x).fliplr(), x.fliplr());
        same(onGpu(x).flipud(), x.flipud());
        same(nr.flip(onGpu(x.transpose(0, 2)), [0, 1]), nr.flip(x.transpose(0, 2), [0, 1]));
        for (const [s, d] of [[2, 1], [-1, 0], [[1, 3], [0, 2]], [7, undefined]]) same(nr.roll(onGpu(x), s, d), nr.roll(x, s, d));
      }
      const x = nr.randn([3, 4, 5]);
      sameAsCpu([x], (t) => nr.flip(t, [0, 2]), 1e-6);
      sameAsCpu([x], (t) => nr.roll(t, [1, -2], [1, 2]), 1e-6);
      sameAsCpu([x], (t) => nr.roll(t, 4), 1e-6);
    },

    'repeat, tile, tril, triu and constant pad (forward exact, gradients)': () => {
      for (const dtype of ['float32', 'float64', 'bfloat16', 'int32', 'int64', 'bool']) {
        const x = tricky([3, 4], dtype);
        same(onGpu(x).repeat([2, 1, 3]), x.repeat([2, 1, 3]));
        same(nr.tile(onGpu(x), [2]), nr.tile(x, [2]));
        for (const dg of [0, 1, -2, 5]) {
          same(nr.tril(onGpu(x), dg), nr.tril(x, dg));
          same(nr.triu(onGpu(x), dg), nr.triu(x, dg));
        }
        same(nr.pad(onGpu(x), [1, 2, 0, 1], 3), nr.pad(x, [1, 2, 0, 1], 3));
        same(nr.pad(onGpu(x), [-1, 1]), nr.pad(x, [-1, 1]));
      }
      const x = nr.randn([2, 3, 4]);
      sameAsCpu([x], (t) => t.repeat([2, 1, 1, 3]), 1e-6);
      sameAsCpu([x], (t) => nr.tile(t, [2, 2]), 1e-6);
      sameAsCpu([x], (t) => nr.tril(t, -1), 1e-6);
      sameAsCpu([x], (t) => nr.triu(t, 1), 1e-6);
      sameAsCpu([x], (t) => nr.pad(t, [2, 1, 1, 0], -1), 1e-6);
      sameAsCpu([x], (t) => nr.pad(t, [-1, 2, 0, -1]), 1e-6);
    },

    'supportedOps lists the scan, sort and rearrange ops': () => {
      const ops = nr.cuda.supportedOps();
      for (const name of ['cumsum', 'cumprod', 'sort', 'topk', 'flip', 'tril']) expect(ops.includes(name)).toBe(true);
    },
  };
};
