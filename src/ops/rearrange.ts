// Ops that rearrange elements without arithmetic: flip (a negative-stride view copied by the native
// copy kernel), roll (narrow + cat), repeat/tile (expand of an interleaved reshape, then a copy),
// tril/triu (where with a diagonal mask). Gradients follow from their backward rules or from the
// view ops they are built on. On cuda: flip has its own copy kernel (src/cuda/sort.ts), tril/triu move
// their mask to the device, roll/repeat/tile run as device copies.
import { Tensor, Shape, normDim, fmtShape, checkShape } from '../tensor';
import { attach } from '../autograd';
import { defineMethods } from './registry';
import { cat } from './view';
import { where } from './binary';
import { arange } from '../creation';
import { checkTensor, fmtValue } from './check';
import { cudaCopySigned } from '../cuda/sort';

declare module '../tensor' {
  interface Tensor {
    flip(dims: number | number[]): Tensor;
    fliplr(): Tensor;
    flipud(): Tensor;
    roll(shifts: number | number[], dims?: number | number[]): Tensor;
    repeat(sizes: number[]): Tensor;
    tile(reps: number[]): Tensor;
    tril(diagonal?: number): Tensor;
    triu(diagonal?: number): Tensor;
  }
}

/** torch.flip: a copy of x with the order of the entries along each of `dims` reversed. */
export function flip(x: Tensor, dims: number | number[]): Tensor {
  checkTensor(x, 'flip', 'the input');
  const list = (Array.isArray(dims) ? dims : [dims]).map((d) => normDim(d, x.ndim, 'flip'));
  if (new Set(list).size !== list.length) throw new RangeError(`flip: dim ${fmtValue(dims)} appears multiple times`);
  const st = x.strides.slice();
  let off = x.offset;
  for (const d of list) {
    if (x.ndim === 0 || x.shape[d] === 0) continue;
    off += (x.shape[d] - 1) * st[d];
    st[d] = -st[d];
  }
  const rev = x._view(x.shape, st, off, 'flip');
  // cuda: the device copy takes non-negative strides only, so the reversed view has its own kernel
  let out: Tensor;
  try { out = x.device === 'cuda' ? cudaCopySigned(rev) : Tensor.empty(x.shape, x.dtype, false, 'flip', x.device).copy_(rev); } finally { rev.dispose(); }
  return attach(out, 'flip', [x], (g) => [flip(g, list)]);
}

/** torch.roll: entries shifted along dims (wrapping around); without dims, over the flattened tensor. */
export function roll(x: Tensor, shifts: number | number[], dims?: number | number[]): Tensor {
  checkTensor(x, 'roll', 'the input');
  const sh = Array.isArray(shifts) ? shifts : [shifts];
  if (sh.some((s) => !Number.isInteger(s))) throw new TypeError(`roll: shifts must be integers, got ${fmtValue(shifts)}`);
  if (dims === undefined || dims === null) {
    if (sh.length !== 1) throw new RangeError(`roll: without dims, shifts must be a single number, got ${fmtValue(shifts)}`);
    return roll(x.reshape([-1]), sh[0], 0).reshape(x.shape);
  }
  const ds = (Array.isArray(dims) ? dims : [dims]).map((d) => normDim(d, x.ndim, 'roll'));
  if (ds.length !== sh.length) throw new RangeError(`roll: shifts (${sh.length}) and dims (${ds.length}) must have the same length`);
  let out = x;
  ds.forEach((d, i) => {
    const n = out.ndim === 0 ? 1 : out.shape[d];
    const s = n === 0 ? 0 : ((sh[i] % n) + n) % n;
    if (s === 0 || out.ndim === 0) return;
    out = cat([out.narrow(d, n - s, s), out.narrow(d, 0, n - s)], d);
  });
  return out === x ? x.clone() : out;
}

/** torch.Tensor.repeat: x tiled sizes[i] times along each dim (sizes may add leading dims). */
export function repeat(x: Tensor, sizes: number[]): Tensor {
  checkTensor(x, 'repeat', 'the input');
  if (!Array.isArray(sizes)) throw new TypeError('repeat: sizes must be an array of integers');
  if (sizes.length < x.ndim) {
    throw new RangeError(`repeat: the number of repeat dims (${sizes.length}) can not be smaller than the number of tensor dims (${x.ndim}, shape ${fmtShape(x.shape)})`);
  }
  checkShape(sizes, 'repeat');
  const lead = sizes.length - x.ndim;
  const shape = [...new Array(lead).fill(1), ...x.shape];
  const outShape = checkShape(shape.map((s, i) => s * sizes[i]), 'repeat');
  // (.., 1, s_i, ..) expanded to (.., r_i, s_i, ..), then merged pairwise
  const inter: number[] = [], big: number[] = [];
  shape.forEach((s, i) => { inter.push(1, s); big.push(sizes[i], s); });
  const out = x.reshape(inter).expand(big).reshape(outShape);
  return out.storage === x.storage ? out.clone() : out;
}

/** torch.tile: repeat with reps padded by leading 1s when shorter than x's dims. */
export function tile(x: Tensor, reps: number[]): Tensor {
  if (!Array.isArray(reps)) throw new TypeError('tile: reps must be an array of integers');
  const r = reps.length < x.ndim ? [...new Array(x.ndim - reps.length).fill(1), ...reps] : reps;
  return repeat(x, r);
}

/** Mask over the last two dims of shape: keep(row, col) = col - row <= diagonal (lower) / >= diagonal (upper). */
function triMask(shape: Shape, diagonal: number, lower: boolean, op: string): Tensor {
  if (shape.length < 2) throw new RangeError(`${op}: input must have at least 2 dims, got shape ${fmtShape(shape)}`);
  if (!Number.isInteger(diagonal)) throw new TypeError(`${op}: diagonal must be an integer, got ${String(diagonal)}`);
  const m = shape[shape.length - 2], n = shape[shape.length - 1];
  const rows = arange(m).reshape([m, 1]), cols = arange(n).reshape([1, n]);
  const diff = cols.sub(rows);
  return lower ? diff.le(diagonal) : diff.ge(diagonal);
}

function tri(x: Tensor, diagonal: number, lower: boolean): Tensor {
  const op = lower ? 'tril' : 'triu';
  checkTensor(x, op, 'the input');
  let keep = triMask(x.shape, diagonal, lower, op);
  if (x.device !== 'cpu') { const k = keep.to(x.device); keep.dispose(); keep = k; }   // the (m, n) mask is built on the host
  const zero = Tensor.empty([], x.dtype, true, op, x.device);
  return where(keep, x, zero);
}

/** torch.tril: the lower triangle (col - row <= diagonal) of the last two dims; the rest zero. */
export const tril = (x: Tensor, diagonal = 0): Tensor => tri(x, diagonal, true);
/** torch.triu: the upper triangle (col - row >= diagonal) of the last two dims; the rest zero. */
export const triu = (x: Tensor, diagonal = 0): Tensor => tri(x, diagonal, false);

defineMethods('rearrange', {
  flip(dims: number | number[]) { return flip(this, dims); },
  fliplr() {
    if (this.ndim < 2) throw new RangeError(`fliplr: input must have at least 2 dims, got shape ${fmtShape(this.shape)}`);
    return flip(this, 1);
  },
  flipud() {
    if (this.ndim < 1) throw new RangeError('flipud: input must have at least 1 dim');
    return flip(this, 0);
  },
  roll(shifts: number | number[], dims?: number | number[]) { return roll(this, shifts, dims); },
  repeat(sizes: number[]) { return repeat(this, sizes); },
  tile(reps: number[]) { return tile(this, reps); },
  tril(diagonal?: number) { return tril(this, diagonal); },
  triu(diagonal?: number) { return triu(this, diagonal); },
});
