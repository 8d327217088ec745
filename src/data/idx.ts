// IDX file reader (the MNIST-family format), gzip or plain. Every header field is checked against
// the file's real size before anything is allocated, so truncated or hostile files give a clear error.
import * as fs from 'fs';
import * as zlib from 'zlib';
import { Tensor, MAX_NUMEL } from '../tensor';
import { DType } from '../dtype';

const TYPES: Record<number, { dtype: DType; size: number; read: (b: Buffer, o: number) => number }> = {
  0x08: { dtype: 'uint8', size: 1, read: (b, o) => b[o] },
  0x09: { dtype: 'int32', size: 1, read: (b, o) => b.readInt8(o) },
  0x0b: { dtype: 'int32', size: 2, read: (b, o) => b.readInt16BE(o) },
  0x0c: { dtype: 'int32', size: 4, read: (b, o) => b.readInt32BE(o) },
  0x0d: { dtype: 'float32', size: 4, read: (b, o) => b.readFloatBE(o) },
  0x0e: { dtype: 'float64', size: 8, read: (b, o) => b.readDoubleBE(o) },
};

/** Largest decompressed IDX file accepted (the full MNIST-family train set is ~47 MB). */
const MAX_BYTES = 2 ** 31;

/** Parses IDX bytes (gzip detected by magic) into a tensor of the file's dtype and shape. */
export function parseIdx(input: Buffer, name = 'IDX data'): Tensor {
  let buf = input;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = zlib.gunzipSync(buf, { maxOutputLength: MAX_BYTES });
    } catch (e) {
      throw new Error(`readIdx: ${name} is not a valid gzip stream (${(e as Error).message})`);
    }
  }
  if (buf.length < 4) throw new Error(`readIdx: ${name} is too short for an IDX header (${buf.length} bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new Error(`readIdx: ${name} does not start with the IDX magic (0x0000)`);
  const type = TYPES[buf[2]];
  if (!type) throw new Error(`readIdx: ${name} has unknown IDX element type 0x${buf[2].toString(16)}`);
  const ndim = buf[3];
  if (ndim < 1 || ndim > 8) throw new Error(`readIdx: ${name} declares ${ndim} dimensions (1..8 supported)`);
  if (buf.length < 4 + 4 * ndim) throw new Error(`readIdx: ${name} is truncated inside its header`);
  const shape: number[] = [];
  let n = 1;
  for (let i = 0; i < ndim; i++) {
    const d = buf.readUInt32BE(4 + 4 * i);
    shape.push(d);
    n *= d;
  }
  const body = 4 + 4 * ndim;
  if (n > MAX_NUMEL || body + n * type.size !== buf.length) {
    throw new Error(`readIdx: ${name} declares shape [${shape.join(', ')}] (${n * type.size} bytes of data) but holds ${buf.length - body} bytes`);
  }
  const t = Tensor.empty(shape, type.dtype);
  const out = t.data();
  if (type.dtype === 'uint8') (out as Uint8Array).set(buf.subarray(body, body + n));
  else for (let i = 0; i < n; i++) (out as any)[i] = type.read(buf, body + i * type.size);
  return t;
}

/** Reads an IDX file (.gz or plain) into a tensor. */
export function readIdx(path: string): Tensor {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new Error(`readIdx: cannot read ${path}: ${(e as Error).message}`);
  }
  return parseIdx(bytes, path);
}

