// `npm run leakcheck`: LeakSanitizer over a training loop. Builds the sanitizer addon
// (tools/build-asan.js, incremental), then runs this file again as a child under ASan with leak
// detection on (tools/asan-env.js): the child trains an MLP and a small CNN (plus a few other native
// ops) with tidy()/dispose(), runs two worker threads that load the addon (one terminated mid-work),
// disposes everything, collects garbage and exits, and LSan reports
// what is still allocated and unreachable at exit. tools/lsan.supp suppresses allocations made by
// node, V8, libuv, ICU and OpenSSL themselves; the driver then counts only the leak records with a
// frame in our addon (nr:: code, native/ sources, node-addon-api inlined into the addon, or the
// neurona.node module) and fails on any. Other records (node internals the suppressions missed)
// are listed but do not fail the check.
// Usage: node tools/leakcheck.js [--no-build] [--steps N] (N MLP steps; the CNN runs N/3)
const path = require('path');
const { spawnSync } = require('child_process');

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]));
} else {
  driver();
}

function driver() {
  const { asanEnv, unsupported } = require('./asan-env');
  if (unsupported()) { console.log(`leakcheck: skipped: ${unsupported()}`); process.exit(0); }
  const { transpileSrc } = require('./transpile');
  const argv = process.argv.slice(2);
  const si = argv.indexOf('--steps');
  const steps = si >= 0 ? Number(argv[si + 1]) : 300;
  const root = path.join(__dirname, '..');
  if (!argv.includes('--no-build')) {
    const b = spawnSync(process.execPath, [path.join(__dirname, 'build-asan.js')], { stdio: 'inherit', cwd: root });
    if (b.status !== 0) process.exit(b.status ?? 1);
  }
  const index = transpileSrc();
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', index, String(steps)],
    { cwd: root, env: asanEnv({ leaks: true }), encoding: 'utf8', maxBuffer: 256 << 20 });
  process.stdout.write(r.stdout);
  const leaks = parseLeaks(r.stderr);
  const ours = leaks.filter((l) => l.ours);
  const other = leaks.filter((l) => !l.ours);
  const otherStderr = r.stderr.split('\n').filter((l) => !/^\s*(#\d+|Direct leak|Indirect leak)/.test(l)).join('\n');
  for (const l of ours) console.log(`\nLEAK (addon): ${l.text}`);
  if (other.length) {
    const bytes = other.reduce((a, l) => a + l.bytes, 0);
    console.log(`leakcheck: ${other.length} unsuppressed leak record(s) without addon frames (${bytes} bytes; node internals), ignored`);
  }
  const sanitizerError = /ERROR: AddressSanitizer|runtime error:/.test(r.stderr);
  const childOk = r.status === 0 || (r.status === 23 && leaks.length > 0);   // 23: LSan's exit code
  console.log(`leakcheck: ${ours.length} leak record(s) in the addon (${ours.reduce((a, l) => a + l.bytes, 0)} bytes), child exit ${r.status}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (!childOk || sanitizerError) {
    console.log(otherStderr.slice(-8000));
    console.log('leakcheck: FAILED (the training child did not finish cleanly)');
    process.exit(1);
  }
  if (ours.length) { console.log('leakcheck: FAILED'); process.exit(1); }
  console.log('leakcheck: clean');
}

/** LSan's records: { bytes, ours, text } per "Direct/Indirect leak of N byte(s)" block. */
function parseLeaks(stderr) {
  const out = [];
  const blocks = stderr.split(/\n(?=(?:Direct|Indirect) leak of )/);
  for (const b of blocks) {
    const m = /^(Direct|Indirect) leak of (\d+) byte/.exec(b);
    if (!m) continue;
    const text = b.split(/\n\s*\n/)[0];
    const frames = text.split('\n').filter((l) => /^\s*#\d+/.test(l));
    const ours = frames.some((f) => /neurona\.node|\bnr::|\/native\/|napi-inl\.h|napi\.h/.test(f));
    out.push({ bytes: Number(m[2]), ours, text });
  }
  return out;
}

/** The training loop run under LSan. */
function child(index, steps) {
  const nr = require(index);
  const { nn } = nr;
  nr.manualSeed(0);
  const log = (s) => console.log(`leakcheck child: ${s}`);

  // n cross-entropy steps of model on one batch, each inside tidy(); returns the last loss.
  const trainSteps = (model, opt, x, y, n) => {
    let last = 0;
    for (let i = 0; i < n; i++) {
      last = nr.tidy(() => {
        opt.zeroGrad();
        const loss = nn.functional.crossEntropy(model.forward(x), y);
        loss.backward();
        opt.step();
        return loss.item();
      });
    }
    return last;
  };

  // MLP 784-128-10, batch 64, Adam
  {
    const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
    const opt = new nr.optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = nr.randn([64, 784]), y = nr.randint(0, 10, [64]);
    const last = trainSteps(model, opt, x, y, steps);
    log(`mlp ${steps} steps, loss ${last.toFixed(4)}`);
    opt.zeroGrad({ setToNone: true });
    dispose(model, opt, [x, y]);
  }

  // CNN: conv-bn-relu-pool x2 -> linear, batch 16 of 1x28x28, SGD with momentum
  {
    const model = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(16 * 49, 10));
    const opt = new nr.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const x = nr.randn([16, 1, 28, 28]), y = nr.randint(0, 10, [16]);
    const n = Math.max(1, Math.round(steps / 3));
    const last = trainSteps(model, opt, x, y, n);
    model.eval();
    const acc = nr.tidy(() => model.forward(x).argmax(1).eq(y).float().mean().item());
    log(`cnn ${n} steps, loss ${last.toFixed(4)}, train acc ${acc.toFixed(3)}`);
    opt.zeroGrad({ setToNone: true });
    dispose(model, opt, [x, y]);
  }

  // other native families once each: attention, layer norm, sort/topk, cumsum, gather, matmul at 'ref'
  nr.tidy(() => {
    const q = nr.randn([2, 4, 9, 8], { requiresGrad: true });
    nn.functional.scaledDotProductAttention(q, q, q, { isCausal: true }).sum().backward();
    const h = nr.randn([5, 33], { requiresGrad: true });
    nn.functional.layerNorm(h, [33]).tanh().sum().backward();
    h.sort(1); h.topk(3, 1); h.cumsum(1); h.gather(1, nr.zeros([5, 2], { dtype: 'int64' }));
    nr.backend.setKernelLevel('ref');
    try { h.matmul(h.t()).softmax(1); } finally { nr.backend.setKernelLevel(nr.backend.cpuInfo().best); }
    q.grad.dispose(); h.grad.dispose();
  });
  // worker_threads: each worker environment loads the addon (its own instance data) and is torn
  // down; one exits by itself, one is terminated in the middle of a loop of matmuls
  const { Worker } = require('worker_threads');
  const src = `const { parentPort, workerData } = require('worker_threads');
    const nr = require(workerData.index);
    const a = nr.randn([64, 64]);
    parentPort.postMessage(a.matmul(a).sum().item());
    if (workerData.spin) for (;;) nr.tidy(() => a.matmul(a).relu().sum());`;
  const workers = [false, true].map((spin) => new Promise((resolve, reject) => {
    const w = new Worker(src, { eval: true, workerData: { index, spin } });
    w.once('message', () => { if (spin) setTimeout(() => w.terminate(), 50); });
    w.once('error', reject);
    w.once('exit', resolve);
  }));
  Promise.all(workers).then((codes) => {
    log(`workers exited with ${codes.join(', ')}`);
    if (global.gc) { global.gc(); global.gc(); }
    log(`done, hostBytesInUse ${nr.backend.hostBytesInUse()}`);
  });
}

function dispose(model, opt, extra) {
  for (const s of opt.state.values()) for (const v of Object.values(s)) if (v && typeof v.dispose === 'function') v.dispose();
  for (const p of model.parameters()) p.dispose();
  for (const b of model.buffers()) b.dispose();
  for (const t of extra) t.dispose();
}
