// Workload `lenet` (BENCHMARKS.md): train step of LeNet-5 (conv 1→6 5×5 pad 2, ReLU, maxpool 2,
// conv 6→16 5×5, ReLU, maxpool 2, fc 400-120-84-10 with ReLU), batch 64 of 1×28×28,
// cross-entropy, Adam (lr 1e-3), over 8 pre-made random batches. Steps per second.
'use strict';
const { classifierStep, trainWorkload } = require('../lib/train');

/** Builds the model, optimizer, batches and the step function. */
function setup(nr) {
  const { nn, optim } = nr;
  nr.manualSeed(0);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const batches = Array.from({ length: 8 }, () => [nr.randn([64, 1, 28, 28]), nr.randint(0, 10, [64])]);
  return { model, opt, batches, step: classifierStep(nr, model, opt) };
}

module.exports = trainWorkload('lenet', setup, 64);
