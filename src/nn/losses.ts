// Loss functions of nn.functional with PyTorch 1.13 semantics: regression (mse, l1, smooth L1,
// Huber), classification (cross-entropy with class indices or probabilities, NLL, BCE, BCE with
// logits), KL divergence, cosine embedding, cosine similarity. reduction: 'none' | 'mean' | 'sum'
// (klDiv also 'batchmean'). Class-index cross-entropy and NLL run fused native kernels (ops/loss.ts).
import { castFloat32 } from '../amp/autocast';
import { Tensor, fmtShape, isTensor, broadcastShapes } from '../tensor';
import { attach, noGrad } from '../autograd';
import { isFloat, DType } from '../dtype';
import { where } from '../ops/binary';
import { crossEntropyRows, nllRows } from '../ops/loss';
import { refuseDoubleBackward } from '../ops/norm';
import { zeros } from '../creation';

export type Reduction = 'none' | 'mean' | 'sum';

function checkReduction(r: unknown, op: string, extra: string[] = []): string {
  const ok = ['none', 'mean', 'sum', ...extra];
  if (typeof r !== 'string' || !ok.includes(r)) throw new RangeError(`${op}: reduction must be one of ${ok.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(r)}`);
  return r;
}

function reduce(loss: Tensor, r: string): Tensor {
  if (r === 'mean') return loss.mean();
  if (r === 'sum') return loss.sum();
  return loss;
}

function floatInput(t: unknown, op: string, name: string): Tensor {
  if (!isTensor(t)) throw new TypeError(`${op}: ${name} must be a tensor`);
  t._check(op);
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: ${name} must be floating point, got ${t.dtype} (shape ${fmtShape(t.shape)})`);
  return castFloat32(t);   // losses compute in float32 under autocast
}

const warned = new Set<string>();
/** input and target of a pointwise loss: floating, broadcastable (a size mismatch warns once, like PyTorch). */
function pointwisePair(input: unknown, target: unknown, op: string): [Tensor, Tensor] {
  const x = floatInput(input, op, 'input'), y = floatInput(target, op, 'target');
  const same = x.ndim === y.ndim && x.shape.every((d, i) => d === y.shape[i]);
  if (!same) {
    broadcastShapes(op, x.shape, y.shape);
    if (!warned.has(op)) {
      warned.add(op);
      process.emitWarning(`${op}: using a target size (${fmtShape(y.shape)}) that is different to the input size (${fmtShape(x.shape)}). ` +
        'This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.');
    }
  }
  return [x, y];
}

export interface ReductionOpts { reduction?: Reduction; }

/** Mean squared error: (input - target)^2, reduced. */
export function mseLoss(input: Tensor, target: Tensor, o: ReductionOpts = {}): Tensor {
  const r = checkReduction(o.reduction ?? 'mean', 'mseLoss');
  const [x, y] = pointwisePair(input, target, 'mseLoss');
  const d = x.sub(y);
  return reduce(d.mul(d), r);
}

/** Mean absolute error: |input - target|, reduced. */
export function l1Loss(input: Tensor, target: Tensor, o: ReductionOpts = {}): Tensor {
  const r = checkReduction(o.reduction ?? 'mean', 'l1Loss');
  const [x, y] = pointwisePair(input, target, 'l1Loss');
  return reduce(x.sub(y).abs(), r);
}

/** Smooth L1: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0 is the L1 loss). */
export function smoothL1Loss(input: Tensor, target: Tensor, o: ReductionOpts & { beta?: number } = {}): Tensor {
  const r = checkReduction(o.reduction ?? 'mean', 'smoothL1Loss');
  const beta = o.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0)) throw new RangeError(`smoothL1Loss: beta must be >= 0, got ${beta}`);
  const [x, y] = pointwisePair(input, target, 'smoothL1Loss');
  const d = x.sub(y).abs();
  if (beta === 0) return reduce(d, r);
  return reduce(where(d.lt(beta), d.mul(d).mul(0.5 / beta), d.sub(0.5 * beta)), r);
}

/** Huber: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta). */
export function huberLoss(input: Tensor, target: Tensor, o: ReductionOpts & { delta?: number } = {}): Tensor {
  const r = checkReduction(o.reduction ?? 'mean', 'huberLoss');
  const delta = o.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0)) throw new RangeError(`huberLoss: delta must be > 0, got ${delta}`);
  const [x, y] = pointwisePair(input, target, 'huberLoss');
  const d = x.sub(y).abs();
  return reduce(where(d.lt(delta), d.mul(d).mul(0.5), d.sub(0.5 * delta).mul(delta)), r);
}

// ---- classification ----------------------------------------------------------------------------

export interface ClassLossOpts extends ReductionOpts { weight?: Tensor | null; ignoreIndex?: number; }
export interface CrossEntropyOpts extends ClassLossOpts { labelSmoothing?: number; }

interface Rows { x2: Tensor; t1: Tensor; outShape: number[]; C: number; }

/**
 * Flattens (C)/(), (N,C)/(N) or (N,C,d1..)/(N,d1..) scores and class-index targets to (M,C) rows
 * (class dim moved last) and (M) targets.
 */
function classRows(input: Tensor, target: Tensor, op: string): Rows {
  if (input.ndim < 1) throw new RangeError(`${op}: input must have at least 1 dim (C) or (N, C, ...), got ${fmtShape(input.shape)}`);
  if (input.ndim === 1) {
    if (target.ndim !== 0) throw new RangeError(`${op}: for an input of shape ${fmtShape(input.shape)} the target must be a scalar, got ${fmtShape(target.shape)}`);
    return { x2: input.reshape([1, input.shape[0]]), t1: target.reshape([1]), outShape: [], C: input.shape[0] };
  }
  const [N, C] = input.shape;
  const spatial = input.shape.slice(2);
  const want = [N, ...spatial];
  if (target.ndim !== want.length || target.shape.some((d, i) => d !== want[i])) {
    throw new RangeError(`${op}: expected target of shape ${fmtShape(want)} for input of shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`);
  }
  if (input.ndim === 2) return { x2: input, t1: target, outShape: [N], C };
  const perm = [0, ...spatial.map((_, i) => i + 2), 1];
  return { x2: input.permute(perm).reshape([-1, C]), t1: target.reshape([-1]), outShape: want, C };
}

function classWeight(w: unknown, C: number, op: string): Tensor | null {
  if (w === undefined || w === null) return null;
  const t = floatInput(w, op, 'weight');
  if (t.ndim !== 1 || t.shape[0] !== C) throw new RangeError(`${op}: weight must be a 1-D tensor of ${C} class weights, got shape ${fmtShape(t.shape)}`);
  return t;
}

function indexTarget(t: unknown, op: string): Tensor {
  if (!isTensor(t)) throw new TypeError(`${op}: target must be a tensor`);
  t._check(op);
  if (t.dtype !== 'int64' && t.dtype !== 'int32' && t.dtype !== 'uint8') {
    throw new TypeError(`${op}: class-index targets must be an integer tensor (int64), got ${t.dtype}; for class probabilities pass a float target shaped like the input`);
  }
  return t;
}

function computeDt(x: Tensor): DType {
  // cuda kernels read float16/bfloat16 logits directly (float32 accumulation)
  if (x.device !== 'cpu' && x.dtype !== 'float64') return x.dtype;
  return x.dtype === 'float64' ? 'float64' : 'float32';
}

/** Applies the reduction to per-row losses; 'mean' divides by the total target weight (as torch). */
function reduceRows(loss: Tensor, wt: Tensor, rows: Rows, r: string, inDtype: DType): Tensor {
  let out: Tensor;
  if (r === 'none') out = loss.reshape(rows.outShape);
  else if (r === 'sum') out = loss.sum();
  else out = loss.sum().div(noGrad(() => wt.sum()));
  return out.dtype === inDtype ? out : out.to(inDtype);
}

/**
 * Cross-entropy between logits (C), (N, C) or (N, C, d1, ...) and either class indices (int64, shape
 * without C; ignoreIndex rows contribute nothing) or class probabilities (float, input's shape).
 * weight rescales classes; labelSmoothing mixes the target with the uniform distribution. 'mean'
 * divides by the summed weight of the non-ignored targets (index targets) or by the number of rows.
 */
export function crossEntropy(input: Tensor, target: Tensor, o: CrossEntropyOpts = {}): Tensor {
  const op = 'crossEntropy';
  const r = checkReduction(o.reduction ?? 'mean', op);
  const x = floatInput(input, op, 'input');
  const ls = o.labelSmoothing ?? 0;
  if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) throw new RangeError(`${op}: labelSmoothing must be in [0, 1], got ${ls}`);
  if (isTensor(target) && isFloat(target.dtype)) return crossEntropyProbs(x, target, o, ls, r);
  const t = indexTarget(target, op);
  const rows = classRows(x, t, op);
  const w = classWeight(o.weight, rows.C, op);
  const dt = computeDt(x);
  const x2 = rows.x2.dtype === dt ? rows.x2 : rows.x2.to(dt);
  const { loss, wt } = crossEntropyRows(x2, rows.t1, w, o.ignoreIndex ?? -100, ls);
  return reduceRows(loss, wt, rows, r, x.dtype);
}

/** Cross-entropy with class-probability targets (torch 1.13 cross_entropy_loss_prob_target). */
function crossEntropyProbs(x: Tensor, target: Tensor, o: CrossEntropyOpts, ls: number, r: string): Tensor {
  const op = 'crossEntropy';
  target._check(op);
  if (target.ndim !== x.ndim || target.shape.some((d, i) => d !== x.shape[i])) {
    throw new RangeError(`${op}: class-probability target must have the input's shape ${fmtShape(x.shape)}, got ${fmtShape(target.shape)}`);
  }
  if (o.ignoreIndex !== undefined && o.ignoreIndex !== -100) throw new RangeError(`${op}: ignoreIndex is not supported with class-probability targets`);
  if (x.ndim < 1) throw new RangeError(`${op}: input must have at least 1 dim, got ${fmtShape(x.shape)}`);
  const cdim = x.ndim === 1 ? 0 : 1, C = x.shape[cdim];
  const w = classWeight(o.weight, C, op);
  const logp = x.logSoftmax(cdim);
  let t = target;
  if (ls > 0) t = t.mul(1 - ls).add(ls / C);
  let prod = logp.mul(t);
  if (w) prod = prod.mul(w.reshape(x.shape.map((d, i) => (i === cdim ? C : 1))));
  const rowLoss = prod.sum(cdim).neg();
  if (r === 'none') return rowLoss;
  if (r === 'sum') return rowLoss.sum();
  return rowLoss.sum().div(x.numel() / C);
}

/**
 * Negative log-likelihood of log-probabilities (C), (N, C) or (N, C, d1, ...) at class indices.
 * 'mean' divides by the summed weight of the non-ignored targets.
 */
export function nllLoss(input: Tensor, target: Tensor, o: ClassLossOpts = {}): Tensor {
  const op = 'nllLoss';
  const r = checkReduction(o.reduction ?? 'mean', op);
  const x = floatInput(input, op, 'input');
  const t = indexTarget(target, op);
  const rows = classRows(x, t, op);
  const w = classWeight(o.weight, rows.C, op);
  const dt = computeDt(x);
  const x2 = rows.x2.dtype === dt ? rows.x2 : rows.x2.to(dt);
  const { loss, wt } = nllRows(x2, rows.t1, w, o.ignoreIndex ?? -100);
  return reduceRows(loss, wt, rows, r, x.dtype);
}

export interface BCEOpts extends ReductionOpts { weight?: Tensor | null; }

/**
 * Binary cross-entropy of probabilities in [0, 1]: -w (y log x + (1 - y) log(1 - x)), each log
 * clamped at -100 as PyTorch; the input gradient is w (x - y) / max(x (1 - x), 1e-12).
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, o: BCEOpts = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const r = checkReduction(o.reduction ?? 'mean', op);
  const x = floatInput(input, op, 'input'), y = floatInput(target, op, 'target');
  if (x.ndim !== y.ndim || x.shape.some((d, i) => d !== y.shape[i])) {
    throw new RangeError(`${op}: target size ${fmtShape(y.shape)} must be the same as input size ${fmtShape(x.shape)}`);
  }
  const w = o.weight ? floatInput(o.weight, op, 'weight') : null;
  if (w) broadcastShapes(op, w.shape, x.shape);
  const ok = noGrad(() => x.numel() === 0 || (x.ge(0).logicalAnd(x.le(1)).all().item() as boolean));
  if (!ok) throw new RangeError(`${op}: all elements of input should be between 0 and 1`);
  const loss = noGrad(() => {
    const lx = x.log().clamp(-100, null), l1x = x.rsub(1).log().clamp(-100, null);
    let l = y.mul(lx).add(y.rsub(1).mul(l1x)).neg();
    if (w) l = l.mul(w);
    return l;
  });
  attach(loss, op, [x, y], (g, [sx, sy]) => {
    refuseDoubleBackward(op, g);
    const gw = w ? g.mul(w) : g;
    const gx = x.requiresGrad ? gw.mul(sx.sub(sy)).div(sx.mul(sx.rsub(1)).clamp(1e-12, null)) : null;
    const gy = y.requiresGrad ? gw.mul(sx.rsub(1).log().sub(sx.log())) : null;
    return [gx, gy];
  }, [x, y]);
  return reduce(loss, r);
}

export interface BCEWithLogitsOpts extends BCEOpts { posWeight?: Tensor | null; }

/**
 * Binary cross-entropy on logits, stable for any magnitude:
 * w ((1 - y) x + (1 + (posWeight - 1) y) softplus(-x)). posWeight broadcasts over the last (class) dim.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, o: BCEWithLogitsOpts = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const r = checkReduction(o.reduction ?? 'mean', op);
  const x = floatInput(input, op, 'input'), y = floatInput(target, op, 'target');
  if (x.ndim !== y.ndim || x.shape.some((d, i) => d !== y.shape[i])) {
    throw new RangeError(`${op}: target size ${fmtShape(y.shape)} must be the same as input size ${fmtShape(x.shape)}`);
  }
  const sp = x.neg().softplus();
  let loss: Tensor;
  if (o.posWeight) {
    const pw = floatInput(o.posWeight, op, 'posWeight');
    broadcastShapes(op, pw.shape, x.shape);
    loss = y.rsub(1).mul(x).add(pw.sub(1).mul(y).add(1).mul(sp));
  } else {
    loss = y.rsub(1).mul(x).add(sp);
  }
  if (o.weight) {
    const w = floatInput(o.weight, op, 'weight');
    broadcastShapes(op, w.shape, x.shape);
    loss = loss.mul(w);
  }
  return reduce(loss, r);
}

/**
 * KL divergence with input as log-probabilities: target (log t - input) * t, where 0 log 0 = 0
 * (logTarget: exp(target) (target - input)). reduction 'batchmean' divides the sum by the batch size,
 * the mathematically correct KL; 'mean' (the default, as PyTorch) averages over every element.
 */
export function klDiv(input: Tensor, target: Tensor, o: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  const op = 'klDiv';
  const r = checkReduction(o.reduction ?? 'mean', op, ['batchmean']);
  const [x, t] = pointwisePair(input, target, op);
  let loss: Tensor;
  if (o.logTarget) loss = t.exp().mul(t.sub(x));
  else {
    const logt = where(t.eq(0), 1, t).log();   // xlogy(t, t) with 0 log 0 = 0
    loss = t.mul(logt).sub(t.mul(x));
  }
  if (r === 'batchmean') return x.ndim === 0 ? loss.sum() : loss.sum().div(x.shape[0]);
  return reduce(loss, r);
}

/**
 * Cosine similarity along dim: sum(x1 x2) / (max(|x1|, eps) max(|x2|, eps)); x1 and x2 broadcast.
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, o: { dim?: number; eps?: number } = {}): Tensor {
  const op = 'cosineSimilarity';
  const a = floatInput(x1, op, 'x1'), b = floatInput(x2, op, 'x2');
  const shape = broadcastShapes(op, a.shape, b.shape);
  const dim = o.dim ?? 1, eps = o.eps ?? 1e-8;
  if (shape.length === 0) throw new RangeError(`${op}: inputs must have at least 1 dim`);
  const ae = a.expand(shape), be = b.expand(shape);
  const na = ae.mul(ae).sum(dim).clamp(eps * eps, null), nb = be.mul(be).sum(dim).clamp(eps * eps, null);
  return ae.mul(be).sum(dim).div(na.mul(nb).sqrt());
}

/**
 * Cosine embedding loss: 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1.
 * x1, x2 are (N, D) with y (N), or (D) with a scalar y.
 */
export function cosineEmbeddingLoss(x1: Tensor, x2: Tensor, y: Tensor, o: ReductionOpts & { margin?: number } = {}): Tensor {
  const op = 'cosineEmbeddingLoss';
  const r = checkReduction(o.reduction ?? 'mean', op);
  const a = floatInput(x1, op, 'input1'), b = floatInput(x2, op, 'input2');
  if (!isTensor(y)) throw new TypeError(`${op}: target must be a tensor`);
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i]) || (a.ndim !== 1 && a.ndim !== 2)) {
    throw new RangeError(`${op}: inputs must both be (N, D) or (D), got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (y.ndim !== a.ndim - 1 || (a.ndim === 2 && y.shape[0] !== a.shape[0])) {
    throw new RangeError(`${op}: target of shape ${fmtShape(y.shape)} does not match inputs of shape ${fmtShape(a.shape)}`);
  }
  const margin = o.margin ?? 0;
  const d = a.ndim - 1;
  const EPS = 1e-12;
  const prod = a.mul(b).sum(d);
  const m1 = a.mul(a).sum(d).add(EPS), m2 = b.mul(b).sum(d).add(EPS);
  const cos = prod.div(m1.mul(m2).sqrt());
  const zero = zeros([], { dtype: cos.dtype, device: cos.device });
  const pos = where(y.eq(1), cos.rsub(1), zero);
  const neg = where(y.eq(-1), cos.sub(margin).clamp(0, null), zero);
  return reduce(pos.add(neg), r);
}
