// The training loop behind Module.prototype.fit / evaluate / predict. Every step runs inside tidy()
// so memory stays flat; evaluation and prediction run in eval mode under noGrad; the loop yields to
// the event loop every few milliseconds so timers and servers in the same process keep answering.
import { Tensor, isTensor } from '../tensor';
import { noGrad } from '../autograd';
import { tidy, collectCreated } from '../scope';
import { cat } from '../ops/view';
import type { Module } from '../nn/module';
import { Optimizer } from '../optim/optimizer';
import { clipGradNorm_, clipGradValue_ } from '../optim/clip';
import { Averager, LossSpec, MetricSpec, Metric, resolveLoss, resolveMetrics, toNumber, LossFn } from './metrics';
import { Callback, HistoryCallback, LRSchedulerCallback, AnyScheduler } from './callbacks';
import { History, Logs } from './history';
import { ProgressBar, ProgressStream } from './progress';
import { Device, parseDevice } from '../storage';
import { autocast, AutocastDtype } from '../amp/autocast';
import { GradScaler } from '../amp/grad_scaler';

/** Batches: a DataLoader or any (async) iterable of [input, target] (or [input] / a tensor for predict). */
export type BatchSource = Iterable<any> | AsyncIterable<any>;

/** Gradient clipping: a max global L2 norm, { maxNorm, normType }, or { value } (clip each element). */
export type GradClip = number | { maxNorm: number; normType?: number } | { value: number };

export interface FitOptions {
  /** Number of epochs (default 1). */
  epochs?: number;
  optimizer: Optimizer<any>;
  /** 'crossEntropy', 'mse', ... or (output, target) => scalar tensor. */
  loss: LossSpec;
  /** 'accuracy', 'binaryAccuracy', 'mae', 'mse' or (output, target) => number | tensor. */
  metrics?: MetricSpec[];
  /** Batches evaluated after each epoch (logged as val_loss, val_<metric>). */
  validationData?: BatchSource;
  callbacks?: Callback[];
  /** A learning-rate scheduler stepped per epoch (or per batch with schedulerInterval 'batch'). */
  scheduler?: AnyScheduler;
  schedulerInterval?: 'epoch' | 'batch';
  gradClip?: GradClip;
  /** 0 silent, 1 progress bar on a TTY (plain lines otherwise), 2 one line per epoch. Default 1. */
  verbose?: 0 | 1 | 2;
  /** Where progress goes (default process.stdout). */
  stream?: ProgressStream;
  /** Yield to the event loop once this many ms of work have passed (default 10). */
  yieldEveryMs?: number;
  /** Epochs already done (resuming): training runs epochs initialEpoch+1..epochs. */
  initialEpoch?: number;
  /** Where batches are moved before the forward pass (default: the device of the model's parameters). */
  device?: Device;
  /** Runs forward and loss under nr.autocast with this dtype (mixed precision; weights stay float32). */
  autocast?: AutocastDtype;
  /** Scales the loss, skips steps with inf/NaN gradients and adapts the scale (mixed precision). */
  gradScaler?: GradScaler;
}

export interface EvaluateOptions {
  loss?: LossSpec;
  metrics?: MetricSpec[];
  yieldEveryMs?: number;
}

export interface PredictOptions {
  /** Batch size when predicting on a tensor (default 256). */
  batchSize?: number;
  yieldEveryMs?: number;
}

/** Yields to the event loop (setImmediate) when more than ms of synchronous work has passed. */
export class Yielder {
  private last = performance.now();
  constructor(private readonly ms = 10) {}
  async maybe(): Promise<void> {
    if (performance.now() - this.last < this.ms) return;
    await new Promise<void>((r) => setImmediate(r));
    this.last = performance.now();
  }
}

function isIterable(x: any): x is BatchSource {
  return x != null && (typeof x[Symbol.iterator] === 'function' || typeof x[Symbol.asyncIterator] === 'function');
}

/** The device batches go to: the option when given, else the device of the model's first parameter. */
function batchDevice(model: Module, d: Device | undefined, op: string): Device {
  if (d !== undefined) return parseDevice(d, op);
  for (const p of model.parameters()) return p.device;
  return 'cpu';
}

/** x (a tensor, or arrays/objects of tensors) with every tensor on device (copies only where needed). */
function toDevice(x: any, d: Device): any {
  if (isTensor(x)) return x.device === d ? x : x.to(d);
  if (Array.isArray(x)) return x.map((v) => toDevice(v, d));
  return x;
}

/** Splits a batch into model input(s) and target. */
function splitBatch(batch: any, op: string, device?: Device): { x: any; y: any } {
  if (device !== undefined) {
    const r = splitBatch(batch, op);
    return { x: toDevice(r.x, device), y: toDevice(r.y, device) };
  }
  if (isTensor(batch)) return { x: batch, y: undefined };
  if (Array.isArray(batch)) {
    if (batch.length === 0) throw new TypeError(`${op}: got an empty batch`);
    if (batch.length === 1) return { x: batch[0], y: undefined };
    return { x: batch.length === 2 ? batch[0] : batch.slice(0, -1), y: batch[batch.length - 1] };
  }
  if (batch && typeof batch === 'object') {
    if ('input' in batch) return { x: batch.input, y: batch.target };
    if ('x' in batch) return { x: batch.x, y: batch.y };
  }
  throw new TypeError(`${op}: a batch must be [input, target], [input], a tensor or { input, target }, got ${batch === null ? 'null' : typeof batch}`);
}

function forward(model: Module, x: any): any {
  return Array.isArray(x) ? model.call(...x) : model.call(x);
}

function batchSize(x: any): number {
  const t = isTensor(x) ? x : Array.isArray(x) ? x.find(isTensor) : undefined;
  return t && t.ndim > 0 ? t.shape[0] : 1;
}

function lossValue(l: unknown, op: string): Tensor {
  if (!isTensor(l) || l.numel() !== 1) throw new TypeError(`${op}: the loss must return a one-element tensor${isTensor(l) ? `, got shape [${l.shape.join(', ')}]` : ''}`);
  return l;
}

function metricValues(metrics: Metric[], out: any, y: any, into: Record<string, number>): void {
  if (!metrics.length) return;
  noGrad(() => { for (const m of metrics) into[m.name] = toNumber(m.fn(out, y), `metric '${m.name}'`); });
}

function clip(model: Module, gc: GradClip | undefined): void {
  if (gc === undefined) return;
  const ps = model.parameters().filter((p) => p.grad);
  if (typeof gc === 'number') clipGradNorm_(ps, gc);
  else if ('value' in gc) clipGradValue_(ps, gc.value);
  else clipGradNorm_(ps, gc.maxNorm, { normType: gc.normType });
}

async function call(cbs: Callback[], fn: (c: Callback) => void | Promise<void>): Promise<void> {
  for (const c of cbs) {
    const r = fn(c);
    if (r instanceof Promise) await r;
  }
}

/** Disposes the tensors a loader created for a batch, except any the step's result holds. */
function release(created: Tensor[], result: unknown): void {
  const held = new Set<unknown>();
  if (isTensor(result)) held.add(result);
  else if (result && typeof result === 'object') for (const v of Object.values(result)) held.add(v);
  for (const t of created) if (!held.has(t) && !t.isDisposed) t.dispose();
}

/**
 * Drives the batches of source: fetch the batch, before() (awaited), body(batch) inside tidy(), then
 * after() (awaited; false stops). For synchronous iterables the tensors next() creates (DataLoader
 * collation) are freed after each step, while tensors the caller already owns (a prebuilt array of
 * batches) are left alone. A DataLoader over an async dataset falls back to its async iterator.
 */
async function eachBatch<R>(source: BatchSource, body: (batch: any) => R, after: (r: R) => unknown, before?: () => unknown): Promise<void> {
  const s = source as any;
  const step = async (batch: any, created: Tensor[]): Promise<boolean> => {
    let r: R | undefined;
    try {
      const b = before?.();
      if (b instanceof Promise) await b;
      r = tidy(() => body(batch));
    } finally {
      release(created, r);
    }
    let a = after(r as R);
    if (a instanceof Promise) a = await a;
    return a !== false;
  };
  if (typeof s[Symbol.iterator] === 'function') {
    const it: Iterator<any> = s[Symbol.iterator]();
    let first = true;
    for (;;) {
      let got: { result: IteratorResult<any>; created: Tensor[] };
      try {
        got = collectCreated(() => it.next());
      } catch (e) {
        if (first && typeof s[Symbol.asyncIterator] === 'function' && e instanceof TypeError && /returned a Promise/.test(e.message)) break;
        throw e;
      }
      first = false;
      if (got.result.done) { release(got.created, undefined); return; }
      if (!(await step(got.result.value, got.created))) { it.return?.(); return; }
    }
  }
  const ait: AsyncIterator<any> = s[Symbol.asyncIterator]();
  for (;;) {
    const n = await ait.next();
    if (n.done) return;
    if (!(await step(n.value, []))) { await ait.return?.(); return; }
  }
}

/** Runs loss and metrics over batches in eval mode under noGrad; the example-weighted means. */
async function evalLoop(model: Module, source: BatchSource, lossFn: LossFn | null, metrics: Metric[], y: Yielder, op: string): Promise<Logs> {
  const dev = batchDevice(model, undefined, op);
  const wasTraining = model.training;
  model.eval();
  const avg = new Averager();
  try {
    await eachBatch(source, (batch) => {
      const { x, y: target } = splitBatch(batch, op, dev);
      return noGrad(() => {
        const out = forward(model, x);
        const v: Record<string, number> = {};
        if (lossFn) v.loss = Number(lossValue(lossFn(out, target), op).item());
        metricValues(metrics, out, target, v);
        return { v, n: batchSize(x) };
      });
    }, async ({ v, n }) => { avg.add(v, n); await y.maybe(); });
  } finally {
    model.train(wasTraining);
  }
  return avg.means();
}

/** Trains model on the batches of loader; returns the per-epoch History. */
export async function fit(model: Module, loader: BatchSource, o: FitOptions): Promise<History> {
  const op = 'fit';
  if (!isIterable(loader)) throw new TypeError(`${op}: expected a DataLoader or an iterable of [input, target] batches`);
  if (!o || typeof o !== 'object') throw new TypeError(`${op}: options { optimizer, loss, ... } are required`);
  if (!(o.optimizer instanceof Optimizer)) throw new TypeError(`${op}: options.optimizer must be an optim.Optimizer`);
  const lossFn = resolveLoss(o.loss, op);
  const metrics = resolveMetrics(o.metrics, op);
  const epochs = o.epochs ?? 1;
  const initialEpoch = o.initialEpoch ?? 0;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`${op}: epochs must be an integer >= 0, got ${o.epochs}`);
  if (o.validationData !== undefined && !isIterable(o.validationData)) throw new TypeError(`${op}: validationData must be a DataLoader or an iterable of batches`);
  const verbose = o.verbose ?? 1;
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new RangeError(`${op}: verbose must be 0, 1 or 2, got ${o.verbose}`);
  const yielder = new Yielder(o.yieldEveryMs ?? 10);
  const dev = batchDevice(model, o.device, op);
  if (o.autocast !== undefined && o.autocast !== 'bfloat16' && o.autocast !== 'float16') {
    throw new TypeError(`${op}: autocast must be 'bfloat16' or 'float16', got ${String(o.autocast)}`);
  }
  if (o.gradScaler !== undefined && !(o.gradScaler instanceof GradScaler)) throw new TypeError(`${op}: gradScaler must be an amp.GradScaler`);
  const scaler = o.gradScaler;
  const len = (loader as any).length;
  const stepsPerEpoch = typeof len === 'number' && Number.isFinite(len) ? len : undefined;

  // The history records last, so it sees what the other callbacks added to the epoch's logs.
  const historyCb = new HistoryCallback();
  const cbs: Callback[] = [...(o.callbacks ?? [])];
  if (o.scheduler) cbs.push(new LRSchedulerCallback(o.scheduler, { interval: o.schedulerInterval }));
  cbs.push(historyCb);
  for (const c of cbs) {
    if (!(c instanceof Callback)) throw new TypeError(`${op}: callbacks must extend train.Callback`);
    c.setContext({ model, optimizer: o.optimizer, epochs, stepsPerEpoch });
    c.stopTraining = false;
  }
  const progress = new ProgressBar(o.stream ?? process.stdout, verbose, epochs, stepsPerEpoch);
  const stopped = () => cbs.some((c) => c.stopTraining);
  const wasTraining = model.training;

  try {
    await call(cbs, (c) => c.onTrainBegin({}));
    for (let epoch = initialEpoch + 1; epoch <= epochs && !stopped(); epoch++) {
      const lr = o.optimizer.paramGroups[0]?.lr;
      await call(cbs, (c) => c.onEpochBegin(epoch, {}));
      progress.epochBegin();
      model.train();
      const avg = new Averager();
      let step = 0;
      await eachBatch(loader, (batch) => {
        const { x, y } = splitBatch(batch, op, dev);
        const run = () => { const out = forward(model, x); return { out, l: lossValue(lossFn(out, y), op) }; };
        const { out, l } = o.autocast ? autocast(o.autocast, run) : run();
        o.optimizer.zeroGrad();
        if (scaler) {
          (scaler.scale(l) as Tensor).backward();
          if (o.gradClip !== undefined) scaler.unscale_(o.optimizer);
          clip(model, o.gradClip);
          scaler.step(o.optimizer);
          scaler.update();
        } else {
          l.backward();
          clip(model, o.gradClip);
          o.optimizer.step();
        }
        const v: Record<string, number> = { loss: Number(l.item()) };
        metricValues(metrics, out, y, v);
        return { v, n: batchSize(x) };
      }, async ({ v, n }) => {
        avg.add(v, n);
        step++;
        await call(cbs, (c) => c.onBatchEnd(step - 1, { ...v, size: n }));
        progress.batchEnd(epoch, step, avg.means());
        if (stopped()) return false;
        await yielder.maybe();
        return true;
      }, () => call(cbs, (c) => c.onBatchBegin(step, {})));
      const logs: Logs = avg.means();
      if (o.validationData !== undefined) {
        const v = await evalLoop(model, o.validationData, lossFn, metrics, yielder, op);
        for (const [k, val] of Object.entries(v)) logs[`val_${k}`] = val;
      }
      if (lr !== undefined) logs.lr = lr;
      progress.epochEnd(epoch, step, logs);
      await call(cbs, (c) => c.onEpochEnd(epoch, logs));
    }
    await call(cbs, (c) => c.onTrainEnd(historyCb.history.length ? historyCb.history.logs(historyCb.history.length - 1) : {}));
  } finally {
    progress.close();
    model.train(wasTraining);
  }
  return historyCb.history;
}

/** Loss (when given) and metrics of model over the batches, in eval mode: { loss, accuracy, ... }. */
export async function evaluate(model: Module, loader: BatchSource, o: EvaluateOptions = {}): Promise<Logs> {
  const op = 'evaluate';
  if (!isIterable(loader)) throw new TypeError(`${op}: expected a DataLoader or an iterable of batches`);
  const lossFn = o.loss !== undefined ? resolveLoss(o.loss, op) : null;
  const metrics = resolveMetrics(o.metrics, op);
  if (!lossFn && !metrics.length) throw new TypeError(`${op}: give a loss and/or metrics to compute`);
  return evalLoop(model, loader, lossFn, metrics, new Yielder(o.yieldEveryMs ?? 10), op);
}

/** The model's outputs for every batch (or for a tensor, in batches), concatenated along dim 0, in eval mode. */
export async function predict(model: Module, source: BatchSource | Tensor, o: PredictOptions = {}): Promise<Tensor> {
  const op = 'predict';
  let batches: BatchSource;
  if (isTensor(source)) {
    const bs = o.batchSize ?? 256;
    if (!Number.isInteger(bs) || bs < 1) throw new RangeError(`${op}: batchSize must be a positive integer, got ${o.batchSize}`);
    const n = source.ndim ? source.shape[0] : 1;
    batches = (function* () { for (let i = 0; i < n; i += bs) yield source.narrow(0, i, Math.min(bs, n - i)); })();
  } else if (isIterable(source)) batches = source;
  else throw new TypeError(`${op}: expected a tensor, a DataLoader or an iterable of batches`);
  const y = new Yielder(o.yieldEveryMs ?? 10);
  const dev = batchDevice(model, undefined, op);
  const wasTraining = model.training;
  model.eval();
  const outs: Tensor[] = [];
  try {
    await eachBatch(batches, (batch) => {
      const { x } = splitBatch(batch, op, dev);
      const out = noGrad(() => forward(model, x));
      if (!isTensor(out)) throw new TypeError(`${op}: the model must return a tensor, got ${typeof out}`);
      return out;
    }, async (out) => { outs.push(out); await y.maybe(); });
    if (!outs.length) throw new Error(`${op}: no batches`);
    if (outs.length === 1) return outs[0];
    const all = cat(outs, 0);
    for (const t of outs) t.dispose();
    return all;
  } catch (e) {
    for (const t of outs) if (!t.isDisposed) t.dispose();
    throw e;
  } finally {
    model.train(wasTraining);
  }
}
