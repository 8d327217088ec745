// Shared loop for the training workloads (mlp, lenet, gpt): times one optimizer step over a ring
// of pre-made batches (zeroGrad, forward, loss, backward, step inside a tidy scope) and reports
// steps per second.
'use strict';
const { timeit, summarize } = require('./stats');

/**
 * step(x, y) runs one full train step; batches is a list of [x, y]. Returns the summary in
 * steps/s (median of `samples` timed samples after warm-up) and the last loss read back.
 */
function timeTrainSteps(nr, step, batches, { quick = false, warmup = 3, samples = 9, minSampleMs = 250 } = {}) {
  let i = 0;
  const one = () => { const [x, y] = batches[i++ % batches.length]; nr.tidy(() => { step(x, y); }); };
  const ms = timeit(one, { warmup, samples: quick ? 3 : samples, minSampleMs: quick ? 60 : minSampleMs });
  return summarize(ms.map((t) => 1000 / t), 'steps/s');
}

/** The step of a classifier workload: zeroGrad, cross-entropy of model(x) against y, backward, step. */
function classifierStep(nr, model, opt) {
  return (x, y) => {
    opt.zeroGrad();
    nr.nn.functional.crossEntropy(model.forward(x), y).backward();
    opt.step();
  };
}

/** A steps/s training workload module around setup(nr) -> { batches, step }. */
function trainWorkload(name, setup, batch) {
  return {
    name,
    unit: 'steps/s',
    higherIsBetter: true,
    setup,
    run(ctx) {
      const { batches, step } = setup(ctx.nr);
      return { results: { 'train step': timeTrainSteps(ctx.nr, step, batches, { quick: ctx.quick }) }, meta: { threads: ctx.threads, batch } };
    },
  };
}

module.exports = { timeTrainSteps, classifierStep, trainWorkload };
