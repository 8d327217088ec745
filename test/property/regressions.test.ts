// Regression tests for the bugs the property suites in test/property/ found, one case each, as the
// smallest input that showed the bug (fast-check's shrunk counterexample).
import { describe, it, expect } from 'vitest';
import * as nr from '../../src/index';
import { native } from '../../src/backend/native';
import { args } from '../../src/backend/args';

describe('bugs found by the property suites', () => {
  it('matmul / linear with an inner dim of 0 and a batched first operand (reshape([-1, 0]) was refused)', () => {
    // was: RangeError "reshape: shape [-1, 0] is invalid for input of size 0"
    expect(nr.matmul(nr.zeros([0, 1, 0]), nr.zeros([0, 1])).shape).toEqual([0, 1, 1]);
    expect(nr.matmul(nr.zeros([2, 3, 0]), nr.zeros([0, 4])).toArray()).toEqual(nr.zeros([2, 3, 4]).toArray());
    expect(nr.linear(nr.zeros([2, 3, 0]), nr.zeros([4, 0]), nr.ones([4])).toArray()).toEqual(nr.ones([2, 3, 4]).toArray());
    expect(nr.linear(nr.zeros([0]), nr.zeros([2, 0])).toArray()).toEqual([0, 0]);
  });

  it('data() / toArray() of an empty view whose offset lies past the end of its storage', () => {
    // was: RangeError "Invalid typed array length: 0" from the TypedArray constructor
    const v = nr.zeros([0, 2]).slice(1, 1, 2);
    expect(v.shape).toEqual([0, 1]);
    expect(v.data().length).toBe(0);
    expect(v.toArray()).toEqual([]);
    expect(nr.zeros([3, 0]).narrow(0, 2, 1).t().toFlatArray()).toEqual([]);
  });

  it('cat promotes over every input, the skipped legacy empty 1-D ones included (as torch)', () => {
    // was: float32 (dtype of the first input) / int32 (dtype of the non-empty inputs only)
    expect(nr.cat([nr.zeros([0]), nr.zeros([0], { dtype: 'float64' })]).dtype).toBe('float64');
    expect(nr.cat([nr.zeros([0], { dtype: 'int64' }), nr.zeros([2, 3], { dtype: 'int32' })]).dtype).toBe('int64');
    expect(nr.cat([nr.zeros([0]), nr.ones([2], { dtype: 'float64' })]).toArray()).toEqual([1, 1]);
  });

  it('topk(0-d, k = 0) gives the element back as torch does (was a RangeError from reshape)', () => {
    const r = nr.topk(nr.tensor(1.5), 0);
    expect(r.values.shape).toEqual([]);
    expect(r.values.item()).toBe(1.5);
    expect(r.indices.item()).toBe(0);
  });

  it('prod of an integer tensor with { dtype } narrower than int64 (the kernel wrote int64s past the int32 output: heap corruption, crash)', () => {
    // was: [1, 0, 2, 0] (int64 bit patterns) and a corrupted heap; the fuzzer's worker died later
    const t = nr.fromArray([1, 2, 3, 4], [4], { dtype: 'int32' });
    for (const level of ['ref', nr.backend.cpuInfo().best]) {
      nr.backend.setKernelLevel(level as any);
      expect(t.prod([], { dtype: 'int32' }).toArray()).toEqual([1, 2, 3, 4]);
      const p = t.prod(0, { dtype: 'int32' });
      expect([p.dtype, p.item()]).toEqual(['int32', 24]);
      expect(nr.fromArray([2.5, 2], [2]).prod(0, { dtype: 'int32' }).item()).toBe(4);   // cast first, as torch
      expect(nr.fromArray([3, 5], [2], { dtype: 'uint8' }).prod(0, { dtype: 'float64' }).dtype).toBe('float64');
    }
  });

  it('arange / linspace bindings refuse a non-contiguous destination (they wrote numel elements past a stride-0 view)', () => {
    // found by native_args.test.ts: a view of shape [1048576, 1] with strides [0, 1] over an 8-byte buffer
    const t = nr.zeros([1], { dtype: 'int64' });
    for (const fn of ['arange', 'linspace']) {
      args().view({ dtype: 'int64', shape: [1 << 20, 1], strides: [0, 1], offset: 0 }).num(0).num(1);
      expect(() => native()[fn](t.storage.buf)).toThrow(new RegExp(`^${fn}: destination must be contiguous`));
    }
  });

  it('the reduce binding refuses an output dtype the kernel would overrun', () => {
    const codes = native().reduceCodes();
    const x = nr.fromArray([1, 2, 3, 4], [4], { dtype: 'int32' });
    for (const [op, dt] of [['prod', 'int32'], ['argmax', 'int32'], ['amax', 'int64'], ['any', 'int32']] as const) {
      const out = nr.zeros([1], { dtype: dt });
      args().num(codes[op]).num(0).num(0).view({ ...out, shape: [], strides: [] } as any).view(x);
      expect(() => native().reduce(out.storage.buf, x.storage.buf)).toThrow(new RegExp(`^${op}: output dtype`));
    }
  });

  describe('bad arguments gave engine errors, NaN shapes or silent misbehaviour (invalid.test.ts)', () => {
    const x = () => nr.ones([2, 3]);
    const throws = (fn: () => unknown, cls: ErrorConstructor, re: RegExp) => {
      let err: unknown = null;
      try { fn(); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(cls);
      expect((err as Error).message).toMatch(re);
    };
    it('non-tensor operands of functional ops (was "Cannot read properties of null (reading \'_check\')")', () => {
      throws(() => nr.matmul(null as any, x()), TypeError, /^matmul: expected the first operand to be a tensor, got null/);
      throws(() => nr.mm(x(), {} as any), TypeError, /^mm: expected the second operand to be a tensor/);
      throws(() => nr.softmax({} as any, 0), TypeError, /^softmax: expected the input to be a tensor/);
      throws(() => nr.topk(null as any, 1), TypeError, /^topk: /);
      throws(() => nr.conv2d(undefined as any, x()), TypeError, /^conv2d: expected the input to be a tensor/);
      throws(() => nr.conv2d(nr.ones([1, 1, 3, 3]), nr.ones([1, 1, 2, 2]), 5 as any), TypeError, /^conv2d: expected the bias to be a tensor/);
      throws(() => nr.maskedSelect([] as any, x()), TypeError, /^maskedSelect: /);
      throws(() => nr.adaptiveAvgPool2d('' as any, 1), TypeError, /^adaptiveAvgPool2d: /);
      throws(() => nr.sum(3 as any), TypeError, /^sum: expected the input to be a tensor/);
      throws(() => nr.transpose([1] as any, 0, 1), TypeError, /^transpose: /);
      throws(() => nr.div(x(), null as any, 'trunc'), TypeError, /^div: /);
      throws(() => nr.fromArray(undefined as any, [2]), TypeError, /^fromArray: data must be an array/);
    });
    it('slice / narrow / select of a 0-d tensor or with non-integer bounds (was a tensor of shape [NaN])', () => {
      throws(() => nr.tensor(1).slice(0, 0, 6, 4), RangeError, /^slice: cannot be applied to a 0-dim tensor/);
      throws(() => nr.tensor(true).narrow(-1, 6, 4), RangeError, /^narrow: cannot be applied to a 0-dim tensor/);
      throws(() => nr.tensor(1).select(0, 0), RangeError, /^select: cannot be applied to a 0-dim tensor/);
      throws(() => x().slice(0, 'abc' as any, 6), TypeError, /^slice: start and end must be integers, got "abc"/);
      throws(() => x().slice(1, 0, null as any), TypeError, /^slice: /);
      throws(() => x().narrow(0, Symbol('s') as any, 1), TypeError, /^narrow: /);
    });
    it('bigints, symbols and null options in messages (was "Do not know how to serialize a BigInt" etc.)', () => {
      throws(() => nr.zeros([10n] as any), RangeError, /^zeros: invalid shape \["10n"\]/);
      throws(() => x().sum(Symbol('d') as any), RangeError, /^sum: dimension Symbol\(d\) out of range/);
      throws(() => x().permute(10n as any), RangeError, /^permute: .*10n/);
      throws(() => nr.zeros([2], { dtype: 10n as any }), TypeError, /^zeros: unknown dtype 10n/);
      throws(() => x().add(x(), { alpha: 10n as any }), TypeError, /^add: alpha must be a number, got 10n/);
      throws(() => nr.linspace(0, 10n as any, 3), TypeError, /^linspace: /);
      throws(() => x().fill_(Symbol('v') as any), TypeError, /^fill_: value must be a number or boolean/);
      expect(x().amax(undefined, null as any).item()).toBe(1);
      expect(x().prod(undefined, null as any).item()).toBe(1);
      expect(nr.maxPool2d(nr.ones([1, 2, 2]), 2, null as any).shape).toEqual([1, 1, 1]);
    });
    it('kernel names in messages are the public op names; div refuses unknown rounding modes (was true division)', () => {
      throws(() => x().floorDivide(nr.ones([4])), RangeError, /^floorDivide: /);
      const d = nr.ones([2]); d.dispose();
      throws(() => nr.leakyRelu(d), Error, /^leakyRelu: tensor of shape \[2\] was disposed/);
      throws(() => x().logicalAnd(nr.ones([4])), RangeError, /^logicalAnd: /);
      throws(() => x().div(x(), { roundingMode: 'round' as any }), RangeError, /^div: roundingMode/);
    });
    it('scatter of a NaN scalar into float16 with a reduce (was "s32.dispose is not a function"); bad var correction; adaptive pool size null', () => {
      const h = nr.ones([3], { dtype: 'float16' });
      const r = nr.scatter(h, 0, nr.tensor([1]), NaN, { reduce: 'multiply' });
      expect(r.toFlatArray().map((v) => Number.isNaN(v))).toEqual([false, true, false]);
      throws(() => nr.ones([3]).var(undefined, { correction: Symbol('c') as any }), TypeError, /^var: correction must be a number/);
      throws(() => nr.adaptiveAvgPool2d(nr.ones([1, 2, 2]), null as any), TypeError, /^adaptiveAvgPool2d: output size must be a number or a pair, got null/);
    });
    it('errors name the op that was called (found with the strict op-name check)', () => {
      throws(() => x().add_(nr.ones([4])), RangeError, /^add_: /);                       // was "add: "
      throws(() => nr.pad(x(), [1, 1], 'a' as any), TypeError, /^pad: value must be a number/);   // was "fill_: "
      throws(() => nr.maskedFill(x(), x().gt(0), {} as any), TypeError, /^maskedFill: value/);
      throws(() => nr.indexFill(x(), 0, nr.tensor([0]), null as any), TypeError, /^indexFill: value/);
      throws(() => x().sum(0, { dtype: 'int8' as any }), TypeError, /^sum: unknown dtype "int8"/);   // was "to: "
      throws(() => nr.eye(0, 2 ** 64), RangeError, /^eye: invalid shape/);               // was "fill: bad (non-integer) stride"
      throws(() => nr.oneHot(nr.tensor([0]), 2 ** 50), RangeError, /^oneHot: cannot allocate/);   // was "empty: "
    });
    it('huge slice steps and adaptive pool sizes on empty tensors (were native "bad (non-integer) stride" errors)', () => {
      expect(nr.zeros([1, 4, 0, 4]).slice(-2, 2, -2, 2 ** 53).shape).toEqual([1, 4, 0, 4]);
      expect(nr.arange(10).slice(0, 3, 10, 2 ** 53).toArray()).toEqual([3]);
      throws(() => nr.adaptiveAvgPool2d(nr.zeros([1, 0, 2, 3]), 2 ** 40), RangeError, /^adaptiveAvgPool2d: shape \[1099511627776, 1099511627776\]/);
    });
    it('pooling over an empty spatial dim names the pool (was "reshape: shape [-1, 0, 4] is invalid")', () => {
      throws(() => nr.maxPool2d(nr.ones([1, 1, 0, 4]), 1), RangeError, /^maxPool2d: /);
      throws(() => nr.avgPool2d(nr.ones([1, 0, 4]), 1), RangeError, /^avgPool2d: /);
    });
  });
});

describe('randint over the whole int64 range (found by UBSan: high - low overflowed)', () => {
  it('low = -2^63 draws values in [low, high) without signed overflow', () => {
    nr.manualSeed(1);
    const t = nr.randint(-(2 ** 63), 1, [1000]);
    const v = Array.from(t.data() as BigInt64Array);
    expect(v.every((x) => x < 1n)).toBe(true);
    expect(v.some((x) => x < -(2n ** 62n))).toBe(true);        // spread over the range, not clamped
    const s = Array.from(nr.randint(-5, 5, [2000]).data() as BigInt64Array);
    expect(Math.min(...s.map(Number))).toBe(-5);
    expect(Math.max(...s.map(Number))).toBe(4);
  });
});
