// Runs one case of test/fixtures/seq (made by tools/make_seq_fixtures.py): builds the neurona module,
// checks its state-dict keys equal PyTorch's, loads PyTorch's state dict, runs forward on the same
// inputs and compares outputs, then backpropagates the same upstream gradients and compares the
// input and parameter gradients.
import * as fs from 'fs';
import * as path from 'path';
import { expect } from 'vitest';
import * as nr from '../../src/index';
import type { Tensor, DType } from '../../src/index';
import { expectClose } from './nnfixtures';

const { nn } = nr;

export interface SeqFT { shape: number[]; dtype: string; data: (number | boolean | string)[]; }

export function loadSeqFixture(name: string): { cases: any[] } {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'seq', name), 'utf8'));
}

/** A tensor from a fixture entry: bool stays bool, floats in dtype ('inf'/'-inf' strings decoded). */
export function seqTensor(f: SeqFT, dtype: DType = 'float64'): Tensor {
  const num = f.data.map((v) => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v)));
  if (f.dtype === 'bool') return nr.fromArray(Float64Array.from(num), f.shape, { dtype: 'float64' }).ne(0);
  return nr.fromArray(Float64Array.from(num), f.shape, { dtype: 'float64' }).to(dtype);
}

/** Builds the module a case describes (float64 unless dtype says otherwise). */
export function buildModule(c: any, dtype: DType = 'float64'): nr.nn.Module {
  const [a, b] = c.ctor.args;
  const o = c.ctor.opts;
  let m: nr.nn.Module;
  switch (c.kind) {
    case 'TransformerEncoder': m = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(a, b, o), c.ctor.numLayers, new nn.LayerNorm(a)); break;
    case 'TransformerDecoder': m = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(a, b, o), c.ctor.numLayers, new nn.LayerNorm(a)); break;
    default: m = new (nn as any)[c.kind](a, b, o);
  }
  return m.to(dtype);
}

/** Runs the module's forward on the case's inputs; returns the non-null outputs, flattened. */
export function runForward(m: any, c: any, inp: Record<string, Tensor>): Tensor[] {
  const flat = (x: any): Tensor[] => (x === null ? [] : Array.isArray(x) ? x.flatMap(flat) : [x]);
  switch (c.kind) {
    case 'RNN': case 'GRU': case 'RNNCell': case 'GRUCell': return flat(m.forward(inp.x, inp.h0 ?? null));
    case 'LSTM': case 'LSTMCell': return flat(m.forward(inp.x, inp.h0 ? [inp.h0, inp.c0] : null));
    case 'MultiheadAttention': {
      const o = { ...c.opts, keyPaddingMask: inp.keyPaddingMask, attnMask: c.opts.isCausal ? null : inp.attnMask };
      return flat(m.forward(inp.query, inp.key, inp.value, o));
    }
    case 'TransformerEncoderLayer': return [m.forward(inp.src, { srcMask: inp.srcMask, srcKeyPaddingMask: inp.srcKeyPaddingMask })];
    case 'TransformerDecoderLayer':
      return [m.forward(inp.tgt, inp.memory, { tgtMask: inp.tgtMask, tgtKeyPaddingMask: inp.tgtKeyPaddingMask, memoryKeyPaddingMask: inp.memoryKeyPaddingMask })];
    case 'TransformerEncoder': return [m.forward(inp.src, { mask: inp.mask })];
    case 'TransformerDecoder': return [m.forward(inp.tgt, inp.memory, { tgtMask: inp.tgtMask })];
    case 'Transformer':
      return [m.forward(inp.src, inp.tgt, { tgtMask: inp.tgtMask, srcKeyPaddingMask: inp.srcKeyPaddingMask, memoryKeyPaddingMask: inp.srcKeyPaddingMask })];
  }
  throw new Error(`unknown kind ${c.kind}`);
}

/** The whole parity check of one case at dtype with tolerance tol (gradients only in float64). */
export function checkCase(c: any, dtype: DType, tol: number): void {
  const m = buildModule(c, dtype);
  expect(Object.keys(m.stateDict())).toEqual(Object.keys(c.stateDict));
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.stateDict)) sd[k] = seqTensor(v as SeqFT, dtype);
  m.loadStateDict(sd);
  m.train(c.train);
  const inp: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) {
    const t = seqTensor(v as SeqFT, dtype);
    inp[k] = t.isFloatingPoint() && !k.toLowerCase().includes('mask') ? t.requiresGrad_(true) : t;
  }
  const outs = runForward(m, c, inp);
  expect(outs.length).toBe(c.outs.length);
  outs.forEach((o, i) => expectClose(o, c.outs[i], tol, `${c.name} output ${i}`));
  let loss: Tensor | null = null;
  outs.forEach((o, i) => { const s = o.mul(seqTensor(c.gouts[i], dtype)).sum(); loss = loss ? loss.add(s) : s; });
  loss!.backward();
  for (const [k, g] of Object.entries(c.inputGrads)) {
    expect(inp[k].grad, `${c.name}: no grad for input ${k}`).toBeTruthy();
    expectClose(inp[k].grad!, g as any, tol, `${c.name} grad of input ${k}`);
  }
  const params = new Map(m.namedParameters());
  for (const [k, g] of Object.entries(c.paramGrads)) {
    const p = params.get(k);
    expect(p?.grad, `${c.name}: no grad for parameter ${k}`).toBeTruthy();
    expectClose(p!.grad!, g as any, tol, `${c.name} grad of ${k}`);
  }
}
