// Workload `gemm` (BENCHMARKS.md): float32 C = A·B for (M,K,N) = 256³, 512³, 1024³, 2048³,
// 128×784×256, and the MLP backward shapes dX = G·Wᵀ (128,256,784) and dW = Xᵀ·G (784,128,256)
// with the transposed operands passed as views. GFLOP/s per shape, plus % of the FMA peak.
'use strict';
const { timeit, summarize } = require('../lib/stats');
const { fmaPeak } = require('../lib/fma_peak');

/** [name, M, K, N, make(nr) -> [a, b]] */
const SHAPES = [
  ['256^3', 256, 256, 256],
  ['512^3', 512, 512, 512],
  ['1024^3', 1024, 1024, 1024],
  ['2048^3', 2048, 2048, 2048],
  ['128x784x256', 128, 784, 256],
  ['dX=G.Wt 128x256x784', 128, 256, 784, 'bt'],
  ['dW=Xt.G 784x128x256', 784, 128, 256, 'at'],
];

function operands(nr, M, K, N, kind) {
  nr.manualSeed(0);
  // dX: G (M,K) times Wᵀ where W is (N,K); dW: Xᵀ where X is (K,M), times G (K,N).
  const a = kind === 'at' ? nr.randn([K, M]).transpose(0, 1) : nr.randn([M, K]);
  const b = kind === 'bt' ? nr.randn([N, K]).transpose(0, 1) : nr.randn([K, N]);
  return [a, b];
}

module.exports = {
  name: 'gemm',
  unit: 'GFLOP/s',
  higherIsBetter: true,
  shapes: SHAPES,
  run(ctx) {
    const { nr, threads } = ctx;
    const results = {};
    for (const [name, M, K, N, kind] of SHAPES) {
      const [a, b] = operands(nr, M, K, N, kind);
      const flops = 2 * M * K * N;
      const ms = timeit(() => nr.matmul(a, b).dispose(), { warmup: 3, samples: ctx.quick ? 3 : 9, minSampleMs: ctx.quick ? 20 : 60 });
      results[name] = summarize(ms.map((t) => flops / (t * 1e6)), 'GFLOP/s');
      a.dispose(); b.dispose();
    }
    const peak = fmaPeak(threads);
    const meta = { threads, isa: nr.backend.cpuInfo().active };
    if (peak) {
      meta.fmaPeak = peak;
      // % of the widest ISA's peak per core times the threads (the measured N-thread figure is
      // also reported; on a shared machine it can come out below that).
      meta.peakGflops = peak.perCore * threads;
      for (const r of Object.values(results)) r.pctPeak = (100 * r.median) / meta.peakGflops;
    }
    return { results, meta };
  },
};
