// Learning-rate schedulers (torch.optim.lr_scheduler), with PyTorch's stepping semantics: the
// constructor takes the initial step, step() uses the chainable form, step(epoch) the closed form.
// This file holds the per-epoch decay schedules; lr_scheduler_cycles.ts the composite/cyclic ones.
import { Optimizer } from './optimizer';
import { LRScheduler, SchedulerOptions, SchedulerStateDict } from './scheduler_base';

export { LRScheduler } from './scheduler_base';
export type { SchedulerOptions, SchedulerStateDict } from './scheduler_base';
export { SequentialLR, ChainedScheduler, OneCycleLR, ReduceLROnPlateau, CosineAnnealingWarmRestarts } from './lr_scheduler_cycles';
export type { OneCycleLROptions, ReduceLROnPlateauOptions, Phase } from './lr_scheduler_cycles';

function num(op: string, name: string, v: unknown, min = -Infinity, strict = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${op}: ${name} must be a finite number, got ${String(v)}`);
  if (strict ? v <= min : v < min) throw new RangeError(`${op}: ${name} must be ${strict ? '>' : '>='} ${min}, got ${v}`);
  return v;
}
function posInt(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`${op}: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

const lrsOf = (opt: Optimizer<any>) => opt.paramGroups.map((g) => g.lr as number);

/** lr = initialLr * lrLambda(epoch); one function for all groups or one per group. */
export class LambdaLR extends LRScheduler {
  lrLambdas: ((epoch: number) => number)[];
  constructor(optimizer: Optimizer<any>, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], o: SchedulerOptions = {}) {
    super(optimizer, o);
    this.lrLambdas = lambdas('LambdaLR', optimizer, lrLambda);
    this.initialStep();
  }
  protected override getLr(): number[] { return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch)); }
}

function lambdas(op: string, opt: Optimizer<any>, f: unknown): ((e: number) => number)[] {
  const n = opt.paramGroups.length;
  if (Array.isArray(f)) {
    if (f.length !== n) throw new RangeError(`${op}: expected ${n} lrLambdas, but got ${f.length}`);
    f.forEach((x, i) => { if (typeof x !== 'function') throw new TypeError(`${op}: lrLambda ${i} is not a function`); });
    return f.slice();
  }
  if (typeof f !== 'function') throw new TypeError(`${op}: lrLambda must be a function or an array of functions`);
  return new Array(n).fill(f);
}

/** lr is multiplied by lrLambda(epoch) at every step after the first. */
export class MultiplicativeLR extends LRScheduler {
  lrLambdas: ((epoch: number) => number)[];
  constructor(optimizer: Optimizer<any>, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], o: SchedulerOptions = {}) {
    super(optimizer, o);
    this.lrLambdas = lambdas('MultiplicativeLR', optimizer, lrLambda);
    this.initialStep();
  }
  protected override getLr(): number[] {
    const lrs = lrsOf(this.optimizer);
    return this.lastEpoch > 0 ? lrs.map((lr, i) => lr * this.lrLambdas[i](this.lastEpoch)) : lrs;
  }
}

/** Decays lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: Optimizer<any>, o: SchedulerOptions & { stepSize: number; gamma?: number }) {
    super(optimizer, o);
    this.stepSize = posInt('StepLR', 'stepSize', o?.stepSize);
    this.gamma = num('StepLR', 'gamma', o.gamma ?? 0.1);
    this.initialStep();
  }
  protected override getLr(): number[] {
    const lrs = lrsOf(this.optimizer);
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Decays lr by gamma at each milestone epoch (a milestone listed twice decays twice). */
export class MultiStepLR extends LRScheduler {
  milestones: number[];
  gamma: number;
  constructor(optimizer: Optimizer<any>, o: SchedulerOptions & { milestones: number[]; gamma?: number }) {
    super(optimizer, o);
    if (!Array.isArray(o?.milestones) || o.milestones.some((m) => !Number.isInteger(m))) throw new TypeError('MultiStepLR: milestones must be an array of integers');
    this.milestones = o.milestones.slice().sort((a, b) => a - b);
    this.gamma = num('MultiStepLR', 'gamma', o.gamma ?? 0.1);
    this.initialStep();
  }
  protected override getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    const lrs = lrsOf(this.optimizer);
    return count === 0 ? lrs : lrs.map((lr) => lr * this.gamma ** count);
  }
  protected override closedFormLr(): number[] {
    const k = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** k);
  }
}

/** Multiplies lr by factor until totalIters, then restores it. */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  constructor(optimizer: Optimizer<any>, o: SchedulerOptions & { factor?: number; totalIters?: number } = {}) {
    super(optimizer, o);
    this.factor = num('ConstantLR', 'factor', o.factor ?? 1 / 3, 0);
    if (this.factor > 1) throw new RangeError('ConstantLR: constant multiplicative factor expected to be between 0 and 1');
    this.totalIters = num('ConstantLR', 'totalIters', o.totalIters ?? 5, 0);
    this.initialStep();
  }
  protected override getLr(): number[] {
    const lrs = lrsOf(this.optimizer);
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return lrs;
    return lrs.map((lr) => lr * (1 / this.factor));
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

/** Linear warmup (or decay): the factor goes from startFactor to endFactor over totalIters steps. */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: Optimizer<any>, o: SchedulerOptions & { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer, o);
    this.startFactor = num('LinearLR', 'startFactor', o.startFactor ?? 1 / 3, 0, true);
    this.endFactor = num('LinearLR', 'endFactor', o.endFactor ?? 1, 0);
    if (this.startFactor > 1) throw new RangeError('LinearLR: starting multiplicative factor expected to be greater than 0 and less or equal to 1');
    if (this.endFactor > 1) throw new RangeError('LinearLR: ending multiplicative factor expected to be between 0 and 1');
    this.totalIters = posInt('LinearLR', 'totalIters', o.totalIters ?? 5);
    this.initialStep();
  }
  protected override getLr(): number[] {
    const lrs = lrsOf(this.optimizer);
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return lrs;
    const d = this.endFactor - this.startFactor;
    return lrs.map((lr) => lr * (1 + d / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * d)));
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.startFactor + (this.endFactor - this.startFactor) * Math.min(this.totalIters, this.lastEpoch) / this.totalIters));
  }
}

/** Decays lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: Optimizer<any>, o: SchedulerOptions & { gamma: number }) {
    super(optimizer, o);
    this.gamma = num('ExponentialLR', 'gamma', o?.gamma);
    this.initialStep();
  }
  protected override getLr(): number[] {
    const lrs = lrsOf(this.optimizer);
    return this.lastEpoch === 0 ? lrs : lrs.map((lr) => lr * this.gamma);
  }
  protected override closedFormLr(): number[] { return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch); }
}

/** Polynomial decay to 0 over totalIters steps. */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;
  constructor(optimizer: Optimizer<any>, o: SchedulerOptions & { totalIters?: number; power?: number } = {}) {
    super(optimizer, o);
    this.totalIters = posInt('PolynomialLR', 'totalIters', o.totalIters ?? 5);
    this.power = num('PolynomialLR', 'power', o.power ?? 1);
    this.initialStep();
  }
  protected override getLr(): number[] {
    const lrs = lrsOf(this.optimizer);
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return lrs;
    const f = ((1 - this.lastEpoch / this.totalIters) / (1 - (this.lastEpoch - 1) / this.totalIters)) ** this.power;
    return lrs.map((lr) => lr * f);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }
}

/** Cosine annealing from the initial lr to etaMin over tMax steps (SGDR without restarts), chainable form. */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: Optimizer<any>, o: SchedulerOptions & { tMax: number; etaMin?: number }) {
    super(optimizer, o);
    this.tMax = num('CosineAnnealingLR', 'tMax', o?.tMax, 0, true);
    this.etaMin = num('CosineAnnealingLR', 'etaMin', o.etaMin ?? 0);
    this.initialStep();
  }
  protected override getLr(): number[] {
    const e = this.lastEpoch, T = this.tMax, eta = this.etaMin;
    const lrs = lrsOf(this.optimizer);
    if (e === 0) return lrs;
    if (this.stepCount === 1 && e > 0) return this.baseLrs.map((b) => eta + (b - eta) * (1 + Math.cos(e * Math.PI / T)) / 2);
    if (mod(e - 1 - T, 2 * T) === 0) return lrs.map((lr, i) => lr + (this.baseLrs[i] - eta) * (1 - Math.cos(Math.PI / T)) / 2);
    return lrs.map((lr) => (1 + Math.cos(Math.PI * e / T)) / (1 + Math.cos(Math.PI * (e - 1) / T)) * (lr - eta) + eta);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * (1 + Math.cos(Math.PI * this.lastEpoch / this.tMax)) / 2);
  }
}

/** Python's modulo (result has the sign of the divisor). */
export function mod(a: number, b: number): number { return ((a % b) + b) % b; }

export type { SchedulerStateDict as LRSchedulerStateDict };
