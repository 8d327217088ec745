// Writes views and scalars into the argument block shared with native code (see native/binding/binding.h).
// One block per thread/env; a call fills it and invokes a binding, which reads it back in order.
import { native } from './native';
import { DTYPE_CODE, DType } from '../dtype';

let block: Float64Array | null = null;
let pos = 0;

export interface ViewLike {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

const MAX_SLOTS = 4096;

/** Starts a new argument list; returns the writer. */
export function args(): ArgWriter {
  if (!block) block = new Float64Array(native().argBuffer());
  pos = 0;
  return writer;
}

class ArgWriter {
  /** [dtype, ndim, offset, shape..., strides...]; `shape`/`strides` override the view's (broadcasting). */
  view(t: ViewLike, shape: readonly number[] = t.shape, strides: readonly number[] = t.strides): this {
    const b = block!;
    const n = shape.length;
    if (pos + 3 + 2 * n > MAX_SLOTS) throw new RangeError('neurona: too many kernel arguments');
    b[pos++] = DTYPE_CODE[t.dtype];
    b[pos++] = n;
    b[pos++] = t.offset;
    for (let i = 0; i < n; i++) b[pos++] = shape[i];
    for (let i = 0; i < n; i++) b[pos++] = strides[i];
    return this;
  }
  num(x: number): this {
    block![pos++] = x;
    return this;
  }
  nums(xs: readonly number[]): this {
    for (const x of xs) block![pos++] = x;
    return this;
  }
}
export type { ArgWriter };
const writer = new ArgWriter();
