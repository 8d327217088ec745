// The op-mapping registry for ONNX export: each traced neurona op name maps to a function that adds
// ONNX nodes for one recorded call and binds its output tensors to ONNX values. Also the shared
// helpers: where the dynamic batch axis goes (broadcasting, reshape), and Reshape emission.
import { Tensor, isTensor, fmtShape, numelOf } from '../../tensor';
import type { DType } from '../../dtype';
import { OnnxGraph } from './graph';

/** Where a value's dynamic batch lives: dim `axis`, whose size is outer * batch * inner. */
export interface Batch { axis: number; inner: number; }

/** One recorded op call: `self` for Tensor methods, `args` as passed, `out` what the op returned. */
export interface OpCall { op: string; self: unknown; args: unknown[]; out: any; }

/** What an op mapping sees of the export in progress. */
export interface TraceContext {
  readonly g: OnnxGraph;
  readonly opset: number;
  /** The example batch size when the batch axis is dynamic, else null. */
  readonly batchSize: number | null;
  /** True for tensors computed from the model inputs (graph values); false for constants. */
  isDynamic(t: unknown): boolean;
  /** The ONNX value for a tensor (constants become initializers) or a JS scalar, cast to dtype if given. */
  v(t: Tensor | number | boolean, dtype?: DType): string;
  /** The batch placement of a traced tensor (null for constants or static batch). */
  batch(t: unknown): Batch | null;
  /** Records that tensor `out` is the ONNX value `name`. */
  bind(out: Tensor, name: string, batch: Batch | null): void;
  /** Makes later v(t) of constant t give the value of `by` instead (a broadcast-equivalent slice). */
  substitute(t: Tensor, by: Tensor): void;
}

export type OpMapping = (c: TraceContext, call: OpCall) => void;

const MAPPINGS = new Map<string, OpMapping>();

/** Registers mappings by op name (method names and functional names share the table). */
export function defineMappings(m: Record<string, OpMapping>): void {
  for (const [k, f] of Object.entries(m)) MAPPINGS.set(k, f);
}

export function getMapping(op: string): OpMapping | undefined { return MAPPINGS.get(op); }

/** The names of every op that can be exported. */
export function supportedOps(): string[] { return [...MAPPINGS.keys()].sort(); }

/** An export error naming the op. */
export function fail(op: string, why: string): never { throw new Error(`exportOnnx: op '${op}' ${why}`); }

/** True when every slice of t along dim ax equals the first (so one slice broadcasts the same). */
export function uniformAlong(t: Tensor, ax: number): boolean {
  const first = t.narrow(ax, 0, 1);
  for (let i = 1; i < t.shape[ax]; i++) if (!t.narrow(ax, i, 1).equal(first)) return false;
  return true;
}

/**
 * Batch placement of an elementwise/broadcast result of rank outNdim: that of the first traced
 * input that has one, right-aligned. A constant operand whose size along that axis is the example
 * batch size would freeze the batch: if its slices along the batch axis are all equal (e.g. an RNN's
 * zero initial state) one slice is used instead, which broadcasts to any batch; otherwise it is
 * refused. Call it before taking the operands' values (c.v), so that substitution applies.
 */
export function bcastBatch(c: TraceContext, op: string, outNdim: number, ins: unknown[]): Batch | null {
  let res: Batch | null = null;
  for (const t of ins) {
    const b = c.batch(t);
    if (b && isTensor(t)) { res = { axis: b.axis + outNdim - t.ndim, inner: b.inner }; break; }
  }
  if (res && c.batchSize !== null) {
    for (const t of ins) {
      if (!isTensor(t) || c.isDynamic(t)) continue;
      const ax = res.axis - (outNdim - t.ndim);
      if (ax < 0 || t.shape[ax] === 1) continue;
      if (res.inner === 1 && t.shape[ax] === c.batchSize && uniformAlong(t, ax)) c.substitute(t, t.narrow(ax, 0, 1));
      else {
        fail(op, `combines a constant of shape ${fmtShape(t.shape)} with the dynamic batch axis (its size there follows the example batch); export without dynamicBatch, or compute it from the input inside traced ops`);
      }
    }
  }
  return res;
}

/** The batch placement after permuting dims by perm (out dim i = in dim perm[i]). */
export function permuteBatch(b: Batch | null, perm: readonly number[]): Batch | null {
  return b ? { axis: perm.indexOf(b.axis), inner: b.inner } : null;
}

/**
 * Reshapes the value of x to outShape: the dim that holds the dynamic batch becomes -1 so other
 * batch sizes work; a reshape that splits the batch across dims is refused. Returns [name, batch].
 */
export function reshapeValue(c: TraceContext, op: string, x: Tensor, name: string, outShape: readonly number[]): [string, Batch | null] {
  const b = c.batch(x);
  if (!b || c.batchSize === null) return [c.g.node1('Reshape', [name, c.g.i64(outShape)]), null];
  const S = b.inner * numelOf(x.shape.slice(b.axis + 1)), block = S * c.batchSize;
  let suffix = 1;
  for (let j = outShape.length - 1; j >= 0; j--) {
    const next = suffix * outShape[j];
    if (S % suffix === 0 && next % block === 0) {
      const target = outShape.slice();
      target[j] = -1;
      return [c.g.node1('Reshape', [name, c.g.i64(target)]), { axis: j, inner: S / suffix }];
    }
    suffix = next;
  }
  fail(op, `from ${fmtShape(x.shape)} to ${fmtShape(outShape)} splits the dynamic batch axis ${b.axis}; export without dynamicBatch`);
}

/** Normalises a possibly negative dim against ndim. */
export function dimOf(d: number, ndim: number): number { return d < 0 ? d + ndim : d; }

/** The tensors among an op's operands (self, args, arrays and option objects one level deep). */
export function tensorsIn(self: unknown, args: unknown[]): Tensor[] {
  const out: Tensor[] = [];
  const add = (v: unknown, depth: number) => {
    if (isTensor(v)) out.push(v);
    else if (depth < 2 && Array.isArray(v)) for (const e of v) add(e, depth + 1);
    else if (depth < 2 && v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      for (const e of Object.values(v)) add(e, depth + 1);
    }
  };
  add(self, 0);
  for (const a of args) add(a, 0);
  return out;
}
