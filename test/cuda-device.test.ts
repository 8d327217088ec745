// Device tensors: without a GPU (CI) the 'cuda' device fails with clear errors and CPU work is
// untouched; with one (the device machine) every op that runs on cuda is compared with the CPU
// kernels on the same inputs, including views, broadcasting, dtypes, autograd and readback.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import checksTensor from './gpu/checks_tensor.js';

const GPU = nr.cuda.isAvailable();

describe('cuda device without a GPU', () => {
  it.skipIf(GPU)('moves and creation fail with the reason, CPU work is unaffected', () => {
    const x = nr.randn([2, 3]);
    const reason = nr.cuda.info().reason;
    expect(reason.length).toBeGreaterThan(0);
    expect(() => x.to('cuda')).toThrow(/^to: device 'cuda' is not available: /);
    expect(() => x.cuda()).toThrow(reason.split('\n')[0]);
    expect(() => nr.zeros([2], { device: 'cuda' })).toThrow(/not available/);
    expect(() => nr.randn([2], { device: 'cuda' })).toThrow(/not available/);
    expect(() => nr.cuda.synchronize()).toThrow(/^synchronize: device 'cuda' is not available/);
    expect(nr.cuda.memoryAllocated()).toBe(0);
    expect(nr.cuda.memoryReserved()).toBe(0);
    expect(() => nr.cuda.emptyCache()).not.toThrow();
    expect(x.cpu()).toBe(x);
    expect(x.to({ device: 'cpu', dtype: 'float64' }).dtype).toBe('float64');
    expect(x.add(1).sum().item()).toBeCloseTo((x.sum().item() as number) + 6, 5);
  });
});

describe('cuda device API on any machine', () => {
  it('rejects unknown devices with a TypeError', () => {
    expect(() => nr.ones([2]).to({ device: 'tpu' as any })).toThrow(/^to: unknown device "tpu"/);
  });
  it('dataAsync of a CPU tensor resolves with a copy of its values', async () => {
    const x = nr.tensor([1, 2, 3], { dtype: 'float32' });
    const d = await x.dataAsync();
    expect(Array.from(d as Float32Array)).toEqual([1, 2, 3]);
    (d as Float32Array)[0] = 9;
    expect(x.toFlatArray()).toEqual([1, 2, 3]);
    const t = nr.arange(0, 6, 1, { dtype: 'int64' }).reshape([2, 3]).t();
    expect(Array.from(await t.dataAsync())).toEqual([0n, 3n, 1n, 4n, 2n, 5n]);
  });
  it('lists the ops that run on cuda', () => {
    const ops = nr.cuda.supportedOps();
    for (const n of ['add', 'mul', 'matmul', 'linear', 'softmax', 'sum', 'relu']) expect(ops.some((o) => o.startsWith(n))).toBe(true);
  });
});

// ---- on the GPU machine: the shared checks (test/gpu/checks_tensor.js) ------------------------------
describe.runIf(GPU)('cuda tensors against the CPU kernels', () => {
  for (const [name, fn] of Object.entries(checksTensor(nr, expect))) it(name, fn);
});

describe('device names', () => {
  it("accepts 'cuda:0' as 'cuda' and refuses other GPUs and unknown names", () => {
    const x = nr.ones([2]);
    expect(x.to('cpu')).toBe(x);
    const want = GPU ? /./ : /^to: device 'cuda' is not available/;
    if (!GPU) expect(() => x.to('cuda:0' as any)).toThrow(want);
    expect(() => x.to('cuda:1' as any)).toThrow(/^to: device 'cuda:1': neurona uses one GPU/);
    expect(() => nr.zeros([2], { device: 'cuda:3' as any })).toThrow(/^zeros: device 'cuda:3'/);
    expect(() => nr.zeros([2], { device: 'mps' as any })).toThrow(/^zeros: unknown device "mps"/);
    expect(() => new nr.nn.Linear(2, 2).to('cuda:2' as any)).toThrow(/cuda:2/);
  });
});
