// Normalisation layers over the fused native kernels: LayerNorm, RMSNorm, GroupNorm and
// BatchNorm1d/2d (running statistics with momentum or a cumulative average, num_batches_tracked,
// eval mode on running statistics). Parameter and buffer names match PyTorch's state-dict keys.
import { Tensor, fmtShape } from '../tensor';
import { DType } from '../dtype';
import { noGrad } from '../autograd';
import { zeros, ones, tensor } from '../creation';
import { Module } from './module';
import { Parameter } from './parameter';
import { layerNorm, rmsNorm, groupNorm, batchNorm } from '../ops/norm';
import { ones_, zeros_ } from './init';

function shapeArg(s: number | readonly number[], op: string): number[] {
  const ns = typeof s === 'number' ? [s] : Array.from(s ?? []);
  if (ns.length === 0 || ns.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new RangeError(`${op}: normalizedShape must be a positive integer or a non-empty array of them, got ${JSON.stringify(s)}`);
  }
  return ns;
}

function positiveInt(n: unknown, op: string, name: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new RangeError(`${op}: ${name} must be a positive integer, got ${JSON.stringify(n)}`);
  return n;
}

export interface LayerNormOptions { eps?: number; elementwiseAffine?: boolean; bias?: boolean; dtype?: DType; }

/** Normalises over the trailing normalizedShape dims; weight (ones) and bias (zeros) of that shape. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null = null;
  bias: Parameter | null = null;

  constructor(normalizedShape: number | readonly number[], o: LayerNormOptions = {}) {
    super();
    this.normalizedShape = shapeArg(normalizedShape, 'LayerNorm');
    this.eps = o.eps ?? 1e-5;
    this.elementwiseAffine = o.elementwiseAffine ?? true;
    if (this.elementwiseAffine) {
      this.weight = new Parameter(ones(this.normalizedShape, { dtype: o.dtype }));
      if (o.bias ?? true) this.bias = new Parameter(zeros(this.normalizedShape, { dtype: o.dtype }));
    }
  }
  /** Weight to ones, bias to zeros. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }
  forward(x: Tensor): Tensor { return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps }); }
  override extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

export interface RMSNormOptions { eps?: number | null; elementwiseAffine?: boolean; dtype?: DType; }

/**
 * x / sqrt(mean(x^2) + eps) * weight over the trailing normalizedShape dims (eps null: the machine
 * epsilon of the input's dtype, as PyTorch).
 */
export class RMSNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number | null;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null = null;

  constructor(normalizedShape: number | readonly number[], o: RMSNormOptions = {}) {
    super();
    this.normalizedShape = shapeArg(normalizedShape, 'RMSNorm');
    this.eps = o.eps ?? null;
    this.elementwiseAffine = o.elementwiseAffine ?? true;
    if (this.elementwiseAffine) this.weight = new Parameter(ones(this.normalizedShape, { dtype: o.dtype }));
  }
  resetParameters(): void { if (this.weight) ones_(this.weight); }
  forward(x: Tensor): Tensor { return rmsNorm(x, this.normalizedShape, { weight: this.weight, eps: this.eps }); }
  override extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

export interface GroupNormOptions { eps?: number; affine?: boolean; dtype?: DType; }

/** Splits C channels into numGroups groups normalised separately, then a per-channel affine. */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null = null;
  bias: Parameter | null = null;

  constructor(numGroups: number, numChannels: number, o: GroupNormOptions = {}) {
    super();
    this.numGroups = positiveInt(numGroups, 'GroupNorm', 'numGroups');
    this.numChannels = positiveInt(numChannels, 'GroupNorm', 'numChannels');
    if (numChannels % numGroups !== 0) throw new RangeError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.eps = o.eps ?? 1e-5;
    this.affine = o.affine ?? true;
    if (this.affine) {
      this.weight = new Parameter(ones([numChannels], { dtype: o.dtype }));
      this.bias = new Parameter(zeros([numChannels], { dtype: o.dtype }));
    }
  }
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }
  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new RangeError(`GroupNorm: expected input of shape (N, ${this.numChannels}, *), got ${fmtShape(x.shape)}`);
    }
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
  override extraRepr(): string { return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`; }
}

export interface BatchNormOptions { eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean; dtype?: DType; }

/** Shared by BatchNorm1d and BatchNorm2d (PyTorch's _BatchNorm). */
export abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  /** Weight of the new statistic in the running average; null for a cumulative average. */
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null = null;
  bias: Parameter | null = null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super();
    const op = this.constructor.name;
    this.numFeatures = positiveInt(numFeatures, op, 'numFeatures');
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    if (this.affine) {
      this.weight = new Parameter(ones([numFeatures], { dtype: o.dtype }));
      this.bias = new Parameter(zeros([numFeatures], { dtype: o.dtype }));
    }
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], { dtype: o.dtype }));
      this.registerBuffer('running_var', ones([numFeatures], { dtype: o.dtype }));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: 'int64' }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
  }

  /** The running mean buffer (null without trackRunningStats). */
  get runningMean(): Tensor | null { return this.running_mean; }
  /** The running (unbiased) variance buffer (null without trackRunningStats). */
  get runningVar(): Tensor | null { return this.running_var; }
  /** Number of training batches seen (int64 scalar; null without trackRunningStats). */
  get numBatchesTracked(): Tensor | null { return this.num_batches_tracked; }

  /** Running mean to 0, running variance to 1, batch count to 0. */
  resetRunningStats(): void {
    noGrad(() => {
      this.running_mean?.fill_(0);
      this.running_var?.fill_(1);
      this.num_batches_tracked?.fill_(0);
    });
  }
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  protected abstract checkInputDim(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInputDim(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${this.constructor.name}: expected ${this.numFeatures} channels (dim 1), got input of shape ${fmtShape(x.shape)}`);
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      factor = this.momentum === null ? 1 / Number(this.num_batches_tracked.item()) : this.momentum;
    }
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.running_mean : null, track ? this.running_var : null, {
      weight: this.weight, bias: this.bias, training: useBatchStats, momentum: factor, eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch norm over (N, C) or (N, C, L) inputs. */
export class BatchNorm1d extends BatchNormBase {
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`BatchNorm1d: expected 2D or 3D input (got ${x.ndim}D input of shape ${fmtShape(x.shape)})`);
  }
}

/** Batch norm over (N, C, H, W) inputs. */
export class BatchNorm2d extends BatchNormBase {
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4D input (got ${x.ndim}D input of shape ${fmtShape(x.shape)})`);
  }
}
