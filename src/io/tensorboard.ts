// TensorBoard logging (torch.utils.tensorboard.SummaryWriter): scalars, groups of scalars,
// histograms and text, written to `events.out.tfevents.<time>.<host>.<pid>.<n>` files that TensorBoard
// reads. Each file is a sequence of TFRecords
//   [u64 length LE][u32 masked CRC-32C of the length bytes][data][u32 masked CRC-32C of data]
// whose data is a protobuf Event, hand-encoded here (protobuf.ts) with the field numbers of
// tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto:
//   Event          { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary        { repeated Value value = 1; }
//   Summary.Value  { string tag = 1; float simple_value = 2; HistogramProto histo = 5;
//                    TensorProto tensor = 8; SummaryMetadata metadata = 9; }
//   HistogramProto { double min = 1, max = 2, num = 3, sum = 4, sum_squares = 5;
//                    repeated double bucket_limit = 6 [packed]; repeated double bucket = 7 [packed]; }
//   SummaryMetadata { PluginData plugin_data = 1; }   PluginData { string plugin_name = 1; bytes content = 2; }
//   TensorProto    { DataType dtype = 1; TensorShapeProto tensor_shape = 2; repeated bytes string_val = 8; }
//   TensorShapeProto { repeated Dim dim = 2; }   Dim { int64 size = 1; }
// Records are queued and written by flush(), every `maxQueue` records, every `flushSecs` seconds,
// on close() and at process exit.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Tensor, isTensor } from '../tensor';
import { ProtoWriter } from './protobuf';
import { maskedCrc32c } from './crc32c';
import { writeFully } from './fileio';

/** Options of SummaryWriter. */
export interface SummaryWriterOptions {
  /** Seconds between automatic flushes of queued records (default 120, as PyTorch). */
  flushSecs?: number;
  /** Queued records that trigger a flush (default 10, as PyTorch). */
  maxQueue?: number;
  /** Appended to each event file name. */
  filenameSuffix?: string;
}

/** Options of addHistogram. */
export interface HistogramOptions {
  /**
   * 'tensorflow' (default): TensorFlow's fixed exponential buckets (limits +-1e-12 * 1.1^k up to 1e20,
   * empty runs collapsed), as tf.summary.histogram v1 and PyTorch's default; a number: that many
   * equal-width buckets between the minimum and the maximum.
   */
  bins?: 'tensorflow' | number;
  walltime?: number;
}

const DT_STRING = 7;

/** TensorFlow's default histogram bucket limits (tensorflow/core/lib/histogram/histogram.cc). */
const TF_LIMITS: Float64Array = (() => {
  const pos: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) pos.push(v);
  pos.push(Number.MAX_VALUE);
  const neg = pos.map((v) => -v).reverse();
  return Float64Array.from([...neg, 0, ...pos]);
})();

/** The HistogramProto fields for finite `values`. */
function histogram(values: Float64Array, bins: 'tensorflow' | number, op: string): ProtoWriter {
  const n = values.length;
  if (n === 0) throw new RangeError(`${op}: the values are empty; a histogram needs at least one value`);
  let min = Infinity, max = -Infinity, sum = 0, sumSq = 0, bad = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) { bad++; continue; }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSq += v * v;
  }
  if (bad) throw new RangeError(`${op}: ${bad} of ${n} values are NaN or infinite; TensorBoard histograms need finite values`);
  let limits: number[];
  let counts: number[];
  if (bins === 'tensorflow') {
    const c = new Float64Array(TF_LIMITS.length);
    for (let i = 0; i < n; i++) {
      // upper_bound: the first limit greater than v
      const v = values[i];
      let lo = 0, hi = TF_LIMITS.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (TF_LIMITS[mid] > v) hi = mid; else lo = mid + 1;
      }
      c[Math.min(lo, c.length - 1)]++;
    }
    // Histogram::EncodeToProto without preserve_zero_buckets: a run of empty buckets becomes one
    limits = [];
    counts = [];
    for (let i = 0; i < c.length;) {
      let end = TF_LIMITS[i];
      const count = c[i++];
      if (count <= 0) while (i < c.length && c[i] <= 0) end = TF_LIMITS[i++];
      limits.push(end);
      counts.push(count);
    }
  } else {
    if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`${op}: bins must be 'tensorflow' or a positive integer, got ${String(bins)}`);
    const width = (max - min) / bins;
    counts = new Array<number>(bins).fill(0);
    for (let i = 0; i < n; i++) {
      const k = width > 0 ? Math.floor((values[i] - min) / width) : 0;
      counts[Math.min(Math.max(k, 0), bins - 1)]++;
    }
    limits = counts.map((_, i) => (i === bins - 1 ? max : min + (i + 1) * width));
  }
  return new ProtoWriter().double(1, min).double(2, max).double(3, n).double(4, sum).double(5, sumSq)
    .packedDoubles(6, limits).packedDoubles(7, counts);
}

/** One event file: a queue of framed records and the file they go to. */
class EventFile {
  readonly path: string;
  private fd: number;
  private queue: Uint8Array[] = [];

  constructor(dir: string, suffix: string, private readonly maxQueue: number) {
    fs.mkdirSync(dir, { recursive: true });
    const host = os.hostname().replace(/[/\\]/g, '_') || 'localhost';
    const stamp = String(Math.floor(Date.now() / 1000)).padStart(10, '0');
    this.path = path.join(dir, `events.out.tfevents.${stamp}.${host}.${process.pid}.${fileCounter++}${suffix}`);
    this.fd = fs.openSync(this.path, 'wx');
    this.add(new ProtoWriter().double(1, Date.now() / 1000).string(3, 'brain.Event:2'));
    this.flush();
  }

  /** Frames and queues one Event message. */
  add(event: ProtoWriter): void {
    const data = event.finish();
    const rec = new Uint8Array(data.length + 16);
    const dv = new DataView(rec.buffer);
    dv.setBigUint64(0, BigInt(data.length), true);
    dv.setUint32(8, maskedCrc32c(rec.subarray(0, 8)), true);
    rec.set(data, 12);
    dv.setUint32(12 + data.length, maskedCrc32c(data), true);
    this.queue.push(rec);
    if (this.queue.length >= this.maxQueue) this.flush();
  }

  flush(): void {
    if (this.fd < 0 || this.queue.length === 0) return;
    const all = Buffer.concat(this.queue);
    this.queue = [];
    writeFully(this.fd, all);
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

let fileCounter = 0;
const open = new Set<SummaryWriter>();
let exitHooked = false;

/** Writes the queued records of every open SummaryWriter; runs at process exit (registered by the first writer). */
export function flushAllWriters(): void {
  for (const w of open) {
    try { w.flush(); } catch { /* at exit there is no one left to report to */ }
  }
}

function scalarOf(v: unknown, op: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isTensor(v)) {
    v._check(op);
    if (v.numel() !== 1) throw new RangeError(`${op}: expected a number or a one-element tensor, got a tensor of shape [${v.shape.join(', ')}]`);
    return Number(v.item());
  }
  throw new TypeError(`${op}: expected a number or a one-element tensor, got ${v === null ? 'null' : typeof v}`);
}

/**
 * Writes TensorBoard event files into `logDir` (default `runs/<date>_<host>`, like PyTorch); view them
 * with `tensorboard --logdir runs`. Call close() when done (queued records are also written at exit).
 */
export class SummaryWriter {
  readonly logDir: string;
  private readonly opts: Required<SummaryWriterOptions>;
  private main: EventFile;
  private children = new Map<string, EventFile>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(logDir?: string, opts: SummaryWriterOptions = {}) {
    if (logDir !== undefined && (typeof logDir !== 'string' || logDir === '')) throw new TypeError('SummaryWriter: logDir must be a non-empty string');
    const flushSecs = opts.flushSecs ?? 120, maxQueue = opts.maxQueue ?? 10;
    if (!(flushSecs > 0)) throw new RangeError(`SummaryWriter: flushSecs must be > 0, got ${flushSecs}`);
    if (!Number.isInteger(maxQueue) || maxQueue < 1) throw new RangeError(`SummaryWriter: maxQueue must be a positive integer, got ${maxQueue}`);
    const suffix = opts.filenameSuffix ?? '';
    if (typeof suffix !== 'string' || /[/\\]/.test(suffix)) throw new TypeError('SummaryWriter: filenameSuffix must be a string without path separators');
    this.opts = { flushSecs, maxQueue, filenameSuffix: suffix };
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    this.logDir = logDir ?? path.join('runs', `${stamp}_${os.hostname()}`);
    this.main = new EventFile(this.logDir, suffix, maxQueue);
    this.timer = setInterval(() => this.flush(), flushSecs * 1000);
    this.timer.unref?.();
    open.add(this);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', flushAllWriters);
    }
  }

  /** Path of the main event file. */
  get file(): string { return this.main.path; }

  private check(op: string, tag: unknown, step: unknown, walltime: unknown): void {
    if (this.closed) throw new Error(`SummaryWriter.${op}: the writer is closed`);
    if (typeof tag !== 'string' || tag === '') throw new TypeError(`SummaryWriter.${op}: tag must be a non-empty string, got ${JSON.stringify(tag)}`);
    if (step !== undefined && (typeof step !== 'number' || !Number.isSafeInteger(step))) {
      throw new TypeError(`SummaryWriter.${op}: step must be an integer, got ${String(step)}`);
    }
    if (walltime !== undefined && (typeof walltime !== 'number' || !Number.isFinite(walltime))) {
      throw new TypeError(`SummaryWriter.${op}: walltime must be a finite number of seconds, got ${String(walltime)}`);
    }
  }

  private event(file: EventFile, value: ProtoWriter, step: number | undefined, walltime: number | undefined): void {
    const ev = new ProtoWriter().double(1, walltime ?? Date.now() / 1000);
    if (step) ev.int(2, step);
    ev.message(5, new ProtoWriter().message(1, value));
    file.add(ev);
  }

  /** Logs one scalar (stored as float32, like TensorFlow's simple_value). */
  addScalar(tag: string, value: number | Tensor, step?: number, walltime?: number): void {
    this.check('addScalar', tag, step, walltime);
    const v = scalarOf(value, 'SummaryWriter.addScalar');
    this.event(this.main, new ProtoWriter().string(1, tag).float(2, v), step, walltime);
  }

  /**
   * Logs several scalars on one chart: each goes to its own event file under
   * `<logDir>/<mainTag>_<key>` with tag `mainTag` (PyTorch's layout), so TensorBoard draws them as
   * runs on the same chart.
   */
  addScalars(mainTag: string, values: Record<string, number | Tensor>, step?: number, walltime?: number): void {
    this.check('addScalars', mainTag, step, walltime);
    if (values === null || typeof values !== 'object') throw new TypeError('SummaryWriter.addScalars: values must be an object of name -> number');
    const entries = Object.entries(values).map(([k, v]) => {
      if (k === '' || /[/\\]/.test(k) || k === '.' || k === '..') throw new TypeError(`SummaryWriter.addScalars: key ${JSON.stringify(k)} cannot name a run directory`);
      return [k, scalarOf(v, 'SummaryWriter.addScalars')] as const;
    });
    for (const [k, v] of entries) {
      const dir = path.join(this.logDir, `${mainTag.replace(/\//g, '_')}_${k}`);
      let f = this.children.get(dir);
      if (!f) { f = new EventFile(dir, this.opts.filenameSuffix, this.opts.maxQueue); this.children.set(dir, f); }
      this.event(f, new ProtoWriter().string(1, mainTag).float(2, v), step, walltime);
    }
  }

  /** Logs the distribution of a tensor's (or array's) values; NaN and infinities are an error. */
  addHistogram(tag: string, values: Tensor | ArrayLike<number>, step?: number, opts: HistogramOptions = {}): void {
    this.check('addHistogram', tag, step, opts.walltime);
    const op = 'SummaryWriter.addHistogram';
    let flat: Float64Array;
    if (isTensor(values)) flat = Float64Array.from(values._check(op).toFlatArray());
    else if (values && typeof values === 'object' && typeof (values as ArrayLike<number>).length === 'number') flat = Float64Array.from(values as ArrayLike<number>, Number);
    else throw new TypeError(`${op}: values must be a tensor or an array of numbers`);
    const histo = histogram(flat, opts.bins ?? 'tensorflow', op);
    this.event(this.main, new ProtoWriter().string(1, tag).message(5, histo), step, opts.walltime);
  }

  /** Logs text (shown in TensorBoard's Text tab; Markdown is rendered), under `<tag>/text_summary` like PyTorch. */
  addText(tag: string, text: string, step?: number, walltime?: number): void {
    this.check('addText', tag, step, walltime);
    if (typeof text !== 'string') throw new TypeError(`SummaryWriter.addText: text must be a string, got ${typeof text}`);
    const meta = new ProtoWriter().message(1, new ProtoWriter().string(1, 'text'));
    const tensor = new ProtoWriter().int(1, DT_STRING)
      .message(2, new ProtoWriter().message(2, new ProtoWriter().int(1, 1)))
      .string(8, text);
    this.event(this.main, new ProtoWriter().string(1, `${tag}/text_summary`).message(9, meta).message(8, tensor), step, walltime);
  }

  /** Writes every queued record to disk. */
  flush(): void {
    this.main.flush();
    for (const f of this.children.values()) f.flush();
  }

  /** Flushes and closes the event files; later add* calls throw. Closing twice is a no-op. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    open.delete(this);
    this.main.close();
    for (const f of this.children.values()) f.close();
  }

  [Symbol.dispose](): void { this.close(); }
}
