// Training callbacks for fit(): the Callback base class (hooks may be async; set stopTraining to end
// training after the current batch/epoch), EarlyStopping, ModelCheckpoint, LRSchedulerCallback,
// CSVLogger, TensorBoardCallback and the HistoryCallback that fit() always installs.
import * as fs from 'fs';
import * as path from 'path';
import type { Module } from '../nn/module';
import type { Optimizer } from '../optim/optimizer';
import { LRScheduler } from '../optim/scheduler_base';
import { ReduceLROnPlateau } from '../optim/lr_scheduler_cycles';
import { noGrad } from '../autograd';
import { keep } from '../scope';
import type { Tensor } from '../tensor';
import { History, Logs, normalizeKey, recordFromLogs } from './history';
import { requireIo } from './io_bridge';

/** What fit() tells its callbacks before training. */
export interface TrainContext {
  model: Module;
  optimizer?: Optimizer<any>;
  epochs: number;
  /** Batches per epoch when the loader knows its length. */
  stepsPerEpoch?: number;
}

/** A callback hook may be synchronous or return a promise that fit awaits. */
export type MaybePromise = void | Promise<void>;

/** Base class: override the hooks you need. Epochs are 1-based, batches 0-based within an epoch. */
export class Callback {
  /** Set by fit() before onTrainBegin. */
  context!: TrainContext;
  /** Set to true to stop fit() after the current batch (or epoch, when set in onEpochEnd). */
  stopTraining = false;
  get model(): Module { return this.context.model; }
  setContext(ctx: TrainContext): void { this.context = ctx; }
  onTrainBegin(_logs: Logs): MaybePromise {}
  onTrainEnd(_logs: Logs): MaybePromise {}
  onEpochBegin(_epoch: number, _logs: Logs): MaybePromise {}
  /** logs: 'loss', metrics, 'val_loss', 'val_<metric>', 'lr'. */
  onEpochEnd(_epoch: number, _logs: Logs): MaybePromise {}
  onBatchBegin(_batch: number, _logs: Logs): MaybePromise {}
  /** logs: the batch's 'loss' and metrics, and 'size' (examples in the batch). */
  onBatchEnd(_batch: number, _logs: Logs): MaybePromise {}
}

/** Records every epoch into a History (fit() installs one and returns its history). */
export class HistoryCallback extends Callback {
  history = new History();
  private t0 = 0;
  override onTrainBegin(): void { this.history = new History(); }
  override onEpochBegin(): void { this.t0 = performance.now(); }
  override onEpochEnd(epoch: number, logs: Logs): void {
    this.history.push(recordFromLogs(epoch, logs, (performance.now() - this.t0) / 1000));
  }
}

/** Improvement test shared by EarlyStopping, ModelCheckpoint and LR callbacks. */
function improves(mode: 'min' | 'max', value: number, best: number, minDelta = 0): boolean {
  return mode === 'min' ? value < best - minDelta : value > best + minDelta;
}

function resolveMode(mode: 'min' | 'max' | 'auto' | undefined, monitor: string, op: string): 'min' | 'max' {
  if (mode === 'min' || mode === 'max') return mode;
  if (mode === undefined || mode === 'auto') return /acc|auc|precision|recall|f1/i.test(monitor) ? 'max' : 'min';
  throw new RangeError(`${op}: mode must be 'min', 'max' or 'auto', got ${JSON.stringify(mode)}`);
}

function monitored(logs: Logs, key: string, op: string): number | undefined {
  const v = logs[key];
  if (v === undefined) {
    process.emitWarning(`${op}: monitored value '${key}' is not in the logs (available: ${Object.keys(logs).join(', ')})`);
  }
  return v;
}

export interface EarlyStoppingOptions {
  /** Logged value to watch (default 'val_loss'; 'valLoss' works too). */
  monitor?: string;
  /** 'min', 'max' or 'auto' (max for accuracy-like names). */
  mode?: 'min' | 'max' | 'auto';
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** At the end of training, load the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
  /** Do not stop before this many epochs (default 0). */
  startFromEpoch?: number;
}

/** Stops training when the monitored value stops improving. */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  best = Infinity;
  bestEpoch = 0;
  wait = 0;
  /** The epoch after which training was stopped (0 if it was not). */
  stoppedEpoch = 0;
  private bestWeights: Record<string, Tensor> | null = null;

  constructor(o: EarlyStoppingOptions = {}) {
    super();
    this.monitor = normalizeKey(o.monitor ?? 'val_loss');
    this.mode = resolveMode(o.mode, this.monitor, 'EarlyStopping');
    this.patience = o.patience ?? 0;
    this.minDelta = Math.abs(o.minDelta ?? 0);
    this.restoreBestWeights = o.restoreBestWeights ?? false;
    this.startFromEpoch = o.startFromEpoch ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new RangeError(`EarlyStopping: patience must be an integer >= 0, got ${o.patience}`);
  }

  override onTrainBegin(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.wait = 0; this.stoppedEpoch = 0; this.bestEpoch = 0;
    this.disposeBest();
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const v = monitored(logs, this.monitor, 'EarlyStopping');
    if (v === undefined || epoch <= this.startFromEpoch) return;
    if (improves(this.mode, v, this.best, this.minDelta) || this.bestEpoch === 0) {
      this.best = v; this.bestEpoch = epoch; this.wait = 0;
      if (this.restoreBestWeights) this.snapshot();
      return;
    }
    this.wait++;
    if (this.wait > this.patience) { this.stoppedEpoch = epoch; this.stopTraining = true; }
  }

  override onTrainEnd(): void {
    if (this.bestWeights) {
      this.model.loadStateDict(this.bestWeights, { strict: false });
      this.disposeBest();
    }
  }

  private snapshot(): void {
    this.disposeBest();
    const sd = this.model.stateDict();
    this.bestWeights = noGrad(() => Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, keep(t.clone())])));
  }

  private disposeBest(): void {
    if (this.bestWeights) for (const t of Object.values(this.bestWeights)) t.dispose();
    this.bestWeights = null;
  }
}

export interface ModelCheckpointOptions {
  /** Logged value for saveBestOnly (default 'val_loss'). */
  monitor?: string;
  mode?: 'min' | 'max' | 'auto';
  /** Only save when the monitored value improves (default false). */
  saveBestOnly?: boolean;
  /** true (default): io.save(path, model.stateDict()); false: io.saveCheckpoint with model, optimizer and epoch. */
  saveWeightsOnly?: boolean;
  /** Custom writer instead of nr.io: (path, stateDict) => void. */
  save?: (path: string, stateDict: Record<string, Tensor>) => void;
}

/** Fills '{epoch}', '{epoch:03d}', '{val_loss:.4f}' style placeholders from the epoch and logs. */
export function formatPath(template: string, epoch: number, logs: Logs): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g, (all, key: string, spec: string | undefined) => {
    const v = key === 'epoch' ? epoch : logs[normalizeKey(key)];
    if (v === undefined) return all;
    if (!spec) return String(v);
    const m = /^(0?)(\d*)(?:\.(\d+))?([dfe]?)$/.exec(spec);
    if (!m) return String(v);
    let s = m[4] === 'e' ? v.toExponential(Number(m[3] ?? 6)) : m[3] !== undefined || m[4] === 'f' ? v.toFixed(Number(m[3] ?? 6)) : String(Math.round(v));
    if (m[2]) s = s.padStart(Number(m[2]), m[1] ? '0' : ' ');
    return s;
  });
}

/** Saves the model (weights as safetensors, or a full checkpoint) after each epoch or on improvement. */
export class ModelCheckpoint extends Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  best = NaN;
  /** Paths written so far. */
  readonly saved: string[] = [];
  private readonly writer?: (path: string, sd: Record<string, Tensor>) => void;

  constructor(readonly filepath: string, o: ModelCheckpointOptions = {}) {
    super();
    if (typeof filepath !== 'string' || !filepath) throw new TypeError('ModelCheckpoint: filepath must be a non-empty string');
    this.monitor = normalizeKey(o.monitor ?? 'val_loss');
    this.mode = resolveMode(o.mode, this.monitor, 'ModelCheckpoint');
    this.saveBestOnly = o.saveBestOnly ?? false;
    this.saveWeightsOnly = o.saveWeightsOnly ?? true;
    this.writer = o.save;
    if (!this.writer) requireIo('ModelCheckpoint', this.saveWeightsOnly ? 'save' : 'saveCheckpoint');
  }

  override onTrainBegin(): void { this.best = NaN; }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (this.saveBestOnly) {
      const v = monitored(logs, this.monitor, 'ModelCheckpoint');
      if (v === undefined) return;
      if (!Number.isNaN(this.best) && !improves(this.mode, v, this.best)) return;
      this.best = v;
    }
    const file = formatPath(this.filepath, epoch, logs);
    const dir = path.dirname(file);
    if (dir && !fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
    const sd = this.model.stateDict();
    if (this.writer) this.writer(file, sd);
    else if (this.saveWeightsOnly) requireIo('ModelCheckpoint', 'save').save(file, sd);
    else {
      requireIo('ModelCheckpoint', 'saveCheckpoint').saveCheckpoint!(file, {
        model: sd, optimizer: this.context.optimizer?.stateDict(), epoch, extra: { logs },
      });
    }
    this.saved.push(file);
  }
}

/** A scheduler the callback can step: an epoch/iteration LRScheduler or ReduceLROnPlateau. */
export type AnyScheduler = LRScheduler | ReduceLROnPlateau;

export interface LRSchedulerCallbackOptions {
  /** Step after every 'epoch' (default) or every 'batch'. */
  interval?: 'epoch' | 'batch';
  /** The value fed to ReduceLROnPlateau (default 'val_loss', falling back to 'loss'). */
  monitor?: string;
}

/** Steps a learning-rate scheduler per epoch or per batch; ReduceLROnPlateau gets the monitored value. */
export class LRSchedulerCallback extends Callback {
  readonly interval: 'epoch' | 'batch';
  readonly monitor: string;
  constructor(readonly scheduler: AnyScheduler, o: LRSchedulerCallbackOptions = {}) {
    super();
    if (!(scheduler instanceof LRScheduler) && !(scheduler instanceof ReduceLROnPlateau)) {
      throw new TypeError('LRSchedulerCallback: expected an optim.lrScheduler scheduler');
    }
    this.interval = o.interval ?? 'epoch';
    if (this.interval !== 'epoch' && this.interval !== 'batch') throw new RangeError(`LRSchedulerCallback: interval must be 'epoch' or 'batch', got ${JSON.stringify(o.interval)}`);
    if (this.interval === 'batch' && scheduler instanceof ReduceLROnPlateau) throw new Error('LRSchedulerCallback: ReduceLROnPlateau steps per epoch (it needs the monitored value)');
    this.monitor = normalizeKey(o.monitor ?? 'val_loss');
  }
  override onBatchEnd(): void {
    if (this.interval === 'batch') (this.scheduler as LRScheduler).step();
  }
  override onEpochEnd(_epoch: number, logs: Logs): void {
    if (this.interval !== 'epoch') return;
    if (this.scheduler instanceof ReduceLROnPlateau) {
      const key = logs[this.monitor] !== undefined ? this.monitor : this.monitor === 'val_loss' ? 'loss' : this.monitor;
      const v = monitored(logs, key, 'LRSchedulerCallback');
      if (v !== undefined) this.scheduler.step(v);
    } else this.scheduler.step();
  }
}

export interface CSVLoggerOptions { separator?: string; append?: boolean; }

/** Writes one CSV row per epoch: epoch, then every logged value (header from the first epoch). */
export class CSVLogger extends Callback {
  private columns: string[] | null = null;
  readonly separator: string;
  readonly append: boolean;
  constructor(readonly filename: string, o: CSVLoggerOptions = {}) {
    super();
    this.separator = o.separator ?? ',';
    this.append = o.append ?? false;
  }
  override onTrainBegin(): void {
    this.columns = null;
    const dir = path.dirname(this.filename);
    if (dir && !fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
    if (this.append && fs.existsSync(this.filename) && fs.statSync(this.filename).size > 0) {
      const first = fs.readFileSync(this.filename, 'utf8').split('\n')[0];
      this.columns = first.split(this.separator).slice(1);
    } else fs.writeFileSync(this.filename, '');
  }
  override onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.columns) {
      this.columns = Object.keys(logs);
      fs.appendFileSync(this.filename, ['epoch', ...this.columns].join(this.separator) + '\n');
    }
    const row = [String(epoch), ...this.columns.map((k) => (logs[k] === undefined ? '' : String(logs[k])))];
    fs.appendFileSync(this.filename, row.join(this.separator) + '\n');
  }
}

/** Writes every logged value as a TensorBoard scalar per epoch ('epoch/loss', 'epoch/val_loss', ...) via io.SummaryWriter. */
export class TensorBoardCallback extends Callback {
  private writer: { addScalar(tag: string, v: number, step?: number): void; flush(): void; close(): void } | null = null;
  constructor(readonly logDir: string, readonly o: { batchLoss?: boolean } = {}) {
    super();
    requireIo('TensorBoardCallback', 'SummaryWriter');
  }
  private globalStep = 0;
  override onTrainBegin(): void {
    const Writer = requireIo('TensorBoardCallback', 'SummaryWriter').SummaryWriter!;
    this.writer = new Writer(this.logDir);
    this.globalStep = 0;
  }
  override onBatchEnd(_batch: number, logs: Logs): void {
    this.globalStep++;
    if (this.o.batchLoss && this.writer && logs.loss !== undefined) this.writer.addScalar('batch/loss', logs.loss, this.globalStep);
  }
  override onEpochEnd(epoch: number, logs: Logs): void {
    for (const [k, v] of Object.entries(logs)) this.writer?.addScalar(`epoch/${k}`, v, epoch);
    this.writer?.flush();
  }
  override onTrainEnd(): void { this.writer?.close(); this.writer = null; }
}
