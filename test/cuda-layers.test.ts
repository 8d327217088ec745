// CNN and optimizer ops on cuda against the CPU kernels (conv2d and its transposes forward/backward,
// pooling, batch norm with running statistics, RMSNorm, reductions, SGD, a LeNet step): the shared
// checks of test/gpu/checks_layers.js, run only where a GPU is present (the device runner
// test/gpu/run.js executes the same checks without vitest).
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import checksLayers from './gpu/checks_layers.js';

describe.runIf(nr.cuda.isAvailable())('cuda layers against the CPU kernels', () => {
  for (const [name, fn] of Object.entries(checksLayers(nr, expect))) it(name, fn);
});

describe('cuda layer checks are defined', () => {
  it('lists the layer checks the GPU machine runs', () => {
    const names = Object.keys(checksLayers(nr, expect));
    expect(names.length).toBeGreaterThanOrEqual(7);
    expect(names.some((n) => n.startsWith('conv2d'))).toBe(true);
  });
});
