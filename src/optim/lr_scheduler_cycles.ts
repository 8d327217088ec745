// Composite and cyclic learning-rate schedulers (torch.optim.lr_scheduler): SequentialLR,
// ChainedScheduler, OneCycleLR, CosineAnnealingWarmRestarts, and the metric-driven ReduceLROnPlateau.
import { Optimizer } from './optimizer';
import { isTensor, Tensor } from '../tensor';
import { LRScheduler, SchedulerOptions, SchedulerStateDict, checkOptimizer, copyPlain } from './scheduler_base';

/** Index of the first element > x in a sorted array (Python's bisect_right). */
function bisectRight(a: number[], x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (x < a[mid]) hi = mid; else lo = mid + 1; }
  return lo;
}

function checkSchedulers(op: string, s: unknown, opt?: Optimizer<any>): LRScheduler[] {
  if (!Array.isArray(s) || s.length === 0) throw new TypeError(`${op}: schedulers must be a non-empty array of schedulers`);
  s.forEach((x, i) => {
    if (!(x instanceof LRScheduler)) throw new TypeError(`${op}: schedulers[${i}] is not an LRScheduler (ReduceLROnPlateau cannot be chained)`);
    if (x.optimizer !== (opt ?? s[0].optimizer)) throw new Error(`${op}: all schedulers must belong to the same optimizer, but schedulers[${i}] does not`);
  });
  return s.slice();
}

/** Runs schedulers one after another, switching at the milestone steps. */
export class SequentialLR extends LRScheduler {
  schedulers: LRScheduler[];
  milestones: number[];
  constructor(optimizer: Optimizer<any>, o: SchedulerOptions & { schedulers: LRScheduler[]; milestones: number[] }) {
    super(optimizer, o);
    const op = 'SequentialLR';
    this.schedulers = checkSchedulers(op, o?.schedulers, optimizer);
    if (!Array.isArray(o.milestones) || o.milestones.length !== this.schedulers.length - 1) {
      throw new RangeError(`${op}: expects number of schedulers provided to be one more than the number of milestone points, ` +
        `but got number of schedulers ${this.schedulers.length} and the number of milestones ${Array.isArray(o.milestones) ? o.milestones.length : 'none'}`);
    }
    this.milestones = o.milestones.slice();
    this.lastEpoch = (o.lastEpoch ?? -1) + 1;
    // Reset the lrs the sub-schedulers' constructors changed, undo their initial steps, and
    // take the initial step of the first one only (PyTorch's order).
    for (const g of optimizer.paramGroups) g.lr = g.initialLr;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
  }
  protected override getLr(): number[] { return this.schedulers[bisectRight(this.milestones, this.lastEpoch)].getLastLr(); }
  override step(): void {
    this.lastEpoch++;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }
  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }
  override loadStateDict(sd: SchedulerStateDict): void {
    const { schedulers, ...rest } = sd as any;
    super.loadStateDict(rest);
    if (Array.isArray(schedulers)) schedulers.forEach((s, i) => this.schedulers[i]?.loadStateDict(s));
  }
}

/** Steps several schedulers together, each multiplying the lr the previous one set. */
export class ChainedScheduler extends LRScheduler {
  schedulers: LRScheduler[];
  constructor(schedulers: LRScheduler[]) {
    const list = checkSchedulers('ChainedScheduler', schedulers);
    super(list[0].optimizer);
    this.schedulers = list;
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  protected override getLr(): number[] { return this.optimizer.paramGroups.map((g) => g.lr); }
  override step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }
  override loadStateDict(sd: SchedulerStateDict): void {
    const { schedulers, ...rest } = sd as any;
    super.loadStateDict(rest);
    if (Array.isArray(schedulers)) schedulers.forEach((s, i) => this.schedulers[i]?.loadStateDict(s));
  }
}

export interface OneCycleLROptions extends SchedulerOptions {
  /** Peak learning rate (one value, or one per group). */
  maxLr: number | number[];
  /** Total number of steps; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD momentum or Adam beta1) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to initialLr, annihilate to minLr) instead of two (fastai style). */
  threePhase?: boolean;
}

/** One phase of OneCycleLR: up to endStep, lr and momentum anneal between the param-group keys named (e.g. 'initialLr' to 'maxLr'). */
export interface Phase { endStep: number; startLr: string; endLr: string; startMomentum: string; endMomentum: string; }

/** The 1cycle policy (Smith & Topin): lr up from maxLr/divFactor to maxLr, then down to minLr. Step it after every batch. */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  phases: Phase[];
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1 = false;
  constructor(optimizer: Optimizer<any>, o: OneCycleLROptions) {
    const op = 'OneCycleLR';
    checkOptimizer(optimizer, op);
    if (!o || typeof o !== 'object') throw new TypeError(`${op}: options with maxLr and totalSteps (or epochs and stepsPerEpoch) are required`);
    const last = o.lastEpoch ?? -1;
    const maxLrs = formatParam(op, 'maxLr', optimizer, o.maxLr);
    if (last === -1) {
      const div = o.divFactor ?? 25, fin = o.finalDivFactor ?? 1e4;
      optimizer.paramGroups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / div;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / fin;
      });
    }
    super(optimizer, o);
    let total: number;
    if (o.totalSteps !== undefined) {
      if (!Number.isInteger(o.totalSteps) || o.totalSteps <= 0) throw new RangeError(`${op}: expected positive integer totalSteps, but got ${o.totalSteps}`);
      total = o.totalSteps;
    } else if (o.epochs !== undefined || o.stepsPerEpoch !== undefined) {
      if (!Number.isInteger(o.epochs) || o.epochs! <= 0) throw new RangeError(`${op}: expected positive integer epochs, but got ${o.epochs}`);
      if (!Number.isInteger(o.stepsPerEpoch) || o.stepsPerEpoch! <= 0) throw new RangeError(`${op}: expected positive integer stepsPerEpoch, but got ${o.stepsPerEpoch}`);
      total = o.epochs! * o.stepsPerEpoch!;
    } else {
      throw new RangeError(`${op}: you must define either totalSteps OR (epochs AND stepsPerEpoch)`);
    }
    this.totalSteps = total;
    const pct = o.pctStart ?? 0.3;
    if (typeof pct !== 'number' || !(pct >= 0 && pct <= 1)) throw new RangeError(`${op}: expected pctStart between 0 and 1, but got ${pct}`);
    this.phases = o.threePhase
      ? [
        { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: 2 * pct * total - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        { endStep: total - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
      ]
      : [
        { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: total - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
      ];
    const strat = o.annealStrategy ?? 'cos';
    if (strat !== 'cos' && strat !== 'linear') throw new RangeError(`${op}: annealStrategy must be one of 'cos' or 'linear', instead got ${String(strat)}`);
    this.annealStrategy = strat;
    this.cycleMomentum = o.cycleMomentum ?? true;
    if (this.cycleMomentum) {
      const d = optimizer.defaults as Record<string, unknown>;
      if (!('momentum' in d) && !('betas' in d)) throw new Error(`${op}: optimizer must support momentum (momentum or betas) with the cycleMomentum option enabled`);
      this.useBeta1 = 'betas' in d;
      const maxM = formatParam(op, 'maxMomentum', optimizer, o.maxMomentum ?? 0.95);
      const baseM = formatParam(op, 'baseMomentum', optimizer, o.baseMomentum ?? 0.85);
      if (last === -1) {
        optimizer.paramGroups.forEach((g, i) => {
          if (this.useBeta1) g.betas = [maxM[i], (g.betas as number[])[1]];
          else g.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected override getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) throw new RangeError(`OneCycleLR: tried to step ${step + 1} times; the specified number of total steps is ${this.totalSteps}`);
    return this.optimizer.paramGroups.map((g) => {
      let start = 0, lr = 0, mom = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (step <= ph.endStep || i === this.phases.length - 1) {
          const pct = (step - start) / (ph.endStep - start);
          lr = this.anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct);
          if (this.cycleMomentum) mom = this.anneal(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct);
          break;
        }
        start = ph.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [mom, (g.betas as number[])[1]];
        else g.momentum = mom;
      }
      return lr;
    });
  }
}

function formatParam(op: string, name: string, opt: Optimizer<any>, v: unknown): number[] {
  const n = opt.paramGroups.length;
  if (Array.isArray(v)) {
    if (v.length !== n) throw new RangeError(`${op}: expected ${n} values for ${name}, got ${v.length}`);
    return v.map((x) => { if (typeof x !== 'number' || !Number.isFinite(x)) throw new TypeError(`${op}: ${name} values must be numbers`); return x; });
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${op}: ${name} must be a number or an array of numbers, got ${String(v)}`);
  return new Array(n).fill(v);
}

/** Cosine annealing with warm restarts (SGDR): the period starts at t0 and grows by tMult after each restart. */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  t0: number;
  tI: number;
  tMult: number;
  etaMin: number;
  tCur: number;
  constructor(optimizer: Optimizer<any>, o: SchedulerOptions & { t0: number; tMult?: number; etaMin?: number }) {
    super(optimizer, o);
    const op = 'CosineAnnealingWarmRestarts';
    if (!Number.isInteger(o?.t0) || o.t0 <= 0) throw new RangeError(`${op}: expected positive integer t0, but got ${o?.t0}`);
    const tm = o.tMult ?? 1;
    if (!Number.isInteger(tm) || tm < 1) throw new RangeError(`${op}: expected integer tMult >= 1, but got ${tm}`);
    this.t0 = o.t0; this.tI = o.t0; this.tMult = tm;
    this.etaMin = o.etaMin ?? 0;
    this.tCur = this.lastEpoch;
    this.initialStep();
  }
  protected override getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * (1 + Math.cos(Math.PI * this.tCur / this.tI)) / 2);
  }
  override step(epoch?: number): void {
    this.stepCount++;
    let e = epoch;
    if (e === undefined && this.lastEpoch < 0) e = 0;
    if (e === undefined) {
      e = this.lastEpoch + 1;
      this.tCur += 1;
      if (this.tCur >= this.tI) { this.tCur -= this.tI; this.tI *= this.tMult; }
    } else {
      if (!(e >= 0)) throw new RangeError(`CosineAnnealingWarmRestarts: expected non-negative epoch, but got ${e}`);
      if (e >= this.t0) {
        if (this.tMult === 1) this.tCur = e % this.t0;
        else {
          const n = Math.floor(Math.log(e / this.t0 * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = e - this.t0 * (this.tMult ** n - 1) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = e;
      }
    }
    this.lastEpoch = Math.floor(e);
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => { g.lr = lrs[i]; });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min' (default): lower metric is better; 'max': higher is better. */
  mode?: 'min' | 'max';
  /** New lr = lr * factor (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): relative to best; 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr (one value or one per group; default 0). */
  minLr?: number | number[];
  /** Reductions smaller than eps are skipped (default 1e-8). */
  eps?: number;
}

/** Reduces the lr by `factor` when a metric stops improving for `patience` epochs. step(metric) once per epoch. */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer<any>;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  cooldownCounter = 0;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs = 0;
  lastEpoch = 0;
  protected lastLr: number[];

  constructor(optimizer: Optimizer<any>, o: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    this.optimizer = checkOptimizer(optimizer, op);
    this.factor = o.factor ?? 0.1;
    if (typeof this.factor !== 'number' || !(this.factor < 1)) throw new RangeError(`${op}: factor should be < 1.0, got ${this.factor}`);
    this.minLrs = Array.isArray(o.minLr) ? formatParam(op, 'minLr', optimizer, o.minLr) : formatParam(op, 'minLr', optimizer, o.minLr ?? 0);
    this.patience = o.patience ?? 10;
    this.cooldown = o.cooldown ?? 0;
    this.threshold = o.threshold ?? 1e-4;
    this.eps = o.eps ?? 1e-8;
    this.mode = o.mode ?? 'min';
    this.thresholdMode = o.thresholdMode ?? 'rel';
    for (const [k, v] of [['patience', this.patience], ['cooldown', this.cooldown]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: ${k} must be a non-negative integer, got ${v}`);
    }
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`${op}: mode ${String(this.mode)} is unknown (expected 'min' or 'max')`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw new RangeError(`${op}: threshold mode ${String(this.thresholdMode)} is unknown (expected 'rel' or 'abs')`);
    this.best = this.modeWorse();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private modeWorse(): number { return this.mode === 'min' ? Infinity : -Infinity; }

  /** Whether a is better than best by the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  get inCooldown(): boolean { return this.cooldownCounter > 0; }

  /** Records this epoch's metric (a number or a one-element tensor) and reduces the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = isTensor(metric) ? Number(metric.item()) : metric;
    if (typeof current !== 'number') throw new TypeError(`ReduceLROnPlateau.step: metric must be a number or a one-element tensor, got ${typeof metric}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const old = g.lr as number;
        const nw = Math.max(old * this.factor, this.minLrs[i]);
        if (old - nw > this.eps) g.lr = nw;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rate of each group after the last step. */
  getLastLr(): number[] { return this.lastLr.slice(); }

  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer') out[k] = copyPlain(v);
    return out;
  }

  loadStateDict(sd: SchedulerStateDict): void {
    if (!sd || typeof sd !== 'object') throw new TypeError('ReduceLROnPlateau.loadStateDict: expected an object');
    for (const [k, v] of Object.entries(sd)) {
      if (k === 'optimizer') continue;
      if (!(k in this)) throw new Error(`ReduceLROnPlateau.loadStateDict: unexpected key '${k}'`);
      (this as any)[k] = copyPlain(v);
    }
  }
}
