// nn.MultiheadAttention with PyTorch's parameters (in_proj_weight/in_proj_bias, or
// q_proj_weight/k_proj_weight/v_proj_weight when kdim/vdim differ from embedDim, and an out_proj
// Linear) and masks (bool true = NOT allowed, or additive float). Without needWeights it runs the
// fused scaledDotProductAttention kernel with keyPaddingMask, attnMask and isCausal merged into one
// mask; with needWeights it computes softmax(q kᵀ/√d + mask) explicitly to return the weights.
import { Tensor, fmtShape, isTensor } from '../tensor';
import { DType, isFloat } from '../dtype';
import type { Device } from '../storage';
import { empty, ones } from '../creation';
import { Module } from './module';
import { Parameter } from './parameter';
import { Linear } from './layers';
import * as F from './functional';
import { scaledDotProductAttention } from '../ops/attention';
import { xavierUniform_, zeros_ } from './init';

export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Feature size of key (default embedDim). */
  kdim?: number;
  /** Feature size of value (default embedDim). */
  vdim?: number;
  /** Inputs and output are (N, L, E) instead of (L, N, E) (default false). */
  batchFirst?: boolean;
  dtype?: DType;
}

export interface MultiheadAttentionForwardOptions {
  /** (N, S) (or (S) unbatched): bool true = ignore that key, or an additive float mask. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true, as PyTorch). */
  needWeights?: boolean;
  /** (L, S) or (N*numHeads, L, S): bool true = not allowed, or an additive float mask. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true): (N, L, S), else (N, numHeads, L, S). */
  averageAttnWeights?: boolean;
  /** Apply a causal mask (key j > query i not allowed), merged with attnMask if one is given. */
  isCausal?: boolean;
}

function checkMaskDtype(m: Tensor, dtype: DType, op: string, name: string): void {
  if (!isTensor(m)) throw new TypeError(`${op}: ${name} must be a tensor`);
  m._check(op);
  if (m.dtype !== 'bool' && m.dtype !== dtype) throw new TypeError(`${op}: ${name} must be bool or ${dtype} (the query dtype), got ${m.dtype}`);
}

/** Multi-head attention: out_proj(concat_h softmax(q_h k_hᵀ / √d + mask) v_h). */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare out_proj: Linear;

  constructor(embedDim: number, numHeads: number, o: MultiheadAttentionOptions = {}) {
    super();
    const op = 'MultiheadAttention';
    for (const [k, v] of [['embedDim', embedDim], ['numHeads', numHeads]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${op}: ${k} must be a positive integer, got ${v}`);
    }
    if (embedDim % numHeads !== 0) throw new RangeError(`${op}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.embedDim = embedDim;
    this.kdim = o.kdim ?? embedDim;
    this.vdim = o.vdim ?? embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    const p = o.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new RangeError(`${op}: dropout must be in [0, 1), got ${p}`);
    this.dropout = p;
    this.batchFirst = o.batchFirst ?? false;
    if ((o as any).addBiasKv || (o as any).addZeroAttn) throw new Error(`${op}: addBiasKv and addZeroAttn are not implemented`);
    const dt = { dtype: o.dtype };
    // Registration order = PyTorch's state-dict order.
    if (this.kdim === embedDim && this.vdim === embedDim) {
      this.in_proj_weight = new Parameter(empty([3 * embedDim, embedDim], dt));
      this.q_proj_weight = this.k_proj_weight = this.v_proj_weight = null;
    } else {
      this.q_proj_weight = new Parameter(empty([embedDim, embedDim], dt));
      this.k_proj_weight = new Parameter(empty([embedDim, this.kdim], dt));
      this.v_proj_weight = new Parameter(empty([embedDim, this.vdim], dt));
      this.in_proj_weight = null;
    }
    this.in_proj_bias = (o.bias ?? true) ? new Parameter(empty([3 * embedDim], dt)) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias: o.bias ?? true, dtype: o.dtype });
    this.resetParameters();
  }

  /** True when q, k and v share one packed in_proj_weight. */
  get qkvSameEmbedDim(): boolean { return this.in_proj_weight !== null; }

  /** PyTorch's init: xavier_uniform on the input projections, zero biases (out_proj.weight as Linear). */
  resetParameters(): void {
    if (this.in_proj_weight) xavierUniform_(this.in_proj_weight);
    else for (const w of [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) xavierUniform_(w!);
    if (this.in_proj_bias) zeros_(this.in_proj_bias);
    if (this.out_proj.bias) zeros_(this.out_proj.bias);
  }

  /** The (weight, bias) of the q (0), k (1) or v (2) projection. */
  private proj(i: number): [Tensor, Tensor | null] {
    const E = this.embedDim;
    const w = this.in_proj_weight ? this.in_proj_weight.narrow(0, i * E, E) : [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight][i]!;
    return [w, this.in_proj_bias ? this.in_proj_bias.narrow(0, i * E, E) : null];
  }

  /**
   * query (L, N, E), key (S, N, kdim), value (S, N, vdim) ((N, L, E) ... with batchFirst, or
   * unbatched (L, E), (S, kdim), (S, vdim)). Returns [output like query, weights or null].
   */
  forward(query: Tensor, key: Tensor, value: Tensor, o: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const op = 'MultiheadAttention';
    for (const [n, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (!isTensor(t)) throw new TypeError(`${op}: ${n} must be a tensor`);
      t._check(op);
    }
    if (!isFloat(query.dtype) || key.dtype !== query.dtype || value.dtype !== query.dtype) {
      throw new TypeError(`${op}: query, key and value must share one floating dtype (got ${query.dtype}, ${key.dtype}, ${value.dtype})`);
    }
    const unb = query.ndim === 2;
    const shapes = `query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ${fmtShape(value.shape)}`;
    if ((query.ndim !== 2 && query.ndim !== 3) || key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new RangeError(`${op}: expected query, key and value all 3-D (batched) or all 2-D (unbatched), got ${shapes}`);
    }
    const last = (t: Tensor) => t.shape[t.ndim - 1];
    if (last(query) !== this.embedDim || last(key) !== this.kdim || last(value) !== this.vdim) {
      throw new RangeError(`${op}: expected feature sizes ${this.embedDim}, ${this.kdim}, ${this.vdim} for query, key, value; got ${shapes}`);
    }
    // to batch-first (N, L, E)
    const bf = (t: Tensor) => (unb ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const q0 = bf(query), k0 = bf(key), v0 = bf(value);
    const [N, L] = q0.shape, S = k0.shape[1];
    if (k0.shape[0] !== N || v0.shape[0] !== N || v0.shape[1] !== S) throw new RangeError(`${op}: batch or sequence sizes of query, key and value do not match: ${shapes}`);
    const H = this.numHeads, hd = this.headDim, E = this.embedDim;

    const mask = this.mergeMasks(o, N, L, S, query.dtype, query.device, unb, op);
    const heads = (t: Tensor, i: number, len: number) => {
      const [w, b] = this.proj(i);
      return F.linear(t, w, b).reshape([N, len, H, hd]).permute([0, 2, 1, 3]);   // (N, H, len, hd)
    };
    const q = heads(q0, 0, L), k = heads(k0, 1, S), v = heads(v0, 2, S);
    const p = this.training ? this.dropout : 0;
    let attn: Tensor, weights: Tensor | null = null;
    if (!(o.needWeights ?? true)) {
      const causalOnly = !!o.isCausal && !mask.extra;
      attn = scaledDotProductAttention(q, k, v, { attnMask: causalOnly ? null : mask.sdpa, isCausal: causalOnly, dropoutP: p });
    } else {
      let s = q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(hd));   // (N, H, L, S)
      if (mask.additive) s = s.add(mask.additive);
      let w = s.softmax(-1);
      if (p > 0) w = F.dropout(w, { p, training: true });
      attn = w.matmul(v);
      weights = (o.averageAttnWeights ?? true) ? w.mean(1) : w;
      if (unb) weights = weights.squeeze(0);
    }
    let out = this.out_proj.forward(attn.permute([0, 2, 1, 3]).reshape([N, L, E]));
    out = unb ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1);
    return [out, weights];
  }

  /**
   * Merges keyPaddingMask, attnMask and isCausal into masks broadcastable to (N, H, L, S): `sdpa` in
   * the fused kernel's convention (bool true = attend, or additive float), `additive` as a float
   * mask for the explicit path; extra says whether anything besides isCausal was given.
   */
  private mergeMasks(o: MultiheadAttentionForwardOptions, N: number, L: number, S: number, dtype: DType, device: Device, unb: boolean, op: string):
    { sdpa: Tensor | null; additive: Tensor | null; extra: boolean } {
    const parts: Tensor[] = [];   // each bool (true = NOT allowed) or float additive, broadcastable to (N, H, L, S)
    if (o.keyPaddingMask) {
      const m = o.keyPaddingMask;
      checkMaskDtype(m, dtype, op, 'keyPaddingMask');
      const want = unb ? [S] : [N, S];
      if (m.ndim !== want.length || m.shape.some((d, i) => d !== want[i])) throw new RangeError(`${op}: expected keyPaddingMask of shape ${fmtShape(want)}, got ${fmtShape(m.shape)}`);
      parts.push(m.reshape([N, 1, 1, S]));
    }
    if (o.attnMask) {
      const m = o.attnMask;
      checkMaskDtype(m, dtype, op, 'attnMask');
      if (m.ndim === 2) {
        if (m.shape[0] !== L || m.shape[1] !== S) throw new RangeError(`${op}: the shape of the 2D attnMask is ${fmtShape(m.shape)}, but should be ${fmtShape([L, S])}`);
        parts.push(m);
      } else if (m.ndim === 3) {
        const want = [N * this.numHeads, L, S];
        if (m.shape.some((d, i) => d !== want[i])) throw new RangeError(`${op}: the shape of the 3D attnMask is ${fmtShape(m.shape)}, but should be ${fmtShape(want)}`);
        parts.push(m.reshape([N, this.numHeads, L, S]));
      } else throw new RangeError(`${op}: attnMask must be 2-D or 3-D, got ${fmtShape(m.shape)}`);
    }
    const extra = parts.length > 0;
    if (o.isCausal) parts.push(ones([L, S], { dtype: 'bool', device }).triu(1));   // on the query's device
    if (!parts.length) return { sdpa: null, additive: null, extra };
    const toAdd = (m: Tensor) => (m.dtype === 'bool' ? m.to(dtype).maskedFill(m, -Infinity) : m);
    let additive = toAdd(parts[0]);
    for (const m of parts.slice(1)) additive = additive.add(toAdd(m));
    let sdpa: Tensor;
    if (parts.every((m) => m.dtype === 'bool')) {
      let blocked = parts[0];
      for (const m of parts.slice(1)) blocked = blocked.logicalOr(m);
      sdpa = blocked.logicalNot();
    } else sdpa = additive;
    return { sdpa, additive, extra };
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, dropout=${this.dropout}, batchFirst=${this.batchFirst}`;
  }
}
