// Tensor creation: from JS data (nested arrays, TypedArrays), constant fills, ranges, eye, random.
import { native } from './backend/native';
import { args } from './backend/args';
import { DType, checkDtype, defaultFloat, isFloat, isInt, TypedArray } from './dtype';
import { Tensor, Shape, NestedArray, checkShape, fmtShape } from './tensor';
import { Device, parseDevice } from './storage';
import { nextCounters } from './random';
import { fmtValue } from './format';

export interface CreateOptions { dtype?: DType; requiresGrad?: boolean; device?: 'cpu' | 'cuda'; }

function finish(t: Tensor, o: CreateOptions | undefined, op: string): Tensor {
  if (o?.device !== undefined && parseDevice(o.device, op) !== t.device) {
    const moved = t.to({ device: o.device });
    t.dispose();
    t = moved;
  }
  if (o?.requiresGrad) {
    if (!isFloat(t.dtype)) { t.dispose(); throw new TypeError(`${op}: only floating-point tensors can require gradients (got ${t.dtype})`); }
    t.requiresGrad = true;
  }
  return t;
}

/** The device of a creation option ('cpu' when absent); unknown names are a TypeError naming op. */
function deviceOf(o: CreateOptions | undefined, op: string): Device {
  return o?.device === undefined ? 'cpu' : parseDevice(o.device, op);
}

function dtypeOf(o: CreateOptions | undefined, fallback: DType, op: string): DType {
  return o?.dtype === undefined ? fallback : checkDtype(o.dtype, op);
}

function typedDtype(a: TypedArray | ArrayLike<number>): DType | null {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Uint8Array) return 'uint8';
  return null;
}

// Integer dtypes accept values (truncated toward zero) in these ranges, as torch's overflow check
// (uint8 lets small negatives wrap, like torch); beyond them creation throws instead of wrapping.
const INT_RANGE: Partial<Record<DType, [number, number]>> = { int32: [-(2 ** 31), 2 ** 31 - 1], uint8: [-255, 255], int64: [-(2 ** 63), 2 ** 63 - 1] };
const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n;

/** Throws a RangeError naming op if value does not fit the integer dtype (NaN/Inf never fit). */
function checkIntValue(x: number, dtype: DType, op: string): void {
  const r = INT_RANGE[dtype];
  if (!r) return;
  const t = Math.trunc(x);
  // int64's upper bound 2^63-1 is not a double: every double below 2^63 fits
  if (!(t >= r[0] && (dtype === 'int64' ? t < 2 ** 63 : t <= r[1]))) {
    throw new RangeError(`${op}: value ${String(x)} cannot be converted to ${dtype} without overflow`);
  }
}

/** Writes JS numbers into a fresh tensor of dtype (float16/bfloat16 through a float32 staging tensor). */
function fromFlat(values: ArrayLike<number | boolean | bigint>, shape: number[], dtype: DType, op = 'tensor'): Tensor {
  const out = Tensor.empty(shape, dtype, false, op);
  const d = out.data();
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const tmp = fromFlat(values, shape, 'float32', op);
    out.copy_(tmp);
    tmp.dispose();
    return out;
  }
  try {
    if (d instanceof BigInt64Array) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (typeof v === 'bigint') {
          if (v < I64_MIN || v > I64_MAX) throw new RangeError(`${op}: value ${v} cannot be converted to int64 without overflow`);
          d[i] = v;
        } else {
          const x = Number(v);
          checkIntValue(x, dtype, op);
          d[i] = BigInt(Math.trunc(x));
        }
      }
    } else if (dtype === 'bool') {
      for (let i = 0; i < values.length; i++) (d as Uint8Array)[i] = values[i] ? 1 : 0;
    } else if (INT_RANGE[dtype]) {
      for (let i = 0; i < values.length; i++) {
        const x = Number(values[i]);
        checkIntValue(x, dtype, op);
        (d as any)[i] = x;
      }
    } else {
      for (let i = 0; i < values.length; i++) (d as any)[i] = Number(values[i]);
    }
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}

/** torch.tensor: from a number, boolean, nested array or TypedArray (copied). */
export function tensor(data: NestedArray | TypedArray | Tensor, o?: CreateOptions): Tensor {
  if (data instanceof Tensor) data._check('tensor');
  if (data instanceof Tensor) return finish(data.detach().clone().to(dtypeOf(o, data.dtype, 'tensor')), o, 'tensor');
  if (ArrayBuffer.isView(data)) {
    const td = typedDtype(data as TypedArray);
    if (!td) throw new TypeError('tensor: unsupported TypedArray type (use Float32Array, Float64Array, Int32Array, BigInt64Array or Uint8Array)');
    const dt = dtypeOf(o, td, 'tensor');
    const arr = data as TypedArray;
    return finish(fromFlat(arr as any, [arr.length], dt), o, 'tensor');
  }
  const shape: number[] = [];
  let v: any = data;
  while (Array.isArray(v)) { shape.push(v.length); v = v[0]; }
  const flat: (number | boolean)[] = [];
  let allBool = true, allInt = true;
  const walk = (x: any, dim: number) => {
    if (dim === shape.length) {
      if (typeof x === 'boolean') { allInt = allInt && true; flat.push(x); return; }
      if (typeof x !== 'number') throw new TypeError(`tensor: expected numbers or booleans, got ${typeof x}`);
      allBool = false;
      if (!Number.isInteger(x) || Math.abs(x) >= 2 ** 63) allInt = false;   // 1e19 is a float, not an int64
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) {
      throw new RangeError(`tensor: ragged nested array (expected length ${shape[dim]} at depth ${String(dim)}, shape ${fmtShape(shape)})`);
    }
    for (const y of x) walk(y, dim + 1);
  };
  checkShape(shape, 'tensor');
  walk(data, 0);
  if (flat.length === 0) allBool = false;
  const inferred: DType = allBool ? 'bool' : allInt && flat.length > 0 ? 'int64' : defaultFloat();
  return finish(fromFlat(flat, shape, dtypeOf(o, inferred, 'tensor')), o, 'tensor');
}

/** A tensor over a copy of a TypedArray with the given shape. */
export function fromArray(data: TypedArray | number[], shape: Shape, o?: CreateOptions): Tensor {
  if (!Array.isArray(data) && !(ArrayBuffer.isView(data) && !(data instanceof DataView))) {
    throw new TypeError(`fromArray: data must be an array or a TypedArray, got ${data === null ? 'null' : typeof data}`);
  }
  const sh = checkShape(shape, 'fromArray');
  const n = sh.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new RangeError(`fromArray: ${data.length} values cannot fill shape ${fmtShape(sh)} (${String(n)} elements)`);
  const td = ArrayBuffer.isView(data) ? typedDtype(data) : null;
  return finish(fromFlat(data as any, sh, dtypeOf(o, td ?? defaultFloat(), 'fromArray'), 'fromArray'), o, 'fromArray');
}

function shapeArg(shape: Shape | number, op: string): number[] {
  return checkShape(typeof shape === 'number' ? [shape] : shape, op);
}

export function empty(shape: Shape | number, o?: CreateOptions): Tensor {
  return finish(Tensor.empty(shapeArg(shape, 'empty'), dtypeOf(o, defaultFloat(), 'empty'), false, 'empty', deviceOf(o, 'empty')), o, 'empty');
}
export function zeros(shape: Shape | number, o?: CreateOptions): Tensor {
  return finish(Tensor.empty(shapeArg(shape, 'zeros'), dtypeOf(o, defaultFloat(), 'zeros'), true, 'zeros', deviceOf(o, 'zeros')), o, 'zeros');
}
function filled(shape: Shape | number, value: number | boolean, o: CreateOptions | undefined, op: string): Tensor {
  const fallback: DType = typeof value === 'boolean' ? 'bool' : Number.isInteger(value) ? 'int64' : defaultFloat();
  const dt = dtypeOf(o, o?.dtype ?? fallback, op);
  if (typeof value !== 'boolean' && typeof value !== 'number') throw new TypeError(`${op}: fill value must be a number or boolean, got ${typeof value}`);
  if (typeof value === 'number') checkIntValue(value, dt, op);
  const t = Tensor.empty(shapeArg(shape, op), dt, false, op, deviceOf(o, op));
  return finish(t.fill_(value), o, op);
}
export function ones(shape: Shape | number, o?: CreateOptions): Tensor {
  return filled(shape, 1, { ...o, dtype: o?.dtype ?? defaultFloat() }, 'ones');
}
/** torch.full: a tensor filled with value (dtype inferred from the value unless given). */
export function full(shape: Shape | number, value: number | boolean, o?: CreateOptions): Tensor { return filled(shape, value, o, 'full'); }
function likeOf(t: Tensor, op: string): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a tensor, got ${t === null ? 'null' : typeof t}`);
  return t._check(op);
}
export function zerosLike(t: Tensor, o?: CreateOptions): Tensor { likeOf(t, 'zerosLike'); return zeros(t.shape, { dtype: t.dtype, device: t.device, ...o }); }
export function onesLike(t: Tensor, o?: CreateOptions): Tensor { likeOf(t, 'onesLike'); return ones(t.shape, { dtype: t.dtype, device: t.device, ...o }); }
export function emptyLike(t: Tensor, o?: CreateOptions): Tensor { likeOf(t, 'emptyLike'); return empty(t.shape, { dtype: t.dtype, device: t.device, ...o }); }
export function fullLike(t: Tensor, value: number | boolean, o?: CreateOptions): Tensor { likeOf(t, 'fullLike'); return full(t.shape, value, { dtype: t.dtype, device: t.device, ...o }); }

/** torch.arange(end) / arange(start, end, step?) */
export function arange(a: number, b?: number, step = 1, o?: CreateOptions): Tensor {
  const [start, end] = b === undefined ? [0, a] : [a, b];
  for (const x of [start, end, step]) if (!Number.isFinite(x)) throw new RangeError(`arange: start, end and step must be finite (got ${String(start)}, ${String(end)}, ${String(step)})`);
  if (step === 0) throw new RangeError('arange: step must be non-zero');
  if ((end - start) / step < 0) throw new RangeError(`arange: upper bound and larger bound inconsistent with step sign (start ${String(start)}, end ${String(end)}, step ${String(step)})`);
  const n = Math.ceil((end - start) / step);
  const intLike = [start, end, step].every(Number.isInteger);
  const t = Tensor.empty(checkShape([n], 'arange'), dtypeOf(o, intLike ? 'int64' : defaultFloat(), 'arange'), false, 'arange');
  args().view(t).num(start).num(step);
  native().arange(t.storage.buf);
  return finish(t, o, 'arange');
}

/** torch.linspace(start, end, steps) */
export function linspace(start: number, end: number, steps: number, o?: CreateOptions): Tensor {
  if (typeof start !== 'number' || typeof end !== 'number') throw new TypeError(`linspace: start and end must be numbers, got ${fmtValue(start)} and ${fmtValue(end)}`);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${String(steps)}`);
  const t = Tensor.empty(checkShape([steps], 'linspace'), dtypeOf(o, defaultFloat(), 'linspace'), false, 'linspace');
  if (steps > 0) {
    args().view(t).num(start).num(end);
    native().linspace(t.storage.buf);
  }
  return finish(t, o, 'linspace');
}

/** torch.eye(n, m?) */
export function eye(n: number, m = n, o?: CreateOptions): Tensor {
  const t = Tensor.empty(checkShape([n, m], 'eye'), dtypeOf(o, defaultFloat(), 'eye'), true, 'eye');
  const diag = t._view([Math.min(n, m)], [m + 1], 0, 'eye');
  diag.fill_(1);
  diag.dispose();
  return finish(t, o, 'eye');
}

function random(shape: Shape | number, kind: number, a: number, b: number, dtype: DType, o: CreateOptions | undefined, op: string): Tensor {
  const t = Tensor.empty(shapeArg(shape, op), dtype, false, op);
  const [lo, hi, off] = nextCounters(t.numel());
  args().view(t).num(kind).num(lo).num(hi).num(off).num(a).num(b);
  native().random(t.storage.buf);
  return finish(t, o, op);
}

function floatDtype(o: CreateOptions | undefined, op: string): DType {
  const d = dtypeOf(o, defaultFloat(), op);
  if (d !== 'float32' && d !== 'float64') throw new TypeError(`${op}: dtype must be float32 or float64 (got ${d})`);
  return d;
}

/** Uniform [0, 1) (torch.rand). */
export function rand(shape: Shape | number, o?: CreateOptions): Tensor { return random(shape, 0, 0, 1, floatDtype(o, 'rand'), o, 'rand'); }
/** Uniform [low, high). */
export function uniform(shape: Shape | number, low: number, high: number, o?: CreateOptions): Tensor {
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new RangeError(`uniform: expects a finite [low, high) range with low <= high, got low=${String(low)}, high=${String(high)}`);
  }
  return random(shape, 0, low, high, floatDtype(o, 'uniform'), o, 'uniform');
}
/** Standard normal (torch.randn). */
export function randn(shape: Shape | number, o?: CreateOptions): Tensor { return random(shape, 1, 0, 1, floatDtype(o, 'randn'), o, 'randn'); }
/** Normal with mean and std. */
export function normal(shape: Shape | number, mean: number, std: number, o?: CreateOptions): Tensor {
  if (!(std >= 0)) throw new RangeError(`normal: std must be >= 0, got ${String(std)}`);
  if (typeof mean !== 'number') throw new TypeError(`normal: mean must be a number, got ${typeof mean}`);
  return random(shape, 1, mean, std, floatDtype(o, 'normal'), o, 'normal');
}
/** Integers uniform in [low, high) (torch.randint). */
export function randint(low: number, high: number, shape: Shape | number, o?: CreateOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new RangeError(`randint: need integers low < high, got ${String(low)}, ${String(high)}`);
  const d = dtypeOf(o, 'int64', 'randint');
  if (!isInt(d) && !isFloat(d)) throw new TypeError(`randint: unsupported dtype ${d}`);
  return random(shape, 2, low, high, d, o, 'randint');
}
/** Uniform [0, 1) with t's shape and dtype (torch.rand_like); t must be floating-point unless o.dtype says otherwise. */
export function randLike(t: Tensor, o?: CreateOptions): Tensor { likeOf(t, 'randLike'); return rand(t.shape, { dtype: t.dtype, device: t.device, ...o }); }
/** Standard normal with t's shape and dtype (torch.randn_like). */
export function randnLike(t: Tensor, o?: CreateOptions): Tensor { likeOf(t, 'randnLike'); return randn(t.shape, { dtype: t.dtype, device: t.device, ...o }); }
/** Integers uniform in [low, high) with t's shape and dtype (torch.randint_like). */
export function randintLike(t: Tensor, low: number, high: number, o?: CreateOptions): Tensor {
  likeOf(t, 'randintLike');
  return randint(low, high, t.shape, { dtype: t.dtype, device: t.device, ...o });
}
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, o?: CreateOptions): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${String(n)}`);
  const keys = random([n], 0, 0, 1, 'float64', undefined, 'randperm');
  const k = keys.data() as Float64Array;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => k[a] - k[b] || a - b);
  keys.dispose();
  return finish(fromFlat(idx, [n], dtypeOf(o, 'int64', 'randperm')), o, 'randperm');
}
