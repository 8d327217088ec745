// GPU checks of device tensors (memory, transfers, views, elementwise, matmul, softmax, reductions,
// layer kernels, attention, autocast), each comparing cuda results with the CPU kernels. Plain
// JavaScript over the public API so that vitest (test/cuda-device.test.ts) and the device runner
// (test/gpu/run.js, no dev dependencies) execute the same checks. checks(nr, expect) -> { name: fn }.
'use strict';
const util = require('./util');

module.exports = function checks(nr, expect) {
  const { close, onGpu, back } = util(nr, expect);
  return {
    'round trips every dtype, views and creation options': () => {
      for (const dtype of ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool']) {
        const x = nr.randint(0, 5, [3, 4], { dtype: dtype === 'bool' ? 'int64' : dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16' ? 'int32' : dtype }).to(dtype);
        const g = onGpu(x);
        expect(g.device).toBe('cuda');
        expect(g.dtype).toBe(dtype);
        expect(back(g).toArray()).toEqual(x.toArray());
        expect(back(g.t().contiguous()).toArray()).toEqual(x.t().toArray());
        expect(back(g.slice(1, 1, 3)).toArray()).toEqual(x.slice(1, 1, 3).toArray());
        expect(g.toArray()).toEqual(x.toArray());
      }
      const z = nr.zeros([5, 7], { device: 'cuda', dtype: 'bfloat16' });
      expect(z.device).toBe('cuda');
      expect(back(z).toFlatArray().every((v) => v === 0)).toBe(true);
      const f = nr.full([2, 2], 2.5, { device: 'cuda' });
      expect(f.toFlatArray()).toEqual([2.5, 2.5, 2.5, 2.5]);
      expect(onGpu(nr.tensor(3.5)).item()).toBe(3.5);
    },

    'casts and copies with broadcasting on the device': () => {
      const x = nr.randn([4, 1, 6]);
      const g = onGpu(x);
      close(back(g.to('bfloat16').to('float32')), x.to('bfloat16').to('float32'), 0);
      close(back(g.to('int32')), x.to('int32'), 0);
      const dst = nr.zeros([4, 5, 6], { device: 'cuda' });
      dst.copy_(g);
      close(back(dst), x.expand([4, 5, 6]).contiguous(), 0);
      dst.copy_(nr.ones([6]));   // host source
      expect(dst.toFlatArray().every((v) => v === 1)).toBe(true);
      dst.fill_(-2);
      expect(dst.sum().item()).toBe(-240);
    },

    'binary ops with broadcasting, scalars and in place, per dtype': () => {
      for (const dtype of ['float32', 'float16', 'bfloat16', 'float64', 'int32', 'int64']) {
        const isF = dtype.startsWith('float') || dtype === 'bfloat16';
        const a = (isF ? nr.randn([3, 1, 5]) : nr.randint(-9, 9, [3, 1, 5])).to(dtype);
        const b = (isF ? nr.randn([4, 5]).abs().add(0.5) : nr.randint(1, 9, [4, 5])).to(dtype);
        const tol = dtype === 'bfloat16' ? 1e-2 : dtype === 'float16' ? 2e-3 : 1e-6;
        close(back(onGpu(a).add(onGpu(b))), a.add(b), tol);
        close(back(onGpu(a).sub(onGpu(b), { alpha: 2 })), a.sub(b, { alpha: 2 }), tol);
        close(back(onGpu(a).mul(onGpu(b))), a.mul(b), tol);
        close(back(onGpu(a).maximum(onGpu(b))), a.maximum(b), tol);
        close(back(onGpu(a).mul(3)), a.mul(3), tol);
        if (isF) close(back(onGpu(a).div(onGpu(b))), a.div(b), tol);
        const acc = onGpu(b);
        acc.add_(onGpu(b));
        close(back(acc), b.mul(2), tol);
      }
    },

    'unary ops, matmul (batched, transposed, bf16), softmax, sum and mean': () => {
      const x = nr.randn([6, 9]);
      for (const f of ['relu', 'exp', 'neg', 'tanh', 'sigmoid']) close(back((onGpu(x))[f]()), (x)[f](), 1e-5);
      close(back(nr.nn.functional.silu(onGpu(x))), nr.nn.functional.silu(x), 1e-5);
      const a = nr.randn([2, 3, 33, 17]), b = nr.randn([3, 17, 29]);
      close(back(onGpu(a).matmul(onGpu(b))), a.matmul(b), 1e-4);
      close(back(onGpu(b).transpose(1, 2).matmul(onGpu(b))), b.transpose(1, 2).matmul(b), 1e-4);
      close(back(onGpu(a).to('bfloat16').matmul(onGpu(b).to('bfloat16'))).float(), a.to('bfloat16').float().matmul(b.to('bfloat16').float()), 3e-2);
      close(back(onGpu(x).softmax(-1)), x.softmax(-1), 1e-5);
      close(back(onGpu(x).softmax(0)), x.softmax(0), 1e-5);
      close(back(onGpu(a).sum([1, 3])), a.sum([1, 3]), 1e-4);
      close(back(onGpu(a).mean(2, { keepdim: true })), a.mean(2, { keepdim: true }), 1e-5);
      expect(onGpu(x).sum().item()).toBeCloseTo(x.sum().item(), 3);
    },

    'an MLP forward and backward on cuda gives the CPU gradients': () => {
      nr.manualSeed(3);
      const m = new nr.nn.Sequential(new nr.nn.Linear(20, 32), new nr.nn.ReLU(), new nr.nn.Linear(32, 10));
      const x = nr.randn([16, 20]), t = nr.randn([16, 10]);
      const lossCpu = m.forward(x).sub(t).pow(2).mean();
      lossCpu.backward();
      const gradsCpu = m.parameters().map((p) => p.grad.clone());
      m.zeroGrad();
      m.to('cuda');
      const loss = m.forward(onGpu(x)).sub(onGpu(t)).pow(2).mean();
      expect(loss.device).toBe('cuda');
      loss.backward();
      expect(loss.item()).toBeCloseTo(lossCpu.item(), 4);
      m.parameters().forEach((p, i) => close(back(p.grad), gradsCpu[i], 1e-4));
    },

    'comparisons, where, activation gradients and dropout': () => {
      const x = nr.randn([5, 7]), y = nr.randn([7]);
      for (const f of ['eq', 'lt', 'ge']) expect(back((onGpu(x))[f](onGpu(y))).toArray()).toEqual((x)[f](y).toArray());
      close(back(nr.where(onGpu(x).gt(0), onGpu(x), onGpu(y))), nr.where(x.gt(0), x, y), 0);
      for (const f of ['gelu', 'silu', 'tanh', 'sigmoid', 'relu', 'sqrt', 'log']) {
        const xin = f === 'sqrt' || f === 'log' ? x.abs().add(0.1) : x;
        const a = xin.clone().requiresGrad_(), b = onGpu(xin).requiresGrad_();
        (a)[f]().sum().backward();
        (b)[f]().sum().backward();
        close(back((onGpu(xin))[f]()), (xin)[f](), 1e-5);
        close(back(b.grad), a.grad, 1e-5);
      }
      const big = nr.ones([1 << 20], { device: 'cuda' }).requiresGrad_();
      nr.manualSeed(5);
      const d1 = nr.nn.functional.dropout(big, { p: 0.25 });
      nr.manualSeed(5);
      const d2 = nr.nn.functional.dropout(big, { p: 0.25 });
      expect(back(d1).toArray()).toEqual(back(d2).toArray());
      const kept = (d1.ne(0).sum().item()) / (1 << 20);
      expect(Math.abs(kept - 0.75)).toBeLessThan(0.01);
      d1.sum().backward();
      close(back(big.grad), d1.detach().to('cpu'), 1e-6);   // gradient = mask / (1 - p) = the output for an input of ones
    },

    'layerNorm, cross-entropy, embedding and AdamW match the CPU': () => {
      const x = nr.randn([6, 32]), w = nr.randn([32]), b = nr.randn([32]);
      const [xa, wa, ba] = [x, w, b].map((t) => t.clone().requiresGrad_());
      const [xb, wb, bb] = [x, w, b].map((t) => onGpu(t).requiresGrad_());
      nr.nn.functional.layerNorm(xa, [32], { weight: wa, bias: ba }).square().sum().backward();
      const yb = nr.nn.functional.layerNorm(xb, [32], { weight: wb, bias: bb });
      close(back(yb), nr.nn.functional.layerNorm(x, [32], { weight: w, bias: b }), 1e-5);
      yb.square().sum().backward();
      for (const [g, r] of [[xb, xa], [wb, wa], [bb, ba]]) close(back(g.grad), r.grad, 1e-4);
      const logits = nr.randn([9, 11]), tgt = nr.tensor([0, 3, 10, -100, 2, 2, 7, 1, 5]);
      const la = logits.clone().requiresGrad_(), lb = onGpu(logits).requiresGrad_();
      const ca = nr.nn.functional.crossEntropy(la, tgt), cb = nr.nn.functional.crossEntropy(lb, onGpu(tgt));
      expect(cb.item()).toBeCloseTo(ca.item(), 5);
      ca.backward(); cb.backward();
      close(back(lb.grad), la.grad, 1e-5);
      const table = nr.randn([20, 8]), ids = nr.tensor([[1, 19, 1], [0, 5, 1]]);
      const ta = table.clone().requiresGrad_(), tb = onGpu(table).requiresGrad_();
      const ea = nr.nn.functional.embedding(ids, ta), eb = nr.nn.functional.embedding(onGpu(ids), tb);
      close(back(eb), ea, 0);
      ea.mul(ea).sum().backward(); eb.mul(eb).sum().backward();
      close(back(tb.grad), ta.grad, 1e-5);
      const pa = nr.randn([300]).requiresGrad_(), pb = onGpu(pa.detach()).requiresGrad_();
      const oa = new nr.optim.AdamW([pa], { lr: 1e-2, weightDecay: 0.1 }), ob = new nr.optim.AdamW([pb], { lr: 1e-2, weightDecay: 0.1 });
      for (let i = 0; i < 3; i++) {
        oa.zeroGrad(); ob.zeroGrad();
        pa.square().sum().backward(); pb.square().sum().backward();
        oa.step(); ob.step();
      }
      close(back(pb.detach()), pa.detach(), 1e-5);
    },

    'attention forward and backward: composed (float32, masks) and flash (bf16, causal, d 64/128)': () => {
      const F = nr.nn.functional;
      for (const [dtype, E, causal, tol] of [['float32', 24, false, 1e-4], ['float32', 32, true, 1e-4], ['bfloat16', 64, true, 3e-2], ['bfloat16', 128, false, 3e-2]]) {
        const [q, k, v] = [0, 1, 2].map(() => nr.randn([2, 3, 40, E]));
        const cpu = [q, k, v].map((t) => t.to(dtype).to('float32').requiresGrad_());
        const gpu = [q, k, v].map((t) => onGpu(t.to(dtype)).requiresGrad_());
        const ya = F.scaledDotProductAttention(cpu[0], cpu[1], cpu[2], { isCausal: causal });
        const yb = F.scaledDotProductAttention(gpu[0], gpu[1], gpu[2], { isCausal: causal });
        close(back(yb).float(), ya, tol);
        ya.square().sum().backward(); yb.float().square().sum().backward();
        for (let i = 0; i < 3; i++) close(back(gpu[i].grad).float(), cpu[i].grad, 5 * tol);
      }
    },

    'autocast on cuda: bf16 GEMMs and attention, float32 losses and master weights': () => {
      nr.manualSeed(1);
      const m = new nr.nn.Sequential(new nr.nn.Linear(64, 128), new nr.nn.GELU({ approximate: 'tanh' }), new nr.nn.Linear(128, 10)).to('cuda');
      const x = nr.randn([32, 64], { device: 'cuda' }), t = nr.randint(0, 10, [32]).to('cuda');
      const loss = nr.autocast('bfloat16', () => {
        const h = m.forward(x);
        expect(h.dtype).toBe('bfloat16');
        return nr.nn.functional.crossEntropy(h, t);
      });
      expect(loss.dtype).toBe('float32');
      loss.backward();
      for (const p of m.parameters()) { expect(p.grad.dtype).toBe('float32'); expect(p.grad.device).toBe('cuda'); }
    },

    'mixing devices and ops without a CUDA kernel are clear errors': () => {
      const g = onGpu(nr.randn([3]));
      expect(() => g.add(nr.randn([3]))).toThrow(/^add: expected all tensors on one device, got cuda and cpu/);
      expect(() => g.cumsum(0)).toThrow(/no CUDA implementation yet/);
    },

    'memory accounting, dispose, emptyCache and a catchable out-of-memory error': () => {
      nr.cuda.synchronize();
      const before = nr.cuda.memoryAllocated();
      const t = nr.empty([1024, 1024], { device: 'cuda' });
      expect(nr.cuda.memoryAllocated()).toBe(before + 4 * 1024 * 1024);
      t.dispose();
      expect(nr.cuda.memoryAllocated()).toBe(before);
      nr.cuda.emptyCache();
      expect(() => nr.empty([2 ** 43 / 4], { device: 'cuda' })).toThrow(nr.cuda.CudaOutOfMemoryError);
      const ok = nr.ones([4], { device: 'cuda' });   // the device still works after an OOM
      expect(ok.sum().item()).toBe(4);
    },

    'dataAsync reads what was queued before the call and does not block the event loop': async () => {
      const x = nr.arange(0, 1 << 20, 1, { dtype: 'float32' }).to('cuda');
      const p = x.dataAsync();
      x.add_(1);   // queued after the read: must not show in it
      let ticks = 0;
      const timer = setInterval(() => { ticks++; }, 0);
      const d = (await p);
      clearInterval(timer);
      expect(d.length).toBe(1 << 20);
      expect(d[0]).toBe(0);
      expect(d[12345]).toBe(12345);
      expect(ticks).toBeGreaterThanOrEqual(0);
      expect(x.dataAsync()).resolves.toBeDefined();
    },
  };
};
