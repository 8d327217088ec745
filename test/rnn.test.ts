// Recurrent layers: RNN/LSTM/GRU and the cells vs PyTorch 1.13 (state dicts loaded from
// test/fixtures/seq/rnn.json; outputs, input and parameter gradients in float64, outputs in float32),
// float64 gradchecks, parameter names/shapes/init, and bad-input errors.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';
import { loadSeqFixture, checkCase } from './util/seqfixtures';

const { nn } = nr;
const fx = loadSeqFixture('rnn.json');

describe('recurrent layers vs PyTorch', () => {
  for (const c of fx.cases) {
    it(`${c.name} (float64, with gradients)`, () => checkCase(c, 'float64', 1e-10));
    it(`${c.name} (float32)`, () => checkCase(c, 'float32', 2e-5));
  }
});

describe('recurrent layers: parameters', () => {
  it('PyTorch parameter names, shapes and order; init U(±1/√H)', () => {
    const m = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    const names = m.namedParameters().map(([k, p]) => `${k}:${p.shape.join('x')}`);
    const layer = (l: number, s: string, inp: number) =>
      [`weight_ih_l${l}${s}:16x${inp}`, `weight_hh_l${l}${s}:16x4`, `bias_ih_l${l}${s}:16`, `bias_hh_l${l}${s}:16`];
    expect(names).toEqual([...layer(0, '', 3), ...layer(0, '_reverse', 3), ...layer(1, '', 8), ...layer(1, '_reverse', 8)]);
    for (const p of m.parameters()) for (const v of p.toFlatArray()) expect(Math.abs(v)).toBeLessThanOrEqual(0.5);
    const all = m.parameters().flatMap((p) => p.toFlatArray());
    expect(Math.max(...all)).toBeGreaterThan(0.4);
    expect(Object.keys(new nn.GRU(2, 3, { bias: false }).stateDict())).toEqual(['weight_ih_l0', 'weight_hh_l0']);
    expect((new nn.GRU(2, 3) as any).weight_ih_l0.shape).toEqual([9, 2]);
    expect((new nn.RNN(2, 3) as any).weight_ih_l0.shape).toEqual([3, 2]);
    expect(Object.keys(new nn.LSTMCell(2, 3).stateDict())).toEqual(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']);
    expect(new nn.GRUCell(2, 3).weight_hh.shape).toEqual([9, 3]);
    expect(Object.keys(new nn.RNNCell(2, 3, { bias: false }).stateDict())).toEqual(['weight_ih', 'weight_hh']);
  });
});

describe('recurrent layers: gradchecks (float64)', () => {
  const params64 = (m: nr.nn.Module) => { m.double(); return m.parameters(); };
  it('LSTM 2 layers bidirectional batchFirst with h0/c0', () => {
    nr.manualSeed(1);
    const m = new nn.LSTM(2, 2, { numLayers: 2, bidirectional: true, batchFirst: true });
    const ps = params64(m);
    const x = rand64([2, 3, 2]), h0 = rand64([4, 2, 2]), c0 = rand64([4, 2, 2]);
    gradcheck((x, h0, c0, ...w) => { const [o, [h, c]] = m.forward(x, [h0, c0]); return [o, h, c]; }, [x, h0, c0, ...ps]);
  });
  it('GRU and relu RNN', () => {
    nr.manualSeed(2);
    const g = new nn.GRU(3, 2, { numLayers: 2 });
    const gp = params64(g);
    gradcheck((x, h0) => { const [o, h] = g.forward(x, h0); return [o, h]; }, [rand64([3, 2, 3]), rand64([2, 2, 2]), ...gp]);
    const r = new nn.RNN(2, 3, { nonlinearity: 'relu', bidirectional: true });
    const rp = params64(r);
    gradcheck((x) => r.forward(x)[0], [rand64([3, 2]), ...rp]);
  });
  it('cells', () => {
    nr.manualSeed(3);
    const l = new nn.LSTMCell(3, 2); const lp = params64(l);
    gradcheck((x, h, c) => l.forward(x, [h, c]), [rand64([2, 3]), rand64([2, 2]), rand64([2, 2]), ...lp]);
    const g = new nn.GRUCell(3, 2); const gp = params64(g);
    gradcheck((x, h) => g.forward(x, h), [rand64([3]), rand64([2]), ...gp]);
    const r = new nn.RNNCell(2, 2, { nonlinearity: 'relu' }); const rp = params64(r);
    gradcheck((x, h) => r.forward(x, h), [rand64([2, 2]), rand64([2, 2]), ...rp]);
  });
});

describe('recurrent layers: behaviour', () => {
  it('output[-1] equals hN for a unidirectional single layer; reverse direction ends at t=0', () => {
    const m = new nn.GRU(3, 4, { bidirectional: true });
    const x = nr.randn([5, 2, 3]);
    const [out, h] = m.forward(x);
    expect(out.shape).toEqual([5, 2, 8]);
    expect(out.select(0, 4).narrow(1, 0, 4).toArray()).toEqual(h.select(0, 0).toArray());
    expect(out.select(0, 0).narrow(1, 4, 4).toArray()).toEqual(h.select(0, 1).toArray());
  });
  it('cells stepped by hand equal the layer', () => {
    const lstm = new nn.LSTM(3, 4) as any;
    const cell = new nn.LSTMCell(3, 4);
    cell.loadStateDict({ weight_ih: lstm.weight_ih_l0, weight_hh: lstm.weight_hh_l0, bias_ih: lstm.bias_ih_l0, bias_hh: lstm.bias_hh_l0 });
    const x = nr.randn([4, 2, 3]);
    let h = nr.zeros([2, 4]), c = nr.zeros([2, 4]);
    for (let t = 0; t < 4; t++) [h, c] = cell.forward(x.select(0, t), [h, c]);
    const [, [hn, cn]] = lstm.forward(x);
    expect(Math.max(...hn.select(0, 0).sub(h).abs().toFlatArray())).toBeLessThan(1e-6);
    expect(Math.max(...cn.select(0, 0).sub(c).abs().toFlatArray())).toBeLessThan(1e-6);
  });
  it('dropout between layers only in training mode', () => {
    nr.manualSeed(4);
    const m = new nn.RNN(3, 8, { numLayers: 2, dropout: 0.5 });
    const x = nr.randn([4, 2, 3]);
    const a = m.forward(x)[0].toFlatArray(), b = m.forward(x)[0].toFlatArray();
    expect(a).not.toEqual(b);
    m.eval();
    expect(m.forward(x)[0].toFlatArray()).toEqual(m.forward(x)[0].toFlatArray());
  });
  it('empty sequence gives an empty output and the initial state', () => {
    const m = new nn.GRU(2, 3);
    const h0 = nr.randn([1, 2, 3]);
    const [o, h] = m.forward(nr.zeros([0, 2, 2]), h0);
    expect(o.shape).toEqual([0, 2, 3]);
    expect(h.toArray()).toEqual(h0.toArray());
  });
});

describe('recurrent layers: bad input', () => {
  it('wrong input size, rank, dtype', () => {
    const m = new nn.LSTM(3, 4);
    expect(() => m.forward(nr.zeros([5, 2, 4]))).toThrow(/input.size\(-1\) must be equal to inputSize. Expected 3, got 4/);
    expect(() => m.forward(nr.zeros([5, 2, 1, 3]))).toThrow(/2D \(L, Hin\) or 3D/);
    expect(() => m.forward(nr.zeros([5, 2, 3], { dtype: 'int32' }))).toThrow(/floating point/);
    expect(() => new nn.GRUCell(3, 4).forward(nr.zeros([2, 5]))).toThrow(/GRUCell: expected input of shape \(N, 3\)/);
  });
  it('wrong h0 / c0 shapes and types', () => {
    const m = new nn.LSTM(3, 4, { numLayers: 2 });
    const x = nr.zeros([5, 2, 3]);
    expect(() => m.forward(x, [nr.zeros([1, 2, 4]), nr.zeros([2, 2, 4])])).toThrow(/expected h0 of shape \[2, 2, 4\], got \[1, 2, 4\]/);
    expect(() => m.forward(x, [nr.zeros([2, 2, 4]), nr.zeros([2, 3, 4])])).toThrow(/expected c0 of shape \[2, 2, 4\], got \[2, 3, 4\]/);
    expect(() => m.forward(x, nr.zeros([2, 2, 4]) as any)).toThrow(/pair/);
    expect(() => new nn.GRU(3, 4).forward(x, nr.zeros([1, 2, 5]))).toThrow(/GRU: expected hx of shape \[1, 2, 4\]/);
    expect(() => new nn.GRU(3, 4).forward(x, nr.zeros([1, 2, 4], { dtype: 'float64' }))).toThrow(/dtype/);
    expect(() => new nn.RNNCell(3, 4).forward(nr.zeros([2, 3]), nr.zeros([3, 4]))).toThrow(/expected hx of shape \[2, 4\]/);
  });
  it('bad constructor arguments', () => {
    expect(() => new nn.RNN(3, 0)).toThrow(/hiddenSize/);
    expect(() => new nn.RNN(3, 4, { nonlinearity: 'sigmoid' as any })).toThrow(/nonlinearity/);
    expect(() => new nn.GRU(3, 4, { dropout: 2 })).toThrow(/dropout/);
    expect(() => new nn.LSTM(3, 4, { numLayers: 0 })).toThrow(/numLayers/);
    expect(() => new nn.LSTM(3, 4, { projSize: 2 } as any)).toThrow(/not implemented/);
  });
});
