// Shared fast-check generators and oracles for the property suites in test/property/: tensor specs
// (shape, dtype, values seed and a layout recipe that turns the values into a non-contiguous view:
// permuted storage, slices with steps and offsets, size-1 dims expanded), plain-JS index helpers, a
// float32/dtype rounding model, the kernel levels to compare against 'ref', and `prop()`, which runs a
// property with numRuns scaled by NEURONA_FUZZ_RUNS and counts the cases it tried.
import fc from 'fast-check';
import * as nr from '../../src/index';
import type { Tensor, DType } from '../../src/index';
import { rng, fastLevels } from '../util/levels';

// ---- run control ---------------------------------------------------------------------------------

/** Multiplier for every property's numRuns (NEURONA_FUZZ_RUNS=10 for a long run). */
export const RUN_SCALE = Math.max(0.01, Number(process.env.NEURONA_FUZZ_RUNS ?? 1) || 1);
/**
 * Seed of every property: fixed by default so `npm test` and CI are deterministic; NEURONA_FUZZ_SEED=n
 * picks another, NEURONA_FUZZ_SEED=random explores (fast-check prints the seed of any failure).
 */
const SEED_ENV = process.env.NEURONA_FUZZ_SEED ?? '20261123';
const SEED = SEED_ENV === 'random' ? undefined : Number(SEED_ENV);

/** fast-check parameters for `n * NEURONA_FUZZ_RUNS` cases under the run's seed (fixed unless NEURONA_FUZZ_SEED=random). */
export function fcRuns(n: number): { numRuns: number; seed?: number } {
  return { numRuns: Math.max(1, Math.round(n * RUN_SCALE)), ...(SEED !== undefined ? { seed: SEED } : {}) };
}

const counts = new Map<string, number>();
/** Cases tried per property name, for the summary printed by reportCounts(). */
export function caseCounts(): Map<string, number> { return counts; }

/**
 * Runs `predicate` on `numRuns * NEURONA_FUZZ_RUNS` generated cases (fc.assert: the first failure is
 * shrunk and reported with its seed and path). Each case runs inside nr.tidy, so tensors are freed.
 */
export function prop<T>(name: string, arb: fc.Arbitrary<T>, predicate: (v: T) => void, numRuns: number): void {
  fc.assert(fc.property(arb, (v) => {
    counts.set(name, (counts.get(name) ?? 0) + 1);
    nr.tidy(() => { predicate(v); });
  }), fcRuns(numRuns));
}

/** Prints the cases tried per property when NEURONA_FUZZ_RUNS is set (a long run's report). */
export function reportCounts(file: string): void {
  if (process.env.NEURONA_FUZZ_RUNS === undefined) return;
  let total = 0;
  for (const n of counts.values()) total += n;
  console.log(`[fuzz] ${file}: ${total} cases over ${counts.size} properties (${[...counts].map(([k, n]) => `${k}=${n}`).join(', ')})`);
}

// ---- kernel levels -------------------------------------------------------------------------------

/** The fast levels this CPU has ('base', 'avx2', 'avx512', ...). */
export const LEVELS = fastLevels();
export const BEST = nr.backend.cpuInfo().best as string;

/** fn() at 'ref' and at `level`; the level active before is restored. */
export function refAndFast<T>(level: string, fn: () => T): [T, T] {
  const prev = nr.backend.cpuInfo().active;
  try {
    nr.backend.setKernelLevel('ref');
    const r = fn();
    nr.backend.setKernelLevel(level as any);
    const f = fn();
    return [r, f];
  } finally {
    nr.backend.setKernelLevel(prev as any);
  }
}

// ---- shapes and indices --------------------------------------------------------------------------

export const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
export function stridesOf(s: readonly number[]): number[] {
  const r = new Array(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) { r[i] = acc; acc *= s[i]; }
  return r;
}
export function unravel(i: number, s: readonly number[]): number[] {
  const idx = new Array(s.length);
  for (let d = s.length - 1; d >= 0; d--) { idx[d] = s[d] ? i % s[d] : 0; i = s[d] ? Math.floor(i / s[d]) : 0; }
  return idx;
}
export function ravel(idx: readonly number[], s: readonly number[]): number {
  let o = 0;
  for (let d = 0; d < s.length; d++) o = o * s[d] + idx[d];
  return o;
}

/** A dim size: mostly 1..5, sometimes 0 or an odd size up to 17 (crosses SIMD widths). */
export const dimArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 5 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: 6, max: 17 }) },
);
/** A shape of rank 0..maxRank with at most maxNumel elements. */
export function shapeArb(maxRank = 4, maxNumel = 600, minRank = 0): fc.Arbitrary<number[]> {
  return fc.array(dimArb, { minLength: minRank, maxLength: maxRank }).filter((s) => numel(s) <= maxNumel);
}

/** Two shapes that broadcast together (each a suffix of the result with some dims set to 1), and the result. */
export function broadcastPairArb(maxRank = 4): fc.Arbitrary<{ a: number[]; b: number[]; out: number[] }> {
  return shapeArb(maxRank, 400).chain((out) => fc.record({
    ka: fc.integer({ min: 0, max: out.length }), kb: fc.integer({ min: 0, max: out.length }),
    ma: fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    mb: fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    full: fc.boolean(),
  }).map(({ ka, kb, ma, mb, full }) => {
    // at least one operand keeps the full rank, so `out` is the true broadcast result
    const rankA = full ? out.length : ka, rankB = full ? kb : out.length;
    const mk = (rank: number, ones: boolean[]) => out.slice(out.length - rank).map((d, i) => (ones[i] ? 1 : d));
    const a = mk(rankA, ma), b = mk(rankB, mb);
    const res = out.map((_, i) => {
      const da = a[i - (out.length - a.length)] ?? 1, db = b[i - (out.length - b.length)] ?? 1;
      return da === 1 ? db : da;
    });
    return { a, b, out: res };
  }));
}

// ---- values --------------------------------------------------------------------------------------

export const FLOATS: DType[] = ['float32', 'float64'];
export const INTS: DType[] = ['int32', 'int64', 'uint8'];
export const ALL: DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];

/** Value kinds (see values()); [lo, hi) asks for integers in that range. */
export type Kind = 'exact' | 'wide' | 'special' | [number, number];

/**
 * n values for dtype from seed. 'exact': multiples of 1/4 in [-8, 8] (float sums and products of a
 * few stay exact in float32, so fast kernels, 'ref' and a JS oracle must agree bit for bit);
 * 'wide': also large/small magnitudes; 'special': also NaN, +-Inf and -0.
 */
export function values(n: number, dtype: DType, seed: number, kind: Kind = 'exact'): number[] {
  const r = rng(seed);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (Array.isArray(kind)) out[i] = kind[0] + Math.floor(u * (kind[1] - kind[0]));
    else if (dtype === 'bool') out[i] = u < 0.5 ? 0 : 1;
    else if (dtype === 'uint8') out[i] = Math.floor(u * 256);
    else if (dtype === 'int32' || dtype === 'int64') out[i] = Math.floor(u * 41) - 20;
    else {
      let v = Math.floor(u * 65) / 4 - 8;
      if (kind !== 'exact' && r() < 0.25) v = (r() * 2 - 1) * 10 ** (r() * 8 - 4);
      if (kind === 'special' && r() < 0.08) v = [NaN, Infinity, -Infinity, -0][Math.floor(r() * 4)];
      out[i] = dtype === 'float32' ? Math.fround(v) : v;
    }
  }
  return out;
}

/** A value rounded to what dtype stores (float32 rounding, integer wrap-around, bool). */
export function toDtype(v: number, dtype: DType): number {
  switch (dtype) {
    case 'float32': return Math.fround(v);
    case 'float64': return v;
    case 'int32': return Number.isFinite(v) ? Math.trunc(v) | 0 : 0;
    case 'uint8': return Number.isFinite(v) ? (Math.trunc(v) % 256 + 256) % 256 : 0;
    case 'int64': return Math.trunc(v);
    case 'bool': return v ? 1 : 0;
    default: return v;
  }
}

// ---- tensors with layouts ------------------------------------------------------------------------

/** How a tensor of `shape` is laid out in memory: storage dim order, per-dim slice start/step, expanded dims. */
export interface Layout { perm: number[]; starts: number[]; steps: number[]; expand: boolean[]; }
export interface TSpec { shape: number[]; dtype: DType; seed: number; layout: Layout | null; }

export function layoutArb(rank: number, shape?: number[]): fc.Arbitrary<Layout | null> {
  const perm = fc.shuffledSubarray([...Array(rank).keys()], { minLength: rank, maxLength: rank });
  const lay = fc.record({
    perm,
    starts: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: rank, maxLength: rank }),
    steps: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: rank, maxLength: rank }),
    expand: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
  }).map((l) => ({ ...l, expand: l.expand.map((e, d) => e && (shape === undefined || shape[d] !== 1)) }));
  return fc.option(lay, { freq: 3 });   // one case in three contiguous
}

/** A tensor spec: shape from `shape`, dtype from `dtypes`, any layout. */
export function tensorArb(shape: fc.Arbitrary<number[]>, dtypes: DType[]): fc.Arbitrary<TSpec> {
  return shape.chain((s) => fc.record({
    shape: fc.constant(s), dtype: fc.constantFrom(...dtypes), seed: fc.integer({ min: 1, max: 2 ** 30 }), layout: layoutArb(s.length, s),
  }));
}

/** A spec for a given shape (dtype chosen by the caller). */
export function specArb(s: number[], dtype: DType): fc.Arbitrary<TSpec> {
  return fc.record({ shape: fc.constant(s), dtype: fc.constant(dtype), seed: fc.integer({ min: 1, max: 2 ** 30 }), layout: layoutArb(s.length, s) });
}

/** Builds the tensor a spec describes and its logical row-major values (computed independently in JS). */
export function build(spec: TSpec, kind: Kind = 'exact'): { t: Tensor; v: number[] } {
  const { shape, dtype, seed, layout } = spec;
  if (!layout) {
    const v = values(numel(shape), dtype, seed, kind);
    return { t: nr.fromArray(v, shape, { dtype }), v };
  }
  const n = shape.length;
  const big = shape.map((d, i) => (layout.expand[i] ? 1 : layout.starts[i] + (d > 0 ? (d - 1) * layout.steps[i] + 1 : 0)));
  const stor = layout.perm.map((p) => big[p]);
  const base = values(numel(stor), dtype, seed, kind);
  const inv = new Array(n);
  layout.perm.forEach((p, i) => { inv[p] = i; });
  let t = nr.fromArray(base, stor, { dtype }).permute(inv);
  for (let d = 0; d < n; d++) {
    if (layout.expand[d]) continue;
    const s = layout.starts[d];
    t = t.slice(d, s, shape[d] > 0 ? s + (shape[d] - 1) * layout.steps[d] + 1 : s, layout.steps[d]);
  }
  if (layout.expand.some((e) => e)) t = t.expand(shape);
  const ss = stridesOf(stor);
  const v = new Array<number>(numel(shape));
  for (let i = 0; i < v.length; i++) {
    const idx = unravel(i, shape);
    let off = 0;
    for (let k = 0; k < n; k++) {
      const d = layout.perm[k];
      off += (layout.expand[d] ? 0 : layout.starts[d] + idx[d] * layout.steps[d]) * ss[k];
    }
    v[i] = base[off];
  }
  return { t, v };
}

// ---- comparisons ---------------------------------------------------------------------------------

/** Same number: both NaN, identical (incl. signed zero when exact), or within |a-b| <= atol + rtol*|b|. */
export function near(a: number, b: number, rtol = 0, atol = 0): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return rtol > 0 || atol > 0 || Object.is(a, b) || a === 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

/** Throws naming the first element where got and want differ. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 0, atol = 0, what = ''): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length} != ${want.length}`);
  for (let i = 0; i < got.length; i++) {
    if (!near(Number(got[i]), Number(want[i]), rtol, atol)) {
      throw new Error(`${what}: element ${i}: got ${got[i]}, want ${want[i]} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Flat values of a tensor as numbers, and its shape; asserts dtype and shape when given. */
export function flat(t: Tensor, shape?: readonly number[], dtype?: DType): number[] {
  if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw new Error(`shape [${t.shape}] != expected [${shape}]`);
  }
  if (dtype && t.dtype !== dtype) throw new Error(`dtype ${t.dtype} != expected ${dtype}`);
  return t.toFlatArray();
}

/** Random level among the fast ones. */
export const levelArb = fc.constantFrom(...LEVELS);

/** Per-test timeout that grows with NEURONA_FUZZ_RUNS (vitest's default is 60 s). */
export const TIMEOUT = 60_000 * Math.max(1, RUN_SCALE);
