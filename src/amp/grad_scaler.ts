// Dynamic loss scaling for mixed-precision training (torch.cuda.amp.GradScaler): scale(loss) before
// backward, unscale_(opt) divides the gradients back and records whether any was NaN/Inf, step(opt)
// skips the update when one was, and update() shrinks the scale after an overflow or grows it after
// `growthInterval` clean steps. Works for any optimizer of nr.optim and any device the grads live on.
import { Tensor, isTensor } from '../tensor';
import { noGrad } from '../autograd';
import { hasNonFinite } from '../anomaly';
import type { Optimizer, Closure } from '../optim/optimizer';

/** Options of GradScaler (PyTorch's defaults). */
export interface GradScalerOptions {
  /** Initial scale factor (default 2**16). */
  initScale?: number;
  /** Factor the scale grows by after growthInterval steps without inf/NaN (default 2). */
  growthFactor?: number;
  /** Factor the scale shrinks by after a step with inf/NaN gradients (default 0.5). */
  backoffFactor?: number;
  /** Number of consecutive clean steps before the scale grows (default 2000). */
  growthInterval?: number;
  /** When false every method is a pass-through (scale 1, steps never skipped). Default true. */
  enabled?: boolean;
}

/** Serialisable state of a GradScaler (PyTorch's key names). */
export interface GradScalerState {
  scale: number; growth_factor: number; backoff_factor: number; growth_interval: number; _growth_tracker: number;
}

type Stage = 'ready' | 'unscaled' | 'stepped';

function positive(op: string, name: string, v: unknown, min: number, strict: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? v <= min : v < min)) {
    throw new RangeError(`${op}: ${name} must be a finite number ${strict ? '>' : '>='} ${min}, got ${String(v)}`);
  }
  return v;
}

/** Loss scaler that protects float16/bfloat16 gradients from underflow and skips overflowing steps. */
export class GradScaler {
  private scaleValue: number;
  private growthFactor: number;
  private backoffFactor: number;
  private growthInterval: number;
  private growthTracker = 0;
  private readonly enabled: boolean;
  /** Per optimizer, since the last update(): its stage and whether its grads held inf/NaN. */
  private perOpt = new Map<Optimizer<any>, { stage: Stage; foundInf: boolean }>();
  /** Number of optimizer steps skipped because of non-finite gradients (since construction). */
  skippedSteps = 0;

  constructor(o: GradScalerOptions = {}) {
    const op = 'GradScaler';
    this.enabled = o.enabled ?? true;
    if (typeof this.enabled !== 'boolean') throw new TypeError(`${op}: enabled must be a boolean`);
    this.scaleValue = positive(op, 'initScale', o.initScale ?? 65536, 0, true);
    this.growthFactor = positive(op, 'growthFactor', o.growthFactor ?? 2, 1, true);
    this.backoffFactor = positive(op, 'backoffFactor', o.backoffFactor ?? 0.5, 0, true);
    if (this.backoffFactor >= 1) throw new RangeError(`${op}: backoffFactor must be < 1, got ${this.backoffFactor}`);
    const gi = o.growthInterval ?? 2000;
    if (!Number.isInteger(gi) || gi < 1) throw new RangeError(`${op}: growthInterval must be a positive integer, got ${String(gi)}`);
    this.growthInterval = gi;
  }

  /** True unless constructed with enabled: false. */
  isEnabled(): boolean { return this.enabled; }
  /** The current scale factor (1 when disabled). */
  getScale(): number { return this.enabled ? this.scaleValue : 1; }
  getGrowthFactor(): number { return this.growthFactor; }
  getBackoffFactor(): number { return this.backoffFactor; }
  getGrowthInterval(): number { return this.growthInterval; }

  /** Multiplies a loss (or an array of losses) by the scale, keeping the autograd graph. */
  scale(outputs: Tensor): Tensor;
  scale(outputs: Tensor[]): Tensor[];
  scale(outputs: Tensor | Tensor[]): Tensor | Tensor[] {
    if (Array.isArray(outputs)) return outputs.map((t) => this.scale(t));
    if (!isTensor(outputs)) throw new TypeError(`GradScaler.scale: expected a tensor or an array of tensors, got ${typeof outputs}`);
    outputs._check('GradScaler.scale');
    if (!this.enabled) return outputs;
    return outputs.mul(this.scaleValue);
  }

  private entry(opt: Optimizer<any>) {
    let e = this.perOpt.get(opt);
    if (!e) { e = { stage: 'ready', foundInf: false }; this.perOpt.set(opt, e); }
    return e;
  }

  /**
   * Divides the gradients of every parameter of `optimizer` by the scale, in place, and records
   * whether any of them held NaN/Inf. Call it before clipping gradients; at most once per step.
   */
  unscale_(optimizer: Optimizer<any>): void {
    const op = 'GradScaler.unscale_';
    if (!optimizer || !Array.isArray((optimizer as any).paramGroups)) throw new TypeError(`${op}: expected an optimizer`);
    if (!this.enabled) return;
    const e = this.entry(optimizer);
    if (e.stage === 'unscaled') throw new Error(`${op}() has already been called on this optimizer since the last update()`);
    if (e.stage === 'stepped') throw new Error(`${op}() is being called after step()`);
    // 1/scale in double, then applied in the gradient's dtype, as PyTorch does.
    const inv = 1 / this.scaleValue;
    let found = false;
    noGrad(() => {
      for (const g of optimizer.paramGroups) {
        for (const p of g.params) {
          const grad = p.grad;
          if (!grad) continue;
          if (!found && hasNonFinite(grad)) found = true;
          grad.mul_(inv);
        }
      }
    });
    e.foundInf = found;
    e.stage = 'unscaled';
  }

  /**
   * Unscales the gradients (unless unscale_ was called) and runs optimizer.step(closure) only if
   * they are all finite. Returns what optimizer.step returned, or undefined for a skipped step.
   */
  step(optimizer: Optimizer<any>, closure?: Closure): Tensor | number | undefined {
    const op = 'GradScaler.step';
    if (!optimizer || typeof (optimizer as any).step !== 'function') throw new TypeError(`${op}: expected an optimizer`);
    if (!this.enabled) return optimizer.step(closure);
    const e = this.entry(optimizer);
    if (e.stage === 'stepped') throw new Error(`${op}() has already been called since the last update()`);
    if (e.stage === 'ready') this.unscale_(optimizer);
    e.stage = 'stepped';
    if (e.foundInf) { this.skippedSteps++; return undefined; }
    return optimizer.step(closure);
  }

  /** True when the last step() of `optimizer` was skipped for non-finite gradients (before update()). */
  foundInf(optimizer: Optimizer<any>): boolean { return this.perOpt.get(optimizer)?.foundInf ?? false; }

  /**
   * Adjusts the scale at the end of an iteration: backoff after any inf/NaN since the last update,
   * growth after growthInterval clean iterations; or sets it to `newScale` when given.
   */
  update(newScale?: number): void {
    if (!this.enabled) return;
    if (newScale !== undefined) {
      this.scaleValue = positive('GradScaler.update', 'newScale', newScale, 0, true);
    } else {
      if (this.perOpt.size === 0) throw new Error('GradScaler.update: no inf checks were recorded prior to update(); call step() or unscale_() first');
      let anyInf = false;
      for (const e of this.perOpt.values()) anyInf ||= e.foundInf;
      if (anyInf) {
        this.scaleValue *= this.backoffFactor;
        this.growthTracker = 0;
      } else if (++this.growthTracker === this.growthInterval) {
        const grown = this.scaleValue * this.growthFactor;
        if (Number.isFinite(grown) && grown <= 3.4028234663852886e38) this.scaleValue = grown;   // stays a finite float32
        this.growthTracker = 0;
      }
    }
    this.perOpt.clear();
  }

  /** The scaler's state in PyTorch's layout (for checkpoints). */
  stateDict(): GradScalerState {
    return { scale: this.getScale(), growth_factor: this.growthFactor, backoff_factor: this.backoffFactor,
      growth_interval: this.growthInterval, _growth_tracker: this.growthTracker };
  }

  /** Restores a state saved by stateDict(). */
  loadStateDict(s: GradScalerState): void {
    const op = 'GradScaler.loadStateDict';
    if (!s || typeof s !== 'object') throw new TypeError(`${op}: expected a state object`);
    const scale = positive(op, 'scale', s.scale, 0, true);
    const gf = positive(op, 'growth_factor', s.growth_factor, 1, true);
    const bf = positive(op, 'backoff_factor', s.backoff_factor, 0, true);
    const gi = s.growth_interval, gt = s._growth_tracker;
    if (!Number.isInteger(gi) || gi < 1) throw new RangeError(`${op}: growth_interval must be a positive integer, got ${String(gi)}`);
    if (!Number.isInteger(gt) || gt < 0) throw new RangeError(`${op}: _growth_tracker must be a non-negative integer, got ${String(gt)}`);
    if (bf >= 1) throw new RangeError(`${op}: backoff_factor must be < 1, got ${bf}`);
    this.scaleValue = scale; this.growthFactor = gf; this.backoffFactor = bf;
    this.growthInterval = gi; this.growthTracker = gt;
  }
}
