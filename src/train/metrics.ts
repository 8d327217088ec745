// Loss and metric resolution for fit/evaluate: names ('crossEntropy', 'mse', 'accuracy', ...) or
// functions, and per-epoch accumulators that average over examples (weighted by batch size).
import { Tensor, isTensor, fmtShape } from '../tensor';
import { isFloat } from '../dtype';
import * as L from '../nn/losses';

/** A loss: (model output, target) => scalar tensor. */
export type LossFn = (output: any, target: any) => Tensor;
/** A loss by name or function. */
export type LossSpec = 'crossEntropy' | 'mse' | 'l1' | 'smoothL1' | 'huber' | 'nll' | 'bce' | 'bceWithLogits' | LossFn;
/** A metric function: (output, target) => number or one-element tensor (the batch mean). */
export type MetricFn = (output: any, target: any) => number | Tensor;
/** A metric by name or function (a function's name, or `metricName`, labels it). */
export type MetricSpec = 'accuracy' | 'binaryAccuracy' | 'mae' | 'mse' | MetricFn;

const LOSSES: Record<string, LossFn> = {
  crossEntropy: (o, t) => L.crossEntropy(o, t),
  mse: (o, t) => L.mseLoss(o, t),
  l1: (o, t) => L.l1Loss(o, t),
  smoothL1: (o, t) => L.smoothL1Loss(o, t),
  huber: (o, t) => L.huberLoss(o, t),
  nll: (o, t) => L.nllLoss(o, t),
  bce: (o, t) => L.binaryCrossEntropy(o, t),
  bceWithLogits: (o, t) => L.binaryCrossEntropyWithLogits(o, t),
};

/** The loss function for a name or function. */
export function resolveLoss(spec: LossSpec | undefined, op: string): LossFn {
  if (typeof spec === 'function') return spec;
  if (typeof spec === 'string' && LOSSES[spec]) return LOSSES[spec];
  throw new TypeError(`${op}: loss must be a function (output, target) => Tensor or one of ${Object.keys(LOSSES).map((k) => `'${k}'`).join(', ')}, got ${spec === undefined ? 'nothing' : JSON.stringify(spec)}`);
}

function accuracy(o: Tensor, t: Tensor): number {
  if (o.ndim >= 2 && t.ndim === o.ndim - 1 && !isFloat(t.dtype)) {
    return o.argmax(1).eq(t).float().mean().item() as number;
  }
  if (o.ndim >= 2 && t.ndim === o.ndim && isFloat(t.dtype) && o.shape[1] > 1) {
    // Class probabilities as targets: compare the argmax of both.
    return o.argmax(1).eq(t.argmax(1)).float().mean().item() as number;
  }
  throw new TypeError(`accuracy: expected output (N, C, ...) and integer class targets (N, ...), got output ${fmtShape(o.shape)} and target ${fmtShape(t.shape)} ${t.dtype} (use 'binaryAccuracy' for one output per example)`);
}

function binaryAccuracy(o: Tensor, t: Tensor): number {
  if (o.numel() !== t.numel()) throw new TypeError(`binaryAccuracy: output ${fmtShape(o.shape)} and target ${fmtShape(t.shape)} must have the same number of elements`);
  // Outputs are probabilities in [0, 1] (threshold 0.5), like Keras' binary_accuracy.
  return o.reshape([-1]).gt(0.5).eq(t.reshape([-1]).gt(0.5)).float().mean().item() as number;
}

const METRICS: Record<string, MetricFn> = {
  accuracy: (o, t) => accuracy(o, t),
  binaryAccuracy: (o, t) => binaryAccuracy(o, t),
  mae: (o, t) => L.l1Loss(o, t),
  mse: (o, t) => L.mseLoss(o, t),
};

/** A named metric function. */
export interface Metric { name: string; fn: MetricFn; }

/** Resolves metric names/functions; names are unique (a clash is an error). */
export function resolveMetrics(specs: MetricSpec[] | undefined, op: string): Metric[] {
  if (specs === undefined) return [];
  if (!Array.isArray(specs)) throw new TypeError(`${op}: metrics must be an array of names or functions`);
  const out: Metric[] = [];
  for (const s of specs) {
    let m: Metric;
    if (typeof s === 'function') m = { name: (s as any).metricName || s.name || `metric${out.length}`, fn: s };
    else if (typeof s === 'string' && METRICS[s]) m = { name: s, fn: METRICS[s] };
    else throw new TypeError(`${op}: unknown metric ${JSON.stringify(s)}; use a function or one of ${Object.keys(METRICS).map((k) => `'${k}'`).join(', ')}`);
    if (m.name === 'loss' || out.some((x) => x.name === m.name)) throw new Error(`${op}: duplicate metric name '${m.name}'`);
    out.push(m);
  }
  return out;
}

/** A number from a metric/loss result (a number or one-element tensor). */
export function toNumber(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (isTensor(v)) {
    if (v.numel() !== 1) throw new TypeError(`${what} must be a scalar, got a tensor of shape ${fmtShape(v.shape)}`);
    return Number(v.item());
  }
  throw new TypeError(`${what} must return a number or a one-element tensor, got ${typeof v}`);
}

/** Example-weighted running means of the loss and metrics over an epoch. */
export class Averager {
  private sums = new Map<string, number>();
  private count = 0;
  add(values: Record<string, number>, n: number): void {
    for (const [k, v] of Object.entries(values)) this.sums.set(k, (this.sums.get(k) ?? 0) + v * n);
    this.count += n;
  }
  get examples(): number { return this.count; }
  means(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of this.sums) out[k] = this.count ? s / this.count : NaN;
    return out;
  }
}
