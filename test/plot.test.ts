// train.plotHistory (SVG and HTML well-formed, one panel per quantity, train and validation lines) and
// train.saveImageGrid / encodePng (the PNG is parsed back here with zlib: signature, chunk CRCs, size,
// colour type, filter bytes and pixel values).
import { describe, it, expect } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as nr from '../src/index';

const { train } = nr;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-plot-'));

/** A strict little XML well-formedness check: balanced tags, quoted attributes, known entities. */
function checkXml(src: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  const body = src.replace(/^<\?xml[^?]*\?>\s*/, '').replace(/^<!DOCTYPE html>\s*/i, '');
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!amp;|lt;|gt;|quot;|#\d+;)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    if (m[0] === '<') throw new Error(`stray '<' at ${m.index}: ${body.slice(m.index, m.index + 40)}`);
    if (m[0].startsWith('&')) throw new Error(`bad entity at ${m.index}`);
    const [, close, name, , self] = m;
    if (close) {
      const top = stack.pop();
      if (top !== name) throw new Error(`</${name}> closes <${top}>`);
    } else if (!self && !['meta'].includes(name)) { stack.push(name); names.push(name); }
    else names.push(name);
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(', ')}`);
  return names;
}

function history() {
  const h = new train.History();
  const loss = [1.2, 0.8, 0.6, 0.5], acc = [0.6, 0.7, 0.78, 0.8];
  loss.forEach((l, i) => h.push({ epoch: i + 1, loss: l, metrics: { accuracy: acc[i] }, valLoss: l + 0.1, valMetrics: { accuracy: acc[i] - 0.05 }, lr: 0.01 }));
  return h;
}

describe('plotHistory', () => {
  it('writes a well-formed SVG and an HTML page with the SVG inline', () => {
    const files = train.plotHistory(history(), path.join(tmp, 'curves'), { title: 'MLP <test> & co' });
    expect(files).toEqual([path.join(tmp, 'curves.svg'), path.join(tmp, 'curves.html')]);
    const svg = fs.readFileSync(files[0], 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    const names = checkXml(svg);
    expect(names[0]).toBe('svg');
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('MLP &lt;test&gt; &amp; co');
    // two panels (loss, accuracy; constant lr is not drawn), each with a train and a validation line
    expect((svg.match(/<polyline/g) ?? []).length).toBe(4);
    expect(svg).toContain('>loss</text>');
    expect(svg).toContain('>accuracy</text>');
    expect(svg).toContain('>validation</text>');
    // every polyline has 4 points with finite coordinates inside the canvas
    const [, W, H] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    for (const pl of svg.match(/points="([^"]*)"/g)!) {
      const pts = pl.slice(8, -1).split(' ').map((p) => p.split(',').map(Number));
      expect(pts.length).toBe(4);
      for (const [x, y] of pts) { expect(x).toBeGreaterThanOrEqual(0); expect(x).toBeLessThanOrEqual(W); expect(y).toBeGreaterThanOrEqual(0); expect(y).toBeLessThanOrEqual(H); }
    }
    // lower loss is drawn higher up the y axis is inverted: epoch 4 (0.5) below epoch 1 (1.2) in value => larger y
    const first = svg.match(/points="([^"]*)"/)![1].split(' ').map((p) => p.split(',').map(Number));
    expect(first[3][1]).toBeGreaterThan(first[0][1]);
    const html = fs.readFileSync(files[1], 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const hn = checkXml(html);
    expect(hn.slice(0, 3)).toEqual(['html', 'head', 'meta']);
    expect(html).toContain('<svg xmlns=');
    expect(html).not.toMatch(/<script|src=|href=/);
  });

  it('a .svg or .html path writes that file; varying lr gets its own panel; epoch records work', () => {
    const h = history();
    h.epochs.forEach((r, i) => (r.lr = 0.1 / (i + 1)));
    const [f] = train.plotHistory(h.epochs, path.join(tmp, 'one.svg'));
    expect(fs.existsSync(path.join(tmp, 'one.html'))).toBe(false);
    const svg = fs.readFileSync(f, 'utf8');
    checkXml(svg);
    expect(svg).toContain('>lr</text>');
    expect((svg.match(/<polyline/g) ?? []).length).toBe(5);
    const [g] = train.plotHistory(h, path.join(tmp, 'one.html'));
    checkXml(fs.readFileSync(g, 'utf8'));
    expect(() => train.plotHistory(h, '')).toThrow(/path/);
  });

  it('handles a single epoch and missing validation', () => {
    const h = new train.History();
    h.push({ epoch: 1, loss: 0.3, metrics: {} });
    const svg = train.historySvg(h);
    checkXml(svg);
    expect((svg.match(/<polyline/g) ?? []).length).toBe(1);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});

/** Parses a PNG: checks signature and CRCs, inflates IDAT, undoes filter 0 rows. */
function decodePng(buf: Buffer) {
  expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let off = 8;
  const chunks: { type: string; data: Buffer }[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    const crc = buf.readUInt32BE(off + 8 + len);
    expect(crc).toBe(zlib.crc32 ? zlib.crc32(buf.subarray(off + 4, off + 8 + len)) : train.crc32(buf.subarray(off + 4, off + 8 + len)));
    chunks.push({ type, data });
    off += 12 + len;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const ihdr = chunks[0].data;
  const width = ihdr.readUInt32BE(0), height = ihdr.readUInt32BE(4), depth = ihdr[8], colorType = ihdr[9];
  const channels = { 0: 1, 4: 2, 2: 3, 6: 4 }[colorType as 0 | 2 | 4 | 6]!;
  const raw = zlib.inflateSync(chunks[1].data);
  expect(raw.length).toBe(height * (width * channels + 1));
  const px = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * channels + 1)]).toBe(0);
    raw.copy(px, y * width * channels, y * (width * channels + 1) + 1, (y + 1) * (width * channels + 1));
  }
  return { width, height, depth, colorType, channels, px };
}

describe('PNG', () => {
  it('crc32 matches the standard check value', () => {
    expect(train.crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('saveImageGrid lays out grayscale images with padding and decodes back', () => {
    // 5 images of 3x4, image i has value (i + 1) / 10 except pixel (1, 2) = 1
    const imgs = nr.zeros([5, 1, 3, 4]);
    for (let i = 0; i < 5; i++) { imgs.select(0, i).fill_((i + 1) / 10); imgs.select(0, i).select(0, 0).select(0, 1).select(0, 2).fill_(1); }
    const file = path.join(tmp, 'grid.png');
    train.saveImageGrid(imgs, file, { nrow: 3, padding: 1, padValue: 0.5 });
    const d = decodePng(fs.readFileSync(file));
    expect([d.width, d.height, d.depth, d.colorType]).toEqual([3 * 5 + 1, 2 * 4 + 1, 8, 0]);
    const at = (x: number, y: number) => d.px[y * d.width + x];
    expect(at(0, 0)).toBe(128);                       // padding
    for (let i = 0; i < 5; i++) {
      const gx = 1 + (i % 3) * 5, gy = 1 + Math.floor(i / 3) * 4;
      expect(at(gx, gy)).toBe(Math.round(((i + 1) / 10) * 255));
      expect(at(gx + 2, gy + 1)).toBe(255);
      expect(at(gx + 4, gy)).toBe(128);               // column of padding after each image
    }
    expect(at(1 + 2 * 5, 1 + 4)).toBe(128);           // empty slot in the last row is padding
  });

  it('RGB images, clamping, and a (C, H, W) tensor', () => {
    const img = nr.tensor([[[2, -1]], [[0.5, 0]], [[0, 1]]]); // (3, 1, 2): pixel0 = (1, .5, 0) clamped, pixel1 = (0, 0, 1)
    const file = path.join(tmp, 'rgb.png');
    const bytes = train.saveImageGrid(img, file, { padding: 0 });
    const d = decodePng(bytes);
    expect([d.width, d.height, d.colorType]).toEqual([2, 1, 2]);
    expect([...d.px]).toEqual([255, 128, 0, 0, 0, 255]);
    expect(() => train.saveImageGrid(nr.zeros([2, 2, 3, 3]), file)).toThrow(/channels/);
    expect(() => train.saveImageGrid(nr.zeros([2, 1, 2, 3, 3]), file)).toThrow(/N, C, H, W/);
    expect(() => train.encodePng(new Uint8Array(5), 2, 2, 1)).toThrow(/expected 4 bytes/);
  });
});
