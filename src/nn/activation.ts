// Activation layers: thin Modules over the nn.functional activations, with PyTorch's names and
// constructor arguments (options objects where PyTorch uses keywords) and reprs.
import { Tensor } from '../tensor';
import { Module } from './module';
import * as F from './functional';

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor { return x.relu(); }
}

/** min(max(x, 0), 6). */
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor { return x.relu6(); }
}

/** x where x > 0, else negativeSlope * x. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  forward(x: Tensor): Tensor { return x.leakyRelu(this.negativeSlope); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

/** x where x > 0, else alpha (exp(x) - 1). */
export class ELU extends Module {
  constructor(readonly alpha = 1) { super(); }
  forward(x: Tensor): Tensor { return x.elu(this.alpha); }
  override extraRepr(): string { return `alpha=${this.alpha}`; }
}

/** 1 / (1 + exp(-x)). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return x.sigmoid(); }
}

/** tanh(x). */
export class Tanh extends Module {
  forward(x: Tensor): Tensor { return x.tanh(); }
}

function requireDim(dim: unknown, op: string): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new TypeError(`${op}: dim must be given as an integer (e.g. new nn.${op}(1)), got ${JSON.stringify(dim)}`);
  return dim;
}

/** softmax along dim. */
export class Softmax extends Module {
  readonly dim: number;
  constructor(dim: number) { super(); this.dim = requireDim(dim, 'Softmax'); }
  forward(x: Tensor): Tensor { return F.softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

/** log(softmax(x)) along dim. */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(dim: number) { super(); this.dim = requireDim(dim, 'LogSoftmax'); }
  forward(x: Tensor): Tensor { return F.logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

/** x Φ(x); { approximate: 'tanh' } for the tanh approximation. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(o: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    const a = o.approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(a)}`);
    this.approximate = a;
  }
  forward(x: Tensor): Tensor { return x.gelu({ approximate: this.approximate }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}

/** x sigmoid(x). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor { return x.silu(); }
}
/** Alias of SiLU. */
export const Swish = SiLU;

/** x tanh(softplus(x)). */
export class Mish extends Module {
  forward(x: Tensor): Tensor { return x.mish(); }
}

/** log(1 + exp(beta x)) / beta, linear where beta x > threshold. */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(o: { beta?: number; threshold?: number } = {}) {
    super();
    this.beta = o.beta ?? 1;
    this.threshold = o.threshold ?? 20;
  }
  forward(x: Tensor): Tensor { return x.softplus({ beta: this.beta, threshold: this.threshold }); }
  override extraRepr(): string { return `beta=${this.beta}, threshold=${this.threshold}`; }
}

/** clamp(x, minVal, maxVal). */
export class Hardtanh extends Module {
  constructor(readonly minVal = -1, readonly maxVal = 1) {
    super();
    if (!(minVal < maxVal)) throw new RangeError(`Hardtanh: minVal (${minVal}) must be less than maxVal (${maxVal})`);
  }
  forward(x: Tensor): Tensor { return x.hardtanh(this.minVal, this.maxVal); }
  override extraRepr(): string { return `minVal=${this.minVal}, maxVal=${this.maxVal}`; }
}

/** Heaviside step: 1 where x > 0, else 0 (no gradient); the classic perceptron activation. */
export class Step extends Module {
  forward(x: Tensor): Tensor { return F.step(x); }
}
