// nn.init: in-place initialisers with PyTorch's formulas (fan computation, gains, Kaiming/Xavier
// bounds, orthogonal via QR, truncated normal via the inverse CDF). All draw from the global
// generator, so nr.manualSeed makes them reproducible. Each returns the tensor it filled; the
// names without the trailing underscore are aliases.
import { Tensor, fmtShape, numelOf } from '../tensor';
import { noGrad } from '../autograd';
import { isFloat } from '../dtype';
import { uniform, normal, fromArray } from '../creation';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'leakyRelu' | 'selu';
export type FanMode = 'fanIn' | 'fanOut' | 'fan_in' | 'fan_out';

function target(t: Tensor, op: string): Tensor {
  if (!t || !(t as any)._isTensor) throw new TypeError(`${op}: expected a tensor`);
  t._check(op);
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: expected a floating-point tensor, got ${t.dtype}`);
  return t;
}

/** The dtype random values are drawn in (float16/bfloat16 are drawn in float32 and converted). */
const drawDtype = (t: Tensor) => (t.dtype === 'float64' ? 'float64' : 'float32');

/** Writes src into t in place (no autograd), disposing src. */
function fill(t: Tensor, src: Tensor): Tensor {
  noGrad(() => t.copy_(src));
  src.dispose();
  return t;
}

/** Recommended gain for a nonlinearity (torch.nn.init.calculate_gain); param is leaky_relu's slope. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new TypeError(`calculateGain: negative slope ${param} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new RangeError(`calculateGain: unsupported nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** [fanIn, fanOut] of a weight: dim 1 and dim 0 sizes times the receptive field (dims 2+). */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) throw new RangeError(`calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${fmtShape(t.shape)})`);
  const receptive = numelOf(t.shape.slice(2));
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fan(t: Tensor, mode: FanMode, op: string): number {
  const [fi, fo] = calculateFanInAndFanOut(t);
  if (mode === 'fanIn' || mode === 'fan_in') return fi;
  if (mode === 'fanOut' || mode === 'fan_out') return fo;
  throw new RangeError(`${op}: mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`);
}

/** Fills t with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  target(t, 'uniform_');
  if (!(a <= b)) throw new RangeError(`uniform_: expected a <= b, got ${a} and ${b}`);
  if (a === b) return constant_(t, b);
  return fill(t, uniform(t.shape, a, b, { dtype: drawDtype(t) }));
}

/** Fills t with N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  target(t, 'normal_');
  if (!(std >= 0)) throw new RangeError(`normal_: std must be >= 0, got ${std}`);
  return fill(t, normal(t.shape, mean, std, { dtype: drawDtype(t) }));
}

/** Fills t with a constant. */
export function constant_(t: Tensor, value: number): Tensor {
  target(t, 'constant_');
  noGrad(() => t.fill_(value));
  return t;
}
export function zeros_(t: Tensor): Tensor { return constant_(t, 0); }
export function ones_(t: Tensor): Tensor { return constant_(t, 1); }

/** Fills a 2-D tensor with the identity matrix (torch.nn.init.eye_). */
export function eye_(t: Tensor): Tensor {
  target(t, 'eye_');
  if (t.ndim !== 2) throw new RangeError(`eye_: only 2-D tensors are supported, got shape ${fmtShape(t.shape)}`);
  const [n, m] = t.shape;
  const v = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) v[i * m + i] = 1;
  return fill(t, fromArray(v, [n, m]));
}

export interface XavierOpts { gain?: number; }

/** Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, o: XavierOpts = {}): Tensor {
  target(t, 'xavierUniform_');
  const [fi, fo] = calculateFanInAndFanOut(t);
  const a = (o.gain ?? 1) * Math.sqrt(6 / (fi + fo));
  return uniform_(t, -a, a);
}

/** Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, o: XavierOpts = {}): Tensor {
  target(t, 'xavierNormal_');
  const [fi, fo] = calculateFanInAndFanOut(t);
  return normal_(t, 0, (o.gain ?? 1) * Math.sqrt(2 / (fi + fo)));
}

export interface KaimingOpts { a?: number; mode?: FanMode; nonlinearity?: Nonlinearity; }

function kaimingStd(t: Tensor, o: KaimingOpts, op: string): number {
  const f = fan(t, o.mode ?? 'fanIn', op);
  if (f === 0) throw new RangeError(`${op}: initializing a zero-element tensor (shape ${fmtShape(t.shape)}) is a no-op with fan 0`);
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(f);
}

/**
 * He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculateGain(nonlinearity, a).
 * Defaults as PyTorch: a = 0, mode 'fanIn', nonlinearity 'leaky_relu'.
 */
export function kaimingUniform_(t: Tensor, o: KaimingOpts = {}): Tensor {
  target(t, 'kaimingUniform_');
  if (t.numel() === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd(t, o, 'kaimingUniform_');
  return uniform_(t, -bound, bound);
}

/** He normal: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, o: KaimingOpts = {}): Tensor {
  target(t, 'kaimingNormal_');
  if (t.numel() === 0) return t;
  return normal_(t, 0, kaimingStd(t, o, 'kaimingNormal_'));
}

// Inverse error function: Giles' single-precision approximation refined by two Newton steps.
function erfinv(y: number): number {
  if (y <= -1) return -Infinity;
  if (y >= 1) return Infinity;
  let w = -Math.log((1 - y) * (1 + y)), x: number;
  if (w < 5) {
    w -= 2.5;
    let p = 2.81022636e-08;
    for (const c of [3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * w;
    x = p * y;
  } else {
    w = Math.sqrt(w) - 3;
    let p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * w;
    x = p * y;
  }
  for (let k = 0; k < 2; k++) x -= (erf(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  return x;
}

// erf to ~1e-15 (series for small |x|, continued fraction of erfc otherwise).
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x, term = x;
    for (let n = 1; n < 80; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(ax) = exp(-ax^2)/sqrt(pi) * 1/(ax + 1/2/(ax + 1/(ax + 3/2/(ax + ...))))
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + (n / 2) / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

const normCdf = (x: number) => (1 + erf(x / Math.SQRT2)) / 2;

export interface TruncNormalOpts { mean?: number; std?: number; a?: number; b?: number; }

/**
 * Fills t with N(mean, std^2) truncated to [a, b] (defaults 0, 1, -2, 2), by PyTorch's method:
 * uniform in [cdf(a), cdf(b)] mapped through the inverse normal CDF, then clamped to [a, b].
 */
export function truncNormal_(t: Tensor, o: TruncNormalOpts = {}): Tensor {
  target(t, 'truncNormal_');
  const mean = o.mean ?? 0, std = o.std ?? 1, a = o.a ?? -2, b = o.b ?? 2;
  if (!(std > 0) || !(a < b)) throw new RangeError(`truncNormal_: need std > 0 and a < b, got std ${std}, a ${a}, b ${b}`);
  const l = normCdf((a - mean) / std), u = normCdf((b - mean) / std);
  const draws = uniform([t.numel()], 2 * l - 1, 2 * u - 1, { dtype: 'float64' });
  const d = draws.data() as Float64Array;
  const out = new Float64Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Math.min(Math.max(erfinv(d[i]) * std * Math.SQRT2 + mean, a), b);
  draws.dispose();
  return fill(t, fromArray(out, t.shape as number[], { dtype: 'float64' }));
}

/**
 * Fills t (2-D or more; dims 1+ flattened) with a (semi-)orthogonal matrix times gain: QR of a
 * standard normal matrix with the signs of R's diagonal folded into Q, as torch.nn.init.orthogonal_.
 */
export function orthogonal_(t: Tensor, o: { gain?: number } = {}): Tensor {
  target(t, 'orthogonal_');
  if (t.ndim < 2) throw new RangeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got shape ${fmtShape(t.shape)}`);
  if (t.numel() === 0) return t;
  const rows = t.shape[0], cols = t.numel() / rows;
  const gain = o.gain ?? 1;
  const g = normal([rows, cols], 0, 1, { dtype: 'float64' });
  const src = g.data() as Float64Array;
  // Work on A (m x n) with m >= n: the transpose when rows < cols.
  const tr = rows < cols, m = tr ? cols : rows, n = tr ? rows : cols;
  const A = new Float64Array(m * n);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) A[tr ? j * n + i : i * n + j] = src[i * cols + j];
  g.dispose();
  const Q = thinQ(A, m, n);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (tr ? Q[j * n + i] : Q[i * n + j]);
  return fill(t, fromArray(out, t.shape as number[], { dtype: 'float64' }));
}

/**
 * Thin Q (m x n, m >= n, row-major) of A = QR with R's diagonal positive: modified Gram-Schmidt with
 * one re-orthogonalisation pass, in float64.
 */
function thinQ(A: Float64Array, m: number, n: number): Float64Array {
  const Q = Float64Array.from(A);
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += Q[i * n + k] * Q[i * n + j];
        for (let i = 0; i < m; i++) Q[i * n + j] -= dot * Q[i * n + k];
      }
    }
    let nrm = 0;
    for (let i = 0; i < m; i++) nrm += Q[i * n + j] * Q[i * n + j];
    nrm = Math.sqrt(nrm);
    if (nrm === 0) throw new Error('orthogonal_: the random matrix was rank deficient (try again)');
    for (let i = 0; i < m; i++) Q[i * n + j] /= nrm;
  }
  return Q;
}

export {
  uniform_ as uniform, normal_ as normal, constant_ as constant, zeros_ as zeros, ones_ as ones, eye_ as eye,
  xavierUniform_ as xavierUniform, xavierNormal_ as xavierNormal, kaimingUniform_ as kaimingUniform,
  kaimingNormal_ as kaimingNormal, truncNormal_ as truncNormal, orthogonal_ as orthogonal,
};
