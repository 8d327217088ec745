// tidy(): a scope that disposes every tensor created inside it, except those it returns or keep()s.
import type { Tensor } from './tensor';

const scopes: Tensor[][] = [];

/** Called by the Tensor constructor. */
export function track(t: Tensor): void {
  if (scopes.length) scopes[scopes.length - 1].push(t);
}

/** Marks a tensor to survive every enclosing tidy scope (like tfjs keep()). */
export function keep<T extends Tensor>(t: T): T {
  t._kept = true;
  return t;
}

function collect(v: unknown, out: Set<Tensor>, depth = 0): void {
  if (!v || typeof v !== 'object' || depth > 8) return;
  if ((v as any)._isTensor) { out.add(v as Tensor); return; }
  if (Array.isArray(v)) { for (const x of v) collect(x, out, depth + 1); return; }
  if (v instanceof Map) { for (const x of v.values()) collect(x, out, depth + 1); return; }
  if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) collect(x, out, depth + 1);
}

/**
 * Runs fn and disposes the tensors created during it, except the ones in its result (a tensor, or
 * arrays/plain objects/Maps of them), kept ones, and gradients stored in `.grad`. Returned tensors move
 * to the enclosing scope. If fn throws, every tensor it created (except kept ones) is disposed and the
 * error propagates. fn must be synchronous (an async fn would escape the scope).
 */
export function tidy<T>(fn: () => T): T {
  const mine: Tensor[] = [];
  scopes.push(mine);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of mine) {
      if (t._kept) track(t);
      else t.dispose();
    }
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) throw new Error('tidy: fn must be synchronous (it returned a Promise)');
  const survivors = new Set<Tensor>();
  collect(result, survivors);
  for (const t of mine) {
    if (survivors.has(t) || t._kept) { track(t); continue; }
    t.dispose();
  }
  return result;
}

/**
 * Runs fn in a scope like tidy, but disposes nothing: returns fn's result with the tensors created
 * during it (not kept ones), which the caller then owns and must dispose. If fn throws they are
 * disposed. Used by train.fit to free the batches a loader creates once their step is done.
 */
export function collectCreated<T>(fn: () => T): { result: T; created: Tensor[] } {
  const mine: Tensor[] = [];
  scopes.push(mine);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of mine) if (t._kept) track(t); else t.dispose();
    throw e;
  }
  scopes.pop();
  const created: Tensor[] = [];
  for (const t of mine) {
    if (t._kept) track(t);
    else created.push(t);
  }
  return { result, created };
}
