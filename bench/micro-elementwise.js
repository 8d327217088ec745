// Micro-benchmark (not a test): ns per element of elementwise ops, reductions and softmax on 1M
// float32 elements at each kernel level (ref = scalar single-threaded reference; base = threaded
// scalar; avx2/avx512 = SIMD). Needs the compiled JS: `npm run build:ts && node bench/micro-elementwise.js`.
// Each number is the fastest of --reps calls. Options: --n <elements> (default 1048576),
// --threads <n>, --reps <n> (default 20).
'use strict';
const nr = require('../dist/cjs/index.js');
const { runUnary, runBinary } = require('../dist/cjs/ops/kernels.js');
const { native } = require('../dist/cjs/backend/native.js');
const { args } = require('../dist/cjs/backend/args.js');

const argv = process.argv.slice(2);
const opt = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? Number(argv[i + 1]) : def; };
const N = opt('n', 1 << 20);
const REPS = opt('reps', 20);
if (argv.includes('--threads')) nr.backend.setNumThreads(opt('threads', 1));

const info = nr.backend.cpuInfo();
const levels = ['ref', 'base', 'avx2', 'avx512'].filter((l) => l === 'ref' || l === 'base' || (l === 'avx2' && (info.best === 'avx2' || info.best === 'avx512')) || (l === 'avx512' && info.best === 'avx512'));

nr.manualSeed(0);
const x = nr.randn([N]);
const y = nr.randn([N]);
const rows = 1024, cols = N / rows;
const m = x.reshape([rows, cols]);
const bias = nr.randn([cols]);
const col = nr.randn([rows, 1]);

// Elementwise, softmax and scan cases write into a preallocated output, so the numbers are kernel time (plus a few
// microseconds of call overhead), not allocation and page faults.
const out = nr.empty([N]), out2 = nr.empty([rows, cols]);
const ax = x.abs();
const U = (name, src, o = {}) => () => { runUnary(name, src, { ...o, out }); };
const B = (name, a, b, dst, o = {}) => () => { runBinary(name, a, b, { ...o, out: dst }); };
const SM = (dim, log) => () => { args().num(dim).num(log).view(out2).view(m); native().softmax(out2.storage.buf, m.storage.buf); };
const SC = (dim) => () => { args().num(0).num(dim).num(0).view(out2).view(m); native().scan(out2.storage.buf, m.storage.buf); };
const cases = [
  ['add', B('add', x, y, out)],
  ['mul scalar', B('mul', x, 1.5, out)],
  ['add bias (M,N)+(N)', B('add', m, bias, out2)],
  ['mul column (M,N)*(M,1)', B('mul', m, col, out2)],
  ['relu', U('relu', x)],
  ['exp', U('exp', x)],
  ['log', U('log', ax)],
  ['tanh', U('tanh', x)],
  ['sigmoid', U('sigmoid', x)],
  ['gelu', U('gelu', x)],
  ['gelu tanh', U('gelu_tanh', x)],
  ['silu', U('silu', x)],
  ['gelu backward', B('gelu_bw', y, x, out)],
  ['silu backward', B('silu_bw', y, x, out)],
  ['sum', () => x.sum()],
  ['sum dim 0 (bias grad)', () => m.sum(0)],
  ['sum dim 1', () => m.sum(1)],
  ['amax dim 1', () => m.amax(1)],
  ['var dim 1', () => m.var(1)],
  ['softmax dim 1 (rows)', SM(1, 0)],
  ['softmax dim 0 (columns)', SM(0, 0)],
  ['logSoftmax dim 1', SM(1, 1)],
  ['softmax backward dim 1', () => { args().num(1).num(0).view(out2).view(m).view(m); native().softmaxBackward(out2.storage.buf, m.storage.buf, m.storage.buf); }],
  ['cumsum dim 1', SC(1)],
  ['cumsum dim 0', SC(0)],
];

// Minimum over REPS timed calls (robust against other load on the machine), in ns per element.
function time(fn) {
  for (let i = 0; i < 2; i++) { const r = fn(); if (r) r.dispose(); }
  let best = Infinity;
  for (let i = 0; i < REPS; i++) {
    const t0 = process.hrtime.bigint();
    const r = fn();
    const t = Number(process.hrtime.bigint() - t0);
    if (r) r.dispose();
    best = Math.min(best, t);
  }
  return best / N;
}

console.log(`neurona micro-benchmark: ${N} float32 elements, ${nr.backend.getNumThreads()} threads, best ISA ${info.best}`);
console.log(`ns/element, best of ${REPS} (lower is better)`.padEnd(35) + levels.map((l) => l.padStart(9)).join(''));
for (const [name, fn] of cases) {
  const cells = levels.map((l) => { nr.backend.setKernelLevel(l); return time(fn).toFixed(3).padStart(9); });
  console.log(name.padEnd(35) + cells.join(''));
}
nr.backend.setKernelLevel(info.best);
