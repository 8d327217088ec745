// Property test for the native bindings themselves: every binding that real ops call is recorded
// (its argument block and its buffers), then replayed with 1-3 slots of the block mutated (dtype
// codes, ranks, shapes, strides, offsets and scalar parameters set to neighbouring, zero, negative,
// huge or NaN values). The bindings validate everything, so each replay must either run (within its
// buffers) or throw a JS Error naming the binding; it must never crash the process. A crash kills
// this test file's worker; NEURONA_FUZZ_TRACE=file names the last call tried.
import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import * as fs from 'fs';
import * as nr from '../../src/index';
import { native } from '../../src/backend/native';
import { fcRuns, caseCounts, reportCounts, BEST, TIMEOUT } from './gen';

afterAll(() => { nr.backend.setKernelLevel(BEST as any); reportCounts('native_args'); });

interface Call { fn: string; block: Float64Array; used: number; bufs: unknown[]; }

/** Runs `work` with every native call recorded (argument block slots in use, buffer arguments). */
function record(work: () => void): Call[] {
  const addon = native();
  const block = new Float64Array(addon.argBuffer());
  const calls: Call[] = [];
  const skip = new Set(['argBuffer', 'cpuInfo', 'setIsa', 'setNumThreads', 'alloc', 'free', 'hostBytesInUse', 'externalBuffers', 'cudaInfo', 'opCodes', 'reduceCodes']);
  const orig: Record<string, any> = {};
  for (const name of Object.keys(addon)) {
    if (skip.has(name) || typeof addon[name] !== 'function') continue;
    orig[name] = addon[name];
    addon[name] = (...a: unknown[]) => {
      // slots in use: up to the last non-zero slot written for this call
      let used = 0;
      for (let i = 0; i < 512; i++) if (block[i] !== 0) used = i + 1;
      calls.push({ fn: name, block: block.slice(0, 512), used, bufs: a });
      try { return orig[name](...a); } finally { block.fill(0, 0, 512); }   // so the next call's slots are its own
    };
  }
  try {
    block.fill(0);
    work();
  } finally {
    for (const name of Object.keys(orig)) addon[name] = orig[name];
  }
  return calls;
}

/** Ops that reach every binding family: elementwise, reduce, gemm, conv, pool, softmax, sort, index, loss, norm, optim, scan, attention. */
function workload(): void {
  nr.manualSeed(3);
  const x = nr.randn([2, 3, 4]), y = nr.randn([4, 5]);
  x.exp(); x.add(y.narrow(1, 0, 4).t().narrow(0, 0, 1)); x.mul(2); nr.where(x.gt(0), x, 0);
  x.sum(1); x.amax(-1); x.max(0); x.argmax(); x.var(2); x.logsumexp(1); x.norm(3); x.cumsum(1); x.cumprod(0);
  nr.matmul(x, y); nr.bmm(x, nr.randn([2, 4, 2])); nr.linear(x, nr.randn([6, 4]), nr.randn([6]));
  const img = nr.randn([2, 3, 6, 6]);
  nr.conv2d(img, nr.randn([4, 3, 3, 3]), nr.randn([4]), { padding: 1, stride: 2 });
  nr.maxPool2d(img, 2); nr.avgPool2d(img, 3, { padding: 1 }); nr.adaptiveAvgPool2d(img, [2, 3]);
  nr.softmax(x, -1); nr.logSoftmax(x, 1); nr.sort(x, 1); nr.topk(x, 2, -1);
  const idx = nr.tensor([[0, 2, 1, 3]]).expand([3, 4]).unsqueeze(0).expand([2, 3, 4]).contiguous();
  nr.gather(x, 2, idx); nr.scatterAdd(x, 2, idx, x); nr.indexSelect(x, 1, nr.tensor([2, 0])); nr.nonzero(x.gt(0));
  nr.index(x, [nr.tensor([1, 0])]); nr.maskedFill(x, x.lt(0), 0);
  nr.nn.functional.crossEntropy(nr.randn([4, 5]), nr.tensor([0, 4, 2, 1]));
  nr.nn.functional.layerNorm(x, [4]);
  const w = nr.randn([3, 4], { requiresGrad: true });
  const opt = new nr.optim.AdamW([w], { lr: 0.1 });
  w.mul(w).sum().backward(); opt.step();
  const s = new nr.optim.SGD([w], { lr: 0.1, momentum: 0.9 }); s.step();
  nr.scaledDotProductAttention(nr.randn([1, 2, 3, 4]), nr.randn([1, 2, 3, 4]), nr.randn([1, 2, 3, 4]), { isCausal: true });
  const g = nr.randn([2, 3, 6, 6], { requiresGrad: true });
  nr.conv2d(g, nr.randn([4, 3, 3, 3])).sum().backward();
  nr.maxPool2d(g, 2).sum().backward();
  nr.softmax(g, 1).sum().backward();
  x.to('float64').to('int32'); nr.arange(5); nr.linspace(0, 1, 4); nr.rand([3]); nr.zeros([2]).fill_(3);
}

const TRACE = process.env.NEURONA_FUZZ_TRACE;
// Large positive values are capped at 4096, at most one per case (see BIG): a dim of 2**53 (or two of
// 2**20) with stride 0 is a valid, in-bounds broadcast view that kernels would loop over for hours,
// which is slowness, not a memory error. (ArgReader refuses huge non-zero extents; test/errors.test.ts
// feeds it 2**53 and 2**60 directly.)
const HOSTILE = [0, 1, -1, 2, 3, 7, 8, 12, 13, 255, 4096, -(2 ** 31), -(2 ** 53), NaN, Infinity, -Infinity, 0.5, -0.5];
const BIG = 64;

describe('native bindings under mutated argument blocks', { timeout: TIMEOUT }, () => {
  it('every recorded binding call, mutated, runs or throws a JS error; never crashes', () => {
    // no tidy(): the recorded buffers must stay alive for the replays (they are reclaimed by GC after)
    const calls = record(workload);
    const fns = new Set(calls.map((c) => c.fn));
    expect(fns.size).toBeGreaterThan(25);
    const addon = native();
    const block = new Float64Array(addon.argBuffer());
    const arb = fc.record({
      c: fc.constantFrom(...calls),
      muts: fc.array(fc.record({ slot: fc.nat(), how: fc.constantFrom('hostile', 'plus', 'minus', 'double', 'neg'), v: fc.constantFrom(...HOSTILE) }), { minLength: 1, maxLength: 3 }),
      level: fc.constantFrom('ref', BEST),
    });
    let tried = 0, threw = 0;
    const bad: string[] = [];
    fc.assert(fc.property(arb, ({ c, muts, level }) => {
      tried++;
      block.fill(0);
      block.set(c.block);
      const desc: string[] = [];
      let big = 0;
      for (const m of muts) {
        const i = c.used ? m.slot % c.used : 0;
        const old = block[i];
        const v = m.how === 'hostile' ? m.v : m.how === 'plus' ? old + 1 : m.how === 'minus' ? old - 1 : m.how === 'double' ? old * 2 : -old;
        if (v > BIG && v > old && ++big > 1) continue;   // one grown value per case bounds the work
        block[i] = v;
        desc.push(`[${i}] ${old} -> ${block[i]}`);
      }
      if (TRACE) fs.writeFileSync(TRACE, `${level} ${c.fn} ${desc.join(', ')}\nblock: ${Array.from(block.subarray(0, c.used)).join(',')}\n`);
      const prev = nr.backend.cpuInfo().active;
      nr.backend.setKernelLevel(level as any);
      try {
        addon[c.fn](...c.bufs);
      } catch (e) {
        threw++;
        if (!(e instanceof Error) || !/^[A-Za-z][\w/ ().]*: /.test(e.message)) bad.push(`${c.fn} ${desc.join(', ')}: ${String(e)}`);
      } finally {
        nr.backend.setKernelLevel(prev as any);
      }
    }), fcRuns(8000));
    caseCounts().set('nativeArgs', tried);
    if (process.env.NEURONA_FUZZ_RUNS) console.log(`[fuzz] native_args: ${tried} mutated calls over ${fns.size} bindings, ${threw} threw`);
    expect(bad.slice(0, 20)).toEqual([]);
  });
});
