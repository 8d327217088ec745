// Dependency-free figures: plotHistory writes the training curves (loss and each metric, train vs
// validation, one panel each) as a self-contained SVG or an HTML page with the SVG inline;
// saveImageGrid writes an (N, C, H, W) float tensor in [0, 1] as a PNG grid (zlib from Node's stdlib,
// filter-0 scanlines, IHDR/IDAT/IEND chunks with CRC-32).
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { Tensor, isTensor, fmtShape } from '../tensor';
import { History, EpochRecord } from './history';

const COLORS = { train: '#1f77b4', val: '#ff7f0e' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Rounds a number for tick labels. */
function tick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

/** "Nice" axis bounds and ticks covering [lo, hi]. */
function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 1; hi += Math.abs(hi) * 0.1 || 1; }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1] < hi) out.push(out[out.length - 1] + step);
  return out;
}

interface Series { name: string; color: string; xs: number[]; ys: number[]; }

function panel(title: string, series: Series[], x0: number, y0: number, w: number, h: number): string {
  const m = { l: 52, r: 12, t: 26, b: 34 };
  const pts = series.flatMap((s) => s.xs.map((x, i) => [x, s.ys[i]])).filter(([, y]) => Number.isFinite(y));
  const parts: string[] = [`<g transform="translate(${x0},${y0})">`, `<text x="${w / 2}" y="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  if (!pts.length) { parts.push(`<text x="${w / 2}" y="${h / 2}" text-anchor="middle">no data</text></g>`); return parts.join('\n'); }
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const xMin = Math.min(...xs), xMax = Math.max(...xs);
  const yt = niceTicks(Math.min(...ys), Math.max(...ys));
  const yMin = yt[0], yMax = yt[yt.length - 1];
  const pw = w - m.l - m.r, ph = h - m.t - m.b;
  const sx = (x: number) => m.l + (xMax === xMin ? pw / 2 : ((x - xMin) / (xMax - xMin)) * pw);
  const sy = (y: number) => m.t + ph - ((y - yMin) / (yMax - yMin)) * ph;
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  for (const v of yt) {
    const y = sy(v).toFixed(1);
    parts.push(`<line x1="${m.l}" y1="${y}" x2="${m.l + pw}" y2="${y}" stroke="#eee"/><text x="${m.l - 4}" y="${y}" text-anchor="end" dominant-baseline="middle">${tick(v)}</text>`);
  }
  const xStep = Math.max(1, Math.ceil((xMax - xMin + 1) / 8));
  for (let v = xMin; v <= xMax; v += xStep) {
    parts.push(`<text x="${sx(v).toFixed(1)}" y="${m.t + ph + 14}" text-anchor="middle">${tick(v)}</text>`);
  }
  parts.push(`<text x="${m.l + pw / 2}" y="${h - 4}" text-anchor="middle">epoch</text>`);
  series.forEach((s, k) => {
    const p = s.xs.map((x, i) => [x, s.ys[i]]).filter(([, y]) => Number.isFinite(y));
    if (!p.length) return;
    const d = p.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${d}"/>`);
    for (const [x, y] of p) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    const ly = m.t + 10 + k * 14;
    parts.push(`<line x1="${m.l + pw - 70}" y1="${ly}" x2="${m.l + pw - 56}" y2="${ly}" stroke="${s.color}" stroke-width="2"/><text x="${m.l + pw - 52}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

export interface PlotOptions { title?: string; panelWidth?: number; panelHeight?: number; columns?: number; }

/** The training curves of a History (or its epoch records) as an SVG document string. */
export function historySvg(history: History | EpochRecord[], o: PlotOptions = {}): string {
  const h = history instanceof History ? history : Object.assign(new History(), { epochs: history });
  if (!(h instanceof History) || !Array.isArray(h.epochs)) throw new TypeError('plotHistory: expected a History or an array of epoch records');
  const keys = h.keys().filter((k) => k !== 'lr' && !k.startsWith('val_'));
  if (h.keys().includes('lr') && new Set(h.series('lr')).size > 1) keys.push('lr');
  if (!keys.length) keys.push('loss');
  const pw = o.panelWidth ?? 420, ph = o.panelHeight ?? 260, cols = Math.min(o.columns ?? 2, keys.length);
  const rows = Math.ceil(keys.length / cols), top = o.title ? 30 : 0;
  const W = cols * pw, H = rows * ph + top;
  const epochsX = h.epochs.map((r) => r.epoch);
  const body = keys.map((k, i) => {
    const series: Series[] = [{ name: k === 'lr' ? 'lr' : 'train', color: COLORS.train, xs: epochsX, ys: h.series(k) }];
    if (k !== 'lr') {
      const v = h.series(`val_${k}`);
      if (v.some(Number.isFinite)) series.push({ name: 'validation', color: COLORS.val, xs: epochsX, ys: v });
    }
    return panel(k, series, (i % cols) * pw, top + Math.floor(i / cols) * ph, pw, ph);
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    o.title ? `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>` : '',
    ...body,
    '</svg>',
    '',
  ].filter((l) => l !== '').join('\n') + '\n';
}

/**
 * Writes the training curves: `x.svg` as a standalone SVG, `x.html` as a page with the SVG inline,
 * any other name as both `name.svg` and `name.html`. Returns the paths written.
 */
export function plotHistory(history: History | EpochRecord[], file: string, o: PlotOptions = {}): string[] {
  if (typeof file !== 'string' || !file) throw new TypeError('plotHistory: path must be a non-empty string');
  const svg = historySvg(history, o);
  const ext = path.extname(file).toLowerCase();
  const targets = ext === '.svg' ? [file] : ext === '.html' || ext === '.htm' ? [file] : [`${file}.svg`, `${file}.html`];
  for (const t of targets) {
    const dir = path.dirname(t);
    if (dir && !fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
    if (t.toLowerCase().endsWith('.svg')) fs.writeFileSync(t, `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`);
    else {
      const title = esc(o.title ?? 'Training history');
      fs.writeFileSync(t, `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n${svg}</body>\n</html>\n`);
    }
  }
  return targets;
}

// ---- PNG ---------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, as PNG uses). */
export function crc32(buf: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes 8-bit pixels (row-major, channels interleaved: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) as a PNG. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 2 | 3 | 4): Buffer {
  if (![1, 2, 3, 4].includes(channels)) throw new RangeError(`encodePng: channels must be 1, 2, 3 or 4, got ${channels}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`encodePng: bad size ${width}x${height}`);
  if (pixels.length !== width * height * channels) throw new RangeError(`encodePng: expected ${width * height * channels} bytes for ${width}x${height}x${channels}, got ${pixels.length}`);
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter type 0 (None)
    Buffer.from(pixels.buffer, pixels.byteOffset + y * stride, stride).copy(raw, y * (stride + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = [0, 0, 4, 2, 6][channels]; // colour type
  ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', new Uint8Array(0)),
  ]);
}

export interface ImageGridOptions {
  /** Images per row (default 8). */
  nrow?: number;
  /** Pixels between images and around the grid (default 2). */
  padding?: number;
  /** Value of the padding, in [0, 1] (default 0). */
  padValue?: number;
}

/**
 * Arranges an (N, C, H, W) float tensor with values in [0, 1] (clamped) into a grid of nrow images
 * per row (like torchvision's make_grid) and writes it as a PNG: gray for C = 1, RGB for C = 3
 * (RGBA for 4). (C, H, W) and (H, W) tensors are one image. Returns the PNG bytes.
 */
export function saveImageGrid(images: Tensor, file: string, o: ImageGridOptions = {}): Buffer {
  const op = 'saveImageGrid';
  if (!isTensor(images)) throw new TypeError(`${op}: expected a tensor`);
  let shape = images.shape;
  if (shape.length === 2) shape = [1, 1, ...shape];
  else if (shape.length === 3) shape = [1, ...shape];
  if (shape.length !== 4) throw new RangeError(`${op}: expected an (N, C, H, W) tensor, got shape ${fmtShape(images.shape)}`);
  const [n, c, h, w] = shape;
  if (![1, 3, 4].includes(c)) throw new RangeError(`${op}: expected 1, 3 or 4 channels, got shape ${fmtShape(images.shape)}`);
  if (n === 0 || h === 0 || w === 0) throw new RangeError(`${op}: nothing to draw (shape ${fmtShape(images.shape)})`);
  const nrow = Math.min(o.nrow ?? 8, n), pad = o.padding ?? 2, padByte = Math.round(Math.min(1, Math.max(0, o.padValue ?? 0)) * 255);
  if (!Number.isInteger(nrow) || nrow < 1) throw new RangeError(`${op}: nrow must be a positive integer, got ${o.nrow}`);
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`${op}: padding must be an integer >= 0, got ${o.padding}`);
  const values = images.toFlatArray();
  const rows = Math.ceil(n / nrow);
  const W = nrow * (w + pad) + pad, H = rows * (h + pad) + pad;
  const px = new Uint8Array(W * H * c).fill(padByte);
  for (let i = 0; i < n; i++) {
    const gx = pad + (i % nrow) * (w + pad), gy = pad + Math.floor(i / nrow) * (h + pad);
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * h * w;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = values[base + y * w + x];
          px[((gy + y) * W + gx + x) * c + ch] = Number.isNaN(v) ? 0 : Math.round(Math.min(1, Math.max(0, v)) * 255);
        }
      }
    }
  }
  const png = encodePng(px, W, H, c as 1 | 3 | 4);
  const dir = path.dirname(file);
  if (dir && !fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, png);
  return png;
}
