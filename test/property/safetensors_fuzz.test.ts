// Property tests for the safetensors reader (io.deserialize, io.load, io.readHeader) on hostile input:
// generated headers (odd names, valid/unsupported/garbage dtypes, shapes with negative, fractional,
// huge and overflowing dims, offsets consistent, overlapping, gapped, reversed or past 2**64, length
// prefixes too small, too large or 2**40), random bytes, and byte-level mutations of real files. Each
// input must either load into tensors that match the header and the file's bytes exactly, or be
// refused with a SafetensorsError, quickly and without allocating for sizes the file does not hold.
// (test/safetensors.test.ts has the hand-written cases; this file generates them.)
import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as nr from '../../src/index';
import { io } from '../../src/index';
import { fcRuns, caseCounts, reportCounts, values, TIMEOUT } from './gen';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-st-fuzz-'));
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); reportCounts('safetensors_fuzz'); });

const ITEM: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I32: 4, I64: 8, U8: 1, BOOL: 1 };

/** Length prefix + header text + data. */
function file(header: string | Buffer, data: Buffer, n?: bigint): Buffer {
  const h = typeof header === 'string' ? Buffer.from(header) : header;
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(n ?? BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

let k = 0;
/**
 * Loads `buf` with deserialize (and, when `viaFile`, with load from a file, which must agree). Returns
 * the number of tensors, or -1 when refused; checks every accepted tensor against the header's
 * offsets and the file's bytes, and that nothing is left allocated.
 */
function check(buf: Buffer, viaFile: boolean): number {
  const before = nr.backend.hostBytesInUse();
  const t0 = Date.now();
  let sd: Record<string, nr.Tensor> | null = null, err: unknown = null;
  try { sd = io.deserialize(buf); } catch (e) { err = e; }
  if (Date.now() - t0 > 20000) throw new Error(`deserialize took ${Date.now() - t0} ms`);
  if (viaFile) {
    const p = path.join(dir, `f${k++ % 4}.safetensors`);
    fs.writeFileSync(p, buf);
    let sd2: Record<string, nr.Tensor> | null = null, err2: unknown = null;
    try { sd2 = io.load(p); } catch (e) { err2 = e; }
    expect(!!sd2, `load and deserialize disagree: ${(err ?? err2) as any}`).toBe(!!sd);
    if (err2) expect(err2).toBeInstanceOf(io.SafetensorsError);
    for (const t of Object.values(sd2 ?? {})) t.dispose();
  }
  if (err) {
    if (!(err instanceof io.SafetensorsError)) throw new Error(`not a SafetensorsError: ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    expect(err.message).toMatch(/^deserialize: the buffer is not a valid safetensors file: /);
    expect(nr.backend.hostBytesInUse()).toBe(before);
    return -1;
  }
  const h = io.readHeader(buf);
  const base = 8 + h.headerBytes;
  expect(Object.keys(sd!).sort()).toEqual(h.tensors.map((t) => t.name).sort());
  for (const { name, info } of h.tensors) {
    const t = sd![name];
    expect(t.dtype).toBe(info.dtype);
    expect(t.shape).toEqual(info.shape);
    const bytes = new Uint8Array(t.storage.buf, 0, info.dataOffsets[1] - info.dataOffsets[0]);
    expect(Buffer.from(bytes).equals(buf.subarray(base + info.dataOffsets[0], base + info.dataOffsets[1]))).toBe(true);
    t.dispose();
  }
  expect(nr.backend.hostBytesInUse()).toBe(before);
  return h.tensors.length;
}

// ---- generated headers ---------------------------------------------------------------------------

const NAME = fc.constantFrom('w', 'b', '__proto__', 'constructor', '', 'x"y', '\u0000', 'é', '__metadata__', 'w');
const DTYPE = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('F32', 'F64', 'F16', 'BF16', 'I32', 'I64', 'U8', 'BOOL') },
  { weight: 1, arbitrary: fc.constantFrom('I8', 'U64', 'F8_E4M3', 'f32', '', ' F32', 'F32\u0000') });
/** A dim as raw JSON text: mostly small, sometimes hostile. */
const DIM = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 5 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('-1', '1.5', '2147483648', '4294967296', '9007199254740992', '9007199254740993', '18446744073709551616', '1e400', '-0', '1e2', '"2"', 'null', '[]', 'true') });
const entryArb = fc.record({
  name: NAME, dtype: DTYPE, shape: fc.array(DIM, { maxLength: 4 }),
  offs: fc.constantFrom('ok', 'ok', 'ok', 'overlap', 'gap', 'reversed', 'huge', 'short', 'one', 'float', 'string'),
  rawDtype: fc.constantFrom(false, false, false, true),
});
const headerArb = fc.record({
  entries: fc.array(entryArb, { maxLength: 4 }),
  meta: fc.constantFrom('', '"__metadata__":{"a":"b"}', '"__metadata__":{"a":1}', '"__metadata__":[]', '"__metadata__":{"a":"b","a":"c"}'),
  prefix: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'plus1', 'minus1', 'huge', 'max', 'zero'),
  trailing: fc.constantFrom(0, 0, 0, 1, 7), pad: fc.constantFrom(0, 0, 3), seed: fc.nat(1000),
});

/** Builds a file from a header recipe (offsets laid out in order, then perturbed as asked). */
function build(h: { entries: any[]; meta: string; prefix: string; trailing: number; pad: number; seed: number }): Buffer {
  let off = 0;
  const parts: string[] = h.meta ? [h.meta] : [];
  for (const e of h.entries) {
    const dims = e.shape.map((d: string) => Number(d));
    const numel = dims.reduce((a: number, b: number) => a * b, 1);
    const size = Number.isSafeInteger(numel) && numel >= 0 && numel < 4096 ? numel * (ITEM[e.dtype] ?? 1) : 8;
    let begin = off, end = off + size;
    if (e.offs === 'overlap') { begin = Math.max(0, off - 4); end = begin + size; }
    if (e.offs === 'gap') { begin = off + 4; end = begin + size; }
    const offs = e.offs === 'reversed' ? `[${end},${begin}]` : e.offs === 'huge' ? `[${begin},18446744073709551616]` : e.offs === 'short' ? `[${begin},${end - 1}]`
      : e.offs === 'one' ? `[${begin}]` : e.offs === 'float' ? `[${begin}.5,${end}]` : e.offs === 'string' ? `["${begin}",${end}]` : `[${begin},${end}]`;
    const dtype = e.rawDtype ? '7' : JSON.stringify(e.dtype);
    parts.push(`${JSON.stringify(e.name)}:{"dtype":${dtype},"shape":[${e.shape.join(',')}],"data_offsets":${offs}}`);
    off = Math.max(off, end);
  }
  const json = Buffer.from(`{${parts.join(',')}}${' '.repeat(h.pad)}`);
  const data = Buffer.from(values(off + h.trailing, 'uint8', h.seed + 1));
  const n = BigInt(json.length);
  const prefix = { ok: n, plus1: n + 1n, minus1: n - 1n, huge: 2n ** 40n, max: 2n ** 64n - 1n, zero: 0n }[h.prefix as 'ok'];
  return file(json, data, prefix);
}

describe('safetensors reader on hostile input', { timeout: TIMEOUT }, () => {
  it('generated headers: tensors that match the header and bytes, or a SafetensorsError; nothing allocated for what the file lacks', () => {
    let tried = 0, accepted = 0;
    const peak = process.resourceUsage().maxRSS;
    fc.assert(fc.property(headerArb, (h) => {
      tried++;
      if (check(build(h), tried % 5 === 0) >= 0) accepted++;
    }), fcRuns(500));
    caseCounts().set('stHeaders', tried);
    expect(accepted).toBeGreaterThan(tried / 100);   // most generated headers have some hostile field
    expect(process.resourceUsage().maxRSS - peak).toBeLessThan(256 * 1024);   // KiB
  });

  it('random bytes and byte-level mutations of real files (flips, cuts, splices, length prefix rewrites)', () => {
    const goods = [
      io.serialize({ w: nr.randn([3, 4]), b: nr.zeros([4], { dtype: 'int64' }), m: nr.ones([2], { dtype: 'bool' }) }, { metadata: { a: 'b' } }),
      io.serialize({ h: nr.ones([2, 2], { dtype: 'float16' }), e: nr.zeros([0, 3]), s: nr.tensor(5, { dtype: 'uint8' }) }),
      io.serialize({}),
    ];
    const mut = fc.record({
      kind: fc.constantFrom('flip', 'set', 'cut', 'splice', 'dup', 'prefix', 'refit'),
      pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), len: fc.integer({ min: 1, max: 24 }), inHeader: fc.boolean(),
      prefix: fc.constantFrom(0n, 1n, 2n ** 40n, 2n ** 64n - 1n, 100_000_001n, 99_999_999n),
    });
    const arb = fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => ({ raw: Buffer.from(a), muts: [] as any[] })) },
      { weight: 5, arbitrary: fc.record({ raw: fc.constantFrom(...goods), muts: fc.array(mut, { minLength: 1, maxLength: 4 }) }) },
    );
    let tried = 0, accepted = 0;
    fc.assert(fc.property(arb, ({ raw, muts }) => {
      tried++;
      let buf = Buffer.from(raw);
      for (const m of muts) {
        const hl = buf.length >= 8 ? Number(buf.readBigUInt64LE(0)) : 0;
        const lim = m.inHeader && hl > 0 ? Math.min(buf.length, 8 + hl) : buf.length;
        const p = lim ? m.pos % lim : 0;
        if (m.kind === 'flip' && buf.length) buf[p] ^= 1 << (m.byte % 8);
        else if (m.kind === 'set' && buf.length) buf[p] = m.byte;
        else if (m.kind === 'cut') buf = Buffer.concat([buf.subarray(0, p), buf.subarray(p + m.len)]);
        else if (m.kind === 'splice') buf = Buffer.concat([buf.subarray(0, p), Buffer.alloc(m.len, m.byte), buf.subarray(p)]);
        else if (m.kind === 'dup') buf = Buffer.concat([buf.subarray(0, p), buf.subarray(p, p + m.len), buf.subarray(p)]);
        else if (m.kind === 'prefix' && buf.length >= 8) buf.writeBigUInt64LE(m.prefix, 0);
        else if (m.kind === 'refit' && buf.length >= 8) {
          // after a cut/splice inside the header, point the prefix at the header's new end ('}' + padding)
          const end = buf.indexOf('}', Math.max(8, hl - 40) + 0, 'latin1');
          let e = buf.lastIndexOf(0x7d, Math.min(buf.length - 1, 8 + hl + m.len));
          if (e < 8) e = end;
          if (e >= 8) buf.writeBigUInt64LE(BigInt(e - 7), 0);
        }
      }
      if (check(buf, tried % 5 === 0) >= 0) accepted++;
    }), fcRuns(600));
    caseCounts().set('stBytes', tried);
    caseCounts().set('stBytesAccepted', accepted);
    // a flip inside tensor data leaves a valid file (random mutations hit the data region or not
    // depending on the seed, so acceptance is checked on fixed cases, for each real file with data)
    for (const g of goods.slice(0, 2)) {
      const flipped = Buffer.from(g);
      flipped[flipped.length - 1] ^= 0x01;
      expect(check(flipped, true)).toBeGreaterThanOrEqual(0);
    }
  });

  it('large hostile headers parse or fail in linear time (deep nesting, long strings, many keys, long numbers)', () => {
    const big = (s: string) => file(s, Buffer.alloc(0));
    const cases = [
      `{"a":${'['.repeat(5_000_000)}`,
      `{"__metadata__":{"k":"${'\\u0041'.repeat(1_000_000)}"}}`,
      `{"__metadata__":{${Array.from({ length: 200_000 }, (_, i) => `"k${i}":"v"`).join(',')}}}`,
      `{"a":{"dtype":"U8","shape":[${'1'.repeat(1_000_000)}],"data_offsets":[0,0]}}`,
      `{"__metadata__":{"k":"${'a'.repeat(5_000_000)}"}${' '.repeat(5_000_000)}}`,
    ];
    for (const c of cases) {
      const t0 = Date.now();
      check(big(c), false);
      expect(Date.now() - t0).toBeLessThan(3000);
    }
  });
});
