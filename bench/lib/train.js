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

module.exports = { timeTrainSteps };
