// worker_threads: the addon loads and computes correctly in several workers at once plus the main
// thread (random elementwise and reduce ops checked against a JS reference, large enough to use the
// shared thread pool concurrently), workers exit or are terminated mid-work without crashing the
// process, and tensor memory can move between threads by transferring its ArrayBuffer (nr.worker.pack /
// unpack / send: no copy, the sender's views are disposed). Two workers and the main thread train a
// model each, concurrently, and reach bit for bit the losses and weights of the same runs done alone.
// Workers run the TypeScript sources transpiled to CommonJS (test/util/compiled.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Worker } from 'worker_threads';
import { spawnSync } from 'child_process';
import { compiledIndex, removeCompiled } from './util/compiled';
import * as nr from '../src/index';

let index = '';
beforeAll(() => { index = compiledIndex(); });
afterAll(() => removeCompiled());

/**
 * The random-op check, as source text so it runs the same in workers, child processes and here:
 * `check(nr, seed, n)` runs n random ops and returns { ops, maxErr, failures }.
 */
const CHECK_SRC = `
function check(nr, seed, n) {
  let s = seed >>> 0;
  const rnd = () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const failures = [];
  let maxErr = 0;
  const UN = { exp: Math.exp, tanh: Math.tanh, abs: Math.abs, neg: (x) => -x, sigmoid: (x) => 1 / (1 + Math.exp(-x)), relu: (x) => (x > 0 ? x : 0) };
  const BIN = { add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, maximum: Math.max, minimum: Math.min };
  const RED = ['sum', 'mean', 'amax', 'amin'];
  for (let i = 0; i < n; i++) {
    const big = rnd() < 0.1;                 // 17k-26k elements: above the kernels' parallel grain
    const rows = big ? 100 + Math.floor(rnd() * 30) : 1 + Math.floor(rnd() * 6);
    const cols = big ? 170 + Math.floor(rnd() * 30) : 1 + Math.floor(rnd() * 7);
    const dtype = rnd() < 0.5 ? 'float64' : 'float32';
    const tol = dtype === 'float64' ? 1e-12 : 1e-5;
    const xs = Array.from({ length: rows * cols }, () => rnd() * 4 - 2);
    const ys = Array.from({ length: rows * cols }, () => (rnd() < 0.5 ? -1 : 1) * (0.5 + rnd()));
    let x = nr.fromArray(xs, [rows, cols], { dtype });
    let y = nr.fromArray(ys, [rows, cols], { dtype });
    const transposed = rnd() < 0.3;          // exercise strided kernels too
    if (transposed) { x = x.t().contiguous().t(); y = y.t().contiguous().t(); }
    const kind = pick(['un', 'bin', 'red', 'chain']);
    let got, want, name;
    if (kind === 'un') {
      name = pick(Object.keys(UN));
      got = x[name]().toFlatArray();
      want = xs.map(UN[name]);
    } else if (kind === 'bin') {
      name = pick(Object.keys(BIN));
      got = x[name](y).toFlatArray();
      want = xs.map((v, k) => BIN[name](v, ys[k]));
    } else if (kind === 'red') {
      name = pick(RED);
      got = x[name](1).toFlatArray();
      want = [];
      for (let r = 0; r < rows; r++) {
        const row = xs.slice(r * cols, (r + 1) * cols);
        want.push(name === 'sum' ? row.reduce((a, b) => a + b, 0) : name === 'mean' ? row.reduce((a, b) => a + b, 0) / cols
          : name === 'amax' ? Math.max(...row) : Math.min(...row));
      }
    } else {
      name = 'chain';
      got = [x.mul(y).add(1).exp().sum().item()];
      want = [xs.reduce((a, v, k) => a + Math.exp(v * ys[k] + 1), 0)];
    }
    for (let k = 0; k < want.length; k++) {
      const err = Math.abs(got[k] - want[k]) / Math.max(1, Math.abs(want[k]));
      if (!(err <= tol * (kind === 'red' || kind === 'chain' ? cols * 4 : 4))) {
        failures.push(name + ' ' + dtype + ' [' + rows + ',' + cols + '] elem ' + k + ': ' + got[k] + ' vs ' + want[k]);
        break;
      }
      if (err > maxErr) maxErr = err;
    }
    x.dispose(); y.dispose();
  }
  return { ops: n, maxErr, failures };
}
`;

// eslint-disable-next-line no-new-func
const check = new Function(`${CHECK_SRC}; return check;`)() as (nrm: typeof nr, seed: number, n: number) => { ops: number; maxErr: number; failures: string[] };

/**
 * A seeded training run, as source text like CHECK_SRC: `trainRun(nr, seed, steps)` fits an MLP
 * (64 -> 128 -> 10, Adam) to a random linear labelling of 256 random points and returns the loss every
 * 50 steps and the sum of |weights| at the end. Batches (256, 64) @ (64, 128) are large enough for the
 * thread pool to split the GEMMs, so concurrent runs contend for it.
 */
const TRAIN_SRC = `
function trainRun(nr, seed, steps) {
  const { nn, optim } = nr;
  nr.manualSeed(seed);
  const x = nr.randn([256, 64]);
  const y = x.matmul(nr.randn([64, 10])).argmax(1);
  const model = new nn.Sequential(new nn.Linear(64, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
  const losses = [];
  for (let s = 0; s < steps; s++) {
    nr.tidy(() => {
      const loss = nn.functional.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      if ((s + 1) % 50 === 0) losses.push(loss.item());
    });
  }
  const weights = nr.noGrad(() => model.parameters().reduce((a, p) => a + p.abs().sum().item(), 0));
  return { losses, weights };
}
`;
// eslint-disable-next-line no-new-func
const trainRun = new Function(`${TRAIN_SRC}; return trainRun;`)() as (nrm: typeof nr, seed: number, steps: number) => { losses: number[]; weights: number };

function workerSource(body: string): string {
  return `
    const { parentPort, workerData } = require('worker_threads');
    const nr = require(workerData.index);
    ${CHECK_SRC}
    ${TRAIN_SRC}
    ${body}
  `;
}

/** Starts a worker running `body`; resolves with its messages and exit code. */
function runWorker(body: string, data: Record<string, unknown> = {}): { worker: Worker; done: Promise<{ msgs: any[]; code: number }> } {
  const worker = new Worker(workerSource(body), { eval: true, workerData: { index, ...data } });
  const msgs: any[] = [];
  const done = new Promise<{ msgs: any[]; code: number }>((resolve, reject) => {
    worker.on('message', (m) => msgs.push(m));
    worker.on('error', reject);
    worker.on('exit', (code) => resolve({ msgs, code }));
  });
  return { worker, done };
}

describe('worker_threads', () => {
  it('the reference check passes on the main thread alone', () => {
    const r = check(nr, 1, 40);
    expect(r.failures).toEqual([]);
  });

  it('3 workers and the main thread compute 200 random ops each, concurrently and correctly', async () => {
    const ws = [11, 22, 33].map((seed) => runWorker(`
      const r = check(nr, workerData.seed, 200);
      parentPort.postMessage({ ...r, info: nr.backend.cpuInfo().threads, bytes: nr.backend.hostBytesInUse() });
    `, { seed }));
    const mine = check(nr, 44, 200);          // the main thread works while the workers do
    const results = await Promise.all(ws.map((w) => w.done));
    expect(mine.failures).toEqual([]);
    for (const { msgs, code } of results) {
      expect(code).toBe(0);
      expect(msgs.length).toBe(1);
      expect(msgs[0].failures).toEqual([]);
      expect(msgs[0].ops).toBe(200);
    }
    // and the main thread's addon instance still works after the workers are gone
    expect(nr.arange(4).float().sum().item()).toBe(6);
  });

  it('workers exit with live, undisposed tensors and autograd graphs without crashing', async () => {
    const ws = Array.from({ length: 4 }, (_, i) => runWorker(`
      const keep = [];
      for (let k = 0; k < 50; k++) keep.push(nr.randn([64, 64]));
      const w = nr.randn([32, 32]).requiresGrad_();
      const loss = w.mul(w).tanh().sum();          // graph with saved tensors, never backpropagated
      keep.push(loss);
      parentPort.postMessage(loss.item());
      if (${i} % 2) process.exit(0);               // hard exit from inside the worker
    `));
    const results = await Promise.all(ws.map((w) => w.done));
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(Number.isFinite(r.msgs[0])).toBe(true);
    }
  });

  it('terminate() in the middle of large kernels does not crash the process', async () => {
    const ws = Array.from({ length: 3 }, () => runWorker(`
      parentPort.postMessage('started');
      let x = nr.randn([512, 512]);
      for (;;) x = x.mul(1.0000001).add(nr.randn([512, 512])).tanh();
    `));
    // wait until each worker runs, then let it compute a little and kill it
    await Promise.all(ws.map(({ worker }) => new Promise((r) => worker.once('message', r))));
    await new Promise((r) => setTimeout(r, 150));
    const codes = await Promise.all(ws.map(({ worker }) => worker.terminate()));
    expect(codes.every((c) => c === 1)).toBe(true);
    // the shared thread pool still serves the main thread
    const big = nr.ones([300, 300]);
    expect(big.sum().item()).toBe(90000);
    expect(check(nr, 5, 40).failures).toEqual([]);
  });

  it('a tensor buffer transferred to the main thread arrives without a copy, and the sender sees it moved', async () => {
    const { done } = runWorker(`
      const t = nr.arange(6).float().reshape([2, 3]).mul(2);
      const buf = t.storage.buf;
      parentPort.postMessage({ buf, shape: t.shape, dtype: t.dtype }, [buf]);
      parentPort.postMessage({ afterMove: t.isDisposed, err: (() => { try { t.add(1); return ''; } catch (e) { return e.message; } })() });
    `);
    const { msgs, code } = await done;
    expect(code).toBe(0);
    const got = nr.fromArray(new Float32Array(msgs[0].buf), msgs[0].shape);
    expect(got.toArray()).toEqual([[0, 2, 4], [6, 8, 10]]);
    expect(msgs[1].afterMove).toBe(true);
    expect(msgs[1].err).toMatch(/^add: .*disposed/);
  });

  it('two workers and the main thread train a model each at once and match the same runs done alone, bit for bit', async () => {
    const STEPS = 300, seeds = [101, 202, 303];
    const alone = seeds.map((seed) => trainRun(nr, seed, STEPS));    // the reference: one run at a time
    for (const r of alone) {
      expect(r.losses.length).toBe(STEPS / 50);
      expect(r.losses[r.losses.length - 1]).toBeLessThan(r.losses[0] * 0.5);   // it does learn
    }
    const ws = seeds.slice(0, 2).map((seed) => runWorker(`
      parentPort.postMessage('ready');
      const r = trainRun(nr, workerData.seed, workerData.steps);
      parentPort.postMessage(r);
    `, { seed, steps: STEPS }));
    await Promise.all(ws.map(({ worker }) => new Promise((r) => worker.once('message', r))));   // both loaded the addon
    const mine = trainRun(nr, seeds[2], STEPS);                      // the main thread trains meanwhile
    const results = await Promise.all(ws.map((w) => w.done));
    const concurrent = [...results.map(({ msgs, code }) => { expect(code).toBe(0); return msgs[1]; }), mine];
    for (let i = 0; i < 3; i++) {
      expect(concurrent[i].losses, `seed ${seeds[i]}`).toEqual(alone[i].losses);
      expect(concurrent[i].weights, `seed ${seeds[i]}`).toBe(alone[i].weights);
    }
  });

  it('nr.worker.send moves a tensor to another thread without a copy: the sender is detached, the receiver computes on the same memory', async () => {
    const { worker, done } = runWorker(`
      const base = nr.arange(12).float().mul(0.5);
      const t = base.reshape([3, 4]).t();            // a non-contiguous view: shape [4, 3], strides [1, 4]
      const view = base.data();                      // a zero-copy array over the same storage
      nr.worker.send(parentPort, t);
      parentPort.postMessage({ byteLength: view.byteLength, tDisposed: t.isDisposed, baseDisposed: base.isDisposed,
        err: (() => { try { base.sum(); return ''; } catch (e) { return e.message; } })() });
      parentPort.once('message', (m) => {            // the main thread sends it back, doubled in place
        const back = nr.worker.unpack(m);
        parentPort.postMessage({ back: back.toArray(), strides: back.strides, same: back.storage.buf === m.buffer });
      });
    `);
    const inbox: any[] = [];
    const waiters: ((m: any) => void)[] = [];
    worker.on('message', (m) => { const w = waiters.shift(); if (w) w(m); else inbox.push(m); });
    const next = () => new Promise<any>((r) => { if (inbox.length) r(inbox.shift()); else waiters.push(r); });

    const m = await next();
    expect(nr.worker.isPacked(m)).toBe(true);
    expect(m.buffer.byteLength).toBe(48);             // the whole 12-float storage came along
    const got = nr.worker.unpack(m);
    expect(got.storage.buf).toBe(m.buffer);           // the tensor is over the received memory itself
    expect(got.shape).toEqual([4, 3]);
    expect(got.strides).toEqual([1, 4]);
    expect(got.toArray()).toEqual([[0, 2, 4], [0.5, 2.5, 4.5], [1, 3, 5], [1.5, 3.5, 5.5]]);
    const sender = await next();
    expect(sender).toEqual({ byteLength: 0, tDisposed: true, baseDisposed: true, err: expect.stringMatching(/^sum: .*disposed/) });

    got.mul_(2);                                      // kernels run on transferred memory
    const before = m.buffer;
    nr.worker.send(worker, got);
    expect(before.byteLength).toBe(0);                // moved on again
    expect(got.isDisposed).toBe(true);
    const back = await next();
    expect(back.same).toBe(true);
    expect(back.strides).toEqual([1, 4]);
    expect(back.back).toEqual([[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
    expect((await done).code).toBe(0);
  });

  it('pack { copy: true } sends a compact copy and leaves the sender intact; moved memory is freed by the receiver', async () => {
    const base = nr.arange(1000).float();
    const copy = nr.worker.pack(base.narrow(0, 10, 5), { copy: true });
    expect(copy.message.buffer.byteLength).toBe(20);  // only the 5 elements, not the 1000
    expect([copy.message.shape, copy.message.strides, copy.message.offset]).toEqual([[5], [1], 0]);
    expect(base.sum().item()).toBe(499500);           // the sender of the copy keeps its tensor
    const big = nr.ones([1 << 20]);                   // 4 MB, moved below
    const inUse = nr.backend.hostBytesInUse();        // process-wide: counts both threads' storages
    const moved = nr.worker.pack(big);
    const { worker, done } = runWorker(`
      parentPort.once('message', ({ copy, moved }) => {
        const a = nr.worker.unpack(copy), b = nr.worker.unpack(moved);
        const r = { a: a.toArray(), bsum: nr.tidy(() => b.sum().item()) };
        a.dispose(); b.dispose();                    // releases the memory the main thread allocated:
        r.cached = nr.backend.cachedBytes();         // the 4 MB block goes to this thread's buffer cache
        nr.backend.emptyCache();                     // and is freed from there
        parentPort.postMessage(r);
      });
    `);
    worker.postMessage({ copy: copy.message, moved: moved.message }, [...copy.transfer, ...moved.transfer]);
    expect(big.isDisposed).toBe(true);                // the moved one does not
    const { msgs, code } = await done;
    expect(code).toBe(0);
    expect(msgs[0]).toEqual({ a: [10, 11, 12, 13, 14], bsum: 1 << 20, cached: 4 * (1 << 20) });
    expect(inUse - nr.backend.hostBytesInUse()).toBe(4 * (1 << 20) + 20);   // both buffers freed in the worker
    big.dispose();                                    // a no-op on moved memory: no double count
    expect(inUse - nr.backend.hostBytesInUse()).toBe(4 * (1 << 20) + 20);
  });

  it('unpack rejects messages that are not packed tensors or whose view reaches outside the buffer', () => {
    const ok = nr.worker.pack(nr.arange(6).float(), { copy: true }).message;
    expect(nr.worker.unpack({ ...ok }).toFlatArray()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => nr.worker.unpack({ buffer: ok.buffer } as any)).toThrow(/^unpack: expected a message made by nr.worker.pack/);
    expect(() => nr.worker.unpack({ ...ok, dtype: 'float128' as any })).toThrow(/^unpack: unknown dtype/);
    expect(() => nr.worker.unpack({ ...ok, shape: [7] })).toThrow(/^unpack: a float32 view of shape \[7\].*outside its 24-byte buffer/);
    expect(() => nr.worker.unpack({ ...ok, shape: [3], strides: [-1], offset: 1 })).toThrow(/outside its 24-byte buffer/);
    expect(() => nr.worker.unpack({ ...ok, strides: [1, 1] })).toThrow(/^unpack: strides \[1,1\] do not fit shape \[6\]/);
    expect(() => nr.worker.unpack({ ...ok, offset: -1 })).toThrow(/^unpack: invalid offset -1/);
    expect(() => nr.worker.unpack({ ...ok, buffer: new SharedArrayBuffer(24) as any })).toThrow(/SharedArrayBuffer storage is not supported/);
    expect(() => nr.worker.unpack({ ...ok, buffer: new ArrayBuffer(0) })).toThrow(/^unpack: the buffer is empty \(detached\)/);
    expect(() => nr.worker.pack('x' as any)).toThrow(/^pack: expected a tensor, got string/);
    const gone = nr.ones([2]);
    gone.dispose();
    expect(() => nr.worker.pack(gone)).toThrow(/^pack: .*disposed/);
    expect(() => nr.worker.send({} as any, nr.ones([1]))).toThrow(/^send: expected a MessagePort/);
  });

  it('the thread pool is sized to the CPUs the process may use (affinity), NEURONA_NUM_THREADS overrides', () => {
    const probe = `console.log(require(${JSON.stringify(index)}).backend.cpuInfo().threads)`;
    const { NEURONA_NUM_THREADS: _, ...unset } = process.env;   // a value set for the whole run must not leak in
    const pinned = spawnSync('taskset', ['-c', '0', process.execPath, '-e', probe], { encoding: 'utf8', env: unset });
    if (pinned.error) return;   // no taskset on this system
    expect(pinned.stdout.trim()).toBe('1');
    const env = { ...process.env, NEURONA_NUM_THREADS: '3' };
    const forced = spawnSync('taskset', ['-c', '0', process.execPath, '-e', probe], { encoding: 'utf8', env });
    expect(forced.stdout.trim()).toBe('3');
  });

  it('many short-lived workers in sequence load and unload the addon cleanly (child process)', () => {
    // run in a child so a crash at addon teardown would show as a signal, not kill the test runner
    const script = `
      const { Worker } = require('worker_threads');
      const index = ${JSON.stringify(index)};
      let n = 0;
      function next() {
        if (n === 12) { console.log('ok ' + n); return; }
        const w = new Worker("const nr = require(require('worker_threads').workerData); nr.randn([100, 100]).exp().sum().item();", { eval: true, workerData: index });
        w.on('exit', (c) => { if (c !== 0) { console.log('bad exit ' + c); process.exit(2); } n++; next(); });
      }
      require(index).ones([2]).add(1);
      next();
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('ok 12');
  });
});
