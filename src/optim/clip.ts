// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_): in place on each
// parameter's .grad, outside autograd. Norms are summed natively in double precision.
import { sumPow } from '../ops/sumpow';
import { Tensor, isTensor } from '../tensor';
import { noGrad } from '../autograd';

function gradsOf(params: Tensor | Iterable<Tensor>, op: string): Tensor[] {
  if (params === null || params === undefined) throw new TypeError(`${op}: parameters must be a tensor or an iterable of tensors`);
  const list = isTensor(params) ? [params] : typeof (params as any)[Symbol.iterator] === 'function' ? Array.from(params) : null;
  if (!list) throw new TypeError(`${op}: parameters must be a tensor or an iterable of tensors, got ${typeof params}`);
  const grads: Tensor[] = [];
  list.forEach((p, i) => {
    if (!isTensor(p)) throw new TypeError(`${op}: parameter ${i} is not a tensor`);
    if (p.grad) grads.push(p.grad._check(`${op} (gradient of parameter ${i})`));
  });
  return grads;
}


export interface ClipGradNormOptions {
  /** Order of the norm: any p > 0, or Infinity (default 2). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
}

/**
 * Scales the gradients of `params` in place so that their total norm (the norm of all gradients
 * concatenated) is at most maxNorm: each grad is multiplied by min(1, maxNorm / (total + 1e-6)).
 * Parameters without a gradient are skipped. Returns the total norm before clipping, as a number.
 */
export function clipGradNorm_(params: Tensor | Iterable<Tensor>, maxNorm: number, o: ClipGradNormOptions = {}): number {
  const op = 'clipGradNorm_';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`${op}: maxNorm must be a number, got ${String(maxNorm)}`);
  const p = o.normType ?? 2;
  if (typeof p !== 'number' || !(p > 0)) throw new RangeError(`${op}: normType must be a positive number or Infinity, got ${String(p)}`);
  const grads = gradsOf(params, op);
  if (grads.length === 0) return 0;
  let total: number;
  if (p === Infinity) {
    total = 0;
    for (const g of grads) {
      const m = sumPow(g, Infinity);
      total = Number.isNaN(m) || m > total ? m : total;
    }
  } else {
    let s = 0;
    for (const g of grads) s += sumPow(g, p);
    total = p === 2 ? Math.sqrt(s) : p === 1 ? s : s ** (1 / p);
  }
  if (o.errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(`${op}: the total norm of order ${p} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
      'To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false');
  }
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  // Like PyTorch, the grads are always multiplied (by 1 when no clipping is needed; by NaN for a NaN norm).
  if (coef !== 1 || Number.isNaN(total)) noGrad(() => { for (const g of grads) g.mul_(Number.isNaN(total) ? NaN : coef); });
  return total;
}

/** Clamps every gradient of `params` in place to [-clipValue, clipValue]. */
export function clipGradValue_(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw new TypeError(`${op}: clipValue must be a number, got ${String(clipValue)}`);
  const grads = gradsOf(params, op);
  noGrad(() => { for (const g of grads) g.clamp_(-clipValue, clipValue); });
}
