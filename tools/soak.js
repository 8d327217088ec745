// `npm run soak`: long training runs that never call dispose() or tidy() (every intermediate,
// gradient and optimizer temporary is left to the garbage collector), sampling the process RSS
// throughout. After warm-up (the first 10% of steps) the RSS must stay within 10% of its
// post-warm-up level; prints a table (step, RSS MiB) per model and exits 1 on drift. RSS is read
// after every step (~15 us).
// What is compared: RSS swings by tens of MiB between garbage collections (dropped ArrayBuffers
// pile up until V8 collects them), so single samples say little. The run is cut into 10 windows of
// 10% of the steps; a window's level is its lowest RSS (the trough after a collection, i.e. what is
// really held). Even troughs have transients: ArrayBuffers whose wrappers were promoted to the old
// generation wait for the next full collection, which can hold 30+ MiB of garbage for a whole window
// (seen in a 10000-step CNN run: one window +31%, the next back to +7%). So the check compares the
// held level right after warm-up (the lower trough of windows 2-3, steps 10-30%) with the held
// level at the end (the lower trough of windows 9-10, steps 80-100%): a leak raises every later
// trough and cannot hide there; a transient in one window cannot fail the run.
// Two start-up effects that would look like drift are pinned in the child: V8 grows its young
// generation from 1 to 16 MiB semi-spaces over the first thousands of steps
// (--min-semi-space-size=16 starts it there), and glibc's dynamic mmap threshold moves large freed
// buffers into the heap, where they stay resident as a high-water mark
// (MALLOC_MMAP_THRESHOLD_=131072 keeps the initial threshold fixed).
// Each model runs in its own child process so their RSS do not mix. Models: an MLP 784-256-10
// (batch 128, Adam) and a small CNN (conv-bn-relu-pool x2 -> linear on 1x28x28, batch 32, SGD with
// momentum), fresh random batches every step as a data loader would produce them. Runs the current
// src/ (transpiled) on the normal addon.
// Usage: node tools/soak.js [--steps N (default 10000)] [--models mlp,cnn] [--tolerance 0.10]
const path = require('path');
const { spawnSync } = require('child_process');

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const steps = Number(opt('steps', 10000));
const tolerance = Number(opt('tolerance', 0.10));
const WINDOWS = 10;           // windows of 10% of the steps; the first is the warm-up

if (argv[0] === '--child') child(argv[1], argv[2]);
else driver();

function driver() {
  const { transpileSrc } = require('./transpile');
  const index = transpileSrc();
  const models = String(opt('models', 'mlp,cnn')).split(',');
  const env = { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072' };
  let failed = false;
  for (const m of models) {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--min-semi-space-size=16', __filename, '--child', index, m, '--steps', String(steps)],
      { cwd: path.join(__dirname, '..'), env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    if (r.status !== 0) { console.log(r.stdout); console.log(`soak ${m}: child failed (exit ${r.status} ${r.signal ?? ''})`); failed = true; continue; }
    const res = JSON.parse(r.stdout.trim().split('\n').pop());
    failed = report(m, res, (Date.now() - t0) / 1000) || failed;
  }
  process.exit(failed ? 1 : 0);
}

/** Prints the per-window table and the verdict; returns true on drift. */
function report(model, { win, loss0, loss1 }, secs) {
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  const level = Math.min(win[1].floor, win[2].floor);
  console.log(`\nsoak ${model}: ${steps} steps in ${secs.toFixed(0)} s, loss ${loss0.toFixed(3)} -> ${loss1.toFixed(3)}`);
  console.log('  steps to   RSS MiB (window min)   vs level   RSS max   V8 heap min   ArrayBuffers min');
  win.forEach((w, i) => {
    const rel = i === 0 ? 'warm-up' : `${(((w.floor - level) / level) * 100).toFixed(1)}%`;
    console.log(`${String(w.step).padStart(10)} ${mib(w.floor).padStart(22)} ${rel.padStart(10)} ${mib(w.peak).padStart(9)} ${mib(w.heap).padStart(13)} ${mib(w.ab).padStart(18)}`);
  });
  const after = win.slice(1);
  const end = Math.min(win[WINDOWS - 2].floor, win[WINDOWS - 1].floor);
  const drift = (end - level) / level;
  const worst = Math.max(...after.map((w) => w.floor));
  const bad = !(end <= level * (1 + tolerance));
  console.log(`soak ${model}: level after warm-up ${mib(level)} MiB (steps ${steps / WINDOWS}-${(3 * steps) / WINDOWS}), ` +
    `at the end ${mib(end)} MiB (steps ${(8 * steps) / WINDOWS}-${steps}): drift ${(drift * 100).toFixed(1)}% ` +
    `(limit ${(tolerance * 100).toFixed(0)}%) ${bad ? 'DRIFT, FAILED' : 'ok'}; highest window trough ` +
    `${(((worst - level) / level) * 100).toFixed(1)}%, peak RSS ${mib(Math.max(...after.map((w) => w.peak)))} MiB`);
  return bad;
}

/** Trains `model` for `steps` steps without dispose/tidy, sampling RSS; prints JSON. */
function child(index, model) {
  const nr = require(index);
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
    if (i === steps) loss1 = loss.item();
  }
  console.log(JSON.stringify({ win, loss0, loss1 }));
}
