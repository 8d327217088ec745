// Normalisation ops on the fused native kernels (native/kernels/{ref,cpu}/norm.cc): layer norm and
// RMS norm over trailing dims, group norm (the row kernel on (N*G, C/G*L) rows plus a per-channel
// affine), and batch norm with running statistics. Each forward saves mean/rstd; the backward is one
// call of the backward kernel. Exposed as nn.functional.layerNorm/rmsNorm/groupNorm/batchNorm.
import { cudaBatchNorm, cudaRmsNormRows } from '../cuda/layers';
import { castFloat32 } from '../amp/autocast';
import { cudaLayerNormRows } from '../cuda/nn';
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, fmtShape, numelOf, isTensor } from '../tensor';
import { attach, isGradEnabled, noGrad } from '../autograd';
import { DType, isFloat } from '../dtype';
import { checkTensor, fmtValue } from './check';
import { tracing, traceOp } from '../trace';

/** A contiguous, graph-free handle on t's values that the caller owns (dispose it when done). */
export function owned(t: Tensor): Tensor {
  const d = t.detach();
  if (d.isContiguous()) return d;
  const c = d.contiguous();
  d.dispose();
  return c;
}

/** A fresh contiguous copy of t's values with the given shape and dtype (no graph). */
function copyOf(t: Tensor, shape: number[], dt: DType): Tensor {
  const out = Tensor.empty(shape, dt);
  if (t.ndim === shape.length) return out.copy_(t);
  const v = t.detach().reshape(shape);
  out.copy_(v);
  v.dispose();
  return out;
}

/** Fused backward kernels are not differentiable themselves: refuse double backward clearly. */
export function refuseDoubleBackward(op: string, ...ts: Tensor[]): void {
  if (isGradEnabled() && ts.some((t) => t.requiresGrad)) {
    throw new Error(`backward: double backward (createGraph) through ${op} is not implemented`);
  }
}

/** The dtype the kernels compute in: float32/float64 as is, float16/bfloat16 in float32. */
export function computeDtype(x: Tensor, op: string): DType {
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: expected a floating-point input, got ${x.dtype} (shape ${fmtShape(x.shape)})`);
  return x.dtype === 'float64' ? 'float64' : 'float32';
}

const asDtype = (t: Tensor | null | undefined, dt: DType): Tensor | null => (t ? (t.dtype === dt ? t : t.to(dt)) : null);

function checkParam(t: unknown, op: string, name: string, shape: number[]): Tensor | null {
  if (t === undefined || t === null) return null;
  if (!isTensor(t)) throw new TypeError(`${op}: ${name} must be a tensor or null`);
  checkTensor(t, op, 'the input');
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: ${name} must be floating point, got ${t.dtype}`);
  if (t.numel() !== numelOf(shape) || (t.ndim !== shape.length && t.ndim !== 1)) {
    throw new RangeError(`${op}: ${name} of shape ${fmtShape(t.shape)} does not match ${fmtShape(shape)}`);
  }
  if (t.ndim === shape.length && t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${op}: ${name} of shape ${fmtShape(t.shape)} does not match ${fmtShape(shape)}`);
  }
  return t;
}

/**
 * Row norm with autograd. x2 is (M,N) (any strides), w and b are (N) or null, all of dtype dt.
 * Returns y (M,N).
 */
function rowNorm(op: string, rms: boolean, x2: Tensor, w: Tensor | null, b: Tensor | null, eps: number): Tensor {
  const [M, N] = x2.shape;
  const dt = x2.dtype;
  const xc = owned(x2), wc = w ? owned(w.reshape([N])) : null, bc = b ? owned(b.reshape([N])) : null;
  const y = Tensor.empty([M, N], dt), mean = Tensor.empty([M], dt), rstd = Tensor.empty([M], dt);
  const ins = [xc, y, mean, rstd, ...(wc ? [wc] : []), ...(bc ? [bc] : [])];
  const a = args().num(rms ? 1 : 0).num(eps).num(wc ? 1 : 0).num(bc ? 1 : 0);
  for (const t of ins) a.view(t);
  native().rowNormFwd(...ins.map((t) => t.storage.buf));
  const inputs = [x2, ...(w ? [w] : []), ...(b ? [b] : [])];
  attach(y, op, inputs, (g, saved) => {
    const [sx, sm, sr] = saved, sw = wc ? saved[3] : null;
    refuseDoubleBackward(op, g);
    const gc = owned(g);
    const dx = x2.requiresGrad ? Tensor.empty([M, N], dt) : null;
    const dw = w?.requiresGrad ? Tensor.empty([N], dt) : null;
    const db = b?.requiresGrad ? Tensor.empty([N], dt) : null;
    const bufs = [gc, sx, sm, sr, sw, dx, dw, db].filter((t): t is Tensor => t !== null);
    const aa = args().num(rms ? 1 : 0).num(sw ? 1 : 0).num(dx ? 1 : 0).num(dw ? 1 : 0).num(db ? 1 : 0);
    for (const t of bufs) aa.view(t);
    native().rowNormBwd(...bufs.map((t) => t.storage.buf));
    gc.dispose();
    const out: (Tensor | null)[] = [dx];
    if (w) out.push(dw ? dw.reshape(w.shape) : null);
    if (b) out.push(db ? db.reshape(b.shape) : null);
    return out;
  }, [xc, mean, rstd, ...(wc ? [wc] : [])]);
  for (const t of [xc, mean, rstd, wc, bc]) t?.dispose();
  return y;
}

function normalizedDims(x: Tensor, normalizedShape: number | readonly number[], op: string): number[] {
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : Array.from(normalizedShape ?? []);
  if (ns.length === 0 || ns.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`${op}: normalizedShape must be a positive integer or a non-empty array of them, got ${fmtValue(normalizedShape)}`);
  }
  const tail = x.shape.slice(x.ndim - ns.length);
  if (x.ndim < ns.length || tail.some((d, i) => d !== ns[i])) {
    throw new RangeError(`${op}: given normalizedShape=${fmtShape(ns)}, expected input with shape [*, ${ns.join(', ')}], but got input of shape ${fmtShape(x.shape)}`);
  }
  return ns;
}

function normOverTrailing(op: string, rms: boolean, x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null | undefined,
  bias: Tensor | null | undefined, eps: number): Tensor {
  checkTensor(x, op, 'the input');
  x = castFloat32(x);
  const ns = normalizedDims(x, normalizedShape, op);
  if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`${op}: eps must be a number >= 0, got ${eps}`);
  const w = checkParam(weight, op, 'weight', ns), b = checkParam(bias, op, 'bias', ns);
  const N = numelOf(ns), M = numelOf(x.shape.slice(0, x.ndim - ns.length));
  if (x.device !== 'cpu') {
    if (rms) {
      const y = cudaRmsNormRows(x.reshape([M, N]), w, eps);
      if (!b) return y.reshape(x.shape);
      // a bias (not reachable from rmsNorm, which passes none): added in float32, rounded once
      const yb = y.to('float32').add(b.reshape([N]).to('float32'));
      return (yb.dtype === x.dtype ? yb : yb.to(x.dtype)).reshape(x.shape);
    }
    return cudaLayerNormRows(op, x.reshape([M, N]), w, b, eps).reshape(x.shape);
  }
  const dt = computeDtype(x, op);
  const x2 = asDtype(x, dt)!.reshape([M, N]);
  const y = rowNorm(op, rms, x2, asDtype(w, dt), asDtype(b, dt), eps).reshape(x.shape);
  return y.dtype === x.dtype ? y : y.to(x.dtype);
}

export interface LayerNormOpts { weight?: Tensor | null; bias?: Tensor | null; eps?: number; }

/**
 * torch.nn.functional.layer_norm: normalises over the trailing dims `normalizedShape` with mean and
 * biased variance, then scales by weight and shifts by bias (both of shape normalizedShape).
 */
export function layerNorm(input: Tensor, normalizedShape: number | readonly number[], o: LayerNormOpts = {}): Tensor {
  if (tracing.active) return traceOp('layerNorm', layerNorm, [input, normalizedShape, o]);
  return normOverTrailing('layerNorm', false, input, normalizedShape, o?.weight, o?.bias, o?.eps ?? 1e-5);
}

/** Machine epsilon of a float dtype (torch.finfo(dtype).eps), RMSNorm's default eps. */
export function finfoEps(dt: DType): number {
  switch (dt) {
    case 'float64': return 2.220446049250313e-16;
    case 'float16': return 0.0009765625;
    case 'bfloat16': return 0.0078125;
    default: return 1.1920928955078125e-7;
  }
}

export interface RMSNormOpts { weight?: Tensor | null; eps?: number | null; }

/**
 * torch.nn.functional.rms_norm: x / sqrt(mean(x^2 over normalizedShape) + eps) * weight. eps defaults
 * to the machine epsilon of the input's dtype, as in PyTorch.
 */
export function rmsNorm(input: Tensor, normalizedShape: number | readonly number[], o: RMSNormOpts = {}): Tensor {
  if (tracing.active) return traceOp('rmsNorm', rmsNorm, [input, normalizedShape, o]);
  return normOverTrailing('rmsNorm', true, input, normalizedShape, o?.weight, null, o?.eps ?? finfoEps(input.dtype));
}

export interface GroupNormOpts { weight?: Tensor | null; bias?: Tensor | null; eps?: number; }

/**
 * torch.nn.functional.group_norm: input (N, C, *) split into numGroups groups of C/numGroups channels,
 * each group normalised over its channels and spatial positions, then a per-channel affine.
 */
export function groupNorm(input: Tensor, numGroups: number, o: GroupNormOpts = {}): Tensor {
  if (tracing.active) return traceOp('groupNorm', groupNorm, [input, numGroups, o]);
  const op = 'groupNorm';
  checkTensor(input, op, 'the input');
  if (input.ndim < 2) throw new RangeError(`${op}: expected an input of shape (N, C, *), got ${fmtShape(input.shape)}`);
  const [B, C] = input.shape;
  if (!Number.isInteger(numGroups) || numGroups <= 0 || C % numGroups !== 0) {
    throw new RangeError(`${op}: expected the number of channels in input (${C}) to be divisible by numGroups (${numGroups})`);
  }
  const eps = o?.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`${op}: eps must be a number >= 0, got ${eps}`);
  const w = checkParam(o?.weight, op, 'weight', [C]), b = checkParam(o?.bias, op, 'bias', [C]);
  const dt = computeDtype(input, op);
  const rows = B * numGroups, cols = numelOf(input.shape.slice(1)) / numGroups;
  // on cuda the layernorm row kernel (no affine; float32/float16/bfloat16) normalises each group
  let y = input.device !== 'cpu' ? cudaLayerNormRows(op, input.reshape([rows, cols]), null, null, eps).reshape(input.shape)
    : rowNorm(op, false, asDtype(input, dt)!.reshape([rows, cols]), null, null, eps).reshape(input.shape);
  const chanShape = input.shape.map((d, i) => (i === 1 ? C : 1));
  if (w) y = y.mul(asDtype(w, dt)!.reshape(chanShape));
  if (b) y = y.add(asDtype(b, dt)!.reshape(chanShape));
  return y.dtype === input.dtype ? y : y.to(input.dtype);
}

export interface BatchNormOpts { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number; }

/**
 * torch.nn.functional.batch_norm: input (N, C, *) normalised per channel. With training, batch
 * statistics are used and runningMean/runningVar (if given) are updated in place:
 * running = (1 - momentum) * running + momentum * stat, with the unbiased variance. Without training,
 * the running statistics are used (and must be given).
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, o: BatchNormOpts = {}): Tensor {
  if (tracing.active) return traceOp('batchNorm', batchNorm, [input, runningMean, runningVar, o]);
  const op = 'batchNorm';
  checkTensor(input, op, 'the input');
  const training = !!o?.training, momentum = o?.momentum ?? 0.1, eps = o?.eps ?? 1e-5;
  if (input.ndim < 2) throw new RangeError(`${op}: expected an input of shape (N, C, *), got ${fmtShape(input.shape)}`);
  if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`${op}: eps must be a number >= 0, got ${eps}`);
  if (typeof momentum !== 'number' || !Number.isFinite(momentum)) throw new RangeError(`${op}: momentum must be a number, got ${momentum}`);
  const [B, C] = input.shape, L = numelOf(input.shape.slice(2));
  const rm = checkParam(runningMean, op, 'runningMean', [C]), rv = checkParam(runningVar, op, 'runningVar', [C]);
  if (!!rm !== !!rv) throw new TypeError(`${op}: runningMean and runningVar must be given together`);
  if (!training && !rm) throw new TypeError(`${op}: runningMean and runningVar are required when training is false`);
  if (training && B * L <= 1) throw new RangeError(`${op}: expected more than 1 value per channel when training, got input of shape ${fmtShape(input.shape)}`);
  const w = checkParam(o?.weight, op, 'weight', [C]), b = checkParam(o?.bias, op, 'bias', [C]);
  if (input.device !== 'cpu') return cudaBatchNorm(input, rm, rv, w, b, training, momentum, eps);
  const dt = computeDtype(input, op);
  const x3 = asDtype(input, dt)!.reshape([B, C, L]);
  const { y, mean, varB } = batchNormCore(x3, asDtype(w, dt), asDtype(b, dt), training ? null : [rm!, rv!], eps);
  if (training && rm && rv) {
    const n = B * L;
    noGrad(() => {
      const m = mean.to(rm.dtype), v = varB.mul(n / (n - 1)).to(rv.dtype);
      rm.mul_(1 - momentum).add_(m, { alpha: momentum });
      rv.mul_(1 - momentum).add_(v, { alpha: momentum });
    });
  }
  mean.dispose();
  varB.dispose();
  const out = y.reshape(input.shape);
  return out.dtype === input.dtype ? out : out.to(input.dtype);
}

/** Batch norm on x3 (B,C,L) with autograd; `running` = [mean, var] for eval mode. */
function batchNormCore(x3: Tensor, w: Tensor | null, b: Tensor | null, running: [Tensor, Tensor] | null, eps: number):
  { y: Tensor; mean: Tensor; varB: Tensor } {
  const [B, C, L] = x3.shape;
  const dt = x3.dtype, training = running === null;
  const xc = owned(x3), wc = w ? owned(w.reshape([C])) : null, bc = b ? owned(b.reshape([C])) : null;
  const y = Tensor.empty([B, C, L], dt), rstd = Tensor.empty([C], dt);
  // Eval mode copies the running statistics, so later in-place updates cannot change the backward.
  const mean = training ? Tensor.empty([C], dt) : copyOf(running[0], [C], dt);
  const varB = training ? Tensor.empty([C], dt) : copyOf(running[1], [C], dt);
  const ins = [xc, y, mean, varB, rstd, ...(wc ? [wc] : []), ...(bc ? [bc] : [])];
  const a = args().num(training ? 1 : 0).num(eps).num(wc ? 1 : 0).num(bc ? 1 : 0);
  for (const t of ins) a.view(t);
  native().batchNormFwd(...ins.map((t) => t.storage.buf));
  const inputs = [x3, ...(w ? [w] : []), ...(b ? [b] : [])];
  attach(y, 'batchNorm', inputs, (g, saved) => {
    const [sx, sm, sr] = saved, sw = wc ? saved[3] : null;
    refuseDoubleBackward('batchNorm', g);
    const gc = owned(g);
    const dx = x3.requiresGrad ? Tensor.empty([B, C, L], dt) : null;
    const dw = w?.requiresGrad ? Tensor.empty([C], dt) : null;
    const db = b?.requiresGrad ? Tensor.empty([C], dt) : null;
    const bufs = [gc, sx, sm, sr, sw, dx, dw, db].filter((t): t is Tensor => t !== null);
    const aa = args().num(training ? 1 : 0).num(sw ? 1 : 0).num(dx ? 1 : 0).num(dw ? 1 : 0).num(db ? 1 : 0);
    for (const t of bufs) aa.view(t);
    native().batchNormBwd(...bufs.map((t) => t.storage.buf));
    gc.dispose();
    const out: (Tensor | null)[] = [dx];
    if (w) out.push(dw ? dw.reshape(w.shape) : null);
    if (b) out.push(db ? db.reshape(b.shape) : null);
    return out;
  }, [xc, mean, rstd, ...(wc ? [wc] : [])]);
  for (const t of [xc, rstd, wc, bc]) t?.dispose();
  return { y, mean, varB };
}
