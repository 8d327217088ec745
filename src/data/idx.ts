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
/** Longest IDX header: magic, type, ndim and up to 8 dims of 4 bytes. */
const MAX_HEADER = 4 + 4 * 8;

interface IdxHeader { type: (typeof TYPES)[number]; shape: number[]; n: number; body: number; total: number; }

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * Validates the header at the start of `b` (the whole file, or at least its first MAX_HEADER bytes
 * when `partial`) and returns the file size it implies.
 */
function readHeader(b: Buffer, name: string, partial = false): IdxHeader {
  if (b.length < 4) throw new Error(`readIdx: ${name} is too short for an IDX header (${b.length} bytes)`);
  if (b[0] !== 0 || b[1] !== 0) throw new Error(`readIdx: ${name} does not start with the IDX magic (0x0000)`);
  const type = TYPES[b[2]];
  if (!type) throw new Error(`readIdx: ${name} has unknown IDX element type 0x${b[2].toString(16)}`);
  const ndim = b[3];
  if (ndim < 1 || ndim > 8) throw new Error(`readIdx: ${name} declares ${ndim} dimensions (1..8 supported)`);
  if (b.length < 4 + 4 * ndim) throw new Error(`readIdx: ${name} is truncated inside its header`);
  const shape: number[] = [];
  let n = 1;
  for (let i = 0; i < ndim; i++) {
    const d = b.readUInt32BE(4 + 4 * i);
    shape.push(d);
    n *= d;
  }
  const body = 4 + 4 * ndim, total = body + n * type.size;
  if (n > MAX_NUMEL || total > MAX_BYTES) {
    throw new Error(`readIdx: ${name} declares shape [${shape.join(', ')}] (${n * type.size} bytes of data), more than neurona reads (${MAX_BYTES} bytes)`);
  }
  if (!partial && total !== b.length) {
    throw new Error(`readIdx: ${name} declares shape [${shape.join(', ')}] (${n * type.size} bytes of data) but holds ${b.length - body} bytes`);
  }
  return { type, shape, n, body, total };
}

/**
 * The first bytes of a gzip stream's output (at least MAX_HEADER of them unless the stream is
 * shorter): prefixes of the compressed input are inflated, doubling in length, so a small file that
 * inflates to gigabytes (a "zip bomb") costs at most ~1000x the few bytes read.
 */
function gunzipHead(gz: Buffer, name: string): Buffer {
  for (let k = 64; ; k *= 2) {
    let out: Buffer;
    try {
      out = zlib.gunzipSync(gz.subarray(0, k), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch (e) {
      throw new Error(`readIdx: ${name} is not a valid gzip stream (${(e as Error).message})`);
    }
    if (out.length >= MAX_HEADER || k >= gz.length) return out;
  }
}

/** Inflates a gzip stream that must hold exactly `total` bytes, never producing more than total + 1. */
function gunzipExactly(gz: Buffer, h: IdxHeader, name: string): Buffer {
  let out: Buffer;
  try {
    out = zlib.gunzipSync(gz, { maxOutputLength: Math.max(1, h.total + 1) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`readIdx: ${name} declares shape [${h.shape.join(', ')}] (${h.n * h.type.size} bytes of data) but holds more`);
    }
    throw new Error(`readIdx: ${name} is not a valid gzip stream (${(e as Error).message})`);
  }
  return out;
}

/**
 * Parses IDX bytes (gzip detected by magic) into a tensor of the file's dtype and shape. The header
 * is checked before the data is inflated, and the inflated size is bounded by what it declares.
 */
export function parseIdx(input: Buffer, name = 'IDX data'): Tensor {
  let buf = input;
  if (isGzip(buf)) {
    const h = readHeader(gunzipHead(buf, name), name, true);
    buf = gunzipExactly(buf, h, name);
  }
  const { type, shape, n, body } = readHeader(buf, name);
  const t = Tensor.empty(shape, type.dtype);
  const out = t.data();
  if (type.dtype === 'uint8') (out as Uint8Array).set(buf.subarray(body, body + n));
  else for (let i = 0; i < n; i++) (out as any)[i] = type.read(buf, body + i * type.size);
  return t;
}

/**
 * Reads an IDX file (.gz or plain) into a tensor. A plain file's header is checked against the file
 * size before the rest of the file is read.
 */
export function readIdx(path: string): Tensor {
  let bytes: Buffer;
  try {
    const fd = fs.openSync(path, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const head = Buffer.alloc(Math.min(size, MAX_HEADER));
      fs.readSync(fd, head, 0, head.length, 0);
      if (!isGzip(head)) {
        const h = readHeader(head, path, true);
        if (h.total !== size) {   // refused before the data is read
          throw new Error(`readIdx: ${path} declares shape [${h.shape.join(', ')}] (${h.n * h.type.size} bytes of data) but holds ${size - h.body} bytes`);
        }
      }
    } finally {
      fs.closeSync(fd);
    }
    bytes = fs.readFileSync(path);
  } catch (e) {
    if ((e as Error).message.startsWith('readIdx: ')) throw e;
    throw new Error(`readIdx: cannot read ${path}: ${(e as Error).message}`);
  }
  return parseIdx(bytes, path);
}
