// Tensor = storage + view (dtype, shape, strides, offset) + autograd state. Op methods are added to
// the prototype by src/ops/* (each op family in its own file); this file holds the core only.
import { native } from './backend/native';
import { args } from './backend/args';
import { ARRAY_TYPE, DType, ITEMSIZE, TypedArray, checkDtype, isFloat } from './dtype';
import { Device, Storage, isDeviceName, parseDevice } from './storage';
import { GradNode, BackwardOptions, runBackward, isGradEnabled } from './autograd';
import { track } from './scope';
import { fmtValue } from './format';
import { emptyCuda, cudaFill, cudaClone, cudaCopyInto, toCuda, toHost, downloadAsync, requireCuda } from './cuda/memory';

export type Shape = readonly number[];
export type NestedArray = number | boolean | NestedArray[];
export type GradHook = (grad: Tensor) => Tensor | void;

export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmtShape(shape: Shape): string { return `[${shape.join(', ')}]`; }

/** Elements above which an allocation is refused with a RangeError instead of attempting it. */
export const MAX_NUMEL = 2 ** 40;
/** Most dims a tensor may have (kMaxDims in native/include/nr/view.h). */
export const MAX_DIMS = 12;

/** Validates a requested shape (non-negative safe integers, bounded total) for op `op`. */
export function checkShape(shape: unknown, op: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of integers, got ${typeof shape}`);
  if (shape.length > MAX_DIMS) throw new RangeError(`${op}: shape ${fmtShape(shape)} has ${shape.length} dims, more than neurona supports (${MAX_DIMS})`);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new RangeError(`${op}: invalid shape ${fmtValue(shape)} (dimensions must be non-negative integers)`);
    }
    n *= d;
  }
  if (n > MAX_NUMEL) throw new RangeError(`${op}: shape ${fmtShape(shape)} has ${n} elements, more than neurona allows (${MAX_NUMEL})`);
  // an empty shape may still name a dim past 2^53 ([0, 2 ** 64]): its strides would not be exact
  if (!shape.every(Number.isSafeInteger)) throw new RangeError(`${op}: invalid shape ${fmtValue(shape)} (dimensions above 2^53)`);
  return shape.slice();
}

/**
 * An n-dimensional array: a storage (native memory) viewed with a dtype, shape, strides and offset,
 * plus autograd state. Views (reshape, transpose, slices) share the storage. Create tensors with
 * nr.tensor, nr.zeros, nr.randn, ...; the op methods (add, matmul, sum, ...) come from src/ops/*.
 */
export class Tensor {
  readonly _isTensor = true;
  requiresGrad = false;
  grad: Tensor | null = null;
  gradFn: GradNode | null = null;
  _hooks: GradHook[] | null = null;
  _retainsGrad = false;
  _kept = false;
  _disposed = false;

  constructor(
    readonly storage: Storage,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly strides: Shape,
    readonly offset: number,
    trackInScope = true,
  ) {
    storage.retain();
    if (trackInScope) track(this);
  }

  /** A new contiguous tensor (uninitialised unless zero); allocation errors name `op` and the shape. */
  static empty(shape: Shape, dtype: DType, zero = false, op = 'empty', device: Device = 'cpu'): Tensor {
    if (device !== 'cpu') {
      const t = emptyCuda(shape, dtype, op);
      if (zero) cudaFill(t, 0);
      return t;
    }
    const bytes = numelOf(shape) * ITEMSIZE[dtype];
    let st: Storage;
    try {
      st = Storage.alloc(bytes, zero);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      throw new RangeError(`${op}: cannot allocate a ${dtype} tensor of shape ${fmtShape(shape)} (${bytes} bytes): ${e.message.replace(/^alloc: /, '')}`);
    }
    return new Tensor(st, dtype, shape.slice(), contiguousStrides(shape), 0);
  }

  get device(): Device { return this.storage.device; }
  get ndim(): number { return this.shape.length; }
  numel(): number { return numelOf(this.shape); }
  size(dim?: number): number | number[] {
    if (dim === undefined) return this.shape.slice();
    return this.shape[normDim(dim, this.ndim, 'size')];
  }
  stride(): number[] { return this.strides.slice(); }
  isFloatingPoint(): boolean { return isFloat(this.dtype); }
  get isLeaf(): boolean { return this.gradFn === null; }

  isContiguous(): boolean {
    let expect = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.strides[d] !== expect) return false;
      expect *= this.shape[d];
    }
    return true;
  }

  /** Throws if the tensor was disposed. Every op calls it (through args().view or view creation). */
  _check(op: string): this {
    if (this._disposed || this.storage.freed) throw new Error(`${op}: tensor of shape ${fmtShape(this.shape)} was disposed`);
    return this;
  }

  /**
   * Another handle on the same view (own storage reference, not tracked by tidy), for tensors saved by
   * autograd. When this tensor requires grad the alias is a graph node that passes its gradient on to
   * this tensor, so a backward pass built with createGraph differentiates through saved tensors.
   */
  _alias(): Tensor {
    this._check('autograd');
    const t = new Tensor(this.storage, this.dtype, this.shape, this.strides, this.offset, false);
    if (this.requiresGrad) {
      t.requiresGrad = true;
      t.gradFn = new GradNode('saved', [this], (g) => [g], []);
    }
    return t;
  }

  /** A view of the same storage with a new shape/strides/offset (no autograd). */
  _view(shape: Shape, strides: Shape, offset = this.offset, op = 'view'): Tensor {
    this._check(op);
    return new Tensor(this.storage, this.dtype, shape, strides, offset);
  }

  // ---- data access -------------------------------------------------------------------------

  /**
   * The elements as a TypedArray in row-major order. For a contiguous CPU tensor this is a view over
   * the native memory (writes go to the tensor, no copy); otherwise a copy. float16/bfloat16 give
   * raw Uint16 bits, int64 a BigInt64Array, bool a Uint8Array of 0/1.
   */
  data(): TypedArray {
    this._check('data');
    if (this.device !== 'cpu') {
      // a readback: waits for the GPU work queued so far, returns a host copy
      const host = toHost(this, this.dtype);
      host._kept = true;
      return host.data();
    }
    const src = this.isContiguous() ? this : this.contiguous();
    // A copy made for a strided view is not disposed: the returned array owns it until GC. It must
    // also survive an enclosing tidy(), which would otherwise detach the array under the caller.
    if (src !== this) src._kept = true;
    const A = ARRAY_TYPE[this.dtype];
    // an empty view may start past the end of its storage (zeros([0, 2]).slice(1, 1)): no memory to view
    if (this.numel() === 0) return new A(new ArrayBuffer(0), 0, 0);
    return new A(src.storage.buf, src.offset * A.BYTES_PER_ELEMENT, this.numel());
  }

  /**
   * The elements like data(), without blocking the event loop: a cuda tensor is copied to the host on
   * a worker thread once the GPU work queued before this call is done (later ops do not change what is
   * read). A CPU tensor resolves at once with a copy.
   */
  async dataAsync(): Promise<TypedArray> {
    this._check('dataAsync');
    const A = ARRAY_TYPE[this.dtype];
    if (this.device === 'cpu') return this.data().slice();
    const bytes = await downloadAsync(this);
    return new A(bytes, 0, this.numel());
  }

  /** Elements as plain JS numbers in row-major order (a copy; float16/bfloat16 decoded). */
  toFlatArray(): number[] {
    this._check('toFlatArray');
    const t = this.dtype === 'float16' || this.dtype === 'bfloat16' ? this.to('float32') : this;
    const d = t.data();
    const out = new Array<number>(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
    if (t !== this) t.dispose();
    return out;
  }

  /** Nested JS arrays (numbers; booleans for bool tensors). */
  toArray(): NestedArray {
    this._check('toArray');
    const flat = this.toFlatArray();
    const isBool = this.dtype === 'bool';
    const build = (dim: number, off: number): NestedArray => {
      if (dim === this.ndim) return isBool ? flat[off] !== 0 : flat[off];
      const n = this.shape[dim], step = numelOf(this.shape.slice(dim + 1));
      const r: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) r[i] = build(dim + 1, off + i * step);
      return r;
    };
    return build(0, 0);
  }

  /** The single element of a one-element tensor, as a number (boolean for bool). */
  item(): number | boolean {
    this._check('item');
    if (this.numel() !== 1) throw new RangeError(`item: tensor of shape ${fmtShape(this.shape)} has ${this.numel()} elements, expected 1`);
    const v = this.toFlatArray()[0];
    return this.dtype === 'bool' ? v !== 0 : v;
  }

  toString(): string {
    if (this.isDisposed) return `tensor(<disposed>, shape=${fmtShape(this.shape)}, dtype=${this.dtype})`;
    // String(), not JSON.stringify: NaN and +-Infinity must not print as null
    const fmt = (v: NestedArray): string => (Array.isArray(v) ? `[${v.map(fmt).join(',')}]` : String(v));
    const body = this.numel() <= 1000 ? fmt(this.toArray()) : `<${this.numel()} elements>`;
    return `tensor(${body}, shape=${fmtShape(this.shape)}, dtype=${this.dtype}${this.requiresGrad ? ', requiresGrad=true' : ''})`;
  }

  // ---- lifetime ----------------------------------------------------------------------------

  /** Frees this handle; the memory goes when the last view of the storage is disposed (or by GC). */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.storage.release();
  }
  [Symbol.dispose](): void { this.dispose(); }
  get isDisposed(): boolean { return this._disposed || this.storage.freed; }

  // ---- copies and conversion ---------------------------------------------------------------

  /** A contiguous tensor with the same values (this tensor itself when already contiguous). */
  contiguous(): Tensor {
    this._check('contiguous');
    if (this.isContiguous()) return this;
    return this.clone();
  }

  /** Writes src (broadcast to this shape, any dtype) into this tensor's memory. In-place, no autograd. */
  copy_(src: Tensor): this {
    if (!isTensor(src)) throw new TypeError(`copy_: expected a tensor to copy from, got ${src === null ? 'null' : typeof src}`);
    this._check('copy_'); src._check('copy_');
    checkWritable(this, 'copy_');
    const strides = broadcastStridesTo(src, this.shape, 'copy_');
    if (this.device !== 'cpu' || src.device !== 'cpu') return this._copyAcrossDevices(src, strides);
    // a source sharing memory with the destination (x.copy_(x.t())) is read from a snapshot
    const s = sharesMemory(this, src) ? Tensor.empty(src.shape, src.dtype, false, 'copy_').copy_(src) : src;
    args().view(this).view(s, this.shape, s === src ? strides : broadcastStridesTo(s, this.shape, 'copy_'));
    native().copy(this.storage.buf, s.storage.buf);
    this.storage.version++;
    if (s !== src) s.dispose();
    return this;
  }

  /** copy_ where either side is on cuda: moves src to this tensor's device, then one device or host copy. */
  _copyAcrossDevices(src: Tensor, strides: readonly number[]): this {
    if (this.device === src.device) {
      const s = sharesMemory(this, src) ? cudaClone(src, src.dtype) : src;
      try { cudaCopyInto(this, s, s === src ? strides : broadcastStridesTo(s, this.shape, 'copy_')); } finally { if (s !== src) s.dispose(); }
    } else {
      const moved = this.device === 'cpu' ? toHost(src, src.dtype) : toCuda(src, src.dtype);
      try { this.copy_(moved); } finally { moved.dispose(); }
    }
    this.storage.version++;
    return this;
  }

  /** Converts to a dtype and/or device. Returns this tensor if nothing changes. */
  to(target: DType | Device | { dtype?: DType; device?: Device }): Tensor {
    if (target === null || (typeof target !== 'string' && typeof target !== 'object')) {
      throw new TypeError(`to: expected a dtype, a device or { dtype, device }, got ${target === null ? 'null' : typeof target}`);
    }
    const o: { dtype?: DType; device?: Device } = typeof target === 'string' ? (isDeviceName(target) ? { device: target as Device } : { dtype: target as DType }) : target;
    this._check('to');
    const dtype = o.dtype ? checkDtype(o.dtype, 'to') : this.dtype;
    const device = o.device !== undefined ? parseDevice(o.device, 'to') : this.device;
    if (device !== this.device) return moveTo(this, device, dtype);
    if (dtype === this.dtype) return this;
    return castTo(this, dtype);
  }
  /** This tensor on the GPU (a copy; differentiable). Throws a clear error when CUDA is unavailable. */
  cuda(): Tensor { return this.to('cuda'); }
  /** This tensor in host memory (a copy for a cuda tensor, this tensor otherwise; differentiable). */
  cpu(): Tensor { return this.to('cpu'); }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  half(): Tensor { return this.to('float16'); }
  bfloat16(): Tensor { return this.to('bfloat16'); }
  int(): Tensor { return this.to('int32'); }
  long(): Tensor { return this.to('int64'); }
  bool(): Tensor { return this.to('bool'); }

  // ---- autograd ----------------------------------------------------------------------------

  /** Sets requiresGrad in place (leaf tensors of floating dtype only). */
  requiresGrad_(on = true): this {
    if (on && !isFloat(this.dtype)) throw new TypeError(`requiresGrad_: only floating-point tensors can require gradients (got ${this.dtype})`);
    if (!on && this.gradFn) throw new Error('requiresGrad_: cannot turn off requiresGrad on a non-leaf tensor; use detach()');
    this.requiresGrad = on;
    return this;
  }

  /** A tensor sharing storage with this one, cut from the graph. */
  detach(): Tensor {
    return this._view(this.shape, this.strides, this.offset, 'detach');
  }

  /** Keeps .grad on a non-leaf tensor during backward. */
  retainGrad(): void { this._retainsGrad = true; }

  /** Registers fn(grad) called when this tensor's gradient is computed; it may return a replacement. */
  registerHook(fn: GradHook): { remove(): void } {
    if (!this.requiresGrad) throw new Error("registerHook: cannot register a hook on a tensor that doesn't require grad");
    (this._hooks ??= []).push(fn);
    return { remove: () => { if (this._hooks) this._hooks = this._hooks.filter((h) => h !== fn); } };
  }

  _runHooks(g: Tensor): Tensor {
    if (!this._hooks) return g;
    for (const h of this._hooks) {
      const r = h(g);
      if (r) g = r;
    }
    return g;
  }

  /**
   * Adds g into .grad. `owned`: the autograd engine holds the only reference to g, so the first
   * gradient may be kept as .grad without a copy (when g is a plain contiguous tensor whose storage
   * no other view shares), as PyTorch's AccumulateGrad steals an unshared gradient.
   */
  _accumulateGrad(g: Tensor, owned = false): void {
    if (g.dtype !== this.dtype) { g = g.to(this.dtype); owned = true; }
    if (this.grad && !isGradEnabled()) {
      this.grad.add_(g);   // in place, like PyTorch's AccumulateGrad
      return;
    }
    const steal = !this.grad && owned && !isGradEnabled() && !g._disposed && g.storage.refs === 1 && g.offset === 0 &&
      g.isContiguous() && g.numel() * ITEMSIZE[g.dtype] === g.storage.nbytes && g.storage !== this.storage && !g.requiresGrad;
    if (steal) { g._kept = true; this.grad = g; return; }
    // Otherwise a private copy, since g may be shared with other leaves or views.
    const fresh = this.grad ? this.grad.add(g) : g.clone();
    fresh._kept = true;
    this.grad = fresh;
  }

  /** Backpropagates from this tensor (a scalar unless `grad` is given). */
  backward(grad?: Tensor, opts: BackwardOptions = {}): void {
    this._check('backward');
    if (!this.requiresGrad) throw new Error('backward: tensor does not require grad and has no grad_fn');
    let g = grad;
    if (!g) {
      if (this.numel() !== 1) throw new Error(`backward: grad can be implicitly created only for scalar outputs (got shape ${fmtShape(this.shape)})`);
      g = Tensor.empty(this.shape, this.dtype, false, 'backward', this.device);
      g.fill_(1);
    } else if (g.shape.length !== this.shape.length || g.shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(`backward: gradient of shape ${fmtShape(g.shape)} does not match tensor of shape ${fmtShape(this.shape)}`);
    }
    runBackward(this, g, opts);
  }

  /** Fills in place with a value (no autograd). */
  fill_(value: number | boolean): this {
    this._check('fill_');
    if (typeof value !== 'number' && typeof value !== 'boolean') throw new TypeError(`fill_: value must be a number or boolean, got ${fmtValue(value)}`);
    if (this.device !== 'cpu') { checkWritable(this, 'fill_'); cudaFill(this, Number(value)); this.storage.version++; return this; }
    args().view(this).num(Number(value));
    native().fill(this.storage.buf);
    this.storage.version++;
    return this;
  }

  /** A contiguous copy (differentiable). */
  clone(): Tensor {
    this._check('clone');
    const out = Tensor.empty(this.shape, this.dtype, false, 'clone', this.device);
    out.copy_(this);
    return cloneGrad(out, this);
  }
}

// Filled in by ops/elementwise (in-place add used by gradient accumulation).
export interface Tensor {
  add(other: Tensor | number): Tensor;
  add_(other: Tensor | number): Tensor;
}

import { attach } from './autograd';

function cloneGrad(out: Tensor, src: Tensor): Tensor {
  return attach(out, 'clone', [src], (g) => [g]);
}

/** A copy of t on another device (and dtype); differentiable for float dtypes (the gradient moves back). */
function moveTo(t: Tensor, device: Device, dtype: DType): Tensor {
  const out = device === 'cpu' ? toHost(t, dtype) : (requireCuda('to'), toCuda(t, dtype));
  if (isFloat(dtype) && isFloat(t.dtype)) attach(out, 'to', [t], (g) => [g.to({ device: t.device, dtype: t.dtype })]);
  return out;
}

function castTo(t: Tensor, dtype: DType): Tensor {
  t._check('to');
  const out = Tensor.empty(t.shape, dtype, false, 'to', t.device);
  out.copy_(t);
  if (isFloat(dtype) && isFloat(t.dtype)) attach(out, 'to', [t], (g) => [g.to(t.dtype)]);
  return out;
}

/** Normalises a possibly negative dim for a tensor of rank ndim. */
export function normDim(dim: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`${op}: dimension ${String(dim)} out of range for a tensor of ${ndim} dims (expected ${-n}..${n - 1})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** Strides that read `t` broadcast to `shape` (0 on broadcast dims); throws if not broadcastable. */
export function broadcastStridesTo(t: Tensor, shape: Shape, op: string): number[] {
  const nd = shape.length, off = nd - t.ndim;
  if (off < 0) throw new RangeError(`${op}: cannot broadcast shape ${fmtShape(t.shape)} to ${fmtShape(shape)}`);
  const s = new Array<number>(nd).fill(0);
  for (let i = 0; i < t.ndim; i++) {
    const d = t.shape[i];
    if (d === shape[off + i]) s[off + i] = d === 1 ? 0 : t.strides[i];
    else if (d === 1) s[off + i] = 0;
    else throw new RangeError(`${op}: cannot broadcast shape ${fmtShape(t.shape)} to ${fmtShape(shape)}`);
  }
  return s;
}

/** NumPy/PyTorch broadcast of several shapes. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    const off = nd - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i], o = out[off + i];
      if (d === o || d === 1) continue;
      if (o === 1) out[off + i] = d;
      else throw new RangeError(`${op}: shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together`);
    }
  }
  return out;
}

/**
 * True when `b` reads memory that writing through `a` could change before it is read: same storage
 * and not exactly the same view (identical views are safe for elementwise writes). Conservative:
 * disjoint slices of one storage also count.
 */
export function sharesMemory(a: Tensor, b: Tensor): boolean {
  if (a.storage !== b.storage || a.numel() === 0 || b.numel() === 0) return false;
  const same = a.offset === b.offset && a.ndim === b.ndim &&
    a.shape.every((d, i) => d === b.shape[i] && (d === 1 || a.strides[i] === b.strides[i]));
  return !same;
}

/** Throws if writing into t would write one memory location more than once (an expanded view). */
export function checkWritable(t: Tensor, op: string): void {
  if (t.numel() === 0) return;   // nothing is written
  for (let i = 0; i < t.ndim; i++) {
    if (t.shape[i] > 1 && t.strides[i] === 0) {
      throw new RangeError(`${op}: the tensor written to (shape ${fmtShape(t.shape)}, strides ${fmtShape(t.strides)}) has elements that share memory (an expanded view); clone() it first`);
    }
  }
}

export function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as any)._isTensor === true;
}
