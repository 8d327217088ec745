// Property tests for the IDX reader (src/data/idx.ts) on hostile input: random bytes, valid files of
// every element type (plain and gzip) read back exactly, and mutations of valid files (bit flips,
// truncations, splices, dims rewritten to huge or zero sizes, type and rank bytes changed), plain and
// gzipped. Each input parses to a tensor that matches its header or is refused with a "readIdx: "
// Error, quickly and without a large allocation; a gzip bomb is refused after inflating only what the
// header declares.
import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as nr from '../../src/index';
import { fcRuns, caseCounts, reportCounts, TIMEOUT } from './gen';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-idx-fuzz-'));
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); reportCounts('idx_fuzz'); });

const TYPES: [number, number, (b: Buffer, o: number) => number][] = [
  [0x08, 1, (b, o) => b[o]], [0x09, 1, (b, o) => b.readInt8(o)], [0x0b, 2, (b, o) => b.readInt16BE(o)],
  [0x0c, 4, (b, o) => b.readInt32BE(o)], [0x0d, 4, (b, o) => b.readFloatBE(o)], [0x0e, 8, (b, o) => b.readDoubleBE(o)],
];

function idx(type: number, shape: number[], body: Buffer): Buffer {
  const h = Buffer.alloc(4 + 4 * shape.length);
  h[2] = type; h[3] = shape.length;
  shape.forEach((d, i) => h.writeUInt32BE(d >>> 0, 4 + 4 * i));
  return Buffer.concat([h, body]);
}

/** parseIdx(buf): the tensor, or null when refused with a readIdx error; anything else fails. */
function parse(buf: Buffer): nr.Tensor | null {
  const t0 = Date.now();
  try {
    return nr.data.parseIdx(buf);
  } catch (e) {
    if (!(e instanceof Error) || !/^readIdx: IDX data /.test(e.message)) throw new Error(`unclear error: ${(e as Error)?.message}`);
    return null;
  } finally {
    if (Date.now() - t0 > 20000) throw new Error(`parseIdx took ${Date.now() - t0} ms`);
  }
}

describe('IDX reader on hostile input', { timeout: TIMEOUT }, () => {
  // first in the file, so the process's peak RSS is still low enough to show a large inflate
  it('regression: a gzip bomb (10 declared bytes, 300 MB inflated) is refused without inflating it', () => {
    const mb = zlib.gzipSync(Buffer.alloc(1 << 20));
    const bomb = Buffer.concat([zlib.gzipSync(idx(0x08, [10], Buffer.alloc(10))), ...Array(300).fill(mb)]);   // gzip members concatenate
    expect(bomb.length).toBeLessThan(400_000);
    const peak = process.resourceUsage().maxRSS;
    const t0 = Date.now();
    expect(() => nr.data.parseIdx(bomb)).toThrow(/^readIdx: IDX data declares shape \[10\] \(10 bytes of data\) but holds more/);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(process.resourceUsage().maxRSS - peak).toBeLessThan(64 * 1024);   // KiB: was +300 MB
    // a header declaring more than neurona reads is refused before inflating anything
    const huge = zlib.gzipSync(idx(0x0e, [1 << 16, 1 << 16], Buffer.alloc(0)));
    expect(() => nr.data.parseIdx(huge)).toThrow(/more than neurona reads/);
  });

  it('valid files of every element type, plain and gzipped, read back exactly', () => {
    const arb = fc.record({
      t: fc.constantFrom(...TYPES), shape: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }),
      seed: fc.uint8Array({ minLength: 0, maxLength: 4096 }), gz: fc.boolean(),
    });
    let tried = 0;
    fc.assert(fc.property(arb, ({ t: [code, size, read], shape, seed, gz }) => {
      tried++;
      const n = shape.reduce((a, b) => a * b, 1);
      const body = Buffer.alloc(n * size);
      for (let i = 0; i < body.length; i++) body[i] = seed.length ? seed[i % seed.length] ^ (i * 7) : i;
      const file = idx(code, shape, body);
      const t = parse(gz ? zlib.gzipSync(file) : file);
      expect(t).not.toBeNull();
      expect(t!.shape).toEqual(shape);
      const want = Array.from({ length: n }, (_, i) => read(body, i * size));
      const got = t!.toFlatArray();
      for (let i = 0; i < n; i++) expect(Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i])) || (code === 0x0d && Math.fround(want[i]) === got[i])).toBe(true);
      t!.dispose();
    }), fcRuns(150));
    caseCounts().set('idxValid', tried);
  });

  it('random bytes and mutated files (plain and gzip): a tensor that matches its header, or a readIdx error', () => {
    const good = [idx(0x08, [3, 4, 5], Buffer.alloc(60, 7)), idx(0x0d, [6], Buffer.alloc(24, 0x40)), idx(0x0b, [2, 1, 3], Buffer.alloc(12, 1))];
    const mut = fc.record({
      kind: fc.constantFrom('flip', 'set', 'cut', 'splice', 'dim', 'type', 'ndim', 'trunc'),
      pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), len: fc.integer({ min: 1, max: 16 }),
      dim: fc.constantFrom(0, 1, 2, 255, 0x10000, 0x7fffffff, 0xffffffff),
    });
    const arb = fc.record({
      base: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a)) }),
      muts: fc.array(mut, { maxLength: 4 }), gzBefore: fc.boolean(), gzAfter: fc.boolean(),
    });
    const before = nr.backend.hostBytesInUse();
    let tried = 0, accepted = 0;
    fc.assert(fc.property(arb, ({ base, muts, gzBefore, gzAfter }) => {
      tried++;
      let buf = Buffer.from(base);
      const apply = () => {
        for (const m of muts) {
          const p = buf.length ? m.pos % buf.length : 0;
          if (m.kind === 'flip' && buf.length) buf[p] ^= 1 << (m.byte % 8);
          else if (m.kind === 'set' && buf.length) buf[p] = m.byte;
          else if (m.kind === 'cut') buf = Buffer.concat([buf.subarray(0, p), buf.subarray(p + m.len)]);
          else if (m.kind === 'splice') buf = Buffer.concat([buf.subarray(0, p), Buffer.alloc(m.len, m.byte), buf.subarray(p)]);
          else if (m.kind === 'dim' && buf.length >= 8) buf.writeUInt32BE(m.dim, 4 + 4 * (m.pos % Math.max(1, Math.min(buf[3] || 1, (buf.length - 4) >> 2))));
          else if (m.kind === 'type' && buf.length >= 3) buf[2] = m.byte;
          else if (m.kind === 'ndim' && buf.length >= 4) buf[3] = m.byte % 10;
          else if (m.kind === 'trunc') buf = buf.subarray(0, p);
        }
      };
      // mutate the plain bytes then gzip, or gzip then mutate the compressed stream
      if (!gzBefore) apply();
      if (gzAfter || gzBefore) buf = zlib.gzipSync(buf);
      if (gzBefore) apply();
      const t = parse(buf);
      if (t) {
        accepted++;
        expect(t.shape.every((d) => Number.isInteger(d) && d >= 0)).toBe(true);
        expect(t.toFlatArray().length).toBe(t.numel());
        t.dispose();
      }
    }), fcRuns(600));
    caseCounts().set('idxMutated', tried);
    expect(accepted).toBeGreaterThan(0);
    expect(nr.backend.hostBytesInUse()).toBe(before);
  });

  it('readIdx refuses a plain file whose header disagrees with its size before reading it', () => {
    const p = path.join(dir, 'short.idx');
    fs.writeFileSync(p, idx(0x08, [1000], Buffer.alloc(10)));
    expect(() => nr.data.readIdx(p)).toThrow(/^readIdx: .*short\.idx declares shape \[1000\] \(1000 bytes of data\) but holds 10 bytes/);
    fs.writeFileSync(p, idx(0x0c, [3], Buffer.alloc(12)));
    expect(nr.data.readIdx(p).shape).toEqual([3]);
    expect(() => nr.data.readIdx(dir)).toThrow(/^readIdx: cannot read /);
  });
});
