// Basic layers: Identity, Flatten/Unflatten, Dropout, Linear and Bilinear. Linear's weight is
// (out, in) and both layers initialise as PyTorch (kaiming_uniform(a=√5) weight, bias U(±1/√fan_in)).
import { Tensor, fmtShape } from '../tensor';
import { DType } from '../dtype';
import { empty } from '../creation';
import { Module } from './module';
import { Parameter } from './parameter';
import * as F from './functional';
import { kaimingUniform_, uniform_ } from './init';

/** Returns its input unchanged (a placeholder layer). */
export class Identity extends Module {
  forward(x: Tensor): Tensor { return x; }
}

/** Flattens dims startDim..endDim (default 1..-1) into one. */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  forward(x: Tensor): Tensor { return x.flatten(this.startDim, this.endDim); }
  override extraRepr(): string { return `startDim=${this.startDim}, endDim=${this.endDim}`; }
}

/** Expands dim into the shape unflattenedSize (one entry may be -1). */
export class Unflatten extends Module {
  readonly unflattenedSize: number[];
  constructor(readonly dim: number, unflattenedSize: readonly number[]) {
    super();
    if (!Array.isArray(unflattenedSize) || unflattenedSize.length === 0) throw new TypeError(`Unflatten: unflattenedSize must be a non-empty array, got ${JSON.stringify(unflattenedSize)}`);
    this.unflattenedSize = unflattenedSize.slice();
  }
  forward(x: Tensor): Tensor { return x.unflatten(this.dim, this.unflattenedSize); }
  override extraRepr(): string { return `dim=${this.dim}, unflattenedSize=${fmtShape(this.unflattenedSize)}`; }
}

/**
 * Inverted dropout: in training mode zeroes elements with probability p and scales the others by
 * 1/(1-p); the identity in eval mode. Masks come from the global generator (nr.manualSeed).
 */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout: probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
  }
  forward(x: Tensor): Tensor { return F.dropout(x, { p: this.p, training: this.training }); }
  override extraRepr(): string { return `p=${this.p}`; }
}

function features(n: unknown, op: string, name: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new RangeError(`${op}: ${name} must be a non-negative integer, got ${JSON.stringify(n)}`);
  return n;
}

export interface LinearOptions { bias?: boolean; dtype?: DType; }

/** y = x W^T + b with W of shape (outFeatures, inFeatures); x is (*, inFeatures). */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null = null;

  constructor(inFeatures: number, outFeatures: number, o: LinearOptions = {}) {
    super();
    this.inFeatures = features(inFeatures, 'Linear', 'inFeatures');
    this.outFeatures = features(outFeatures, 'Linear', 'outFeatures');
    this.weight = new Parameter(empty([outFeatures, inFeatures], { dtype: o.dtype }));
    if (o.bias ?? true) this.bias = new Parameter(empty([outFeatures], { dtype: o.dtype }));
    this.resetParameters();
  }

  /** PyTorch's init: weight kaiming_uniform(a=√5) (= U(±1/√inFeatures)), bias U(±1/√inFeatures). */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const fanIn = this.inFeatures;
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new RangeError(`Linear: expected input of shape (*, ${this.inFeatures}), got ${fmtShape(x.shape)}`);
    }
    return F.linear(x, this.weight, this.bias);
  }
  override extraRepr(): string { return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`; }
}

/** y_k = x1^T W_k x2 + b_k with W of shape (out, in1, in2); x1 is (*, in1), x2 is (*, in2). */
export class Bilinear extends Module {
  weight: Parameter;
  bias: Parameter | null = null;

  constructor(readonly in1Features: number, readonly in2Features: number, readonly outFeatures: number, o: LinearOptions = {}) {
    super();
    for (const [n, v] of [['in1Features', in1Features], ['in2Features', in2Features], ['outFeatures', outFeatures]] as const) features(v, 'Bilinear', n);
    this.weight = new Parameter(empty([outFeatures, in1Features, in2Features], { dtype: o.dtype }));
    if (o.bias ?? true) this.bias = new Parameter(empty([outFeatures], { dtype: o.dtype }));
    this.resetParameters();
  }

  /** PyTorch's init: weight and bias U(±1/√in1Features). */
  resetParameters(): void {
    const bound = this.in1Features > 0 ? 1 / Math.sqrt(this.in1Features) : 0;
    uniform_(this.weight, -bound, bound);
    if (this.bias) uniform_(this.bias, -bound, bound);
  }

  forward(x1: Tensor, x2: Tensor): Tensor { return F.bilinear(x1, x2, this.weight, this.bias); }
  override extraRepr(): string {
    return `in1Features=${this.in1Features}, in2Features=${this.in2Features}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
