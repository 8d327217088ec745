// Loss modules: hold the options of the nn.functional losses (class weights are registered as
// buffers 'weight' / 'pos_weight', as PyTorch) and compute them in forward(input, target).
import { Tensor } from '../tensor';
import { Module } from './module';
import * as L from './losses';
import type { Reduction } from './losses';

function reductionOf(r: unknown, op: string, extra: string[] = []): any {
  const v = r ?? 'mean';
  if (typeof v !== 'string' || !['none', 'mean', 'sum', ...extra].includes(v)) {
    throw new RangeError(`${op}: reduction must be one of 'none', 'mean', 'sum'${extra.map((e) => `, '${e}'`).join('')}, got ${JSON.stringify(r)}`);
  }
  return v;
}

/** Base of the losses: a reduction ('mean' by default). */
abstract class Loss extends Module {
  readonly reduction: Reduction;
  constructor(o: { reduction?: Reduction } = {}) {
    super();
    this.reduction = reductionOf(o.reduction, this.constructor.name);
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
  override extraRepr(): string { return this.reduction === 'mean' ? '' : `reduction='${this.reduction}'`; }
}

/** Mean squared error. */
export class MSELoss extends Loss {
  forward(input: Tensor, target: Tensor): Tensor { return L.mseLoss(input, target, { reduction: this.reduction }); }
}

/** Mean absolute error. */
export class L1Loss extends Loss {
  forward(input: Tensor, target: Tensor): Tensor { return L.l1Loss(input, target, { reduction: this.reduction }); }
}

/** Smooth L1 (quadratic below beta, linear above). */
export class SmoothL1Loss extends Loss {
  readonly beta: number;
  constructor(o: { reduction?: Reduction; beta?: number } = {}) { super(o); this.beta = o.beta ?? 1; }
  forward(input: Tensor, target: Tensor): Tensor { return L.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta }); }
}

/** Huber loss (quadratic below delta, delta-scaled linear above). */
export class HuberLoss extends Loss {
  readonly delta: number;
  constructor(o: { reduction?: Reduction; delta?: number } = {}) { super(o); this.delta = o.delta ?? 1; }
  forward(input: Tensor, target: Tensor): Tensor { return L.huberLoss(input, target, { reduction: this.reduction, delta: this.delta }); }
}

/** Softmax cross-entropy over logits with class-index or class-probability targets. */
export class CrossEntropyLoss extends Loss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  declare weight: Tensor | null;
  constructor(o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {}) {
    super(o);
    this.registerBuffer('weight', o.weight ?? null);
    this.ignoreIndex = o.ignoreIndex ?? -100;
    this.labelSmoothing = o.labelSmoothing ?? 0;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** Negative log-likelihood over log-probabilities. */
export class NLLLoss extends Loss {
  readonly ignoreIndex: number;
  declare weight: Tensor | null;
  constructor(o: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {}) {
    super(o);
    this.registerBuffer('weight', o.weight ?? null);
    this.ignoreIndex = o.ignoreIndex ?? -100;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** Binary cross-entropy over probabilities. */
export class BCELoss extends Loss {
  declare weight: Tensor | null;
  constructor(o: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super(o);
    this.registerBuffer('weight', o.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor { return L.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction }); }
}

/** Binary cross-entropy over logits (sigmoid folded in, numerically stable). */
export class BCEWithLogitsLoss extends Loss {
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;
  constructor(o: { weight?: Tensor | null; reduction?: Reduction; posWeight?: Tensor | null } = {}) {
    super(o);
    this.registerBuffer('weight', o.weight ?? null);
    this.registerBuffer('pos_weight', o.posWeight ?? null);
  }
  /** The positive-class weight buffer (state-dict key 'pos_weight'). */
  get posWeight(): Tensor | null { return this.pos_weight; }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}

/** KL divergence with log-probability inputs; reduction may also be 'batchmean'. */
export class KLDivLoss extends Module {
  readonly reduction: Reduction | 'batchmean';
  readonly logTarget: boolean;
  constructor(o: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}) {
    super();
    this.reduction = reductionOf(o.reduction, 'KLDivLoss', ['batchmean']);
    this.logTarget = o.logTarget ?? false;
  }
  forward(input: Tensor, target: Tensor): Tensor { return L.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget }); }
  override extraRepr(): string { return `reduction='${this.reduction}', logTarget=${this.logTarget}`; }
}

/** Cosine embedding loss for pairs labelled 1 (similar) or -1 (dissimilar). */
export class CosineEmbeddingLoss extends Module {
  readonly reduction: Reduction;
  readonly margin: number;
  constructor(o: { margin?: number; reduction?: Reduction } = {}) {
    super();
    this.reduction = reductionOf(o.reduction, 'CosineEmbeddingLoss');
    this.margin = o.margin ?? 0;
  }
  forward(x1: Tensor, x2: Tensor, target: Tensor): Tensor {
    return L.cosineEmbeddingLoss(x1, x2, target, { margin: this.margin, reduction: this.reduction });
  }
  override extraRepr(): string { return `margin=${this.margin}`; }
}
