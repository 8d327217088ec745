// Cross-entropy/NLL with weights, smoothing and ignore indices, the other losses, Adam (amsgrad, L2),
// RMSprop, Adagrad, LAMB, SGD variants and gradient clipping, eval-mode batch norm backward, group
// norm, adaptive/1-D pooling, clamp/mish/step, typed fills and every nn layer on cuda against the CPU:
// the shared checks of test/gpu/checks_cumisc.js, run only where a GPU is present (the device runner
// test/gpu/run.js executes the same checks without vitest). Without a GPU: the list of ops the cumisc
// kernels add is reported by supportedOps(), and cuda tensors fail with a clear error.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import checksCumisc from './gpu/checks_cumisc.js';
import { native } from '../src/backend/native';

describe.runIf(nr.cuda.isAvailable())('cuda cumisc ops and nn layers against the CPU', () => {
  for (const [name, fn] of Object.entries(checksCumisc(nr, expect))) it(name, fn);
});

describe('cuda cumisc checks are defined', () => {
  it('lists the checks the GPU machine runs', () => {
    const names = Object.keys(checksCumisc(nr, expect));
    expect(names.length).toBeGreaterThanOrEqual(10);
    expect(names.some((n) => n.startsWith('every nn layer'))).toBe(true);
  });

  it('supportedOps() reports the ops the cumisc kernels add', () => {
    const ops = nr.cuda.supportedOps();
    for (const name of ['nllLoss', 'RMSprop', 'Adagrad', 'LAMB', 'groupNorm', 'clamp', 'mish']) expect(ops).toContain(name);
    expect(ops.some((n: string) => n.startsWith('crossEntropy (class weights'))).toBe(true);
    expect(ops.some((n: string) => n.startsWith('adaptiveAvgPool2d (any sizes)'))).toBe(true);
  });

  it('the addon exports the cumisc bindings, which refuse to run without the library', () => {
    const names = ['cudaCrossEntropyExtFwd', 'cudaCrossEntropyExtBwd', 'cudaNllFwd', 'cudaNllBwd', 'cudaAdamExt', 'cudaRmsprop', 'cudaAdagrad',
      'cudaAdaptiveAvgPool2d', 'cudaFillValue'];
    for (const n of names) expect(typeof native()[n]).toBe('function');
    if (!nr.cuda.isAvailable()) expect(() => native().cudaNllFwd(1, 2, 0, 3, 4)).toThrow(/nllLoss.*cuda|cuda.*not available|CUDA/i);
  });

  it.runIf(!nr.cuda.isAvailable())('a cuda optimizer state or loss input fails with a clear error without a GPU', () => {
    expect(() => nr.zeros([3], { device: 'cuda' })).toThrow(/device 'cuda' is not available/);
  });
});
