// safetensors (https://github.com/huggingface/safetensors) reading and writing. A file is
//   [8 bytes: N, little-endian u64][N bytes: JSON header][data: raw little-endian tensor bytes]
// where the header maps each tensor name to {"dtype","shape","data_offsets":[begin,end]} (offsets
// relative to the data section) plus an optional "__metadata__" string->string map. Files are
// written exactly as the reference implementation writes them: tensors ordered by dtype alignment
// (largest first) then by name (UTF-8 bytes), "__metadata__" first (its keys sorted), compact JSON,
// header padded with spaces to a multiple of 8 bytes, data packed without gaps, so each tensor is
// aligned to its element size. Loading treats the file as hostile: every field is validated (header
// length against the file size, UTF-8, JSON syntax, duplicate keys, dtype, shape, offsets in range,
// no overlaps or gaps, byte counts) before any tensor memory is allocated, and each byte of the data
// section is read once, straight into the tensor's storage.
import * as fs from 'fs';
import * as os from 'os';
import { Tensor, isTensor, fmtShape, MAX_DIMS, MAX_NUMEL } from '../tensor';
import { DType, ITEMSIZE } from '../dtype';
import { parseJsonStrict, isJsonObject, JsonValue, JsonSyntaxError } from './json';
import { readFully, writeFully, writeFileAtomic } from './fileio';

/** A malformed or unsupported safetensors file (the message names the file and the problem). */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Largest header accepted, as in the reference implementation (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

const TO_ST: Record<DType, string> = {
  float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int32: 'I32', int64: 'I64', uint8: 'U8', bool: 'BOOL',
};
const FROM_ST: Record<string, DType> = Object.fromEntries(Object.entries(TO_ST).map(([k, v]) => [v, k as DType]));
/** safetensors dtypes neurona has no tensor type for (loading them is a clear error). */
const UNSUPPORTED_ST = new Set(['I8', 'I16', 'U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64']);
/** The reference's Dtype enum order (increasing alignment); files list larger ones first. */
const ALIGN_RANK: Record<string, number> = {
  BOOL: 0, U8: 1, I8: 2, F8_E5M2: 3, F8_E4M3: 4, I16: 5, U16: 6, F16: 7, BF16: 8, I32: 9, U32: 10, F32: 11, F64: 12, I64: 13, U64: 14,
};

/** One tensor's entry in a safetensors header. */
export interface TensorInfo {
  dtype: DType;
  shape: number[];
  /** [begin, end) byte offsets within the data section. */
  dataOffsets: [number, number];
}

/** A parsed, validated header. */
export interface SafetensorsHeader {
  /** The "__metadata__" map, or null when the file has none. */
  metadata: Record<string, string> | null;
  /** Tensor entries in data order (by offset). */
  tensors: { name: string; info: TensorInfo }[];
  /** Size of the JSON header in bytes (N); the data section starts at 8 + N. */
  headerBytes: number;
  /** Size of the data section in bytes. */
  dataBytes: number;
}

/** A state dict to write: an object or Map of name -> tensor. */
export type TensorMap = Record<string, Tensor> | Map<string, Tensor>;

/** Options for save/serialize. */
export interface SaveOptions {
  /** String key/value pairs stored as the header's "__metadata__" (e.g. { format: 'pt' }). */
  metadata?: Record<string, string>;
}

function checkLittleEndian(op: string): void {
  if (os.endianness() !== 'LE') throw new Error(`${op}: not implemented on big-endian hosts (safetensors data is little-endian and neurona does not byte-swap)`);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkText(s: string, what: string, op: string): void {
  if (LONE_SURROGATE.test(s)) throw new TypeError(`${op}: ${what} ${JSON.stringify(s)} is not valid Unicode (lone surrogate); it cannot be stored as UTF-8`);
}

// ---- writing ---------------------------------------------------------------------------------

/** What a writer needs: the 8-byte prefix plus header, and the tensors in data order. */
export interface WritePlan {
  head: Buffer;
  items: { name: string; tensor: Tensor; nbytes: number }[];
  dataBytes: number;
}

/** Validates a state dict and metadata and lays out the file (no tensor data is touched). */
export function planWrite(sd: TensorMap, metadata: Record<string, string> | undefined, op: string): WritePlan {
  checkLittleEndian(op);
  if (sd === null || typeof sd !== 'object' || isTensor(sd)) {
    throw new TypeError(`${op}: expected an object or Map of name -> tensor (a state dict), got ${sd === null ? 'null' : isTensor(sd) ? 'a Tensor' : typeof sd}`);
  }
  const entries = sd instanceof Map ? [...sd.entries()] : Object.entries(sd);
  const items: { name: string; key: Buffer; st: string; tensor: Tensor; nbytes: number }[] = [];
  for (const [name, t] of entries) {
    if (typeof name !== 'string') throw new TypeError(`${op}: tensor names must be strings, got ${typeof name}`);
    if (!isTensor(t)) throw new TypeError(`${op}: '${name}' is ${t === null ? 'null' : typeof t}, expected a Tensor`);
    t._check(op);
    if (t.device !== 'cpu') throw new Error(`${op}: '${name}' is on device '${t.device}'; move it to the CPU first`);
    if (name === '__metadata__') throw new Error(`${op}: '__metadata__' is reserved by the safetensors format and cannot name a tensor`);
    checkText(name, 'tensor name', op);
    items.push({ name, key: Buffer.from(name, 'utf8'), st: TO_ST[t.dtype], tensor: t, nbytes: t.numel() * ITEMSIZE[t.dtype] });
  }
  items.sort((a, b) => ALIGN_RANK[b.st] - ALIGN_RANK[a.st] || Buffer.compare(a.key, b.key));

  const parts: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw new TypeError(`${op}: metadata must be an object of string values`);
    const keys = Object.keys(metadata).map((k) => ({ k, b: Buffer.from(k, 'utf8') })).sort((a, b) => Buffer.compare(a.b, b.b));
    const kv = keys.map(({ k }) => {
      const v = metadata[k];
      if (typeof v !== 'string') throw new TypeError(`${op}: metadata value for '${k}' must be a string, got ${v === null ? 'null' : typeof v} (JSON.stringify it)`);
      checkText(k, 'metadata key', op);
      checkText(v, `metadata value of '${k}'`, op);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"__metadata__":{${kv.join(',')}}`);
  }
  let offset = 0;
  for (const it of items) {
    parts.push(`${JSON.stringify(it.name)}:{"dtype":"${it.st}","shape":[${it.tensor.shape.join(',')}],"data_offsets":[${offset},${offset + it.nbytes}]}`);
    offset += it.nbytes;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const n = json.length + ((8 - (json.length % 8)) % 8);
  if (n > MAX_HEADER_BYTES) throw new RangeError(`${op}: the header would be ${n} bytes, more than safetensors readers accept (${MAX_HEADER_BYTES})`);
  const head = Buffer.alloc(8 + n, 0x20);
  head.writeBigUInt64LE(BigInt(n), 0);
  json.copy(head, 8);
  return { head, items: items.map(({ name, tensor, nbytes }) => ({ name, tensor, nbytes })), dataBytes: offset };
}

/** The bytes of a tensor in row-major order: a view of its memory when contiguous, else of a copy. */
function withBytes(t: Tensor, nbytes: number, fn: (b: Uint8Array) => void): void {
  // a cuda tensor is read back to the host (a contiguous copy)
  const c = t.device !== 'cpu' ? t.to('cpu') : t.isContiguous() ? t : t.contiguous();
  try {
    fn(new Uint8Array(c.storage.buf, c.offset * ITEMSIZE[c.dtype], nbytes));
  } finally {
    if (c !== t) c.dispose();
  }
}

/** Streams a planned file to `fd` at its current position; `onBytes` sees every byte written, in order. */
export function writePlan(fd: number, plan: WritePlan, onBytes?: (b: Uint8Array) => void): void {
  writeFully(fd, plan.head);
  onBytes?.(plan.head);
  for (const it of plan.items) {
    if (it.nbytes === 0) continue;
    withBytes(it.tensor, it.nbytes, (b) => { writeFully(fd, b); onBytes?.(b); });
  }
}

/** The safetensors file for a state dict, as one Buffer (safetensors.torch.save). */
export function serialize(stateDict: TensorMap, opts: SaveOptions = {}): Buffer {
  const plan = planWrite(stateDict, opts?.metadata, 'serialize');
  const out = Buffer.allocUnsafe(plan.head.length + plan.dataBytes);
  plan.head.copy(out, 0);
  let pos = plan.head.length;
  for (const it of plan.items) {
    if (it.nbytes === 0) continue;
    withBytes(it.tensor, it.nbytes, (b) => { out.set(b, pos); });
    pos += it.nbytes;
  }
  return out;
}

/**
 * Writes a state dict to a safetensors file (safetensors.torch.save_file), replacing `path`
 * atomically (temporary file + fsync + rename). Non-contiguous tensors are written contiguously.
 */
export function save(path: string, stateDict: TensorMap, opts: SaveOptions = {}): void {
  if (typeof path !== 'string') throw new TypeError(`save: path must be a string, got ${typeof path}`);
  const plan = planWrite(stateDict, opts?.metadata, 'save');
  writeFileAtomic(path, (fd) => writePlan(fd, plan));
}

/** obj[key] = value, also for keys such as "__proto__" that plain assignment would not store. */
export function setEntry<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---- reading ---------------------------------------------------------------------------------

function isSafeNonNeg(v: JsonValue | undefined): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Validates a header (the N JSON bytes) against a data section of `dataBytes` bytes. `bad(msg)` builds
 * the error (it knows the file name).
 */
export function parseHeader(json: Uint8Array, dataBytes: number, bad: (msg: string) => Error): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(json);
  } catch {
    throw bad('the header is not valid UTF-8');
  }
  let root: JsonValue;
  try {
    root = parseJsonStrict(text, 8);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw bad(`the header is not valid JSON: ${e.message}`);
    throw e;
  }
  if (!isJsonObject(root)) throw bad(`the header must be a JSON object, got ${Array.isArray(root) ? 'an array' : root === null ? 'null' : typeof root}`);

  let metadata: Record<string, string> | null = null;
  const tensors: { name: string; info: TensorInfo }[] = [];
  for (const name of Object.keys(root)) {
    const v = root[name];
    const where = `tensor ${JSON.stringify(name)}`;
    if (name === '__metadata__') {
      if (!isJsonObject(v)) throw bad('"__metadata__" must be an object of strings');
      metadata = {};
      for (const k of Object.keys(v)) {
        if (typeof v[k] !== 'string') throw bad(`"__metadata__" value of ${JSON.stringify(k)} must be a string, got ${JSON.stringify(v[k])}`);
        metadata[k] = v[k] as string;
      }
      continue;
    }
    if (!isJsonObject(v)) throw bad(`${where}: expected an object with dtype, shape and data_offsets`);
    const extra = Object.keys(v).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
    if (extra.length) throw bad(`${where}: unexpected field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
    const st = v.dtype;
    if (typeof st !== 'string') throw bad(`${where}: missing or non-string dtype`);
    const dtype = FROM_ST[st];
    if (!dtype) {
      if (UNSUPPORTED_ST.has(st)) {
        throw bad(`${where} has unsupported dtype ${st}; neurona reads ${Object.keys(FROM_ST).join(', ')} (convert it before saving, e.g. to I32 or F32)`);
      }
      throw bad(`${where} has unknown dtype ${JSON.stringify(st)}`);
    }
    const shape = v.shape;
    if (!Array.isArray(shape) || !shape.every(isSafeNonNeg)) throw bad(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    if (shape.length > MAX_DIMS) throw bad(`${where}: shape ${fmtShape(shape as number[])} has ${shape.length} dims, more than neurona supports (${MAX_DIMS})`);
    const offs = v.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isSafeNonNeg)) {
      throw bad(`${where}: data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as number[];
    if (end < begin) throw bad(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataBytes) throw bad(`${where}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataBytes} bytes)`);
    let numel = 1n;
    for (const d of shape as number[]) numel *= BigInt(d);
    if (numel > BigInt(MAX_NUMEL)) throw bad(`${where}: shape ${fmtShape(shape as number[])} has ${numel} elements, more than neurona allows (${MAX_NUMEL})`);
    const nbytes = numel * BigInt(ITEMSIZE[dtype]);
    if (nbytes !== BigInt(end - begin)) {
      throw bad(`${where}: ${st} shape ${fmtShape(shape as number[])} needs ${nbytes} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    tensors.push({ name, info: { dtype, shape: (shape as number[]).slice(), dataOffsets: [begin, end] } });
  }
  tensors.sort((a, b) => a.info.dataOffsets[0] - b.info.dataOffsets[0] || a.info.dataOffsets[1] - b.info.dataOffsets[1]);
  let pos = 0;
  let prev = '';
  for (const { name, info: { dataOffsets: [b, e] } } of tensors) {
    if (b < pos) throw bad(`tensor ${JSON.stringify(name)} (bytes ${b}..${e}) overlaps tensor ${JSON.stringify(prev)} (which ends at ${pos})`);
    if (b > pos) throw bad(`bytes ${pos}..${b} of the data section belong to no tensor (before tensor ${JSON.stringify(name)})`);
    pos = e;
    prev = name;
  }
  if (pos !== dataBytes) throw bad(`the data section has ${dataBytes} bytes but the tensors cover only ${pos} (trailing bytes)`);
  return { metadata, tensors, headerBytes: json.length, dataBytes };
}

/** Reads and validates the 8-byte prefix and the header of an open file; no tensor data is read. */
export function readHeaderFd(fd: number, file: string, op: string, onBytes?: (b: Uint8Array) => void): SafetensorsHeader {
  const bad = (msg: string) => new SafetensorsError(`${op}: ${file} is not a valid safetensors file: ${msg}`);
  const size = fs.fstatSync(fd).size;
  if (size < 8) throw bad(`it has ${size} bytes, fewer than the 8-byte header length`);
  const prefix = new Uint8Array(8);
  readFully(fd, prefix, 0, `${op}: ${file}`);
  const n = Buffer.from(prefix.buffer).readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES)) throw bad(`the header length field says ${n} bytes, more than the ${MAX_HEADER_BYTES} allowed (corrupt or not a safetensors file)`);
  if (8n + n > BigInt(size)) throw bad(`the header length field says ${n} bytes but only ${size - 8} bytes follow it (truncated?)`);
  const json = new Uint8Array(Number(n));
  readFully(fd, json, 8, `${op}: ${file}`);
  const header = parseHeader(json, size - 8 - Number(n), bad);
  onBytes?.(prefix);
  onBytes?.(json);
  return header;
}

/**
 * Reads every tensor of a validated header from an open file, each straight into its own storage.
 * `onBytes` sees the data section in file order. On error no tensor is leaked.
 */
export function readTensorsFd(fd: number, header: SafetensorsHeader, file: string, op: string, onBytes?: (b: Uint8Array) => void): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const made: Tensor[] = [];
  const base = 8 + header.headerBytes;
  try {
    for (const { name, info } of header.tensors) {
      const t = Tensor.empty(info.shape, info.dtype, false, op);
      made.push(t);
      const [b, e] = info.dataOffsets;
      if (e > b) {
        const view = new Uint8Array(t.storage.buf, 0, e - b);
        readFully(fd, view, base + b, `${op}: ${file}`);
        onBytes?.(view);
      }
      setEntry(out, name, t);
    }
  } catch (err) {
    for (const t of made) t.dispose();
    throw err;
  }
  return out;
}

/** Opens `path` for reading with an error that names the operation. */
export function openForRead(path: string, op: string): number {
  if (typeof path !== 'string') throw new TypeError(`${op}: path must be a string, got ${typeof path}`);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`${op}: cannot open ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw new Error(`${op}: cannot read ${path}: not a regular file`);
  }
  return fd;
}

/**
 * Loads every tensor of a safetensors file (safetensors.torch.load_file) as CPU tensors of the file's
 * dtypes. The header is validated completely before tensor memory is allocated; each tensor's bytes
 * are read once, directly into its storage.
 */
export function load(path: string): Record<string, Tensor> {
  checkLittleEndian('load');
  const fd = openForRead(path, 'load');
  try {
    const header = readHeaderFd(fd, path, 'load');
    return readTensorsFd(fd, header, path, 'load');
  } finally {
    fs.closeSync(fd);
  }
}

/** The validated header of a safetensors file or buffer: metadata and tensor entries, no tensor data. */
export function readHeader(source: string | Uint8Array): SafetensorsHeader {
  if (typeof source !== 'string') return bufferHeader(source, 'readHeader');
  const fd = openForRead(source, 'readHeader');
  try {
    return readHeaderFd(fd, source, 'readHeader');
  } finally {
    fs.closeSync(fd);
  }
}

function bufferHeader(buf: Uint8Array, op: string): SafetensorsHeader {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`${op}: expected a Buffer or Uint8Array, got ${buf === null ? 'null' : typeof buf}`);
  const bad = (msg: string) => new SafetensorsError(`${op}: the buffer is not a valid safetensors file: ${msg}`);
  if (buf.length < 8) throw bad(`it has ${buf.length} bytes, fewer than the 8-byte header length`);
  const n = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw bad(`the header length field says ${n} bytes, more than the ${MAX_HEADER_BYTES} allowed (corrupt or not a safetensors file)`);
  if (8n + n > BigInt(buf.length)) throw bad(`the header length field says ${n} bytes but only ${buf.length - 8} bytes follow it (truncated?)`);
  return parseHeader(buf.subarray(8, 8 + Number(n)), buf.length - 8 - Number(n), bad);
}

/** Tensors from a safetensors file held in memory (safetensors.torch.load); the bytes are copied. */
export function deserialize(buf: Uint8Array): Record<string, Tensor> {
  checkLittleEndian('deserialize');
  const header = bufferHeader(buf, 'deserialize');
  const base = 8 + header.headerBytes;
  const out: Record<string, Tensor> = {};
  const made: Tensor[] = [];
  try {
    for (const { name, info } of header.tensors) {
      const t = Tensor.empty(info.shape, info.dtype, false, 'deserialize');
      made.push(t);
      const [b, e] = info.dataOffsets;
      new Uint8Array(t.storage.buf, 0, e - b).set(buf.subarray(base + b, base + e));
      setEntry(out, name, t);
    }
  } catch (err) {
    for (const t of made) t.dispose();
    throw err;
  }
  return out;
}
