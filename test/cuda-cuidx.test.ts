// Indexing ops on cuda against the CPU kernels (gather/scatter and their reductions, indexSelect/
// indexAdd/indexFill, tensor indexing, indexPut, nonzero, masks; forward, gradients, out-of-range
// errors, device rules): the shared checks of test/gpu/checks_cuidx.js, run only where a GPU is
// present (the device runner test/gpu/run.js executes the same checks without vitest). Without a GPU
// this file checks what is visible on the CPU: the checks are defined and supportedOps lists the ops.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import checksCuidx from './gpu/checks_cuidx.js';

describe.runIf(nr.cuda.isAvailable())('cuda indexing against the CPU kernels', () => {
  for (const [name, fn] of Object.entries(checksCuidx(nr, expect))) it(name, fn);
});

describe('cuda indexing checks are defined', () => {
  it('lists the indexing checks the GPU machine runs', () => {
    const names = Object.keys(checksCuidx(nr, expect));
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(names.some((n) => n.startsWith('out-of-range'))).toBe(true);
  });
  it('supportedOps lists the indexing ops', () => {
    const ops = nr.cuda.supportedOps();
    for (const n of ['gather', 'scatter', 'scatterAdd', 'scatterReduce', 'indexSelect', 'indexAdd', 'indexFill', 'index', 'indexPut', 'nonzero', 'maskedFill', 'maskedSelect']) {
      expect(ops).toContain(n);
    }
  });
  it('a cuda index without a GPU fails with the device error, not a crash', () => {
    if (nr.cuda.isAvailable()) return;
    expect(() => nr.zeros([2], { device: 'cuda' })).toThrow(/cuda/);
  });
});
