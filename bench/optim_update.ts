// Optimizer-update throughput: the fused native step (one pass per parameter) against the same
// Adam/SGD update written as a chain of tensor ops (what PyTorch's single-tensor path does).
// Run: npx vite-node bench/optim_update.ts [numel=4000000] [iters=20]
import * as nr from '../src/index';
import type { Tensor } from '../src/index';

const n = Number(process.argv[2] ?? 4_000_000);
const iters = Number(process.argv[3] ?? 20);

function time(fn: () => void): number {
  fn(); fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / iters;
}

/** Adam as unfused tensor ops (float32), mirroring torch.optim's _single_tensor_adam. */
function adamChain(p: Tensor, g: Tensor, m: Tensor, v: Tensor, step: number, lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8) {
  nr.noGrad(() => nr.tidy(() => {
    m.mul_(b1).add_(g, { alpha: 1 - b1 });
    v.mul_(b2).add_(g.mul(g).mul(1 - b2));
    const bc1 = 1 - b1 ** step, bc2 = 1 - b2 ** step;
    const denom = v.sqrt().div(Math.sqrt(bc2)).add(eps);
    p.add_(m.div(denom).mul(-lr / bc1));
  }));
}

function sgdChain(p: Tensor, g: Tensor, buf: Tensor, lr = 0.01, mom = 0.9) {
  nr.noGrad(() => { buf.mul_(mom).add_(g); p.add_(buf, { alpha: -lr }); });
}

const info = nr.backend.cpuInfo();
console.log(`numel ${n}, float32, ${info.threads} threads, kernels ${info.active}`);
nr.manualSeed(0);
for (const level of ['ref', info.best]) {
  nr.backend.setKernelLevel(level as any);
  const p = nr.randn([n]).requiresGrad_(true);
  p.grad = nr.randn([n]);
  const adam = new nr.optim.Adam([p], { lr: 1e-3 });
  const tA = time(() => adam.step());
  const q = nr.randn([n]).requiresGrad_(true);
  q.grad = nr.randn([n]);
  const sgd = new nr.optim.SGD([q], { lr: 0.01, momentum: 0.9 });
  const tS = time(() => sgd.step());
  // bytes moved per element: Adam reads p,g,m,v and writes p,m,v (7 x 4 B); SGD reads p,g,buf, writes p,buf (5 x 4 B)
  console.log(`${level.padEnd(7)} fused Adam ${tA.toFixed(2)} ms (${(7 * 4 * n / tA / 1e6).toFixed(1)} GB/s)   fused SGD+momentum ${tS.toFixed(2)} ms (${(5 * 4 * n / tS / 1e6).toFixed(1)} GB/s)`);
}
nr.backend.setKernelLevel(info.best as any);
const p = nr.randn([n]), g = nr.randn([n]), m = nr.zeros([n]), v = nr.zeros([n]), b = nr.zeros([n]);
let s = 0;
const tC = time(() => adamChain(p, g, m, v, ++s));
const tSC = time(() => sgdChain(p, g, b));
console.log(`${info.best.padEnd(7)} op-chain Adam ${tC.toFixed(2)} ms   op-chain SGD+momentum ${tSC.toFixed(2)} ms`);
