// worker_threads: the addon loads and computes correctly in several workers at once plus the main
// thread (random elementwise and reduce ops checked against a JS reference, large enough to use the
// shared thread pool concurrently), workers exit or are terminated mid-work without crashing the
// process, and tensor memory can move between threads by transferring its ArrayBuffer.
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

function workerSource(body: string): string {
  return `
    const { parentPort, workerData } = require('worker_threads');
    const nr = require(workerData.index);
    ${CHECK_SRC}
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
