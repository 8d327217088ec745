// Helpers for fast-vs-reference kernel tests: the kernel levels this CPU supports, running code at a
// level (restoring the previous one), seeded test values with special cases, and float32 ulp math.
import * as nr from '../../src/index';
import type { Tensor } from '../../src/index';

/** Fast kernel levels to compare against 'ref' on this machine (always 'base'; SIMD where present). */
export function fastLevels(): string[] {
  const best = nr.backend.cpuInfo().best;
  const out = ['base'];
  if (best === 'avx2' || best === 'avx512') out.push('avx2');
  if (best === 'avx512') out.push('avx512');
  if (best === 'neon') out.push('neon');
  return out;
}

/** Runs fn with the kernel level set, then restores the level that was active. */
export function atLevel<T>(level: string, fn: () => T): T {
  const prev = nr.backend.cpuInfo().active;
  if (!nr.backend.setKernelLevel(level as any)) throw new Error(`level ${level} not supported`);
  try { return fn(); } finally { nr.backend.setKernelLevel(prev as any); }
}

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values that exercise edges of float32 math: NaN, infinities, signed zeros, subnormals, overflow thresholds. */
export const SPECIALS = [
  NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 1e-30, -1e-30, 1, -1, 0.5, -0.5, 0.625, -0.625, 0.9, -0.9,
  1.2727922, -1.2727922, 20, -20, 20.5, 88.72, 88.73, 89, -87.3, -88, -103, -104, -110, 1e30, -1e30, 3e38, -3e38,
];

/** n float32 values: a seeded mix of scales (|x| ~ 1e-3 .. 100, plus log-uniform 1e-30 .. 1e30) and SPECIALS. */
export function testValues(n: number, seed = 1, specials = true): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r() * 2 - 1, k = i % 6;
    a[i] = k === 0 ? u * 3 : k === 1 ? u * 12 : k === 2 ? u * 100 : k === 3 ? u * 1e-3 : k === 4 ? Math.sign(u) * Math.exp(r() * 138 - 69) : u;
  }
  if (specials) for (let i = 0; i < SPECIALS.length && i * 7 < n; i++) a[(i * 7919) % n] = SPECIALS[i];
  return a;
}

/** Float32 tensor of `shape` filled from testValues. */
export function valuesTensor(shape: number[], seed = 1, specials = true): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return nr.fromArray(testValues(n, seed, specials), shape);
}

/** Size of one float32 ulp at |t| (subnormal spacing below 2^-126). */
export function ulp32(t: number): number {
  const a = Math.abs(t);
  if (!Number.isFinite(a)) return NaN;
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** Same value in the sense the kernels promise: both NaN, equal (incl. both infinite), or within tol. */
export function close(a: number, b: number, tol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tol;
}
