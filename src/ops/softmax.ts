// Softmax and log-softmax along one dim: numerically stable (max subtracted, sums in double), with
// fused native kernels for the forward and for the backward
//   softmax:     dx = y * (g - sum(g * y))        log_softmax: dx = g - exp(y) * sum(g)
// float16/bfloat16 compute in float32; integer inputs need a float { dtype } (as in PyTorch).
import { castFloat32 } from '../amp/autocast';
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, normDim } from '../tensor';
import { attach, isGradEnabled } from '../autograd';
import { defineMethods } from './registry';
import { DType, isFloat, checkDtype } from '../dtype';
import { checkTensor } from './check';
import { tracing, traceOp } from '../trace';
import { cudaSoftmax } from '../cuda/ops';

export interface SoftmaxOpts {
  /** Cast the input to this dtype before the operation (like torch's dtype argument). */
  dtype?: DType;
}

declare module '../tensor' {
  interface Tensor {
    /** Softmax along `dim`: exp(x) / sum(exp(x)), computed stably. */
    softmax(dim: number, opts?: SoftmaxOpts): Tensor;
    /** Log-softmax along `dim`: x - logsumexp(x), computed stably. */
    logSoftmax(dim: number, opts?: SoftmaxOpts): Tensor;
  }
}

/** Runs the native forward kernel on a float32/float64 tensor (any strides); returns a new tensor. */
function kernel(x: Tensor, dim: number, log: boolean): Tensor {
  const out = Tensor.empty(x.shape, x.dtype);
  args().num(dim).num(log ? 1 : 0).view(out).view(x);
  native().softmax(out.storage.buf, x.storage.buf);
  return out;
}

/** Fused backward: the input gradient from the incoming gradient g and the forward output y. */
function backwardKernel(g: Tensor, y: Tensor, dim: number, log: boolean): Tensor {
  const name = log ? 'logSoftmax' : 'softmax';
  if (isGradEnabled() && (g.requiresGrad || y.requiresGrad)) {
    throw new Error(`backward: double backward (createGraph) through ${name} is not implemented`);
  }
  const gc = (g.dtype === y.dtype ? g : g.to(y.dtype)).contiguous();
  const gx = Tensor.empty(y.shape, y.dtype);
  args().num(dim).num(log ? 1 : 0).view(gx).view(gc).view(y);
  native().softmaxBackward(gx.storage.buf, gc.storage.buf, y.storage.buf);
  if (gc !== g) gc.dispose();
  return gx;
}

function softmaxImpl(name: 'softmax' | 'logSoftmax', x: Tensor, dim: number, o: SoftmaxOpts = {}): Tensor {
  checkTensor(x, name, 'the input');
  x = castFloat32(x);
  if (typeof dim !== 'number') throw new TypeError(`${name}: dim must be given as an integer (got ${String(dim)})`);
  const log = name === 'logSoftmax';
  const dt = o?.dtype !== undefined ? checkDtype(o?.dtype, name) : x.dtype;
  if (!isFloat(dt)) {
    throw new TypeError(`${name}: expected a floating-point input, got ${x.dtype} (pass { dtype: 'float32' } to compute in float)`);
  }
  const d = normDim(dim, x.ndim, name);
  if (x.device !== 'cpu') {
    const xc = x.to(dt);
    // log-softmax as x - logsumexp(x): composed of cuda ops with their gradients
    if (log) return xc.sub(xc.logsumexp(d, { keepdim: true }));
    const out = cudaSoftmax(xc.detach(), d);
    // dx = y * (g - sum(g * y, dim)), composed from cuda ops
    return attach(out, name, [xc], (g, [y]) => [y.mul(g.sub(g.mul(y).sum(d, { keepdim: true })))], [out]);
  }
  const compute: DType = dt === 'float16' || dt === 'bfloat16' ? 'float32' : dt;
  // differentiable casts: gradients flow back through them to x
  const xc = x.to(dt).to(compute);
  const x1 = xc.ndim === 0 ? xc.reshape([1]) : xc;
  const out1 = kernel(x1.detach(), d, log);
  // The node hangs on x1 (the reshaped input) so that the saved output y has the kernel's shape.
  attach(out1, name, [x1], (g, [y]) => [backwardKernel(g, y, d, log)], [out1]);
  const out0 = xc.ndim === 0 ? out1.reshape([]) : out1;
  return dt !== compute ? out0.to(dt) : out0;
}

/** Softmax along `dim` (torch.softmax): stable, with a fused backward. */
export function softmax(x: Tensor, dim: number, opts?: SoftmaxOpts): Tensor {
  if (tracing.active) return traceOp('softmax', softmax, [x, dim, opts]);
  return softmaxImpl('softmax', x, dim, opts);
}

/** Log-softmax along `dim` (torch.log_softmax): stable, with a fused backward. */
export function logSoftmax(x: Tensor, dim: number, opts?: SoftmaxOpts): Tensor {
  if (tracing.active) return traceOp('logSoftmax', logSoftmax, [x, dim, opts]);
  return softmaxImpl('logSoftmax', x, dim, opts);
}

defineMethods('softmax', {
  softmax(dim: number, o?: SoftmaxOpts) { return softmaxImpl('softmax', this, dim, o); },
  logSoftmax(dim: number, o?: SoftmaxOpts) { return softmaxImpl('logSoftmax', this, dim, o); },
});
