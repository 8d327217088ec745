// Loads the PyTorch reference values of test/fixtures/nn (made by tools/make_nn_fixtures.py) and
// compares tensors against them by max abs error relative to the reference's scale.
import * as fs from 'fs';
import * as path from 'path';
import { expect } from 'vitest';
import * as nr from '../../src/index';
import type { Tensor, DType } from '../../src/index';

export interface FT { shape: number[]; dtype: string; data: number[]; }

export function loadFixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'nn', name), 'utf8'));
}

/** A tensor from a fixture entry; float data in `floatDtype`, integer data as int64. */
export function ft(f: FT, floatDtype: DType = 'float64', requiresGrad = false): Tensor {
  if (f.dtype.startsWith('int')) return nr.fromArray(f.data, f.shape, { dtype: 'int64' });
  const t = nr.fromArray(Float64Array.from(f.data), f.shape, { dtype: 'float64' }).to(floatDtype);
  return requiresGrad ? t.requiresGrad_(true) : t;
}

/** Max |a - b| over elements, relative to max(1, max|b|). */
export function relErr(a: Tensor, b: FT | Tensor): number {
  const av = a.toFlatArray();
  const bv = Array.isArray((b as FT).data) ? (b as FT).data : (b as Tensor).toFlatArray();
  const bshape = Array.isArray((b as FT).data) ? (b as FT).shape : (b as Tensor).shape;
  expect(a.shape).toEqual(bshape);
  let err = 0, scale = 1;
  for (let i = 0; i < bv.length; i++) {
    scale = Math.max(scale, Math.abs(bv[i]));
    const d = Math.abs(av[i] - bv[i]);
    err = Math.max(err, Number.isNaN(d) ? (Number.isNaN(av[i]) && Number.isNaN(bv[i]) ? 0 : Infinity) : d);
  }
  return err / scale;
}

/** Asserts a matches b within tol (relative to b's scale), naming what is compared on failure. */
export function expectClose(a: Tensor, b: FT | Tensor, tol: number, what = ''): void {
  const e = relErr(a, b);
  if (!(e <= tol)) throw new Error(`${what}: max relative error ${e} > ${tol}`);
}

/** Kernel levels this CPU supports besides 'ref'. */
export function fastLevels(): string[] {
  const best = nr.backend.cpuInfo().best;
  const order = ['base', 'avx2', 'avx512'];
  if (best === 'neon') return ['base', 'neon'];
  return order.slice(0, order.indexOf(best) + 1);
}

/** Runs fn at kernel level `level`, restoring the previous level afterwards. */
export function atLevel<T>(level: string, fn: () => T): T {
  const prev = nr.backend.cpuInfo().active;
  if (!nr.backend.setKernelLevel(level as any)) throw new Error(`kernel level ${level} unavailable`);
  try { return fn(); } finally { nr.backend.setKernelLevel(prev as any); }
}
