// Property tests for bad input to the public API: every op is called with arguments drawn from a mix of
// plausible values (small tensors of every dtype, dims, sizes, shapes, options) and hostile ones (NaN,
// +-Infinity, negative, fractional and huge numbers like 2**40, strings, null, undefined, objects,
// arrays, bigints, symbols, functions, disposed tensors, tensors of the wrong dtype or rank). Each call
// must either return a consistent result (tensors whose data can be read) or throw an Error/TypeError/
// RangeError whose message starts with an op name ("op: ..."), never an engine error such as
// "Cannot read properties of undefined", and never crash, hang or leak native memory.
import { describe, it, expect, afterAll } from 'vitest';
import * as fs from 'fs';
import fc from 'fast-check';
import * as nr from '../../src/index';
import type { Tensor } from '../../src/index';
import { fcRuns, caseCounts, reportCounts, values, BEST, ALL, TIMEOUT } from './gen';

afterAll(() => { nr.backend.setKernelLevel(BEST as any); reportCounts('invalid'); });

// Sizes such as 2**31 or 2**32 + 1 are left out on purpose: they are legitimate requests (8-16 GB)
// that this machine could grant, and filling them would take minutes and the memory of other processes.

// ---- argument values -----------------------------------------------------------------------------

/** Tensors made fresh for every case (kinds are resolved inside the case's tidy scope). */
type TKind = { t: 'tensor'; shape: number[]; dtype: string; seed: number; view: number } | { t: 'disposed' } | { t: 'index'; shape: number[]; dtype: string; seed: number };
type Arg = { v: unknown } | TKind;

const smallShape = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 });
const tensorKind: fc.Arbitrary<Arg> = fc.record({
  t: fc.constant('tensor' as const), shape: smallShape, dtype: fc.constantFrom(...ALL, 'float16'), seed: fc.nat(1000), view: fc.nat(3),
});
const indexKind: fc.Arbitrary<Arg> = fc.record({
  t: fc.constant('index' as const), shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), dtype: fc.constantFrom('int64', 'int32', 'float32', 'bool'), seed: fc.nat(1000),
});
const HOSTILE: unknown[] = [
  NaN, Infinity, -Infinity, -1, -7, 0.5, 1.5, -0, 2 ** 40, 2 ** 53, 2 ** 64, -(2 ** 40), Number.MAX_VALUE,
  '1', '', 'float32', 'abc', null, undefined, {}, [], [NaN], [2 ** 40, 2 ** 40], [-1, -1], [1.5], [2 ** 31, 2 ** 31, 2 ** 31],
  ['2'], [null], [[1]], true, false, 10n, Symbol('s'), () => 1, new Float32Array(2), new Date(0), { length: 3 },
];
const hostile: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE).map((v) => ({ v })) },
  { weight: 1, arbitrary: fc.constant({ t: 'disposed' as const }) },
);
const dim = fc.integer({ min: -5, max: 5 }).map((v) => ({ v }));
const int = fc.integer({ min: -2, max: 6 }).map((v) => ({ v }));
const num = fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.integer({ min: -3, max: 3 })).map((v) => ({ v }));
// arange's step: not a tiny double (arange(0, 3, 1e-9) is a legitimate 3e9-element request)
const stepArg = fc.constantFrom(0.5, 1, 2, -1, -0.25, 0).map((v) => ({ v }));
const shape = fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 4 }).map((v) => ({ v }));
const dims = fc.oneof(dim, fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 3 }).map((v) => ({ v })), fc.constant({ v: undefined }));
const pair = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }))).map((v) => ({ v }));
const anyVal = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: a }, { weight: 1, arbitrary: fc.constantFrom(...HOSTILE) });
const opts = fc.record({
  keepdim: anyVal(fc.boolean()), dtype: anyVal(fc.constantFrom(...ALL)), alpha: anyVal(fc.integer({ min: -2, max: 2 })),
  stride: anyVal(fc.integer({ min: 1, max: 3 })), padding: anyVal(fc.integer({ min: 0, max: 2 })), dilation: anyVal(fc.integer({ min: 1, max: 2 })),
  groups: anyVal(fc.integer({ min: 1, max: 3 })), descending: anyVal(fc.boolean()), largest: anyVal(fc.boolean()),
  roundingMode: anyVal(fc.constantFrom('trunc', 'floor')), correction: anyVal(fc.integer({ min: 0, max: 2 })), ceilMode: anyVal(fc.boolean()),
  countIncludePad: anyVal(fc.boolean()), reduce: anyVal(fc.constantFrom('add', 'multiply')), includeSelf: anyVal(fc.boolean()),
  beta: anyVal(fc.double({ min: 0.1, max: 3, noNaN: true })), requiresGrad: anyVal(fc.boolean()),
}, { requiredKeys: [] }).map((v) => ({ v }));
const listOf = (a: fc.Arbitrary<Arg>) => fc.array(a, { maxLength: 3 }).map((xs) => ({ list: xs }));

type Slot = fc.Arbitrary<Arg | { list: Arg[] }>;
const T = tensorKind, I = indexKind;

// ---- ops: name (accepted error prefixes), call, argument slots --------------------------------------

type Op = [string, (...a: any[]) => unknown, Slot[]];
/** A method call: the receiver is always a tensor (possibly disposed); the other arguments are fuzzed. */
const METHOD = Symbol('method');
const m = (name: string) => Object.assign((x: any, ...a: any[]) => x[name](...a), { [METHOD]: true });
const OPS: Op[] = [
  ['exp', m('exp'), [T]], ['neg', m('neg'), [T]], ['relu', m('relu'), [T]], ['clamp', m('clamp'), [T, num, num]],
  ['leakyRelu', m('leakyRelu'), [T, num]], ['softplus', m('softplus'), [T, opts]], ['pow', m('pow'), [T, num]],
  ['add', m('add'), [T, T, opts]], ['sub', m('sub'), [T, num]], ['mul', m('mul'), [T, T]], ['div', m('div'), [T, T, opts]],
  ['maximum', m('maximum'), [T, T]], ['eq', m('eq'), [T, T]], ['where', nr.where, [T, T, T]], ['add_', m('add_'), [T, T]],
  ['fmod', m('fmod'), [T, num]], ['floorDivide', m('floorDivide'), [T, T]], ['atan2', m('atan2'), [T, T]],
  ['sum', m('sum'), [T, dims, opts]], ['mean', m('mean'), [T, dims, opts]], ['prod', m('prod'), [T, dims, opts]],
  ['amax', m('amax'), [T, dims, opts]], ['argmax', m('argmax'), [T, dim, opts]], ['var', m('var'), [T, dims, opts]],
  ['logsumexp', m('logsumexp'), [T, dims, opts]], ['norm', m('norm'), [T, num, dims, opts]], ['max', m('max'), [T, dim, opts]],
  ['cumsum', m('cumsum'), [T, dim]], ['all', m('all'), [T, dims]],
  ['reshape', m('reshape'), [T, shape]], ['view', m('view'), [T, shape]], ['permute', m('permute'), [T, shape]],
  ['transpose', m('transpose'), [T, dim, dim]], ['squeeze', m('squeeze'), [T, dims]], ['unsqueeze', m('unsqueeze'), [T, dim]],
  ['flatten', m('flatten'), [T, dim, dim]], ['expand', m('expand'), [T, shape]], ['narrow', m('narrow'), [T, dim, int, int]],
  ['slice', m('slice'), [T, dim, int, int, int]], ['select', m('select'), [T, dim, int]], ['split', m('split'), [T, int, dim]],
  ['chunk', m('chunk'), [T, int, dim]], ['flip', m('flip'), [T, dims]], ['roll', m('roll'), [T, int, dims]],
  ['repeat', m('repeat'), [T, shape]], ['tile', m('tile'), [T, shape]], ['tril', m('tril'), [T, int]], ['unflatten', m('unflatten'), [T, dim, shape]],
  ['cat', nr.cat, [listOf(T), dim]], ['stack', nr.stack, [listOf(T), dim]],
  ['matmul', nr.matmul, [T, T]], ['mm', nr.mm, [T, T]], ['bmm', nr.bmm, [T, T]], ['linear', nr.linear, [T, T, T]], ['dot', nr.dot, [T, T]],
  ['softmax', nr.softmax, [T, dim, opts]], ['logSoftmax', nr.logSoftmax, [T, dim, opts]],
  ['gather', nr.gather, [T, dim, I]], ['scatter', nr.scatter, [T, dim, I, T, opts]], ['scatterAdd', nr.scatterAdd, [T, dim, I, T]],
  ['indexSelect', nr.indexSelect, [T, dim, I]], ['indexAdd', nr.indexAdd, [T, dim, I, T]], ['indexFill', nr.indexFill, [T, dim, I, num]],
  ['maskedFill', nr.maskedFill, [T, T, num]], ['maskedSelect', nr.maskedSelect, [T, T]], ['index', nr.index, [T, I]], ['nonzero', nr.nonzero, [T]],
  ['embedding', nr.embedding, [I, T]], ['oneHot', nr.oneHot, [I, int]],
  ['sort', nr.sort, [T, dim, opts]], ['topk', nr.topk, [T, int, dim, opts]], ['kthvalue', nr.kthvalue, [T, int, dim]], ['unique', nr.unique, [T]],
  ['conv2d', nr.conv2d, [T, T, T, opts]], ['conv1d', nr.conv1d, [T, T, T, opts]], ['maxPool2d', nr.maxPool2d, [T, pair, opts]],
  ['avgPool2d', nr.avgPool2d, [T, pair, opts]], ['adaptiveAvgPool2d', nr.adaptiveAvgPool2d, [T, pair]], ['pad', nr.pad, [T, shape, num]],
  ['zeros', nr.zeros, [shape, opts]], ['ones', nr.ones, [shape, opts]], ['full', nr.full, [shape, num, opts]], ['arange', nr.arange, [num, num, stepArg, opts]],
  ['linspace', nr.linspace, [num, num, int, opts]], ['eye', nr.eye, [int, int, opts]], ['randn', nr.randn, [shape, opts]],
  ['randint', nr.randint, [int, int, shape, opts]], ['randperm', nr.randperm, [int, opts]], ['fromArray', nr.fromArray, [shape, shape, opts]],
  ['tensor', nr.tensor, [shape, opts]], ['to', m('to'), [T, anyVal(fc.constantFrom(...ALL)).map((v) => ({ v }))]], ['fill_', m('fill_'), [T, num]],
  ['copy_', m('copy_'), [T, T]], ['item', m('item'), [T]], ['contiguous', m('contiguous'), [T]], ['clone', m('clone'), [T]],
];

/** Error prefixes an op may use besides its own name (ops built from other ops may name the inner op). */
const ALIASES: Record<string, string[]> = {
  softplus: ['softplus'], tile: ['tile', 'repeat'], unflatten: ['unflatten', 'view', 'reshape'], linear: ['linear', 'add'],
  conv1d: ['conv1d', 'conv2d'], dot: ['dot', 'matmul'], maxPool2d: ['maxPool2d'], kthvalue: ['kthvalue', 'topk'],
  chunk: ['chunk', 'split'], roll: ['roll', 'narrow', 'cat'], embedding: ['embedding', 'indexSelect'], index: ['index'],
  fromArray: ['fromArray'], argmax: ['argmax'], max: ['max'], all: ['all'], div: ['div', 'floorDivide'], scatter: ['scatter', 'scatterAdd'],
};

/** Materialises an argument (tensors are created here, inside the case's tidy scope). */
function make(a: Arg | { list: Arg[] }): unknown {
  if ('list' in a) return a.list.map(make);
  if ('v' in a) return a.v;
  if (a.t === 'disposed') { const t = nr.ones([2, 3]); t.dispose(); return t; }
  if (a.t === 'index') {
    const v = values(a.shape.reduce((p, d) => p * d, 1), 'int64', a.seed, [-3, 9]);
    return nr.fromArray(v, a.shape, { dtype: a.dtype as any });
  }
  const dt = a.dtype as any;
  const v = values(a.shape.reduce((p, d) => p * d, 1), dt === 'float16' ? 'float32' : dt, a.seed, 'special');
  let t: Tensor = nr.fromArray(v, a.shape, { dtype: dt });
  if (a.view === 1 && t.ndim >= 2) t = t.transpose(0, -1);
  if (a.view === 2 && t.ndim >= 1) t = t.flip([0]).unsqueeze(0).expand([2, ...t.shape]).select(0, 1);
  return t;
}

/** A short description of an argument for failure messages. */
function describeArg(x: unknown): string {
  if (nr.Tensor && x instanceof nr.Tensor) return x.isDisposed ? 'disposed' : `${x.dtype}[${x.shape}]`;
  if (typeof x === 'symbol') return 'Symbol';
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'number') return String(x);
  if (typeof x === 'function') return 'function';
  if (Array.isArray(x)) return `[${x.map(describeArg).join(',')}]`;
  if (x !== null && typeof x === 'object' && !(x instanceof Date) && !ArrayBuffer.isView(x)) {
    return `{${Object.entries(x).map(([k, v]) => `${k}:${describeArg(v)}`).join(',')}}`;
  }
  try { return JSON.stringify(x) ?? String(x); } catch { return Object.prototype.toString.call(x); }
}

/** Reads every tensor in a result (so views are checked for consistency with their storage). */
function consume(r: unknown, depth = 0): void {
  if (depth > 3 || r === null || r === undefined) return;
  if (r instanceof nr.Tensor) {
    if (!r.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`bad result shape [${r.shape}]`);
    if (r.numel() <= 100000) {
      // read through a tracked contiguous copy: data() of a strided view would keep its copy until GC
      const d = r.contiguous().toFlatArray();
      if (d.length !== r.numel()) throw new Error(`result data has ${d.length} elements for shape [${r.shape}]`);
    }
    return;
  }
  if (Array.isArray(r)) { for (const x of r) consume(x, depth + 1); return; }
  if (typeof r === 'object') for (const x of Object.values(r as object)) consume(x, depth + 1);
}

/** Messages from the engine instead of the library: the error was not anticipated. */
const ENGINE = /is not a function|Cannot read propert|Cannot convert|undefined is not|null is not|Invalid typed array|Invalid array length|Maximum call stack|is not iterable|Cannot mix BigInt|BigInt|Do not know how to serialize|Offset is outside|Array buffer allocation failed/;

const TRACE = process.env.NEURONA_FUZZ_TRACE;

const caseArb = fc.constantFrom(...OPS).chain(([name, fn, slots]) => fc.record({
  name: fc.constant(name), fn: fc.constant(fn),
  args: fc.tuple(...slots.map((s, i) => (i === 0 && (fn as any)[METHOD]
    ? fc.oneof({ weight: 9, arbitrary: s }, { weight: 1, arbitrary: fc.constant({ t: 'disposed' as const }) })
    : fc.oneof({ weight: 3, arbitrary: s }, { weight: 1, arbitrary: hostile })))),
  level: fc.constantFrom('ref', BEST),
}));

describe('bad arguments to every op', { timeout: TIMEOUT }, () => {
  it('throw a clear, op-named Error (or return a readable result); never an engine error, crash or leak', () => {
    const failures = new Map<string, string>();
    let tried = 0, threw = 0, returned = 0;
    const before = nr.backend.hostBytesInUse();
    fc.assert(fc.property(caseArb, ({ name, fn, args, level }) => {
      tried++;
      const prev = nr.backend.cpuInfo().active;
      nr.backend.setKernelLevel(level as any);
      const t0 = Date.now();
      let desc = '';
      try {
        nr.tidy(() => {
          const a = args.map(make);
          desc = `${name}(${a.map(describeArg).join(', ')})`;
          // NEURONA_FUZZ_TRACE=file: the call about to run is written first, so a crash leaves its culprit
          if (TRACE) fs.writeFileSync(TRACE, `${level} ${desc}\n`);
          consume(fn(...a));
        });
        returned++;
      } catch (e) {
        threw++;
        const err = e as Error;
        const names = ALIASES[name] ?? [name];
        const ok = err instanceof Error && [Error, TypeError, RangeError].some((c) => err.constructor === c) &&
          !ENGINE.test(err.message) && /^[A-Za-z][A-Za-z0-9]*_?(\([a-z]+\))?: /.test(err.message);
        const named = ok && names.some((n) => err.message.startsWith(`${n}: `) || err.message.startsWith(`${n}_: `) || err.message.startsWith(`${n}(`));
        if (!ok || !named) {
          const key = `${name}: ${err?.constructor?.name}: ${String(err?.message).replace(/[0-9]+/g, 'N').slice(0, 90)}`;
          if (!failures.has(key)) failures.set(key, desc);
        }
      } finally {
        nr.backend.setKernelLevel(prev as any);
      }
      if (Date.now() - t0 > 20000) failures.set(`${name}: slow (${Date.now() - t0} ms)`, desc);
    }), fcRuns(8000));
    caseCounts().set('invalidArgs', tried);
    if (process.env.NEURONA_FUZZ_RUNS) console.log(`[fuzz] invalid: ${tried} calls, ${threw} threw, ${returned} returned, ${failures.size} distinct unclear errors`);
    expect([...failures].map(([k, d]) => `${k}\n    e.g. ${d}`).join('\n')).toBe('');
    expect(nr.backend.hostBytesInUse()).toBe(before);
  });
});
