// scaledDotProductAttention on cuda (flash forward/backward with causal offsets and masks, composed
// path with bool masks and dropout) against the CPU kernel: the shared checks of
// test/gpu/checks_fabwd.js, run only where a GPU is present (test/gpu/run.js runs the same checks on
// the device machine without vitest). Without a GPU, the CPU-visible behaviour of cuda attention.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import checksFabwd from './gpu/checks_fabwd.js';

describe.runIf(nr.cuda.isAvailable())('cuda attention against the CPU kernel', () => {
  for (const [name, fn] of Object.entries(checksFabwd(nr, expect))) it(name, fn);
});

describe('cuda attention checks are defined', () => {
  it('lists the attention checks the GPU machine runs', () => {
    const names = Object.keys(checksFabwd(nr, expect));
    expect(names.length).toBeGreaterThanOrEqual(5);
    expect(names.some((n) => n.includes('dropout'))).toBe(true);
    expect(names.some((n) => n.includes('bool masks'))).toBe(true);
  });
});

describe.runIf(!nr.cuda.isAvailable())('cuda attention without a GPU', () => {
  it('moving attention inputs to cuda fails with a clear error, and the CPU path still runs', () => {
    const q = nr.randn([1, 2, 5, 8]);
    expect(() => q.to('cuda')).toThrow(/cuda/i);
    const y = nr.nn.functional.scaledDotProductAttention(q, q, q, { isCausal: true, attnMask: nr.ones([5, 5], { dtype: 'bool' }) });
    expect(y.shape).toEqual([1, 2, 5, 8]);
  });
});
