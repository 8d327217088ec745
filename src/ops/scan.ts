// Cumulative sum and product along one dim (torch.cumsum / torch.cumprod), with backward:
//   cumsum:  dx = reverse cumsum of g (itself differentiable)
//   cumprod: dx_i = sum_{j>=i} g_j prod_{l<=j, l!=i} x_l, by a fused division-free kernel, exact when
//            x has zeros.
// Floats accumulate in double; integer and bool inputs give int64 (as in PyTorch) unless { dtype }.
// cuda tensors run the same steps with the kernels of src/cuda/sort.ts.
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, normDim } from '../tensor';
import { attach, isGradEnabled } from '../autograd';
import { defineMethods } from './registry';
import { DType, isFloat, checkDtype } from '../dtype';
import { checkTensor } from './check';
import { cudaScan, cudaCumprodBackward } from '../cuda/sort';

export interface ScanOpts {
  /** Cast the input to this dtype before the operation (like torch's dtype argument). */
  dtype?: DType;
}

declare module '../tensor' {
  interface Tensor {
    /** Cumulative sum along `dim`. */
    cumsum(dim: number, opts?: ScanOpts): Tensor;
    /** Cumulative product along `dim`. */
    cumprod(dim: number, opts?: ScanOpts): Tensor;
  }
}

/** Native scan of x (compute dtype, any strides) along dim; returns a new contiguous tensor. */
function kernel(op: 'cumsum' | 'cumprod', x: Tensor, dim: number, reverse: boolean): Tensor {
  if (x.device === 'cuda') return cudaScan(op, x, dim, reverse);
  const out = Tensor.empty(x.shape, x.dtype);
  args().num(op === 'cumsum' ? 0 : 1).num(dim).num(reverse ? 1 : 0).view(out).view(x);
  native().scan(out.storage.buf, x.storage.buf);
  return out;
}

/** cumsum (or the reverse cumsum, from the end) as a differentiable op on a compute-dtype tensor. */
function cumsumOp(x: Tensor, dim: number, reverse: boolean): Tensor {
  const out = kernel('cumsum', x.detach(), dim, reverse);
  return attach(out, reverse ? 'cumsum(reverse)' : 'cumsum', [x], (g) => [cumsumOp(g, dim, !reverse)]);
}

function cumprodBackward(g: Tensor, x: Tensor, dim: number): Tensor {
  if (isGradEnabled() && (g.requiresGrad || x.requiresGrad)) {
    throw new Error('backward: double backward (createGraph) through cumprod is not implemented');
  }
  const gc = g.dtype === x.dtype ? g : g.to(x.dtype);
  if (x.device === 'cuda') {
    try { return cudaCumprodBackward(gc, x, dim); } finally { if (gc !== g) gc.dispose(); }
  }
  const gx = Tensor.empty(x.shape, x.dtype);
  args().num(dim).view(gx).view(gc).view(x);
  native().cumprodBackward(gx.storage.buf, gc.storage.buf, x.storage.buf);
  if (gc !== g) gc.dispose();
  return gx;
}

function scanImpl(op: 'cumsum' | 'cumprod', x: Tensor, dim: number, o: ScanOpts = {}): Tensor {
  checkTensor(x, op, 'the input');
  if (typeof dim !== 'number') throw new TypeError(`${op}: dim must be given as an integer (got ${String(dim)})`);
  const d = normDim(dim, x.ndim, op);
  const dt: DType = o?.dtype !== undefined ? checkDtype(o?.dtype, op) : isFloat(x.dtype) ? x.dtype : 'int64';
  if (dt === 'bool') throw new TypeError(`${op}: bool is not a valid result dtype (use 'int64' or a float dtype)`);
  const compute: DType = dt === 'float16' || dt === 'bfloat16' ? 'float32' : dt;
  const xc = x.to(dt).to(compute);   // differentiable casts for float dtypes
  const x1 = xc.ndim === 0 ? xc.reshape([1]) : xc;
  let out: Tensor;
  if (op === 'cumsum') {
    out = cumsumOp(x1, d, false);
  } else {
    out = kernel('cumprod', x1.detach(), d, false);
    attach(out, 'cumprod', [x1], (g, [sx]) => [cumprodBackward(g, sx, d)], [x1]);
  }
  if (xc.ndim === 0) out = out.reshape([]);
  return dt !== compute ? out.to(dt) : out;
}

/** Cumulative sum along `dim` (torch.cumsum). Integer and bool inputs give int64 unless { dtype }. */
export function cumsum(x: Tensor, dim: number, opts?: ScanOpts): Tensor { return scanImpl('cumsum', x, dim, opts); }

/** Cumulative product along `dim` (torch.cumprod). Integer and bool inputs give int64 unless { dtype }. */
export function cumprod(x: Tensor, dim: number, opts?: ScanOpts): Tensor { return scanImpl('cumprod', x, dim, opts); }

defineMethods('scan', {
  cumsum(dim: number, o?: ScanOpts) { return scanImpl('cumsum', this, dim, o); },
  cumprod(dim: number, o?: ScanOpts) { return scanImpl('cumprod', this, dim, o); },
});
