// Recurrent layers with PyTorch's semantics and parameter layout: RNN (tanh/relu), LSTM and GRU
// (numLayers, bidirectional, batchFirst, inter-layer dropout, initial states) and the single-step
// cells RNNCell, LSTMCell, GRUCell. Parameters are weight_ih_l{k}{_reverse} (G*H, in),
// weight_hh_l{k} (G*H, H), bias_ih_l{k}, bias_hh_l{k} (G*H) with gate order i, f, g, o (LSTM) and
// r, z, n (GRU), so PyTorch state dicts load unchanged. The time loop runs in TypeScript: one matmul
// projects the input of every timestep at once, then each step does one matmul for the hidden part.
import { Tensor, fmtShape, isTensor } from '../tensor';
import { DType, isFloat } from '../dtype';
import { empty, zeros } from '../creation';
import { stack, cat } from '../ops/view';
import { Module } from './module';
import { Parameter } from './parameter';
import * as F from './functional';
import { uniform_ } from './init';

export type RNNMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';
const GATES: Record<RNNMode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

function posInt(n: unknown, op: string, name: string, min = 1): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new RangeError(`${op}: ${name} must be an integer >= ${min}, got ${JSON.stringify(n)}`);
  return n;
}

/**
 * The L slices t[0], ..., t[L-1] along dim 0, taken through a binary tree of narrows. Each view's
 * backward writes its gradient into a zero tensor of its parent's size, so L direct selects would
 * cost O(L) full-size passes in backward (O(L²) for the sequence); the tree costs O(log L).
 */
function timeSlices(t: Tensor, out: Tensor[] = []): Tensor[] {
  const n = t.shape[0];
  if (n === 1) out.push(t.select(0, 0));
  else if (n > 1) {
    const h = n >> 1;
    timeSlices(t.narrow(0, 0, h), out);
    timeSlices(t.narrow(0, h, n - h), out);
  }
  return out;
}

/** h' from a cell given the precomputed projections gi = W_ih x + b_ih and gh = W_hh h + b_hh. */
function step(mode: RNNMode, gi: Tensor, gh: Tensor, h: Tensor, c: Tensor | null): [Tensor, Tensor | null] {
  switch (mode) {
    case 'RNN_TANH': return [gi.add(gh).tanh(), null];
    case 'RNN_RELU': return [gi.add(gh).relu(), null];
    case 'LSTM': {
      // gates (N, 4H) in order i, f, g, o
      const [i, f, g, o] = gi.add(gh).chunk(4, -1);
      const c2 = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
      return [o.sigmoid().mul(c2.tanh()), c2];
    }
    case 'GRU': {
      // r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); h' = (1 - z) n + z h = n + z (h - n)
      const [ir, iz, inn] = gi.chunk(3, -1);
      const [hr, hz, hn] = gh.chunk(3, -1);
      const r = ir.add(hr).sigmoid(), z = iz.add(hz).sigmoid();
      const n = inn.add(r.mul(hn)).tanh();
      return [n.add(z.mul(h.sub(n))), null];
    }
  }
}

export interface RNNOptions {
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** 'tanh' (default) or 'relu'; RNN only. */
  nonlinearity?: 'tanh' | 'relu';
  /** Use bias_ih / bias_hh (default true). */
  bias?: boolean;
  /** Input and output are (N, L, H) instead of (L, N, H) (default false; states stay (D*numLayers, N, H)). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last (default 0). */
  dropout?: number;
  /** Run a second, reversed direction per layer and concatenate (default false). */
  bidirectional?: boolean;
  dtype?: DType;
}

/** Shared by RNN, LSTM and GRU (PyTorch's RNNBase). */
export abstract class RNNBase extends Module {
  readonly mode: RNNMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;

  constructor(mode: RNNMode, inputSize: number, hiddenSize: number, o: RNNOptions = {}) {
    super();
    const op = this.constructor.name;
    this.mode = mode;
    this.inputSize = posInt(inputSize, op, 'inputSize', 0);
    this.hiddenSize = posInt(hiddenSize, op, 'hiddenSize');
    this.numLayers = posInt(o.numLayers ?? 1, op, 'numLayers');
    this.bias = o.bias ?? true;
    this.batchFirst = o.batchFirst ?? false;
    this.bidirectional = o.bidirectional ?? false;
    const p = o.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${op}: dropout should be a number in range [0, 1], got ${p}`);
    this.dropout = p;
    if ((o as any).projSize) throw new Error(`${op}: projSize is not implemented`);
    const G = GATES[mode] * hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        const inSize = layer === 0 ? inputSize : hiddenSize * D;
        (this as any)[`weight_ih${sfx}`] = new Parameter(empty([G, inSize], { dtype: o.dtype }));
        (this as any)[`weight_hh${sfx}`] = new Parameter(empty([G, hiddenSize], { dtype: o.dtype }));
        if (this.bias) {
          (this as any)[`bias_ih${sfx}`] = new Parameter(empty([G], { dtype: o.dtype }));
          (this as any)[`bias_hh${sfx}`] = new Parameter(empty([G], { dtype: o.dtype }));
        }
      }
    }
    this.resetParameters();
  }

  /** PyTorch's init: every weight and bias U(-1/√hiddenSize, 1/√hiddenSize). */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  /** The [weight_ih, weight_hh, bias_ih, bias_hh] of one layer and direction (biases null without bias). */
  layerWeights(layer: number, reverse = false): [Parameter, Parameter, Parameter | null, Parameter | null] {
    const s = `_l${layer}${reverse ? '_reverse' : ''}`;
    const m = this as any;
    return [m[`weight_ih${s}`], m[`weight_hh${s}`], m[`bias_ih${s}`] ?? null, m[`bias_hh${s}`] ?? null];
  }

  /** Checks input and a state tensor; returns [batched input (L, N, in), N, unbatched]. */
  protected prepare(input: Tensor, op: string): [Tensor, number, boolean] {
    if (!isTensor(input)) throw new TypeError(`${op}: input must be a tensor`);
    input._check(op);
    if (!isFloat(input.dtype)) throw new TypeError(`${op}: input must be floating point, got ${input.dtype}`);
    if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`${op}: expected input to be 2D (L, Hin) or 3D, got ${input.ndim}D input of shape ${fmtShape(input.shape)}`);
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new RangeError(`${op}: input.size(-1) must be equal to inputSize. Expected ${this.inputSize}, got ${input.shape[input.ndim - 1]} (input of shape ${fmtShape(input.shape)})`);
    }
    const unbatched = input.ndim === 2;
    let x = unbatched ? input.unsqueeze(1) : this.batchFirst ? input.transpose(0, 1) : input;
    return [x, x.shape[1], unbatched];
  }

  protected checkState(h: Tensor, N: number, unbatched: boolean, op: string, name: string, dtype: DType): Tensor {
    if (!isTensor(h)) throw new TypeError(`${op}: ${name} must be a tensor`);
    h._check(op);
    const D = this.bidirectional ? 2 : 1;
    const want = unbatched ? [D * this.numLayers, this.hiddenSize] : [D * this.numLayers, N, this.hiddenSize];
    if (h.ndim !== want.length || h.shape.some((d, i) => d !== want[i])) {
      throw new RangeError(`${op}: expected ${name} of shape ${fmtShape(want)}, got ${fmtShape(h.shape)}`);
    }
    if (h.dtype !== dtype) throw new TypeError(`${op}: ${name} dtype ${h.dtype} does not match input dtype ${dtype}`);
    return unbatched ? h.unsqueeze(1) : h;
  }

  /**
   * Runs all layers over x (L, N, in) from states h0 (D*numLayers, N, H) (and c0 for LSTM).
   * Returns output (L, N, D*H), hN, cN (null unless LSTM).
   */
  protected run(x: Tensor, h0: Tensor, c0: Tensor | null): [Tensor, Tensor, Tensor | null] {
    const D = this.bidirectional ? 2 : 1;
    const L = x.shape[0];
    const hs: Tensor[] = [], cs: Tensor[] = [];
    let layerIn = x;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const [wih, whh, bih, bhh] = this.layerWeights(layer, d === 1);
        const idx = layer * D + d;
        let h = h0.select(0, idx);
        let c = c0 ? c0.select(0, idx) : null;
        // (L, N, in) @ (in, G*H): the input projection of every timestep in one matmul
        const gi = timeSlices(F.linear(layerIn, wih, bih));
        const seq: Tensor[] = new Array(L);
        for (let s = 0; s < L; s++) {
          const t = d === 1 ? L - 1 - s : s;
          const gh = F.linear(h, whh, bhh);   // (N, H) @ (H, G*H)
          [h, c] = step(this.mode, gi[t], gh, h, c);
          seq[t] = h;
        }
        outs.push(L > 0 ? stack(seq, 0) : zeros([0, x.shape[1], this.hiddenSize], { dtype: x.dtype, device: x.device }));
        hs.push(h);
        if (c) cs.push(c);
      }
      layerIn = D === 1 ? outs[0] : cat(outs, 2);
      if (this.dropout > 0 && this.training && layer < this.numLayers - 1) layerIn = F.dropout(layerIn, { p: this.dropout, training: true });
    }
    return [layerIn, stack(hs, 0), c0 ? stack(cs, 0) : null];
  }

  protected finish(out: Tensor, unbatched: boolean): Tensor {
    if (unbatched) return out.squeeze(1);
    return this.batchFirst ? out.transpose(0, 1) : out;
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.numLayers !== 1) s += `, numLayers=${this.numLayers}`;
    if (this.mode === 'RNN_RELU') s += `, nonlinearity='relu'`;
    if (!this.bias) s += ', bias=false';
    if (this.batchFirst) s += ', batchFirst=true';
    if (this.dropout) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += ', bidirectional=true';
    return s;
  }
}

/** Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu). */
export class RNN extends RNNBase {
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, o: RNNOptions = {}) {
    const nl = o.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new RangeError(`RNN: unknown nonlinearity '${nl}' (expected 'tanh' or 'relu')`);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, o);
    this.nonlinearity = nl;
  }
  /**
   * input (L, N, Hin) ((N, L, Hin) with batchFirst, or unbatched (L, Hin)); hx (D*numLayers, N, H)
   * or zeros. Returns [output (L, N, D*H), hN (D*numLayers, N, H)].
   */
  forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const op = 'RNN';
    const [x, N, unb] = this.prepare(input, op);
    const D = this.bidirectional ? 2 : 1;
    const h0 = hx ? this.checkState(hx, N, unb, op, 'hx', x.dtype) : zeros([D * this.numLayers, N, this.hiddenSize], { dtype: x.dtype, device: x.device });
    const [out, hn] = this.run(x, h0, null);
    return [this.finish(out, unb), unb ? hn.squeeze(1) : hn];
  }
}

/** LSTM with gates i, f, g, o: c' = f c + i g, h' = o tanh(c'). */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, o: Omit<RNNOptions, 'nonlinearity'> = {}) {
    super('LSTM', inputSize, hiddenSize, o);
  }
  /**
   * input as RNN; hx = [h0, c0] each (D*numLayers, N, H) (or null for zeros).
   * Returns [output (L, N, D*H), [hN, cN]].
   */
  forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    const op = 'LSTM';
    const [x, N, unb] = this.prepare(input, op);
    const D = this.bidirectional ? 2 : 1;
    let h0: Tensor, c0: Tensor;
    if (hx) {
      if (!Array.isArray(hx) || hx.length !== 2) throw new TypeError(`${op}: hx must be a pair [h0, c0]`);
      h0 = this.checkState(hx[0], N, unb, op, 'h0', x.dtype);
      c0 = this.checkState(hx[1], N, unb, op, 'c0', x.dtype);
    } else {
      h0 = zeros([D * this.numLayers, N, this.hiddenSize], { dtype: x.dtype, device: x.device });
      c0 = zeros([D * this.numLayers, N, this.hiddenSize], { dtype: x.dtype, device: x.device });
    }
    const [out, hn, cn] = this.run(x, h0, c0);
    return [this.finish(out, unb), unb ? [hn.squeeze(1), cn!.squeeze(1)] : [hn, cn!]];
  }
}

/** GRU with gates r, z, n: n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h. */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, o: Omit<RNNOptions, 'nonlinearity'> = {}) {
    super('GRU', inputSize, hiddenSize, o);
  }
  /** As RNN.forward: returns [output (L, N, D*H), hN (D*numLayers, N, H)]. */
  forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const op = 'GRU';
    const [x, N, unb] = this.prepare(input, op);
    const D = this.bidirectional ? 2 : 1;
    const h0 = hx ? this.checkState(hx, N, unb, op, 'hx', x.dtype) : zeros([D * this.numLayers, N, this.hiddenSize], { dtype: x.dtype, device: x.device });
    const [out, hn] = this.run(x, h0, null);
    return [this.finish(out, unb), unb ? hn.squeeze(1) : hn];
  }
}

// ---- cells ---------------------------------------------------------------------------------------

/** Shared by the cells: weight_ih (G*H, in), weight_hh (G*H, H), bias_ih, bias_hh (G*H). */
export abstract class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null = null;
  bias_hh: Parameter | null = null;

  constructor(readonly mode: RNNMode, inputSize: number, hiddenSize: number, o: { bias?: boolean; dtype?: DType }) {
    super();
    const op = this.constructor.name;
    this.inputSize = posInt(inputSize, op, 'inputSize', 0);
    this.hiddenSize = posInt(hiddenSize, op, 'hiddenSize');
    const G = GATES[mode] * hiddenSize;
    this.weight_ih = new Parameter(empty([G, inputSize], { dtype: o.dtype }));
    this.weight_hh = new Parameter(empty([G, hiddenSize], { dtype: o.dtype }));
    if (o.bias ?? true) {
      this.bias_ih = new Parameter(empty([G], { dtype: o.dtype }));
      this.bias_hh = new Parameter(empty([G], { dtype: o.dtype }));
    }
    this.resetParameters();
  }

  /** PyTorch's init: every weight and bias U(-1/√hiddenSize, 1/√hiddenSize). */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  /** Checks input (N, in) or (in) and a state; returns [input as (N, in), N, unbatched]. */
  protected prepare(input: Tensor, op: string): [Tensor, number, boolean] {
    if (!isTensor(input)) throw new TypeError(`${op}: input must be a tensor`);
    input._check(op);
    if (!isFloat(input.dtype)) throw new TypeError(`${op}: input must be floating point, got ${input.dtype}`);
    if ((input.ndim !== 1 && input.ndim !== 2) || input.shape[input.ndim - 1] !== this.inputSize) {
      throw new RangeError(`${op}: expected input of shape (N, ${this.inputSize}) or (${this.inputSize}), got ${fmtShape(input.shape)}`);
    }
    const unb = input.ndim === 1;
    const x = unb ? input.unsqueeze(0) : input;
    return [x, x.shape[0], unb];
  }

  protected state(h: Tensor | null | undefined, x: Tensor, N: number, unb: boolean, op: string, name: string): Tensor {
    if (h === null || h === undefined) return zeros([N, this.hiddenSize], { dtype: x.dtype, device: x.device });
    if (!isTensor(h)) throw new TypeError(`${op}: ${name} must be a tensor`);
    h._check(op);
    const want = unb ? [this.hiddenSize] : [N, this.hiddenSize];
    if (h.ndim !== want.length || h.shape.some((d, i) => d !== want[i])) {
      throw new RangeError(`${op}: expected ${name} of shape ${fmtShape(want)}, got ${fmtShape(h.shape)}`);
    }
    if (h.dtype !== x.dtype) throw new TypeError(`${op}: ${name} dtype ${h.dtype} does not match input dtype ${x.dtype}`);
    return unb ? h.unsqueeze(0) : h;
  }

  protected cell(x: Tensor, h: Tensor, c: Tensor | null): [Tensor, Tensor | null] {
    return step(this.mode, F.linear(x, this.weight_ih, this.bias_ih), F.linear(h, this.weight_hh, this.bias_hh), h, c);
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (!this.bias_ih) s += ', bias=false';
    if (this.mode === 'RNN_RELU') s += `, nonlinearity='relu'`;
    return s;
  }
}

/** One Elman RNN step: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu). */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, o: { bias?: boolean; nonlinearity?: 'tanh' | 'relu'; dtype?: DType } = {}) {
    const nl = o.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new RangeError(`RNNCell: unknown nonlinearity '${nl}' (expected 'tanh' or 'relu')`);
    super(nl === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, o);
    this.nonlinearity = nl;
  }
  /** input (N, in) or (in); hx (N, H) or (H) or null for zeros; returns h' of hx's shape. */
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const [x, N, unb] = this.prepare(input, 'RNNCell');
    const [h] = this.cell(x, this.state(hx, x, N, unb, 'RNNCell', 'hx'), null);
    return unb ? h.squeeze(0) : h;
  }
}

/** One LSTM step; returns [h', c']. */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, o: { bias?: boolean; dtype?: DType } = {}) {
    super('LSTM', inputSize, hiddenSize, o);
  }
  /** input (N, in) or (in); hx = [h, c] each (N, H) or (H), or null for zeros. */
  forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const op = 'LSTMCell';
    const [x, N, unb] = this.prepare(input, op);
    if (hx && (!Array.isArray(hx) || hx.length !== 2)) throw new TypeError(`${op}: hx must be a pair [h, c]`);
    const h = this.state(hx?.[0], x, N, unb, op, 'h'), c = this.state(hx?.[1], x, N, unb, op, 'c');
    const [h2, c2] = this.cell(x, h, c);
    return unb ? [h2.squeeze(0), c2!.squeeze(0)] : [h2, c2!];
  }
}

/** One GRU step; returns h'. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, o: { bias?: boolean; dtype?: DType } = {}) {
    super('GRU', inputSize, hiddenSize, o);
  }
  /** input (N, in) or (in); hx (N, H) or (H) or null for zeros. */
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const [x, N, unb] = this.prepare(input, 'GRUCell');
    const [h] = this.cell(x, this.state(hx, x, N, unb, 'GRUCell', 'hx'), null);
    return unb ? h.squeeze(0) : h;
  }
}
