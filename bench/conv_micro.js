#!/usr/bin/env node
// Conv2d micro-benchmark: min (and median) of many single calls per shape, at a given thread
// count, with the load average printed alongside (the machine is shared). Needs the built package.
//   node bench/conv_micro.js [--threads N] [--reps R] [--bwd] [--only 0,2 (shape indices)] [--level avx2]
'use strict';
const os = require('os');
const path = require('path');
// CONV_MICRO_PKG: another build's dist/cjs/index.js (e.g. a checkout of main, for before/after).
const nr = require(process.env.CONV_MICRO_PKG || path.join(__dirname, '..', 'dist', 'cjs', 'index.js'));

const argv = process.argv.slice(2);
const opt = (name, d) => { const i = argv.indexOf(name); return i >= 0 ? Number(argv[i + 1]) : d; };
const threads = opt('--threads', 1), reps = opt('--reps', 30), bwd = argv.includes('--bwd');
const onlyArg = argv.indexOf('--only');
const only = onlyArg >= 0 ? argv[onlyArg + 1].split(',').map(Number) : null;  // shape indices
nr.backend.setNumThreads(threads);
const levelArg = argv.indexOf('--level');  // kernel level (default: the best)
if (levelArg >= 0 && !nr.backend.setKernelLevel(argv[levelArg + 1])) throw new Error(`level ${argv[levelArg + 1]} unavailable`);

// [label, N, C, K, H, W, R, S, opts]
const SHAPES = [
  ['(b) N8 64->64 56x56 3x3 p1', 8, 64, 64, 56, 56, 3, 3, { padding: 1 }],
  ['(a) N32 3->32 32x32 3x3 p1', 32, 3, 32, 32, 32, 3, 3, { padding: 1 }],
  ['lenet1 N64 1->6 28x28 5x5 p2', 64, 1, 6, 28, 28, 5, 5, { padding: 2 }],
  ['lenet2 N64 6->16 14x14 5x5', 64, 6, 16, 14, 14, 5, 5, {}],
  ['N1 64->64 56x56 3x3 p1', 1, 64, 64, 56, 56, 3, 3, { padding: 1 }],
  ['N8 64->128 56x56 3x3 s2 p1', 8, 64, 128, 56, 56, 3, 3, { padding: 1, stride: 2 }],
  ['N8 256->64 56x56 1x1', 8, 256, 64, 56, 56, 1, 1, {}],
];

const now = () => Number(process.hrtime.bigint()) / 1e6;
// [min wall ms, median wall ms, min CPU ms (all threads of the process: at 1 thread, the time
// without descheduling, which the load of other processes inflates less than wall time)]
function time(fn) {
  for (let i = 0; i < 3; i++) fn();
  const t = [], c = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage(), t0 = now();
    fn();
    t.push(now() - t0);
    const d = process.cpuUsage(c0);
    c.push((d.user + d.system) / 1e3);
  }
  t.sort((a, b) => a - b);
  return [t[0], t[t.length >> 1], Math.min(...c)];
}

console.log(`threads ${threads}, reps ${reps}, isa ${nr.backend.cpuInfo().active}, loadavg ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const [idx, [label, N, C, K, H, W, R, S, o]] of SHAPES.entries()) {
  if (only && !only.includes(idx)) continue;
  nr.manualSeed(0);
  const x = nr.randn([N, C, H, W]), w = nr.randn([K, C, R, S]).mul(0.1), b = nr.randn([K]);
  const y0 = nr.conv2d(x, w, b, o);
  const gflop = 2 * y0.numel() * C * R * S / 1e9;
  const [mn, md, cpu] = time(() => nr.conv2d(x, w, b, o).dispose());
  let line = `${label.padEnd(30)} fwd min ${mn.toFixed(3)} ms  med ${md.toFixed(3)} ms  (${(gflop / mn * 1e3).toFixed(0)} GFLOP/s)  cpu min ${cpu.toFixed(3)} ms`;
  if (bwd) {
    const g = nr.randn(y0.shape);
    for (const t of [x, w, b]) t.requiresGrad = true;
    const [bm] = time(() => nr.tidy(() => {
      nr.conv2d(x, w, b, o).backward(g);
      for (const t of [x, w, b]) { t.grad.dispose(); t.grad = null; }
    }));
    line += `  fwd+bwd min ${bm.toFixed(3)} ms`;
    for (const t of [x, w, b]) t.requiresGrad = false;
    g.dispose();
  }
  console.log(line);
  for (const t of [x, w, b, y0]) t.dispose();
}
console.log(`loadavg after ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
