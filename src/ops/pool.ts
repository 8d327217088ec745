// Pooling: maxPool1d/2d (with indices, ceilMode, dilation), avgPool1d/2d (countIncludePad, ceilMode,
// divisorOverride) and adaptiveAvgPool1d/2d, each with its backward, on the native pool2d kernels.
import { cudaPool2d } from '../cuda/layers';
import { cudaAdaptiveAvgPool2d } from '../cuda/cumisc';
import { isFloat } from '../dtype';
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, fmtShape, checkShape } from '../tensor';
import { attach } from '../autograd';
import type { Pair } from './conv';
import { checkTensor, fmtValue } from './check';
import { tracing, traceOp } from '../trace';

export interface MaxPoolOpts { stride?: Pair | null; padding?: Pair; dilation?: Pair; ceilMode?: boolean; }
export interface AvgPoolOpts { stride?: Pair | null; padding?: Pair; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null; }

const KIND = { maxF: 0, maxB: 1, avgF: 2, avgB: 3, adaF: 4, adaB: 5 };

function pair(v: Pair | null | undefined, dflt: [number, number], what: string, op: string): [number, number] {
  const p: [number, number] = v === undefined || v === null ? dflt : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every(Number.isInteger)) throw new TypeError(`${op}: ${what} must be an integer or a pair, got ${fmtValue(v)}`);
  return p;
}

function outSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;   // the last window must start inside the input or left padding
  return o;
}

/** (N, C, H, W) or (C, H, W) -> planes view (N*C, H, W) plus the leading shape to restore. */
function planes(x: Tensor, op: string): [Tensor, number[]] {
  checkTensor(x, op, 'the input');
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${op}: expected a 3-D or 4-D input, got ${fmtShape(x.shape)}`);
  if (x.dtype !== 'float32' && x.dtype !== 'float64' && (x.device === 'cpu' || !isFloat(x.dtype))) throw new TypeError(`${op}: expected float32 or float64 input, got ${x.dtype}`);
  const lead = x.shape.slice(0, x.ndim - 2);
  const [H, W] = x.shape.slice(-2);
  return [x.contiguous().reshape([lead.reduce((a, b) => a * b, 1), H, W]), lead];   // not -1: H or W may be 0
}

function run(kind: number, geo: number[], big: Tensor, small: Tensor, idx?: Tensor): void {
  if (big.device !== 'cpu' || small.device !== 'cpu') {
    if (kind === KIND.adaF || kind === KIND.adaB) {
      // on cuda: evenly dividing output sizes are average pooling with kernel = stride = input/output;
      // other sizes (overlapping windows of varying size) take the adaptive kernel
      const [n, H, W, P, Q] = geo;
      if (H % P || W % Q) { cudaAdaptiveAvgPool2d(kind === KIND.adaB, big, small); return; }
      const kh = H / P, kw = W / Q;
      cudaPool2d(kind === KIND.adaF ? KIND.avgF : KIND.avgB, [n, H, W, P, Q, kh, kw, kh, kw, 0, 0, 1, 1, 1, 0], big, small);
      return;
    }
    cudaPool2d(kind, geo, big, small, idx);
    return;
  }
  const w = args().num(kind).nums(geo).view(big).view(small);
  if (idx) w.view(idx);
  native().pool2d(big.storage.buf, small.storage.buf, idx ? idx.storage.buf : undefined);
}

export function maxPool2dWithIndices(x: Tensor, kernelSize: Pair, o: MaxPoolOpts = {}): { values: Tensor; indices: Tensor } {
  const op = 'maxPool2d';
  const [kh, kw] = pair(kernelSize, [1, 1], 'kernelSize', op);
  const [sh, sw] = pair(o?.stride, [kh, kw], 'stride', op), [ph, pw] = pair(o?.padding, [0, 0], 'padding', op), [dh, dw] = pair(o?.dilation, [1, 1], 'dilation', op);
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1) throw new RangeError(`${op}: kernel, stride and dilation must be positive`);
  if (ph < 0 || pw < 0 || 2 * ph > kh || 2 * pw > kw) throw new RangeError(`${op}: padding must be non-negative and at most half the kernel size (kernel ${kh}x${kw}, padding ${ph}x${pw})`);
  const [xp, lead] = planes(x, op);
  const [n, H, W] = xp.shape;
  const P = outSize(H, kh, sh, ph, dh, !!o?.ceilMode), Q = outSize(W, kw, sw, pw, dw, !!o?.ceilMode);
  if (P < 1 || Q < 1) throw new RangeError(`${op}: output size ${P}x${Q} is too small for input ${fmtShape(x.shape)}`);
  const geo = [n, H, W, P, Q, kh, kw, sh, sw, ph, pw, dh, dw, 0, 0];
  const y = Tensor.empty([n, P, Q], x.dtype, false, op, x.device), idx = Tensor.empty([n, P, Q], 'int64', false, op, x.device);
  run(KIND.maxF, geo, xp, y, idx);
  const values = attach(y.reshape([...lead, P, Q]), 'maxPool2d', [x], (g, [si]) => {
    const gx = Tensor.empty([n, H, W], g.dtype, false, 'pool2d', g.device);
    run(KIND.maxB, geo, gx, g.contiguous().reshape([n, P, Q]), si);
    return [gx.reshape(x.shape)];
  }, [idx]);
  return { values, indices: idx.reshape([...lead, P, Q]) };
}

/** 2-D max pooling over (N, C, H, W) or (C, H, W). */
export function maxPool2d(x: Tensor, kernelSize: Pair, o: MaxPoolOpts = {}): Tensor {
  if (tracing.active) return traceOp('maxPool2d', maxPool2d, [x, kernelSize, o]);
  return maxPool2dWithIndices(x, kernelSize, o).values;
}

/** 1-D max pooling over (N, C, L) or (C, L). */
export function maxPool1d(x: Tensor, kernelSize: number, o: { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean } = {}): Tensor {
  if (tracing.active) return traceOp('maxPool1d', maxPool1d, [x, kernelSize, o]);
  return maxPool2d(x.unsqueeze(-2), [1, kernelSize], { stride: [1, o?.stride ?? kernelSize], padding: [0, o?.padding ?? 0], dilation: [1, o?.dilation ?? 1], ceilMode: o?.ceilMode }).squeeze(-2);
}

/** 2-D average pooling over (N, C, H, W) or (C, H, W). */
export function avgPool2d(x: Tensor, kernelSize: Pair, o: AvgPoolOpts = {}): Tensor {
  if (tracing.active) return traceOp('avgPool2d', avgPool2d, [x, kernelSize, o]);
  const op = 'avgPool2d';
  const [kh, kw] = pair(kernelSize, [1, 1], 'kernelSize', op);
  const [sh, sw] = pair(o?.stride, [kh, kw], 'stride', op), [ph, pw] = pair(o?.padding, [0, 0], 'padding', op);
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1) throw new RangeError(`${op}: kernel and stride must be positive`);
  if (ph < 0 || pw < 0 || 2 * ph > kh || 2 * pw > kw) throw new RangeError(`${op}: padding must be non-negative and at most half the kernel size`);
  const div = o?.divisorOverride ?? 0;
  if (!Number.isInteger(div) || div < 0) throw new RangeError(`${op}: divisorOverride must be a positive integer`);
  const [xp, lead] = planes(x, op);
  const [n, H, W] = xp.shape;
  const P = outSize(H, kh, sh, ph, 1, !!o?.ceilMode), Q = outSize(W, kw, sw, pw, 1, !!o?.ceilMode);
  if (P < 1 || Q < 1) throw new RangeError(`${op}: output size ${P}x${Q} is too small for input ${fmtShape(x.shape)}`);
  const geo = [n, H, W, P, Q, kh, kw, sh, sw, ph, pw, 1, 1, o?.countIncludePad === false ? 0 : 1, div];
  const y = Tensor.empty([n, P, Q], x.dtype, false, op, x.device);
  run(KIND.avgF, geo, xp, y);
  return attach(y.reshape([...lead, P, Q]), 'avgPool2d', [x], (g) => {
    const gx = Tensor.empty([n, H, W], g.dtype, false, 'pool2d', g.device);
    run(KIND.avgB, geo, gx, g.contiguous().reshape([n, P, Q]));
    return [gx.reshape(x.shape)];
  });
}

/** 1-D average pooling over (N, C, L) or (C, L). */
export function avgPool1d(x: Tensor, kernelSize: number, o: { stride?: number | null; padding?: number; ceilMode?: boolean; countIncludePad?: boolean } = {}): Tensor {
  if (tracing.active) return traceOp('avgPool1d', avgPool1d, [x, kernelSize, o]);
  return avgPool2d(x.unsqueeze(-2), [1, kernelSize], { stride: [1, o?.stride ?? kernelSize], padding: [0, o?.padding ?? 0], ceilMode: o?.ceilMode, countIncludePad: o?.countIncludePad }).squeeze(-2);
}

/** Adaptive average pooling to outputSize (a number, a pair, or null entries to keep that size). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | [number | null, number | null]): Tensor {
  if (tracing.active) return traceOp('adaptiveAvgPool2d', adaptiveAvgPool2d, [x, outputSize]);
  const op = 'adaptiveAvgPool2d';
  const [xp, lead] = planes(x, op);
  const [n, H, W] = xp.shape;
  const os = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (!Array.isArray(os) || os.length !== 2) throw new TypeError(`${op}: output size must be a number or a pair, got ${fmtValue(outputSize)}`);
  const P = os[0] ?? H, Q = os[1] ?? W;
  if (!Number.isInteger(P) || !Number.isInteger(Q) || P < 1 || Q < 1) throw new RangeError(`${op}: output size must be positive integers, got ${fmtValue(outputSize)}`);
  if (H < 1 || W < 1) throw new RangeError(`${op}: input ${fmtShape(x.shape)} has an empty spatial dim`);
  checkShape([P, Q], op);   // P*Q beyond the element limit, even when n is 0
  const geo = [n, H, W, P, Q, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0];
  const y = Tensor.empty([n, P, Q], x.dtype, false, op, x.device);
  run(KIND.adaF, geo, xp, y);
  return attach(y.reshape([...lead, P, Q]), op, [x], (g) => {
    const gx = Tensor.empty([n, H, W], g.dtype, false, 'pool2d', g.device);
    run(KIND.adaB, geo, gx, g.contiguous().reshape([n, P, Q]));
    return [gx.reshape(x.shape)];
  });
}

/** Adaptive average pooling over (N, C, L) or (C, L). */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  if (tracing.active) return traceOp('adaptiveAvgPool1d', adaptiveAvgPool1d, [x, outputSize]);
  return adaptiveAvgPool2d(x.unsqueeze(-2), [1, outputSize]).squeeze(-2);
}
