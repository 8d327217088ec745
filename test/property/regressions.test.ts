// Regression tests for the bugs the property suites in test/property/ found, one case each, as the
// smallest input that showed the bug (fast-check's shrunk counterexample).
import { describe, it, expect } from 'vitest';
import * as nr from '../../src/index';

describe('bugs found by the property suites', () => {
  it('matmul / linear with an inner dim of 0 and a batched first operand (reshape([-1, 0]) was refused)', () => {
    // was: RangeError "reshape: shape [-1, 0] is invalid for input of size 0"
    expect(nr.matmul(nr.zeros([0, 1, 0]), nr.zeros([0, 1])).shape).toEqual([0, 1, 1]);
    expect(nr.matmul(nr.zeros([2, 3, 0]), nr.zeros([0, 4])).toArray()).toEqual(nr.zeros([2, 3, 4]).toArray());
    expect(nr.linear(nr.zeros([2, 3, 0]), nr.zeros([4, 0]), nr.ones([4])).toArray()).toEqual(nr.ones([2, 3, 4]).toArray());
    expect(nr.linear(nr.zeros([0]), nr.zeros([2, 0])).toArray()).toEqual([0, 0]);
  });
});
