// More ops on cuda tensors, called by the generic entry points when an operand lives on the GPU:
// cross-entropy with class weights / label smoothing / any ignoreIndex and NLL (library kernels, also
// float64), the Adam (amsgrad, L2 decay), RMSprop and Adagrad steps (fused kernels) and LAMB (composed
// of cuda ops), eval-mode batch-norm statistics and backward, group norm's row normalisation, adaptive
// average pooling of any sizes, clamp, and device fills of every dtype. CUMISC_OPS lists them for
// supportedOps().
import { native } from '../backend/native';
import { args } from '../backend/args';
import { DType, isFloat } from '../dtype';
import { Tensor } from '../tensor';
import { attach, isGradEnabled, noGrad } from '../autograd';
import { emptyCuda, ownedContiguous, contiguousAs } from './memory';
import { checkSameDevice, cudaBinary, cudaUnary, cudaWhere } from './ops';

/** The ops this file brings to cuda tensors (spread into supportedOps()). */
export const CUMISC_OPS: readonly string[] = [
  'crossEntropy (class weights, labelSmoothing, any ignoreIndex, probability targets, float64)', 'nllLoss',
  'Adam (amsgrad, L2 weight decay)', 'RMSprop', 'Adagrad', 'LAMB', 'SGD (momentum, dampening, nesterov, weightDecay)',
  'clipGradNorm_', 'clipGradValue_', 'clamp', 'batchNorm (eval-mode backward)', 'groupNorm', 'rmsNorm', 'conv2d', 'convTranspose2d',
  'maxPool1d', 'maxPool2d', 'avgPool1d', 'avgPool2d', 'adaptiveAvgPool1d', 'adaptiveAvgPool2d (any sizes)', 'fill_ (every dtype)',
  'binary ops with an explicit output dtype', 'prod', 'amax', 'amin', 'argmax', 'argmin', 'var', 'std', 'logsumexp', 'norm', 'any', 'all',
  'logSoftmax', 'mish', 'log2', 'log10', 'exp2', 'frac', 'heaviside (step)',
  'asin', 'acos', 'atan', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh', 'signbit',
];

const accOf = (dt: DType): DType => (dt === 'float64' ? 'float64' : 'float32');

function floatInput(op: string, t: Tensor): void {
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: expected a floating-point cuda tensor, got ${t.dtype}`);
}

function refuseDouble(op: string, g: Tensor): void {
  if (isGradEnabled() && g.requiresGrad) throw new Error(`backward: double backward (createGraph) through ${op} is not implemented`);
}

/** Per-row losses and target weights (M) of a class-index loss on cuda, in the accumulation dtype. */
export interface CudaRowLoss { loss: Tensor; wt: Tensor; }

/**
 * Softmax cross-entropy of x2 (M, C) against class ids t (M) on cuda with optional class weights w (C),
 * any ignoreIndex and label smoothing (torch 1.13 semantics, as the CPU kernel). Per-row loss and wt are
 * float32 (float64 for float64 logits); the backward is a second kernel from the saved log-sum-exp.
 */
export function cudaCrossEntropyExt(x2: Tensor, t: Tensor, w: Tensor | null, ignoreIndex: number, smoothing: number): CudaRowLoss {
  const op = 'crossEntropy';
  checkSameDevice(op, x2, t, w);
  floatInput(op, x2);
  const [M, C] = x2.shape, acc = accOf(x2.dtype);
  const xc = ownedContiguous(x2), tc = ownedContiguous(t, 'int64', [M]), wc = w ? ownedContiguous(w, acc, [C]) : null;
  const loss = emptyCuda([M], acc, op), lse = emptyCuda([M], acc, op), wt = emptyCuda([M], acc, op);
  try {
    const a = args().num(ignoreIndex).num(smoothing).view(xc).view(tc);
    if (wc) a.view(wc);
    a.view(loss).view(lse).view(wt);
    native().cudaCrossEntropyExtFwd(xc.storage.ptr, tc.storage.ptr, wc?.storage.ptr ?? 0, loss.storage.ptr, lse.storage.ptr, wt.storage.ptr);
  } catch (e) {
    for (const v of [xc, tc, wc, loss, lse, wt]) if (v && v !== x2 && v !== t && v !== w) v.dispose();
    throw e;
  }
  attach(loss, op, [x2], (g, saved) => {
    refuseDouble(op, g);
    const [sx, st, sl] = saved, sw = wc ? saved[3] : null;
    const gc = contiguousAs(g.reshape([M]), acc);
    const dx = emptyCuda([M, C], x2.dtype, op);
    const a = args().num(ignoreIndex).num(smoothing).view(gc).view(sx).view(st);
    if (sw) a.view(sw);
    a.view(sl).view(dx);
    native().cudaCrossEntropyExtBwd(gc.storage.ptr, sx.storage.ptr, st.storage.ptr, sw?.storage.ptr ?? 0, sl.storage.ptr, dx.storage.ptr);
    if (gc !== g) gc.dispose();
    return [dx];
  }, [xc, tc, lse, ...(wc ? [wc] : [])]);
  for (const v of [xc, tc, lse, wc]) v?.dispose();
  return { loss, wt };
}

/** NLL of log-probabilities x2 (M, C) at class ids t (M) on cuda, optional class weights w (C), any ignoreIndex. */
export function cudaNllRows(x2: Tensor, t: Tensor, w: Tensor | null, ignoreIndex: number): CudaRowLoss {
  const op = 'nllLoss';
  checkSameDevice(op, x2, t, w);
  floatInput(op, x2);
  const [M, C] = x2.shape, acc = accOf(x2.dtype);
  const xc = ownedContiguous(x2), tc = ownedContiguous(t, 'int64', [M]), wc = w ? ownedContiguous(w, acc, [C]) : null;
  const loss = emptyCuda([M], acc, op), wt = emptyCuda([M], acc, op);
  try {
    const a = args().num(ignoreIndex).view(xc).view(tc);
    if (wc) a.view(wc);
    a.view(loss).view(wt);
    native().cudaNllFwd(xc.storage.ptr, tc.storage.ptr, wc?.storage.ptr ?? 0, loss.storage.ptr, wt.storage.ptr);
  } finally { xc.dispose(); }
  attach(loss, op, [x2], (g, saved) => {
    refuseDouble(op, g);
    const [st] = saved, sw = wc ? saved[1] : null;
    const gc = contiguousAs(g.reshape([M]), acc);
    const dx = emptyCuda([M, C], x2.dtype, op);
    const a = args().num(ignoreIndex).view(gc).view(st);
    if (sw) a.view(sw);
    a.view(dx);
    native().cudaNllBwd(gc.storage.ptr, st.storage.ptr, sw?.storage.ptr ?? 0, dx.storage.ptr);
    if (gc !== g) gc.dispose();
    return [dx];
  }, [tc, ...(wc ? [wc] : [])]);
  for (const v of [tc, wc]) v?.dispose();
  return { loss, wt };
}

function f32Param(op: string, p: Tensor): void {
  if (p.dtype !== 'float32') throw new Error(`${op}: cuda parameters must be float32 (master weights), got ${p.dtype}`);
}

/** One fused Adam/AdamW step of a float32 cuda parameter with amsgrad (vmax) and L2 or decoupled decay. */
export function cudaAdamExtStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, vmax: Tensor | null, step: number,
  h: { lr: number; betas: [number, number]; eps: number; weightDecay: number; maximize: boolean }, decoupled: boolean): void {
  const op = decoupled ? 'AdamW' : 'Adam';
  checkSameDevice(op, p, g, m, v, vmax);
  f32Param(op, p);
  const gc = contiguousAs(g);
  const a = args().num(h.lr).num(h.betas[0]).num(h.betas[1]).num(h.eps).num(h.weightDecay).num(step).num(decoupled ? 1 : 0)
    .num(h.maximize ? 1 : 0).view(p).view(gc).view(m).view(v);
  if (vmax) a.view(vmax);
  native().cudaAdamExt(p.storage.ptr, gc.storage.ptr, m.storage.ptr, v.storage.ptr, vmax?.storage.ptr ?? 0);
  if (gc !== g) gc.dispose();
  for (const t of [p, m, v, vmax]) if (t) t.storage.version++;
}

/** One fused RMSprop step of a float32 cuda parameter (ga: centered, buf: momentum > 0). */
export function cudaRmspropStep(p: Tensor, g: Tensor, sq: Tensor, ga: Tensor | null, buf: Tensor | null,
  h: { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; maximize: boolean }): void {
  const op = 'RMSprop';
  checkSameDevice(op, p, g, sq, ga, buf);
  f32Param(op, p);
  const gc = contiguousAs(g);
  const a = args().num(h.lr).num(h.alpha).num(h.eps).num(h.weightDecay).num(h.momentum).num(h.maximize ? 1 : 0).view(p).view(gc).view(sq);
  if (ga) a.view(ga);
  if (buf) a.view(buf);
  native().cudaRmsprop(p.storage.ptr, gc.storage.ptr, sq.storage.ptr, ga?.storage.ptr ?? 0, buf?.storage.ptr ?? 0);
  if (gc !== g) gc.dispose();
  for (const t of [p, sq, ga, buf]) if (t) t.storage.version++;
}

/** One fused Adagrad step of a float32 cuda parameter; clr is the decayed learning rate. */
export function cudaAdagradStep(p: Tensor, g: Tensor, sum: Tensor, clr: number, h: { eps: number; weightDecay: number; maximize: boolean }): void {
  const op = 'Adagrad';
  checkSameDevice(op, p, g, sum);
  f32Param(op, p);
  const gc = contiguousAs(g);
  args().num(clr).num(h.eps).num(h.weightDecay).num(h.maximize ? 1 : 0).view(p).view(gc).view(sum);
  native().cudaAdagrad(p.storage.ptr, gc.storage.ptr, sum.storage.ptr);
  if (gc !== g) gc.dispose();
  for (const t of [p, sum]) t.storage.version++;
}

/**
 * The LAMB step of a cuda parameter composed of cuda ops (the formulas of native/kernels/ref/optim.cc
 * lamb1/lamb2, computed in float32): moments updated in place, u = (m/bc1) / (sqrt(v/bc2) + eps) (+ wd*p
 * in adamW mode), p -= ratio(||p||, ||u||) * u. sumSq: the squared-norm function (sumPow(t, 2)).
 */
export function cudaLambStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, k: { b1: number; b2: number; b3: number; bc1: number; bc2: number;
  eps: number; wd: number; div: number; adamW: boolean; maximize: boolean }, ratioOf: (pn: number, un: number) => number,
sumSq: (t: Tensor) => number): void {
  checkSameDevice('LAMB', p, g, m, v);
  f32Param('LAMB', p);
  noGrad(() => {
    const tmp: Tensor[] = [];
    const keep = <T extends Tensor>(t: T): T => { tmp.push(t); return t; };
    try {
      let s = keep(g.to('float32'));
      if (k.maximize) s = keep(s.neg());
      s = keep(s.div(k.div));
      if (!k.adamW) s = keep(s.add(keep(p.mul(k.wd))));
      m.mul_(k.b1).add_(keep(s.mul(k.b3)));
      v.mul_(k.b2).add_(keep(keep(s.mul(1 - k.b2)).mul(s)));
      let u = keep(keep(m.div(k.bc1)).div(keep(keep(keep(v.div(k.bc2)).sqrt()).add(k.eps))));
      if (k.adamW) u = keep(u.add(keep(p.mul(k.wd))));
      const ratio = ratioOf(Math.sqrt(sumSq(p)), Math.sqrt(sumSq(u)));
      p.sub_(keep(u.mul(ratio)));
    } finally {
      for (const t of tmp) if (t !== g) t.dispose();
    }
  });
}

/**
 * Eval-mode batch norm on cuda: fills the saved (C) float32 mean and rstd from the running statistics
 * (mean = running_mean, rstd = 1/sqrt(running_var + eps)), so the backward sees the statistics the
 * forward used even if the running buffers change later.
 */
export function cudaBatchNormEvalStats(mean: Tensor, rstd: Tensor, rm: Tensor, rv: Tensor, eps: number): void {
  noGrad(() => {
    mean.copy_(rm);
    const s = rv.to('float32').add(eps), r = s.rsqrt();
    rstd.copy_(r);
    s.dispose();
    r.dispose();
  });
}

/**
 * Backward of eval-mode batch norm (an affine map per channel) on cuda, composed of cuda ops in float32:
 * g, x (N, C, S); mean, rstd (C) float32; w (C) or null. dx = g*w*rstd, dw = sum(g*(x-mean)*rstd), db = sum(g).
 */
export function cudaBatchNormEvalBackward(g: Tensor, x: Tensor, mean: Tensor, rstd: Tensor, w: Tensor | null, wantW: boolean, wantB: boolean): [Tensor, Tensor | null, Tensor | null] {
  const C = x.shape[1];
  return noGrad(() => {
    // temporaries are disposed before returning (this runs on every backward of a frozen-BN model)
    const tmp: Tensor[] = [];
    const t = (v: Tensor): Tensor => { tmp.push(v); return v; };
    const gf = t(g.to('float32')), r = t(rstd.reshape([1, C, 1]));
    const scale = w ? t(r.mul(t(t(w.to('float32')).reshape([1, C, 1])))) : r;
    const dx = t(gf.mul(scale)).to(x.dtype);
    let dw: Tensor | null = null;
    if (wantW) {
      const xf = t(x.to('float32'));
      dw = t(gf.mul(t(t(xf.sub(t(mean.reshape([1, C, 1])))).mul(r)))).sum([0, 2]);
    }
    const db = wantB ? gf.sum([0, 2]) : null;
    const keep = [g, x, mean, rstd, ...(w ? [w] : []), dx, ...(dw ? [dw] : []), ...(db ? [db] : [])];
    for (const v of tmp) if (!keep.includes(v)) v.dispose();
    return [dx, dw, db];
  });
}

/**
 * Adaptive average pooling on cuda, any input/output sizes: forward small (n, P, Q) = pool(big (n, H, W)),
 * or backward big = gradient of small (overwritten). Both contiguous, one float dtype.
 */
export function cudaAdaptiveAvgPool2d(backward: boolean, big: Tensor, small: Tensor): void {
  checkSameDevice('adaptiveAvgPool2d', big, small);
  args().num(backward ? 1 : 0).view(big).view(small);
  native().cudaAdaptiveAvgPool2d(big.storage.ptr, small.storage.ptr);
  (backward ? big : small).storage.version++;
}

/** clamp(x, lo, hi) on cuda (NaN bound = none, NaN inputs stay NaN as on the CPU); into receives it in place. */
export function cudaClamp(label: string, x: Tensor, lo: number, hi: number, into?: Tensor): Tensor {
  if (isFloat(x.dtype)) return cudaUnary('hardtanh', label, x, lo, hi, false, into);
  if (x.dtype === 'bool') throw new TypeError(`${label}: not supported for bool tensors`);
  let y = x;
  if (!Number.isNaN(lo)) y = cudaBinary('maximum', label, y, lo, x.dtype, 1, 0, Number.isNaN(hi) ? into : undefined);
  if (!Number.isNaN(hi)) {
    const z = cudaBinary('minimum', label, y, hi, x.dtype, 1, 0, into);
    if (y !== x) y.dispose();
    y = z;
  }
  return y;
}

/** Fills a contiguous cuda tensor of any dtype on the device (the CPU fill's value conversion). */
export function cudaFillValue(t: Tensor, value: number): void {
  args().num(value).view(t);
  native().cudaFillValue(t.storage.ptr);
}

/**
 * Unary ops without a library kernel, composed of cuda ops (no autograd nodes; the callers attach the
 * gradient): mish = x tanh(softplus(x)), log2, log10, exp2 (through exp/log, so a few ulp from the CPU's
 * libm), frac = x - trunc(x). Integer input promotes to float32. Returns null for other names.
 */
export function cudaComposedUnary(name: string, x: Tensor, into?: Tensor): Tensor | null {
  if (name === 'signbit') return cudaSignbit(x, into);
  if (INVERSE_HYPERBOLIC.includes(name)) return cudaTrigComposed(name, x, into);
  if (!['mish', 'log2', 'log10', 'exp2', 'frac'].includes(name)) return null;
  const r = noGrad(() => {
    const xf = isFloat(x.dtype) ? x.detach() : x.detach().to('float32');
    switch (name) {
      case 'mish': return xf.mul(xf.softplus().tanh());
      case 'log2': return xf.log().div(Math.LN2);
      case 'log10': return xf.log().div(Math.LN10);
      case 'exp2': return xf.mul(Math.LN2).exp();
      default: return xf.sub(xf.trunc());
    }
  });
  if (!into) return r;
  noGrad(() => into.copy_(r));
  r.dispose();
  return into;
}

const INVERSE_HYPERBOLIC = ['asin', 'acos', 'atan', 'sinh', 'cosh', 'asinh', 'acosh', 'atanh'];

/**
 * asin/acos/atan, sinh/cosh and asinh/acosh/atanh on cuda, composed of library ops in float32 (float64
 * for float64 input) with cancellation-free forms: asin x = atan2(x, √((1-x)(1+x))), sinh through
 * expm1, asinh x = sign(x)·log1p(|x| + x²/(1 + √(1+x²))) and acosh x = log1p(t + √t·√(t+2)), t = x-1
 * (log|x| + ln 2 beyond 2^28, where those overflow), atanh x = ½·log1p(2x/(1-x)). Out-of-domain inputs
 * give NaN as the CPU's libm does; results may differ from it by a few ulp.
 */
function cudaTrigComposed(name: string, x: Tensor, into?: Tensor): Tensor {
  const outDt: DType = isFloat(x.dtype) ? x.dtype : 'float32';
  const r = noGrad(() => {
    const xf = x.detach().to(accOf(x.dtype));
    const big = (a: Tensor, small: Tensor) => cudaWhere(a.gt(2 ** 28), a.log().add(Math.LN2), small, small.dtype);   // a >= 0 there
    let y: Tensor;
    switch (name) {
      case 'asin': y = xf.atan2(xf.rsub(1).mul(xf.add(1)).sqrt()); break;
      case 'acos': y = xf.rsub(1).mul(xf.add(1)).sqrt().atan2(xf); break;
      case 'atan': y = xf.atan2(nr1(xf)); break;
      case 'sinh': y = xf.expm1().sub(xf.neg().expm1()).mul(0.5); break;
      case 'cosh': y = xf.exp().add(xf.neg().exp()).mul(0.5); break;
      case 'asinh': {
        const a = xf.abs(), sq = xf.mul(xf);
        y = big(a, a.add(sq.div(sq.add(1).sqrt().add(1))).log1p()).mul(xf.sign());
        break;
      }
      case 'acosh': {
        const t = xf.sub(1);
        y = big(xf, t.add(t.sqrt().mul(t.add(2).sqrt())).log1p());   // √t is NaN below 1
        break;
      }
      default: y = xf.mul(2).div(xf.rsub(1)).log1p().mul(0.5);
    }
    return y.dtype === outDt ? y : y.to(outDt);
  });
  if (!into) return r;
  noGrad(() => into.copy_(r));
  r.dispose();
  return into;
}

/** A 0-dim tensor of ones like t (dtype and device), for atan x = atan2(x, 1). */
function nr1(t: Tensor): Tensor {
  return Tensor.empty([], t.dtype, false, 'atan', t.device).fill_(1);
}

/**
 * signbit on cuda: x < 0, or x == 0 with 1/x < 0 (so -0 is negative); integers x < 0; bool false.
 * A NaN counts as not negative whatever its sign bit (std::signbit would look at the bit).
 */
function cudaSignbit(x: Tensor, into?: Tensor): Tensor {
  const r = noGrad(() => {
    if (x.dtype === 'bool' || x.dtype === 'uint8') return x.detach().ne(x.detach());
    if (!isFloat(x.dtype)) return x.detach().lt(0);
    const xf = x.detach();
    return xf.lt(0).logicalOr(xf.eq(0).logicalAnd(xf.reciprocal().lt(0)));
  });
  if (!into) return r;
  noGrad(() => into.copy_(r));
  r.dispose();
  return into;
}

/**
 * Binary ops without a library kernel, composed of cuda ops: heaviside(x, y) = y where x == 0, else
 * (x > 0) (NaN -> 0, as the CPU), and mish_bw(g, x) = g (t + x (1 - t²) sigmoid(x)), t = tanh(softplus(x)).
 * Returns null for other names.
 */
export function cudaComposedBinary(name: string, label: string, x: Tensor, y: Tensor | number | boolean, rt: DType, into?: Tensor): Tensor | null {
  if (name !== 'heaviside' && name !== 'mish_bw') return null;
  checkSameDevice(label, x, y, into);
  const r = noGrad(() => {
    if (name === 'heaviside') {
      const pos = cudaBinary('gt', label, x, 0, x.dtype, 1, 0), posT = pos.to(rt);
      const zero = cudaBinary('eq', label, x, 0, x.dtype, 1, 0);
      let yt: Tensor;
      if (y instanceof Tensor) yt = y.detach();
      else { yt = emptyCuda([], rt, label); cudaFillValue(yt, Number(y)); }
      const out = cudaWhere(zero, yt.to(rt), posT, rt);
      for (const t of [pos, posT, zero]) t.dispose();
      return out;
    }
    const g = x.detach().to(rt), s = (y as Tensor).detach().to(rt);
    const t = s.softplus().tanh();
    return g.mul(t.add(s.mul(t.mul(t).rsub(1)).mul(s.sigmoid())));
  });
  if (!into) return r;
  noGrad(() => into.copy_(r));
  r.dispose();
  return into;
}

type Reducer = (name: string, x: Tensor, dims: readonly number[], keepdim: boolean, outDtype: DType, param?: number) => Tensor;

/**
 * p-norm of a float cuda tensor over dims for p other than 2 (the reference's definitions): p = inf / -inf:
 * max / min of |x| (NaN propagates), p = 0: count of non-zeros, p = 1: sum |x|, else (sum |x|^p)^(1/p).
 * Composed of cuda ops with float32 (float64 for float64) accumulation; no autograd nodes.
 */
export function cudaNormP(x: Tensor, dims: readonly number[], keepdim: boolean, outDtype: DType, p: number, reduce: Reducer): Tensor {
  const acc = accOf(x.dtype);
  return noGrad(() => {
    const a = x.abs();
    let r: Tensor;
    if (p === Infinity || p === -Infinity) r = reduce(p > 0 ? 'amax' : 'amin', a, dims, keepdim, a.dtype);
    else if (p === 0) r = reduce('sum', cudaBinary('ne', 'norm', x, 0, x.dtype, 1, 0).to(acc), dims, keepdim, acc);
    else if (p === 1) r = reduce('sum', a.to(acc), dims, keepdim, acc);
    else r = reduce('sum', a.to(acc).pow(p), dims, keepdim, acc).pow(1 / p);
    return r.dtype === outDtype ? r : r.to(outDtype);
  });
}
