// The trace recorder of ONNX export. While active it wraps every Tensor method (restored afterwards)
// and receives the functional ops' reports (src/trace.ts). Each top-level op call runs with tracing
// paused, then: if no operand derives from the model inputs the result is a constant (folded: the
// computed tensor becomes an initializer when a traced op uses it); otherwise the op's mapping adds
// ONNX nodes. A tensor that reaches an op without having been traced but carries an autograd node
// was computed by an op the tracer never saw: that is an error, never a silently frozen constant.
import { Tensor, isTensor, fmtShape } from '../../tensor';
import { DType } from '../../dtype';
import { registeredOps } from '../../ops/registry';
import { tracing, OpRecorder } from '../../trace';
import { args } from '../../backend/args';
import { OnnxGraph } from './graph';
import { ONNX_DTYPE } from './proto';
import { Batch, TraceContext, getMapping, fail, tensorsIn } from './mapping';

interface Val { name: string; batch: Batch | null; }

/** Core Tensor methods (not in the op registry) that the tracer also wraps. */
const CORE_METHODS = ['contiguous', 'clone', 'to', 'float', 'double', 'half', 'bfloat16', 'int', 'long', 'bool', 'detach', 'copy_', 'fill_'];
/** Methods that read values out: data-dependent on a traced tensor, so refused. */
const READERS = ['item', 'toArray', 'toFlatArray', 'data', 'tolist'];

function outTensors(out: unknown): Tensor[] {
  if (isTensor(out)) return [out];
  if (Array.isArray(out)) return out.filter(isTensor);
  if (out !== null && typeof out === 'object') return Object.values(out).filter(isTensor);
  return [];
}

/** The first stack frame outside neurona's op, backend and export code: where the model called it. */
function callSite(): string {
  const lib = /[\\/](src|dist[\\/]cjs)[\\/](ops|backend|io|tensor|autograd|trace)[\\/.]/;
  const frame = (new Error().stack ?? '').split('\n').slice(1).find((l) => !lib.test(l));
  return frame ? ` (called at ${frame.trim().replace(/^at /, '')})` : '';
}

/** An op ran on a traced tensor without reporting to the tracer (a functional form with no hook). */
function untraced(op: string | null, t: Tensor): never {
  throw new Error(`exportOnnx: ${op ? `op '${op}'` : 'an op'} is not supported: it ran on a traced tensor of shape ${fmtShape(t.shape)} ` +
    `outside the traced ops${callSite()}; use its Tensor-method form, or an op listed by nr.io.onnxSupportedOps()`);
}

export class Tracer implements OpRecorder, TraceContext {
  private readonly vals = new Map<Tensor, Val>();
  private readonly statics = new Map<Tensor, string>();   // folded constants -> name hint
  private readonly named = new Map<Tensor, string>();     // parameters and buffers -> state-dict name
  private readonly subs = new Map<Tensor, Tensor>();      // constants replaced by a broadcast slice (this op only)
  private readonly slices = new Map<Tensor, Tensor>();    // those slices, reused across ops

  constructor(readonly g: OnnxGraph, readonly batchSize: number | null, named: [string, Tensor][]) {
    for (const [k, t] of named) if (!this.named.has(t)) this.named.set(t, k);
  }

  get opset(): number { return this.g.opset; }

  /** Declares a model input. */
  input(t: Tensor, name: string, batch: Batch | null): void { this.vals.set(t, { name, batch }); }

  /** The traced value of t, or undefined for a constant. */
  value(t: Tensor): Val | undefined { return this.vals.get(t); }

  isDynamic(t: unknown): boolean {
    if (!isTensor(t)) return false;
    if (this.vals.has(t)) return true;
    if (this.named.has(t) || this.statics.has(t)) return false;
    if (t.gradFn) {
      fail(t.gradFn.name, `is not supported: a tensor of shape ${fmtShape(t.shape)} was computed by it outside the traced ops ` +
        '(call it as a Tensor method, or through an op that export supports; detach() constants computed before the trace)');
    }
    return false;
  }

  batch(t: unknown): Batch | null { return isTensor(t) ? this.vals.get(t)?.batch ?? null : null; }

  bind(out: Tensor, name: string, batch: Batch | null): void { this.vals.set(out, { name, batch }); }

  substitute(t: Tensor, by: Tensor): void {
    if (!this.slices.has(t)) this.slices.set(t, by);
    this.subs.set(t, this.slices.get(t)!);
  }

  v(t: Tensor | number | boolean, dtype?: DType): string {
    if (!isTensor(t)) return this.g.scalar(Number(t), dtype ?? 'float32');
    const val = this.vals.get(t);
    const hint = this.named.get(t) ?? this.statics.get(t) ?? 'const';
    const name = val ? val.name : this.g.tensor(this.subs.get(t) ?? t, hint);
    if (!dtype || dtype === t.dtype) return name;
    return this.g.node1('Cast', [name], { to: { i: ONNX_DTYPE[dtype] } });
  }

  run(op: string, fn: (...args: any[]) => any, self: unknown, args: unknown[]): any {
    tracing.active = null;
    try {
      const out = fn.apply(self, args);
      const ins = tensorsIn(self, args);
      let dynamic = false;
      for (const t of ins) if (this.isDynamic(t)) dynamic = true;
      if (!dynamic) {
        const hint = ins.map((t) => this.named.get(t) ?? this.statics.get(t)).find((n) => n !== undefined);
        for (const t of outTensors(out)) if (!this.vals.has(t) && !this.named.has(t)) this.statics.set(t, hint ? `${hint}.${op}` : `${op}_const`);
        return out;
      }
      const m = getMapping(op);
      if (!m) fail(op, 'is not supported');
      this.subs.clear();
      m(this, { op, self, args, out });
      for (const t of outTensors(out)) {
        if (!this.vals.has(t)) throw new Error(`exportOnnx: internal error: the mapping of '${op}' left an output of shape ${fmtShape(t.shape)} unbound`);
      }
      return out;
    } finally {
      tracing.active = this;
    }
  }

  /** Runs fn with this recorder active and every Tensor method wrapped; restores everything after. */
  trace<T>(fn: () => T): T {
    if (tracing.active !== null) throw new Error('exportOnnx: another export is already tracing (exportOnnx was called inside a traced forward)');
    const proto = Tensor.prototype as any;
    const saved: [string, PropertyDescriptor][] = [];
    const names = new Set([...Object.values(registeredOps()).flat(), ...CORE_METHODS]);
    for (const n of names) {
      const d = Object.getOwnPropertyDescriptor(proto, n);
      if (!d || typeof d.value !== 'function') continue;
      const orig = d.value as (...a: any[]) => any;
      saved.push([n, d]);
      Object.defineProperty(proto, n, {
        ...d,
        value: function (this: Tensor, ...a: unknown[]) {
          const r = tracing.active;
          return r === null ? orig.apply(this, a) : r.run(n, orig, this, a);
        },
      });
    }
    const self = this;
    for (const n of READERS) {
      const d = Object.getOwnPropertyDescriptor(proto, n);
      if (!d || typeof d.value !== 'function') continue;
      const orig = d.value as (...a: any[]) => any;
      saved.push([n, d]);
      Object.defineProperty(proto, n, {
        ...d,
        value: function (this: Tensor, ...a: unknown[]) {
          if (tracing.active === self && self.vals.has(this)) {
            fail(n, `reads the values of a traced tensor of shape ${fmtShape(this.shape)}: the exported graph cannot depend on data read in JavaScript`);
          }
          return orig.apply(this, a);
        },
      });
    }
    // Untraced code reaching traced data: a view made of it (its op named), or a kernel reading it.
    const viewD = Object.getOwnPropertyDescriptor(proto, '_view')!;
    const origView = viewD.value as (...a: any[]) => Tensor;
    saved.push(['_view', viewD]);
    Object.defineProperty(proto, '_view', {
      ...viewD,
      value: function (this: Tensor, ...a: any[]) {
        if (tracing.active === self && self.vals.has(this)) untraced(typeof a[3] === 'string' ? a[3] : 'view', this);
        return origView.apply(this, a);
      },
    });
    const writer = Object.getPrototypeOf(args());
    const argD = Object.getOwnPropertyDescriptor(writer, 'view')!;
    const origArg = argD.value as (...a: any[]) => unknown;
    Object.defineProperty(writer, 'view', {
      ...argD,
      value: function (this: unknown, ...a: any[]) {
        if (tracing.active === self && self.vals.has(a[0])) untraced(null, a[0]);
        return origArg.apply(this, a);
      },
    });
    tracing.active = this;
    try {
      return fn();
    } finally {
      tracing.active = null;
      for (const [n, d] of saved.reverse()) Object.defineProperty(proto, n, d);
      Object.defineProperty(writer, 'view', argD);
    }
  }
}
