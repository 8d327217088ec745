// Positional encodings for sequence models: SinusoidalPositionalEncoding (the fixed sin/cos table of
// "Attention Is All You Need" as the buffer `pe`, added to the input, then dropout) and
// LearnedPositionalEmbedding (an Embedding of positions whose rows are added to the input).
import { Tensor, fmtShape, isTensor } from '../tensor';
import { DType } from '../dtype';
import { arange, fromArray } from '../creation';
import { Module } from './module';
import { Dropout } from './layers';
import { Embedding } from './embedding';

function seqDim(x: Tensor, batchFirst: boolean, dModel: number, op: string): number {
  if (!isTensor(x)) throw new TypeError(`${op}: input must be a tensor`);
  if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[x.ndim - 1] !== dModel) {
    throw new RangeError(`${op}: expected input (L, N, ${dModel}) ((N, L, ${dModel}) with batchFirst) or (L, ${dModel}), got ${fmtShape(x.shape)}`);
  }
  return x.ndim === 3 && batchFirst ? 1 : 0;
}

export interface PositionalEncodingOptions {
  /** Longest sequence supported (default 5000). */
  maxLen?: number;
  /** Dropout after adding the encoding (default 0.1). */
  dropout?: number;
  /** Input is (N, L, E) instead of (L, N, E) (default false). */
  batchFirst?: boolean;
  dtype?: DType;
}

/**
 * x + PE[:L] then dropout, with the fixed table of "Attention Is All You Need":
 * PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)), stored as the
 * buffer `pe` (maxLen, dModel).
 */
export class SinusoidalPositionalEncoding extends Module {
  readonly dModel: number;
  readonly maxLen: number;
  readonly batchFirst: boolean;
  dropout: Dropout;
  declare pe: Tensor;

  constructor(dModel: number, o: PositionalEncodingOptions = {}) {
    super();
    const maxLen = o.maxLen ?? 5000;
    for (const [k, v] of [['dModel', dModel], ['maxLen', maxLen]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`SinusoidalPositionalEncoding: ${k} must be a positive integer, got ${v}`);
    }
    this.dModel = dModel;
    this.maxLen = maxLen;
    this.batchFirst = o.batchFirst ?? false;
    this.dropout = new Dropout(o.dropout ?? 0.1);
    const pe = new Float64Array(maxLen * dModel);
    for (let pos = 0; pos < maxLen; pos++) {
      for (let i = 0; i < dModel; i += 2) {
        const angle = pos * Math.exp(i * (-Math.log(10000) / dModel));
        pe[pos * dModel + i] = Math.sin(angle);
        if (i + 1 < dModel) pe[pos * dModel + i + 1] = Math.cos(angle);
      }
    }
    this.registerBuffer('pe', fromArray(pe, [maxLen, dModel], { dtype: 'float64' }).to(o.dtype ?? 'float32'));
  }

  /** x (L, N, E), (N, L, E) with batchFirst, or (L, E); returns dropout(x + pe[:L]). */
  forward(x: Tensor): Tensor {
    const op = 'SinusoidalPositionalEncoding';
    const d = seqDim(x, this.batchFirst, this.dModel, op);
    const L = x.shape[d];
    if (L > this.maxLen) throw new RangeError(`${op}: sequence length ${L} exceeds maxLen ${this.maxLen}`);
    let pe = this.pe.narrow(0, 0, L);
    if (x.ndim === 3 && d === 0) pe = pe.unsqueeze(1);   // (L, 1, E) against (L, N, E)
    return this.dropout.forward(x.add(pe.to(x.dtype)));
  }
  override extraRepr(): string { return `dModel=${this.dModel}, maxLen=${this.maxLen}`; }
}

/**
 * Learned absolute positions: an Embedding (maxLen, dModel) whose row p is added to the input at
 * position p + offset. The state dict holds just `weight`, like nn.Embedding.
 */
export class LearnedPositionalEmbedding extends Embedding {
  readonly batchFirst: boolean;
  constructor(maxLen: number, dModel: number, o: { batchFirst?: boolean; dtype?: DType } = {}) {
    super(maxLen, dModel, { dtype: o.dtype });
    this.batchFirst = o.batchFirst ?? false;
  }

  /** x (L, N, E), (N, L, E) with batchFirst, or (L, E); returns x + weight[offset : offset + L]. */
  override forward(x: Tensor, offset = 0): Tensor {
    const op = 'LearnedPositionalEmbedding';
    const d = seqDim(x, this.batchFirst, this.embeddingDim, op);
    const L = x.shape[d];
    if (!Number.isInteger(offset) || offset < 0 || offset + L > this.numEmbeddings) {
      throw new RangeError(`${op}: positions ${offset}..${offset + L - 1} exceed the ${this.numEmbeddings} learned positions`);
    }
    let pe = super.forward(arange(offset, offset + L, 1, { dtype: 'int64', device: this.weight.device }));   // (L, E)
    if (x.ndim === 3 && d === 0) pe = pe.unsqueeze(1);
    return x.add(pe);
  }
}
