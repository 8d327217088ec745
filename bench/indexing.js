// Indexing and sorting kernel timings: the 'ref' kernels vs the fast ones on 1 thread and on all
// threads. Run after `npm run build` (uses dist/): node bench/indexing.js [--quick]
const nr = require('../dist/cjs/index.js');

const quick = process.argv.includes('--quick');
const S = quick ? 0.25 : 1;   // problem-size scale

function time(fn, reps = 5) {
  fn();   // warm-up
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    const r = fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    (Array.isArray(r) ? r : [r]).forEach((t) => t && t.dispose && t.dispose());
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

nr.manualSeed(0);
const n = (x) => Math.max(1, Math.round(x * S));
const V = n(50000), D = 256, N = n(8192);
const weight = nr.randn([V, D]);
const ids = nr.randint(0, V, [N]);
const gOut = nr.randn([N, D]);
const X = nr.randn([n(4096), 1024]), GI = nr.randint(0, 1024, [n(4096), 256]), GS = nr.randn([n(4096), 256]);
const big = nr.randn([n(100000), 64]), bigIdx = nr.randint(0, n(100000), [n(50000)]), bigVals = nr.randn([n(50000), 64]);
const rows = nr.randn([n(1024), 1024]), long = nr.randn([n(1 << 20)]), longI = nr.randint(-1e9, 1e9, [n(1 << 20)]);
const tk = nr.randn([n(1024), 4096]);
const mask = nr.rand([n(1 << 24)]).lt(0.1);

const cases = [
  ['embedding fwd (indexSelect rows)', `${V}x${D}, ${N} ids`, () => weight.indexSelect(0, ids)],
  ['embedding bwd (indexAdd rows)', `${N}x${D} -> ${V}x${D}`, () => nr.zeros([V, D]).indexAdd_(0, ids, gOut)],
  ['gather dim 1', `${X.shape} idx ${GI.shape}`, () => X.gather(1, GI)],
  ['scatterAdd dim 1', `${X.shape} idx ${GI.shape}`, () => X.scatterAdd(1, GI, GS)],
  ['x[idx] (advanced, rows)', `${big.shape} idx ${bigIdx.shape}`, () => big.index([bigIdx])],
  ['indexPut accumulate', `${big.shape} idx ${bigIdx.shape}`, () => big.indexPut([bigIdx], bigVals, { accumulate: true })],
  ['sort rows f32', `${rows.shape} dim -1`, () => { const r = rows.sort(-1); return [r.values, r.indices]; }],
  ['sort one long row f32', `${long.shape}`, () => { const r = long.sort(); return [r.values, r.indices]; }],
  ['sort one long row int64', `${longI.shape}`, () => { const r = longI.sort(); return [r.values, r.indices]; }],
  ['topk k=10', `${tk.shape}`, () => { const r = tk.topk(10); return [r.values, r.indices]; }],
  ['nonzero (10% dense bool)', `${mask.shape}`, () => mask.nonzero()],
];

const maxT = nr.backend.getNumThreads();
const active = nr.backend.cpuInfo().active;
console.log(`neurona indexing bench: ${nr.backend.cpuInfo().best}, ${maxT} threads${quick ? ' (quick)' : ''}; median of 5, ms`);
console.log(['op', 'shape', 'ref', 'fast 1t', `fast ${maxT}t`, 'speedup vs ref'].join(' | '));
for (const [name, shape, fn] of cases) {
  nr.backend.setKernelLevel('ref'); nr.backend.setNumThreads(1);
  const tr = time(fn, 3);
  nr.backend.setKernelLevel(active);
  const t1 = time(fn);
  nr.backend.setNumThreads(maxT);
  const tn = time(fn);
  console.log([name, shape, tr.toFixed(2), t1.toFixed(2), tn.toFixed(2), (tr / tn).toFixed(1) + 'x'].join(' | '));
}
