// Automatic mixed precision (torch.autocast): inside nr.autocast(dtype, fn), the ops that profit from
// low precision (matmul, mm, bmm, linear, scaledDotProductAttention) cast their float32 inputs to
// float16/bfloat16, and the ops that need range or accuracy (softmax, logSoftmax, layerNorm,
// rmsNorm, the losses) compute in float32. Casts are ordinary differentiable ops, so gradients reach
// float32 master weights in float32. A float32 leaf (a parameter) is cast once per autocast region and
// reused while its version is unchanged. On the CPU, float16/bfloat16 are storage dtypes (kernels
// compute in float32 and round once), so autocast there saves memory, not time; on cuda the GEMMs
// and flash attention run on tensor cores.
import type { DType } from '../dtype';
import type { Tensor } from '../tensor';

export type AutocastDtype = 'float16' | 'bfloat16';

export interface AutocastOptions {
  /** false runs fn without autocast (a region can switch it off inside an enclosing one). */
  enabled?: boolean;
}

let active: AutocastDtype | null = null;
let cache: WeakMap<Tensor, { version: number; cast: Tensor }> | null = null;
let owned: Tensor[] = [];

/** The low-precision dtype of the enclosing autocast region, or null outside one. */
export function autocastDtype(): AutocastDtype | null { return active; }

/**
 * Runs fn with autocast to `dtype` and returns its result. fn must be synchronous: the state is a
 * process-wide setting restored when fn returns (an async fn would leak it into other work), so a
 * returned Promise is refused. Nested regions override and then restore the enclosing one.
 */
export function autocast<T>(dtype: AutocastDtype, fn: () => T, o: AutocastOptions = {}): T {
  if (dtype !== 'float16' && dtype !== 'bfloat16') {
    throw new TypeError(`autocast: dtype must be 'float16' or 'bfloat16', got ${JSON.stringify(dtype)}`);
  }
  if (typeof fn !== 'function') throw new TypeError('autocast: expected a function to run');
  const prev = active, prevCache = cache, prevOwned = owned;
  active = o.enabled === false ? null : dtype;
  cache = active ? new WeakMap() : null;
  owned = [];
  let result: T;
  try {
    result = fn();
  } finally {
    for (const t of owned) t.dispose();
    active = prev; cache = prevCache; owned = prevOwned;
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    throw new TypeError('autocast: fn returned a Promise; autocast regions must be synchronous (wrap the forward pass, not the whole async step)');
  }
  return result;
}

/** x cast to the region's low-precision dtype when x is float32 inside an autocast region. */
export function castLow(x: Tensor): Tensor {
  if (!active || x?.dtype !== 'float32' || typeof x.to !== 'function') return x;
  if (x.isLeaf && x.requiresGrad && cache) {
    const hit = cache.get(x);
    if (hit && hit.version === x.storage.version && !hit.cast.isDisposed) return hit.cast;
    const cast = x.to(active);
    cast._kept = true;            // lives for the region (also past an inner tidy)
    cache.set(x, { version: x.storage.version, cast });
    owned.push(cast);
    return cast;
  }
  return x.to(active);
}

/** x cast to float32 when it is float16/bfloat16 inside an autocast region. */
export function castFloat32(x: Tensor): Tensor {
  if (!active || (x?.dtype !== 'float16' && x?.dtype !== 'bfloat16') || typeof x.to !== 'function') return x;
  return x.to('float32' as DType);
}
