// Unary elementwise math and activation functions, each with its backward rule. Activation
// backwards use fused native kernels (one pass: grad and saved input/output in, grad out).
import { Tensor } from '../tensor';
import { attach, isGradEnabled } from '../autograd';
import { defineMethods } from './registry';
import { runUnary, runBinary } from './kernels';
import { isFloat, resultType, canCast } from '../dtype';

declare module '../tensor' {
  interface Tensor {
    neg(): Tensor; abs(): Tensor; sign(): Tensor; exp(): Tensor; log(): Tensor; log1p(): Tensor; expm1(): Tensor;
    sqrt(): Tensor; rsqrt(): Tensor; sin(): Tensor; cos(): Tensor; tan(): Tensor; tanh(): Tensor; sigmoid(): Tensor;
    relu(): Tensor; leakyRelu(negativeSlope?: number): Tensor; elu(alpha?: number): Tensor;
    gelu(opts?: { approximate?: 'none' | 'tanh' }): Tensor; silu(): Tensor; mish(): Tensor;
    softplus(opts?: { beta?: number; threshold?: number }): Tensor; hardtanh(min?: number, max?: number): Tensor;
    relu6(): Tensor;
    floor(): Tensor; ceil(): Tensor; round(): Tensor; trunc(): Tensor; frac(): Tensor; reciprocal(): Tensor; square(): Tensor;
    erf(): Tensor; log2(): Tensor; log10(): Tensor; exp2(): Tensor; asin(): Tensor; acos(): Tensor; atan(): Tensor;
    sinh(): Tensor; cosh(): Tensor; asinh(): Tensor; acosh(): Tensor; atanh(): Tensor;
    logicalNot(): Tensor; isnan(): Tensor; isinf(): Tensor; isfinite(): Tensor; signbit(): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor; clip(min?: number | null, max?: number | null): Tensor;
    clamp_(min?: number | null, max?: number | null): Tensor;
    step(): Tensor;
  }
}

type Rule = (g: Tensor, x: Tensor, y: Tensor) => Tensor;

/** Fused backward kernels are not themselves differentiable: refuse double backward clearly. */
function fused(name: string, g: Tensor, saved: Tensor, a?: number, b?: number): Tensor {
  if (isGradEnabled() && (g.requiresGrad || saved.requiresGrad)) {
    throw new Error(`backward: double backward (createGraph) through ${name.replace('_bw', '')} is not implemented`);
  }
  return runBinary(name, g, saved, { a, b });
}

/** Defines a float op `name` (kernel `kernel`) whose gradient is rule(g, x, y). */
function floatOp(kernel: string, rule: Rule | null, a?: number, b?: number) {
  return (x: Tensor): Tensor => {
    const y = runUnary(kernel, x, { floatOnly: true, a, b });
    if (!rule || !isFloat(x.dtype)) return y;
    return attach(y, kernel, [x], (g, [sx, sy]) => [rule(g, sx, sy)], [x, y]);
  };
}

const LN2 = Math.LN2, LN10 = Math.LN10;
const zero: Rule = (g) => g.mul(0);

const ops = {
  exp: floatOp('exp', (g, _x, y) => g.mul(y)),
  log: floatOp('log', (g, x) => g.div(x)),
  log1p: floatOp('log1p', (g, x) => g.div(x.add(1))),
  expm1: floatOp('expm1', (g, _x, y) => g.mul(y.add(1))),
  sqrt: floatOp('sqrt', (g, _x, y) => g.div(y.mul(2))),
  rsqrt: floatOp('rsqrt', (g, _x, y) => g.mul(y.pow(3)).mul(-0.5)),
  sin: floatOp('sin', (g, x) => g.mul(x.cos())),
  cos: floatOp('cos', (g, x) => g.mul(x.sin()).neg()),
  tan: floatOp('tan', (g, _x, y) => g.mul(y.mul(y).add(1))),
  tanh: floatOp('tanh', (g, _x, y) => fused('tanh_bw', g, y)),
  sigmoid: floatOp('sigmoid', (g, _x, y) => fused('sigmoid_bw', g, y)),
  gelu: floatOp('gelu', (g, x) => fused('gelu_bw', g, x)),
  geluTanh: floatOp('gelu_tanh', (g, x) => fused('gelu_tanh_bw', g, x)),
  silu: floatOp('silu', (g, x) => fused('silu_bw', g, x)),
  mish: floatOp('mish', (g, x) => fused('mish_bw', g, x)),
  erf: floatOp('erf', (g, x) => g.mul(x.mul(x).neg().exp()).mul(2 / Math.sqrt(Math.PI))),
  log2: floatOp('log2', (g, x) => g.div(x.mul(LN2))),
  log10: floatOp('log10', (g, x) => g.div(x.mul(LN10))),
  exp2: floatOp('exp2', (g, _x, y) => g.mul(y).mul(LN2)),
  asin: floatOp('asin', (g, x) => g.div(x.mul(x).rsub(1).sqrt())),
  acos: floatOp('acos', (g, x) => g.div(x.mul(x).rsub(1).sqrt()).neg()),
  atan: floatOp('atan', (g, x) => g.div(x.mul(x).add(1))),
  sinh: floatOp('sinh', (g, x) => g.mul(x.cosh())),
  cosh: floatOp('cosh', (g, x) => g.mul(x.sinh())),
  asinh: floatOp('asinh', (g, x) => g.div(x.mul(x).add(1).sqrt())),
  acosh: floatOp('acosh', (g, x) => g.div(x.mul(x).sub(1).sqrt())),
  atanh: floatOp('atanh', (g, x) => g.div(x.mul(x).rsub(1))),
  reciprocal: floatOp('reciprocal', (g, _x, y) => g.mul(y.mul(y)).neg()),
};

/** Ops that keep integer dtypes (neg, abs, ...). */
function sameTypeOp(kernel: string, rule: Rule | null) {
  return (x: Tensor): Tensor => {
    const y = runUnary(kernel, x);
    if (!rule || !isFloat(x.dtype)) return y;
    return attach(y, kernel, [x], (g, [sx, sy]) => [rule(g, sx, sy)], [x, y]);
  };
}

const intOps = {
  neg: sameTypeOp('neg', (g) => g.neg()),
  abs: sameTypeOp('abs', (g, x) => g.mul(x.sign())),
  sign: sameTypeOp('sign', zero),
  relu: sameTypeOp('relu', (g, _x, y) => fused('relu_bw', g, y)),
  square: sameTypeOp('square', (g, x) => g.mul(x).mul(2)),
  floor: sameTypeOp('floor', zero),
  ceil: sameTypeOp('ceil', zero),
  round: sameTypeOp('round', zero),
  trunc: sameTypeOp('trunc', zero),
  frac: sameTypeOp('frac', (g) => g),
};

const pred = (kernel: string) => function (this: Tensor) { return runUnary(kernel, this); };

/** Throws a TypeError naming `op` unless every named parameter is a number (null/undefined allowed if optional). */
function numParams(op: string, ps: Record<string, unknown>, optional = false): void {
  for (const [k, v] of Object.entries(ps)) {
    if (optional && v == null) continue;
    if (typeof v !== 'number') throw new TypeError(`${op}: ${String(k)} must be a number, got ${v === null ? 'null' : typeof v}`);
  }
}

export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  numParams('leakyRelu', { negativeSlope: slope });
  const y = runUnary('leaky_relu', x, { floatOnly: true, a: slope });
  return attach(y, 'leaky_relu', [x], (g, [sx]) => [fused('leaky_relu_bw', g, sx, slope)], [x]);
}
export function elu(x: Tensor, alpha = 1): Tensor {
  numParams('elu', { alpha });
  const y = runUnary('elu', x, { floatOnly: true, a: alpha });
  return attach(y, 'elu', [x], (g, [sx]) => [fused('elu_bw', g, sx, alpha)], [x]);
}
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  numParams('softplus', { beta, threshold });
  const y = runUnary('softplus', x, { floatOnly: true, a: beta, b: threshold });
  return attach(y, 'softplus', [x], (g, [sx]) => [fused('softplus_bw', g, sx, beta, threshold)], [x]);
}
export function hardtanh(x: Tensor, min = -1, max = 1): Tensor {
  numParams('hardtanh', { min, max });
  if (!(min <= max)) throw new RangeError(`hardtanh: min ${String(min)} must not exceed max ${String(max)}`);
  const y = runUnary('hardtanh', x, { a: min, b: max });
  return attach(y, 'hardtanh', [x], (g, [sx]) => [fused('hardtanh_bw', g, sx, min, max)], [x]);
}
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if (min == null && max == null) throw new TypeError('clamp: at least one of min or max must be given');
  numParams('clamp', { min, max }, true);
  const lo = min ?? NaN, hi = max ?? NaN;
  // integer tensors clamped to fractional bounds promote (torch: result_type(x, min, max))
  const rt = resultType(x, ...[min, max].filter((v): v is number => v != null));
  const src = rt !== x.dtype && !isFloat(x.dtype) ? x.to(rt) : x;
  const y = runUnary('clamp', src, { a: lo, b: hi });
  if (src !== x) src.dispose();
  return attach(y, 'clamp', [x], (g, [sx]) => {
    let mask = min != null ? sx.ge(min) : null;
    if (max != null) mask = mask ? mask.logicalAnd(sx.le(max)) : sx.le(max);
    return [g.mul(mask!.to(g.dtype))];
  }, [x]);
}
/** Heaviside step: 1 where x > 0, `atZero` where x == 0, else 0 (no gradient). */
export function step(x: Tensor, atZero = 0): Tensor { return runBinary('heaviside', x, atZero); }

const methods: Record<string, (this: Tensor, ...a: any[]) => Tensor> = {};
for (const [name, f] of Object.entries({ ...ops, ...intOps })) {
  if (name === 'geluTanh') continue;
  methods[name] = function (this: Tensor) { return f(this); };
}
Object.assign(methods, {
  gelu(this: Tensor, o?: { approximate?: 'none' | 'tanh' }) { return o?.approximate === 'tanh' ? ops.geluTanh(this) : ops.gelu(this); },
  leakyRelu(this: Tensor, s?: number) { return leakyRelu(this, s); },
  elu(this: Tensor, a?: number) { return elu(this, a); },
  softplus(this: Tensor, o?: { beta?: number; threshold?: number }) { return softplus(this, o?.beta, o?.threshold); },
  hardtanh(this: Tensor, lo?: number, hi?: number) { return hardtanh(this, lo, hi); },
  relu6(this: Tensor) { return hardtanh(this, 0, 6); },
  clamp(this: Tensor, lo?: number | null, hi?: number | null) { return clamp(this, lo, hi); },
  clip(this: Tensor, lo?: number | null, hi?: number | null) { return clamp(this, lo, hi); },
  clamp_(this: Tensor, lo?: number | null, hi?: number | null) {
    if (lo == null && hi == null) throw new TypeError('clamp_: at least one of min or max must be given');
    numParams('clamp_', { min: lo, max: hi }, true);
    this._check('clamp_');
    const rt = resultType(this, ...[lo, hi].filter((v): v is number => v != null));
    if (!canCast(rt, this.dtype)) throw new TypeError(`clamp_: result type ${rt} can't be cast to the in-place tensor's dtype ${this.dtype}`);
    if (isGradEnabled() && this.requiresGrad) throw new Error('clamp_: in-place operation on a tensor that requires grad; use noGrad() or clamp()');
    return runUnary('clamp', this, { a: lo ?? NaN, b: hi ?? NaN, out: this });
  },
  step(this: Tensor) { return step(this); },
  logicalNot: pred('logical_not'), isnan: pred('isnan'), isinf: pred('isinf'), isfinite: pred('isfinite'), signbit: pred('signbit'),
});
defineMethods('unary', methods);

export const { exp, log, sigmoid, tanh, gelu, silu } = ops;
export const { relu, neg, abs } = intOps;
