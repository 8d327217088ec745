// Property tests for loadCheckpoint on hostile files that pass the checksum: the SHA-256 in a
// checkpoint is an integrity check, not a signature, so an attacker can recompute it. Files are built
// with random state JSON (tags $tensor/$number/$bigint/$undefined/$object used right and wrong, keys
// starting with '$', deep nesting, huge bigints, references to missing or doubly used tensors),
// random format/version metadata, or are byte-level mutations of a real checkpoint; each is re-signed
// and loaded. Every file must load into a consistent state or be refused with a CheckpointError,
// quickly, without leaking tensor memory. (test/checkpoint.test.ts covers unsigned corruption.)
import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'crypto';
import * as nr from '../../src/index';
import { io } from '../../src/index';
import { fcRuns, caseCounts, reportCounts, TIMEOUT } from './gen';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-ckpt-fuzz-'));
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); reportCounts('checkpoint_fuzz'); });

/** Sets the checksum of a checkpoint image the way saveCheckpoint does; false if the field is not found once. */
function resign(buf: Buffer): boolean {
  if (buf.length < 8) return false;
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.length - 8) return false;
  const head = buf.subarray(8, 8 + n);
  const m = /"sha256":"([0-9a-f]{64})"/g;
  const text = head.toString('latin1');
  const hits = [...text.matchAll(m)];
  if (hits.length !== 1) return false;
  const at = 8 + hits[0].index! + '"sha256":"'.length;
  buf.write('0'.repeat(64), at, 'latin1');
  buf.write(createHash('sha256').update(buf).digest('hex'), at, 'latin1');
  return true;
}

/** A checkpoint image: metadata (state JSON text etc.) and F32 tensors of the given sizes. */
function image(meta: Record<string, string>, tensors: [string, number][]): Buffer {
  let off = 0;
  const entries = tensors.map(([name, n]) => { const e = `${JSON.stringify(name)}:{"dtype":"F32","shape":[${n}],"data_offsets":[${off},${off + 4 * n}]}`; off += 4 * n; return e; });
  const md = Object.entries(meta).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
  const json = Buffer.from(`{"__metadata__":{${md}}${entries.length ? ',' : ''}${entries.join(',')}}`);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const data = Buffer.alloc(off);
  for (let i = 0; i < off / 4; i++) data.writeFloatLE(i * 0.5, i * 4);
  return Buffer.concat([len, json, data]);
}

let k = 0;
/** Loads bytes as a checkpoint: the state, or the CheckpointError; anything else fails the property. */
function tryLoad(buf: Buffer): { ok: true; v: any } | { ok: false; e: Error } {
  const p = path.join(dir, `c${k++ % 4}.ckpt`);
  fs.writeFileSync(p, buf);
  const t0 = Date.now();
  try {
    return { ok: true, v: io.loadCheckpoint(p) };
  } catch (e) {
    if (!(e instanceof io.CheckpointError)) throw new Error(`not a CheckpointError: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    expect((e as Error).message).toMatch(/^loadCheckpoint: .* is not a valid checkpoint: /);
    return { ok: false, e: e as Error };
  } finally {
    const ms = Date.now() - t0;
    if (ms > 3000) throw new Error(`loadCheckpoint took ${ms} ms`);
  }
}

/** Tensors anywhere in a loaded state. */
function tensorsIn(v: unknown, out: nr.Tensor[] = [], depth = 0): nr.Tensor[] {
  if (depth > 300 || v === null || typeof v !== 'object') return out;
  if (v instanceof nr.Tensor) { out.push(v); return out; }
  for (const x of Object.values(v)) tensorsIn(x, out, depth + 1);
  return out;
}

// ---- state JSON generator ------------------------------------------------------------------------

const NAMES = ['t0', 't1', 'missing', '__proto__', ''];
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, 1.5, -0, 'str', '$tensor', 1e308),
  fc.record({ $tensor: fc.constantFrom(...NAMES) }),
  fc.record({ $number: fc.constantFrom('NaN', 'Infinity', '-Infinity', '-0', 'nan', '1', '') }),
  fc.record({ $bigint: fc.oneof(fc.constantFrom('12', '-3', '1.5', '', '-', '0x10', '١٢'), fc.integer({ min: 1, max: 20000 }).map((n) => '9'.repeat(n))) }),
  fc.record({ $undefined: fc.constantFrom(true, false, 0) }),
  fc.record({ $object: fc.constantFrom(1, null, [1]) }),
);
const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('arr'), tie('obj'), tie('tagged')),
  arr: fc.array(tie('node'), { maxLength: 3 }),
  obj: fc.dictionary(fc.constantFrom('a', 'b', '$x', '__proto__', 'constructor', 'model', '$tensor'), tie('node'), { maxKeys: 3 }),
  tagged: fc.record({ $object: tie('obj') }),
})).node;
const deep = fc.integer({ min: 150, max: 260 }).map((d) => '['.repeat(d) + '1' + ']'.repeat(d));

describe('re-signed hostile checkpoints', { timeout: TIMEOUT }, () => {
  it('random state JSON and metadata: a consistent state or a CheckpointError', () => {
    const arb = fc.record({
      state: fc.oneof({ weight: 8, arbitrary: tree.map((t) => JSON.stringify({ root: t })) }, { weight: 1, arbitrary: deep.map((d) => `{"x":${d}}`) },
        { weight: 1, arbitrary: fc.constantFrom('', '{', '[]', 'null', '{"a":1,"a":2}', '{"$tensor":"t0"}') }),
      format: fc.constantFrom('neurona.checkpoint', 'neurona.checkpoint', 'other'),
      version: fc.constantFrom('1', '1', '2', ''),
      tensors: fc.subarray([['t0', 3], ['t1', 0]] as [string, number][]),
    });
    const before = nr.backend.hostBytesInUse();
    let tried = 0, accepted = 0;
    fc.assert(fc.property(arb, ({ state, format, version, tensors }) => {
      tried++;
      const buf = image({ format, version, state, sha256: 'f'.repeat(64) }, tensors);
      expect(resign(buf)).toBe(true);
      const r = tryLoad(buf);
      if (r.ok) {
        accepted++;
        // every tensor in the file is referenced exactly once
        const ts = tensorsIn(r.v);
        expect(ts.length).toBe(tensors.length);
        for (const t of ts) t.dispose();
      }
    }), fcRuns(300));
    caseCounts().set('ckptState', tried);
    expect(accepted).toBeGreaterThan(0);
    expect(nr.backend.hostBytesInUse()).toBe(before);
  });

  it('byte-level mutations of a real checkpoint, re-signed: a consistent state or a CheckpointError', () => {
    const file = path.join(dir, 'good.ckpt');
    nr.manualSeed(1);
    io.saveCheckpoint(file, { model: { w: nr.randn([3, 2]), b: nr.zeros([2], { dtype: 'int64' }) }, epoch: 3, extra: { big: 12345678901234567890n, nan: NaN, list: [1, undefined, '$x'] } });
    const good = fs.readFileSync(file);
    const n = Number(good.readBigUInt64LE(0));
    const mut = fc.record({
      kind: fc.constantFrom('flip', 'set', 'splice', 'cut', 'dup'),
      pos: fc.nat(), len: fc.integer({ min: 1, max: 40 }), byte: fc.integer({ min: 0, max: 255 }),
      inHeader: fc.boolean(),
    });
    const before = nr.backend.hostBytesInUse();
    let tried = 0, accepted = 0, resigned = 0;
    fc.assert(fc.property(fc.array(mut, { minLength: 1, maxLength: 4 }), (muts) => {
      tried++;
      let buf = Buffer.from(good);
      for (const m of muts) {
        const lim = m.inHeader ? Math.min(buf.length, 8 + n) : buf.length;
        const p = lim ? m.pos % lim : 0;
        if (m.kind === 'flip') buf[p] ^= 1 << (m.byte % 8);
        else if (m.kind === 'set') buf[p] = m.byte;
        else if (m.kind === 'splice') buf = Buffer.concat([buf.subarray(0, p), Buffer.alloc(m.len, m.byte), buf.subarray(p)]);
        else if (m.kind === 'cut') buf = Buffer.concat([buf.subarray(0, p), buf.subarray(p + m.len)]);
        else buf = Buffer.concat([buf.subarray(0, p), buf.subarray(p, p + m.len), buf.subarray(p)]);
      }
      if (resign(buf)) resigned++;
      const r = tryLoad(buf);
      if (r.ok) { accepted++; for (const t of tensorsIn(r.v)) t.dispose(); }
    }), fcRuns(300));
    caseCounts().set('ckptBytes', tried);
    expect(resigned).toBeGreaterThan(tried / 4);
    // a flip inside tensor data is legitimate once re-signed (whether random mutations hit the data
    // region depends on the seed, so this is checked on a fixed case and counted only as information)
    caseCounts().set('ckptBytesAccepted', accepted);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 0x10;
    expect(resign(flipped)).toBe(true);
    const r = tryLoad(flipped);
    expect(r.ok).toBe(true);
    if (r.ok) for (const t of tensorsIn(r.v)) t.dispose();
    expect(nr.backend.hostBytesInUse()).toBe(before);
  });

  it('regression: a $bigint of 20000 digits is refused at once (parsing it is quadratic: 10^7 digits took minutes)', () => {
    const buf = image({ format: 'neurona.checkpoint', version: '1', state: `{"x":{"$bigint":"${'9'.repeat(20000)}"}}`, sha256: '0'.repeat(64) }, []);
    resign(buf);
    const r = tryLoad(buf);
    expect(r.ok).toBe(false);
    expect((r as { e: Error }).e.message).toMatch(/\$bigint has 20000 characters, more than the 4096 digits allowed/);
    expect(() => io.saveCheckpoint(path.join(dir, 'big.ckpt'), { x: 10n ** 5000n })).toThrow(/^saveCheckpoint: x is a bigint of more than 4096 digits/);
    const ok = path.join(dir, 'ok.ckpt');
    io.saveCheckpoint(ok, { x: -(10n ** 4095n) });
    expect(io.loadCheckpoint(ok).x).toBe(-(10n ** 4095n));
  });
});
