// nn.Module mechanics (discovery, traversal order, state dicts, strict loading, to(), modes, hooks,
// repr), containers, Parameter, Dropout, the simple layers and the activation modules.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { expectClose, loadFixture, ft } from './util/nnfixtures';
import { gradcheck, rand64 } from './util/gradcheck';

const { nn } = nr;
const F = nn.functional;

class Net extends nn.Module {
  scale = new nn.Parameter(nr.ones([3]));
  fc1 = new nn.Linear(4, 3);
  block = new nn.Sequential(new nn.LayerNorm(3), new nn.ReLU());
  bn = new nn.BatchNorm1d(3);
  plain = nr.zeros([2]);   // a plain tensor property is neither a parameter nor a buffer
  constructor() {
    super();
    this.registerBuffer('step', nr.zeros([1]), { persistent: false });
  }
  forward(x: Tensor): Tensor { return this.bn.forward(this.block.forward(x.mul(this.scale))); }
}

const KEYS = ['scale', 'fc1.weight', 'fc1.bias', 'block.0.weight', 'block.0.bias', 'bn.weight', 'bn.bias',
  'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked'];

describe('Module discovery and traversal', () => {
  it('finds parameters, children and buffers from properties, in PyTorch order', () => {
    const m = new Net();
    expect(m.namedParameters().map(([k]) => k)).toEqual(KEYS.filter((k) => !k.includes('running') && !k.includes('num_batches')));
    expect(m.namedBuffers().map(([k]) => k)).toEqual(['step', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect(m.namedChildren().map(([k]) => k)).toEqual(['fc1', 'block', 'bn']);
    expect(m.namedModules().map(([k]) => k)).toEqual(['', 'fc1', 'block', 'block.0', 'block.1', 'bn']);
    expect(m.modules()[3]).toBe(m.block[0]);
    expect(Object.keys(m.stateDict())).toEqual(KEYS);   // 'step' is not persistent
    expect(m.parameters({ recurse: false })).toEqual([m.scale]);
    expect(m.numParameters()).toBe(3 + 12 + 3 + 3 + 3 + 3 + 3);
  });

  it('assigning a property later registers it; null removes it; shared modules appear once', () => {
    const m = new Net();
    (m as any).extra = new nn.Linear(2, 2, { bias: false });
    expect(m.namedParameters().map(([k]) => k)).toContain('extra.weight');
    (m as any).extra = null;
    expect(m.namedParameters().map(([k]) => k)).not.toContain('extra.weight');
    const shared = new nn.Linear(2, 2);
    const s = new nn.Sequential(shared, new nn.ReLU(), shared);
    expect(s.parameters().length).toBe(2);
    expect(s.modules().length).toBe(3);
    expect(Object.keys(s.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(s.namedModules({ removeDuplicate: false }).length).toBe(4);
  });

  it('registerBuffer: accessors, persistence, errors', () => {
    const m = new Net() as any;
    expect(m.step.toArray()).toEqual([0]);
    m.step = nr.ones([1]);
    expect(m.buffers()[0].toArray()).toEqual([1]);
    expect(() => m.registerBuffer('fc1', nr.zeros([1]))).toThrow(/already exists/);
    expect(() => m.registerBuffer('a.b', nr.zeros([1]))).toThrow(/without '\.'/);
    expect(() => m.registerBuffer('w', new nn.Parameter(nr.zeros([1])))).toThrow(/Parameter/);
    expect(() => m.registerBuffer('forward', nr.zeros([1]))).toThrow(/shadow/);
    m.registerBuffer('extra', nr.zeros([2]));
    expect(Object.keys(m.stateDict())).toContain('extra');
    m.registerModule('head', new nn.Identity());
    m.registerParameter('bias2', new nn.Parameter(nr.zeros([1])));
    expect(m.namedParameters().map(([k]: [string]) => k)).toContain('bias2');
    expect(() => m.registerParameter('p', nr.zeros([1]))).toThrow(/nn.Parameter/);
  });
});

describe('Parameter', () => {
  it('is a leaf that requires grad and shares storage with its data', () => {
    const t = nr.zeros([2, 2]);
    const p = new nn.Parameter(t);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(p.storage).toBe(t.storage);
    expect(p instanceof nr.Tensor).toBe(true);
    expect(nn.isParameter(p)).toBe(true);
    expect(new nn.Parameter(t, false).requiresGrad).toBe(false);
    expect(() => new nn.Parameter(nr.zeros([2], { dtype: 'int64' }))).toThrow(/floating-point/);
    expect(new nn.Parameter(nr.zeros([2], { dtype: 'int64' }), false).dtype).toBe('int64');
  });
  it('modules built inside tidy() survive it', () => {
    const m = nr.tidy(() => new nn.Sequential(new nn.Linear(2, 2), new nn.BatchNorm1d(2)));
    expect(m.parameters().every((p) => !p.isDisposed)).toBe(true);
    expect(m.buffers().every((b) => !b.isDisposed)).toBe(true);
    expect(m.parameters()[0].toFlatArray().length).toBe(4);
  });
});

describe('state dict', () => {
  it('round trips into a fresh model by copying values', () => {
    nr.manualSeed(1);
    const a = new Net(), b = new Net();
    a.bn.forward(nr.randn([5, 3]));   // move running stats
    const r = b.loadStateDict(a.stateDict());
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const sa = a.stateDict(), sb = b.stateDict();
    for (const k of KEYS) expect(sb[k].toFlatArray()).toEqual(sa[k].toFlatArray());
    expect(b.bn.numBatchesTracked!.item()).toBe(1);
    nr.noGrad(() => a.fc1.weight.add_(1));
    expect(b.fc1.weight.toFlatArray()).toEqual(sb['fc1.weight'].toFlatArray());
    expect(b.fc1.weight.toFlatArray()).not.toEqual(a.fc1.weight.toFlatArray());
    // stateDict values share memory with the model and are detached
    expect(sa['fc1.weight'].storage).toBe(a.fc1.weight.storage);
    expect(sa['fc1.weight'].requiresGrad).toBe(false);
    expect(a.stateDict({ keepVars: true })['fc1.weight']).toBe(a.fc1.weight);
    // a Map works too, and values are cast to the parameter's dtype
    const m64 = new Map(Object.entries(a.stateDict()).map(([k, v]) => [k, v.isFloatingPoint() ? v.double() : v] as [string, Tensor]));
    new Net().loadStateDict(m64);
  });

  it('strict loading reports missing and unexpected keys; shape mismatches always throw', () => {
    const a = new Net();
    const sd = a.stateDict();
    delete sd['fc1.bias'];
    sd['fc9.weight'] = nr.zeros([1]);
    expect(() => a.loadStateDict(sd)).toThrow(/Missing key\(s\) in state_dict: "fc1.bias"\.\n\tUnexpected key\(s\) in state_dict: "fc9.weight"/);
    const before = a.fc1.weight.toFlatArray();
    sd['fc1.weight'] = nr.zeros([3, 4]);
    expect(a.loadStateDict(sd, { strict: false })).toEqual({ missingKeys: ['fc1.bias'], unexpectedKeys: ['fc9.weight'] });
    expect(a.fc1.weight.toFlatArray()).toEqual(new Array(12).fill(0));
    sd['fc1.weight'] = nr.zeros([4, 3]);
    nr.noGrad(() => a.fc1.weight.fill_(2));
    expect(() => a.loadStateDict(sd, { strict: false })).toThrow(
      /size mismatch for fc1.weight: copying a param with shape \[4, 3\] from checkpoint, the shape in current model is \[3, 4\]/);
    expect(a.fc1.weight.toFlatArray()[0]).toBe(2);   // nothing copied on error
    expect(() => a.loadStateDict({ ...a.stateDict(), scale: 3 as any })).toThrow(/'scale' is not a tensor/);
    expect(() => a.loadStateDict(null as any)).toThrow(/expected an object or Map/);
    void before;
  });
});

describe('modes, gradients, dtype/device', () => {
  it('train/eval recurse; apply visits children first', () => {
    const m = new Net();
    expect(m.modules().every((x) => x.training)).toBe(true);
    m.eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.bn.training).toBe(true);
    const order: string[] = [];
    m.apply((x) => order.push(x.constructor.name));
    expect(order).toEqual(['Linear', 'LayerNorm', 'ReLU', 'Sequential', 'BatchNorm1d', 'Net']);
  });

  it('zeroGrad and requiresGrad_', () => {
    const m = new Net();
    const x = nr.randn([4, 3]);
    m.forward(x).sum().backward();
    expect(m.scale.grad).not.toBeNull();
    m.zeroGrad({ setToNone: false });
    expect(m.scale.grad!.toArray()).toEqual([0, 0, 0]);
    m.zeroGrad();
    expect(m.scale.grad).toBeNull();
    m.requiresGrad_(false);
    expect(m.parameters().every((p) => !p.requiresGrad)).toBe(true);
    expect(m.numParameters({ trainableOnly: true })).toBe(0);
  });

  it('to(dtype) converts floating parameters/buffers in place and keeps Parameter identity', () => {
    const m = new Net();
    const w = m.fc1.weight, vals = w.toFlatArray();
    m.forward(nr.randn([4, 3])).sum().backward();
    expect(m.to('float64')).toBe(m);
    expect(m.fc1.weight).toBe(w);
    expect(w.dtype).toBe('float64');
    expect(w.toFlatArray()).toEqual(vals);
    expect(m.scale.grad!.dtype).toBe('float64');
    expect(m.bn.runningMean!.dtype).toBe('float64');
    expect(m.bn.numBatchesTracked!.dtype).toBe('int64');
    expect(m.stateDict()['bn.running_var'].dtype).toBe('float64');
    expect(m.forward(nr.randn([2, 3], { dtype: 'float64' })).dtype).toBe('float64');
    m.float();
    expect(w.dtype).toBe('float32');
    expect(m.to('cpu')).toBe(m);
    let tensorErr = '';
    try { nr.zeros([1]).to('cuda'); } catch (e: any) { tensorErr = e.message; }
    expect(tensorErr).not.toBe('');
    expect(() => m.to('cuda')).toThrow(tensorErr);
    expect(() => m.to('int32' as any)).toThrow(/floating point dtypes/);
  });
});

describe('forward, call and hooks, repr', () => {
  it('call() runs pre-hooks, forward and hooks', () => {
    const m = new nn.ReLU();
    const x = nr.tensor([-1, 2], { dtype: 'float32' });
    expect(m.call(x).toArray()).toEqual([0, 2]);
    const h1 = m.registerForwardPreHook((_mod, args) => [args[0].neg()]);
    const h2 = m.registerForwardHook((_mod, _args, out) => out.mul(10));
    expect(m.call(x).toArray()).toEqual([10, 0]);
    expect(m.forward(x).toArray()).toEqual([0, 2]);   // forward skips hooks
    h1.remove(); h2.remove();
    expect(m.call(x).toArray()).toEqual([0, 2]);
  });

  it('toString is a PyTorch-style tree', () => {
    const s = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Dropout(0.2),
      new nn.Sequential(new nn.LayerNorm(256), new nn.GELU({ approximate: 'tanh' })), new nn.Linear(256, 10, { bias: false }));
    expect(String(s)).toBe([
      'Sequential(',
      '  (0): Linear(inFeatures=784, outFeatures=256, bias=true)',
      '  (1): ReLU()',
      '  (2): Dropout(p=0.2)',
      '  (3): Sequential(',
      '    (0): LayerNorm([256], eps=0.00001, elementwiseAffine=true)',
      "    (1): GELU(approximate='tanh')",
      '  )',
      '  (4): Linear(inFeatures=256, outFeatures=10, bias=false)',
      ')',
    ].join('\n'));
  });
});

describe('containers', () => {
  it('Sequential: indexing, list operations, named form', () => {
    const a = new nn.ReLU(), b = new nn.Tanh(), c = new nn.Sigmoid();
    const s = new nn.Sequential(a, b);
    expect(s[0]).toBe(a);
    expect(s.length).toBe(2);
    expect(s.at(-1)).toBe(b);
    s.append(c);
    expect([...s]).toEqual([a, b, c]);
    const x = nr.tensor([-1, 0.5], { dtype: 'float32' });
    expectClose(s.forward(x), x.relu().tanh().sigmoid(), 1e-7, 'sequential forward');
    expect(s.slice(1).length).toBe(2);
    expect(s.pop(0)).toBe(a);
    expect(s[0]).toBe(b);
    s.insert(0, a);
    expect([...s]).toEqual([a, b, c]);
    expect(() => s.at(3)).toThrow(/out of range/);
    expect(() => new nn.Sequential(a, 3 as any)).toThrow(/expected an nn.Module/);
    const named = new nn.Sequential({ conv: new nn.Identity(), act: new nn.ReLU() });
    expect(named.namedChildren().map(([k]) => k)).toEqual(['conv', 'act']);
  });

  it('ModuleList and ModuleDict register their children', () => {
    const l = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 1)]);
    expect(Object.keys(l.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    l.append(new nn.Linear(1, 1));
    expect(l.length).toBe(3);
    expect(() => l.forward()).toThrow(/no forward/);
    const d = new nn.ModuleDict({ b: new nn.Linear(1, 1), a: new nn.Linear(1, 2, { bias: false }) });
    d.set('10', new nn.Linear(2, 2));
    expect(Object.keys(d.stateDict())).toEqual(['b.weight', 'b.bias', 'a.weight', '10.weight', '10.bias']);
    expect(d.keys()).toEqual(['b', 'a', '10']);
    expect(d.get('a')).toBeInstanceOf(nn.Linear);
    expect(d.pop('b')).toBeInstanceOf(nn.Linear);
    expect(d.size).toBe(2);
    expect(() => d.set('x.y', new nn.ReLU())).toThrow(/without '\.'/);
  });
});

describe('Dropout', () => {
  it('training: zeroes about p of the elements and scales the rest by 1/(1-p)', () => {
    nr.manualSeed(7);
    const d = new nn.Dropout(0.3);
    const x = nr.ones([200, 500], { requiresGrad: true });
    const y = d.forward(x);
    const v = y.toFlatArray();
    const zeros = v.filter((e) => e === 0).length / v.length;
    expect(Math.abs(zeros - 0.3)).toBeLessThan(0.01);
    expect(v.every((e) => e === 0 || Math.abs(e - 1 / 0.7) < 1e-6)).toBe(true);
    y.sum().backward();
    expect(x.grad!.toFlatArray()).toEqual(v);   // gradient is the same scaled mask
  });
  it('eval mode and p = 0 are the identity; p = 1 gives zeros; masks follow manualSeed', () => {
    const x = nr.randn([10, 10]);
    const d = new nn.Dropout(0.5);
    d.eval();
    expect(d.forward(x)).toBe(x);
    expect(new nn.Dropout(0).forward(x)).toBe(x);
    const z = new nn.Dropout(1).forward(x.detach().requiresGrad_());
    expect(z.toFlatArray().every((e) => e === 0)).toBe(true);
    nr.manualSeed(3);
    const a = F.dropout(x).toFlatArray();
    nr.manualSeed(3);
    expect(F.dropout(x).toFlatArray()).toEqual(a);
    expect(F.dropout(x, { training: false })).toBe(x);
    expect(() => new nn.Dropout(1.5)).toThrow(/between 0 and 1/);
    expect(() => F.dropout(x, { p: -0.1 })).toThrow(/between 0 and 1/);
  });
});

describe('simple layers and activations', () => {
  it('Identity, Flatten, Unflatten', () => {
    const x = nr.randn([2, 3, 4, 5]);
    expect(new nn.Identity().forward(x)).toBe(x);
    expect(new nn.Flatten().forward(x).shape).toEqual([2, 60]);
    expect(new nn.Flatten(0, 1).forward(x).shape).toEqual([6, 4, 5]);
    expect(new nn.Unflatten(1, [3, 1]).forward(nr.randn([2, 3])).shape).toEqual([2, 3, 1]);
    expect(new nn.Unflatten(-1, [2, -1]).forward(nr.randn([2, 6])).shape).toEqual([2, 2, 3]);
    expect(String(new nn.Flatten())).toBe('Flatten(startDim=1, endDim=-1)');
  });

  it('activation modules compute their functions', () => {
    const x = nr.tensor([-3, -0.5, 0, 0.5, 7], { dtype: 'float64' });
    const v = x.toFlatArray();
    const check = (m: InstanceType<typeof nn.Module>, f: (a: number) => number, tol = 1e-12) => {
      const y = m.forward(x).toFlatArray();
      y.forEach((e: number, i: number) => expect(Math.abs(e - f(v[i]))).toBeLessThan(tol));
    };
    const sig = (a: number) => 1 / (1 + Math.exp(-a));
    check(new nn.ReLU(), (a) => Math.max(a, 0));
    check(new nn.ReLU6(), (a) => Math.min(Math.max(a, 0), 6));
    check(new nn.LeakyReLU(0.2), (a) => (a > 0 ? a : 0.2 * a));
    check(new nn.ELU(0.5), (a) => (a > 0 ? a : 0.5 * (Math.exp(a) - 1)));
    check(new nn.Sigmoid(), sig);
    check(new nn.Tanh(), Math.tanh);
    check(new nn.SiLU(), (a) => a * sig(a));
    check(new nn.Swish(), (a) => a * sig(a));
    check(new nn.Mish(), (a) => a * Math.tanh(Math.log1p(Math.exp(a))));
    check(new nn.Softplus({ beta: 2, threshold: 10 }), (a) => (2 * a > 10 ? a : Math.log1p(Math.exp(2 * a)) / 2));
    check(new nn.Hardtanh(-0.4, 2), (a) => Math.min(Math.max(a, -0.4), 2));
    check(new nn.Step(), (a) => (a > 0 ? 1 : 0));
    check(new nn.GELU({ approximate: 'tanh' }), (a) => 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a ** 3))));
    expect(String(new nn.LeakyReLU(0.2))).toBe('LeakyReLU(negativeSlope=0.2)');
    expect(() => new nn.Softmax(undefined as any)).toThrow(/dim must be given/);
    expect(() => new nn.GELU({ approximate: 'fast' as any })).toThrow(/approximate/);
    expect(() => new nn.Hardtanh(1, 0)).toThrow(/less than/);
  });

  it('functional activations are differentiable (float64 gradcheck)', () => {
    nr.manualSeed(8);
    const x = rand64([3, 4], -2, 2);
    gradcheck((a) => F.leakyRelu(a, 0.1), [x]);
    gradcheck((a) => F.elu(a, 1.5), [x]);
    gradcheck((a) => F.gelu(a), [x]);
    gradcheck((a) => F.silu(a), [x]);
    gradcheck((a) => F.mish(a), [x]);
    gradcheck((a) => F.softplus(a, { beta: 2 }), [x]);
    gradcheck((a) => F.normalize(a, { dim: 1 }), [x]);
  });
});

describe('PyTorch references for module structure', () => {
  const fx = loadFixture('modules.json');
  it('state-dict keys and traversal names match PyTorch for a nested model', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.ReLU(),
      new nn.Sequential(new nn.LayerNorm(4), new nn.Linear(4, 2, { bias: false })), new nn.Embedding(5, 2, { paddingIdx: 0 }));
    expect(Object.keys(model.stateDict())).toEqual(fx.stateDictKeys);
    expect(model.namedParameters().map(([k]) => k)).toEqual(fx.namedParameters);
    expect(model.namedBuffers().map(([k]) => k)).toEqual(fx.namedBuffers);
    expect(model.namedModules().map(([k]) => k)).toEqual(fx.namedModules);
  });

  it('Embedding forward and gradient match PyTorch', () => {
    const e = fx.embedding;
    const emb = new nn.Embedding(6, 3, { paddingIdx: 2, weight: ft(e.weight) });
    const out = emb.forward(ft(e.idx));
    expectClose(out, e.out, 1e-12, 'embedding out');
    out.backward(ft(e.gout));
    expectClose(emb.weight.grad!, e.grad, 1e-12, 'embedding grad (padding row zero)');
  });
  it('Softmax and LogSoftmax modules', () => {
    const x = nr.randn([3, 5]);
    expectClose(new nn.Softmax(1).forward(x).sum(1), nr.ones([3]), 1e-6, 'softmax rows sum to 1');
    expectClose(new nn.LogSoftmax(-1).forward(x).exp(), new nn.Softmax(-1).forward(x), 1e-6, 'logSoftmax');
  });
});

describe('Embedding', () => {
  it('init N(0,1) with a zero padding row, lookup shape, padding gets no gradient', () => {
    nr.manualSeed(21);
    const e = new nn.Embedding(1000, 64, { paddingIdx: -1 });
    expect(e.paddingIdx).toBe(999);
    const w = e.weight.toFlatArray();
    const body = w.slice(0, 999 * 64);
    const mean = body.reduce((a, b) => a + b, 0) / body.length;
    const std = Math.sqrt(body.reduce((a, b) => a + (b - mean) ** 2, 0) / body.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(std - 1)).toBeLessThan(0.01);
    expect(w.slice(999 * 64).every((v) => v === 0)).toBe(true);
    const ids = nr.tensor([[1, 999], [3, 1]]);
    const out = e.forward(ids);
    expect(out.shape).toEqual([2, 2, 64]);
    out.sum().backward();
    const g = e.weight.grad!;
    expect(g.select(0, 1).toFlatArray().every((v) => v === 2)).toBe(true);
    expect(g.select(0, 999).toFlatArray().every((v) => v === 0)).toBe(true);
    expect(String(e)).toBe('Embedding(1000, 64, paddingIdx=999)');
    expect(Object.keys(e.stateDict())).toEqual(['weight']);
  });
  it('maxNorm renormalises looked-up rows in place; fromPretrained freezes', () => {
    const w = nr.tensor([[3, 4], [0.3, 0.4], [6, 8]], { dtype: 'float64' });
    const e = nn.Embedding.fromPretrained(w.clone(), { maxNorm: 1 });
    expect(e.weight.requiresGrad).toBe(false);
    const out = e.forward(nr.tensor([0, 1]));
    expectClose(out, nr.tensor([[0.6, 0.8], [0.3, 0.4]], { dtype: 'float64' }), 1e-6, 'renormed rows');
    expect((e.weight.toArray() as number[][])[2]).toEqual([6, 8]);   // not looked up: untouched
    expect(nn.Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad).toBe(true);
  });
  it('bad input', () => {
    const e = new nn.Embedding(4, 2);
    expect(() => e.forward(nr.tensor([4]))).toThrow(/4/);
    expect(() => e.forward(nr.tensor([0.5], { dtype: 'float32' }))).toThrow();
    expect(() => new nn.Embedding(4, 2, { paddingIdx: 4 })).toThrow(/paddingIdx/);
    expect(() => new nn.Embedding(4, 2, { weight: nr.zeros([3, 2]) })).toThrow(/does not match/);
  });
});

