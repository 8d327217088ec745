// nn.Parameter: a leaf tensor that a Module owns and trains. It shares storage with the tensor it
// wraps, requires grad by default, and is not disposed by tidy() scopes (a model outlives them).
import { Tensor, isTensor } from '../tensor';
import { isFloat } from '../dtype';

/** A tensor a Module trains: requires grad by default, shares storage with the tensor it wraps, not disposed by tidy(). */
export class Parameter extends Tensor {
  readonly _isParameter = true;

  /** Wraps `data` (detached; the storage is shared) as a leaf parameter. */
  constructor(data: Tensor, requiresGrad = true) {
    if (!isTensor(data)) throw new TypeError('Parameter: expected a tensor');
    data._check('Parameter');
    if (requiresGrad && !isFloat(data.dtype)) {
      throw new TypeError(`Parameter: only floating-point tensors can require gradients (got ${data.dtype}); pass requiresGrad=false`);
    }
    super(data.storage, data.dtype, data.shape.slice(), data.strides.slice(), data.offset, false);
    this.requiresGrad = requiresGrad;
  }

  /**
   * Replaces the values this parameter refers to (dtype/device/shape may change), keeping the
   * Parameter object, so optimizers holding it keep working (PyTorch's `param.data = t`).
   */
  _setData(t: Tensor): void {
    t._check('Parameter');
    if (t.storage === this.storage && t.dtype === this.dtype && t.offset === this.offset &&
      t.shape.length === this.shape.length && t.shape.every((d, i) => d === this.shape[i] && t.strides[i] === this.strides[i])) return;
    const self = this as unknown as { storage: Tensor['storage']; dtype: Tensor['dtype']; shape: number[]; strides: number[]; offset: number };
    t.storage.retain();
    this.storage.release();
    self.storage = t.storage;
    self.dtype = t.dtype;
    self.shape = t.shape.slice();
    self.strides = t.strides.slice();
    self.offset = t.offset;
    if (this.grad && (this.grad.dtype !== t.dtype || this.grad.shape.some((d, i) => d !== t.shape[i]))) {
      this.grad = this.grad.shape.length === t.shape.length && this.grad.shape.every((d, i) => d === t.shape[i]) ? keepGrad(this.grad.to(t.dtype)) : null;
    }
  }

  override toString(): string { return `Parameter containing:\n${super.toString()}`; }
}

function keepGrad(g: Tensor): Tensor { g._kept = true; return g; }

/** True for nn.Parameter instances. */
export function isParameter(x: unknown): x is Parameter {
  return typeof x === 'object' && x !== null && (x as any)._isParameter === true;
}
