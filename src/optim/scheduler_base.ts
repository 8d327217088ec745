// Base class of the epoch/iteration learning-rate schedulers (torch.optim.lr_scheduler._LRScheduler):
// initial_lr bookkeeping, the initial step in the constructor, chainable get_lr vs closed form when an
// explicit epoch is given, getLastLr and stateDict/loadStateDict of the scheduler's own fields.
import { Optimizer } from './optimizer';

/** Common options: lastEpoch = -1 starts a new schedule; another value resumes (needs initialLr in the groups). */
export interface SchedulerOptions { lastEpoch?: number; }

/** Scheduler state for checkpoints: the scheduler's own fields (never the optimizer or user functions). */
export type SchedulerStateDict = Record<string, unknown>;

export function checkOptimizer(opt: unknown, op: string): Optimizer<any> {
  if (!(opt instanceof Optimizer)) throw new TypeError(`${op}: expected an optimizer, got ${opt === null ? 'null' : typeof opt}`);
  return opt;
}

/** Deep copy of plain data (arrays, plain objects, primitives). */
export function copyPlain<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copyPlain) as unknown as T;
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = copyPlain(x);
    return o as T;
  }
  return v;
}

/** Fields stateDict never saves (the optimizer, functions, nested schedulers are handled separately). */
const NOT_STATE = new Set(['optimizer', 'lrLambdas', 'schedulers', 'warnedOrder']);

/** Base class of the learning-rate schedulers: step() once per epoch (or per batch) to update the optimizer's lr. */
export abstract class LRScheduler {
  readonly optimizer: Optimizer<any>;
  /** The index of the last step taken (-1 before the initial step). */
  lastEpoch: number;
  /** Each group's initialLr when the schedule started. */
  baseLrs: number[];
  protected lastLr: number[] = [];
  protected stepCount = 0;
  private warnedOrder = false;

  constructor(optimizer: Optimizer<any>, o: SchedulerOptions = {}) {
    const op = new.target.name;
    this.optimizer = checkOptimizer(optimizer, op);
    const last = o.lastEpoch ?? -1;
    if (!Number.isInteger(last) || last < -1) throw new RangeError(`${op}: lastEpoch must be an integer >= -1, got ${last}`);
    if (last === -1) {
      for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`${op}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer (lastEpoch ${last})`);
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = last;
  }

  /** Performs the constructor's initial step (each subclass calls it once its fields are set). */
  initialStep(): void {
    this.optimizer.stepCount = 0;
    this.stepCount = 0;
    this.step();
  }

  /** The learning rates for the current lastEpoch, in the chainable form (from the groups' current lr). */
  protected abstract getLr(): number[];

  /** The learning rates as a function of lastEpoch alone; used when step() is given an explicit epoch. */
  protected closedFormLr?(): number[];

  /** The learning rate of each group as last set by this scheduler. */
  getLastLr(): number[] { return this.lastLr.slice(); }

  /**
   * Advances the schedule by one step (call it after optimizer.step()). Passing an epoch jumps to it
   * using the closed form where the scheduler has one (deprecated in PyTorch; SequentialLR uses it).
   */
  step(epoch?: number): void {
    if (this.stepCount === 1 && this.optimizer.stepCount < 1 && !this.warnedOrder) {
      this.warnedOrder = true;
      process.emitWarning(`${this.constructor.name}: lrScheduler.step() was called before optimizer.step(); ` +
        'call them in the order optimizer.step() then scheduler.step(), or the first learning rate of the schedule is skipped');
    }
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      if (!Number.isFinite(epoch)) throw new RangeError(`${this.constructor.name}.step: epoch must be a number, got ${epoch}`);
      this.lastEpoch = epoch;
      values = this.closedFormLr ? this.closedFormLr() : this.getLr();
    }
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = values[i]; });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The scheduler's state (its own fields; not the optimizer, not lambda functions). */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) if (!NOT_STATE.has(k) && typeof v !== 'function') out[k] = copyPlain(v);
    return out;
  }

  /** Restores fields saved by stateDict(); unknown keys are an error. */
  loadStateDict(sd: SchedulerStateDict): void {
    if (!sd || typeof sd !== 'object') throw new TypeError(`${this.constructor.name}.loadStateDict: expected an object`);
    for (const [k, v] of Object.entries(sd)) {
      if (NOT_STATE.has(k)) continue;
      if (!(k in this)) throw new Error(`${this.constructor.name}.loadStateDict: unexpected key '${k}'`);
      (this as any)[k] = copyPlain(v);
    }
  }
}
