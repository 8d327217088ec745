// Memory: loops that drop tensors without dispose() run in bounded RSS (checked in a child process,
// measuring process.memoryUsage().rss after warm-up and at the end); dispose()/tidy()/`using` return
// hostBytesInUse() to its baseline exactly; tidy keeps returned tensors and gradients; views keep
// storage alive after the base is disposed; saved tensors survive tidy until backward.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'child_process';
import * as nr from '../src/index';
import { compiledIndex, removeCompiled } from './util/compiled';
import { native } from '../src/backend/native';

afterAll(() => removeCompiled());

const bytes = () => nr.backend.hostBytesInUse();

/** Runs `body` (JS using `nr`) in a fresh node process; returns the JSON it prints last. */
function inChild(body: string): any {
  const script = `const nr = require(${JSON.stringify(compiledIndex())});\n${body}`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child exited with ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

describe('bounded memory without dispose (child process)', () => {
  it('20k iterations of 1 MB tensors dropped without dispose keep RSS flat', () => {
    const r = inChild(`
      const MB = 2 ** 20, N = 20000, WARM = 2000;
      let warm = 0, peak = 0;
      for (let i = 0; i < N; i++) {
        const t = nr.zeros([MB / 4]);      // 1 MB, float32
        t.data().fill(i);                   // touch every page (through the zero-copy view)
        t.add(1);                           // a second 1 MB tensor, from a kernel
        if (i === WARM) warm = process.memoryUsage().rss;
        if (i > WARM && i % 500 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      const end = process.memoryUsage().rss;
      console.log(JSON.stringify({ warm, peak, end, dropped: 2 * N * MB }));
    `);
    const growthMB = (Math.max(r.peak, r.end) - r.warm) / 2 ** 20;
    // 40 GB were allocated and dropped; the process must not hold more than a GC window of it.
    expect(r.dropped / 2 ** 30).toBeGreaterThan(39);
    expect(growthMB).toBeLessThan(256);
    expect(r.end / 2 ** 20).toBeLessThan(1024);
  });
  it('a synchronous loop of 200k small tensors and ops leaves no per-tensor residue', () => {
    const r = inChild(`
      const N = 200000, WARM = 20000;
      let warm = 0;
      let acc = nr.zeros([4]);
      for (let i = 0; i < N; i++) {
        acc = acc.add(nr.ones([4])).mul(0.5);
        if (i === WARM) warm = process.memoryUsage().rss;
      }
      console.log(JSON.stringify({ warm, end: process.memoryUsage().rss, v: acc.toFlatArray()[0] }));
    `);
    expect(r.v).toBeCloseTo(1, 6);
    // 600k dropped tensors: a per-tensor record kept until the event loop turns (~300 B each) would add ~170 MB
    expect((r.end - r.warm) / 2 ** 20).toBeLessThan(64);
  });
  it('dropped tensors with autograd graphs are reclaimed as well', () => {
    const r = inChild(`
      const N = 3000, WARM = 300;
      let warm = 0;
      const w = nr.randn([64, 64]).requiresGrad_();
      for (let i = 0; i < N; i++) {
        const x = nr.randn([64, 64]);      // ~8 tensors of 16 KB per step: 400 MB if none were reclaimed
        const loss = x.mul(w).tanh().sum();
        loss.backward();
        w.grad = null;
        if (i === WARM) warm = process.memoryUsage().rss;
      }
      console.log(JSON.stringify({ warm, end: process.memoryUsage().rss }));
    `);
    expect((r.end - r.warm) / 2 ** 20).toBeLessThan(96);
  });
});

describe('explicit lifetime returns hostBytesInUse() to baseline exactly', () => {
  it('dispose()', () => {
    const base = bytes();
    const t = nr.zeros([1000]);
    expect(bytes() - base).toBe(4000);
    const u = nr.ones([10, 10], { dtype: 'float64' });
    expect(bytes() - base).toBe(4800);
    t.dispose();
    u.dispose();
    expect(bytes()).toBe(base);
  });
  it('empty tensors and int/bool dtypes', () => {
    const base = bytes();
    const ts = [nr.zeros([0]), nr.zeros([3, 0]), nr.ones([5], { dtype: 'bool' }), nr.arange(7), nr.zeros([3], { dtype: 'float16' })];
    expect(bytes() - base).toBe(0 + 0 + 5 + 56 + 6);
    ts.forEach((t) => t.dispose());
    expect(bytes()).toBe(base);
  });
  it('memory goes with the last view: views keep storage alive after the base is disposed', () => {
    const base = bytes();
    const b = nr.arange(12).float().reshape([3, 4]);     // arange (int64) is an intermediate
    const mid = bytes() - base;
    const v = b.transpose(0, 1).select(0, 1);
    b.dispose();
    expect(bytes() - base).toBe(mid);                    // still held by v
    expect(v.toArray()).toEqual([1, 5, 9]);
    expect(v.data().length).toBe(3);
    v.dispose();
    expect(() => v.data()).toThrow(/^data: .*disposed/);
    expect(() => b.data()).toThrow(/^data: .*disposed/);
  });
  it('tidy() disposes intermediates and keeps the result', () => {
    const base = bytes();
    const x = nr.randn([100]);
    const afterX = bytes();
    const y = nr.tidy(() => x.exp().add(1).mul(x).sum());
    expect(bytes() - afterX).toBe(4);                   // only the scalar result
    expect(Number.isFinite(y.item() as number)).toBe(true);
    y.dispose();
    x.dispose();
    expect(bytes()).toBe(base);
  });
  it('tidy() keeps tensors in returned arrays, objects and Maps, kept tensors, and nests', () => {
    const base = bytes();
    let kept: nr.Tensor | null = null;
    const r = nr.tidy(() => {
      const a = nr.ones([2]);
      const inner = nr.tidy(() => { nr.ones([100]); return a.add(1); });   // inner result moves out
      kept = nr.keep(nr.zeros([3]));
      nr.ones([50]);
      return { list: [a, inner], map: new Map([['m', a.mul(3)]]) };
    });
    expect(r.list[1].toArray()).toEqual([2, 2]);
    expect(r.map.get('m')!.toArray()).toEqual([3, 3]);
    expect(kept!.isDisposed).toBe(false);
    expect(bytes() - base).toBe(8 + 8 + 8 + 12);
    [...r.list, r.map.get('m')!, kept!].forEach((t) => t.dispose());
    expect(bytes()).toBe(base);
  });
  it('tidy() disposes everything it created when fn throws', () => {
    const base = bytes();
    expect(() => nr.tidy(() => { nr.ones([100]).add(1); throw new Error('boom'); })).toThrow('boom');
    expect(bytes()).toBe(base);
    // and a failing op inside tidy leaves no partial outputs behind
    expect(() => nr.tidy(() => nr.ones([2, 3]).add(nr.ones([4])))).toThrow(/^add: /);
    expect(bytes()).toBe(base);
  });
  it('tidy() refuses async functions', () => {
    expect(() => nr.tidy((async () => nr.ones([1])) as any)).toThrow(/^tidy: .*synchronous/);
  });
  it('`using` disposes at the end of the block', () => {
    const base = bytes();
    {
      using a = nr.ones([64]);
      using b = a.mul(2);
      expect(b.sum().item()).toBe(128);
      expect(bytes() - base).toBeGreaterThanOrEqual(512);
    }
    // the sum's scalar was not under `using`
    expect(bytes() - base).toBe(4);
  });
  it('tidy keeps .grad of leaves and frees the graph; saved tensors survive tidy until backward', () => {
    const base = bytes();
    const w = nr.randn([50], { dtype: 'float64' }).requiresGrad_();
    const afterW = bytes();
    // forward inside tidy: intermediates (exp output, products) are disposed by tidy, but the
    // autograd graph keeps what backward needs
    const loss = nr.tidy(() => w.exp().mul(w).sum());
    expect(bytes()).toBeGreaterThan(afterW + 8);           // saved tensors still held
    nr.tidy(() => loss.backward());
    expect(w.grad).not.toBeNull();
    expect(w.grad!.isDisposed).toBe(false);
    const g = w.grad!.toFlatArray(), wv = w.toFlatArray();
    g.forEach((v, i) => expect(v).toBeCloseTo(Math.exp(wv[i]) * (1 + wv[i]), 10));
    // after backward the graph's saved tensors were released: only w, its grad and loss remain
    expect(bytes() - base).toBe(400 + 400 + 8);
    loss.dispose();
    w.grad!.dispose();
    w.dispose();
    expect(bytes()).toBe(base);
  });
  it('releasing a graph without backward: disposing the output keeps saved tensors until GC (no crash)', () => {
    const w = nr.ones([4], { requiresGrad: true });
    const y = nr.tidy(() => w.mul(w).sum());
    y.dispose();
    expect(() => y.backward()).toThrow(/^backward: .*disposed/);
    w.dispose();
  });
  it('data() of a strided view inside tidy stays readable after tidy ends', () => {
    const x = nr.arange(6).float().reshape([2, 3]);
    const d = nr.tidy(() => x.t().data());
    expect(Array.from(d as Float32Array)).toEqual([0, 3, 1, 4, 2, 5]);
    x.dispose();
  });
  it('backward under retainGraph keeps saved tensors; a second backward releases them', () => {
    const base = bytes();
    const x = nr.ones([10], { dtype: 'float64', requiresGrad: true });
    const y = nr.tidy(() => x.exp().sum());
    nr.tidy(() => y.backward(undefined, { retainGraph: true }));
    const held = bytes();                                 // x, grad, y, and the saved exp output
    expect(held - base).toBe(80 + 80 + 8 + 80);
    nr.tidy(() => y.backward());
    expect(bytes() - base).toBe(80 + 80 + 8);             // the saved exp output went with the graph
    expect(x.grad!.toFlatArray()[0]).toBeCloseTo(2 * Math.E, 12);
    [x, y, x.grad!].forEach((t) => t.dispose());
    expect(bytes()).toBe(base);
  });
});

describe('releaseFreeMemory (native, used by tools/soak.js)', () => {
  it('asks the C allocator to return free pages (glibc) and leaves tensors intact', () => {
    const t = nr.arange(1000).float();
    nr.ones([1 << 20]).dispose();                        // something freed to trim
    const r = native().releaseFreeMemory();
    expect(typeof r).toBe('boolean');
    if (process.platform === 'linux' && (process.report?.getReport() as any)?.header?.glibcVersionRuntime) expect(r).toBe(true);
    expect(t.sum().item()).toBe(499500);
    t.dispose();
  });
});
