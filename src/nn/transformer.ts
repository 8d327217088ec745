// Transformer blocks with PyTorch's submodule names (self_attn, multihead_attn, linear1, dropout,
// linear2, norm1..3, dropout1..3) so state dicts move unchanged: TransformerEncoderLayer,
// TransformerDecoderLayer (post-norm, or pre-norm with normFirst), TransformerEncoder/Decoder
// (numLayers copies of a layer in `layers` plus an optional final `norm`) and Transformer (encoder +
// decoder). Positional encodings live in positional.ts.
import { Tensor, fmtShape, isTensor } from '../tensor';
import { DType } from '../dtype';
import type { Device } from '../storage';
import { ones, zeros } from '../creation';
import { Module, isModule } from './module';
import { ModuleList } from './containers';
import { Linear, Dropout } from './layers';
import { LayerNorm } from './normalization';
import { MultiheadAttention } from './attention';
import * as F from './functional';
import { xavierUniform_ } from './init';

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

  /** A new layer with the same configuration, dtype, mode and a copy of this one's parameters. */
  clone(): TransformerEncoderLayer { return copyState(this, new TransformerEncoderLayer(this.dModel, this.nhead, { ...this.options, dtype: this.linear1.weight.dtype })); }

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

  /** A new layer with the same configuration, dtype, mode and a copy of this one's parameters. */
  clone(): TransformerDecoderLayer { return copyState(this, new TransformerDecoderLayer(this.dModel, this.nhead, { ...this.options, dtype: this.linear1.weight.dtype })); }

  override extraRepr(): string { return this.normFirst ? 'normFirst=true' : ''; }
}

function copyState<M extends Module>(src: Module, dst: M): M {
  dst.loadStateDict(src.stateDict());
  dst.train(src.training);
  const flags = src.parameters().map((p) => p.requiresGrad);
  dst.parameters().forEach((p, i) => p.requiresGrad_(flags[i]));
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

export interface TransformerOptions extends TransformerLayerOptions {
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
  /** Use this module as the encoder instead of building one. */
  customEncoder?: Module | null;
  /** Use this module as the decoder instead of building one. */
  customDecoder?: Module | null;
}

/**
 * The encoder-decoder model of "Attention Is All You Need" (PyTorch's nn.Transformer): an `encoder`
 * (TransformerEncoder with a final LayerNorm) and a `decoder` (TransformerDecoder with a final
 * LayerNorm); every parameter with more than one dim is re-initialised with xavier_uniform.
 */
export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(dModel = 512, nhead = 8, o: TransformerOptions = {}) {
    super();
    const { numEncoderLayers = 6, numDecoderLayers = 6, customEncoder, customDecoder, ...layerOpts } = o;
    const eps = o.layerNormEps ?? 1e-5;
    const norm = () => new LayerNorm(dModel, { eps, bias: o.bias ?? true, dtype: o.dtype });
    this.encoder = customEncoder ?? new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layerOpts), numEncoderLayers, norm());
    this.decoder = customDecoder ?? new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layerOpts), numDecoderLayers, norm());
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = o.batchFirst ?? false;
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  /**
   * src (S, N, E) and tgt (T, N, E) ((N, S, E), (N, T, E) with batchFirst; or unbatched (S, E),
   * (T, E)); returns the decoder output shaped like tgt.
   */
  forward(src: Tensor, tgt: Tensor, o: {
    srcMask?: Tensor | null; tgtMask?: Tensor | null; memoryMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null;
    tgtKeyPaddingMask?: Tensor | null; memoryKeyPaddingMask?: Tensor | null; srcIsCausal?: boolean; tgtIsCausal?: boolean; memoryIsCausal?: boolean;
  } = {}): Tensor {
    const op = 'Transformer';
    if (!isTensor(src) || !isTensor(tgt)) throw new TypeError(`${op}: src and tgt must be tensors`);
    const bdim = this.batchFirst ? 0 : 1;
    if (src.ndim !== tgt.ndim || (src.ndim === 3 && src.shape[bdim] !== tgt.shape[bdim])) {
      throw new RangeError(`${op}: the batch number of src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must be equal`);
    }
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new RangeError(`${op}: the feature number of src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must be equal to dModel (${this.dModel})`);
    }
    const memory = this.encoder.call(src, { mask: o.srcMask, srcKeyPaddingMask: o.srcKeyPaddingMask, isCausal: o.srcIsCausal });
    return this.decoder.call(tgt, memory, {
      tgtMask: o.tgtMask, memoryMask: o.memoryMask, tgtKeyPaddingMask: o.tgtKeyPaddingMask,
      memoryKeyPaddingMask: o.memoryKeyPaddingMask, tgtIsCausal: o.tgtIsCausal, memoryIsCausal: o.memoryIsCausal,
    });
  }

  /** The float causal mask for a target of length sz (PyTorch's Transformer.generate_square_subsequent_mask). */
  static generateSquareSubsequentMask(sz: number, o: { dtype?: DType; device?: Device } = {}): Tensor { return generateSquareSubsequentMask(sz, o); }
}

/**
 * A float (sz, sz) mask with -inf above the diagonal and 0 elsewhere (PyTorch's
 * generate_square_subsequent_mask), on `device` (default cpu).
 */
export function generateSquareSubsequentMask(sz: number, o: { dtype?: DType; device?: Device } = {}): Tensor {
  if (!Number.isInteger(sz) || sz < 0) throw new RangeError(`generateSquareSubsequentMask: sz must be a non-negative integer, got ${sz}`);
  const blocked = ones([sz, sz], { dtype: 'bool', device: o.device }).triu(1);
  return zeros([sz, sz], { dtype: o.dtype ?? 'float32', device: o.device }).maskedFill(blocked, -Infinity);
}
