// PyTorch parity: runs every case of test/fixtures/*.json (made by tools/make_fixtures.py with
// PyTorch 1.13; see test/fixtures/README.md) through the neurona API at every kernel level this CPU
// has, and checks shape, dtype and values of the outputs and, where the fixture has them, the
// gradients of sum(out * w) w.r.t. each float input. No expected numbers live here: the case list,
// inputs and results are all in the JSON; this file only maps op names to API calls and sets
// tolerances.
import { describe, it } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import * as nr from '../src/index';
import type { Tensor, DType } from '../src/index';

// ---- fixture format (see tools/fixturegen/common.py) ----------------------------------------------

type Num = number | string;
interface TSpec { dtype: DType; shape: number[]; data: Num[]; view?: any[][]; grad?: 1; }
type OutSpec = TSpec | TSpec[] | { values: TSpec; indices: TSpec };
interface Case { name: string; op: string; inputs: TSpec[]; args: any[]; out: OutSpec; w?: (TSpec | null)[]; grads?: (TSpec | null)[]; }
interface Fixture { family: string; torch: string; cases: Case[]; }

const DIR = path.join(__dirname, 'fixtures');
// Every fixture file in this format (it has a "family"); other files there (conv.json) have their own tests.
const FIXTURES: Fixture[] = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')))
  .filter((fx) => typeof fx.family === 'string' && Array.isArray(fx.cases));

function num(v: Num): number {
  if (typeof v === 'number') return v;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (v === '-0') return -0;
  return Number(v);   // int64 beyond 2^53 (only used where exact BigInt is not needed)
}

/** A tensor with exactly the fixture's values (float32 data round to the same float32 PyTorch used). */
function fromSpec(s: TSpec): Tensor {
  let a: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
  switch (s.dtype) {
    case 'float32': a = Float32Array.from(s.data, num); break;
    case 'float64': a = Float64Array.from(s.data, num); break;
    case 'int32': a = Int32Array.from(s.data, Number); break;
    case 'int64': a = BigInt64Array.from(s.data, (v) => BigInt(v)); break;
    case 'uint8': case 'bool': a = Uint8Array.from(s.data, Number); break;
    default: throw new Error(`fixture: unsupported dtype ${s.dtype}`);
  }
  return nr.fromArray(a, s.shape, { dtype: s.dtype });
}

/** The view ops the generator applies to make non-contiguous inputs (same names as there). */
function applyView(t: Tensor, v: any[]): Tensor {
  const [op, ...a] = v;
  switch (op) {
    case 'transpose': return t.transpose(a[0], a[1]);
    case 'permute': return t.permute(a[0]);
    case 'slice': return t.slice(a[0], a[1], a[2], a[3]);
    case 'expand': return t.expand(a[0]);
    default: throw new Error(`fixture: unknown view op ${op}`);
  }
}

function decodeArg(a: any, ts: Tensor[]): any {
  if (a === null || typeof a !== 'object') return a;
  if (Array.isArray(a)) return a.map((x) => decodeArg(x, ts));
  const keys = Object.keys(a);
  if (keys.length === 1 && keys[0] === 't') return ts[a.t];
  if (keys.length === 1 && keys[0] === 'ts') return a.ts.map((i: number | null) => (i === null ? null : ts[i]));
  if (keys.length === 1 && keys[0] === 'num') return num(a.num);
  return Object.fromEntries(keys.map((k) => [k, decodeArg(a[k], ts)]));
}

// ---- op name -> API call ---------------------------------------------------------------------------

class NotImplementedHere extends Error {}
type Call = (a: any[]) => unknown;

/** x.name(...rest) */
const method = (name: string): Call => (a) => {
  const f = a[0]?.[name];
  if (typeof f !== 'function') throw new NotImplementedHere(`Tensor.${name} does not exist on this branch`);
  return f.apply(a[0], a.slice(1));
};
/** nr.name(...args) */
const fn = (name: string): Call => (a) => {
  const f = (nr as any)[name];
  if (typeof f !== 'function') throw new NotImplementedHere(`nr.${name} does not exist on this branch`);
  return f(...a);
};

// Ops not called as x.<op>(...args). Adjust here when an API's signature differs from the fixture's.
const CALLS: Record<string, Call> = {
  tensor: fn('tensor'), zeros: fn('zeros'), ones: fn('ones'), full: fn('full'), arange: fn('arange'),
  linspace: fn('linspace'), eye: fn('eye'),
  cat: fn('cat'), stack: fn('stack'), where: fn('where'),
  pow: (a) => (typeof a[0] === 'number' ? fn('pow')(a) : method('pow')(a)),   // nr.pow(2, x): scalar base
  matmul: fn('matmul'), mm: fn('mm'), bmm: fn('bmm'), mv: fn('mv'), dot: fn('dot'), outer: fn('outer'),
  addmm: fn('addmm'), linear: fn('linear'),
  oneHot: fn('oneHot'), embedding: fn('embedding'),
};
const callFor = (op: string): Call => CALLS[op] ?? method(op);

// ---- tolerances ------------------------------------------------------------------------------------

interface Tol { rtol: number; atol: number; }
const DEFAULT_TOL: Record<string, Tol> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float64: { rtol: 1e-10, atol: 1e-12 },
};
// Per-op overrides, each with its reason.
const GEMM_TOL = {
  float32: { rtol: 1e-4, atol: 1e-5 },
  why: 'float32 dot products of length up to 300 summed in another order than PyTorch\'s BLAS: the error grows with K * eps * sum|a*b|',
};
const OP_TOL: Record<string, { float32?: Tol; float64?: Tol; why: string }> = {
  matmul: GEMM_TOL, mm: GEMM_TOL, bmm: GEMM_TOL, mv: GEMM_TOL, dot: GEMM_TOL, addmm: GEMM_TOL, linear: GEMM_TOL,
};

function tolFor(op: string, dtype: DType): Tol {
  return OP_TOL[op]?.[dtype as 'float32' | 'float64'] ?? DEFAULT_TOL[dtype] ?? { rtol: 0, atol: 0 };
}

// ---- comparison ------------------------------------------------------------------------------------

function isTensor(x: unknown): x is Tensor { return typeof x === 'object' && x !== null && (x as any)._isTensor === true; }
const fmt = (v: unknown) => (typeof v === 'bigint' ? `${v}n` : Object.is(v, -0) ? '-0' : String(v));

/** Returns a description of the first mismatches, or '' when `got` matches `exp`. */
function compare(got: unknown, exp: TSpec, tol: Tol, what: string): string {
  if (!isTensor(got)) return `${what}: expected a tensor, got ${typeof got}`;
  if (got.dtype !== exp.dtype) return `${what}: dtype ${got.dtype}, expected ${exp.dtype}`;
  if (got.shape.length !== exp.shape.length || got.shape.some((d, i) => d !== exp.shape[i])) {
    return `${what}: shape [${got.shape}], expected [${exp.shape}]`;
  }
  const d = got.data();
  const bad: string[] = [];
  let nbad = 0;
  for (let i = 0; i < exp.data.length; i++) {
    let ok: boolean;
    const g = d[i];
    if (exp.dtype === 'float32' || exp.dtype === 'float64') {
      const e = num(exp.data[i]), a = Number(g);
      if (Number.isNaN(e)) ok = Number.isNaN(a);
      else if (!Number.isFinite(e)) ok = a === e;
      else ok = Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
    } else if (exp.dtype === 'int64') {
      ok = g === BigInt(exp.data[i]);
    } else {
      ok = Number(g) === Number(exp.data[i]);
    }
    if (!ok && nbad++ < 6) bad.push(`[${i}] got ${fmt(g)} expected ${exp.data[i]}`);
  }
  return nbad ? `${what}: ${nbad}/${exp.data.length} values differ (rtol ${tol.rtol}, atol ${tol.atol}): ${bad.join('; ')}` : '';
}

/** Outputs in fixture order: a tensor, a list, or {values, indices}. */
function flatOut(got: unknown, exp: OutSpec): [unknown[], TSpec[]] {
  if (Array.isArray(exp)) return [Array.isArray(got) ? got : [got], exp];
  if ('values' in exp) {
    const g = got as { values?: unknown; indices?: unknown } | undefined;
    return [[g?.values, g?.indices], [exp.values, exp.indices]];
  }
  return [[got], [exp]];
}

function runCase(c: Case): string[] {
  const errs: string[] = [];
  nr.tidy(() => {
    const leaves = c.inputs.map((s) => {
      const t = fromSpec(s);
      return s.grad && c.grads ? t.requiresGrad_(true) : t;
    });
    const ins = leaves.map((t, i) => (c.inputs[i].view ?? []).reduce(applyView, t));
    const out = callFor(c.op)(decodeArg(c.args, ins));
    const [gotList, expList] = flatOut(out, c.out);
    if (gotList.length !== expList.length) {
      errs.push(`expected ${expList.length} outputs, got ${gotList.length}`);
      return;
    }
    expList.forEach((e, i) => {
      const msg = compare(gotList[i], e, tolFor(c.op, e.dtype), expList.length > 1 ? `output ${i}` : 'output');
      if (msg) errs.push(msg);
    });
    if (!c.grads || errs.length) return;
    let loss: Tensor | null = null;
    c.w!.forEach((w, i) => {
      if (!w) return;
      const o = gotList[i] as Tensor;
      if (!o.requiresGrad) { errs.push(`output ${i} does not require grad`); return; }
      const s = o.mul(fromSpec(w)).sum();
      loss = loss ? loss.add(s) : s;
    });
    if (!loss || errs.length) return;
    (loss as Tensor).backward();
    c.grads.forEach((g, i) => {
      if (!g) return;
      const msg = compare(leaves[i].grad, g, tolFor(c.op, g.dtype), `grad of input ${i}`);
      if (msg) errs.push(msg);
    });
  });
  return errs;
}

// ---- kernel levels ---------------------------------------------------------------------------------

const ACTIVE = nr.backend.cpuInfo().active as nr.backend.KernelLevel;
const LEVELS = (['ref', 'base', 'avx2', 'avx512', 'neon'] as const).filter((l) => {
  const ok = nr.backend.setKernelLevel(l);
  nr.backend.setKernelLevel(ACTIVE);
  return ok;
});

for (const fx of FIXTURES) {
  describe(`${fx.family} (PyTorch ${fx.torch})`, () => {
    for (const c of fx.cases) {
      it(c.name, () => {
        const problems: string[] = [];
        for (const level of LEVELS) {
          nr.backend.setKernelLevel(level);
          try {
            for (const e of runCase(c)) problems.push(`[${level}] ${e}`);
          } catch (e) {
            if (e instanceof NotImplementedHere) throw new Error(`${c.name}: ${e.message} (the fixture is waiting for it)`);
            problems.push(`[${level}] threw ${(e as Error).message}`);
          } finally {
            nr.backend.setKernelLevel(ACTIVE);
          }
        }
        if (problems.length) throw new Error(`${c.name}:\n  ${problems.join('\n  ')}`);
      });
    }
  });
}
