// GPU checks of the indexing ops on cuda (gather, scatter and its reductions, scatterAdd, scatterReduce,
// indexSelect/indexAdd/indexFill, tensor indexing with integer/slice/bool items, indexPut, nonzero,
// maskedFill, maskedSelect): forward values and input gradients against the CPU kernels on the same
// inputs, every dtype the CPU takes, duplicates (atomics), non-contiguous inputs, out-of-range
// indices (the CPU's RangeError) and the device rules. Plain JavaScript shared by vitest
// (test/cuda-cuidx.test.ts) and the device runner (test/gpu/run.js). checks(nr, expect) -> { name: fn }.
'use strict';
const util = require('./util');

module.exports = function checks(nr, expect) {
  const { close, onGpu, back } = util(nr, expect);
  const T = (v, dtype = 'int64') => nr.tensor(v, { dtype });
  const F = (v) => nr.tensor(v, { dtype: 'float32' });
  const exact = (gpu, cpu) => { expect(back(gpu).dtype).toBe(cpu.dtype); expect(back(gpu).toArray()).toEqual(cpu.toArray()); };
  /**
   * f(...inputs, ...consts) on the CPU and on cuda (inputs float, differentiable; consts e.g. index
   * tensors, moved to cuda unless keepConsts): outputs and the gradients of every input must agree.
   */
  const grads = (inputs, consts, f, tol, keepConsts = false) => {
    const a = inputs.map((t) => t.clone().requiresGrad_()), b = inputs.map((t) => onGpu(t).requiresGrad_());
    const ya = f(...a, ...consts), yb = f(...b, ...consts.map((c) => (keepConsts || typeof c !== 'object' || c === null || !c.device ? c : onGpu(c))));
    close(back(yb).double(), ya.double(), tol);
    const w = nr.randnLike(ya.double());
    ya.double().mul(w).sum().backward();
    yb.double().mul(onGpu(w)).sum().backward();
    a.forEach((t, i) => close(back(b[i].grad).double(), t.grad.double(), 5 * tol));
  };
  const DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'];
  const rand = (shape, dtype) => (dtype === 'bool' ? nr.rand(shape).gt(0.5) : dtype.startsWith('int') || dtype === 'uint8' ? nr.randint(0, 9, shape, { dtype }) : nr.randn(shape).to(dtype));

  return {
    'gather forward and backward (dims, duplicates, int32 index, non-contiguous input)': () => {
      const x = nr.randn([6, 5, 7]).double();
      for (const d of [0, 1, 2]) {
        const ishape = [4, 5, 3];
        ishape[d] = 9;
        const idx = nr.randint(0, x.shape[d], ishape.map((s, i) => Math.min(s, i === d ? s : x.shape[i])));
        grads([x], [d, idx], (xx, dd, ii) => xx.gather(dd, ii), 1e-12);
        grads([x], [d, idx.int()], (xx, dd, ii) => xx.transpose(0, 2).contiguous().transpose(0, 2).gather(dd, ii), 1e-12);
      }
      const xs = nr.randn([7, 5]), i2 = T([[0, 6], [1, 1], [2, 3], [4, 4], [5, 0]]);
      exact(onGpu(xs).t().gather(1, onGpu(i2)), xs.t().gather(1, i2));   // (5, 7) transposed cuda view
      exact(onGpu(xs).gather(0, onGpu(i2).t().narrow(0, 0, 2)), xs.gather(0, i2.t().narrow(0, 0, 2)));   // strided index
    },

    'gather, indexSelect and index move every dtype exactly': () => {
      for (const dt of DTYPES) {
        const x = rand([5, 6], dt), idx = nr.randint(0, 5, [3, 6]);
        exact(onGpu(x).gather(0, onGpu(idx)), x.gather(0, idx));
        exact(onGpu(x).indexSelect(1, onGpu(T([5, 0, 5, -0]))), x.indexSelect(1, T([5, 0, 5, 0])));
        exact(onGpu(x).index([onGpu(T([4, -1, 0])), { start: 1, step: 2 }]), x.index([T([4, -1, 0]), { start: 1, step: 2 }]));
      }
    },

    'scatter (tensor, value, reduce add/multiply) and scatterAdd with duplicates, forward and backward': () => {
      const x = nr.randn([5, 6]).double(), src = nr.randn([4, 7]).double();
      // unique targets per column: deterministic assign
      const perm = nr.stack([0, 1, 2, 3, 4, 5].map(() => nr.randperm(5).narrow(0, 0, 4)), 1);
      grads([x, src], [perm], (xx, ss, ii) => xx.scatter(0, ii, ss), 1e-12);
      grads([x], [perm], (xx, ii) => xx.scatter(0, ii, 2.5), 1e-12);
      const dup = nr.randint(0, 5, [4, 6]);
      grads([x, src], [dup], (xx, ss, ii) => xx.scatter(0, ii, ss, { reduce: 'add' }), 1e-12);
      grads([x, src], [dup], (xx, ss, ii) => xx.scatterAdd(0, ii, ss), 1e-12);
      close(back(onGpu(x).scatter(0, onGpu(dup), onGpu(src), { reduce: 'multiply' })), x.scatter(0, dup, src, { reduce: 'multiply' }), 1e-12);
      for (const dt of ['float32', 'float16', 'bfloat16', 'int32', 'int64', 'uint8']) {
        const a = rand([5, 6], dt), s = rand([4, 6], dt);
        const tol = dt === 'float32' ? 1e-5 : dt === 'float16' ? 5e-3 : 3e-2;
        const ya = a.scatterAdd(0, dup, s), yb = back(onGpu(a).scatterAdd(0, onGpu(dup), onGpu(s)));
        if (dt.startsWith('float') || dt === 'bfloat16') close(yb.double(), ya.double(), tol); else exact(onGpu(a).scatterAdd(0, onGpu(dup), onGpu(s)), ya);
        if (!(dt.startsWith('float') || dt === 'bfloat16')) exact(onGpu(a).scatter(0, onGpu(dup), onGpu(s), { reduce: 'multiply' }), a.scatter(0, dup, s, { reduce: 'multiply' }));
      }
      exact(onGpu(nr.zeros([4], { dtype: 'bool' })).scatter(0, onGpu(T([3, 1])), true), nr.zeros([4], { dtype: 'bool' }).scatter(0, T([3, 1]), true));
    },

    'in-place scatter_/scatterAdd_ write through a non-contiguous cuda view': () => {
      const y = nr.zeros([2, 4]), g = onGpu(y);
      for (const t of [y, g]) {
        const col = t.narrow(1, 1, 2);
        col.scatter_(0, t.device === 'cuda' ? onGpu(T([[1, 0]])) : T([[1, 0]]), 3);
        col.scatterAdd_(1, t.device === 'cuda' ? onGpu(T([[0, 0], [1, 1]])) : T([[0, 0], [1, 1]]), t.device === 'cuda' ? onGpu(F([[1, 1], [2, 2]])) : F([[1, 1], [2, 2]]));
      }
      close(back(g), y, 0);
    },

    'scatterReduce sum/prod/mean/amax/amin with and without self, forward and backward': () => {
      const x = nr.rand([5, 4]).add(0.5).double(), src = nr.rand([7, 4]).add(0.5).double(), idx = nr.randint(0, 5, [7, 4]);
      for (const reduce of ['sum', 'prod', 'mean', 'amax', 'amin']) {
        for (const includeSelf of [true, false]) {
          grads([x, src], [idx], (xx, ss, ii) => xx.scatterReduce(0, ii, ss, reduce, { includeSelf }), 1e-10);
        }
      }
      for (const dt of ['int64', 'int32', 'float16', 'bfloat16']) {
        const a = rand([5, 4], dt), s = rand([7, 4], dt);
        for (const reduce of ['sum', 'mean', 'amax', 'amin', 'prod']) {
          const ya = a.scatterReduce(0, idx, s, reduce), yb = onGpu(a).scatterReduce(0, onGpu(idx), onGpu(s), reduce);
          if (dt.startsWith('int')) exact(yb, ya); else close(back(yb).double(), ya.double(), dt === 'float16' ? 1e-2 : 8e-2);
        }
      }
      const nanSrc = F([1, NaN, 3]);
      close(back(onGpu(nr.zeros([2])).scatterReduce(0, onGpu(T([0, 0, 1])), onGpu(nanSrc), 'amax')), nr.zeros([2]).scatterReduce(0, T([0, 0, 1]), nanSrc, 'amax'), 0);
    },

    'indexSelect, indexAdd (alpha) and indexFill, forward and backward': () => {
      const x = nr.randn([5, 6, 3]).double(), src = nr.randn([5, 4, 3]).double();
      const idx = T([5, 0, 5, 2]);
      grads([x], [idx], (xx, ii) => xx.indexSelect(1, ii), 1e-12);
      grads([x], [T(3)], (xx, ii) => xx.indexSelect(0, ii), 1e-12);
      grads([x, src], [idx], (xx, ss, ii) => xx.indexAdd(1, ii, ss, { alpha: -1.5 }), 1e-12);
      grads([x], [idx], (xx, ii) => xx.permute([2, 0, 1]).indexFill(2, ii, 7), 1e-12);
      const y = nr.randn([4, 3]), g = onGpu(y);
      y.indexAdd_(0, T([3, 3, 0]), nr.ones([3, 3]));
      g.indexAdd_(0, onGpu(T([3, 3, 0])), onGpu(nr.ones([3, 3])));
      y.indexFill_(1, T([1]), -2);
      g.indexFill_(1, onGpu(T([1])), -2);
      close(back(g), y, 1e-6);
    },

    'tensor indexing: integer, broadcast, slice, ellipsis, newaxis and bool items, forward and backward': () => {
      const x = nr.randn([4, 5, 6]).double();
      const i = T([3, -1, 0, 3]), j = T([[1], [4]]), m = nr.rand([4, 5]).gt(0.4);
      const cases = [
        (t) => t.index([i]), (t) => t.index([null, T([4, 0, -5])]), (t) => t.index([i.narrow(0, 0, 2), j]), (t) => t.index([i, { start: 1, step: 2 }, T([5, 0, 1, 1])]),
        (t) => t.index(['...', T([5, 5])]), (t) => t.index([T([2]), 'newaxis', { end: 3 }]), (t) => t.index([m]), (t) => t.index([null, m.narrow(0, 0, 1).squeeze(0)]),
      ];
      // the cuda input gets the CPU index tensors here: they are moved to the device (PyTorch's rule)
      for (const f of cases) grads([x], [], f, 1e-12);
      const xt = onGpu(x).transpose(0, 2);
      close(back(xt.index([T([0, 5]), null, T([1, 2])])), x.transpose(0, 2).index([T([0, 5]), null, T([1, 2])]), 0);
      grads([x], [], (xx) => xx.index([xx.device === 'cuda' ? onGpu(i) : i, xx.device === 'cuda' ? onGpu(T([0, 0, 4, 4])) : T([0, 0, 4, 4])]), 1e-12);
    },

    'indexPut (assign, accumulate with duplicates), indexPut_, forward and backward': () => {
      const x = nr.randn([5, 4, 3]).double();
      const uniq = T([4, 0, 2]), dup = T([4, 0, 4, -1]);
      grads([x, nr.randn([3, 4, 3]).double()], [uniq], (xx, vv, ii) => xx.indexPut([ii], vv), 1e-12);
      grads([x, nr.randn([4, 1, 3]).double()], [dup], (xx, vv, ii) => xx.indexPut([ii], vv, { accumulate: true }), 1e-12);
      grads([x, nr.randn([3]).double()], [dup, T([1, 1, 3, 3])], (xx, vv, ii, jj) => xx.indexPut([ii, jj], vv.sum(), { accumulate: true }), 1e-12);
      grads([x], [], (xx) => xx.indexPut([xx.device === 'cuda' ? onGpu(nr.rand([5, 4]).gt(2)) : nr.rand([5, 4]).gt(2)], 1), 1e-12);
      const m = nr.rand([5, 4]).gt(0.5);
      grads([x], [m], (xx, mm) => xx.indexPut([mm], -3), 1e-12);
      for (const dt of ['float32', 'float16', 'bfloat16', 'int32', 'int64', 'uint8']) {
        const a = rand([6, 3], dt), v = rand([4, 3], dt);
        // the CPU kernel accumulates float16/bfloat16 only through float32 (cuda takes them directly)
        const half = dt === 'float16' || dt === 'bfloat16';
        const ya = half ? a.float().indexPut([dup], v.float(), { accumulate: true }) : a.indexPut([dup], v, { accumulate: true });
        const yb = onGpu(a).indexPut([onGpu(dup)], onGpu(v), { accumulate: true });
        if (dt.startsWith('float') || dt === 'bfloat16') close(back(yb).double(), ya.double(), dt === 'float32' ? 1e-6 : 3e-2); else exact(yb, ya);
      }
      const y = nr.zeros([3, 3]), g = onGpu(y);
      y.indexPut_([T([0, 2]), T([1, 1])], F([5, 6]));
      g.indexPut_([onGpu(T([0, 2])), T([1, 1])], onGpu(F([5, 6])));
      g.indexPut_([onGpu(T([1]))], F(9));   // a 0-dim CPU value is moved
      y.indexPut_([T([1])], F(9));
      close(back(g), y, 0);
    },

    'nonzero (every dtype, NaN and -0.0, 0-dim, empty, many chunks), maskedFill and maskedSelect': () => {
      for (const dt of DTYPES) {
        const x = rand([7, 9, 5], dt).mul(rand([7, 9, 5], 'bool').to(dt));
        exact(onGpu(x).nonzero(), x.nonzero());
        exact(onGpu(x).transpose(0, 2).nonzero(), x.transpose(0, 2).nonzero());
      }
      const special = F([0, -0, NaN, 1, -0, 2]);
      exact(onGpu(special).nonzero(), special.nonzero());
      exact(onGpu(special.half()).nonzero(), special.half().nonzero());
      exact(onGpu(F(3)).nonzero(), F(3).nonzero());
      exact(onGpu(F(0)).nonzero(), F(0).nonzero());
      exact(onGpu(nr.zeros([3, 0])).nonzero(), nr.zeros([3, 0]).nonzero());
      const big = nr.rand([3, 50000]).gt(0.7);
      exact(onGpu(big).nonzero(), big.nonzero());
      const cols = onGpu(big).nonzero({ asTuple: true });
      big.nonzero({ asTuple: true }).forEach((c, k) => exact(cols[k], c));
      const x = nr.randn([4, 5]).double(), m = nr.rand([4, 5]).gt(0.5), mrow = nr.rand([5]).gt(0.5);
      grads([x], [m], (xx, mm) => xx.maskedFill(mm, -1), 1e-12);
      grads([x], [mrow], (xx, mm) => xx.maskedFill(mm, F(2.5)), 1e-12);   // a CPU 0-dim value for the cuda input
      grads([x], [m], (xx, mm) => xx.maskedSelect(mm), 1e-12);
      grads([x], [mrow], (xx, mm) => xx.maskedSelect(mm), 1e-12);
      const y = nr.randn([4, 5]), g = onGpu(y);
      y.maskedFill_(m, 0);
      g.maskedFill_(onGpu(m), 0);
      close(back(g), y, 0);
    },

    'scatterAdd / indexPut accumulate with heavy duplicates (atomics) match the CPU sum': () => {
      const idx = nr.randint(0, 7, [200000]);
      const src = nr.randn([200000]).double();
      close(back(onGpu(nr.zeros([7]).double()).scatterAdd(0, onGpu(idx), onGpu(src))), nr.zeros([7]).double().scatterAdd(0, idx, src), 1e-9);
      const ones = nr.ones([200000], { dtype: 'int64' });
      exact(onGpu(nr.zeros([7], { dtype: 'int64' })).indexPut([onGpu(idx)], onGpu(ones), { accumulate: true }), nr.zeros([7], { dtype: 'int64' }).indexPut([idx], ones, { accumulate: true }));
      const f = nr.ones([200000]);
      close(back(onGpu(nr.zeros([7])).indexAdd(0, onGpu(idx), onGpu(f))), nr.zeros([7]).indexAdd(0, idx, f), 0);   // integers in float32: exact
    },

    'out-of-range indices throw the CPU RangeError; device rules': () => {
      const x = nr.randn([4, 5]), gx = onGpu(x);
      const msg = (f) => { try { f(); } catch (e) { return `${e.name}: ${e.message}`; } return 'no error'; };
      const pairs = [
        [(t, d) => t.gather(1, d(T([[0, 5]]))), 'gather'], [(t, d) => t.gather(0, d(T([[-1]]))), 'negative gather'],
        [(t, d) => t.scatterAdd(0, d(T([[4]])), t), 'scatterAdd'], [(t, d) => t.indexSelect(1, d(T([0, -6]))), 'indexSelect'],
        [(t, d) => t.index([d(T([1, 4]))]), 'index'], [(t, d) => t.index([null, d(T([[0], [9]]))]), 'index 2'],
        [(t, d) => t.indexPut([d(T([0])), d(T([7]))], 1), 'indexPut'], [(t, d) => t.indexFill(0, d(T([4])), 1), 'indexFill'],
      ];
      for (const [f, name] of pairs) {
        const want = msg(() => f(x, (i) => i));
        expect(want.startsWith('RangeError')).toBe(true);
        expect(`${name}: ${msg(() => f(gx, onGpu))}`).toBe(`${name}: ${want}`);
      }
      // in-place ops with a bad index leave the target untouched (checked before any write)
      const g = onGpu(nr.zeros([3]));
      expect(() => g.scatterAdd_(0, onGpu(T([0, 3])), onGpu(nr.ones([2])))).toThrow(RangeError);
      close(back(g), nr.zeros([3]), 0);
      expect(() => gx.gather(0, T([[0]]))).toThrow(/expected index on the input's device cuda, got cpu/);
      expect(() => gx.scatter(0, onGpu(T([[0]])), nr.ones([1, 1]))).toThrow(/expected src on the input's device/);
      expect(() => x.index([onGpu(T([0]))])).toThrow(/cannot index a cpu tensor/);
      expect(() => gx.maskedFill(nr.ones([4, 5], { dtype: 'bool' }), 0)).toThrow(/expected mask on the input's device/);
      expect(() => gx.indexPut([onGpu(T([0]))], nr.ones([1, 5]))).toThrow(/expected values on the input's device/);
      const ops = nr.cuda.supportedOps();
      for (const op of ['gather', 'scatterReduce', 'indexSelect', 'index', 'indexPut', 'nonzero', 'maskedSelect']) expect(ops.includes(op)).toBe(true);
    },
  };
};
