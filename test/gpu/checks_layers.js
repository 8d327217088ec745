// GPU checks of the CNN and optimizer ops on cuda (conv2d and transposes, pooling, batch norm, RMSNorm,
// reductions, SGD, a LeNet step) against the CPU kernels. Plain JavaScript shared by vitest
// (test/cuda-layers.test.ts) and the device runner (test/gpu/run.js). checks(nr, expect) -> { name: fn }.
'use strict';
const util = require('./util');

module.exports = function checks(nr, expect) {
  const F = nr.nn.functional;
  const { close, onGpu, back, sameAsCpu } = util(nr, expect);
  return {
    'conv2d forward and backward over strides, padding, dilation and groups': () => {
      const cases = [
        [[2, 3, 9, 11], [4, 3, 3, 3], {}], [[2, 4, 8, 8], [6, 2, 3, 3], { groups: 2, padding: 1 }],
        [[1, 3, 15, 15], [8, 3, 7, 7], { stride: 2, padding: 3 }], [[2, 5, 7, 7], [5, 1, 3, 3], { groups: 5, padding: 'same' }],
        [[2, 4, 10, 10], [4, 4, 3, 3], { dilation: 2 }], [[3, 16, 6, 6], [32, 16, 1, 1], {}],
      ];
      for (const dtype of ['float32', 'bfloat16']) {
        const tol = dtype === 'float32' ? 1e-4 : 3e-2;
        for (const [xs, ws, o] of cases) {
          const x = nr.randn(xs).to(dtype), w = nr.randn(ws).to(dtype), bias = nr.randn([ws[0]]).to(dtype);
          sameAsCpu([x, w, bias], (xx, ww, bb) => (xx.device === 'cpu' ? F.conv2d(xx.float(), ww.float(), bb.float(), o) : F.conv2d(xx, ww, bb, o)), tol);
        }
      }
    },

    'convTranspose2d and conv1d': () => {
      const x = nr.randn([2, 4, 5, 6]), w = nr.randn([4, 3, 3, 3]);
      sameAsCpu([x, w], (xx, ww) => F.convTranspose2d(xx, ww, null, { stride: 2, padding: 1, outputPadding: 1 }), 1e-4);
      const s = nr.randn([2, 3, 20]), k = nr.randn([5, 3, 4]);
      sameAsCpu([s, k], (ss, kk) => F.conv1d(ss, kk, null, { stride: 2 }), 1e-4);
    },

    'max and average pooling': () => {
      const x = nr.randn([2, 3, 11, 9]);
      sameAsCpu([x], (t) => F.maxPool2d(t, 2), 1e-6);
      sameAsCpu([x], (t) => F.maxPool2d(t, 3, { stride: 2, padding: 1, ceilMode: true }), 1e-6);
      sameAsCpu([x], (t) => F.avgPool2d(t, 3, { stride: 2, padding: 1, countIncludePad: false }), 1e-5);
      sameAsCpu([x], (t) => F.adaptiveAvgPool2d(t, 1), 1e-5);
    },

    'batch norm (training updates the running statistics; eval uses them) and RMSNorm': () => {
      const cpu = new nr.nn.BatchNorm2d(6), gpu = new nr.nn.BatchNorm2d(6).to('cuda');
      const x = nr.randn([4, 6, 5, 5]).mul(3).add(1);
      for (let i = 0; i < 3; i++) {
        const ya = cpu.forward(x), yb = gpu.forward(onGpu(x));
        close(back(yb), ya, 1e-4);
      }
      close(back(gpu.runningMean), cpu.runningMean, 1e-5);
      close(back(gpu.runningVar), cpu.runningVar, 1e-4);
      cpu.eval(); gpu.eval();
      close(back(gpu.forward(onGpu(x))), cpu.forward(x), 1e-4);
      const w = nr.randn([6]), b = nr.randn([6]);
      sameAsCpu([x, w, b], (xx, ww, bb) => F.batchNorm(xx, null, null, { weight: ww, bias: bb, training: true }), 1e-4);
      const r = nr.randn([7, 16]), rw = nr.randn([16]);
      sameAsCpu([r, rw], (xx, ww) => F.rmsNorm(xx, [16], { weight: ww }), 1e-4);
    },

    'reductions: max/min/argmax, prod, var, logsumexp, norm': () => {
      const x = nr.randn([5, 6, 7]);
      for (const d of [0, 1, 2]) {
        close(back(onGpu(x).amax(d)), x.amax(d), 0);
        expect(back(onGpu(x).argmax(d)).toArray()).toEqual(x.argmax(d).toArray());
        expect(back(onGpu(x).argmin(d)).toArray()).toEqual(x.argmin(d).toArray());
        close(back(onGpu(x).var(d)), x.var(d), 1e-4);
        close(back(onGpu(x).logsumexp(d)), x.logsumexp(d), 1e-5);
      }
      close(back(onGpu(x.abs().add(0.5)).prod(2)), x.abs().add(0.5).prod(2), 1e-4);
      close(back(onGpu(x).norm()), x.norm(), 1e-5);
      expect(onGpu(x).argmax().item()).toBe(x.argmax().item());
    },

    'SGD with momentum, nesterov and weight decay matches the CPU': () => {
      for (const o of [{ lr: 0.1 }, { lr: 0.05, momentum: 0.9, weightDecay: 1e-2 }, { lr: 0.05, momentum: 0.9, nesterov: true }]) {
        const pa = nr.randn([257]).requiresGrad_(), pb = onGpu(pa.detach()).requiresGrad_();
        const oa = new nr.optim.SGD([pa], o), ob = new nr.optim.SGD([pb], o);
        for (let i = 0; i < 4; i++) {
          oa.zeroGrad(); ob.zeroGrad();
          pa.pow(3).sum().backward(); pb.pow(3).sum().backward();
          oa.step(); ob.step();
        }
        close(back(pb.detach()), pa.detach(), 1e-5);
      }
    },

    'a LeNet training step on cuda follows the CPU one': () => {
      const build = () => {
        nr.manualSeed(0);
        return new nr.nn.Sequential(new nr.nn.Conv2d(1, 6, 5, { padding: 2 }), new nr.nn.ReLU(), new nr.nn.MaxPool2d(2),
          new nr.nn.Conv2d(6, 16, 5), new nr.nn.ReLU(), new nr.nn.MaxPool2d(2), new nr.nn.Flatten(),
          new nr.nn.Linear(400, 120), new nr.nn.ReLU(), new nr.nn.Linear(120, 84), new nr.nn.ReLU(), new nr.nn.Linear(84, 10));
      };
      const cpu = build(), gpu = build().to('cuda');
      const oa = new nr.optim.SGD(cpu.parameters(), { lr: 0.05, momentum: 0.9 }), ob = new nr.optim.SGD(gpu.parameters(), { lr: 0.05, momentum: 0.9 });
      const x = nr.randn([32, 1, 28, 28]), y = nr.randint(0, 10, [32]);
      for (let i = 0; i < 3; i++) {
        oa.zeroGrad(); ob.zeroGrad();
        const la = F.crossEntropy(cpu.forward(x), y), lb = F.crossEntropy(gpu.forward(onGpu(x)), onGpu(y));
        expect(lb.item()).toBeCloseTo(la.item(), 3);
        la.backward(); lb.backward();
        oa.step(); ob.step();
      }
      cpu.parameters().forEach((p, i) => close(back(gpu.parameters()[i].detach()), p.detach(), 1e-3));
    },
  };
};
