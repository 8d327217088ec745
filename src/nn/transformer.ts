// Transformer blocks with PyTorch's submodule names (self_attn, multihead_attn, linear1, dropout,
// linear2, norm1..3, dropout1..3) so state dicts move unchanged: TransformerEncoderLayer,
// TransformerDecoderLayer (post-norm, or pre-norm with normFirst), TransformerEncoder/Decoder
// (numLayers copies of a layer in `layers` plus an optional final `norm`), and the positional
// encodings SinusoidalPositionalEncoding (fixed sin/cos table buffer) and LearnedPositionalEmbedding.
import { Tensor, fmtShape, isTensor } from '../tensor';
import { DType } from '../dtype';
import { ones, zeros, arange, fromArray } from '../creation';
import { Module, isModule } from './module';
import { ModuleList } from './containers';
import { Linear, Dropout } from './layers';
import { LayerNorm } from './normalization';
import { Embedding } from './embedding';
import { MultiheadAttention } from './attention';
import * as F from './functional';

export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

export interface TransformerLayerOptions {
  /** Hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability everywhere in the layer (default 0.1). */
  dropout?: number;
  /** 'relu' (default), 'gelu', or a function of a tensor. */
  activation?: TransformerActivation;
  /** LayerNorm eps (default 1e-5). */
  layerNormEps?: number;
  /** Inputs are (N, L, E) instead of (L, N, E) (default false). */
  batchFirst?: boolean;
  /** Pre-norm (x + f(norm(x))) instead of post-norm (norm(x + f(x))) (default false). */
  normFirst?: boolean;
  /** Biases in the linear layers, attention and norms (default true). */
  bias?: boolean;
  dtype?: DType;
}

function actFn(a: TransformerActivation, op: string): (x: Tensor) => Tensor {
  if (a === 'relu') return F.relu;
  if (a === 'gelu') return (x) => F.gelu(x);
  if (typeof a === 'function') return a;
  throw new RangeError(`${op}: activation should be 'relu' or 'gelu' or a function, not ${JSON.stringify(a)}`);
}

function hidden(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: false, configurable: true });
}

/** The masks of one attention call. */
export interface EncoderLayerForwardOptions {
  /** (L, L) or (N*nhead, L, L) attention mask (bool true = not allowed, or additive float). */
  srcMask?: Tensor | null;
  /** (N, L): bool true = padding key, or additive float. */
  srcKeyPaddingMask?: Tensor | null;
  /** Apply a causal mask to self-attention. */
  isCausal?: boolean;
}

/** Self-attention then a feed-forward block, each with a residual connection and LayerNorm. */
export class TransformerEncoderLayer extends Module {
  declare readonly dModel: number;
  declare readonly nhead: number;
  declare readonly options: TransformerLayerOptions;
  declare readonly normFirst: boolean;
  declare activation: (x: Tensor) => Tensor;
  declare self_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;

  constructor(dModel: number, nhead: number, o: TransformerLayerOptions = {}) {
    super();
    const p = o.dropout ?? 0.1, ff = o.dimFeedforward ?? 2048, bias = o.bias ?? true, eps = o.layerNormEps ?? 1e-5;
    hidden(this, 'dModel', dModel); hidden(this, 'nhead', nhead); hidden(this, 'options', { ...o });
    hidden(this, 'normFirst', o.normFirst ?? false);
    hidden(this, 'activation', actFn(o.activation ?? 'relu', 'TransformerEncoderLayer'));
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: o.batchFirst, dtype: o.dtype });
    this.linear1 = new Linear(dModel, ff, { bias, dtype: o.dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { bias, dtype: o.dtype });
    this.norm1 = new LayerNorm(dModel, { eps, bias, dtype: o.dtype });
    this.norm2 = new LayerNorm(dModel, { eps, bias, dtype: o.dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
  }

  private sa(x: Tensor, mask: Tensor | null | undefined, kpm: Tensor | null | undefined, isCausal: boolean | undefined): Tensor {
    const [y] = this.self_attn.forward(x, x, x, { attnMask: mask, keyPaddingMask: kpm, isCausal, needWeights: false });
    return this.dropout1.forward(y);
  }
  private ffBlock(x: Tensor): Tensor {
    return this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.activation(this.linear1.forward(x)))));
  }

  /** src (L, N, E) ((N, L, E) with batchFirst, or unbatched (L, E)); returns the same shape. */
  forward(src: Tensor, o: EncoderLayerForwardOptions = {}): Tensor {
    let x = src;
    if (this.normFirst) {
      x = x.add(this.sa(this.norm1.forward(x), o.srcMask, o.srcKeyPaddingMask, o.isCausal));
      x = x.add(this.ffBlock(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(this.sa(x, o.srcMask, o.srcKeyPaddingMask, o.isCausal)));
      x = this.norm2.forward(x.add(this.ffBlock(x)));
    }
    return x;
  }

  /** A new layer with the same configuration and a copy of this one's parameters. */
  clone(): TransformerEncoderLayer { return copyState(this, new TransformerEncoderLayer(this.dModel, this.nhead, this.options)); }

  override extraRepr(): string { return this.normFirst ? 'normFirst=true' : ''; }
}

export interface DecoderLayerForwardOptions {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  /** Apply a causal mask to self-attention. */
  tgtIsCausal?: boolean;
  /** Apply a causal mask to cross-attention. */
  memoryIsCausal?: boolean;
}

/** Self-attention, cross-attention over memory, then feed-forward; each residual + LayerNorm. */
export class TransformerDecoderLayer extends Module {
  declare readonly dModel: number;
  declare readonly nhead: number;
  declare readonly options: TransformerLayerOptions;
  declare readonly normFirst: boolean;
  declare activation: (x: Tensor) => Tensor;
  declare self_attn: MultiheadAttention;
  declare multihead_attn: MultiheadAttention;
  declare linear1: Linear;
  declare dropout: Dropout;
  declare linear2: Linear;
  declare norm1: LayerNorm;
  declare norm2: LayerNorm;
  declare norm3: LayerNorm;
  declare dropout1: Dropout;
  declare dropout2: Dropout;
  declare dropout3: Dropout;

  constructor(dModel: number, nhead: number, o: TransformerLayerOptions = {}) {
    super();
    const p = o.dropout ?? 0.1, ff = o.dimFeedforward ?? 2048, bias = o.bias ?? true, eps = o.layerNormEps ?? 1e-5;
    hidden(this, 'dModel', dModel); hidden(this, 'nhead', nhead); hidden(this, 'options', { ...o });
    hidden(this, 'normFirst', o.normFirst ?? false);
    hidden(this, 'activation', actFn(o.activation ?? 'relu', 'TransformerDecoderLayer'));
    const mha = () => new MultiheadAttention(dModel, nhead, { dropout: p, bias, batchFirst: o.batchFirst, dtype: o.dtype });
    this.self_attn = mha();
    this.multihead_attn = mha();
    this.linear1 = new Linear(dModel, ff, { bias, dtype: o.dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { bias, dtype: o.dtype });
    this.norm1 = new LayerNorm(dModel, { eps, bias, dtype: o.dtype });
    this.norm2 = new LayerNorm(dModel, { eps, bias, dtype: o.dtype });
    this.norm3 = new LayerNorm(dModel, { eps, bias, dtype: o.dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
  }

  private sa(x: Tensor, o: DecoderLayerForwardOptions): Tensor {
    const [y] = this.self_attn.forward(x, x, x, { attnMask: o.tgtMask, keyPaddingMask: o.tgtKeyPaddingMask, isCausal: o.tgtIsCausal, needWeights: false });
    return this.dropout1.forward(y);
  }
  private mha(x: Tensor, mem: Tensor, o: DecoderLayerForwardOptions): Tensor {
    const [y] = this.multihead_attn.forward(x, mem, mem, { attnMask: o.memoryMask, keyPaddingMask: o.memoryKeyPaddingMask, isCausal: o.memoryIsCausal, needWeights: false });
    return this.dropout2.forward(y);
  }
  private ffBlock(x: Tensor): Tensor {
    return this.dropout3.forward(this.linear2.forward(this.dropout.forward(this.activation(this.linear1.forward(x)))));
  }

  /** tgt (T, N, E), memory (S, N, E) (batch first with batchFirst); returns tgt's shape. */
  forward(tgt: Tensor, memory: Tensor, o: DecoderLayerForwardOptions = {}): Tensor {
    let x = tgt;
    if (this.normFirst) {
      x = x.add(this.sa(this.norm1.forward(x), o));
      x = x.add(this.mha(this.norm2.forward(x), memory, o));
      x = x.add(this.ffBlock(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(x.add(this.sa(x, o)));
      x = this.norm2.forward(x.add(this.mha(x, memory, o)));
      x = this.norm3.forward(x.add(this.ffBlock(x)));
    }
    return x;
  }

  /** A new layer with the same configuration and a copy of this one's parameters. */
  clone(): TransformerDecoderLayer { return copyState(this, new TransformerDecoderLayer(this.dModel, this.nhead, this.options)); }

  override extraRepr(): string { return this.normFirst ? 'normFirst=true' : ''; }
}

function copyState<M extends Module>(src: Module, dst: M): M {
  dst.loadStateDict(src.stateDict());
  dst.train(src.training);
  return dst;
}

function checkLayers(layer: unknown, n: unknown, cls: Function, op: string): void {
  if (!isModule(layer) || !(layer instanceof cls)) throw new TypeError(`${op}: expected a ${cls.name}`);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new RangeError(`${op}: numLayers must be a positive integer, got ${JSON.stringify(n)}`);
}

/** numLayers copies of an encoder layer (parameters copied, as PyTorch's deepcopy) and an optional final norm. */
export class TransformerEncoder extends Module {
  layers: ModuleList;
  norm: Module | null;
  readonly numLayers: number;

  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, norm: Module | null = null) {
    super();
    checkLayers(encoderLayer, numLayers, TransformerEncoderLayer, 'TransformerEncoder');
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.clone()));
    this.norm = norm;
    this.numLayers = numLayers;
  }

  /** src as the layer's; mask / srcKeyPaddingMask / isCausal go to every layer. */
  forward(src: Tensor, o: { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null; isCausal?: boolean } = {}): Tensor {
    let x = src;
    for (const l of this.layers) x = (l as TransformerEncoderLayer).call(x, { srcMask: o.mask, srcKeyPaddingMask: o.srcKeyPaddingMask, isCausal: o.isCausal });
    return this.norm ? this.norm.call(x) : x;
  }
}

/** numLayers copies of a decoder layer and an optional final norm. */
export class TransformerDecoder extends Module {
  layers: ModuleList;
  norm: Module | null;
  readonly numLayers: number;

  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, norm: Module | null = null) {
    super();
    checkLayers(decoderLayer, numLayers, TransformerDecoderLayer, 'TransformerDecoder');
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.clone()));
    this.norm = norm;
    this.numLayers = numLayers;
  }

  /** tgt and memory as the layer's; the masks go to every layer. */
  forward(tgt: Tensor, memory: Tensor, o: DecoderLayerForwardOptions = {}): Tensor {
    let x = tgt;
    for (const l of this.layers) x = (l as TransformerDecoderLayer).call(x, memory, o);
    return this.norm ? this.norm.call(x) : x;
  }
}

/** A float (sz, sz) mask with -inf above the diagonal and 0 elsewhere (PyTorch's generate_square_subsequent_mask). */
export function generateSquareSubsequentMask(sz: number, o: { dtype?: DType } = {}): Tensor {
  if (!Number.isInteger(sz) || sz < 0) throw new RangeError(`generateSquareSubsequentMask: sz must be a non-negative integer, got ${sz}`);
  const blocked = ones([sz, sz], { dtype: 'bool' }).triu(1);
  return zeros([sz, sz], { dtype: o.dtype ?? 'float32' }).maskedFill(blocked, -Infinity);
}

// ---- positional encodings ------------------------------------------------------------------------

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
    let pe = super.forward(arange(offset, offset + L, 1, { dtype: 'int64' }));   // (L, E)
    if (x.ndim === 3 && d === 0) pe = pe.unsqueeze(1);
    return x.add(pe);
  }
}
