// Argument checks shared by the functional op entry points: a tensor argument must be a live Tensor.
// (Methods get `this` from a Tensor; functions such as nr.matmul(a, b) can be handed anything.)
import { Tensor, isTensor } from '../tensor';

/** Throws a TypeError naming `op` unless x is a Tensor, and an Error if it was disposed. */
export function checkTensor(x: unknown, op: string, what = 'input'): asserts x is Tensor {
  if (!isTensor(x)) {
    const got = x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
    throw new TypeError(`${op}: expected ${what} to be a tensor, got ${got}`);
  }
  x._check(op);
}

export { fmtValue } from '../format';
