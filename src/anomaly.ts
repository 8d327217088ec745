// Anomaly detection (torch.autograd.detect_anomaly): while enabled, every op's output is checked for
// NaN/Inf when its inputs were finite, and every backward rule's gradients likewise, so the error
// names the first op that produced a non-finite value (with the stack of the forward call). Off by
// default; when off the only cost is one boolean test per op.
import type { Tensor } from './tensor';
import { sumPow } from './ops/sumpow';

let enabled = false;
/** >0 while a backward rule runs: its internal ops are judged by the backward check, not the forward one. */
let inBackward = 0;

/** True while anomaly detection is on. */
export function isAnomalyEnabled(): boolean { return enabled; }

/** Turns anomaly detection on or off globally (torch.autograd.set_detect_anomaly). */
export function setDetectAnomaly(on: boolean): void {
  if (typeof on !== 'boolean') throw new TypeError(`setDetectAnomaly: expected a boolean, got ${typeof on}`);
  enabled = on;
}

/** Runs fn with anomaly detection on, restoring the previous setting afterwards (also on throw). */
export function detectAnomaly<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError('detectAnomaly: expected a function');
  const prev = enabled;
  enabled = true;
  try { return fn(); } finally { enabled = prev; }
}

/** Raised by anomaly mode: `op` is the offending op, `phase` 'forward' or 'backward'. */
export class AnomalyError extends Error {
  constructor(message: string, readonly op: string, readonly phase: 'forward' | 'backward') {
    super(message);
    this.name = 'AnomalyError';
  }
}

const FLOATS = new Set(['float32', 'float64', 'float16', 'bfloat16']);

/**
 * True when t (any float dtype, any strides) holds a NaN or an infinity. Computed natively as
 * sum|x| in double precision: finite float32/16 values cannot overflow that sum, and float64 sums
 * reach Inf only for values within a factor n of DBL_MAX, which are treated as overflow anyway.
 */
export function hasNonFinite(t: Tensor): boolean {
  if (!FLOATS.has(t.dtype) || t.numel() === 0 || t.isDisposed) return false;
  return !Number.isFinite(sumPow(t, 1));
}

function describe(ts: readonly Tensor[]): string {
  return ts.map((t) => `[${t.shape}] ${t.dtype}`).join(', ');
}

/** Stack of the current forward call, without this module's own frames. */
export function forwardTrace(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  return lines.filter((l) => !/anomaly\.[jt]s|autograd\.[jt]s/.test(l)).join('\n');
}

/** Forward check: throws when `out` is non-finite although every float input of `name` was finite. */
export function checkForward(out: Tensor, name: string, inputs: readonly Tensor[]): void {
  if (inBackward > 0 || !hasNonFinite(out)) return;
  for (const x of inputs) if (hasNonFinite(x)) return;   // propagated, not produced here
  throw new AnomalyError(`anomaly: forward op '${name}' produced NaN or Inf in its output of shape [${out.shape}] ` +
    `from finite inputs (${describe(inputs) || 'no tensor inputs'})\n${forwardTrace()}`, name, 'forward');
}

/** Runs a backward rule with the forward checks of the ops inside it suspended. */
export function inBackwardRule<T>(fn: () => T): T {
  inBackward++;
  try { return fn(); } finally { inBackward--; }
}

/**
 * Backward check: throws when a gradient from `name`'s backward is non-finite although both its
 * incoming gradient and its forward inputs were finite.
 */
export function checkBackward(name: string, grad: Tensor, grads: readonly (Tensor | null | undefined)[],
  inputs: readonly Tensor[], trace: string | undefined): void {
  for (let j = 0; j < grads.length; j++) {
    const gx = grads[j];
    if (!gx || !hasNonFinite(gx)) continue;
    if (hasNonFinite(grad)) return;
    for (const x of inputs) if (hasNonFinite(x)) return;   // NaN/Inf already present in the forward values
    const x = inputs[j];
    throw new AnomalyError(`anomaly: backward of '${name}' returned NaN or Inf in the gradient of its input ${j}` +
      `${x ? ` (shape [${x.shape}])` : ''} from a finite incoming gradient of shape [${grad.shape}]` +
      `${trace ? `; the forward op was called at:\n${trace}` : ''}`, name, 'backward');
  }
}
