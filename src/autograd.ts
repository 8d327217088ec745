// Define-by-run autograd: each differentiable op attaches a GradNode (inputs + backward closure +
// saved tensors) to its output; backward() walks the graph in reverse topological order.
import type { Tensor } from './tensor';
import { isAnomalyEnabled, checkForward, checkBackward, forwardTrace, inBackwardRule } from './anomaly';

let gradEnabled = true;

export function isGradEnabled(): boolean { return gradEnabled; }

function withGrad<T>(on: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = on;
  try { return fn(); } finally { gradEnabled = prev; }
}

/** Runs fn with gradient recording off (torch.no_grad). */
export function noGrad<T>(fn: () => T): T { return withGrad(false, fn); }
/** Runs fn with gradient recording on (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T { return withGrad(true, fn); }
export function setGradEnabled(on: boolean): void { gradEnabled = !!on; }

export type BackwardFn = (grad: Tensor, saved: Tensor[]) => (Tensor | null | undefined)[];

export class GradNode {
  private saved: Tensor[];
  private versions: number[];
  private released = false;
  /** Stack of the forward call that created this node; recorded only in anomaly mode. */
  readonly trace: string | undefined;
  constructor(readonly name: string, readonly inputs: Tensor[], private readonly fn: BackwardFn, saved: Tensor[]) {
    // Saved tensors are aliases that hold their own reference to the storage, so disposing (or tidy
    // disposing) the user's handle does not free memory the backward pass still needs. Their storage
    // versions are recorded: an in-place write before backward would silently corrupt the gradient.
    this.saved = saved.map((t) => t._alias());
    this.versions = this.saved.map((t) => t.storage.version);
    this.trace = isAnomalyEnabled() ? forwardTrace() : undefined;
  }
  apply(grad: Tensor): (Tensor | null | undefined)[] {
    if (this.released) {
      throw new Error(`backward: trying to backward through the graph a second time (through ${this.name}); ` +
        'pass { retainGraph: true } to the first backward() if you need to');
    }
    this.saved.forEach((t, i) => {
      if (t.storage.version !== this.versions[i]) {
        throw new Error(`backward: a tensor of shape [${t.shape}] that ${this.name} saved for its gradient was modified ` +
          'by an in-place operation after it was used; clone() it before modifying it, or modify a copy');
      }
    });
    return this.fn(grad, this.saved);
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const s of this.saved) s.dispose();
    this.saved = [];
  }
}

/** True when an op on these inputs must record a graph node. */
export function needsGrad(...inputs: (Tensor | number | boolean | null | undefined)[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t !== null && typeof t === 'object' && t.requiresGrad) return true;
  return false;
}

/**
 * Attaches a backward rule to `out` if any input requires grad. `backward(g, saved)` returns one
 * gradient per input (null/undefined where the input needs none), shaped like that input.
 */
export function attach(out: Tensor, name: string, inputs: Tensor[], backward: BackwardFn, saved: Tensor[] = []): Tensor {
  if (isAnomalyEnabled()) checkForward(out, name, inputs);
  if (!needsGrad(...inputs)) return out;
  out.requiresGrad = true;
  out.gradFn = new GradNode(name, inputs, backward, saved);
  return out;
}

export interface BackwardOptions { retainGraph?: boolean; createGraph?: boolean; }

/** Computes gradients of `root` w.r.t. every leaf that requires grad, accumulating into `.grad`. */
export function runBackward(root: Tensor, grad: Tensor, opts: BackwardOptions = {}): void {
  // Topological order by iterative DFS over grad nodes.
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const ins = t.gradFn ? t.gradFn.inputs : [];
    if (i < ins.length) {
      top[1]++;
      const c = ins[i];
      if (c.requiresGrad && !seen.has(c)) { seen.add(c); stack.push([c, 0]); }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  const grads = new Map<Tensor, Tensor>();
  grads.set(root, grad);
  // Gradient tensors that may be referenced from more than one place (the caller's seed, a gradient
  // passed straight through a node, or one handed to several inputs): a leaf must copy those.
  // Any other gradient is owned by the engine and a leaf may keep it as its .grad without a copy.
  const shared = new Set<Tensor>([grad]);
  const retain = opts.retainGraph ?? opts.createGraph ?? false;
  withGrad(!!opts.createGraph, () => {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      let g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const hooked = t._runHooks(g);
      if (hooked !== g) shared.add(hooked);   // a hook may keep its own reference to what it returns
      g = hooked;
      const node = t.gradFn;
      if (!node) { t._accumulateGrad(g, !shared.has(g)); continue; }
      if (t._retainsGrad) { t._accumulateGrad(g, false); shared.add(g); }
      const anomaly = isAnomalyEnabled();
      const ins = anomaly ? inBackwardRule(() => node.apply(g!)) : node.apply(g);
      if (anomaly) checkBackward(node.name, g, ins, node.inputs, node.trace);
      if (!retain) node.release();
      for (let j = 0; j < node.inputs.length; j++) {
        const x = node.inputs[j], gx = ins[j];
        if (!gx || !x.requiresGrad) continue;
        if (gx.shape.length !== x.shape.length || gx.shape.some((d, i) => d !== x.shape[i])) {
          throw new Error(`backward: ${node.name} returned a gradient of shape [${gx.shape}] for an input of shape [${x.shape}]`);
        }
        if (gx === g || ins.indexOf(gx) !== j || shared.has(gx)) shared.add(gx);
        const prev = grads.get(x);
        grads.set(x, prev ? prev.add(gx) : gx);
      }
    }
  });
}
