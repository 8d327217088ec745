// Embedding: a lookup table of numEmbeddings vectors of size embeddingDim (weight (num, dim), init
// N(0, 1) as PyTorch), with paddingIdx (that row starts at zero and gets no gradient) and maxNorm
// (looked-up rows with a larger norm are rescaled in place before the lookup).
import { Tensor, fmtShape, isTensor } from '../tensor';
import { DType, isFloat } from '../dtype';
import { noGrad } from '../autograd';
import { empty } from '../creation';
import { Module } from './module';
import { Parameter } from './parameter';
import { normal_ } from './init';
import { embedding as embeddingOp } from '../ops/embedding';

export interface EmbeddingOptions {
  /** Row that is zero-initialised and receives no gradient (negative counts from the end). */
  paddingIdx?: number | null;
  /** Rows looked up with a p-norm above maxNorm are rescaled in place to maxNorm. */
  maxNorm?: number | null;
  /** The p of maxNorm's norm (default 2). */
  normType?: number;
  dtype?: DType;
  /** Use this tensor as the weight instead of a fresh N(0, 1) one (PyTorch's _weight). */
  weight?: Tensor;
}

function normPad(paddingIdx: number | null | undefined, num: number, op: string): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num) {
    throw new RangeError(`${op}: paddingIdx must be within numEmbeddings (${num}), got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

/**
 * Rescales, in place, the rows of weight that `input` refers to whose normType-norm exceeds maxNorm
 * (torch.embedding_renorm_: scale = maxNorm / (norm + 1e-7)). No gradient is recorded.
 */
export function embeddingRenorm_(weight: Tensor, input: Tensor, maxNorm: number, normType = 2): Tensor {
  const op = 'embeddingRenorm_';
  if (!(maxNorm > 0)) throw new RangeError(`${op}: maxNorm must be > 0, got ${maxNorm}`);
  if (weight.ndim !== 2 || !isFloat(weight.dtype)) throw new TypeError(`${op}: weight must be a 2-D floating-point tensor, got ${weight.dtype} ${fmtShape(weight.shape)}`);
  const num = weight.shape[0];
  const ids = new Set<number>();
  for (const v of input.toFlatArray()) {
    if (!Number.isInteger(v) || v < -num || v >= num) throw new RangeError(`${op}: index ${v} is out of range for ${num} embeddings`);
    ids.add(v < 0 ? v + num : v);
  }
  noGrad(() => {
    for (const i of ids) {
      const row = weight.select(0, i);
      const n = row.norm(normType).item() as number;
      if (n > maxNorm) row.mul_(maxNorm / (n + 1e-7));
      row.dispose();
    }
  });
  return weight;
}

export interface EmbeddingFnOpts { paddingIdx?: number | null; maxNorm?: number | null; normType?: number; }

/**
 * torch.nn.functional.embedding: rows of weight (num, dim) picked by the integer ids in input, giving
 * (...input.shape, dim). paddingIdx's row gets no gradient; maxNorm renormalises the looked-up rows
 * of weight in place first.
 */
export function embedding(input: Tensor, weight: Tensor, o: EmbeddingFnOpts = {}): Tensor {
  if (!isTensor(weight)) throw new TypeError('embedding: weight must be a tensor');
  const pad = normPad(o.paddingIdx, weight.shape[0] ?? 0, 'embedding');
  if (o.maxNorm !== undefined && o.maxNorm !== null) embeddingRenorm_(weight, input, o.maxNorm, o.normType ?? 2);
  return embeddingOp(input, weight, { paddingIdx: pad });
}

/** A lookup table: forward(ids) gives the ids' rows of weight, shaped (...ids.shape, embeddingDim). */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, o: EmbeddingOptions = {}) {
    super();
    for (const [k, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`Embedding: ${k} must be a non-negative integer, got ${v}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = normPad(o.paddingIdx, numEmbeddings, 'Embedding');
    this.maxNorm = o.maxNorm ?? null;
    this.normType = o.normType ?? 2;
    if (o.weight) {
      if (o.weight.ndim !== 2 || o.weight.shape[0] !== numEmbeddings || o.weight.shape[1] !== embeddingDim) {
        throw new RangeError(`Embedding: weight of shape ${fmtShape(o.weight.shape)} does not match [${numEmbeddings}, ${embeddingDim}]`);
      }
      this.weight = new Parameter(o.weight);
    } else {
      this.weight = new Parameter(empty([numEmbeddings, embeddingDim], { dtype: o.dtype }));
      this.resetParameters();
    }
  }

  /** Creates an Embedding holding `embeddings` (num, dim); frozen (no gradient) unless freeze is false. */
  static fromPretrained(embeddings: Tensor, o: { freeze?: boolean; paddingIdx?: number | null; maxNorm?: number | null; normType?: number } = {}): Embedding {
    if (!isTensor(embeddings) || embeddings.ndim !== 2) throw new RangeError('Embedding.fromPretrained: embeddings must be a 2-D tensor');
    const e = new Embedding(embeddings.shape[0], embeddings.shape[1], { ...o, weight: embeddings });
    e.weight.requiresGrad = !(o.freeze ?? true);
    return e;
  }

  /** PyTorch's init: N(0, 1), with the padding row zeroed. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) noGrad(() => { const r = this.weight.select(0, this.paddingIdx!); r.fill_(0); r.dispose(); });
  }

  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, paddingIdx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, maxNorm=${this.maxNorm}`;
    return s;
  }
}
