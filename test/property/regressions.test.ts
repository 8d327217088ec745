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

  it('the reduce binding refuses an output dtype the kernel would overrun', () => {
    const codes = native().reduceCodes();
    const x = nr.fromArray([1, 2, 3, 4], [4], { dtype: 'int32' });
    for (const [op, dt] of [['prod', 'int32'], ['argmax', 'int32'], ['amax', 'int64'], ['any', 'int32']] as const) {
      const out = nr.zeros([1], { dtype: dt });
      args().num(codes[op]).num(0).num(0).view({ ...out, shape: [], strides: [] } as any).view(x);
      expect(() => native().reduce(out.storage.buf, x.storage.buf)).toThrow(new RegExp(`^${op}: output dtype`));
    }
  });
});
