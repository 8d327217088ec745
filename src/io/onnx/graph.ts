// The ONNX graph under construction during an export: unique value names, nodes, initializers
// (tensors by name, deduplicated by identity) and small constants (int64 shape/axes lists and
// scalars, deduplicated by value). Op mappings add to it through the tracer.
import { Tensor } from '../../tensor';
import { DType } from '../../dtype';
import { Attr, NodeData, TensorData } from './proto';

/** Little-endian bytes of a tensor's elements in row-major order (a copy). */
export function tensorBytes(t: Tensor): Uint8Array {
  const a = t.data();
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

/** Bytes of one scalar of dtype (float16/bfloat16 via a float32 round trip through neurona's cast). */
function scalarBytes(v: number, dtype: DType): Uint8Array {
  switch (dtype) {
    case 'float32': return new Uint8Array(new Float32Array([v]).buffer);
    case 'float64': return new Uint8Array(new Float64Array([v]).buffer);
    case 'int32': return new Uint8Array(new Int32Array([v]).buffer);
    case 'int64': return new Uint8Array(new BigInt64Array([BigInt(Math.trunc(v))]).buffer);
    case 'uint8': return new Uint8Array([v & 0xff]);
    case 'bool': return new Uint8Array([v ? 1 : 0]);
    default: {
      const t = Tensor.empty([], 'float32').fill_(v);
      const h = t.to(dtype);
      const b = tensorBytes(h);
      t.dispose(); h.dispose();
      return b;
    }
  }
}

export class OnnxGraph {
  readonly nodes: NodeData[] = [];
  readonly initializers: TensorData[] = [];
  private readonly used = new Set<string>();
  private readonly byTensor = new Map<Tensor, string>();
  private readonly byValue = new Map<string, string>();

  constructor(readonly opset: number, reserved: Iterable<string> = []) {
    for (const n of reserved) this.used.add(n);
  }

  /** A value name not used yet, based on `base`. */
  unique(base: string): string {
    const b = base.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    if (!this.used.has(b)) { this.used.add(b); return b; }
    for (let i = 1; ; i++) {
      const n = `${b}_${i}`;
      if (!this.used.has(n)) { this.used.add(n); return n; }
    }
  }

  /** Adds a node; returns its output names (nOut fresh names based on the op type). */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, nOut = 1): string[] {
    const outputs = Array.from({ length: nOut }, () => this.unique(`${op}_out`));
    this.nodes.push({ op, name: this.unique(`${op}_${this.nodes.length}`), inputs, outputs, attrs });
    return outputs;
  }

  /** Adds a node with one output and returns that output's name. */
  node1(op: string, inputs: string[], attrs: Record<string, Attr> = {}): string { return this.node(op, inputs, attrs, 1)[0]; }

  /** The initializer holding tensor t (added once per tensor object), named `name` where free. */
  tensor(t: Tensor, name: string): string {
    const have = this.byTensor.get(t);
    if (have) return have;
    const n = this.unique(name);
    this.initializers.push({ name: n, dtype: t.dtype, dims: t.shape.slice(), raw: tensorBytes(t) });
    this.byTensor.set(t, n);
    return n;
  }

  /** An int64 constant (1-D by default, or a scalar with scalar=true), deduplicated by value. */
  i64(values: readonly number[], scalar = false): string {
    const key = `i64:${scalar ? 's' : 'v'}:${values.join(',')}`;
    const have = this.byValue.get(key);
    if (have) return have;
    const n = this.unique(scalar ? 'const_i64' : 'shape');
    const raw = new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
    this.initializers.push({ name: n, dtype: 'int64', dims: scalar ? [] : [values.length], raw });
    this.byValue.set(key, n);
    return n;
  }

  /** A scalar (0-d) constant of dtype, deduplicated by value. */
  scalar(v: number, dtype: DType): string {
    const key = `s:${dtype}:${Object.is(v, -0) ? '-0' : String(v)}`;
    const have = this.byValue.get(key);
    if (have) return have;
    const n = this.unique('const');
    this.initializers.push({ name: n, dtype, dims: [], raw: scalarBytes(v, dtype) });
    this.byValue.set(key, n);
    return n;
  }

  /** A constant tensor from a neurona tensor computed by the exporter itself (e.g. a causal mask). */
  constant(t: Tensor, base = 'const'): string {
    const n = this.unique(base);
    this.initializers.push({ name: n, dtype: t.dtype, dims: t.shape.slice(), raw: tensorBytes(t) });
    return n;
  }
}
