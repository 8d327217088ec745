// The ONNX ModelProto writer: a plain in-memory graph (nodes, initializers, typed inputs/outputs)
// encoded with the wire-format writer in ../protobuf.ts. Field numbers follow onnx/onnx.proto
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto).
import { ProtoWriter } from '../protobuf';
import type { DType } from '../../dtype';

/** TensorProto.DataType codes of the dtypes neurona has. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16,
};

/** A node attribute: one of ONNX's attribute kinds. */
export type Attr = { i: number } | { f: number } | { ints: readonly number[] } | { floats: readonly number[] } | { s: string } | { t: TensorData };

/** A constant tensor: dims plus little-endian raw bytes. */
export interface TensorData { name: string; dtype: DType; dims: readonly number[]; raw: Uint8Array; }

export interface NodeData { op: string; name: string; inputs: string[]; outputs: string[]; attrs: Record<string, Attr>; }

/** A graph input or output: elem type and dims (a string dim is symbolic, e.g. 'batch'). */
export interface ValueInfo { name: string; dtype: DType; dims: readonly (number | string)[]; }

export interface ModelData {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  docString?: string;
  nodes: NodeData[];
  initializers: TensorData[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3, ATTR_TENSOR = 4, ATTR_FLOATS = 6, ATTR_INTS = 7;

function tensorProto(t: TensorData): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);           // dims (repeated int64)
  w.int(2, ONNX_DTYPE[t.dtype]);                  // data_type
  w.string(8, t.name);                            // name
  w.bytes(9, t.raw);                              // raw_data
  return w;
}

function attribute(name: string, a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ('i' in a) w.int(3, a.i).int(20, ATTR_INT);
  else if ('f' in a) w.float(2, a.f).int(20, ATTR_FLOAT);
  else if ('s' in a) w.string(4, a.s).int(20, ATTR_STRING);
  else if ('t' in a) w.message(5, tensorProto(a.t)).int(20, ATTR_TENSOR);
  else if ('ints' in a) { for (const v of a.ints) w.int(8, v); w.int(20, ATTR_INTS); }
  else { for (const v of a.floats) w.float(7, v); w.int(20, ATTR_FLOATS); }
  return w;
}

function node(n: NodeData): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.op);
  for (const [k, a] of Object.entries(n.attrs)) w.message(5, attribute(k, a));
  return w;
}

function valueInfo(v: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, ONNX_DTYPE[v.dtype]).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Encodes a model as ONNX ModelProto bytes. */
export function encodeModel(m: ModelData): Uint8Array {
  const g = new ProtoWriter();
  for (const n of m.nodes) g.message(1, node(n));
  g.string(2, m.graphName);
  for (const t of m.initializers) g.message(5, tensorProto(t));
  for (const v of m.inputs) g.message(11, valueInfo(v));
  for (const v of m.outputs) g.message(12, valueInfo(v));
  const w = new ProtoWriter();
  w.int(1, m.irVersion);
  w.string(2, m.producerName).string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, g);
  w.message(8, new ProtoWriter().string(1, '').int(2, m.opsetVersion));   // opset_import, default domain
  return w.finish();
}
