// Workload `conv` (BENCHMARKS.md): conv2d 3×3, pad 1, stride 1, float32 with bias:
// (a) N32 C3→32 32×32 forward, (b) N8 C64→64 56×56 forward, and (a) forward + backward for
// both dX and dW (and the bias gradient). Milliseconds per call.
'use strict';
const { timeit, summarize } = require('../lib/stats');

const CASES = { a: [32, 3, 32, 32], b: [8, 64, 64, 56] }; // N, C, K, H(=W)

function operands(nr, [N, C, K, H], grad) {
  nr.manualSeed(0);
  const x = nr.randn([N, C, H, H]), w = nr.randn([K, C, 3, 3]).mul(0.1), b = nr.randn([K]);
  if (grad) for (const t of [x, w, b]) t.requiresGrad = true;
  return [x, w, b];
}

module.exports = {
  name: 'conv',
  unit: 'ms',
  higherIsBetter: false,
  run(ctx) {
    const { nr } = ctx;
    const opts = { warmup: 3, samples: ctx.quick ? 3 : 9, minSampleMs: ctx.quick ? 20 : 60 };
    const results = {};
    for (const name of ['a', 'b']) {
      const [x, w, b] = operands(nr, CASES[name], false);
      results[`(${name}) fwd`] = summarize(timeit(() => nr.conv2d(x, w, b, { padding: 1 }).dispose(), opts), 'ms');
      for (const t of [x, w, b]) t.dispose();
    }
    const [x, w, b] = operands(nr, CASES.a, true);
    const g = nr.randn([32, 32, 32, 32]);
    results['(a) fwd+bwd'] = summarize(timeit(() => nr.tidy(() => {
      nr.conv2d(x, w, b, { padding: 1 }).backward(g);
      for (const t of [x, w, b]) { t.grad.dispose(); t.grad = null; }
    }), opts), 'ms');
    return { results, meta: { threads: ctx.threads, isa: nr.backend.cpuInfo().active } };
  },
};
