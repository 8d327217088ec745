// Float64 finite-difference gradient checks for every differentiable op of the core (views, binary,
// unary/activations, reductions), each with broadcasting and non-contiguous inputs, plus autograd
// semantics: accumulation, retainGraph, noGrad/enableGrad, detach, hooks, retainGrad, explicit
// gradients, createGraph (double backward) and in-place checks.
import { describe, it, expect, beforeEach } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';

beforeEach(() => nr.manualSeed(1234));

/** A float64 leaf that is a transposed (non-contiguous) view: shape as given, strides swapped. */
function transposed64(shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.length;
  const rev = shape.slice().reverse();
  const base = nr.uniform(rev, lo, hi, { dtype: 'float64' });
  const t = base.permute(rev.map((_, i) => n - 1 - i));
  expect(t.isContiguous()).toBe(n < 2 || shape.filter((d) => d > 1).length < 2);
  return t.requiresGrad_(true);
}

/** A float64 leaf that is a strided slice (every second element of the last dim) of a larger tensor. */
function sliced64(shape: number[], lo = -1, hi = 1): Tensor {
  if (shape.length === 0) return nr.uniform([3], lo, hi, { dtype: 'float64' }).select(0, 1).requiresGrad_(true);
  const big = shape.slice();
  big[big.length - 1] = big[big.length - 1] * 2 + 1;
  const base = nr.uniform(big, lo, hi, { dtype: 'float64' });
  const t = base.slice(-1, 1, undefined, 2);
  expect(t.shape).toEqual(shape);
  return t.requiresGrad_(true);
}

type Maker = (shape: number[], lo?: number, hi?: number) => Tensor;
const LAYOUTS: [string, Maker][] = [['contiguous', rand64], ['transposed', transposed64], ['sliced', sliced64]];

/** Values in [lo, hi) bounded away from zero by `gap` (random signs). */
function awayFromZero(mk: Maker, shape: number[], gap = 0.3, hi = 1.5): Tensor {
  const t = mk(shape, gap, hi);
  nr.noGrad(() => {
    const s = nr.rand(shape, { dtype: 'float64' }).lt(0.5).to('float64').mul(2).sub(1);
    t.detach().copy_(t.mul(s));
  });
  return t;
}

describe('gradcheck: views', () => {
  for (const [layout, mk] of LAYOUTS) {
    describe(layout, () => {
      it('reshape / view / flatten / unflatten', () => {
        gradcheck((x) => x.reshape([6, 2]), [mk([3, 4])]);
        gradcheck((x) => x.reshape([-1]), [mk([2, 3, 2])]);
        gradcheck((x) => x.flatten(), [mk([2, 3, 2])]);
        gradcheck((x) => x.flatten(1), [mk([2, 3, 2])]);
        gradcheck((x) => x.unflatten(1, [2, 2]), [mk([3, 4])]);
        gradcheck((x) => x.contiguous().view([4, 3]), [mk([3, 4])]);
      });
      it('transpose / t / permute', () => {
        gradcheck((x) => x.transpose(0, 2), [mk([2, 3, 4])]);
        gradcheck((x) => x.t(), [mk([3, 4])]);
        gradcheck((x) => x.permute([2, 0, 1]), [mk([2, 3, 4])]);
        gradcheck((x) => x.permute([-1, 0, 1]).mul(x.permute([2, 0, 1])), [mk([2, 3, 4])]);
      });
      it('squeeze / unsqueeze', () => {
        gradcheck((x) => x.unsqueeze(1).unsqueeze(-1), [mk([3, 4])]);
        gradcheck((x) => x.unsqueeze(0).squeeze(), [mk([3, 4])]);
        gradcheck((x) => x.reshape([3, 1, 4, 1]).squeeze(1), [mk([3, 4])]);
        gradcheck((x) => x.reshape([3, 1, 4, 1]).squeeze([1, 3]), [mk([3, 4])]);
      });
      it('expand / broadcastTo / expandAs', () => {
        gradcheck((x) => x.reshape([3, 1, 4]).expand([2, 3, 5, 4]), [mk([3, 4])]);
        gradcheck((x) => x.slice(1, 0, 1).expand([3, 4]), [mk([3, 4])]);
        gradcheck((x) => x.broadcastTo([2, 3, 4]), [mk([3, 4])]);
      });
      it('narrow / slice with step / select / unbind', () => {
        gradcheck((x) => x.narrow(1, 1, 2), [mk([3, 4])]);
        gradcheck((x) => x.narrow(-1, -3, 2), [mk([3, 4])]);
        gradcheck((x) => x.slice(1, 0, undefined, 2), [mk([3, 5])]);
        gradcheck((x) => x.slice(0, -2, undefined, 3).slice(1, 1, 4, 2), [mk([5, 5])]);
        gradcheck((x) => x.select(0, 1), [mk([3, 4])]);
        gradcheck((x) => x.select(-1, -1), [mk([3, 4])]);
        gradcheck((x) => x.unbind(1), [mk([3, 4])]);
      });
      it('split / chunk', () => {
        gradcheck((x) => x.split(2, 1), [mk([3, 5])]);
        gradcheck((x) => x.split([1, 3, 1], 1), [mk([3, 5])]);
        gradcheck((x) => x.chunk(2, 0), [mk([3, 5])]);
        gradcheck((x) => x.split(2, 1)[1].mul(x.chunk(3, 1)[0]), [mk([3, 5])]);
      });
      it('cat / stack (incl. promotion of a float32 part and an input used twice)', () => {
        gradcheck((a, b) => nr.cat([a, b], 1), [mk([3, 2]), mk([3, 4])]);
        gradcheck((a, b) => nr.cat([a, b, a], 0), [mk([2, 3]), mk([1, 3])]);
        gradcheck((a, b) => nr.cat([a, nr.zeros([0]), b], -1), [mk([2]), mk([3])]);
        gradcheck((a, b) => nr.stack([a, b], 1), [mk([3, 2]), mk([3, 2])]);
        gradcheck((a, b) => nr.stack([a, b, a], -1), [mk([3, 2]), mk([3, 2])]);
        const f32 = nr.ones([2, 2], { dtype: 'float32' });
        gradcheck((a) => nr.cat([f32, a], 0), [mk([2, 2])]);
      });
    });
  }
});

describe('gradcheck: binary ops with broadcasting', () => {
  const SHAPES: [number[], number[]][] = [[[3, 4], [3, 4]], [[2, 3, 4], [4]], [[3, 1], [1, 4]], [[4], [2, 1, 4]], [[], [3, 2]], [[3, 2], []]];
  for (const [layout, mk] of LAYOUTS) {
    describe(layout, () => {
      for (const [sa, sb] of SHAPES) {
        const tag = `[${sa}] op [${sb}]`;
        it(`add/sub (alpha), mul, div ${tag}`, () => {
          gradcheck((a, b) => a.add(b), [mk(sa), mk(sb)]);
          gradcheck((a, b) => a.add(b, { alpha: -2.5 }), [mk(sa), mk(sb)]);
          gradcheck((a, b) => nr.add(a, b), [mk(sa), mk(sb)]);
          gradcheck((a, b) => a.sub(b), [mk(sa), mk(sb)]);
          gradcheck((a, b) => a.sub(b, { alpha: 0.5 }), [mk(sa), mk(sb)]);
          gradcheck((a, b) => a.rsub(b), [mk(sa), mk(sb)]);
          gradcheck((a, b) => a.mul(b), [mk(sa), mk(sb)]);
          gradcheck((a, b) => a.div(b), [mk(sa), awayFromZero(mk, sb)]);
        });
        it(`pow, maximum, minimum, atan2 ${tag}`, () => {
          gradcheck((a, b) => a.pow(b), [mk(sa, 0.5, 2), mk(sb, -2, 2)]);
          gradcheck((a, b) => a.maximum(b), [mk(sa), mk(sb)]);
          gradcheck((a, b) => a.minimum(b), [mk(sa), mk(sb)]);
          gradcheck((a, b) => nr.maximum(a, b).add(nr.minimum(b, a)), [mk(sa), mk(sb)]);
          gradcheck((a, b) => a.atan2(b), [awayFromZero(mk, sa), awayFromZero(mk, sb)]);
        });
        it(`fmod, remainder, where ${tag}`, () => {
          // keep a/b away from integer quotients, where fmod/remainder jump
          gradcheck((a, b) => a.fmod(b), [mk(sa, 0.2, 0.8), mk(sb, 1.1, 1.9)]);
          gradcheck((a, b) => a.fmod(b), [mk(sa, 1.2, 1.8), mk(sb, -1, -0.7)]);
          gradcheck((a, b) => a.remainder(b), [mk(sa, -0.8, -0.2), mk(sb, 1.1, 1.9)]);
          gradcheck((a, b) => a.remainder(b), [mk(sa, 1.2, 1.8), mk(sb, -1, -0.7)]);
          gradcheck((a, b) => nr.where(a.gt(b), a, b.mul(2)), [mk(sa), mk(sb)]);
          gradcheck((a, b) => nr.where(a.gt(0), b, 1.5), [mk(sa), mk(sb)]);
          gradcheck((a, b) => nr.where(b.lt(0), -2, a), [mk(sa), mk(sb)]);
        });
      }
      it('scalar operands', () => {
        gradcheck((a) => a.add(2.5), [mk([3, 4])]);
        gradcheck((a) => a.add(2, { alpha: 3 }), [mk([3, 4])]);
        gradcheck((a) => a.sub(1.5), [mk([3, 4])]);
        gradcheck((a) => a.rsub(1.5), [mk([3, 4])]);
        gradcheck((a) => a.mul(-3), [mk([3, 4])]);
        gradcheck((a) => a.div(4), [mk([3, 4])]);
        gradcheck((a) => a.pow(3), [mk([3, 4])]);
        gradcheck((a) => a.pow(2.5), [mk([3, 4], 0.2, 2)]);
        gradcheck((a) => a.pow(-1.5), [mk([3, 4], 0.2, 2)]);
        gradcheck((a) => a.pow(0), [mk([3, 4])]);
        gradcheck((a) => a.pow(1), [mk([3, 4])]);
        gradcheck((b) => nr.pow(2, b), [mk([3, 4])]);
        gradcheck((a) => a.fmod(0.7), [mk([3, 4], 0.05, 0.65)]);
        gradcheck((a) => a.remainder(-0.7), [mk([3, 4], 0.05, 0.65)]);
        gradcheck((a) => nr.where(a.gt(0), a, 0), [mk([3, 4])]);
      });
    });
  }
  it('an input used as both operands', () => {
    gradcheck((a) => a.mul(a), [rand64([3, 4])]);
    gradcheck((a) => a.div(a.add(3)), [rand64([3, 4])]);
    gradcheck((a) => a.pow(a), [rand64([3, 4], 0.5, 2)]);
  });
});

describe('gradcheck: unary ops and activations', () => {
  // [name, fn, lo, hi]: input range keeps away from kinks and outside of each op's domain
  const UNARY: [string, (x: Tensor) => Tensor, number, number][] = [
    ['neg', (x) => x.neg(), -2, 2], ['abs', (x) => x.abs(), 0.1, 2], ['sign', (x) => x.sign(), 0.1, 2],
    ['exp', (x) => x.exp(), -2, 2], ['log', (x) => x.log(), 0.2, 3], ['log1p', (x) => x.log1p(), -0.5, 3],
    ['expm1', (x) => x.expm1(), -2, 2], ['sqrt', (x) => x.sqrt(), 0.2, 3], ['rsqrt', (x) => x.rsqrt(), 0.2, 3],
    ['sin', (x) => x.sin(), -3, 3], ['cos', (x) => x.cos(), -3, 3], ['tan', (x) => x.tan(), -1.2, 1.2],
    ['tanh', (x) => x.tanh(), -3, 3], ['sigmoid', (x) => x.sigmoid(), -4, 4], ['relu', (x) => x.relu(), -2, 2],
    ['relu6', (x) => x.relu6(), -2, 8],
    ['leakyRelu', (x) => x.leakyRelu(), -2, 2], ['leakyRelu(0.2)', (x) => x.leakyRelu(0.2), -2, 2],
    ['elu', (x) => x.elu(), -2, 2], ['elu(0.5)', (x) => x.elu(0.5), -2, 2],
    ['gelu', (x) => x.gelu(), -3, 3], ['gelu tanh', (x) => x.gelu({ approximate: 'tanh' }), -3, 3],
    ['silu', (x) => x.silu(), -4, 4], ['mish', (x) => x.mish(), -4, 4],
    ['softplus', (x) => x.softplus(), -4, 4], ['softplus beta=2 threshold=3', (x) => x.softplus({ beta: 2, threshold: 3 }), -3, 3],
    ['hardtanh', (x) => x.hardtanh(), -2, 2], ['hardtanh(-0.5, 1.5)', (x) => x.hardtanh(-0.5, 1.5), -2, 2],
    ['clamp(min, max)', (x) => x.clamp(-0.5, 0.5), -1, 1], ['clamp(min)', (x) => x.clamp(0.1), -1, 1],
    ['clamp(null, max)', (x) => x.clamp(null, 0.1), -1, 1], ['clip', (x) => x.clip(-0.3, 0.2), -1, 1],
    ['floor', (x) => x.floor(), -2, 2], ['ceil', (x) => x.ceil(), -2, 2], ['round', (x) => x.round(), -2, 2],
    ['trunc', (x) => x.trunc(), -2, 2], ['frac', (x) => x.frac(), -2, 2],
    ['reciprocal', (x) => x.reciprocal(), 0.3, 2], ['square', (x) => x.square(), -2, 2], ['erf', (x) => x.erf(), -2, 2],
    ['log2', (x) => x.log2(), 0.2, 3], ['log10', (x) => x.log10(), 0.2, 3], ['exp2', (x) => x.exp2(), -2, 2],
    ['asin', (x) => x.asin(), -0.9, 0.9], ['acos', (x) => x.acos(), -0.9, 0.9], ['atan', (x) => x.atan(), -3, 3],
    ['sinh', (x) => x.sinh(), -2, 2], ['cosh', (x) => x.cosh(), -2, 2], ['asinh', (x) => x.asinh(), -3, 3],
    ['acosh', (x) => x.acosh(), 1.2, 3], ['atanh', (x) => x.atanh(), -0.9, 0.9],
  ];
  for (const [layout, mk] of LAYOUTS) {
    describe(layout, () => {
      for (const [name, f, lo, hi] of UNARY) {
        it(name, () => gradcheck(f, [mk([3, 4], lo, hi)]));
      }
    });
  }
  it('functional forms', () => {
    for (const f of [nr.exp, nr.sigmoid, nr.tanh, nr.gelu, nr.silu, nr.relu, nr.neg, nr.abs]) gradcheck((x) => f(x), [rand64([5], 0.1, 1)]);
    gradcheck((x) => nr.log(x), [rand64([5], 0.1, 1)]);
    gradcheck((x) => nr.leakyRelu(x, 0.1), [rand64([5])]);
    gradcheck((x) => nr.elu(x, 2), [rand64([5])]);
    gradcheck((x) => nr.softplus(x, 1.5, 10), [rand64([5])]);
    gradcheck((x) => nr.hardtanh(x, -0.4, 0.4), [rand64([5])]);
    gradcheck((x) => nr.clamp(x, -0.4, 0.4), [rand64([5])]);
  });
  it('gradient at a kink follows PyTorch (relu/abs/clamp/hardtanh at the boundary)', () => {
    const x = nr.tensor([0, -1, 1, 0.5, -0.5], { dtype: 'float64', requiresGrad: true });
    x.relu().sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 1, 1, 0]);
    x.grad = null;
    x.abs().sum().backward();
    expect(x.grad!.toArray()).toEqual([0, -1, 1, 1, -1]);
    x.grad = null;
    x.clamp(-0.5, 0.5).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 0, 0, 1, 1]);   // torch: inclusive bounds pass the gradient
    x.grad = null;
    x.hardtanh(-0.5, 0.5).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 0, 0, 0, 0]);   // torch: exclusive bounds for hardtanh
  });
});

describe('gradcheck: reductions', () => {
  for (const [layout, mk] of LAYOUTS) {
    describe(layout, () => {
      it('sum / mean over all, one, several and negative dims, keepdim', () => {
        for (const f of [(x: Tensor, d?: any, o?: any) => x.sum(d, o), (x: Tensor, d?: any, o?: any) => x.mean(d, o)]) {
          gradcheck((x) => f(x), [mk([3, 4])]);
          gradcheck((x) => f(x, 1), [mk([3, 4])]);
          gradcheck((x) => f(x, -1, { keepdim: true }), [mk([3, 4])]);
          gradcheck((x) => f(x, [0, 2]), [mk([2, 3, 4])]);
          gradcheck((x) => f(x, [2, 0], { keepdim: true }), [mk([2, 3, 4])]);
          gradcheck((x) => f(x, []), [mk([2, 3])]);
        }
        gradcheck((x) => nr.sum(x, 0), [mk([3, 4])]);
        gradcheck((x) => nr.mean(x, 1), [mk([3, 4])]);
      });
      it('prod, also with one and with two zeros in a group', () => {
        gradcheck((x) => x.prod(), [mk([2, 3], 0.5, 1.5)]);
        gradcheck((x) => x.prod(1), [mk([3, 4], 0.5, 1.5)]);
        gradcheck((x) => x.prod([0, 2], { keepdim: true }), [mk([2, 3, 2], 0.5, 1.5)]);
        const zeroed = (zs: [number, number][]) => {
          const t = mk([3, 4], 0.5, 1.5);
          nr.noGrad(() => { for (const [i, j] of zs) t.select(0, i).select(0, j).detach().fill_(0); });
          return t;
        };
        gradcheck((x) => x.prod(1), [zeroed([[0, 1]])]);
        gradcheck((x) => x.prod(1), [zeroed([[0, 1], [0, 3], [2, 2]])]);
        gradcheck((x) => x.prod(), [zeroed([[1, 1]])]);
        gradcheck((x) => x.prod(), [zeroed([[1, 1], [2, 0]])]);
        gradcheck((x) => x.prod(0), [zeroed([[1, 1], [2, 0]])]);
      });
      it('max/min with dim (values), full max/min, amax/amin', () => {
        gradcheck((x) => x.max(1).values, [mk([3, 4])]);
        gradcheck((x) => x.max(0, { keepdim: true }).values, [mk([3, 4])]);
        gradcheck((x) => x.min(-1).values, [mk([3, 4])]);
        gradcheck((x) => x.min(1, { keepdim: true }).values, [mk([2, 3, 4])]);
        gradcheck((x) => x.max(), [mk([3, 4])]);
        gradcheck((x) => x.min(), [mk([3, 4])]);
        gradcheck((x) => x.amax(1), [mk([3, 4])]);
        gradcheck((x) => x.amax([0, 2], { keepdim: true }), [mk([2, 3, 4])]);
        gradcheck((x) => x.amin(0), [mk([3, 4])]);
        gradcheck((x) => x.amin(), [mk([3, 4])]);
      });
      it('var / std (correction, unbiased, dims, keepdim)', () => {
        gradcheck((x) => x.var(), [mk([3, 4])]);
        gradcheck((x) => x.var(1), [mk([3, 4])]);
        gradcheck((x) => x.var(0, { correction: 0, keepdim: true }), [mk([3, 4])]);
        gradcheck((x) => x.var([0, 2], { unbiased: false }), [mk([2, 3, 4])]);
        gradcheck((x) => nr.var(x, -1, { correction: 2 }), [mk([3, 4])]);
        gradcheck((x) => x.std(), [mk([3, 4])]);
        gradcheck((x) => x.std(0), [mk([3, 4])]);
        gradcheck((x) => nr.std(x, [1, 2], { keepdim: true, correction: 0 }), [mk([2, 3, 4])]);
      });
      it('logsumexp', () => {
        gradcheck((x) => x.logsumexp(1), [mk([3, 4], -3, 3)]);
        gradcheck((x) => x.logsumexp([0, 1]), [mk([3, 4], -3, 3)]);
        gradcheck((x) => nr.logsumexp(x, -1, { keepdim: true }), [mk([2, 3, 4], -3, 3)]);
        gradcheck((x) => x.logsumexp(null), [mk([3, 4], 50, 60)]);
      });
      it('norm p = 1, 2, 3, inf, fro and dims', () => {
        for (const p of [1, 2, 3, Infinity, 'fro' as const, 1.5]) {
          gradcheck((x) => x.norm(p), [awayFromZero(mk, [3, 4], 0.1, 1)]);
          gradcheck((x) => x.norm(p, 1), [awayFromZero(mk, [3, 4], 0.1, 1)]);
          gradcheck((x) => nr.norm(x, p, [0, 2], { keepdim: true }), [awayFromZero(mk, [2, 3, 4], 0.1, 1)]);
        }
      });
    });
  }
  it('gradients of max/min/amax split or route ties like PyTorch', () => {
    const x = nr.tensor([[1, 3, 3], [2, 2, 0]], { dtype: 'float64', requiresGrad: true });
    x.amax(1).sum().backward();
    expect(x.grad!.toArray()).toEqual([[0, 0.5, 0.5], [0.5, 0.5, 0]]);
    x.grad = null;
    x.max(1).values.sum().backward();
    const g = x.grad!.toArray() as number[][];
    expect(g.map((r) => r.reduce((a, b) => a + b, 0))).toEqual([1, 1]);   // one winner per row
    x.grad = null;
    x.max().backward();
    expect(x.grad!.toArray()).toEqual([[0, 0.5, 0.5], [0, 0, 0]]);
  });
  it('norm has a zero gradient at the zero vector (p = 2), like PyTorch', () => {
    const x = nr.zeros([3], { dtype: 'float64', requiresGrad: true });
    x.norm().backward();
    expect(x.grad!.toArray()).toEqual([0, 0, 0]);
  });
  it('sum of integer dtype in a graph and a composite with everything', () => {
    gradcheck((a, b) => a.mul(b).sum(1).exp().mean().add(a.var().sqrt()).div(b.norm(3)), [rand64([3, 4]), transposed64([3, 4])]);
  });
});

describe('autograd semantics', () => {
  it('gradients accumulate across two backward calls, and zeroing works', () => {
    const x = nr.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    x.mul(2).sum().backward();
    const first = x.grad!;
    expect(first.toArray()).toEqual([2, 2, 2]);
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 6, 8]);
    x.grad = null;
    x.sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 1, 1]);
  });
  it('accumulates over a graph that uses an input on several paths', () => {
    const x = nr.tensor([2], { dtype: 'float64', requiresGrad: true });
    const y = x.mul(x).add(x.exp()).add(x);
    y.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(2 * 2 + Math.exp(2) + 1, 12);
  });
  it('a second backward through the same graph throws without retainGraph', () => {
    const x = nr.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward through the graph a second time.*retainGraph/);
  });
  it('retainGraph allows a second backward, which accumulates', () => {
    const x = nr.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = x.exp().mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    const g1 = x.grad!.toFlatArray();
    y.backward();
    const g2 = x.grad!.toFlatArray();
    g1.forEach((v, i) => expect(g2[i]).toBeCloseTo(2 * v, 12));
    expect(() => y.backward()).toThrow(/second time/);
  });
  it('noGrad / enableGrad / setGradEnabled', () => {
    const x = nr.ones([2], { dtype: 'float64', requiresGrad: true });
    const y = nr.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    const z = nr.noGrad(() => nr.enableGrad(() => x.mul(2)));
    expect(z.requiresGrad).toBe(true);
    expect(nr.isGradEnabled()).toBe(true);
    nr.setGradEnabled(false);
    try {
      expect(x.add(1).requiresGrad).toBe(false);
    } finally {
      nr.setGradEnabled(true);
    }
    expect(() => nr.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(nr.isGradEnabled()).toBe(true);   // restored after an exception
    expect(nr.noGrad(() => 5)).toBe(5);
  });
  it('detach cuts the graph but shares storage', () => {
    const x = nr.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const d = x.mul(3).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    const y = x.mul(d).sum();
    y.backward();
    expect(x.grad!.toArray()).toEqual([3, 6]);
    const e = x.detach();
    expect(e.storage).toBe(x.storage);
  });
  it('requiresGrad_ on leaves only, floating dtypes only', () => {
    const x = nr.ones([2], { dtype: 'float64' });
    expect(x.requiresGrad).toBe(false);
    expect(x.requiresGrad_()).toBe(x);
    expect(x.requiresGrad).toBe(true);
    x.requiresGrad_(false);
    expect(x.requiresGrad).toBe(false);
    expect(() => nr.ones([2], { dtype: 'int64' }).requiresGrad_()).toThrow(/requiresGrad_.*floating.*int64/);
    const y = x.requiresGrad_().mul(2);
    expect(() => y.requiresGrad_(false)).toThrow(/requiresGrad_.*non-leaf/);
    expect(() => nr.ones([1], { dtype: 'int32', requiresGrad: true })).toThrow(/ones.*floating/);
  });
  it('registerHook can replace the gradient; remove() unregisters it', () => {
    const x = nr.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const seen: number[][] = [];
    const h = x.registerHook((g) => { seen.push(g.toFlatArray()); return g.mul(10); });
    x.mul(x).sum().backward();
    expect(seen).toEqual([[2, 4]]);
    expect(x.grad!.toArray()).toEqual([20, 40]);
    h.remove();
    x.grad = null;
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 4]);
    expect(seen.length).toBe(1);
    // hook on a non-leaf changes what flows further back; a hook returning nothing only observes
    const y = x.mul(2);
    y.registerHook((g) => g.mul(0.5));
    let observed = 0;
    y.registerHook(() => { observed++; });
    x.grad = null;
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 1]);
    expect(observed).toBe(1);
    expect(() => nr.ones([1]).registerHook((g) => g)).toThrow(/registerHook/);
  });
  it('retainGrad keeps .grad on a non-leaf; other non-leaves keep none', () => {
    const x = nr.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = x.mul(3);
    const z = y.exp();
    y.retainGrad();
    z.sum().backward();
    expect(y.grad).not.toBeNull();
    const ey = y.grad!.toFlatArray();
    expect(ey[0]).toBeCloseTo(Math.exp(3), 10);
    expect(ey[1]).toBeCloseTo(Math.exp(6), 10);
    expect(z.grad).toBeNull();
    expect(x.grad!.toFlatArray()[0]).toBeCloseTo(3 * Math.exp(3), 10);
  });
  it('backward with an explicit gradient (non-scalar output), and its shape check', () => {
    const x = nr.tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true });
    const y = x.mul(x);
    y.backward(nr.tensor([[1, 0], [0.5, 2]], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([[2, 0], [3, 16]]);
    const y2 = x.mul(2);
    expect(() => y2.backward()).toThrow(/backward.*scalar outputs.*\[2, 2\]/);
    expect(() => y2.backward(nr.ones([4], { dtype: 'float64' }))).toThrow(/backward.*\[4\].*\[2, 2\]/);
    expect(() => nr.ones([1]).backward()).toThrow(/backward.*does not require grad/);
  });
  it('createGraph gives a differentiable gradient: d2/dx2 x^3 = 6x', () => {
    const x = nr.tensor([1, 2, -3], { dtype: 'float64', requiresGrad: true });
    const y = x.mul(x).mul(x).sum();
    y.backward(undefined, { createGraph: true });
    const g = x.grad!;
    expect(g.toArray()).toEqual([3, 12, 27]);
    expect(g.requiresGrad).toBe(true);
    x.grad = null;
    g.sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 12, -18]);
  });
  it('createGraph through pow, div and exp (composite ops)', () => {
    const x = nr.tensor([0.5, 1.5], { dtype: 'float64', requiresGrad: true });
    x.pow(3).add(x.exp()).add(nr.ones([2], { dtype: 'float64' }).div(x)).sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    x.grad = null;
    g.sum().backward();
    const xs = [0.5, 1.5];
    x.grad!.toFlatArray().forEach((v, i) => expect(v).toBeCloseTo(6 * xs[i] + Math.exp(xs[i]) + 2 / xs[i] ** 3, 10));
  });
  it('double backward through a fused activation backward says it is not implemented', () => {
    const x = nr.tensor([0.5], { dtype: 'float64', requiresGrad: true });
    expect(() => x.tanh().sum().backward(undefined, { createGraph: true })).toThrow(/double backward.*tanh.*not implemented/);
  });
  it('in-place ops on a leaf that requires grad throw; under noGrad they work', () => {
    const x = nr.ones([2], { dtype: 'float64', requiresGrad: true });
    expect(() => x.add_(1)).toThrow(/add_.*in-place.*requires grad/);
    expect(() => x.mul_(2)).toThrow(/mul_.*in-place/);
    expect(() => x.sub_(2)).toThrow(/sub_.*in-place/);
    expect(() => x.div_(2)).toThrow(/div_.*in-place/);
    expect(() => x.clamp_(0, 1)).toThrow(/clamp_.*in-place/);
    nr.noGrad(() => x.add_(1));
    expect(x.toArray()).toEqual([2, 2]);
    const w = nr.ones([2], { dtype: 'float64' });
    expect(() => w.add_(x)).toThrow(/add_.*in-place/);
  });
  it('modifying a saved tensor in place before backward is detected, not silently wrong', () => {
    const w = nr.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const x = nr.tensor([3, 4], { dtype: 'float64' });
    const y = x.mul(w).sum();                  // mul saves x for w's gradient
    x.mul_(2);
    expect(() => y.backward()).toThrow(/^backward: .*\[2\].*mul saved .*modified by an in-place operation/);
    // through a view, with fill_ and copy_ as well
    const x2 = nr.tensor([[3, 4], [5, 6]], { dtype: 'float64' });
    const y2 = x2.select(0, 1).mul(w).sum();
    x2.select(0, 0).fill_(0);
    expect(() => y2.backward()).toThrow(/in-place/);
    const e = w.exp();                         // exp saves its output
    const s = e.sum();
    nr.noGrad(() => e.copy_(nr.zeros([2], { dtype: 'float64' })));
    expect(() => s.backward()).toThrow(/exp saved/);
    // writes to tensors that no graph saved (add saves nothing), or after backward, are fine
    const a = nr.tensor([1, 1], { dtype: 'float64' });
    const z = a.add(w).sum();
    a.add_(5);
    w.grad = null;
    z.backward();
    expect(w.grad!.toArray()).toEqual([1, 1]);
    x.add_(1);
  });
  it('gradient flows to float32 leaves through a float64 cast and back', () => {
    const x = nr.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    x.to('float64').mul(2).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });
  it('gradient reaches a leaf through clone and contiguous', () => {
    gradcheck((x) => x.clone().mul(2), [transposed64([3, 4])]);
    gradcheck((x) => x.contiguous().exp(), [transposed64([3, 4])]);
  });
  it('backward leaves grads with the leaf shape for broadcast inputs', () => {
    const b = nr.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const a = nr.ones([4, 2, 3], { dtype: 'float64', requiresGrad: true });
    a.mul(b).sum().backward();
    expect(b.grad!.shape).toEqual([3]);
    expect(b.grad!.toArray()).toEqual([8, 8, 8]);
    expect(a.grad!.shape).toEqual([4, 2, 3]);
  });
});
