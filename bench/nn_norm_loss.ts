// Fused normalisation and cross-entropy kernels against the same math written as chains of tensor
// ops, at the reference kernel level and at the CPU's best level (best of N, milliseconds).
// Run: npx vite-node bench/nn_norm_loss.ts [iters=9]
import * as nr from '../src/index';

const F = nr.nn.functional;
const iters = Number(process.argv[2] ?? 9);

function best(fn: () => void): number {
  nr.tidy(fn);
  let b = Infinity;
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    nr.tidy(fn);
    b = Math.min(b, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return b;
}

const x = nr.randn([2048, 1024]).requiresGrad_(), w = nr.ones([1024]).requiresGrad_(), b = nr.zeros([1024]).requiresGrad_();
const g = nr.randn([2048, 1024]);
const bx = nr.randn([64, 64, 32, 32]).requiresGrad_(), bg = nr.randn([64, 64, 32, 32]);
const logits = nr.randn([4096, 1000]).requiresGrad_(), target = nr.randint(0, 1000, [4096]);
const clear = () => { for (const t of [x, w, b, bx, logits]) t.grad = null; };

const rows: [string, () => void][] = [
  ['layerNorm [2048,1024] forward', () => { nr.noGrad(() => F.layerNorm(x, 1024, { weight: w, bias: b })); }],
  ['layerNorm [2048,1024] forward+backward', () => { F.layerNorm(x, 1024, { weight: w, bias: b }).backward(g); clear(); }],
  ['  same math as tensor ops', () => {
    const m = x.mean(-1, { keepdim: true }), d = x.sub(m), v = d.mul(d).mean(-1, { keepdim: true });
    d.div(v.add(1e-5).sqrt()).mul(w).add(b).backward(g); clear();
  }],
  ['batchNorm train [64,64,32,32] forward+backward', () => { F.batchNorm(bx, null, null, { training: true }).backward(bg); clear(); }],
  ['crossEntropy [4096,1000] forward+backward', () => { F.crossEntropy(logits, target).backward(); clear(); }],
  ['  logSoftmax + nllLoss', () => { F.nllLoss(logits.logSoftmax(1), target).backward(); clear(); }],
];

const levels = ['ref', nr.backend.cpuInfo().best];
console.log(`threads ${nr.backend.getNumThreads()}, best of ${iters}; ms at kernel level ${levels.join(' / ')}`);
for (const [name, fn] of rows) {
  const t = levels.map((l) => { nr.backend.setKernelLevel(l as any); return best(fn); });
  console.log(`${name.padEnd(48)} ${t.map((v) => v.toFixed(2).padStart(8)).join(' ')}`);
}
nr.backend.setKernelLevel(levels[1] as any);
