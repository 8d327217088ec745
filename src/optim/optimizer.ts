// Optimizer base: parameter groups with per-group hyperparameters, per-parameter state, zeroGrad,
// step(closure) and stateDict/loadStateDict in PyTorch's layout. Subclasses implement one fused
// native update per parameter (updateParam); updates run outside autograd, in place on the storage.
import { Tensor, isTensor, fmtShape } from '../tensor';
import { enableGrad, noGrad } from '../autograd';
import { isFloat } from '../dtype';

/** Per-parameter optimizer state: tensors (moment buffers) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number>;

/** A parameter group: its tensors plus the hyperparameters that apply to them. */
export type ParamGroup<H> = H & { params: Tensor[]; [key: string]: unknown };

/** What a constructor or addParamGroup accepts for a group: params plus hyperparameter overrides. */
export type ParamGroupSpec<H> = Partial<H> & { params: Iterable<Tensor> | Tensor; [key: string]: unknown };

/** Optimizer constructor input: an iterable of tensors, or of parameter-group specs. */
export type ParamsArg<H> = Iterable<Tensor> | Iterable<ParamGroupSpec<H>>;

/** A closure for step(): re-evaluates the model and returns the loss. */
export type Closure = () => Tensor | number;

/** Serialisable optimizer state: state keyed by parameter index, groups with index lists. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  param_groups: Record<string, unknown>[];
}

/** Common hyperparameters every optimizer has. */
export interface BaseHyper { lr: number; }

/** Checks a number hyperparameter; `min`/`max` inclusive unless strict. */
export function checkNum(op: string, name: string, v: unknown, min = -Infinity, max = Infinity, strictMin = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${op}: ${name} must be a finite number, got ${String(v)}`);
  if (strictMin ? v <= min : v < min) throw new RangeError(`${op}: invalid ${name} ${v} (must be ${strictMin ? '>' : '>='} ${min})`);
  if (v > max) throw new RangeError(`${op}: invalid ${name} ${v} (must be <= ${max})`);
  return v;
}

export function checkBool(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be a boolean, got ${String(v)}`);
  return v;
}

/** Checks a betas pair (each in [0, 1)). */
export function checkBetas(op: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw new TypeError(`${op}: betas must be a pair [beta1, beta2], got ${JSON.stringify(v)}`);
  checkNum(op, 'beta parameter at index 0', v[0], 0);
  checkNum(op, 'beta parameter at index 1', v[1], 0);
  if (v[0] >= 1 || v[1] >= 1) throw new RangeError(`${op}: invalid betas ${JSON.stringify(v)} (each must be in [0, 1))`);
  return v as [number, number];
}

function cloneValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneValue);
  if (isTensor(v)) return noGrad(() => v.detach().clone());
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = cloneValue(x);
    return o;
  }
  return v;
}

/** Base class of the optimizers: parameter groups with their hyperparameters, per-parameter state, zeroGrad(), step(), stateDict(). */
export abstract class Optimizer<H extends BaseHyper = BaseHyper> {
  /** The hyperparameters groups inherit when they do not set their own. */
  readonly defaults: H;
  /** The parameter groups; change `lr` (or any hyperparameter) here between steps. */
  paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, created on the first step that sees a gradient. */
  state = new Map<Tensor, ParamState>();
  /** Number of step() calls (schedulers use it to detect a missing optimizer.step()). */
  stepCount = 0;

  /** Name used in error messages (the class name PyTorch users know); a getter, so it works during construction. */
  protected abstract get opName(): string;
  /** The state keys this optimizer keeps as tensors (for loadStateDict checks). */
  protected abstract get stateTensorKeys(): readonly string[];

  constructor(params: ParamsArg<H>, defaults: H) {
    this.defaults = { ...defaults };
    if (isTensor(params)) {
      throw new TypeError(`${new.target.name}: params must be an iterable of tensors or of parameter groups, got a single Tensor (wrap it in an array)`);
    }
    if (params === null || typeof (params as any)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`${new.target.name}: params must be an iterable of tensors or of parameter groups, got ${params === null ? 'null' : typeof params}`);
    }
    const list = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new RangeError(`${new.target.name}: got an empty parameter list`);
    const isGroup = (x: unknown) => !!x && typeof x === 'object' && !isTensor(x) && 'params' in (x as object);
    if (!isTensor(list[0]) && !isGroup(list[0])) {
      throw new TypeError(`${new.target.name}: can only optimize Tensors, but one of the params is ${list[0] === null ? 'null' : typeof list[0]}`);
    }
    const groups = isTensor(list[0]) ? [{ params: list as Tensor[] } as unknown as ParamGroupSpec<H>] : (list as ParamGroupSpec<H>[]);
    this.validateHyper(this.defaults, 'defaults');
    for (const g of groups) this.addParamGroup(g);
  }

  /** Throws if a group's hyperparameters are invalid; `where` names the group in the message. */
  protected abstract validateHyper(h: H, where: string): void;

  /** Updates one parameter in place from its gradient and state. Runs under noGrad. */
  protected abstract updateParam(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<H>): void;

  /** Adds a parameter group (torch.optim.Optimizer.add_param_group); missing hyperparameters come from defaults. */
  addParamGroup(spec: ParamGroupSpec<H>): void {
    const op = this.opName;
    if (!spec || typeof spec !== 'object' || !('params' in spec)) throw new TypeError(`${op}.addParamGroup: a parameter group must be an object with a 'params' field`);
    const raw = spec.params;
    if (raw instanceof Set) throw new TypeError(`${op}: parameters must be an ordered collection (array), not a Set`);
    const params = isTensor(raw) ? [raw] : Array.from(raw as Iterable<Tensor>);
    params.forEach((p, i) => {
      if (!isTensor(p)) throw new TypeError(`${op}: can only optimize Tensors, but parameter ${i} of group ${this.paramGroups.length} is ${p === null ? 'null' : typeof p}`);
      p._check(op);
      if (!p.isLeaf) throw new Error(`${op}: can't optimize a non-leaf Tensor (parameter ${i} of group ${this.paramGroups.length}, shape ${fmtShape(p.shape)})`);
      if (!isFloat(p.dtype)) throw new TypeError(`${op}: can only optimize floating-point tensors (parameter ${i} is ${p.dtype})`);
    });
    if (new Set(params).size !== params.length) throw new Error(`${op}: a parameter group contains the same parameter twice`);
    for (const g of this.paramGroups) {
      for (const p of params) if (g.params.includes(p)) throw new Error(`${op}: some parameters appear in more than one parameter group`);
    }
    const group = { ...this.defaults, ...spec, params } as unknown as ParamGroup<H>;
    for (const [k, v] of Object.entries(this.defaults)) if (Array.isArray(v) && group[k] === v) (group as any)[k] = v.slice();
    this.validateHyper(group, `group ${this.paramGroups.length}`);
    this.paramGroups.push(group);
    this.onAddGroup(group);
  }

  /** Hook for optimizers that create state eagerly (Adagrad). */
  protected onAddGroup(_group: ParamGroup<H>): void {}

  /**
   * Clears gradients. setToNone (default, PyTorch >= 2.0) drops each `.grad` and frees its memory at
   * once (a tensor you kept from `.grad` becomes unusable); setToNone=false zeroes them in place.
   */
  zeroGrad(o: { setToNone?: boolean } = {}): void {
    const toNone = o.setToNone ?? true;
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        if (toNone) {
          const old = p.grad;
          p.grad = null;
          old.dispose();
        } else {
          if (p.grad.gradFn) p.grad = p.grad.detach();
          p.grad.requiresGrad = false;
          p.grad.fill_(0);
        }
      }
    }
  }

  /**
   * Performs one optimization step over every parameter that has a gradient. A closure, if given, is
   * run first with gradients enabled (it should zero grads, compute the loss and call backward) and
   * its return value is returned.
   */
  step(closure?: Closure): Tensor | number | undefined {
    let loss: Tensor | number | undefined;
    if (closure !== undefined) {
      if (typeof closure !== 'function') throw new TypeError(`${this.opName}.step: closure must be a function`);
      loss = enableGrad(closure);
      if (loss && typeof (loss as any).then === 'function') {
        throw new TypeError(`${this.opName}.step: the closure returned a Promise; step() is synchronous, so await your computation before calling step()`);
      }
    }
    this.stepCount++;
    noGrad(() => this.updateAll());
    return loss;
  }

  /** Runs updateParam for every parameter with a gradient (LAMB overrides it for its global norm). */
  protected updateAll(): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = this.gradOf(p);
        if (!g) continue;
        try {
          this.updateParam(p, g, this.stateOf(p), group);
        } finally {
          if (g !== p.grad) g.dispose();
        }
      }
    }
  }

  /** The parameter's gradient as a contiguous tensor of its dtype and shape, or null when it has none. */
  protected gradOf(p: Tensor): Tensor | null {
    const g = p.grad;
    if (!g) return null;
    p._check(`${this.opName}.step`);
    g._check(`${this.opName}.step (gradient)`);
    if (g.dtype !== p.dtype) throw new TypeError(`${this.opName}.step: gradient dtype ${g.dtype} differs from the parameter's ${p.dtype}`);
    if (g.shape.length !== p.shape.length || g.shape.some((d, i) => d !== p.shape[i])) {
      throw new RangeError(`${this.opName}.step: gradient shape ${fmtShape(g.shape)} does not match parameter shape ${fmtShape(p.shape)}`);
    }
    return g.isContiguous() ? g : g.clone();
  }

  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) { s = {}; this.state.set(p, s); }
    return s;
  }

  /** A zero tensor shaped like p for optimizer state. */
  protected zerosLike(p: Tensor, value = 0): Tensor {
    const t = Tensor.empty(p.shape, p.dtype, value === 0, 'optimizer state', p.device);
    if (value !== 0) t.fill_(value);
    t._kept = true;
    return t;
  }

  /**
   * The optimizer state as { state: {index: {...}}, param_groups: [{...hyperparameters, params: [index...]}] },
   * indices counting parameters across groups in order (PyTorch's layout; buffer names such as
   * exp_avg and momentum_buffer match PyTorch's, group keys are this library's camelCase ones). Tensors
   * are copies, so the snapshot stays valid while training continues.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const groups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') packed[k] = cloneValue(v);
      packed.params = g.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return packed;
    });
    const state: Record<number, Record<string, Tensor | number>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      state[i] = cloneValue(s) as Record<string, Tensor | number>;
    }
    return { state, param_groups: groups };
  }

  /** Restores state and hyperparameters saved by stateDict() (values are copied, cast to each parameter's dtype). */
  loadStateDict(sd: OptimizerStateDict): void {
    const op = `${this.opName}.loadStateDict`;
    if (!sd || typeof sd !== 'object' || !Array.isArray(sd.param_groups) || typeof sd.state !== 'object' || sd.state === null) {
      throw new TypeError(`${op}: expected an object with 'state' and 'param_groups'`);
    }
    const saved = sd.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new RangeError(`${op}: loaded state dict has ${saved.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    }
    const idMap = new Map<number, Tensor>();
    saved.forEach((sg, gi) => {
      const ids = sg.params;
      const mine = this.paramGroups[gi].params;
      if (!Array.isArray(ids) || ids.length !== mine.length) {
        throw new RangeError(`${op}: group ${gi} of the loaded state dict has ${Array.isArray(ids) ? ids.length : 'no'} parameters, the optimizer's has ${mine.length}`);
      }
      ids.forEach((id, k) => idMap.set(Number(id), mine[k]));
    });
    // Build everything first so a bad entry leaves the optimizer unchanged.
    const newState = new Map<Tensor, ParamState>();
    for (const [key, entry] of Object.entries(sd.state)) {
      const p = idMap.get(Number(key));
      if (!p) throw new RangeError(`${op}: state for parameter index ${key} does not belong to any parameter group`);
      const s: ParamState = {};
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (isTensor(v) && k === 'step' && v.numel() === 1) {
          s[k] = Number(v.item());   // PyTorch >= 1.12 keeps step as a tensor
        } else if (isTensor(v)) {
          if (!this.stateTensorKeys.includes(k)) throw new Error(`${op}: unexpected state '${k}' for parameter ${key} (${this.opName} keeps ${this.stateTensorKeys.join(', ')})`);
          if (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i])) {
            throw new RangeError(`${op}: state '${k}' of parameter ${key} has shape ${fmtShape(v.shape)}, the parameter has ${fmtShape(p.shape)}`);
          }
          const t = noGrad(() => v.detach().to(p.dtype).clone());
          t._kept = true;
          s[k] = t;
        } else if (typeof v === 'number') {
          s[k] = v;
        } else {
          throw new TypeError(`${op}: state '${k}' of parameter ${key} must be a tensor or a number`);
        }
      }
      newState.set(p, s);
    }
    const newGroups = saved.map((sg, gi) => {
      const g: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(sg)) if (k !== 'params') g[k] = cloneValue(v);
      g.params = this.paramGroups[gi].params;
      this.validateHyper({ ...this.defaults, ...g } as unknown as H, `group ${gi} of the loaded state dict`);
      return { ...this.defaults, ...g } as unknown as ParamGroup<H>;
    });
    for (const s of this.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this.state = newState;
    this.paramGroups = newGroups;
  }
}
