// Helpers of the GPU tests: compare a cuda result (read back) with the CPU kernels' result.
import { expect } from 'vitest';
import * as nr from '../../src/index';

/** Elementwise |a - b| <= tol * (1 + |b|) (NaN must match NaN); a is a CPU tensor. */
export const close = (a: nr.Tensor, b: nr.Tensor, tol = 1e-5): void => {
  expect(a.device).toBe('cpu');
  expect(a.shape).toEqual(b.shape);
  const x = a.toFlatArray(), y = b.toFlatArray();
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(y[i])) { expect(Number.isNaN(x[i])).toBe(true); continue; }
    expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(y[i])));
  }
};
export const onGpu = (t: nr.Tensor): nr.Tensor => t.to('cuda');
/** A cuda tensor read back to the host (fails when t is not on cuda). */
export const back = (t: nr.Tensor): nr.Tensor => { expect(t.device).toBe('cuda'); return t.to('cpu'); };
