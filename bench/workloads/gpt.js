// Workload `gpt` (BENCHMARKS.md): train step of a tiny GPT (bench/models/gpt.js): vocab 256, d 128,
// 4 heads, 2 layers, seq 128, batch 16, cross-entropy over next tokens, AdamW lr 3e-4 wd 0.1,
// over 8 pre-made batches of random tokens. Steps per second.
'use strict';
const { timeTrainSteps } = require('../lib/train');
const { gptClasses } = require('../models/gpt');

const CFG = { vocab: 256, d: 128, nHead: 4, nLayer: 2, seq: 128 };
const BATCH = 16;

/** Builds the model, optimizer, batches and the step function. */
function setup(nr) {
  const { nn, optim } = nr;
  nr.manualSeed(0);
  const { TinyGPT } = gptClasses(nr);
  const model = new TinyGPT(CFG);
  const opt = new optim.AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.1 });
  const batches = Array.from({ length: 8 }, () => [nr.randint(0, CFG.vocab, [BATCH, CFG.seq]), nr.randint(0, CFG.vocab, [BATCH * CFG.seq])]);
  const step = (x, y) => {
    opt.zeroGrad();
    nn.functional.crossEntropy(model.forward(x).reshape([BATCH * CFG.seq, CFG.vocab]), y).backward();
    opt.step();
  };
  return { model, opt, batches, step };
}

module.exports = {
  name: 'gpt',
  unit: 'steps/s',
  higherIsBetter: true,
  setup,
  run(ctx) {
    const { nr } = ctx;
    const { model, batches, step } = setup(nr);
    const nParams = model.parameters().reduce((s, p) => s + p.numel(), 0);
    return { results: { 'train step': timeTrainSteps(nr, step, batches, { quick: ctx.quick, warmup: 2, samples: 7, minSampleMs: 300 }) }, meta: { threads: ctx.threads, batch: BATCH, params: nParams } };
  },
};
