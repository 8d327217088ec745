// Workload `mlp` (BENCHMARKS.md): train step of an MLP 784-256-128-10 with ReLU, batch 128,
// cross-entropy, Adam lr 1e-3, cycling over 8 pre-made random batches. Steps per second.
// setup() is shared with the `rss` workload's child process.
'use strict';
const { classifierStep, trainWorkload } = require('../lib/train');

/** Builds the model, optimizer, batches and the step function. */
function setup(nr) {
  const { nn, optim } = nr;
  nr.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const batches = Array.from({ length: 8 }, () => [nr.randn([128, 784]), nr.randint(0, 10, [128])]);
  return { model, opt, batches, step: classifierStep(nr, model, opt) };
}

module.exports = trainWorkload('mlp', setup, 128);
