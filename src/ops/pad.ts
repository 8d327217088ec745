// Constant padding (torch.nn.functional.pad with mode 'constant'): pads the last dims by
// [left, right, top, bottom, ...] amounts; negative amounts crop. Backward slices the gradient.
import { Tensor, fmtShape, checkShape } from '../tensor';
import { attach } from '../autograd';
import { checkTensor, fmtValue } from './check';
import { tracing, traceOp } from '../trace';

/** Pads the trailing dims of x: pad = [lastLeft, lastRight, secondLastLeft, secondLastRight, ...]. */
export function pad(x: Tensor, padding: number[], value = 0): Tensor {
  if (tracing.active) return traceOp('pad', pad, [x, padding, value]);
  checkTensor(x, 'pad', 'the input');
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new TypeError(`pad: value must be a number, got ${fmtValue(value)}`);
  if (!Array.isArray(padding) || padding.length % 2 || padding.length / 2 > x.ndim || !padding.every(Number.isInteger)) {
    throw new RangeError(`pad: padding ${fmtValue(padding)} must be an even-length integer list covering at most ${x.ndim} dims (input ${fmtShape(x.shape)})`);
  }
  const shape = x.shape.slice();
  const before = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < padding.length / 2; i++) {
    const d = x.ndim - 1 - i;
    before[d] = padding[2 * i];
    shape[d] += padding[2 * i] + padding[2 * i + 1];
    if (shape[d] < 0) throw new RangeError(`pad: padding ${fmtValue(padding)} makes dim ${d} of ${fmtShape(x.shape)} negative`);
  }
  const out = Tensor.empty(checkShape(shape, 'pad'), x.dtype, false, 'pad', x.device).fill_(value);
  // Region of out that receives x (and of x that is kept, for negative padding).
  let dst: Tensor = out, src: Tensor = x.detach();
  for (let d = 0; d < x.ndim; d++) {
    const b = before[d];
    const dStart = Math.max(b, 0), sStart = Math.max(-b, 0);
    const len = Math.min(x.shape[d] - sStart, shape[d] - dStart);
    if (len <= 0) return attach(out, 'pad', [x], () => [Tensor.empty(x.shape, x.dtype, true, 'pad', x.device)]);
    dst = dst.narrow(d, dStart, len);
    src = src.narrow(d, sStart, len);
  }
  dst.copy_(src);
  const region = (t: Tensor, which: 'src' | 'dst') => {
    let v = t;
    for (let d = 0; d < x.ndim; d++) {
      const b = before[d], dStart = Math.max(b, 0), sStart = Math.max(-b, 0);
      const len = Math.min(x.shape[d] - sStart, shape[d] - dStart);
      v = v.narrow(d, which === 'dst' ? dStart : sStart, len);
    }
    return v;
  };
  return attach(out, 'pad', [x], (g) => {
    const gx = Tensor.empty(x.shape, g.dtype, true, 'pad', g.device);
    region(gx, 'src').copy_(region(g, 'dst'));
    return [gx];
  });
}
