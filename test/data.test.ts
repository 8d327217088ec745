// IDX reader and the bundled Fashion-MNIST sample, including hostile/corrupt files.
import { describe, it, expect } from 'vitest';
import * as zlib from 'zlib';
import * as nr from '../src/index';

function idx(type: number, shape: number[], body: Buffer): Buffer {
  const h = Buffer.alloc(4 + 4 * shape.length);
  h[2] = type; h[3] = shape.length;
  shape.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, body]);
}

describe('IDX reader', () => {
  it('reads the bundled Fashion-MNIST sample', () => {
    const { images, labels } = nr.data.fashionMnist({ source: 'sample' });
    expect(images.shape).toEqual([4000, 28, 28]);
    expect(images.dtype).toBe('uint8');
    expect(labels.shape).toEqual([4000]);
    const l = labels.toFlatArray();
    expect(Math.min(...l)).toBe(0);
    expect(Math.max(...l)).toBe(9);
    const test = nr.data.fashionMnist({ source: 'sample', split: 'test', limit: 10 });
    expect(test.images.shape).toEqual([10, 28, 28]);
  });
  it('parses every element type, big-endian', () => {
    const b = Buffer.alloc(8); b.writeFloatBE(1.5, 0); b.writeFloatBE(-2, 4);
    expect(nr.data.parseIdx(idx(0x0d, [2], b)).toArray()).toEqual([1.5, -2]);
    const s = Buffer.alloc(4); s.writeInt16BE(-300, 0); s.writeInt16BE(7, 2);
    expect(nr.data.parseIdx(zlib.gzipSync(idx(0x0b, [1, 2], s))).toArray()).toEqual([[-300, 7]]);
  });
  it('rejects hostile files with clear errors', () => {
    expect(() => nr.data.parseIdx(Buffer.from([0, 0]))).toThrow(/too short/);
    expect(() => nr.data.parseIdx(Buffer.from([1, 2, 8, 1, 0, 0, 0, 1, 5]))).toThrow(/magic/);
    expect(() => nr.data.parseIdx(idx(0x42, [1], Buffer.alloc(1)))).toThrow(/element type/);
    expect(() => nr.data.parseIdx(idx(0x08, [0xffffffff, 0xffffffff], Buffer.alloc(3)))).toThrow(/declares shape/);
    expect(() => nr.data.parseIdx(idx(0x08, [10], Buffer.alloc(9)))).toThrow(/holds 9 bytes/);
    expect(() => nr.data.parseIdx(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).toThrow(/gzip/);
    expect(() => nr.data.readIdx('/nonexistent/file.gz')).toThrow(/cannot read/);
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.from(Array.from({ length: 4 + (i % 40) }, (_, k) => (k * 7919 + i * 31) & 0xff));
      junk[0] = 0; junk[1] = 0;
      try { nr.data.parseIdx(junk); } catch (e) { expect(String(e)).toMatch(/readIdx/); }
    }
  });
});
