// Module containers: Sequential (runs children in order; children are properties '0', '1', ... so
// `seq[0]` works and state-dict keys are '0.weight'), ModuleList (an indexable list of modules) and
// ModuleDict (modules by name, insertion-ordered).
import { Module, isModule } from './module';

function asModule(m: unknown, op: string): Module {
  if (!isModule(m)) throw new TypeError(`${op}: expected an nn.Module, got ${m === null ? 'null' : typeof m}`);
  return m;
}

/** Index i (negative from the end) into a list of n, or a RangeError. */
function listIndex(i: number, n: number, op: string): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`${op}: index ${i} is out of range for ${n} modules`);
  return i < 0 ? i + n : i;
}

/** Base of Sequential and ModuleList: children stored as properties '0'..'n-1'. */
abstract class IndexedModules extends Module {
  [index: number]: Module;

  protected _setAll(mods: Module[]): void {
    const n = this.length;
    for (let i = 0; i < n; i++) delete (this as any)[i];
    mods.forEach((m, i) => { (this as any)[i] = m; });
  }
  protected _all(): Module[] {
    const out: Module[] = [];
    for (let i = 0; isModule((this as any)[i]); i++) out.push((this as any)[i]);
    return out;
  }

  /** Number of modules. */
  get length(): number {
    let i = 0;
    while (isModule((this as any)[i])) i++;
    return i;
  }
  /** The module at index i (negative counts from the end). */
  at(i: number): Module { return this._all()[listIndex(i, this.length, 'at')]; }
  /** Appends a module; returns this. */
  append(m: Module): this { (this as any)[this.length] = asModule(m, 'append'); return this; }
  /** Appends several modules; returns this. */
  extend(mods: Iterable<Module>): this { for (const m of mods) this.append(m); return this; }
  /** Inserts a module before index i (i may equal length); later modules shift up. */
  insert(i: number, m: Module): this {
    const all = this._all();
    const n = all.length;
    if (!Number.isInteger(i) || i < -n || i > n) throw new RangeError(`insert: index ${i} is out of range for ${n} modules`);
    all.splice(i < 0 ? i + n : i, 0, asModule(m, 'insert'));
    this._setAll(all);
    return this;
  }
  /** Removes and returns the module at index i (default: the last). */
  pop(i = -1): Module {
    const all = this._all();
    const k = listIndex(i, all.length, 'pop');
    const [m] = all.splice(k, 1);
    this._setAll(all);
    return m;
  }
  [Symbol.iterator](): Iterator<Module> { return this._all()[Symbol.iterator](); }
}

/**
 * Runs its modules in order, each one's output feeding the next:
 * `new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2))`. Also accepts an
 * object or Map of named modules (PyTorch's OrderedDict form); those names become the keys.
 */
export class Sequential extends IndexedModules {
  constructor(...mods: (Module | Record<string, Module> | Map<string, Module>)[]) {
    super();
    if (mods.length === 1 && !isModule(mods[0])) {
      const entries = mods[0] instanceof Map ? [...mods[0].entries()] : Object.entries(mods[0] as Record<string, Module>);
      for (const [k, m] of entries) this.registerModule(k, asModule(m, 'Sequential'));
      return;
    }
    mods.forEach((m, i) => { (this as any)[i] = asModule(m, 'Sequential'); });
  }

  override get length(): number { return this._ownChildren().length; }
  override at(i: number): Module {
    const kids = this._ownChildren();
    return kids[listIndex(i, kids.length, 'Sequential.at')][1];
  }
  override _all(): Module[] { return this._ownChildren().map(([, m]) => m); }

  /** A new Sequential of modules [start, end) (the same module objects). */
  slice(start = 0, end?: number): Sequential { return new Sequential(...this._all().slice(start, end)); }

  /** Feeds x through every module in order (each via call(), so hooks run). */
  forward(x: any): any {
    for (const m of this._all()) x = m.call(x);
    return x;
  }
}

/** A list of modules, registered as children '0'..'n-1' (no forward of its own). */
export class ModuleList extends IndexedModules {
  constructor(mods: Iterable<Module> = []) {
    super();
    this.extend(mods);
  }
  forward(): never { throw new Error('ModuleList has no forward(); iterate over it and call the modules'); }
}

/** Modules by name, in insertion order; registered as children under their names. */
export class ModuleDict extends Module {
  declare _dict: Map<string, Module>;

  constructor(mods: Record<string, Module> | Map<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    Object.defineProperty(this, '_dict', { value: new Map(), enumerable: false, writable: true });
    this.update(mods);
  }

  override _ownChildren(): [string, Module][] { return [...this._dict.entries()]; }

  get size(): number { return this._dict.size; }
  /** The module named key (undefined if absent). */
  get(key: string): Module | undefined { return this._dict.get(key); }
  /** Adds or replaces the module named key; returns this. */
  set(key: string, m: Module): this {
    if (typeof key !== 'string' || key === '' || key.includes('.')) throw new TypeError(`ModuleDict: key must be a non-empty string without '.', got ${JSON.stringify(key)}`);
    this._dict.set(key, asModule(m, 'ModuleDict.set'));
    return this;
  }
  has(key: string): boolean { return this._dict.has(key); }
  delete(key: string): boolean { return this._dict.delete(key); }
  /** Removes and returns the module named key. */
  pop(key: string): Module {
    const m = this._dict.get(key);
    if (!m) throw new RangeError(`ModuleDict.pop: no module named '${key}'`);
    this._dict.delete(key);
    return m;
  }
  clear(): void { this._dict.clear(); }
  keys(): string[] { return [...this._dict.keys()]; }
  values(): Module[] { return [...this._dict.values()]; }
  entries(): [string, Module][] { return [...this._dict.entries()]; }
  /** Adds every [key, module] of an object, Map or iterable of pairs. */
  update(mods: Record<string, Module> | Map<string, Module> | Iterable<[string, Module]>): this {
    const it: Iterable<[string, Module]> = mods instanceof Map || Symbol.iterator in Object(mods)
      ? (mods as Iterable<[string, Module]>) : Object.entries(mods as Record<string, Module>);
    for (const [k, m] of it) this.set(k, m);
    return this;
  }
  [Symbol.iterator](): Iterator<string> { return this._dict.keys(); }
  forward(): never { throw new Error('ModuleDict has no forward(); get a module by name and call it'); }
}
