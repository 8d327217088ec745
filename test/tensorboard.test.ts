// TensorBoard event files: an independent reader in this test (TFRecord framing, a bitwise CRC-32C,
// a generic protobuf decoder) reads back every record SummaryWriter writes and checks the Event /
// Summary fields (scalars, addScalars run directories, histograms with independently recomputed
// bucket counts, text), queueing/flush behaviour, and bad input.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as nr from '../src/index';
import { crc32c, maskedCrc32c } from '../src/io/crc32c';
import { flushAllWriters } from '../src/io/tensorboard';
import { rng } from './util/levels';

const { io } = nr;
let dir = '';
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-tb-')); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });

// ---- an independent reader --------------------------------------------------------------------

/** CRC-32C, bit by bit (no tables), and TFRecord's mask. */
function crc32cBitwise(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}
const mask = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

/** Splits a TFRecord file into record payloads, checking lengths and both CRCs of every record. */
function readRecords(file: string): Buffer[] {
  const buf = fs.readFileSync(file);
  const out: Buffer[] = [];
  let p = 0;
  while (p < buf.length) {
    expect(buf.length - p).toBeGreaterThanOrEqual(16);
    const len = Number(buf.readBigUInt64LE(p));
    expect(buf.readUInt32LE(p + 8), `length CRC of record ${out.length}`).toBe(mask(crc32cBitwise(buf.subarray(p, p + 8))));
    const data = buf.subarray(p + 12, p + 12 + len);
    expect(data.length).toBe(len);
    expect(buf.readUInt32LE(p + 12 + len), `data CRC of record ${out.length}`).toBe(mask(crc32cBitwise(data)));
    out.push(data);
    p += 16 + len;
  }
  return out;
}

type Field = { wire: number; v: bigint | Buffer };
/** Decodes one protobuf message into field number -> values (varints as bigint, others as raw bytes). */
function decode(b: Buffer): Map<number, Field[]> {
  const m = new Map<number, Field[]>();
  let p = 0;
  const varint = () => {
    let x = 0n, s = 0n;
    for (;;) {
      const byte = b[p++];
      expect(byte).not.toBeUndefined();
      x |= BigInt(byte & 0x7f) << s;
      s += 7n;
      if (!(byte & 0x80)) return x;
    }
  };
  while (p < b.length) {
    const key = Number(varint());
    const field = key >> 3, wire = key & 7;
    let v: bigint | Buffer;
    if (wire === 0) v = varint();
    else if (wire === 1) { v = b.subarray(p, p + 8); p += 8; }
    else if (wire === 5) { v = b.subarray(p, p + 4); p += 4; }
    else if (wire === 2) { const n = Number(varint()); v = b.subarray(p, p + n); p += n; }
    else throw new Error(`unexpected wire type ${wire}`);
    if (!m.has(field)) m.set(field, []);
    m.get(field)!.push({ wire, v });
  }
  expect(p).toBe(b.length);
  return m;
}
const one = (m: Map<number, Field[]>, f: number) => { const x = m.get(f); expect(x?.length, `field ${f}`).toBe(1); return x![0]; };
const dbl = (m: Map<number, Field[]>, f: number) => (one(m, f).v as Buffer).readDoubleLE(0);
const str = (m: Map<number, Field[]>, f: number) => (one(m, f).v as Buffer).toString('utf8');
const sub = (m: Map<number, Field[]>, f: number) => decode(one(m, f).v as Buffer);
const doubles = (m: Map<number, Field[]>, f: number) => { const b = one(m, f).v as Buffer; return Array.from({ length: b.length / 8 }, (_, i) => b.readDoubleLE(i * 8)); };

interface Ev { wallTime: number; step: bigint; fileVersion?: string; values: Map<number, Field[]>[] }
function events(file: string): Ev[] {
  return readRecords(file).map((r) => {
    const e = decode(r);
    const step = e.has(2) ? BigInt.asIntN(64, one(e, 2).v as bigint) : 0n;
    return {
      wallTime: dbl(e, 1), step,
      fileVersion: e.has(3) ? str(e, 3) : undefined,
      values: e.has(5) ? (sub(e, 5).get(1) ?? []).map((f) => decode(f.v as Buffer)) : [],
    };
  });
}
const eventFiles = (d: string) => fs.readdirSync(d).filter((f) => f.startsWith('events.out.tfevents.'));

// ---- tests ----------------------------------------------------------------------------------------

describe('TFRecord framing', () => {
  it('CRC-32C check value and masking agree with the bitwise reference', () => {
    expect(crc32cBitwise(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    const r = rng(1);
    for (let n = 0; n < 70; n++) {
      const b = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      expect(crc32c(b), `length ${n}`).toBe(crc32cBitwise(b));
      expect(maskedCrc32c(b)).toBe(mask(crc32cBitwise(b)));
    }
  });
});

describe('SummaryWriter', () => {
  it('writes scalars, text and histograms that an independent reader decodes', () => {
    const logDir = path.join(dir, 'run1');
    const w = new io.SummaryWriter(logDir);
    const t0 = Date.now() / 1000;
    w.addScalar('loss/train', 0.25, 1);
    w.addScalar('loss/train', nr.tensor(0.1), 2);
    w.addScalar('lr', 1e-3, 2 ** 40, 1234.5);
    w.addScalar('neg', -7, -3);
    w.addScalar('nan', NaN);
    w.addText('notes', 'héllo **markdown** ✓', 5);
    const vals = nr.randn([1000]).mul(3);
    w.addHistogram('weights', vals, 7);
    w.close();
    const files = eventFiles(logDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.[^.]+.*\\.${process.pid}\\.\\d+$`));
    expect(w.file).toBe(path.join(logDir, files[0]));
    const ev = events(w.file);
    expect(ev).toHaveLength(8);
    expect(ev[0].fileVersion).toBe('brain.Event:2');
    expect(Math.abs(ev[0].wallTime - t0)).toBeLessThan(60);
    const scalar = (e: Ev) => { expect(e.values).toHaveLength(1); const v = e.values[0]; return { tag: str(v, 1), value: (one(v, 2).v as Buffer).readFloatLE(0) }; };
    expect(scalar(ev[1])).toEqual({ tag: 'loss/train', value: Math.fround(0.25) });
    expect(ev[1].step).toBe(1n);
    expect(scalar(ev[2])).toEqual({ tag: 'loss/train', value: Math.fround(0.1) });
    expect(scalar(ev[3]).value).toBe(Math.fround(1e-3));
    expect(ev[3].step).toBe(2n ** 40n);
    expect(ev[3].wallTime).toBe(1234.5);
    expect(ev[4].step).toBe(-3n);
    expect(scalar(ev[5]).value).toBeNaN();
    expect(ev[5].step).toBe(0n);

    const text = ev[6].values[0];
    expect(ev[6].step).toBe(5n);
    expect(str(text, 1)).toBe('notes/text_summary');
    expect(str(sub(sub(text, 9), 1), 1)).toBe('text');
    const tp = sub(text, 8);
    expect(one(tp, 1).v).toBe(7n);                                     // DT_STRING
    expect(one(sub(sub(tp, 2), 2), 1).v).toBe(1n);                      // shape [1]
    expect(str(tp, 8)).toBe('héllo **markdown** ✓');

    const h = sub(ev[7].values[0], 5);
    expect(str(ev[7].values[0], 1)).toBe('weights');
    const x = vals.toFlatArray();
    expect(dbl(h, 1)).toBe(Math.min(...x));
    expect(dbl(h, 2)).toBe(Math.max(...x));
    expect(dbl(h, 3)).toBe(1000);
    expect(dbl(h, 4)).toBeCloseTo(x.reduce((a, b) => a + b, 0), 9);
    expect(dbl(h, 5)).toBeCloseTo(x.reduce((a, b) => a + b * b, 0), 6);
    const limits = doubles(h, 6), counts = doubles(h, 7);
    expect(limits.length).toBe(counts.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
    for (let i = 1; i < limits.length; i++) expect(limits[i]).toBeGreaterThan(limits[i - 1]);
    // bucket i holds the values in [limits[i-1], limits[i]) (-inf for the first)
    counts.forEach((c, i) => {
      const lo = i === 0 ? -Infinity : limits[i - 1];
      expect(x.filter((v) => v >= lo && v < limits[i]).length, `bucket ${i}`).toBe(c);
    });
    expect(limits[limits.length - 1]).toBe(Number.MAX_VALUE);            // TensorFlow's last limit
    // TensorFlow's buckets: limits are +-1e-12 * 1.1^k; empty runs are collapsed into one bucket
    for (let i = 0; i + 1 < counts.length; i++) expect(counts[i] > 0 || counts[i + 1] > 0).toBe(true);
  });

  it('equal-width histogram bins; arrays as input', () => {
    const logDir = path.join(dir, 'hist');
    const w = new io.SummaryWriter(logDir);
    w.addHistogram('u', [0, 1, 1, 2, 3, 9, 10], 1, { bins: 5 });
    w.addHistogram('same', new Float32Array([4, 4, 4]), 2, { bins: 3 });
    w.addHistogram('ints', nr.tensor([1, 2, 3], { dtype: 'int64' }), 3);
    w.close();
    const ev = events(w.file);
    const h1 = sub(ev[1].values[0], 5);
    expect(doubles(h1, 6)).toEqual([2, 4, 6, 8, 10]);
    expect(doubles(h1, 7)).toEqual([3, 2, 0, 0, 2]);
    const h2 = sub(ev[2].values[0], 5);
    expect(doubles(h2, 7)).toEqual([3, 0, 0]);
    expect(dbl(h2, 1)).toBe(4);
    expect(doubles(sub(ev[3].values[0], 5), 7).reduce((a, b) => a + b)).toBe(3);
  });

  it('addScalars writes one run directory per key, PyTorch-style', () => {
    const logDir = path.join(dir, 'multi');
    const w = new io.SummaryWriter(logDir);
    w.addScalars('loss/all', { train: 1.5, val: nr.tensor([2.5]) }, 3);
    w.addScalars('loss/all', { train: 1.25, val: 2 }, 4);
    w.close();
    const dirs = fs.readdirSync(logDir).filter((f) => fs.statSync(path.join(logDir, f)).isDirectory()).sort();
    expect(dirs).toEqual(['loss_all_train', 'loss_all_val']);
    const ev = events(path.join(logDir, 'loss_all_train', eventFiles(path.join(logDir, 'loss_all_train'))[0]));
    expect(ev.map((e) => e.step)).toEqual([0n, 3n, 4n]);
    expect(ev.slice(1).map((e) => [str(e.values[0], 1), (one(e.values[0], 2).v as Buffer).readFloatLE(0)])).toEqual([['loss/all', 1.5], ['loss/all', 1.25]]);
    const evVal = events(path.join(logDir, 'loss_all_val', eventFiles(path.join(logDir, 'loss_all_val'))[0]));
    expect((one(evVal[1].values[0], 2).v as Buffer).readFloatLE(0)).toBe(2.5);
  });

  it('queues records until flush(), maxQueue, or close()', () => {
    const logDir = path.join(dir, 'queue');
    const w = new io.SummaryWriter(logDir, { maxQueue: 3, filenameSuffix: '.v2' });
    expect(w.file.endsWith('.v2')).toBe(true);
    expect(events(w.file)).toHaveLength(1);              // the file_version record is written at once
    w.addScalar('a', 1, 1);
    w.addScalar('a', 2, 2);
    expect(events(w.file)).toHaveLength(1);
    w.addScalar('a', 3, 3);                               // third queued record triggers a flush
    expect(events(w.file)).toHaveLength(4);
    w.addScalar('a', 4, 4);
    w.flush();
    expect(events(w.file)).toHaveLength(5);
    w.addScalar('a', 5, 5);
    w.close();
    w.close();
    expect(events(w.file).map((e) => e.step)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
  });

  it('two writers in one directory write separate files', () => {
    const logDir = path.join(dir, 'two');
    const a = new io.SummaryWriter(logDir), b = new io.SummaryWriter(logDir);
    a.addScalar('x', 1, 1); b.addScalar('y', 2, 1);
    a.close(); b.close();
    expect(eventFiles(logDir)).toHaveLength(2);
  });

  it('bad input: clear errors', () => {
    const w = new io.SummaryWriter(path.join(dir, 'bad'));
    expect(() => w.addScalar('', 1)).toThrow(/tag must be a non-empty string/);
    expect(() => w.addScalar('a', 1, 1.5)).toThrow(/step must be an integer, got 1.5/);
    expect(() => w.addScalar('a', nr.ones([2]))).toThrow(/one-element tensor, got a tensor of shape \[2\]/);
    expect(() => w.addScalar('a', 'x' as any)).toThrow(/expected a number/);
    expect(() => w.addHistogram('h', [1, NaN, Infinity])).toThrow(/2 of 3 values are NaN or infinite/);
    expect(() => w.addHistogram('h', [])).toThrow(/values are empty/);
    expect(() => w.addHistogram('h', [1], 0, { bins: 0 })).toThrow(/bins must be 'tensorflow' or a positive integer/);
    expect(() => w.addScalars('m', { 'a/b': 1 })).toThrow(/cannot name a run directory/);
    expect(() => w.addText('t', 5 as any)).toThrow(/text must be a string/);
    w.close();
    expect(() => w.addScalar('a', 1)).toThrow(/the writer is closed/);
    expect(() => new io.SummaryWriter(path.join(dir, 'x'), { maxQueue: 0 })).toThrow(/maxQueue must be a positive integer/);
    // nothing but the valid header record was written
    expect(events(w.file)).toHaveLength(1);
  });

  it('queued records are written at process exit without close() (the exit hook flushes open writers)', () => {
    const logDir = path.join(dir, 'exit');
    const w = new io.SummaryWriter(logDir);
    w.addScalar('a', 1, 1);
    w.addScalar('a', 2, 2);
    expect(events(w.file)).toHaveLength(1);
    expect(process.listeners('exit')).toContain(flushAllWriters);
    flushAllWriters();
    expect(events(w.file).map((e) => e.step)).toEqual([0n, 1n, 2n]);
    w.close();
  });
});
