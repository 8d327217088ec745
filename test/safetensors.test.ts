// safetensors: byte compatibility with the reference implementation (its unit-test byte vectors and
// files written from PyTorch by tools/make_io_fixtures.py, test/fixtures/io), exact values for every
// dtype, neurona-written files parsed by an independent minimal reader (and by the fixture script's
// Python reader when /usr/bin/python3 with torch exists), and hostile files (truncated, oversized
// header length, overlaps, gaps, wrong dtypes, duplicate keys, bad UTF-8, random bytes) rejected with
// clear errors before any tensor memory is allocated.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'crypto';
import { spawnSync } from 'child_process';
import * as nr from '../src/index';
import type { Tensor, DType } from '../src/index';
import { rng } from './util/levels';

const { io } = nr;
const FIX = path.join(__dirname, 'fixtures', 'io');
const spec = JSON.parse(fs.readFileSync(path.join(FIX, 'all_dtypes.json'), 'utf8'));
const FIXTURE_FILE = path.join(FIX, 'all_dtypes.safetensors');
const ST_DTYPE: Record<string, DType> = { F32: 'float32', F64: 'float64', F16: 'float16', BF16: 'bfloat16', I32: 'int32', I64: 'int64', U8: 'uint8', BOOL: 'bool' };
const ITEM: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1, BOOL: 1 };

let dir = '';
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-st-')); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** A tensor's raw bytes (row-major, contiguous copy for views). */
function bytesOf(t: Tensor): Buffer {
  const d = t.data();
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}
/** A tensor holding exactly these bytes. */
function fromBytes(hex: string, shape: number[], dtype: DType): Tensor {
  const t = nr.zeros(shape, { dtype });
  const d = t.data();
  Buffer.from(d.buffer, d.byteOffset, d.byteLength).set(Buffer.from(hex, 'hex'));
  return t;
}
/** The state dict the fixture describes, built from its bytes (`transposed` as a real transposed view). */
function specTensors(): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, d] of Object.entries<any>(spec.tensors)) out[k] = fromBytes(d.hex, d.shape, ST_DTYPE[d.dtype]);
  const v = spec.views.transposed;
  out.transposed = fromBytes(v.base.hex, v.base.shape, ST_DTYPE[v.base.dtype]).transpose(v.transpose[0], v.transpose[1]);
  expect(out.transposed.isContiguous()).toBe(false);
  return out;
}

/**
 * An independent minimal safetensors reader (no neurona code): the header length, the JSON header,
 * and each tensor's byte slice; checks the layout rules the reference writer follows.
 */
function miniRead(buf: Buffer): { metadata: Record<string, string> | undefined; tensors: Record<string, { dtype: string; shape: number[]; bytes: Buffer }> } {
  const n = Number(buf.readBigUInt64LE(0));
  expect(n % 8).toBe(0);
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const data = buf.subarray(8 + n);
  const tensors: Record<string, { dtype: string; shape: number[]; bytes: Buffer }> = {};
  let covered = 0;
  for (const [k, v] of Object.entries<any>(header)) {
    if (k === '__metadata__') continue;
    expect(Object.keys(v)).toEqual(['dtype', 'shape', 'data_offsets']);
    const [b, e] = v.data_offsets;
    expect(e - b).toBe(v.shape.reduce((a: number, x: number) => a * x, 1) * ITEM[v.dtype]);
    expect(b % ITEM[v.dtype]).toBe(0);          // aligned within the (8-aligned) data section
    covered += e - b;
    tensors[k] = { dtype: v.dtype, shape: v.shape, bytes: data.subarray(b, e) };
  }
  expect(covered).toBe(data.length);
  return { metadata: header.__metadata__, tensors };
}

describe('reference byte vectors (safetensors/src/tensor.rs unit tests)', () => {
  const data = () => nr.arange(6, undefined, 1, { dtype: 'float32' });
  it('serializes one F32 tensor byte for byte', () => {
    expect([...io.serialize({ 'attn.0': data().reshape([1, 2, 3]) })]).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
      116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
      58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
      101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
      0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64]);
  });
  it('serializes an empty dict, with and without metadata', () => {
    expect([...io.serialize({})]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect([...io.serialize({}, { metadata: { framework: 'pt' } })]).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
      95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
      116, 34, 125, 125, 32, 32, 32, 32, 32]);
    expect(io.deserialize(io.serialize({}))).toEqual({});
  });
  it('pads the header with spaces to 8-byte alignment', () => {
    const b = io.serialize({ attn0: data().reshape([1, 1, 2, 3]) });
    expect(b.readBigUInt64LE(0)).toBe(72n);
    expect(b.subarray(8 + 65, 8 + 72).toString()).toBe('       ');
    expect(io.deserialize(b).attn0.toArray()).toEqual([[[[0, 1, 2], [3, 4, 5]]]]);
  });
});

describe('PyTorch-written fixture (all dtypes)', () => {
  it('loads every tensor with exact bytes, dtype, shape and values', () => {
    const sd = io.load(FIXTURE_FILE);
    expect(Object.keys(sd).sort()).toEqual(Object.keys(spec.tensors).sort());
    for (const [k, d] of Object.entries<any>(spec.tensors)) {
      const t = sd[k];
      expect(t.dtype, k).toBe(ST_DTYPE[d.dtype]);
      expect(t.shape, k).toEqual(d.shape);
      expect(bytesOf(t).toString('hex'), k).toBe(d.hex);
      if (d.dtype === 'I64') {
        expect(Array.from(t.data() as BigInt64Array, String), k).toEqual(d.values);
      } else if (d.dtype === 'BOOL') {
        expect(t.toFlatArray().map((x) => x !== 0), k).toEqual(d.values);
      } else {
        const got = t.toFlatArray();
        const want = d.values.map((v: number | string) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v));
        got.forEach((g, i) => expect(Object.is(g, want[i]), `${k}[${i}]: ${g} vs ${want[i]}`).toBe(true));
      }
    }
    expect(sd.transposed.toArray()).toEqual([[-1, 1, 3], [-0.5, 1.5, 3.5], [0, 2, 4], [0.5, 2.5, 4.5]]);
    expect(Object.is(sd.double.toFlatArray()[1], -0)).toBe(true);
    expect(sd.long.data()[0]).toBe(-(2n ** 63n));
  });

  it('reads the metadata and the entries from the header alone', () => {
    const h = io.readHeader(FIXTURE_FILE);
    expect(h.metadata).toEqual(spec.metadata);
    expect(h.headerBytes).toBe(Buffer.from(spec.header).length);
    expect(h.tensors.find((e) => e.name === 'half')!.info).toEqual({ dtype: 'float16', shape: [3, 2], dataOffsets: expect.any(Array) });
    expect(8 + h.headerBytes + h.dataBytes).toBe(spec.size);
  });

  it('writes the same tensors byte for byte like the reference (non-contiguous view written contiguously)', () => {
    const buf = io.serialize(specTensors(), { metadata: spec.metadata });
    expect(buf.subarray(8, 8 + Buffer.from(spec.header).length).toString('utf8')).toBe(spec.header);
    expect(buf.length).toBe(spec.size);
    expect(sha(buf)).toBe(spec.sha256);
    const file = path.join(dir, 'neurona_all.safetensors');
    io.save(file, specTensors(), { metadata: spec.metadata });
    expect(sha(fs.readFileSync(file))).toBe(spec.sha256);
    expect(sha(io.serialize(io.load(FIXTURE_FILE), { metadata: spec.metadata }))).toBe(spec.sha256);
  });

  it('load and deserialize agree', () => {
    const a = io.load(FIXTURE_FILE), b = io.deserialize(fs.readFileSync(FIXTURE_FILE));
    for (const k of Object.keys(a)) expect(bytesOf(b[k]).equals(bytesOf(a[k])), k).toBe(true);
  });

  const py = '/usr/bin/python3';
  const hasTorch = fs.existsSync(py) && spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasTorch)('the fixture script reads a neurona-written file back exactly (when PyTorch is installed)', () => {
    const file = path.join(dir, 'for_python.safetensors');
    io.save(file, specTensors(), { metadata: spec.metadata });
    const r = spawnSync(py, [path.join(__dirname, '..', 'tools', 'make_io_fixtures.py'), '--verify', file], { encoding: 'utf8' });
    expect(r.stderr + r.stdout).toMatch(/verify ok: 18 tensors/);
    expect(r.status).toBe(0);
  });

  it('rejects dtypes neurona has no type for, naming the tensor and dtype', () => {
    expect(() => io.load(path.join(FIX, 'int8.safetensors'))).toThrow(/tensor "x" has unsupported dtype I8/);
    expect(() => io.load(path.join(FIX, 'int16.safetensors'))).toThrow(io.SafetensorsError);
    expect(() => io.load(path.join(FIX, 'int16.safetensors'))).toThrow(/unsupported dtype I16; neurona reads F32, F64, F16, BF16, I32, I64, U8, BOOL/);
  });
});

describe('neurona-written files read by an independent reader', () => {
  const DTYPES: DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'];
  it('random state dicts of every dtype, views, empty and scalar tensors', () => {
    const r = rng(7);
    for (let trial = 0; trial < 20; trial++) {
      const sd: Record<string, Tensor> = {};
      const nT = 1 + Math.floor(r() * 6);
      for (let i = 0; i < nT; i++) {
        const dtype = DTYPES[Math.floor(r() * DTYPES.length)];
        const shape = Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * 5));
        let t = nr.randint(0, 200, shape, { dtype: dtype === 'bool' ? 'uint8' : dtype }).to(dtype);
        const kind = r();
        if (kind < 0.25 && t.ndim >= 2) t = t.transpose(0, t.ndim - 1);
        else if (kind < 0.5 && t.ndim >= 1 && t.shape[0] > 1) t = t.narrow(0, 1, t.shape[0] - 1);
        else if (kind < 0.6) t = nr.tensor(3, { dtype }).expand(shape);
        sd[`block${Math.floor(r() * 3)}.${'wxyz'[i % 4]}${i}`] = t;
      }
      const buf = io.serialize(sd);
      const mini = miniRead(buf);
      expect(Object.keys(mini.tensors).sort()).toEqual(Object.keys(sd).sort());
      for (const [k, t] of Object.entries(sd)) {
        expect(ST_DTYPE[mini.tensors[k].dtype]).toBe(t.dtype);
        expect(mini.tensors[k].shape).toEqual(t.shape);
        expect(mini.tensors[k].bytes.equals(bytesOf(t.contiguous())), k).toBe(true);
      }
      const back = io.deserialize(buf);
      for (const [k, t] of Object.entries(sd)) expect(back[k].toArray()).toEqual(t.toArray());
    }
  });

  it('tensor order: larger dtypes first, then names by UTF-8 bytes; metadata first with sorted keys', () => {
    const buf = io.serialize({ b: nr.zeros([1], { dtype: 'uint8' }), a: nr.zeros([1], { dtype: 'uint8' }), z: nr.zeros([1], { dtype: 'float64' }),
      '\uFF01': nr.zeros([1]), '\u{1F600}': nr.zeros([1]) }, { metadata: { y: '1', x: '2' } });
    const keys = Object.keys(JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString()));
    expect(keys).toEqual(['__metadata__', 'z', '\uFF01', '\u{1F600}', 'a', 'b']);
    expect(Object.keys(miniRead(buf).metadata!)).toEqual(['x', 'y']);
  });

  it('odd names (quotes, control characters, __proto__) round-trip', () => {
    const names = ['we"ird\\name\n\t\u0001', '__proto__', 'constructor', '', 'ünï'];
    const sd: Record<string, Tensor> = {};
    names.forEach((n, i) => Object.defineProperty(sd, n, { value: nr.full([1], i), enumerable: true }));
    const back = io.deserialize(io.serialize(sd));
    expect(Object.keys(back).sort()).toEqual(names.slice().sort());
    names.forEach((n, i) => expect(Object.getOwnPropertyDescriptor(back, n)!.value.item()).toBe(i));
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  it('a module state dict (PyTorch key names) saves and loads into a fresh module', () => {
    nr.manualSeed(3);
    const make = () => new nr.nn.Sequential(new nr.nn.Linear(4, 5), new nr.nn.BatchNorm1d(5), new nr.nn.ReLU(), new nr.nn.Linear(5, 2, { bias: false }));
    const a = make();
    a.forward(nr.randn([6, 4]));                       // updates the running statistics
    a.eval();
    const file = path.join(dir, 'module.safetensors');
    io.save(file, a.stateDict(), { metadata: { format: 'pt' } });
    const loaded = io.load(file);
    expect(Object.keys(loaded).sort()).toEqual(Object.keys(a.stateDict()).sort());
    expect(loaded['1.num_batches_tracked'].dtype).toBe('int64');
    const b = make();
    b.loadStateDict(loaded);
    b.eval();
    const x = nr.randn([3, 4]);
    expect(bytesOf(b.forward(x) as Tensor).equals(bytesOf(a.forward(x) as Tensor))).toBe(true);
    expect(miniRead(fs.readFileSync(file)).tensors['0.weight'].shape).toEqual([5, 4]);
  });

  it('save replaces a file atomically and leaves no temporary files; accepts a Map', () => {
    const sub = fs.mkdtempSync(path.join(dir, 'atomic-'));
    const file = path.join(sub, 'm.safetensors');
    io.save(file, { a: nr.ones([2]) });
    io.save(file, new Map([['b', nr.zeros([3], { dtype: 'int32' })]]));
    expect(fs.readdirSync(sub)).toEqual(['m.safetensors']);
    const sd = io.load(file);
    expect(Object.keys(sd)).toEqual(['b']);
    expect(sd.b.toArray()).toEqual([0, 0, 0]);
  });

  it('bad input to save/serialize: clear errors', () => {
    expect(() => io.serialize({ a: [1, 2] as any })).toThrow(/'a' is object, expected a Tensor/);
    expect(() => io.serialize(nr.ones([2]) as any)).toThrow(/got a Tensor/);
    expect(() => io.serialize({ __metadata__: nr.ones([1]) })).toThrow(/reserved/);
    expect(() => io.serialize({ a: nr.ones([1]) }, { metadata: { k: 3 as any } })).toThrow(/metadata value for 'k' must be a string/);
    expect(() => io.serialize({ ['\uD800x']: nr.ones([1]) })).toThrow(/lone surrogate/);
    const t = nr.ones([2]);
    t.dispose();
    expect(() => io.serialize({ t })).toThrow(/disposed/);
    expect(() => io.load(path.join(dir, 'missing.safetensors'))).toThrow(/load: cannot open .*missing.safetensors: no such file/);
    expect(() => io.load(dir)).toThrow(/load: cannot read .*: not a regular file/);
  });
});

describe('hostile files', () => {
  /** A header + data file from raw parts. */
  function file(header: string | Buffer, data: Buffer = Buffer.alloc(0), n?: bigint): Buffer {
    const h = typeof header === 'string' ? Buffer.from(header) : header;
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(n ?? BigInt(h.length));
    return Buffer.concat([len, h, data]);
  }
  const entry = (dtype: string, shape: unknown, offs: unknown) => JSON.stringify({ dtype, shape, data_offsets: offs });
  let k = 0;
  /** Checks both the file path (load) and the in-memory path (deserialize) reject `buf` with `re`. */
  function rejects(buf: Buffer, re: RegExp): void {
    const before = nr.backend.hostBytesInUse();
    const p = path.join(dir, `hostile${k++}.safetensors`);
    fs.writeFileSync(p, buf);
    let err: unknown;
    try { io.load(p); } catch (e) { err = e; }
    expect(err, `load accepted ${buf.subarray(0, 80).toString('latin1')}`).toBeInstanceOf(io.SafetensorsError);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).toContain(p);
    expect(() => io.deserialize(buf)).toThrow(re);
    expect(nr.backend.hostBytesInUse()).toBe(before);   // nothing allocated and leaked
  }
  const f32x2 = Buffer.from(new Float32Array([1, 2]).buffer);

  it('too short, truncated or oversized header lengths', () => {
    rejects(Buffer.alloc(0), /0 bytes, fewer than the 8-byte header length/);
    rejects(Buffer.from([1, 0, 0]), /3 bytes, fewer than/);
    rejects(file(`{"a":${entry('F32', [2], [0, 8])}}`, f32x2, 500n), /header length field says 500 bytes but only \d+ bytes follow it \(truncated\?\)/);
    rejects(file('{}', Buffer.alloc(0), 2n ** 64n - 1n), /header length field says 18446744073709551615 bytes, more than the 100000000 allowed/);
    rejects(file('{}', Buffer.alloc(0), 99_999_999n), /says 99999999 bytes but/);
    const good = io.serialize({ a: nr.ones([4]), b: nr.ones([3], { dtype: 'int64' }) });
    rejects(good.subarray(0, good.length - 1), /run past the end of the data section/);
    rejects(good.subarray(0, 20), /header length field says \d+ bytes but/);
    rejects(Buffer.concat([good, Buffer.from([0])]), /cover only \d+ \(trailing bytes\)/);
  });

  it('offsets: overlapping, gaps, out of range, reversed, malformed', () => {
    const data = Buffer.alloc(16);
    rejects(file(`{"a":${entry('F32', [2], [0, 8])},"b":${entry('F32', [2], [4, 12])}}`, data.subarray(0, 12)), /"b" \(bytes 4\.\.12\) overlaps tensor "a"/);
    rejects(file(`{"a":${entry('F32', [2], [0, 8])},"b":${entry('F32', [2], [0, 8])}}`, data.subarray(0, 8)), /overlaps/);
    rejects(file(`{"a":${entry('F32', [2], [8, 16])}}`, data), /bytes 0\.\.8 of the data section belong to no tensor/);
    rejects(file(`{"a":${entry('F32', [2], [0, 8])}}`, data.subarray(0, 4)), /run past the end of the data section \(4 bytes\)/);
    rejects(file(`{"a":${entry('F32', [0], [8, 0])}}`, data.subarray(0, 8)), /end before they begin/);
    rejects(file(`{"a":${entry('F32', [2], [0])}}`, data.subarray(0, 8)), /data_offsets must be \[begin, end\]/);
    rejects(file(`{"a":${entry('F32', [2], [0, 8.5])}}`, data.subarray(0, 8)), /data_offsets must be/);
    rejects(file(`{"a":${entry('F32', [2], [-8, 0])}}`, data.subarray(0, 8)), /data_offsets must be/);
    rejects(file(`{"a":${entry('F32', [2], ['0', 8])}}`, data.subarray(0, 8)), /data_offsets must be/);
    rejects(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551616]}}`, data.subarray(0, 8)), /data_offsets must be/);
  });

  it('dtype and shape disagreeing with the byte count; unknown dtypes; huge shapes', () => {
    const data = Buffer.alloc(8);
    rejects(file(`{"a":${entry('F64', [2], [0, 8])}}`, data), /F64 shape \[2\] needs 16 bytes but data_offsets \[0, 8\] hold 8/);
    rejects(file(`{"a":${entry('F32', [3], [0, 8])}}`, data), /needs 12 bytes/);
    rejects(file(`{"a":${entry('Q8', [2], [0, 8])}}`, data), /tensor "a" has unknown dtype "Q8"/);
    rejects(file(`{"a":${entry('U64', [1], [0, 8])}}`, data), /unsupported dtype U64/);
    rejects(file(`{"a":{"dtype":7,"shape":[2],"data_offsets":[0,8]}}`, data), /missing or non-string dtype/);
    rejects(file(`{"a":${entry('F32', [-2], [0, 8])}}`, data), /shape must be an array of non-negative integers/);
    rejects(file(`{"a":${entry('F32', [2.5], [0, 8])}}`, data), /shape must be/);
    rejects(file(`{"a":${entry('F32', 2, [0, 8])}}`, data), /shape must be/);
    rejects(file(`{"a":${entry('U8', [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 8], [0, 8])}}`, data), /13 dims, more than neurona supports \(12\)/);
    rejects(file(`{"a":${entry('U8', [2 ** 30, 2 ** 30, 2 ** 30], [0, 8])}}`, data), /elements, more than neurona allows/);
    rejects(file(`{"a":${entry('F32', [100000, 100000], [0, 8])}}`, data), /needs 40000000000 bytes but data_offsets \[0, 8\] hold 8/);
    // a consistent but huge entry in a small file: rejected by the offsets check, nothing allocated
    rejects(file(`{"a":${entry('F32', [2 ** 20, 2 ** 20], [0, 2 ** 42])}}`, data), /data_offsets \[0, 4398046511104\] run past the end of the data section \(8 bytes\)/);
    rejects(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}}`, data), /unexpected field\(s\) "extra"/);
    rejects(file(`{"a":[1,2]}`, data), /expected an object with dtype, shape and data_offsets/);
  });

  it('header syntax: not UTF-8, not JSON, not an object, duplicate keys, deep nesting, bad metadata', () => {
    const data = Buffer.alloc(8);
    rejects(file(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), /not valid UTF-8/);
    rejects(file('{"a":'), /not valid JSON: expected a value at character 5/);
    rejects(file('{"a":1,}'), /not valid JSON: expected a string key/);
    rejects(file(`{"a":${entry('F32', [2], [0, 8])}} x`, data), /unexpected data after the JSON value/);
    rejects(file('[1,2]'), /must be a JSON object, got an array/);
    rejects(file('"str"'), /must be a JSON object, got string/);
    rejects(file(`{"a":${entry('F32', [2], [0, 8])},"a":${entry('F32', [2], [0, 8])}}`, data), /duplicate key "a"/);
    rejects(file('{"__metadata__":{"k":"1","k":"2"}}'), /duplicate key "k"/);
    rejects(file(`{"a":${'['.repeat(100000)}`), /nesting deeper than 8 levels/);
    rejects(file('{"__metadata__":{"k":1}}'), /"__metadata__" value of "k" must be a string/);
    rejects(file('{"__metadata__":"x"}'), /"__metadata__" must be an object/);
    rejects(file('\uFEFF{}'), /not valid JSON/);
  });

  it('trailing spaces (padding) and a file with only metadata are accepted', () => {
    expect(io.deserialize(file('{}      '))).toEqual({});
    expect(io.readHeader(file('{"__metadata__":{"a":"b"}}')).metadata).toEqual({ a: 'b' });
  });

  it('random bytes and random corruptions of a valid file: parsed or rejected, never a crash or a leak', () => {
    const r = rng(99);
    const good = io.serialize({ w: nr.randn([3, 4]), b: nr.zeros([4], { dtype: 'int64' }), m: nr.ones([2], { dtype: 'bool' }) }, { metadata: { a: 'b' } });
    const before = nr.backend.hostBytesInUse();
    let accepted = 0, rejected = 0;
    for (let i = 0; i < 400; i++) {
      let buf: Buffer;
      if (i < 100) {
        buf = Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
        if (i % 2 === 0 && buf.length >= 8) buf.writeBigUInt64LE(BigInt(Math.floor(r() * (buf.length - 8))), 0);
      } else {
        buf = Buffer.from(good);
        const flips = 1 + Math.floor(r() * 3);
        for (let j = 0; j < flips; j++) {
          const pos = Math.floor(r() * Math.min(buf.length, i % 3 === 0 ? 16 : buf.length));
          buf[pos] ^= 1 << Math.floor(r() * 8);
        }
      }
      try {
        const sd = io.deserialize(buf);
        accepted++;
        for (const t of Object.values(sd)) t.dispose();
      } catch (e) {
        if (!(e instanceof io.SafetensorsError)) throw e;
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(150);
    expect(accepted).toBeGreaterThan(10);       // flips inside the data section are legitimate files
    expect(nr.backend.hostBytesInUse()).toBe(before);
  });
});
