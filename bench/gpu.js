// GPU training-step benchmark (run on the device machine by cuda/dev/run_device.sh, twin of
// bench/gpu_torch.py): the tiny GPT of BENCHMARKS.md and a GPT-2-small-sized model (12 layers, d 768,
// 12 heads, seq 1024, vocab 50304, batch 8), AdamW (lr 3e-4, wd 0.1), float32 and autocast bfloat16.
// Usage: node bench/gpu.js <package dir> [--quick]. Prints one JSON line per configuration.
'use strict';
const path = require('path');
const { gptClasses } = require('./models/gpt.js');

const CONFIGS = [
  { name: 'tiny-gpt', model: { vocab: 256, d: 128, nHead: 4, nLayer: 2, seq: 128 }, batch: 16, amp: [false, true], steps: 50 },
  { name: 'gpt2-small', model: { vocab: 50304, d: 768, nHead: 12, nLayer: 12, seq: 1024 }, batch: 8, amp: [true], steps: 10 },
];

function run(nr, cfg, amp, quick) {
  nr.manualSeed(0);
  const { TinyGPT } = gptClasses(nr);
  const m = new TinyGPT(cfg.model).to('cuda');
  const opt = new nr.optim.AdamW(m.parameters(), { lr: 3e-4, weightDecay: 0.1 });
  const { vocab, seq } = cfg.model;
  const x = nr.randint(0, vocab, [cfg.batch, seq]).to('cuda'), y = nr.randint(0, vocab, [cfg.batch, seq]).to('cuda');
  const step = () => nr.tidy(() => {
    const f = () => nr.nn.functional.crossEntropy(m.forward(x).reshape([-1, vocab]), y.reshape([-1]));
    const loss = amp ? nr.autocast('bfloat16', f) : f();
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  });
  const warm = quick ? 1 : 3, n = quick ? 2 : cfg.steps;
  let first = 0;
  for (let i = 0; i < warm; i++) first = step();
  nr.cuda.synchronize();
  const t0 = process.hrtime.bigint();
  let last = 0;
  for (let i = 0; i < n; i++) last = step();
  nr.cuda.synchronize();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { workload: cfg.name, amp: amp ? 'bf16' : 'fp32', steps_per_s: n / s, tokens_per_s: (n * cfg.batch * seq) / s, loss_first: first, loss_last: last,
    memory_reserved_mib: nr.cuda.memoryReserved() / 2 ** 20 };
}

function main() {
  const nr = require(path.join(path.resolve(process.argv[2] || '.'), 'dist/cjs'));
  const quick = process.argv.includes('--quick');
  if (!nr.cuda.isAvailable()) { console.error('bench/gpu.js: CUDA unavailable:', nr.cuda.info().reason); process.exit(2); }
  for (const cfg of CONFIGS) {
    for (const amp of cfg.amp) {
      try { console.log(JSON.stringify({ lib: 'neurona', ...run(nr, cfg, amp, quick) })); } catch (e) {
        console.log(JSON.stringify({ lib: 'neurona', workload: cfg.name, amp: amp ? 'bf16' : 'fp32', error: String(e && e.message) }));
      }
      nr.cuda.emptyCache();
    }
  }
}
main();
