// Micro-benchmark (not a test): the fused attention forward and backward kernels called directly
// (no autograd, outputs preallocated), ms per call = the fastest of --reps calls. Default shape is
// the BENCHMARKS `attn` workload, B4 H8 L=S=256 E=Ev=64, causal, float32.
// Needs the compiled JS: `npm run build:ts && node bench/micro-attention.js [--threads 1] [--reps 15]
// [--b 4] [--h 8] [--l 256] [--s 256] [--e 64] [--ev 64] [--causal 1] [--dropout 0] [--dtype float32]
// [--level avx512] [--only fwd|bwd]`.
'use strict';
const nr = require('../dist/cjs/index.js');
const { native } = require('../dist/cjs/backend/native.js');
const { args } = require('../dist/cjs/backend/args.js');

const argv = process.argv.slice(2);
const opt = (name, def) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const num = (name, def) => Number(opt(name, def));
const [B, H, L, S, E, Ev] = ['b', 'h', 'l', 's', 'e', 'ev'].map((n, i) => num(n, [4, 8, 256, 256, 64, 64][i]));
const causal = num('causal', 1), p = num('dropout', 0), dtype = opt('dtype', 'float32'), REPS = num('reps', 15);
if (argv.includes('--threads')) nr.backend.setNumThreads(num('threads', 1));
nr.backend.setKernelLevel(opt('level', nr.backend.cpuInfo().best));

nr.manualSeed(0);
const BH = B * H;
const mk = (r, c) => nr.randn([BH, r, c]).to(dtype);
const q = mk(L, E), k = mk(S, E), v = mk(S, Ev), go = mk(L, Ev);
const out = nr.empty([BH, L, Ev], { dtype }), lse = nr.empty([BH, L], { dtype });
const dq = nr.empty([BH, L, E], { dtype }), dk = nr.empty([BH, S, E], { dtype }), dv = nr.empty([BH, S, Ev], { dtype });
const params = [B, H, L, S, E, Ev, 1 / Math.sqrt(E), causal, p, 7, 0, 0, 0];
const fwd = () => {
  args().nums(params).view(q).view(k).view(v).view(out).view(lse);
  native().attentionForward(q.storage.buf, k.storage.buf, v.storage.buf, out.storage.buf, lse.storage.buf);
};
const bwd = () => {
  args().nums(params).view(q).view(k).view(v).view(out).view(lse).view(go).view(dq).view(dk).view(dv);
  native().attentionBackward(q.storage.buf, k.storage.buf, v.storage.buf, out.storage.buf, lse.storage.buf, go.storage.buf,
    dq.storage.buf, dk.storage.buf, dv.storage.buf);
};
// [min wall ms, min process CPU ms] over REPS calls; on a loaded machine the CPU time of a
// 1-thread run is the steadier number (time the thread was descheduled does not count).
const best = (f) => {
  f(); f();
  let m = Infinity, c = Infinity;
  for (let r = 0; r < REPS; r++) {
    const u = process.cpuUsage(), t = process.hrtime.bigint();
    f();
    m = Math.min(m, Number(process.hrtime.bigint() - t) / 1e6);
    const d = process.cpuUsage(u);
    c = Math.min(c, (d.user + d.system) / 1e3);
  }
  return [m, c];
};
fwd();
const only = opt('only', '');
const [tf, cf] = only === 'bwd' ? [NaN, NaN] : best(fwd), [tb, cb] = only === 'fwd' ? [NaN, NaN] : best(bwd);
console.log(`attention ${dtype} B${B} H${H} L${L} S${S} E${E} Ev${Ev} causal=${causal} dropout=${p} level=${nr.backend.cpuInfo().active} ` +
  `threads=${nr.backend.getNumThreads()}: fwd ${tf.toFixed(3)} ms (cpu ${cf.toFixed(2)}), bwd ${tb.toFixed(3)} ms (cpu ${cb.toFixed(2)}), ` +
  `bwd/fwd ${(tb / tf).toFixed(2)} (cpu ${(cb / cf).toFixed(2)})  [min of ${REPS}; load ${require('os').loadavg().map((x) => x.toFixed(2)).join(' ')}]`);
