// Workload `attn` (BENCHMARKS.md): causal attention forward softmax(QKᵀ/√d + causal mask)·V,
// B4 H8 S256 D64, float32, with the fused scaledDotProductAttention. Extra rows: forward +
// backward (dQ, dK, dV), and the backward alone (forward untimed before each call). Milliseconds.
'use strict';
const { timeit, timeitSplit, summarize } = require('../lib/stats');

const [B, H, S, D] = [4, 8, 256, 64];

module.exports = {
  name: 'attn',
  unit: 'ms',
  higherIsBetter: false,
  run(ctx) {
    const { nr } = ctx;
    const opts = { warmup: 3, samples: ctx.quick ? 3 : 9, minSampleMs: ctx.quick ? 20 : 60 };
    nr.manualSeed(0);
    const [q, k, v] = [0, 1, 2].map(() => nr.randn([B, H, S, D]));
    const results = {};
    results['causal fwd'] = summarize(timeit(() => nr.scaledDotProductAttention(q, k, v, { isCausal: true }).dispose(), opts), 'ms');
    for (const t of [q, k, v]) t.requiresGrad = true;
    const g = nr.randn([B, H, S, D]);
    results['causal fwd+bwd'] = summarize(timeit(() => nr.tidy(() => {
      nr.scaledDotProductAttention(q, k, v, { isCausal: true }).backward(g);
      for (const t of [q, k, v]) { t.grad.dispose(); t.grad = null; }
    }), opts), 'ms');
    // Backward alone: the forward runs untimed before each timed backward.
    let y = null;
    const bwdMs = timeitSplit(() => { y = nr.scaledDotProductAttention(q, k, v, { isCausal: true }); }, () => {
      y.backward(g);
    }, () => { y.dispose(); for (const t of [q, k, v]) { t.grad.dispose(); t.grad = null; } }, opts);
    results['causal bwd'] = summarize(bwdMs, 'ms');
    return { results, meta: { threads: ctx.threads, isa: nr.backend.cpuInfo().active, shape: [B, H, S, D] } };
  },
};
