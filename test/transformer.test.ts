// MultiheadAttention, Transformer encoder/decoder layers and stacks, positional encodings: parity
// with PyTorch 1.13 (test/fixtures/seq/{attention,transformer}.json: state dicts, outputs, input
// and parameter gradients), fused vs explicit attention paths, float64 gradchecks, state-dict keys,
// and bad-input errors.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';
import { loadSeqFixture, checkCase } from './util/seqfixtures';

const { nn } = nr;

describe('MultiheadAttention vs PyTorch', () => {
  for (const c of loadSeqFixture('attention.json').cases) {
    it(`${c.name} (float64, with gradients)`, () => checkCase(c, 'float64', 1e-10));
    it(`${c.name} (float32)`, () => checkCase(c, 'float32', 2e-5));
  }
});

describe('Transformer layers vs PyTorch', () => {
  for (const c of loadSeqFixture('transformer.json').cases) {
    it(`${c.name} (float64, with gradients)`, () => checkCase(c, 'float64', 1e-9));
    it(`${c.name} (float32)`, () => checkCase(c, 'float32', 5e-5));
  }
});

const maxDiff = (a: Tensor, b: Tensor) => Math.max(0, ...a.sub(b).abs().toFlatArray());

describe('MultiheadAttention', () => {
  it('PyTorch state-dict keys and init', () => {
    const m = new nn.MultiheadAttention(8, 2);
    expect(Object.keys(m.stateDict())).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    expect(m.in_proj_weight!.shape).toEqual([24, 8]);
    expect(m.in_proj_bias!.toFlatArray().every((v) => v === 0)).toBe(true);
    const bound = Math.sqrt(6 / (8 + 24));
    expect(m.in_proj_weight!.toFlatArray().every((v) => Math.abs(v) <= bound)).toBe(true);
    const kv = new nn.MultiheadAttention(8, 2, { kdim: 3, vdim: 5, bias: false });
    expect(Object.keys(kv.stateDict())).toEqual(['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'out_proj.weight']);
    expect(kv.k_proj_weight!.shape).toEqual([8, 3]);
    expect(kv.v_proj_weight!.shape).toEqual([8, 5]);
  });

  it('fused path (needWeights false) equals the explicit path under every mask combination', () => {
    nr.manualSeed(7);
    const m = new nn.MultiheadAttention(8, 2, { batchFirst: true }).double();
    const q = nr.randn([2, 4, 8], { dtype: 'float64' }), kv = nr.randn([2, 4, 8], { dtype: 'float64' });
    const kpm = nr.tensor([[false, false, true, false], [false, false, false, true]]);
    const am = nr.randn([4, 4], { dtype: 'float64' });
    const bam = nr.tensor([[false, true, false, false], [false, false, false, true], [false, false, false, false], [true, false, false, false]]);
    const combos: any[] = [{}, { keyPaddingMask: kpm }, { attnMask: am }, { attnMask: bam, keyPaddingMask: kpm }, { isCausal: true },
      { isCausal: true, keyPaddingMask: kpm }, { isCausal: true, attnMask: am }, { keyPaddingMask: kpm.to('float64').mul(-3) }];
    for (const o of combos) {
      const [a, w] = m.forward(q, kv, kv, { ...o, needWeights: false });
      const [b, wb] = m.forward(q, kv, kv, { ...o, needWeights: true });
      expect(w).toBeNull();
      expect(wb!.shape).toEqual([2, 4, 4]);
      expect(maxDiff(a, b)).toBeLessThan(1e-12);
    }
    // causal weights are zero above the diagonal and rows sum to 1
    const [, w] = m.forward(q, kv, kv, { isCausal: true, averageAttnWeights: false });
    expect(w!.shape).toEqual([2, 2, 4, 4]);
    const wa = w!.toArray() as number[][][][];
    expect(wa[1][0][0][1]).toBe(0);
    expect(wa[0][1][2][3]).toBe(0);
    expect(maxDiff(w!.sum(-1), nr.ones([2, 2, 4], { dtype: 'float64' }))).toBeLessThan(1e-12);
  });

  it('gradcheck (float64): fused and explicit paths, cross attention with kdim/vdim', () => {
    nr.manualSeed(8);
    const m = new nn.MultiheadAttention(4, 2, { kdim: 3, vdim: 2 }).double();
    const kpm = nr.tensor([[false, true, false], [false, false, false]]);
    for (const needWeights of [false, true]) {
      gradcheck((q, k, v, ...ps) => { const [o, w] = m.forward(q, k, v, { needWeights, keyPaddingMask: kpm }); return w ? [o, w] : [o]; },
        [rand64([2, 2, 4]), rand64([3, 2, 3]), rand64([3, 2, 2]), ...m.parameters()]);
    }
  });

  it('attention dropout: random in training mode, inactive in eval mode', () => {
    nr.manualSeed(9);
    const m = new nn.MultiheadAttention(8, 2, { dropout: 0.5 });
    const x = nr.randn([5, 2, 8]);
    for (const needWeights of [false, true]) {
      m.train();
      expect(m.forward(x, x, x, { needWeights })[0].toFlatArray()).not.toEqual(m.forward(x, x, x, { needWeights })[0].toFlatArray());
      m.eval();
      expect(m.forward(x, x, x, { needWeights })[0].toFlatArray()).toEqual(m.forward(x, x, x, { needWeights })[0].toFlatArray());
    }
  });

  it('bad input', () => {
    const m = new nn.MultiheadAttention(8, 2);
    const x = nr.zeros([5, 2, 8]);
    expect(() => new nn.MultiheadAttention(8, 3)).toThrow(/divisible/);
    expect(() => m.forward(nr.zeros([5, 2, 6]), x, x)).toThrow(/feature sizes 8, 8, 8/);
    expect(() => m.forward(x, nr.zeros([4, 3, 8]), nr.zeros([4, 3, 8]))).toThrow(/batch or sequence sizes/);
    expect(() => m.forward(x, nr.zeros([4, 2, 8]), nr.zeros([3, 2, 8]))).toThrow(/batch or sequence sizes/);
    expect(() => m.forward(x, x, nr.zeros([5, 8]))).toThrow(/all 3-D/);
    expect(() => m.forward(x, x, x, { keyPaddingMask: nr.zeros([2, 4], { dtype: 'bool' }) })).toThrow(/keyPaddingMask of shape \[2, 5\]/);
    expect(() => m.forward(x, x, x, { attnMask: nr.zeros([5, 4], { dtype: 'bool' }) })).toThrow(/2D attnMask is \[5, 4\], but should be \[5, 5\]/);
    expect(() => m.forward(x, x, x, { attnMask: nr.zeros([2, 5, 5], { dtype: 'bool' }) })).toThrow(/3D attnMask.*\[4, 5, 5\]/);
    expect(() => m.forward(x, x, x, { attnMask: nr.zeros([5, 5], { dtype: 'int32' }) })).toThrow(/bool or float32/);
  });
});

describe('Transformer layers', () => {
  it('PyTorch submodule names', () => {
    const e = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    expect(Object.keys(e.stateDict())).toEqual(['self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight', 'self_attn.out_proj.bias',
      'linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias', 'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias']);
    expect(e.namedModules().map(([k]) => k)).toEqual(['', 'self_attn', 'self_attn.out_proj', 'linear1', 'dropout', 'linear2', 'norm1', 'norm2', 'dropout1', 'dropout2']);
    const d = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
    expect(d.namedChildren().map(([k]) => k)).toEqual(['self_attn', 'multihead_attn', 'linear1', 'dropout', 'linear2', 'norm1', 'norm2', 'norm3', 'dropout1', 'dropout2', 'dropout3']);
    const enc = new nn.TransformerEncoder(e, 3, new nn.LayerNorm(8));
    const keys = Object.keys(enc.stateDict());
    expect(keys[0]).toBe('layers.0.self_attn.in_proj_weight');
    expect(keys.slice(-2)).toEqual(['norm.weight', 'norm.bias']);
    expect(keys.length).toBe(3 * 12 + 2);
    // clones: equal values, separate parameters
    const l0 = (enc.layers[0] as any).linear1.weight, l1 = (enc.layers[1] as any).linear1.weight;
    expect(l0).not.toBe(l1);
    expect(l0.toFlatArray()).toEqual(l1.toFlatArray());
    expect(l0).not.toBe(e.linear1.weight);
    // clones keep the dtype, mode and frozen parameters of the prototype layer
    const d64 = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 }).double().eval();
    d64.norm1.weight!.requiresGrad_(false);
    const dec = new nn.TransformerDecoder(d64, 2);
    const c = dec.layers[1] as any;
    expect(c.linear1.weight.dtype).toBe('float64');
    expect(c.training).toBe(false);
    expect(c.norm1.weight.requiresGrad).toBe(false);
    expect(c.norm2.weight.requiresGrad).toBe(true);
  });

  it('gradcheck (float64): pre-norm encoder layer with gelu and a decoder layer', () => {
    nr.manualSeed(10);
    const e = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, activation: 'gelu', normFirst: true }).double();
    gradcheck((x, ...ps) => e.forward(x, { isCausal: true }), [rand64([3, 2, 4]), ...e.parameters()]);
    const d = new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, batchFirst: true }).double();
    gradcheck((x, m) => d.forward(x, m, { tgtIsCausal: true }), [rand64([2, 3, 4]), rand64([2, 2, 4])]);
  });

  it('isCausal equals a causal float mask; unbatched input works', () => {
    nr.manualSeed(11);
    const e = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
    const x = nr.randn([5, 2, 8]);
    const a = e.forward(x, { isCausal: true }), b = e.forward(x, { srcMask: nn.generateSquareSubsequentMask(5) });
    expect(maxDiff(a, b)).toBeLessThan(1e-5);
    const u = e.forward(x.select(1, 0), { isCausal: true });
    expect(maxDiff(u, a.select(1, 0))).toBeLessThan(1e-5);
  });

  it('nn.Transformer: PyTorch keys, xavier init of matrices, bad input', () => {
    const t = new nn.Transformer(8, 2, { numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 16 });
    const keys = Object.keys(t.stateDict());
    expect(keys[0]).toBe('encoder.layers.0.self_attn.in_proj_weight');
    expect(keys).toContain('encoder.layers.1.norm2.bias');
    expect(keys).toContain('encoder.norm.weight');
    expect(keys).toContain('decoder.layers.0.multihead_attn.out_proj.weight');
    expect(keys[keys.length - 1]).toBe('decoder.norm.bias');
    expect(keys.length).toBe(2 * 12 + 2 + 18 + 2);
    const w = (t.encoder as any).layers[0].linear1.weight as Tensor;   // (16, 8): xavier bound sqrt(6/24)
    expect(Math.max(...w.abs().toFlatArray())).toBeLessThanOrEqual(0.5);
    expect(Math.max(...w.abs().toFlatArray())).toBeGreaterThan(0.4);   // 128 draws from U(±0.5)
    expect(() => t.forward(nr.zeros([5, 2, 8]), nr.zeros([4, 3, 8]))).toThrow(/batch number/);
    expect(() => t.forward(nr.zeros([5, 2, 8]), nr.zeros([4, 2, 6]))).toThrow(/dModel \(8\)/);
    expect(nn.Transformer.generateSquareSubsequentMask(2).toArray()).toEqual([[0, -Infinity], [0, 0]]);
  });

  it('generateSquareSubsequentMask', () => {
    expect(nn.generateSquareSubsequentMask(3).toArray()).toEqual([[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
  });

  it('bad arguments', () => {
    expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as any })).toThrow(/activation/);
    expect(() => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2), 0)).toThrow(/numLayers/);
    expect(() => new nn.TransformerDecoder(new nn.TransformerEncoderLayer(8, 2) as any, 2)).toThrow(/TransformerDecoderLayer/);
    expect(() => new nn.TransformerEncoderLayer(8, 2).forward(nr.zeros([3, 2, 6]))).toThrow(/LayerNorm|feature sizes/);
  });
});

describe('positional encodings', () => {
  it('sinusoidal table values, buffer, broadcasting, batchFirst', () => {
    const pe = new nn.SinusoidalPositionalEncoding(6, { maxLen: 10, dropout: 0 });
    expect(Object.keys(pe.stateDict())).toEqual(['pe']);
    const t = pe.pe.toArray() as number[][];
    expect(t[0]).toEqual([0, 1, 0, 1, 0, 1]);
    expect(t[3][0]).toBeCloseTo(Math.sin(3), 6);
    expect(t[3][1]).toBeCloseTo(Math.cos(3), 6);
    expect(t[3][2]).toBeCloseTo(Math.sin(3 / Math.pow(10000, 2 / 6)), 6);
    expect(t[7][5]).toBeCloseTo(Math.cos(7 / Math.pow(10000, 4 / 6)), 6);
    const x = nr.zeros([4, 2, 6]);
    const y = pe.forward(x);
    expect(y.select(1, 1).toArray()).toEqual(pe.pe.narrow(0, 0, 4).toArray());
    const bf = new nn.SinusoidalPositionalEncoding(6, { maxLen: 10, dropout: 0, batchFirst: true });
    expect(bf.forward(nr.zeros([2, 4, 6])).select(0, 1).toArray()).toEqual(pe.pe.narrow(0, 0, 4).toArray());
    expect(() => pe.forward(nr.zeros([11, 6]))).toThrow(/maxLen 10/);
    expect(() => pe.forward(nr.zeros([3, 2, 5]))).toThrow(/expected input/);
  });
  it('learned positions: an Embedding added per position, with gradients to the table', () => {
    const lp = new nn.LearnedPositionalEmbedding(8, 4, { batchFirst: true });
    expect(Object.keys(lp.stateDict())).toEqual(['weight']);
    const x = nr.zeros([2, 3, 4]);
    const y = lp.forward(x, 2);
    expect(y.select(0, 1).toArray()).toEqual(lp.weight.narrow(0, 2, 3).toArray());
    y.sum().backward();
    expect(lp.weight.grad!.sum(1).toFlatArray()).toEqual([0, 0, 8, 8, 8, 0, 0, 0]);
    expect(() => lp.forward(x, 6)).toThrow(/exceed the 8 learned positions/);
  });
});
