// GPU checks of the cumisc ops on cuda against the CPU path: cross-entropy with class weights, label
// smoothing, ignore indices and probability targets, NLL and the other losses; Adam (amsgrad, L2),
// AdamW, RMSprop, Adagrad, LAMB and SGD training steps, gradient clipping; eval-mode batch-norm
// backward, group norm; adaptive/1-D pooling; clamp, mish, step, typed fills; and every nn layer
// (forward and parameter gradients) on cuda against the same layer on the CPU. Plain JavaScript shared
// by vitest (test/cuda-cumisc.test.ts) and the device runner (test/gpu/run.js). checks(nr, expect) -> { name: fn }.
'use strict';
const util = require('./util');

module.exports = function checks(nr, expect) {
  const F = nr.nn.functional;
  const { close, onGpu, back, sameAsCpu } = util(nr, expect);

  /** t on the device of like (t itself on the CPU, a cuda copy otherwise): constant operands of a check. */
  const on = (like, t) => (like.device === 'cpu' ? t : onGpu(t));

  /** Builds a module twice from one seed (CPU and cuda copies), runs both, compares outputs and parameter gradients. */
  const layerSame = (build, inputs, tol, fwd = (m, ...xs) => m.forward(...xs)) => {
    nr.manualSeed(1);
    const cpu = build();
    nr.manualSeed(1);
    const gpu = build().to('cuda');
    const out = (y) => (Array.isArray(y) ? y[0] : y);
    const grad = (t) => t && t.device && (t.dtype === 'float32' || t.dtype === 'float64');
    const ia = inputs.map((t) => (grad(t) ? t.clone().requiresGrad_() : t));
    const ib = inputs.map((t) => (grad(t) ? onGpu(t).requiresGrad_() : t && t.device ? onGpu(t) : t));
    const ya = out(fwd(cpu, ...ia)), yb = out(fwd(gpu, ...ib));
    close(back(yb).float(), ya.float(), tol);
    const w = nr.randnLike(ya.float());
    ya.float().mul(w).sum().backward();
    yb.float().mul(onGpu(w)).sum().backward();
    const pa = cpu.parameters(), pb = gpu.parameters();
    expect(pb.length).toBe(pa.length);
    pa.forEach((p, i) => { if (p.grad) close(back(pb[i].grad).float(), p.grad.float(), 10 * tol); });
    ia.forEach((t, i) => { if (grad(inputs[i]) && t.grad) close(back(ib[i].grad).float(), t.grad.float(), 10 * tol); });
  };

  /** Trains one parameter with the same optimizer on the CPU and on cuda for a few steps. */
  const optimSame = (Opt, o, tol = 1e-5, steps = 5) => {
    const pa = nr.randn([263]).requiresGrad_(), pb = onGpu(pa.detach()).requiresGrad_();
    const qa = nr.randn([3, 5]).requiresGrad_(), qb = onGpu(qa.detach()).requiresGrad_();
    const oa = new Opt([pa, qa], o), ob = new Opt([pb, qb], o);
    for (let i = 0; i < steps; i++) {
      oa.zeroGrad(); ob.zeroGrad();
      pa.pow(3).sum().add(qa.sin().sum()).backward();
      pb.pow(3).sum().add(qb.sin().sum()).backward();
      oa.step(); ob.step();
    }
    close(back(pb.detach()), pa.detach(), tol);
    close(back(qb.detach()), qa.detach(), tol);
  };

  return {
    'crossEntropy with class weights, label smoothing and ignore indices (none / mean / sum)': () => {
      const x = nr.randn([9, 7]), t = nr.tensor([0, 3, 6, 2, 2, 5, 1, 0, 4], { dtype: 'int64' }), w = nr.rand([7]).add(0.5);
      for (const reduction of ['none', 'mean', 'sum']) {
        for (const o of [{ weight: w }, { labelSmoothing: 0.1 }, { ignoreIndex: 2 }, { ignoreIndex: 0, weight: w, labelSmoothing: 0.2 }, {}]) {
          sameAsCpu([x], (xx) => F.crossEntropy(xx, on(xx, t), { ...o, ...(o.weight ? { weight: on(xx, w) } : {}), reduction }), 1e-5);
        }
      }
      // bfloat16 logits, float64 logits, (N, C, d) input
      sameAsCpu([x.to('bfloat16')], (xx) => F.crossEntropy(xx, on(xx, t), { labelSmoothing: 0.1, ignoreIndex: 3 }), 3e-2);
      sameAsCpu([x.double()], (xx) => F.crossEntropy(xx, on(xx, t), { weight: on(xx, w).double() }), 1e-10);
      const x3 = nr.randn([2, 5, 3]), t3 = nr.tensor([[0, 4, 1], [3, 3, 2]], { dtype: 'int64' });
      sameAsCpu([x3], (xx) => F.crossEntropy(xx, on(xx, t3), { ignoreIndex: 3, labelSmoothing: 0.05 }), 1e-5);
    },

    'crossEntropy with class-probability targets and out-of-range targets': () => {
      const x = nr.randn([6, 5]), p = nr.randn([6, 5]).softmax(1), w = nr.rand([5]).add(0.5);
      sameAsCpu([x, p], (xx, pp) => F.crossEntropy(xx, pp, { labelSmoothing: 0.1 }), 1e-5);
      sameAsCpu([x, p], (xx, pp) => F.crossEntropy(xx, pp, { weight: on(xx, w), reduction: 'sum' }), 1e-5);
      // a bad target is flagged by the device and reported at the next readback
      const bad = nr.tensor([0, 9, 1, 2, 3, 4], { dtype: 'int64' });
      expect(() => F.crossEntropy(onGpu(x), onGpu(bad), { weight: onGpu(w) }).item()).toThrow(/target/);
      // the fast kernel (no weights): an int64 id past 2^32 must not wrap to a valid class
      const huge = nr.tensor([0, 2 ** 32 + 3, 1, 2, 3, 4], { dtype: 'int64' });
      expect(() => F.crossEntropy(onGpu(x), onGpu(huge)).item()).toThrow(/target/);
      expect(() => F.crossEntropy(onGpu(x), onGpu(bad)).item()).toThrow(/target/);
    },

    'nllLoss and the elementwise losses': () => {
      const lp = nr.randn([8, 6]).logSoftmax(1), t = nr.tensor([0, 5, 2, 2, 1, 3, 4, 0], { dtype: 'int64' }), w = nr.rand([6]).add(0.5);
      for (const o of [{}, { weight: w }, { ignoreIndex: 2, reduction: 'sum' }, { ignoreIndex: 0, weight: w, reduction: 'none' }]) {
        sameAsCpu([lp], (xx) => F.nllLoss(xx, on(xx, t), { ...o, ...(o.weight ? { weight: on(xx, w) } : {}) }), 1e-5);
      }
      const a = nr.randn([4, 5]), b = nr.randn([4, 5]), pr = nr.rand([4, 5]).mul(0.9).add(0.05), y = nr.rand([4, 5]);
      sameAsCpu([a, b], (u, v) => F.mseLoss(u, v), 1e-5);
      sameAsCpu([a, b], (u, v) => F.l1Loss(u, v, { reduction: 'sum' }), 1e-5);
      sameAsCpu([a, b], (u, v) => F.smoothL1Loss(u, v, { beta: 0.5 }), 1e-5);
      sameAsCpu([a, b], (u, v) => F.huberLoss(u, v, { delta: 0.7 }), 1e-5);
      sameAsCpu([pr, y], (u, v) => F.binaryCrossEntropy(u, v), 1e-5);
      sameAsCpu([a, y], (u, v) => F.binaryCrossEntropyWithLogits(u, v, { posWeight: on(u, nr.ones([5]).mul(2)) }), 1e-5);
      sameAsCpu([a.logSoftmax(1), b.softmax(1)], (u, v) => F.klDiv(u, v, { reduction: 'batchmean' }), 1e-5);
      const sign = nr.tensor([1, -1, 1, -1], { dtype: 'int64' });
      sameAsCpu([a, b], (u, v) => F.cosineEmbeddingLoss(u, v, on(u, sign), { margin: 0.1 }), 1e-5);
    },

    'Adam with amsgrad and L2 weight decay, AdamW with amsgrad': () => {
      optimSame(nr.optim.Adam, { lr: 0.01, amsgrad: true });
      optimSame(nr.optim.Adam, { lr: 0.01, weightDecay: 0.05 });
      optimSame(nr.optim.Adam, { lr: 0.01, weightDecay: 0.05, amsgrad: true, maximize: true });
      optimSame(nr.optim.AdamW, { lr: 0.01, weightDecay: 0.05, amsgrad: true });
      optimSame(nr.optim.AdamW, { lr: 0.01, weightDecay: 0.05 });
    },

    'RMSprop, Adagrad, LAMB and SGD variants train like the CPU': () => {
      for (const o of [{ lr: 0.01 }, { lr: 0.01, centered: true }, { lr: 0.01, momentum: 0.9, weightDecay: 0.01 }, { lr: 0.01, centered: true, momentum: 0.5, maximize: true }]) optimSame(nr.optim.RMSprop, o);
      for (const o of [{ lr: 0.05 }, { lr: 0.05, lrDecay: 0.1, weightDecay: 0.01, initialAccumulatorValue: 0.1 }]) optimSame(nr.optim.Adagrad, o);
      for (const o of [{ lr: 0.01 }, { lr: 0.01, adamWMode: false, maxGradNorm: 0.5 }, { lr: 0.01, weightDecay: 0, useNvLamb: true }]) optimSame(nr.optim.LAMB, o, 1e-4);
      for (const o of [{ lr: 0.01, momentum: 0.9, dampening: 0.1 }, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.01 }, { lr: 0.01, maximize: true }]) optimSame(nr.optim.SGD, o);
    },

    'clipGradNorm_ and clipGradValue_ on cuda gradients': () => {
      for (const normType of [2, 1, Infinity, 3]) {
        const a = nr.randn([40]).mul(3), b = nr.randn([7, 3]);
        const pa = [a.clone().requiresGrad_(), b.clone().requiresGrad_()], pb = [onGpu(a).requiresGrad_(), onGpu(b).requiresGrad_()];
        pa[0].pow(2).sum().add(pa[1].exp().sum()).backward();
        pb[0].pow(2).sum().add(pb[1].exp().sum()).backward();
        const na = nr.nn.utils.clipGradNorm_(pa, 1.5, { normType }), nb = nr.nn.utils.clipGradNorm_(pb, 1.5, { normType });
        expect(nb).toBeCloseTo(na, 3);
        pa.forEach((p, i) => close(back(pb[i].grad), p.grad, 1e-5));
        nr.nn.utils.clipGradValue_(pa, 0.3); nr.nn.utils.clipGradValue_(pb, 0.3);
        pa.forEach((p, i) => close(back(pb[i].grad), p.grad, 1e-6));
      }
    },

    'batch norm backward in eval mode, group norm, rms norm': () => {
      const x = nr.randn([4, 6, 5, 3]).mul(2).add(1), w = nr.randn([6]), b = nr.randn([6]);
      const rm = nr.randn([6]), rv = nr.rand([6]).add(0.5);
      sameAsCpu([x, w, b], (xx, ww, bb) => F.batchNorm(xx, on(xx, rm), on(xx, rv), { weight: ww, bias: bb, training: false }), 1e-5);
      sameAsCpu([x.reshape([4, 6, 15]).sum(2)], (xx) => F.batchNorm(xx, on(xx, rm), on(xx, rv), { training: false }), 1e-5);
      sameAsCpu([x, w, b], (xx, ww, bb) => F.groupNorm(xx, 3, { weight: ww, bias: bb }), 1e-4);
      sameAsCpu([x.to('bfloat16')], (xx) => F.groupNorm(xx.device === 'cpu' ? xx.float() : xx, 2), 3e-2);
    },

    'pooling: adaptive (non-divisible sizes), 1-D, ceil mode, padding, dilation': () => {
      const x = nr.randn([2, 3, 11, 9]), s = nr.randn([2, 4, 17]);
      for (const o of [[3, 4], [5, 2], [11, 9], [4, 9], 1, 7]) sameAsCpu([x], (t) => F.adaptiveAvgPool2d(t, o), 1e-5);
      sameAsCpu([x.to('bfloat16')], (t) => F.adaptiveAvgPool2d(t.device === 'cpu' ? t.float() : t, [4, 5]), 3e-2);
      sameAsCpu([x.double()], (t) => F.adaptiveAvgPool2d(t, [2, 3]), 1e-12);
      for (const o of [5, 3, 17]) sameAsCpu([s], (t) => F.adaptiveAvgPool1d(t, o), 1e-5);
      sameAsCpu([s], (t) => F.maxPool1d(t, 3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }), 1e-6);
      sameAsCpu([s], (t) => F.avgPool1d(t, 4, { stride: 3, padding: 2, ceilMode: true, countIncludePad: false }), 1e-5);
      sameAsCpu([x], (t) => F.maxPool2d(t, [3, 2], { stride: [2, 1], padding: [1, 1], dilation: [2, 3] }), 1e-6);
      sameAsCpu([x], (t) => F.avgPool2d(t, 3, { stride: 2, padding: 1, ceilMode: true, divisorOverride: 5 }), 1e-5);
    },

    'clamp, mish, step, log2/exp2/frac, explicit fills of every dtype': () => {
      const x = nr.randn([5, 7]).mul(3);
      sameAsCpu([x], (t) => t.clamp(-1, 0.5), 1e-6);
      sameAsCpu([x], (t) => t.clamp(null, 0.5), 1e-6);
      sameAsCpu([x], (t) => t.mish(), 1e-5);
      sameAsCpu([x.abs().add(0.1)], (t) => t.log2().add(t.log10()), 1e-5);
      sameAsCpu([x], (t) => t.exp2().add(t.frac()), 1e-5);
      close(back(F.step(onGpu(x))), F.step(x), 0);
      for (const [p, d] of [[1, 1], [Infinity, undefined], [3, [0]], [0, 1], [-Infinity, 0]]) sameAsCpu([x], (t) => t.norm(p, d), 1e-5);
      const xi = nr.randint(-9, 9, [30]);
      expect(back(onGpu(xi).clamp(-3, 4)).toArray()).toEqual(xi.clamp(-3, 4).toArray());
      for (const dtype of ['float64', 'int32', 'int64', 'uint8', 'bool', 'float32', 'bfloat16']) {
        const v = dtype === 'bool' ? 1 : dtype === 'uint8' ? 200 : -7.5;
        const a = nr.zeros([3, 5], { dtype }).fill_(v), b = nr.zeros([3, 5], { dtype, device: 'cuda' }).fill_(v);
        expect(back(b).toArray()).toEqual(a.toArray());
        const bs = nr.zeros([3, 5], { dtype, device: 'cuda' });
        bs.slice(1, 1, 4).fill_(v);
        const as = nr.zeros([3, 5], { dtype });
        as.slice(1, 1, 4).fill_(v);
        expect(back(bs).toArray()).toEqual(as.toArray());
      }
    },

    'asin/acos/atan, sinh/cosh, asinh/acosh/atanh and signbit match the CPU (forward and gradients)': () => {
      const u = nr.rand([6, 7]).mul(1.98).sub(0.99), x = nr.randn([6, 7]).mul(3);
      sameAsCpu([u], (t) => t.asin().add(t.acos()).add(t.atanh()), 1e-5);
      sameAsCpu([x], (t) => t.atan().add(t.sinh()).add(t.cosh()).add(t.asinh()), 1e-5);
      sameAsCpu([x.abs().add(1.01)], (t) => t.acosh(), 1e-5);
      const edge = nr.tensor([0, -0, 1, -1, 2, -2, 1e30, -1e30, 3e38, NaN, Infinity, -Infinity, 1e-20]);
      const same = (a, b) => a.forEach((v, i) => {   // equal infinities and NaNs, else within 1e-6 relative
        if (Number.isNaN(b[i]) || !Number.isFinite(b[i])) expect(Object.is(v, b[i]) || (Number.isNaN(v) && Number.isNaN(b[i]))).toBe(true);
        else expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(b[i])));
      });
      for (const op of ['asin', 'acos', 'atan', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh']) same(back(onGpu(edge)[op]()).toFlatArray(), edge[op]().toFlatArray());
      expect(back(onGpu(edge).signbit()).toArray()).toEqual(edge.signbit().toArray().map((b, i) => (Number.isNaN(edge.toArray()[i]) ? false : b)));
      const xi = nr.randint(-5, 5, [20]);
      expect(back(onGpu(xi).signbit()).toArray()).toEqual(xi.signbit().toArray());
      const hb = nr.randn([9]).mul(4).to('bfloat16');
      close(back(onGpu(hb).asinh()).float(), hb.asinh().float(), 1e-2);
    },

    'every nn layer on cuda matches the CPU layer (forward and parameter gradients)': () => {
      const nn = nr.nn;
      const x2 = nr.randn([6, 10]), x3 = nr.randn([3, 4, 12]), x4 = nr.randn([2, 3, 9, 9]), seq = nr.randn([5, 3, 8]);
      layerSame(() => new nn.Linear(10, 7), [x2], 1e-4);
      layerSame(() => new nn.Bilinear(10, 10, 3), [x2, x2.mul(0.5)], 1e-4);
      layerSame(() => new nn.Conv1d(4, 5, 3, { padding: 1, stride: 2 }), [x3], 1e-4);
      layerSame(() => new nn.Conv2d(3, 4, 3, { padding: 1 }), [x4], 1e-4);
      layerSame(() => new nn.ConvTranspose1d(4, 2, 3, { stride: 2 }), [x3], 1e-4);
      layerSame(() => new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }), [x4], 1e-4);
      layerSame(() => new nn.BatchNorm1d(10), [x2], 1e-4);
      layerSame(() => new nn.BatchNorm2d(3), [x4], 1e-4);
      layerSame(() => { const m = new nn.BatchNorm2d(3); m.eval(); return m; }, [x4], 1e-4);
      layerSame(() => new nn.LayerNorm(12), [x3], 1e-4);
      layerSame(() => new nn.RMSNorm(12), [x3], 1e-4);
      layerSame(() => new nn.GroupNorm(2, 4), [x3], 1e-4);
      layerSame(() => new nn.Embedding(20, 6, { paddingIdx: 3 }), [nr.tensor([[1, 3, 19], [0, 3, 7]], { dtype: 'int64' })], 1e-5);
      layerSame(() => new nn.Embedding(20, 6, { maxNorm: 1, normType: 1 }), [nr.tensor([[1, 3, 19], [0, 3, 7]], { dtype: 'int64' })], 1e-5);
      layerSame(() => new nn.Sequential(new nn.Dropout(0.3), new nn.Flatten(), new nn.Unflatten(1, [2, 5])), [x2], 1e-6, (m, x) => { m.eval(); return m.forward(x); });
      for (const A of [nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.Sigmoid, nn.Tanh, nn.GELU, nn.SiLU, nn.Mish, nn.Softplus, nn.Hardtanh]) layerSame(() => new A(), [x2], 1e-5);
      layerSame(() => new nn.Softmax(1), [x2], 1e-5);
      layerSame(() => new nn.LogSoftmax(1), [x2], 1e-5);
      layerSame(() => new nn.MaxPool2d(2), [x4], 1e-6);
      layerSame(() => new nn.AvgPool2d(3, { stride: 2 }), [x4], 1e-5);
      layerSame(() => new nn.AdaptiveAvgPool2d([4, 2]), [x4], 1e-5);
      layerSame(() => new nn.MaxPool1d(3), [x3], 1e-6);
      layerSame(() => new nn.AvgPool1d(2), [x3], 1e-5);
      layerSame(() => new nn.AdaptiveAvgPool1d(5), [x3], 1e-5);
      for (const R of [nn.RNN, nn.LSTM, nn.GRU]) {
        layerSame(() => new R(8, 6, { numLayers: 2 }), [seq], 1e-4);
        layerSame(() => new R(8, 6, { bidirectional: true, batchFirst: true }), [seq], 1e-4);
      }
      layerSame(() => new nn.RNNCell(8, 6), [seq.select(0, 0)], 1e-4);
      layerSame(() => new nn.LSTMCell(8, 6), [seq.select(0, 0)], 1e-4);
      layerSame(() => new nn.GRUCell(8, 6), [seq.select(0, 0)], 1e-4);
      layerSame(() => new nn.MultiheadAttention(8, 2), [seq, seq, seq], 1e-4);
      layerSame(() => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 }), [seq], 1e-4);
      layerSame(() => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 }), [seq, seq.mul(0.5)], 1e-4);
      layerSame(() => new nn.SinusoidalPositionalEncoding(8, { dropout: 0 }), [seq], 1e-5);
      layerSame(() => new nn.LearnedPositionalEmbedding(10, 8), [seq], 1e-5);
    },
  };
};
