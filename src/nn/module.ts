// nn.Module: the base of every layer. Parameters and submodules are found from instance properties
// in insertion order (a property holding a Parameter is a parameter, one holding a Module is a
// child), so `this.fc1 = new nn.Linear(4, 2)` registers fc1 like PyTorch's __setattr__. Buffers are
// registered explicitly (registerBuffer). State-dict keys and traversal order match PyTorch's.
//
// Calling convention: JavaScript objects cannot be called like functions, so a model runs with
// `model.forward(x)`; `model.call(x)` does the same and also runs the forward hooks
// (registerForwardPreHook / registerForwardHook), like PyTorch's `model(x)`.
import { Tensor, isTensor, fmtShape } from '../tensor';
import { DType, checkDtype, isFloat } from '../dtype';
import type { Device } from '../storage';
import { isDeviceName } from '../storage';
import { noGrad } from '../autograd';
import { Parameter, isParameter } from './parameter';

export type StateDict = Record<string, Tensor>;
export interface LoadResult { missingKeys: string[]; unexpectedKeys: string[]; }
export type ToTarget = DType | Device | { dtype?: DType; device?: Device };
export type ForwardPreHook = (module: Module, args: any[]) => any[] | void;
export type ForwardHook = (module: Module, args: any[], output: any) => any;

const join = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);

export function isModule(x: unknown): x is Module {
  return typeof x === 'object' && x !== null && (x as any)._isModule === true;
}

/** Hidden (non-enumerable) per-instance state, so it never shows up as a parameter or child. */
function hidden(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: false, configurable: true });
}

/**
 * Base class of layers and models (torch.nn.Module): subclass it, assign parameters, buffers and
 * submodules as properties in the constructor, and implement forward(). Gives parameters(),
 * stateDict()/loadStateDict() with PyTorch's keys, train()/eval(), to(), hooks, and fit/evaluate/predict.
 */
export abstract class Module {
  /** True in training mode (the default), false after eval(). */
  training = true;
  declare readonly _isModule: true;
  declare _buffers: Map<string, Tensor | null>;
  declare _nonPersistent: Set<string>;
  declare _preHooks: Map<number, ForwardPreHook>;
  declare _hooks: Map<number, ForwardHook>;

  constructor() {
    hidden(this, '_isModule', true);
    hidden(this, '_buffers', new Map());
    hidden(this, '_nonPersistent', new Set());
    hidden(this, '_preHooks', new Map());
    hidden(this, '_hooks', new Map());
  }

  /** The computation of the module; subclasses implement it. */
  abstract forward(...args: any[]): any;

  /** Runs forward pre-hooks, forward, then forward hooks (PyTorch's `module(...)`). */
  call(...args: any[]): any {
    for (const h of this._preHooks.values()) {
      const r = h(this, args);
      if (r !== undefined) args = Array.isArray(r) ? r : [r];
    }
    let out = this.forward(...args);
    for (const h of this._hooks.values()) {
      const r = h(this, args, out);
      if (r !== undefined) out = r;
    }
    return out;
  }

  /** Registers fn(module, args) run before forward by call(); it may return replacement args. */
  registerForwardPreHook(fn: ForwardPreHook): { remove(): void } { return addHook(this._preHooks, fn); }
  /** Registers fn(module, args, output) run after forward by call(); it may return a replacement output. */
  registerForwardHook(fn: ForwardHook): { remove(): void } { return addHook(this._hooks, fn); }

  // ---- registration ------------------------------------------------------------------------

  /**
   * Registers a tensor that is state but not a parameter (e.g. BatchNorm's running_mean). It is
   * readable and assignable as `this[name]`, moves with to(), and is saved by stateDict() unless
   * persistent is false. null registers the name without a tensor (absent from the state dict).
   */
  registerBuffer(name: string, tensor: Tensor | null, opts: { persistent?: boolean } = {}): void {
    checkName(this, name, 'registerBuffer');
    if (tensor !== null && !isTensor(tensor)) throw new TypeError(`registerBuffer: buffer '${name}' must be a tensor or null`);
    if (!this._buffers.has(name) && Object.prototype.hasOwnProperty.call(this, name)) {
      throw new Error(`registerBuffer: attribute '${name}' already exists`);
    }
    if (isParameter(tensor)) throw new TypeError(`registerBuffer: '${name}' is a Parameter; assign it as a property instead`);
    if (tensor) tensor._kept = true;
    this._buffers.set(name, tensor);
    if (opts.persistent === false) this._nonPersistent.add(name);
    else this._nonPersistent.delete(name);
    const bufs = this._buffers;
    Object.defineProperty(this, name, {
      get: () => bufs.get(name) ?? null,
      set: (t: Tensor | null) => {
        if (t !== null && !isTensor(t)) throw new TypeError(`buffer '${name}' must be a tensor or null`);
        if (t) t._kept = true;
        bufs.set(name, t);
      },
      enumerable: false,
      configurable: true,
    });
  }

  /** Adds (or replaces, or with null removes) a parameter: the same as `this[name] = param`. */
  registerParameter(name: string, param: Parameter | null): void {
    checkName(this, name, 'registerParameter');
    if (param !== null && !isParameter(param)) throw new TypeError(`registerParameter: '${name}' must be an nn.Parameter or null`);
    (this as any)[name] = param;
  }

  /** Adds (or replaces) a child module: the same as `this[name] = module`. */
  registerModule(name: string, module: Module | null): void {
    checkName(this, name, 'registerModule');
    if (module !== null && !isModule(module)) throw new TypeError(`registerModule: '${name}' must be an nn.Module or null`);
    (this as any)[name] = module;
  }
  /** Alias of registerModule (PyTorch's add_module). */
  addModule(name: string, module: Module | null): void { this.registerModule(name, module); }

  // ---- traversal ---------------------------------------------------------------------------

  /** Own parameters as [name, param] in registration order (overridable by containers). */
  _ownParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const k of Object.keys(this)) {
      const v = (this as any)[k];
      if (isParameter(v)) out.push([k, v]);
    }
    return out;
  }

  /** Own children as [name, module] in registration order (overridable by containers). */
  _ownChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const k of Object.keys(this)) {
      const v = (this as any)[k];
      if (isModule(v)) out.push([k, v]);
    }
    return out;
  }

  /** Direct children as [name, module]. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    return this._ownChildren().filter(([, m]) => (seen.has(m) ? false : (seen.add(m), true)));
  }
  children(): Module[] { return this.namedChildren().map(([, m]) => m); }

  /** This module and every descendant, pre-order, each once, as [dotted name, module]. */
  namedModules(opts: { prefix?: string; removeDuplicate?: boolean } = {}): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const dedupe = opts.removeDuplicate ?? true;
    const visit = (m: Module, prefix: string) => {
      if (dedupe) { if (seen.has(m)) return; seen.add(m); }
      out.push([prefix, m]);
      for (const [k, c] of m._ownChildren()) visit(c, join(prefix, k));
    };
    visit(this, opts.prefix ?? '');
    return out;
  }
  modules(): Module[] { return this.namedModules().map(([, m]) => m); }

  /** Parameters of this module and (with recurse, the default) its descendants, each once. */
  namedParameters(opts: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean } = {}): [string, Parameter][] {
    const mods: [string, Module][] = opts.recurse === false ? [[opts.prefix ?? '', this]] : this.namedModules({ prefix: opts.prefix });
    const dedupe = opts.removeDuplicate ?? true;
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [prefix, m] of mods) {
      for (const [k, p] of m._ownParameters()) {
        if (dedupe) { if (seen.has(p)) continue; seen.add(p); }
        out.push([join(prefix, k), p]);
      }
    }
    return out;
  }
  parameters(opts: { recurse?: boolean } = {}): Parameter[] { return this.namedParameters(opts).map(([, p]) => p); }

  /** Buffers (non-null) of this module and its descendants, each once. */
  namedBuffers(opts: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    const mods: [string, Module][] = opts.recurse === false ? [[opts.prefix ?? '', this]] : this.namedModules({ prefix: opts.prefix });
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of mods) {
      for (const [k, b] of m._buffers) {
        if (!b || seen.has(b)) continue;
        seen.add(b);
        out.push([join(prefix, k), b]);
      }
    }
    return out;
  }
  buffers(opts: { recurse?: boolean } = {}): Tensor[] { return this.namedBuffers(opts).map(([, b]) => b); }

  /** Number of parameter elements (shared parameters counted once). */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    return this.parameters().filter((p) => !opts.trainableOnly || p.requiresGrad).reduce((a, p) => a + p.numel(), 0);
  }

  // ---- modes and gradients -----------------------------------------------------------------

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = !!mode;
    return this;
  }
  /** Evaluation mode: train(false). */
  eval(): this { return this.train(false); }

  /** Calls fn on every descendant and then this module (children first, as PyTorch). */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Clears gradients: sets them to null (default), or zeroes them in place with setToNone false. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const toNone = opts.setToNone ?? true;
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (toNone) p.grad = null;
      else if (p.grad.gradFn) { const z = Tensor.empty(p.grad.shape, p.grad.dtype, true, 'zeroGrad', p.grad.device); z._kept = true; p.grad = z; }
      else p.grad.zero_();
    }
  }

  /** Sets requiresGrad on every parameter (freeze with requiresGrad_(false)). */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad_(on);
    return this;
  }

  // ---- state dict --------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers under PyTorch's keys ('0.weight', 'fc1.bias',
   * 'bn.running_mean'), in PyTorch's order. Values are detached tensors sharing the module's memory
   * (keepVars: the Parameter objects themselves).
   */
  stateDict(opts: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    const out: StateDict = {};
    const visit = (m: Module, prefix: string) => {
      for (const [k, p] of m._ownParameters()) out[prefix + k] = opts.keepVars ? p : p.detach();
      for (const [k, b] of m._buffers) {
        if (b && !m._nonPersistent.has(k)) out[prefix + k] = opts.keepVars ? b : b.detach();
      }
      for (const [k, c] of m._ownChildren()) visit(c, prefix + k + '.');
    };
    visit(this, opts.prefix ?? '');
    return out;
  }

  /**
   * Copies values from a state dict (object or Map of tensors) into this module's parameters and
   * persistent buffers. Shapes must match (a mismatch always throws, before anything is copied);
   * with strict (the default) missing or unexpected keys throw too. Returns the key lists.
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    if (typeof stateDict !== 'object' || stateDict === null) throw new TypeError('loadStateDict: expected an object or Map of tensors');
    const src = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const targets: [string, Tensor][] = [];
    const visit = (m: Module, prefix: string) => {
      for (const [k, p] of m._ownParameters()) targets.push([prefix + k, p]);
      for (const [k, b] of m._buffers) if (b && !m._nonPersistent.has(k)) targets.push([prefix + k, b]);
      for (const [k, c] of m._ownChildren()) visit(c, prefix + k + '.');
    };
    visit(this, '');
    const expected = new Set(targets.map(([k]) => k));
    const missingKeys = targets.map(([k]) => k).filter((k) => !src.has(k));
    const unexpectedKeys = [...src.keys()].filter((k) => !expected.has(k));
    const errors: string[] = [];
    for (const [k, dst] of targets) {
      const v = src.get(k);
      if (v === undefined) continue;
      if (!isTensor(v)) { errors.push(`'${k}' is not a tensor`); continue; }
      if (v.isDisposed) { errors.push(`'${k}' was disposed`); continue; }
      if (v.ndim !== dst.ndim || v.shape.some((d, i) => d !== dst.shape[i])) {
        errors.push(`size mismatch for ${k}: copying a param with shape ${fmtShape(v.shape)} from checkpoint, the shape in current model is ${fmtShape(dst.shape)}`);
      }
    }
    if (strict) {
      if (missingKeys.length) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (unexpectedKeys.length) errors.splice(missingKeys.length ? 1 : 0, 0, `Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    if (errors.length) throw new Error(`loadStateDict: error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    noGrad(() => {
      for (const [k, dst] of targets) {
        const v = src.get(k);
        if (v !== undefined && v !== dst) dst.copy_(v);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- dtype and device --------------------------------------------------------------------

  /**
   * Moves/casts parameters and buffers in place (the same Parameter objects, so optimizers built
   * before keep working). A dtype applies to floating-point tensors only, as in PyTorch.
   */
  to(target: ToTarget): this {
    const o = typeof target === 'string' ? (isDeviceName(target) ? { device: target as Device } : { dtype: target as DType }) : target;
    if (typeof o !== 'object' || o === null) throw new TypeError(`to: expected a dtype, a device or { dtype, device }, got ${String(target)}`);
    const dtype = o.dtype !== undefined ? checkDtype(o.dtype, 'Module.to') : undefined;
    if (dtype !== undefined && !isFloat(dtype)) throw new TypeError(`Module.to: nn.Module.to only accepts floating point dtypes, but got ${dtype}`);
    if (o.device !== undefined && o.device !== 'cpu') {
      // Same error (or, once available, the same move) as Tensor.to for that device.
      const probe = Tensor.empty([0], 'float32');
      try { probe.to({ device: o.device }); } finally { probe.dispose(); }
    }
    const convert = (t: Tensor): Tensor => t.detach().to({ device: o.device, dtype: isFloat(t.dtype) ? dtype : undefined });
    noGrad(() => {
      for (const m of this.modules()) {
        for (const [, p] of m._ownParameters()) {
          const d = convert(p);
          p._setData(d);
          d.dispose();
        }
        for (const [k, b] of m._buffers) {
          if (!b) continue;
          const d = convert(b);
          if (d.storage !== b.storage) m._buffers.set(k, keep(d));
          else d.dispose();
        }
      }
    });
    return this;
  }
  /** Casts floating-point parameters and buffers to float32. */
  float(): this { return this.to('float32'); }
  /** Casts floating-point parameters and buffers to float64. */
  double(): this { return this.to('float64'); }
  /** Casts floating-point parameters and buffers to float16. */
  half(): this { return this.to('float16'); }
  /** Moves to the CPU. */
  cpu(): this { return this.to('cpu'); }

  // ---- printing ----------------------------------------------------------------------------

  /** The part of the repr inside the parentheses (overridden by layers, e.g. 'inFeatures=4, ...'). */
  extraRepr(): string { return ''; }

  /** A PyTorch-style tree: `Sequential(\n  (0): Linear(inFeatures=4, outFeatures=2, bias=true)\n)`. */
  toString(): string {
    const extra = this.extraRepr();
    const kids = this._ownChildren();
    if (!kids.length) return `${this.constructor.name}(${extra})`;
    const lines = extra ? extra.split('\n') : [];
    for (const [k, c] of kids) lines.push(`(${k}): ${String(c).split('\n').join('\n  ')}`);
    return `${this.constructor.name}(\n  ${lines.join('\n  ')}\n)`;
  }
}

function keep(t: Tensor): Tensor { t._kept = true; return t; }

let hookId = 0;
function addHook<F>(map: Map<number, F>, fn: F): { remove(): void } {
  if (typeof fn !== 'function') throw new TypeError('register hook: expected a function');
  const id = hookId++;
  map.set(id, fn);
  return { remove: () => { map.delete(id); } };
}

function checkName(obj: Module, name: string, op: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new TypeError(`${op}: name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
  }
  if (!Object.prototype.hasOwnProperty.call(obj, name) && name in obj) throw new Error(`${op}: '${name}' would shadow a method or property of ${obj.constructor.name}`);
}
