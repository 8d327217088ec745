// `npm run soak`: long training runs that never call dispose() or tidy() (every intermediate,
// gradient and optimizer temporary is left to the garbage collector), watching the process RSS.
// After warm-up (--warmup, default the first 10% of steps) the RSS must stay within 10% of its
// post-warm-up level; prints a table (step, RSS MiB) per model and exits 1 on drift.
// What is measured: the free-running RSS swings by tens of MiB (dropped ArrayBuffers pile up until
// V8 collects them; when depends on V8's external-memory heuristics), and even after a full
// collection glibc keeps freed blocks of its arenas resident: in a 10000-step CNN run the after-GC
// RSS varied by +-12% and stepped up ~9 MiB around step 3500 while the V8 heap in use (6.6 MiB) and
// ArrayBuffers (5.2 MiB) did not change at all. So RSS is read at 40 checkpoints (every 2.5% of the
// steps) after global.gc() twice and malloc_trim (the addon's releaseFreeMemory()): what the
// process really uses. The loop itself never collects, disposes or tidies. The post-warm-up level is
// the lowest checkpoint in the 20% of steps after warm-up; every later checkpoint (as the median of
// it and its two neighbours, so one stray reading cannot fail the run) must be within 10% of it. The table also shows the lowest and highest free-running RSS per 10% window
// (information, not checked). Each model runs in its own child process so their RSS do not mix.
// Models: an MLP 784-256-10 (batch 128, Adam) and a small CNN (conv-bn-relu-pool x2 -> linear on
// 1x28x28, batch 32, SGD with momentum), fresh random batches every step as a data loader would
// produce them. Runs the current src/ (transpiled) on the normal addon.
// Usage: node tools/soak.js [--steps N (default 10000)] [--models mlp,cnn] [--tolerance 0.10] [--warmup 0.10]
const path = require('path');
const { spawnSync } = require('child_process');

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const steps = Number(opt('steps', 10000));
const tolerance = Number(opt('tolerance', 0.10));
const warmup = Number(opt('warmup', 0.10));
const WINDOWS = 10;           // free-running RSS windows of 10% of the steps (shown, not checked)
const CHECKS = 40;            // checkpoints after a full collection, every 2.5% of the steps

if (argv[0] === '--child') child(argv[1], argv[2]);
else driver();

function driver() {
  const { transpileSrc } = require('./transpile');
  const index = transpileSrc();
  const models = String(opt('models', 'mlp,cnn')).split(',');
  const env = { ...process.env };
  let failed = false;
  for (const m of models) {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', index, m, '--steps', String(steps)],
      { cwd: path.join(__dirname, '..'), env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    if (r.status !== 0) { console.log(r.stdout); console.log(`soak ${m}: child failed (exit ${r.status} ${r.signal ?? ''})`); failed = true; continue; }
    const res = JSON.parse(r.stdout.trim().split('\n').pop());
    failed = report(m, res, (Date.now() - t0) / 1000) || failed;
  }
  process.exit(failed ? 1 : 0);
}

/** Prints the table and the verdict; returns true on drift. */
function report(model, { win, checks, loss0, loss1 }, secs) {
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  const at = (lo, hi) => checks.filter((c) => c.step > steps * lo && c.step <= steps * hi + 0.5).map((c) => c.rss);
  const level = Math.min(...at(warmup - 0.01, warmup + 0.2));
  console.log(`\nsoak ${model}: ${steps} steps in ${secs.toFixed(0)} s, loss ${loss0.toFixed(3)} -> ${loss1.toFixed(3)}`);
  console.log('     step   RSS MiB after GC   vs level   V8 heap used   ArrayBuffers | free-running RSS in the 10% window: min   max');
  checks.forEach((c, i) => {
    if (i % 2 === 0) return;                         // every 5% in the table
    const w = i % 4 === 3 ? win[(i - 3) / 4] : null;
    const rel = c.step <= steps * warmup ? 'warm-up' : `${(((c.rss - level) / level) * 100).toFixed(1)}%`;
    console.log(`${String(c.step).padStart(9)} ${mib(c.rss).padStart(18)} ${rel.padStart(10)} ${mib(c.heap).padStart(14)} ${mib(c.ab).padStart(14)}` +
      (w ? ` | ${' '.repeat(36)}${mib(w.floor).padStart(7)} ${mib(w.peak).padStart(6)}` : ''));
  });
  // every later checkpoint, as the median of it and its neighbours (one stray reading cannot fail)
  const med3 = checks.map((c, i) => [checks[Math.max(0, i - 1)], c, checks[Math.min(checks.length - 1, i + 1)]]
    .map((x) => x.rss).sort((a, b) => a - b)[1]);
  const later = checks.filter((c) => c.step > steps * warmup + 0.5);
  const worst = Math.max(...med3.filter((_, i) => checks[i].step > steps * warmup + 0.5));
  const last = later[later.length - 1].rss;
  const drift = (worst - level) / level;
  const bad = !(worst <= level * (1 + tolerance));
  console.log(`soak ${model}: RSS after GC: level after warm-up ${mib(level)} MiB (lowest, steps ${Math.round(steps * warmup)}-${Math.round(steps * (warmup + 0.2))}), ` +
    `highest later ${mib(worst)} MiB (median of 3): drift ${(drift * 100).toFixed(1)}% (limit ${(tolerance * 100).toFixed(0)}%) ${bad ? 'DRIFT, FAILED' : 'ok'}; ` +
    `last ${mib(last)} MiB (${(((last - level) / level) * 100).toFixed(1)}%); free-running RSS peak ${mib(Math.max(...win.slice(1).map((w) => w.peak)))} MiB`);
  return bad;
}

/** Trains `model` for `steps` steps without dispose/tidy, sampling RSS; prints JSON. */
function child(index, model) {
  const nr = require(index);
  const addon = require(path.join(path.dirname(index), 'backend', 'native.js')).native();
  const { nn } = nr;
  nr.manualSeed(0);
  let net, opt, batch, inShape;
  if (model === 'mlp') {
    net = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
    opt = new nr.optim.Adam(net.parameters(), { lr: 1e-3 });
    batch = 128; inShape = [784];
  } else if (model === 'cnn') {
    net = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(16 * 49, 10));
    opt = new nr.optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
    batch = 32; inShape = [1, 28, 28];
  } else {
    throw new Error(`soak: unknown model '${model}' (mlp, cnn)`);
  }
  // a learnable task: the class is the argmax of 10 fixed projections of the input
  const proj = nr.randn([inShape.reduce((a, b) => a * b, 1), 10]);
  // per window: lowest and highest RSS, lowest V8 heap and ArrayBuffer memory
  const win = Array.from({ length: WINDOWS }, (_, w) => ({ step: Math.round((steps * (w + 1)) / WINDOWS), floor: Infinity, peak: 0, heap: Infinity, ab: Infinity }));
  const checks = [];
  let loss0 = NaN, loss1 = NaN;
  for (let i = 1; i <= steps; i++) {
    const x = nr.randn([batch, ...inShape]);
    const y = x.reshape([batch, -1]).matmul(proj).argmax(1);
    opt.zeroGrad();
    const loss = nn.functional.crossEntropy(net.forward(x), y);
    loss.backward();
    opt.step();
    if (i === 1) loss0 = loss.item();
    const m = process.memoryUsage();
    const w = win[Math.min(WINDOWS - 1, Math.floor(((i - 1) * WINDOWS) / steps))];
    w.floor = Math.min(w.floor, m.rss); w.peak = Math.max(w.peak, m.rss);
    w.heap = Math.min(w.heap, m.heapTotal); w.ab = Math.min(w.ab, m.arrayBuffers);
    if (i % Math.max(1, Math.round(steps / CHECKS)) === 0) {
      global.gc(); global.gc();
      addon.releaseFreeMemory();                     // malloc_trim: free blocks in arenas are not use
      const g = process.memoryUsage();
      checks.push({ step: i, rss: g.rss, heap: g.heapUsed, ab: g.arrayBuffers });
    }
    if (i === steps) loss1 = loss.item();
  }
  console.log(JSON.stringify({ win, checks, loss0, loss1 }));
}
