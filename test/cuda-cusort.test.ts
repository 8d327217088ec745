// Scan, sort and rearrange ops on cuda against the CPU kernels (cumsum/cumprod, sort/argsort/topk/
// kthvalue/unique, flip/roll/repeat/tile/tril/triu, constant pad; forward and gradients): the shared
// checks of test/gpu/checks_cusort.js, run only where a GPU is present (the device runner
// test/gpu/run.js executes the same checks without vitest). Without a GPU: the checks are defined, the
// ops are listed by supportedOps(), and moving a tensor to cuda fails with a clear error.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import checksCusort from './gpu/checks_cusort.js';

describe.runIf(nr.cuda.isAvailable())('cuda scans, sorts and rearrangements against the CPU kernels', () => {
  for (const [name, fn] of Object.entries(checksCusort(nr, expect))) it(name, fn, 60_000);
});

describe('cuda scan/sort checks are defined', () => {
  it('lists the checks the GPU machine runs and the ops supportedOps() reports', () => {
    const names = Object.keys(checksCusort(nr, expect));
    expect(names.length).toBeGreaterThanOrEqual(8);
    expect(names.some((n) => n.startsWith('sort'))).toBe(true);
    const ops = nr.cuda.supportedOps();
    for (const op of ['cumsum', 'cumprod', 'sort', 'argsort', 'topk', 'kthvalue', 'flip', 'roll', 'tril', 'triu']) expect(ops).toContain(op);
  });

  it.runIf(!nr.cuda.isAvailable())('without a GPU, moving a tensor to cuda for a sort fails with a clear error', () => {
    expect(() => nr.sort(nr.randn([3]).to('cuda'))).toThrow(/cuda/);
  });
});
