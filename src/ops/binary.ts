// Binary elementwise ops with NumPy/PyTorch broadcasting and type promotion: arithmetic, pow,
// maximum/minimum, fmod/remainder, atan2, comparisons, logical ops, where, and in-place variants.
// Backward rules reduce each gradient to its input's shape (sumToShape).
import { Tensor, isTensor } from '../tensor';
import { attach, isGradEnabled } from '../autograd';
import { defineMethods } from './registry';
import { runBinary, runWhere, binaryResultType, checkOperand } from './kernels';
import { sumToShape } from './reduce';
import { isFloat, canCast, defaultFloat, resultType } from '../dtype';
import { fmtValue } from './check';
import { tracing, traceOp } from '../trace';

/** A binary op's other operand: a tensor or a scalar (broadcast). */
export type Operand = Tensor | number | boolean;

declare module '../tensor' {
  interface Tensor {
    add(other: Operand, opts?: { alpha?: number }): Tensor;
    sub(other: Operand, opts?: { alpha?: number }): Tensor;
    mul(other: Operand): Tensor;
    div(other: Operand, opts?: { roundingMode?: 'trunc' | 'floor' }): Tensor;
    pow(exponent: Operand): Tensor;
    maximum(other: Tensor): Tensor;
    minimum(other: Tensor): Tensor;
    fmod(other: Operand): Tensor;
    remainder(other: Operand): Tensor;
    floorDivide(other: Operand): Tensor;
    atan2(other: Tensor): Tensor;
    eq(other: Operand): Tensor; ne(other: Operand): Tensor; lt(other: Operand): Tensor;
    le(other: Operand): Tensor; gt(other: Operand): Tensor; ge(other: Operand): Tensor;
    logicalAnd(other: Operand): Tensor; logicalOr(other: Operand): Tensor; logicalXor(other: Operand): Tensor;
    heaviside(values: Operand): Tensor;
    rsub(other: Operand): Tensor;
    add_(other: Operand, opts?: { alpha?: number }): Tensor;
    sub_(other: Operand, opts?: { alpha?: number }): Tensor;
    mul_(other: Operand): Tensor;
    div_(other: Operand): Tensor;
    zero_(): Tensor;
    equal(other: Tensor): boolean;
    allclose(other: Tensor, opts?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean;
  }
}

const asT = (v: Operand, like: Tensor): Tensor => (isTensor(v) ? v : scalarTensor(v, like));
/** A 0-dim tensor for a JS scalar next to `like`: bool, int64 for integers beside non-float tensors, else a float dtype. */
function scalarTensor(v: number | boolean, like: Tensor): Tensor {
  const dt = typeof v === 'boolean' ? 'bool' : isFloat(like.dtype) ? like.dtype : Number.isInteger(v) ? 'int64' : defaultFloat();
  return Tensor.empty([], dt).fill_(v);
}

/** Gradient of a broadcast input: reduce g to the input's shape (and its dtype). */
function red(g: Tensor, x: Operand): Tensor | null {
  if (!isTensor(x) || !x.requiresGrad) return null;
  const r = sumToShape(g, x.shape);
  return r.dtype === x.dtype ? r : r.to(x.dtype);
}

function inputs(a: Tensor, b: Operand): Tensor[] { return isTensor(b) ? [a, b] : [a]; }

/** alpha of add/sub must be a number (a bigint or string would reach the kernel argument block). */
function checkAlpha(op: string, alpha: unknown): void {
  if (typeof alpha !== 'number') throw new TypeError(`${op}: alpha must be a number, got ${fmtValue(alpha)}`);
}

export function add(a: Tensor, b: Operand, alpha = 1): Tensor {
  checkAlpha('add', alpha);
  const out = runBinary('add', a, b, { a: alpha });
  return attach(out, 'add', inputs(a, b), (g) => [red(g, a), isTensor(b) ? red(alpha === 1 ? g : g.mul(alpha), b) : null]);
}

export function sub(a: Tensor, b: Operand, alpha = 1): Tensor {
  checkAlpha('sub', alpha);
  const out = runBinary('sub', a, b, { a: alpha });
  return attach(out, 'sub', inputs(a, b), (g) => [red(g, a), isTensor(b) ? red(g.mul(-alpha), b) : null]);
}

export function mul(a: Tensor, b: Operand): Tensor {
  const out = runBinary('mul', a, b);
  if (!isTensor(b)) return attach(out, 'mul', [a], (g) => [red(g.mul(b), a)]);
  return attach(out, 'mul', [a, b], (g, [sa, sb]) => [a.requiresGrad ? red(g.mul(sb), a) : null, b.requiresGrad ? red(g.mul(sa), b) : null], [a, b]);
}

export function div(a: Tensor, b: Operand, roundingMode?: 'trunc' | 'floor'): Tensor {
  checkOperand(a, 'div', 'the first operand', false);
  checkOperand(b, 'div', 'the second operand');
  if (roundingMode !== undefined && roundingMode !== 'trunc' && roundingMode !== 'floor') {
    throw new RangeError(`div: roundingMode must be 'trunc', 'floor' or undefined, got ${fmtValue(roundingMode)}`);
  }
  if (roundingMode === 'floor') return floorDivide(a, b);
  if (roundingMode === 'trunc') {
    const rt = binaryResultType('div', a, b);
    if (isFloat(rt)) return runBinary('div', a, b).trunc();
    const q = runBinary('div', a.to('float64'), isTensor(b) ? b.to('float64') : b).trunc();
    return q.to(rt);
  }
  const out = runBinary('div', a, b, { trueDiv: true });
  if (!isTensor(b)) return attach(out, 'div', [a], (g) => [red(g.div(b), a)]);
  return attach(out, 'div', [a, b], (g, [sb, so]) => [
    a.requiresGrad ? red(g.div(sb), a) : null,
    b.requiresGrad ? red(g.mul(so).div(sb).neg(), b) : null,
  ], [b, out]);
}

export function pow(a: Tensor | number, b: Operand): Tensor {
  if (!isTensor(a)) {
    checkOperand(a, 'pow', 'the base');
    checkOperand(b, 'pow', 'the exponent', false);
    const base = asT(a, b as Tensor);
    return pow(base, b);
  }
  checkOperand(b, 'pow', 'the exponent');
  if (typeof b === 'number' && Number.isInteger(b) && b < 0 && !isFloat(a.dtype)) {
    throw new RangeError(`pow: integers to negative integer powers are not allowed (${a.dtype} tensor of shape [${a.shape}] to the power ${String(b)})`);
  }
  const out = runBinary('pow', a, b);
  if (!isTensor(b)) {
    return attach(out, 'pow', [a], (g, [sa]) => [b === 0 ? g.mul(0) : red(g.mul(sa.pow(Number(b) - 1)).mul(b), a)], [a]);
  }
  return attach(out, 'pow', [a, b], (g, [sa, sb, so]) => {
    let gb: Tensor | null = null;
    if (b.requiresGrad) {
      // d/db a^b = a^b log a, defined as 0 where a == 0 and b >= 0 (as PyTorch)
      const l = so.mul(sa.log());
      const mask = sa.eq(0).logicalAnd(sb.ge(0));
      gb = red(g.mul(where(mask, 0, l)), b);
    }
    const ga = a.requiresGrad ? red(g.mul(sb).mul(sa.pow(sb.sub(1))), a) : null;
    return [ga, gb];
  }, [a, b, out]);
}

function minmax(name: 'maximum' | 'minimum', a: Tensor, b: Tensor): Tensor {
  checkOperand(b, name, 'other', false);
  const out = runBinary(name, a, b);
  return attach(out, name, [a, b], (g, [sa, sb]) => {
    // ties split the gradient evenly (as PyTorch)
    const win = (name === 'maximum' ? sa.gt(sb) : sa.lt(sb)).to(g.dtype).add(sa.eq(sb).to(g.dtype).mul(0.5));
    return [a.requiresGrad ? red(g.mul(win), a) : null, b.requiresGrad ? red(g.mul(win.rsub(1)), b) : null];
  }, [a, b]);
}

/** Integer fmod/remainder/floorDivide by zero is an error (as PyTorch's ZeroDivisionError). */
function checkIntZero(name: string, a: Tensor, b: Operand): void {
  checkOperand(a, name, 'the first operand', false);
  checkOperand(b, name, 'the second operand');
  const intRes = !isFloat(binaryResultType(name, a, b));
  if (!intRes) return;
  const zero = isTensor(b) ? (b._check(name), b.numel() > 0 && (b.eq(0).any().item() as boolean)) : Number(b) === 0;
  if (zero) throw new RangeError(`${name}: integer division by zero`);
}

export function fmod(a: Tensor, b: Operand): Tensor {
  checkIntZero('fmod', a, b);
  const out = runBinary('fmod', a, b);
  return attach(out, 'fmod', inputs(a, b), (g, [sa, sb]) => [red(g, a), isTensor(b) && b.requiresGrad ? red(g.mul(sa.div(sb).trunc()).neg(), b) : null], isTensor(b) ? [a, b] : [a]);
}

export function remainder(a: Tensor, b: Operand): Tensor {
  checkIntZero('remainder', a, b);
  const out = runBinary('remainder', a, b);
  return attach(out, 'remainder', inputs(a, b), (g, [sa, sb]) => [red(g, a), isTensor(b) && b.requiresGrad ? red(g.mul(sa.div(sb).floor()).neg(), b) : null], isTensor(b) ? [a, b] : [a]);
}

export function floorDivide(a: Tensor, b: Operand): Tensor {
  checkIntZero('floorDivide', a, b);
  return runBinary('floor_divide', a, b);
}

export function atan2(a: Tensor, b: Tensor): Tensor {
  checkOperand(b, 'atan2', 'other', false);
  const out = runBinary('atan2', a, b, { trueDiv: true });
  return attach(out, 'atan2', [a, b], (g, [sa, sb]) => {
    const den = sa.mul(sa).add(sb.mul(sb));
    return [a.requiresGrad ? red(g.mul(sb).div(den), a) : null, b.requiresGrad ? red(g.mul(sa).div(den).neg(), b) : null];
  }, [a, b]);
}

/** torch.where(cond, x, y) with broadcasting; x/y may be numbers. */
export function where(cond: Tensor, x: Operand, y: Operand): Tensor {
  if (tracing.active) return traceOp('where', where, [cond, x, y]);
  checkOperand(cond, 'where', 'the condition', false);
  checkOperand(x, 'where', 'x');
  checkOperand(y, 'where', 'y');
  // JS numbers become 0-dim tensors of the result dtype (torch.result_type of x and y)
  const rt = resultType(x, y);
  const xt = isTensor(x) ? x : Tensor.empty([], rt).fill_(x), yt = isTensor(y) ? y : Tensor.empty([], rt).fill_(y);
  const out = runWhere(cond, xt, yt);
  return attach(out, 'where', [xt, yt], (g, [c]) => [
    xt.requiresGrad ? red(runWhere(c, g, zeroLike(g)), xt) : null,
    yt.requiresGrad ? red(runWhere(c, zeroLike(g), g), yt) : null,
  ], [cond]);
}
const zeroLike = (g: Tensor) => Tensor.empty([], g.dtype, true, 'where', g.device);

function inplace(name: string, a: Tensor, b: Operand, alpha?: number): Tensor {
  if (alpha !== undefined) checkAlpha(`${name}_`, alpha);
  checkOperand(b, `${name}_`, 'other');
  a._check(`${name}_`);
  if (isTensor(b)) b._check(`${name}_`);
  const rt = binaryResultType(name, a, b, name === 'div');
  if (!canCast(rt, a.dtype)) {
    throw new TypeError(`${name}_: result type ${rt} can't be cast to the in-place tensor's dtype ${a.dtype} (shape [${a.shape}])`);
  }
  if (isGradEnabled() && (a.requiresGrad || (isTensor(b) && b.requiresGrad))) {
    throw new Error(`${name}_: in-place operation on a tensor that requires grad (shape [${a.shape}]); wrap it in noGrad() or use the out-of-place ${name}()`);
  }
  return runBinary(name, a, b, { a: alpha, out: a, trueDiv: name === 'div' });
}

const cmp = (name: string) => function (this: Tensor, o: Operand) { return runBinary(name, this, o); };

defineMethods('binary', {
  add(o: Operand, opts?: { alpha?: number }) { return add(this, o, opts?.alpha); },
  sub(o: Operand, opts?: { alpha?: number }) { return sub(this, o, opts?.alpha); },
  rsub(o: Operand) { return isTensor(o) ? sub(o, this) : add(mul(this, -1), o); },
  mul(o: Operand) { return mul(this, o); },
  div(o: Operand, opts?: { roundingMode?: 'trunc' | 'floor' }) { return div(this, o, opts?.roundingMode); },
  pow(o: Operand) { return pow(this, o); },
  maximum(o: Tensor) { return minmax('maximum', this, o); },
  minimum(o: Tensor) { return minmax('minimum', this, o); },
  fmod(o: Operand) { return fmod(this, o); },
  remainder(o: Operand) { return remainder(this, o); },
  floorDivide(o: Operand) { return floorDivide(this, o); },
  atan2(o: Tensor) { return atan2(this, o); },
  eq: cmp('eq'), ne: cmp('ne'), lt: cmp('lt'), le: cmp('le'), gt: cmp('gt'), ge: cmp('ge'),
  logicalAnd: cmp('logical_and'), logicalOr: cmp('logical_or'), logicalXor: cmp('logical_xor'),
  heaviside(v: Operand) { return runBinary('heaviside', this, v); },
  add_(o: Operand, opts?: { alpha?: number }) { return inplace('add', this, o, opts?.alpha); },
  sub_(o: Operand, opts?: { alpha?: number }) { return inplace('sub', this, o, opts?.alpha); },
  mul_(o: Operand) { return inplace('mul', this, o); },
  div_(o: Operand) { return inplace('div', this, o); },
  zero_() { return this.fill_(0); },
  equal(o: Tensor) {
    checkOperand(o, 'equal', 'other', false);
    this._check('equal'); o._check('equal');
    if (this.ndim !== o.ndim || this.shape.some((d, i) => d !== o.shape[i])) return false;
    const e = runBinary('eq', this, o);
    const r = e.all().item() as boolean;
    e.dispose();
    return r;
  },
  allclose(o: Tensor, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}) {
    checkOperand(o, 'allclose', 'other', false);
    this._check('allclose'); o._check('allclose');
    const { rtol = 1e-5, atol = 1e-8, equalNan = false } = opts;
    const a = this.double(), b = o.double();
    const diff = a.sub(b).abs(), tol = b.abs().mul(rtol).add(atol);
    let ok = diff.le(tol);
    if (equalNan) ok = ok.logicalOr(a.isnan().logicalAnd(b.isnan()));
    return ok.all().item() as boolean;
  },
});

export const maximum = (a: Tensor, b: Tensor) => minmax('maximum', a, b);
export const minimum = (a: Tensor, b: Tensor) => minmax('minimum', a, b);

declare module '../tensor' {
  interface Tensor { all(dim?: number | number[], opts?: { keepdim?: boolean }): Tensor; any(dim?: number | number[], opts?: { keepdim?: boolean }): Tensor; }
}
