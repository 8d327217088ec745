// dtypes: torch.promote_types for every pair, torch.result_type with 0-dim tensors and JS scalars,
// float16/bfloat16 conversion (rounding to nearest even, subnormals, overflow, Inf, NaN) against
// bit patterns produced by PyTorch, exhaustive decode/round-trip of every 16-bit pattern, and int64
// values beyond 2^53 surviving copies, casts and data() exactly.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { DType } from '../src/index';

const DTYPES: DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'];

// Produced by /usr/bin/python3 (PyTorch 1.13): for a in DTYPES: [torch.promote_types(a, b) for b in DTYPES]
const PROMOTE: Record<DType, DType[]> = {
    float32: ['float32', 'float64', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32'],
    float64: ['float64', 'float64', 'float64', 'float64', 'float64', 'float64', 'float64', 'float64'],
    float16: ['float32', 'float64', 'float16', 'float32', 'float16', 'float16', 'float16', 'float16'],
    bfloat16: ['float32', 'float64', 'float32', 'bfloat16', 'bfloat16', 'bfloat16', 'bfloat16', 'bfloat16'],
    int32: ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'int32', 'int32'],
    int64: ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int64', 'int64', 'int64'],
    uint8: ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'uint8'],
    bool: ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'],
};

type Op = { dtype: DType; ndim: number } | number | boolean;
const T = (dtype: DType): Op => ({ dtype, ndim: 1 });
const Z = (dtype: DType): Op => ({ dtype, ndim: 0 });

// Produced by /usr/bin/python3 (PyTorch 1.13) with T(d) = torch.zeros(2, dtype=d), Z(d) = torch.zeros((), dtype=d),
// 3 / 2.5 / true = Python int / float / bool scalars: torch.result_type(a, b) for every pair except scalar-scalar.
const RESULT_TYPE: [[Op, Op], DType][] = [
    [[T('float32'), T('float32')], 'float32'],
    [[T('float32'), T('float64')], 'float64'],
    [[T('float32'), T('float16')], 'float32'],
    [[T('float32'), T('bfloat16')], 'float32'],
    [[T('float32'), T('int32')], 'float32'],
    [[T('float32'), T('int64')], 'float32'],
    [[T('float32'), T('uint8')], 'float32'],
    [[T('float32'), T('bool')], 'float32'],
    [[T('float32'), Z('float32')], 'float32'],
    [[T('float32'), Z('float64')], 'float32'],
    [[T('float32'), Z('float16')], 'float32'],
    [[T('float32'), Z('bfloat16')], 'float32'],
    [[T('float32'), Z('int32')], 'float32'],
    [[T('float32'), Z('int64')], 'float32'],
    [[T('float32'), Z('uint8')], 'float32'],
    [[T('float32'), Z('bool')], 'float32'],
    [[T('float32'), 3], 'float32'],
    [[T('float32'), 2.5], 'float32'],
    [[T('float32'), true], 'float32'],
    [[T('float64'), T('float32')], 'float64'],
    [[T('float64'), T('float64')], 'float64'],
    [[T('float64'), T('float16')], 'float64'],
    [[T('float64'), T('bfloat16')], 'float64'],
    [[T('float64'), T('int32')], 'float64'],
    [[T('float64'), T('int64')], 'float64'],
    [[T('float64'), T('uint8')], 'float64'],
    [[T('float64'), T('bool')], 'float64'],
    [[T('float64'), Z('float32')], 'float64'],
    [[T('float64'), Z('float64')], 'float64'],
    [[T('float64'), Z('float16')], 'float64'],
    [[T('float64'), Z('bfloat16')], 'float64'],
    [[T('float64'), Z('int32')], 'float64'],
    [[T('float64'), Z('int64')], 'float64'],
    [[T('float64'), Z('uint8')], 'float64'],
    [[T('float64'), Z('bool')], 'float64'],
    [[T('float64'), 3], 'float64'],
    [[T('float64'), 2.5], 'float64'],
    [[T('float64'), true], 'float64'],
    [[T('float16'), T('float32')], 'float32'],
    [[T('float16'), T('float64')], 'float64'],
    [[T('float16'), T('float16')], 'float16'],
    [[T('float16'), T('bfloat16')], 'float32'],
    [[T('float16'), T('int32')], 'float16'],
    [[T('float16'), T('int64')], 'float16'],
    [[T('float16'), T('uint8')], 'float16'],
    [[T('float16'), T('bool')], 'float16'],
    [[T('float16'), Z('float32')], 'float16'],
    [[T('float16'), Z('float64')], 'float16'],
    [[T('float16'), Z('float16')], 'float16'],
    [[T('float16'), Z('bfloat16')], 'float16'],
    [[T('float16'), Z('int32')], 'float16'],
    [[T('float16'), Z('int64')], 'float16'],
    [[T('float16'), Z('uint8')], 'float16'],
    [[T('float16'), Z('bool')], 'float16'],
    [[T('float16'), 3], 'float16'],
    [[T('float16'), 2.5], 'float16'],
    [[T('float16'), true], 'float16'],
    [[T('bfloat16'), T('float32')], 'float32'],
    [[T('bfloat16'), T('float64')], 'float64'],
    [[T('bfloat16'), T('float16')], 'float32'],
    [[T('bfloat16'), T('bfloat16')], 'bfloat16'],
    [[T('bfloat16'), T('int32')], 'bfloat16'],
    [[T('bfloat16'), T('int64')], 'bfloat16'],
    [[T('bfloat16'), T('uint8')], 'bfloat16'],
    [[T('bfloat16'), T('bool')], 'bfloat16'],
    [[T('bfloat16'), Z('float32')], 'bfloat16'],
    [[T('bfloat16'), Z('float64')], 'bfloat16'],
    [[T('bfloat16'), Z('float16')], 'bfloat16'],
    [[T('bfloat16'), Z('bfloat16')], 'bfloat16'],
    [[T('bfloat16'), Z('int32')], 'bfloat16'],
    [[T('bfloat16'), Z('int64')], 'bfloat16'],
    [[T('bfloat16'), Z('uint8')], 'bfloat16'],
    [[T('bfloat16'), Z('bool')], 'bfloat16'],
    [[T('bfloat16'), 3], 'bfloat16'],
    [[T('bfloat16'), 2.5], 'bfloat16'],
    [[T('bfloat16'), true], 'bfloat16'],
    [[T('int32'), T('float32')], 'float32'],
    [[T('int32'), T('float64')], 'float64'],
    [[T('int32'), T('float16')], 'float16'],
    [[T('int32'), T('bfloat16')], 'bfloat16'],
    [[T('int32'), T('int32')], 'int32'],
    [[T('int32'), T('int64')], 'int64'],
    [[T('int32'), T('uint8')], 'int32'],
    [[T('int32'), T('bool')], 'int32'],
    [[T('int32'), Z('float32')], 'float32'],
    [[T('int32'), Z('float64')], 'float64'],
    [[T('int32'), Z('float16')], 'float16'],
    [[T('int32'), Z('bfloat16')], 'bfloat16'],
    [[T('int32'), Z('int32')], 'int32'],
    [[T('int32'), Z('int64')], 'int32'],
    [[T('int32'), Z('uint8')], 'int32'],
    [[T('int32'), Z('bool')], 'int32'],
    [[T('int32'), 3], 'int32'],
    [[T('int32'), 2.5], 'float32'],
    [[T('int32'), true], 'int32'],
    [[T('int64'), T('float32')], 'float32'],
    [[T('int64'), T('float64')], 'float64'],
    [[T('int64'), T('float16')], 'float16'],
    [[T('int64'), T('bfloat16')], 'bfloat16'],
    [[T('int64'), T('int32')], 'int64'],
    [[T('int64'), T('int64')], 'int64'],
    [[T('int64'), T('uint8')], 'int64'],
    [[T('int64'), T('bool')], 'int64'],
    [[T('int64'), Z('float32')], 'float32'],
    [[T('int64'), Z('float64')], 'float64'],
    [[T('int64'), Z('float16')], 'float16'],
    [[T('int64'), Z('bfloat16')], 'bfloat16'],
    [[T('int64'), Z('int32')], 'int64'],
    [[T('int64'), Z('int64')], 'int64'],
    [[T('int64'), Z('uint8')], 'int64'],
    [[T('int64'), Z('bool')], 'int64'],
    [[T('int64'), 3], 'int64'],
    [[T('int64'), 2.5], 'float32'],
    [[T('int64'), true], 'int64'],
    [[T('uint8'), T('float32')], 'float32'],
    [[T('uint8'), T('float64')], 'float64'],
    [[T('uint8'), T('float16')], 'float16'],
    [[T('uint8'), T('bfloat16')], 'bfloat16'],
    [[T('uint8'), T('int32')], 'int32'],
    [[T('uint8'), T('int64')], 'int64'],
    [[T('uint8'), T('uint8')], 'uint8'],
    [[T('uint8'), T('bool')], 'uint8'],
    [[T('uint8'), Z('float32')], 'float32'],
    [[T('uint8'), Z('float64')], 'float64'],
    [[T('uint8'), Z('float16')], 'float16'],
    [[T('uint8'), Z('bfloat16')], 'bfloat16'],
    [[T('uint8'), Z('int32')], 'uint8'],
    [[T('uint8'), Z('int64')], 'uint8'],
    [[T('uint8'), Z('uint8')], 'uint8'],
    [[T('uint8'), Z('bool')], 'uint8'],
    [[T('uint8'), 3], 'uint8'],
    [[T('uint8'), 2.5], 'float32'],
    [[T('uint8'), true], 'uint8'],
    [[T('bool'), T('float32')], 'float32'],
    [[T('bool'), T('float64')], 'float64'],
    [[T('bool'), T('float16')], 'float16'],
    [[T('bool'), T('bfloat16')], 'bfloat16'],
    [[T('bool'), T('int32')], 'int32'],
    [[T('bool'), T('int64')], 'int64'],
    [[T('bool'), T('uint8')], 'uint8'],
    [[T('bool'), T('bool')], 'bool'],
    [[T('bool'), Z('float32')], 'float32'],
    [[T('bool'), Z('float64')], 'float64'],
    [[T('bool'), Z('float16')], 'float16'],
    [[T('bool'), Z('bfloat16')], 'bfloat16'],
    [[T('bool'), Z('int32')], 'int32'],
    [[T('bool'), Z('int64')], 'int64'],
    [[T('bool'), Z('uint8')], 'uint8'],
    [[T('bool'), Z('bool')], 'bool'],
    [[T('bool'), 3], 'int64'],
    [[T('bool'), 2.5], 'float32'],
    [[T('bool'), true], 'bool'],
    [[Z('float32'), T('float32')], 'float32'],
    [[Z('float32'), T('float64')], 'float64'],
    [[Z('float32'), T('float16')], 'float16'],
    [[Z('float32'), T('bfloat16')], 'bfloat16'],
    [[Z('float32'), T('int32')], 'float32'],
    [[Z('float32'), T('int64')], 'float32'],
    [[Z('float32'), T('uint8')], 'float32'],
    [[Z('float32'), T('bool')], 'float32'],
    [[Z('float32'), Z('float32')], 'float32'],
    [[Z('float32'), Z('float64')], 'float64'],
    [[Z('float32'), Z('float16')], 'float32'],
    [[Z('float32'), Z('bfloat16')], 'float32'],
    [[Z('float32'), Z('int32')], 'float32'],
    [[Z('float32'), Z('int64')], 'float32'],
    [[Z('float32'), Z('uint8')], 'float32'],
    [[Z('float32'), Z('bool')], 'float32'],
    [[Z('float32'), 3], 'float32'],
    [[Z('float32'), 2.5], 'float32'],
    [[Z('float32'), true], 'float32'],
    [[Z('float64'), T('float32')], 'float32'],
    [[Z('float64'), T('float64')], 'float64'],
    [[Z('float64'), T('float16')], 'float16'],
    [[Z('float64'), T('bfloat16')], 'bfloat16'],
    [[Z('float64'), T('int32')], 'float64'],
    [[Z('float64'), T('int64')], 'float64'],
    [[Z('float64'), T('uint8')], 'float64'],
    [[Z('float64'), T('bool')], 'float64'],
    [[Z('float64'), Z('float32')], 'float64'],
    [[Z('float64'), Z('float64')], 'float64'],
    [[Z('float64'), Z('float16')], 'float64'],
    [[Z('float64'), Z('bfloat16')], 'float64'],
    [[Z('float64'), Z('int32')], 'float64'],
    [[Z('float64'), Z('int64')], 'float64'],
    [[Z('float64'), Z('uint8')], 'float64'],
    [[Z('float64'), Z('bool')], 'float64'],
    [[Z('float64'), 3], 'float64'],
    [[Z('float64'), 2.5], 'float64'],
    [[Z('float64'), true], 'float64'],
    [[Z('float16'), T('float32')], 'float32'],
    [[Z('float16'), T('float64')], 'float64'],
    [[Z('float16'), T('float16')], 'float16'],
    [[Z('float16'), T('bfloat16')], 'bfloat16'],
    [[Z('float16'), T('int32')], 'float16'],
    [[Z('float16'), T('int64')], 'float16'],
    [[Z('float16'), T('uint8')], 'float16'],
    [[Z('float16'), T('bool')], 'float16'],
    [[Z('float16'), Z('float32')], 'float32'],
    [[Z('float16'), Z('float64')], 'float64'],
    [[Z('float16'), Z('float16')], 'float16'],
    [[Z('float16'), Z('bfloat16')], 'float32'],
    [[Z('float16'), Z('int32')], 'float16'],
    [[Z('float16'), Z('int64')], 'float16'],
    [[Z('float16'), Z('uint8')], 'float16'],
    [[Z('float16'), Z('bool')], 'float16'],
    [[Z('float16'), 3], 'float16'],
    [[Z('float16'), 2.5], 'float16'],
    [[Z('float16'), true], 'float16'],
    [[Z('bfloat16'), T('float32')], 'float32'],
    [[Z('bfloat16'), T('float64')], 'float64'],
    [[Z('bfloat16'), T('float16')], 'float16'],
    [[Z('bfloat16'), T('bfloat16')], 'bfloat16'],
    [[Z('bfloat16'), T('int32')], 'bfloat16'],
    [[Z('bfloat16'), T('int64')], 'bfloat16'],
    [[Z('bfloat16'), T('uint8')], 'bfloat16'],
    [[Z('bfloat16'), T('bool')], 'bfloat16'],
    [[Z('bfloat16'), Z('float32')], 'float32'],
    [[Z('bfloat16'), Z('float64')], 'float64'],
    [[Z('bfloat16'), Z('float16')], 'float32'],
    [[Z('bfloat16'), Z('bfloat16')], 'bfloat16'],
    [[Z('bfloat16'), Z('int32')], 'bfloat16'],
    [[Z('bfloat16'), Z('int64')], 'bfloat16'],
    [[Z('bfloat16'), Z('uint8')], 'bfloat16'],
    [[Z('bfloat16'), Z('bool')], 'bfloat16'],
    [[Z('bfloat16'), 3], 'bfloat16'],
    [[Z('bfloat16'), 2.5], 'bfloat16'],
    [[Z('bfloat16'), true], 'bfloat16'],
    [[Z('int32'), T('float32')], 'float32'],
    [[Z('int32'), T('float64')], 'float64'],
    [[Z('int32'), T('float16')], 'float16'],
    [[Z('int32'), T('bfloat16')], 'bfloat16'],
    [[Z('int32'), T('int32')], 'int32'],
    [[Z('int32'), T('int64')], 'int64'],
    [[Z('int32'), T('uint8')], 'uint8'],
    [[Z('int32'), T('bool')], 'int32'],
    [[Z('int32'), Z('float32')], 'float32'],
    [[Z('int32'), Z('float64')], 'float64'],
    [[Z('int32'), Z('float16')], 'float16'],
    [[Z('int32'), Z('bfloat16')], 'bfloat16'],
    [[Z('int32'), Z('int32')], 'int32'],
    [[Z('int32'), Z('int64')], 'int64'],
    [[Z('int32'), Z('uint8')], 'int32'],
    [[Z('int32'), Z('bool')], 'int32'],
    [[Z('int32'), 3], 'int32'],
    [[Z('int32'), 2.5], 'float32'],
    [[Z('int32'), true], 'int32'],
    [[Z('int64'), T('float32')], 'float32'],
    [[Z('int64'), T('float64')], 'float64'],
    [[Z('int64'), T('float16')], 'float16'],
    [[Z('int64'), T('bfloat16')], 'bfloat16'],
    [[Z('int64'), T('int32')], 'int32'],
    [[Z('int64'), T('int64')], 'int64'],
    [[Z('int64'), T('uint8')], 'uint8'],
    [[Z('int64'), T('bool')], 'int64'],
    [[Z('int64'), Z('float32')], 'float32'],
    [[Z('int64'), Z('float64')], 'float64'],
    [[Z('int64'), Z('float16')], 'float16'],
    [[Z('int64'), Z('bfloat16')], 'bfloat16'],
    [[Z('int64'), Z('int32')], 'int64'],
    [[Z('int64'), Z('int64')], 'int64'],
    [[Z('int64'), Z('uint8')], 'int64'],
    [[Z('int64'), Z('bool')], 'int64'],
    [[Z('int64'), 3], 'int64'],
    [[Z('int64'), 2.5], 'float32'],
    [[Z('int64'), true], 'int64'],
    [[Z('uint8'), T('float32')], 'float32'],
    [[Z('uint8'), T('float64')], 'float64'],
    [[Z('uint8'), T('float16')], 'float16'],
    [[Z('uint8'), T('bfloat16')], 'bfloat16'],
    [[Z('uint8'), T('int32')], 'int32'],
    [[Z('uint8'), T('int64')], 'int64'],
    [[Z('uint8'), T('uint8')], 'uint8'],
    [[Z('uint8'), T('bool')], 'uint8'],
    [[Z('uint8'), Z('float32')], 'float32'],
    [[Z('uint8'), Z('float64')], 'float64'],
    [[Z('uint8'), Z('float16')], 'float16'],
    [[Z('uint8'), Z('bfloat16')], 'bfloat16'],
    [[Z('uint8'), Z('int32')], 'int32'],
    [[Z('uint8'), Z('int64')], 'int64'],
    [[Z('uint8'), Z('uint8')], 'uint8'],
    [[Z('uint8'), Z('bool')], 'uint8'],
    [[Z('uint8'), 3], 'uint8'],
    [[Z('uint8'), 2.5], 'float32'],
    [[Z('uint8'), true], 'uint8'],
    [[Z('bool'), T('float32')], 'float32'],
    [[Z('bool'), T('float64')], 'float64'],
    [[Z('bool'), T('float16')], 'float16'],
    [[Z('bool'), T('bfloat16')], 'bfloat16'],
    [[Z('bool'), T('int32')], 'int32'],
    [[Z('bool'), T('int64')], 'int64'],
    [[Z('bool'), T('uint8')], 'uint8'],
    [[Z('bool'), T('bool')], 'bool'],
    [[Z('bool'), Z('float32')], 'float32'],
    [[Z('bool'), Z('float64')], 'float64'],
    [[Z('bool'), Z('float16')], 'float16'],
    [[Z('bool'), Z('bfloat16')], 'bfloat16'],
    [[Z('bool'), Z('int32')], 'int32'],
    [[Z('bool'), Z('int64')], 'int64'],
    [[Z('bool'), Z('uint8')], 'uint8'],
    [[Z('bool'), Z('bool')], 'bool'],
    [[Z('bool'), 3], 'int64'],
    [[Z('bool'), 2.5], 'float32'],
    [[Z('bool'), true], 'bool'],
    [[3, T('float32')], 'float32'],
    [[3, T('float64')], 'float64'],
    [[3, T('float16')], 'float16'],
    [[3, T('bfloat16')], 'bfloat16'],
    [[3, T('int32')], 'int32'],
    [[3, T('int64')], 'int64'],
    [[3, T('uint8')], 'uint8'],
    [[3, T('bool')], 'int64'],
    [[3, Z('float32')], 'float32'],
    [[3, Z('float64')], 'float64'],
    [[3, Z('float16')], 'float16'],
    [[3, Z('bfloat16')], 'bfloat16'],
    [[3, Z('int32')], 'int32'],
    [[3, Z('int64')], 'int64'],
    [[3, Z('uint8')], 'uint8'],
    [[3, Z('bool')], 'int64'],
    [[2.5, T('float32')], 'float32'],
    [[2.5, T('float64')], 'float64'],
    [[2.5, T('float16')], 'float16'],
    [[2.5, T('bfloat16')], 'bfloat16'],
    [[2.5, T('int32')], 'float32'],
    [[2.5, T('int64')], 'float32'],
    [[2.5, T('uint8')], 'float32'],
    [[2.5, T('bool')], 'float32'],
    [[2.5, Z('float32')], 'float32'],
    [[2.5, Z('float64')], 'float64'],
    [[2.5, Z('float16')], 'float16'],
    [[2.5, Z('bfloat16')], 'bfloat16'],
    [[2.5, Z('int32')], 'float32'],
    [[2.5, Z('int64')], 'float32'],
    [[2.5, Z('uint8')], 'float32'],
    [[2.5, Z('bool')], 'float32'],
    [[true, T('float32')], 'float32'],
    [[true, T('float64')], 'float64'],
    [[true, T('float16')], 'float16'],
    [[true, T('bfloat16')], 'bfloat16'],
    [[true, T('int32')], 'int32'],
    [[true, T('int64')], 'int64'],
    [[true, T('uint8')], 'uint8'],
    [[true, T('bool')], 'bool'],
    [[true, Z('float32')], 'float32'],
    [[true, Z('float64')], 'float64'],
    [[true, Z('float16')], 'float16'],
    [[true, Z('bfloat16')], 'bfloat16'],
    [[true, Z('int32')], 'int32'],
    [[true, Z('int64')], 'int64'],
    [[true, Z('uint8')], 'uint8'],
    [[true, Z('bool')], 'bool']
];

describe('promoteTypes', () => {
  it('matches torch.promote_types for all 64 pairs', () => {
    for (const [i, a] of DTYPES.entries()) {
      for (const [j, b] of DTYPES.entries()) {
        expect(`${a}+${b}=${nr.promoteTypes(a, b)}`).toBe(`${a}+${b}=${PROMOTE[a][j]}`);
        expect(nr.promoteTypes(b, a)).toBe(PROMOTE[a][j]);   // symmetric
        expect(PROMOTE[b][i]).toBe(PROMOTE[a][j]);
      }
    }
  });
  it('binary ops on tensors produce the promoted dtype (float16/bfloat16 computed in float32)', () => {
    for (const a of DTYPES) {
      for (const b of DTYPES) {
        const want = PROMOTE[a][DTYPES.indexOf(b)];
        const x = nr.ones([2], { dtype: a }), y = nr.ones([2], { dtype: b });
        const op = want === 'bool' ? x.logicalOr(y) : x.mul(y);
        expect(`${a}*${b}=${op.dtype}`).toBe(`${a}*${b}=${want}`);
        expect(op.toFlatArray()).toEqual([1, 1]);
      }
    }
  });
});

describe('resultType', () => {
  it(`matches torch.result_type for ${RESULT_TYPE.length} pairs of tensors, 0-dim tensors and scalars`, () => {
    const show = (o: Op) => (typeof o === 'object' ? `${o.ndim ? 'T' : 'Z'}(${o.dtype})` : String(o));
    for (const [[a, b], want] of RESULT_TYPE) {
      expect(`${show(a)},${show(b)} -> ${nr.resultType(a, b)}`).toBe(`${show(a)},${show(b)} -> ${want}`);
    }
  });
  it('float scalars follow the default dtype (torch.set_default_dtype(torch.float64))', () => {
    nr.setDefaultDtype('float64');
    try {
      // from PyTorch 1.13 with the default dtype float64
      expect(nr.resultType(T('int32'), 2.5)).toBe('float64');
      expect(nr.resultType(Z('int64'), 2.5)).toBe('float64');
      expect(nr.resultType(T('float16'), 2.5)).toBe('float16');
      expect(nr.resultType(Z('bool'), 2.5)).toBe('float64');
      expect(nr.tensor([1, 2]).add(0.5).dtype).toBe('float64');
    } finally {
      nr.setDefaultDtype('float32');
    }
  });
  it('ops follow resultType: 0-dim tensors and scalars do not widen tensors of their category', () => {
    const u8 = nr.tensor([250, 5], { dtype: 'uint8' });
    expect(u8.add(10).dtype).toBe('uint8');
    expect(u8.add(10).toArray()).toEqual([4, 15]);                               // wraps, like torch
    expect(u8.add(nr.tensor(1000)).dtype).toBe('uint8');                          // 0-dim int64
    expect(u8.add(nr.tensor([1000])).dtype).toBe('int64');                        // 1-dim int64
    expect(u8.mul(0.5).dtype).toBe('float32');
    expect(nr.tensor([1, 2], { dtype: 'int32' }).add(nr.tensor(2.5, { dtype: 'float64' })).dtype).toBe('float64');
    expect(nr.tensor([1, 2], { dtype: 'float16' }).add(nr.tensor(2.5, { dtype: 'float64' })).dtype).toBe('float16');
    expect(nr.tensor([true, false]).add(1).dtype).toBe('int64');
    expect(nr.tensor([true, false]).add(true).dtype).toBe('bool');
    expect(nr.tensor([1, 2], { dtype: 'int32' }).div(2).dtype).toBe('float32');   // true division
    expect(nr.tensor([1, 2], { dtype: 'int32' }).lt(1.5).toArray()).toEqual([true, false]);
  });
});

describe('scalars next to tensors of another category (values from PyTorch 1.13)', () => {
  it('where/pow with float scalars and integer or bool tensors promote instead of truncating', () => {
    const c = nr.tensor([true, false]);
    const w1 = nr.where(c, nr.tensor([1, 2], { dtype: 'int32' }), 2.5);
    expect([w1.dtype, w1.toArray()]).toEqual(['float32', [1, 2.5]]);
    const w2 = nr.where(c, 2.5, 3);
    expect([w2.dtype, w2.toArray()]).toEqual(['float32', [2.5, 3]]);
    const w3 = nr.where(c, 2, 3);
    expect([w3.dtype, w3.toArray()]).toEqual(['int64', [2, 3]]);
    const p = nr.pow(2.5, nr.tensor([1, 2]));
    expect([p.dtype, p.toArray()]).toEqual(['float32', [2.5, 6.25]]);
    expect(nr.pow(2, nr.tensor([1, 2])).dtype).toBe('int64');
  });
  it('clamp of an integer tensor to fractional bounds promotes; clamp_ refuses the cast', () => {
    const x = nr.tensor([1, 5]);
    const y = x.clamp(1.5, 3.5);
    expect([y.dtype, y.toArray()]).toEqual(['float32', [1.5, 3.5]]);
    expect(x.clamp(2, 3).dtype).toBe('int64');
    expect(() => nr.tensor([1, 2], { dtype: 'int32' }).clamp_(1.5, 3.5)).toThrow(/^clamp_: result type float32 can't be cast to .*int32/);
  });
  it('reductions over dim 0 / -1 of a 0-dim tensor return it (and its gradient)', () => {
    const s = nr.tensor(1.5, { requiresGrad: true });
    expect(s.sum(0).item()).toBe(1.5);
    expect(s.mean(-1, { keepdim: true }).shape).toEqual([]);
    expect(s.amax(0).item()).toBe(1.5);
    expect(s.prod(0).item()).toBe(1.5);
    s.sum(0).mul(3).backward();
    expect(s.grad!.item()).toBe(3);
  });
  it('toString prints NaN and infinities', () => {
    expect(String(nr.tensor([NaN, Infinity, -Infinity, 1.5]))).toBe('tensor([NaN,Infinity,-Infinity,1.5], shape=[4], dtype=float32)');
    expect(String(nr.tensor([Infinity, 1]).logsumexp(0))).toMatch(/^tensor\(Infinity,/);
  });
});

// [float32 bits, float16 bits, bfloat16 bits], produced by /usr/bin/python3 (PyTorch 1.13):
// t = torch.tensor(values, dtype=torch.float32); t.to(torch.float16 / torch.bfloat16).view(torch.int16).
// Values: zeros, the float16 max/overflow boundary (65504, 65519, 65520), float16 subnormals and the
// underflow halfway point (2^-25), ties that round to even in each format, float32 max, float32
// subnormals, and 40 random values over 10^-9..10^6 (random.seed(7)).
const F16_TABLE: [number, number, number][] = [
  [0x00000000, 0x0000, 0x0000],
  [0x80000000, 0x8000, 0x8000],
  [0x3f800000, 0x3c00, 0x3f80],
  [0xbf800000, 0xbc00, 0xbf80],
  [0x3f000000, 0x3800, 0x3f00],
  [0x40000000, 0x4000, 0x4000],
  [0x40490fd0, 0x4248, 0x4049],
  [0x477fe000, 0x7bff, 0x4780],
  [0x477fef00, 0x7bff, 0x4780],
  [0x477ff000, 0x7c00, 0x4780],
  [0x47800000, 0x7c00, 0x4780],
  [0x49742400, 0x7c00, 0x4974],
  [0xc9742400, 0xfc00, 0xc974],
  [0x7f800000, 0x7c00, 0x7f80],
  [0xff800000, 0xfc00, 0xff80],
  [0x38800000, 0x0400, 0x3880],
  [0x387fc000, 0x03ff, 0x3880],
  [0x33800000, 0x0001, 0x3380],
  [0x33000000, 0x0000, 0x3300],
  [0x33000001, 0x0001, 0x3300],
  [0x33414606, 0x0001, 0x3341],
  [0x33c00000, 0x0002, 0x33c0],
  [0x33d6bf95, 0x0002, 0x33d7],
  [0x322bcc77, 0x0000, 0x322c],
  [0x3727c5ad, 0x00a8, 0x3728],
  [0x3f801000, 0x3c00, 0x3f80],
  [0x3f803000, 0x3c02, 0x3f80],
  [0x3f802000, 0x3c01, 0x3f80],
  [0x45001000, 0x6800, 0x4500],
  [0x45003000, 0x6802, 0x4500],
  [0x3dcccccd, 0x2e66, 0x3dcd],
  [0x3e4ccccd, 0x3266, 0x3e4d],
  [0x3e99999a, 0x34cd, 0x3e9a],
  [0x3eaaaaab, 0x3555, 0x3eab],
  [0xb627c5ac, 0x802a, 0xb628],
  [0x7f61b1e6, 0x7c00, 0x7f62],
  [0x00800000, 0x0000, 0x0080],
  [0x000116c2, 0x0000, 0x0001],
  [0x80000001, 0x8000, 0x8000],
  [0x3f808000, 0x3c04, 0x3f80],
  [0x3f818000, 0x3c0c, 0x3f82],
  [0x3f80c000, 0x3c06, 0x3f81],
  [0x43808000, 0x5c04, 0x4380],
  [0x43818000, 0x5c0c, 0x4382],
  [0x7f7f0000, 0x7c00, 0x7f7f],
  [0x7f7fffff, 0x7c00, 0x7f80],
  [0xb66c729a, 0x803b, 0xb66c],
  [0xb1108db1, 0x8000, 0xb111],
  [0xb5658be9, 0x800e, 0xb566],
  [0xb1389883, 0x8000, 0xb139],
  [0x3a56cd8c, 0x12b6, 0x3a57],
  [0xc6108859, 0xf084, 0xc611],
  [0xbad681bd, 0x96b4, 0xbad7],
  [0xc5ffcdeb, 0xeffe, 0xc600],
  [0xb56cb364, 0x800f, 0xb56d],
  [0x3219be18, 0x0000, 0x321a],
  [0x431a34b6, 0x58d2, 0x431a],
  [0xbc139730, 0xa09d, 0xbc14],
  [0xb7182440, 0x8098, 0xb718],
  [0xb68d30d9, 0x8047, 0xb68d],
  [0x3da6a63e, 0x2d35, 0x3da7],
  [0x374a309b, 0x00ca, 0x374a],
  [0xba501cf6, 0x9281, 0xba50],
  [0xb2db3827, 0x8000, 0xb2db],
  [0x3906fd77, 0x0838, 0x3907],
  [0xc28f6b92, 0xd47b, 0xc28f],
  [0x475895c1, 0x7ac5, 0x4759],
  [0x4685b0bf, 0x742e, 0x4686],
  [0xbb356d41, 0x99ab, 0xbb35],
  [0x3bc0ecae, 0x1e07, 0x3bc1],
  [0xbf56171a, 0xbab1, 0xbf56],
  [0x3f010190, 0x3808, 0x3f01],
  [0x3eeaf3b5, 0x3758, 0x3eeb],
  [0x32bb30af, 0x0000, 0x32bb],
  [0xc5eeb57a, 0xef76, 0xc5ef],
  [0xc0d66c9c, 0xc6b3, 0xc0d6],
  [0xc929edef, 0xfc00, 0xc92a],
  [0xb286856e, 0x8000, 0xb287],
  [0x40a9534a, 0x454b, 0x40a9],
  [0xc1ffcde1, 0xcffe, 0xc200],
  [0x469373f3, 0x749c, 0x4693],
  [0xb3b93704, 0x8001, 0xb3b9],
  [0x49592123, 0x7c00, 0x4959],
  [0x33294202, 0x0001, 0x3329],
  [0xbf60eff0, 0xbb07, 0xbf61],
  [0x46e5e38b, 0x772f, 0x46e6],
];

const f32FromBits = (b: number) => new Float32Array(new Uint32Array([b]).buffer)[0];

/** Exact float16 decode (reference). */
function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
const bf16ToNumber = (h: number) => f32FromBits(h << 16);

function bitsOf(t: nr.Tensor): number[] { return Array.from(t.data() as Uint16Array); }
function fromBits(bits: Uint16Array, dtype: 'float16' | 'bfloat16'): nr.Tensor {
  const t = nr.empty([bits.length], { dtype });
  (t.data() as Uint16Array).set(bits);
  return t;
}

describe('float16 / bfloat16 conversion', () => {
  const values = Float32Array.from(F16_TABLE.map((r) => f32FromBits(r[0])));
  it(`float32 -> float16 rounds like PyTorch (${F16_TABLE.length} values incl. subnormals, ties, overflow)`, () => {
    const got = bitsOf(nr.tensor(values).to('float16'));
    F16_TABLE.forEach(([f, h], i) => expect(`${f.toString(16)} -> ${got[i].toString(16)}`).toBe(`${f.toString(16)} -> ${h.toString(16)}`));
  });
  it('float32 -> bfloat16 rounds like PyTorch', () => {
    const got = bitsOf(nr.tensor(values).to('bfloat16'));
    F16_TABLE.forEach(([f, , b], i) => expect(`${f.toString(16)} -> ${got[i].toString(16)}`).toBe(`${f.toString(16)} -> ${b.toString(16)}`));
  });
  it('float64 and strided sources convert the same way (via float32, as PyTorch)', () => {
    const d = nr.tensor(values, { dtype: 'float64' });
    expect(bitsOf(d.to('float16'))).toEqual(F16_TABLE.map((r) => r[1]));
    // a strided float32 view takes the generic (non-contiguous) conversion path
    const wide = nr.stack([nr.tensor(values), nr.zeros([values.length])], 1).select(1, 0);
    expect(wide.isContiguous()).toBe(false);
    expect(bitsOf(wide.to('float16'))).toEqual(F16_TABLE.map((r) => r[1]));
    expect(bitsOf(wide.to('bfloat16'))).toEqual(F16_TABLE.map((r) => r[2]));
    // double rounding f64 -> f32 -> f16, as PyTorch: 1 + 2^-11 + 2^-40 gives 1.0 (0x3c00), not 1 + 2^-10
    expect(bitsOf(nr.tensor([1 + 2 ** -11 + 2 ** -40], { dtype: 'float64' }).to('float16'))).toEqual([0x3c00]);
    expect(bitsOf(nr.tensor([1 + 2 ** -8 + 2 ** -40], { dtype: 'float64' }).to('bfloat16'))).toEqual([0x3f80]);
  });
  it('NaN stays NaN (PyTorch: float16 0x7e00 with the sign kept)', () => {
    const nans = new Uint32Array([0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00000, 0xff812345]);
    const t = nr.tensor(new Float32Array(nans.buffer));
    expect(bitsOf(t.to('float16'))).toEqual([0x7e00, 0xfe00, 0x7e00, 0x7e00, 0xfe00]);
    for (const b of bitsOf(t.to('bfloat16'))) expect((b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0).toBe(true);
  });
  for (const dtype of ['float16', 'bfloat16'] as const) {
    it(`${dtype}: all 65536 bit patterns decode exactly and round-trip through float32 and float64`, () => {
      const all = new Uint16Array(65536).map((_, i) => i);
      const t = fromBits(all, dtype);
      const f = t.to('float32').data() as Float32Array;
      const dec = dtype === 'float16' ? halfToNumber : bf16ToNumber;
      let bad = 0;
      for (let i = 0; i < 65536; i++) {
        const want = dec(i);
        if (Number.isNaN(want) ? !Number.isNaN(f[i]) : !Object.is(f[i], Math.fround(want))) bad++;
      }
      expect(bad).toBe(0);
      for (const via of ['float32', 'float64'] as const) {
        const back = t.to(via).to(dtype).data() as Uint16Array;
        let mismatched = 0;
        for (let i = 0; i < 65536; i++) {
          const isNan = Number.isNaN(dec(i));
          if (isNan ? !Number.isNaN(dec(back[i])) : back[i] !== i) mismatched++;
        }
        expect(mismatched).toBe(0);
      }
    });
  }
  it('toArray/item decode half precision values', () => {
    expect(nr.tensor([0.1, 65504, 1e-7, -2], { dtype: 'float16' }).toFlatArray()).toEqual([
      halfToNumber(0x2e66), 65504, halfToNumber(0x0002), -2]);
    expect(nr.tensor([1 / 3], { dtype: 'bfloat16' }).item()).toBe(bf16ToNumber(0x3eab));
  });
});

describe('int64 beyond 2^53', () => {
  const BIG = [2n ** 62n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 3n, 2n ** 40n + 5n, -7n];
  const big = () => nr.tensor(BigInt64Array.from(BIG));
  const asBig = (t: nr.Tensor) => Array.from(t.data() as BigInt64Array);
  it('survive tensor(), data(), clone, contiguous copies of strided views, cat and reshape', () => {
    const t = big();
    expect(t.dtype).toBe('int64');
    expect(asBig(t)).toEqual(BIG);
    expect(asBig(t.clone())).toEqual(BIG);
    expect(asBig(nr.fromArray(BigInt64Array.from(BIG), [7]))).toEqual(BIG);
    const m = nr.stack([t, t], 1);                   // [7, 2]
    expect(asBig(m.t().contiguous().select(0, 1))).toEqual(BIG);    // strided copy
    expect(asBig(m.select(1, 0))).toEqual(BIG);                     // data() of a strided view copies
    expect(asBig(nr.cat([t, t]).narrow(0, 7, 7))).toEqual(BIG);
    expect(asBig(t.reshape([7, 1]).expand([7, 3]).contiguous().select(1, 2))).toEqual(BIG);
    expect(asBig(t.to('int64'))).toEqual(BIG);
    const dst = nr.zeros([7], { dtype: 'int64' });
    dst.copy_(t);
    expect(asBig(dst)).toEqual(BIG);
    expect(asBig(nr.where(nr.ones([7], { dtype: 'bool' }), t, 0))).toEqual(BIG);
  });
  it('casts match PyTorch (int32/uint8 wrap, float64 rounds, bool is != 0)', () => {
    const t = big();
    // from PyTorch 1.13: t.to(torch.int32 / torch.uint8 / torch.float64 / torch.bool)
    expect(t.to('int32').toFlatArray()).toEqual([1, 0, -1, 1, -3, 5, -7]);
    expect(t.to('uint8').toFlatArray()).toEqual([1, 0, 255, 1, 253, 5, 249]);
    expect(t.to('float64').toFlatArray()).toEqual([4.611686018427388e+18, -9.223372036854776e+18, 9.223372036854776e+18, 9007199254740992, -9007199254740996, 1099511627781, -7]);
    expect(t.to('bool').toFlatArray()).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(asBig(t.to('int32').to('int64'))).toEqual([1n, 0n, -1n, 1n, -3n, 5n, -7n]);
  });
  it('integer kernels stay exact: add (wrapping), sum, amax/amin, max with index', () => {
    const t = big();
    const rev = nr.tensor(BigInt64Array.from([...BIG].reverse()));
    // from PyTorch 1.13: (t + t.flip(0)).tolist(), t[3:].sum(), t.max()
    expect(asBig(t.add(rev))).toEqual([4611686018427387898n, -9223370937343148027n, 9214364837600034812n, 18014398509481986n, 9214364837600034812n, -9223370937343148027n, 4611686018427387898n]);
    expect(asBig(t.narrow(0, 3, 4).sum())).toEqual([1099511627772n]);
    expect(asBig(t.amax())).toEqual([2n ** 63n - 1n]);
    expect(asBig(t.amin())).toEqual([-(2n ** 63n)]);
    const { values, indices } = t.max(0);
    expect(asBig(values)).toEqual([2n ** 63n - 1n]);
    expect(asBig(indices)).toEqual([2n]);
  });
});

describe('integer overflow wraps (two\'s complement, as PyTorch) without undefined behaviour', () => {
  it('int32 / int64 add, sub with alpha, mul, neg, abs at the limits', () => {
    const i32 = nr.tensor([2147483647, -2147483648], { dtype: 'int32' });
    expect(i32.add(1).toArray()).toEqual([-2147483648, -2147483647]);
    expect(i32.sub(i32, { alpha: -17 } as any).toArray()).toEqual([Math.imul(18, 2147483647), Math.imul(18, -2147483648)]);   // x + 17x
    expect(i32.mul(nr.tensor([2, -1], { dtype: 'int32' })).toArray()).toEqual([-2, -2147483648]);
    expect(i32.neg().toArray()).toEqual([-2147483647, -2147483648]);
    expect(i32.abs().toArray()).toEqual([2147483647, -2147483648]);
    const i64 = nr.fromArray(new BigInt64Array([9223372036854775807n]), [1]);
    expect(Array.from(i64.add(1).data() as BigInt64Array)).toEqual([-9223372036854775808n]);
    expect(Array.from(i64.mul(2).data() as BigInt64Array)).toEqual([-2n]);
  });
});

describe('integer pow / fmod / remainder at the limits (UBSan findings)', () => {
  it('pow wraps, x % -1 is 0 for the minimum value', () => {
    const big = nr.fromArray(new BigInt64Array([4294967296n, -9223372036854775808n]), [2]);
    expect(Array.from(big.pow(2).data() as BigInt64Array)).toEqual([0n, 0n]);          // 2^64 and 2^126 wrap to 0
    expect(Array.from(big.fmod(-1).data() as BigInt64Array)).toEqual([0n, 0n]);
    expect(Array.from(big.remainder(-1).data() as BigInt64Array)).toEqual([0n, 0n]);
    const i32 = nr.tensor([-2147483648, 7], { dtype: 'int32' });
    expect(i32.fmod(-1).toArray()).toEqual([0, 0]);
    expect(nr.tensor([3], { dtype: 'int32' }).pow(21).toArray()).toEqual([Number(BigInt.asIntN(32, 3n ** 21n))]);
  });
});

describe('integer sum overflow wraps (UBSan finding in the reference reduction)', () => {
  it('int64 sum of two large values wraps like torch', () => {
    const t = nr.fromArray(new BigInt64Array([9223372036854775807n, 9223372036854775800n]), [2]);
    expect(Array.from(t.sum().data() as BigInt64Array)).toEqual([BigInt.asIntN(64, 9223372036854775807n + 9223372036854775800n)]);
  });
});
