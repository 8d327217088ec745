// Training checkpoints: model, optimizer and scheduler state, RNG state, epoch/step and user data in
// one file, written atomically and verified on load.
//
// Container: a safetensors file (so any safetensors reader can list and read its tensors). Every
// tensor in the state (model weights, optimizer moments, ...) is stored as a safetensors tensor named
// by its path ("model.fc.weight", "optimizer.state.0.exp_avg"); everything else is JSON in the
// header's "__metadata__":
//   format  "neurona.checkpoint"
//   version "1"
//   state   the state tree as JSON, each tensor replaced by {"$tensor": name}; values JSON cannot hold
//           are tagged: {"$number": "NaN" | "Infinity" | "-Infinity" | "-0"}, {"$bigint": "123"},
//           {"$undefined": true}; a user object with a key starting with "$" is wrapped as
//           {"$object": {...}} so it is never mistaken for a tag
//   sha256  SHA-256 (hex) of the whole file as written with these 64 characters set to '0': it covers
//           the length prefix, the header (metadata and tensor entries) and every data byte.
// Saving writes a temporary file in the target's directory, fsyncs it, renames it over the target and
// fsyncs the directory (fileio.ts), so a crash at any point leaves the previous checkpoint intact.
import * as fs from 'fs';
import { createHash } from 'crypto';
import { Tensor, isTensor } from '../tensor';
import type { OptimizerStateDict } from '../optim/optimizer';
import type { SchedulerStateDict } from '../optim/scheduler_base';
import { planWrite, writePlan, readHeaderFd, readTensorsFd, openForRead, setEntry, SafetensorsError } from './safetensors';
import { writeFileAtomic, writeFully } from './fileio';
import { parseJsonStrict, isJsonObject, JsonValue, JsonSyntaxError } from './json';

/** A checkpoint that is corrupt, truncated, or not a neurona checkpoint. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** What a checkpoint holds. Any other keys (plain data and tensors) are saved and restored too. */
export interface Checkpoint {
  /** A model's state dict (Module.stateDict()). */
  model?: Record<string, Tensor>;
  /** optimizer.stateDict() */
  optimizer?: OptimizerStateDict;
  /** scheduler.stateDict() */
  scheduler?: SchedulerStateDict;
  /** nr.getRngState() */
  rng?: { seed: number; offset: number };
  epoch?: number;
  step?: number;
  /** Anything else: plain objects, arrays, numbers, strings, booleans, null, bigints and tensors. */
  extra?: unknown;
  [key: string]: unknown;
}

/** The format tag stored in every checkpoint file. */
export const CHECKPOINT_FORMAT = 'neurona.checkpoint';
/** The checkpoint format version this build writes. */
export const CHECKPOINT_VERSION = '1';
const ZERO_SUM = '0'.repeat(64);
const MAX_DEPTH = 200;
const SPECIAL_NUMBERS = new Map([['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity], ['-0', -0]]);
const TAGS = new Set(['$tensor', '$number', '$bigint', '$undefined', '$object']);

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const name = Object.getPrototypeOf(v)?.constructor?.name;
  return name ? `a ${name}` : 'an object';
}

/** The state tree as JSON, collecting its tensors under unique path names. */
function encode(root: Checkpoint, tensors: Map<string, Tensor>): JsonValue {
  const stack = new Set<object>();
  const nameFor = (path: string[]) => {
    const base = path.join('.');
    let name = base, i = 1;
    while (tensors.has(name)) name = `${base}~${i++}`;
    return name;
  };
  const enc = (v: unknown, path: string[]): JsonValue => {
    const where = () => (path.length ? path.join('.') : 'the state');
    if (path.length > MAX_DEPTH) throw new RangeError(`saveCheckpoint: ${where()} is nested more than ${MAX_DEPTH} levels deep`);
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return { $number: 'NaN' };
      if (v === Infinity || v === -Infinity) return { $number: String(v) };
      if (Object.is(v, -0)) return { $number: '-0' };
      return v;
    }
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (v === undefined) return { $undefined: true };
    if (isTensor(v)) {
      v._check('saveCheckpoint');
      const name = nameFor(path);
      tensors.set(name, v);
      return { $tensor: name };
    }
    if (typeof v !== 'object') throw new TypeError(`saveCheckpoint: ${where()} is a ${typeof v}; checkpoints hold plain data and tensors only`);
    const proto = Object.getPrototypeOf(v);
    const isArray = Array.isArray(v);
    if (!isArray && proto !== Object.prototype && proto !== null) {
      throw new TypeError(`saveCheckpoint: ${where()} is ${describeValue(v)}; checkpoints hold plain objects, arrays, numbers, strings, booleans, null, bigints and tensors (convert it, e.g. a Map with Object.fromEntries)`);
    }
    if (stack.has(v)) throw new TypeError(`saveCheckpoint: ${where()} refers back to one of its parents (circular structure)`);
    stack.add(v);
    try {
      if (isArray) return Array.from(v as unknown[], (x, i) => enc(x, [...path, String(i)]));
      const out: { [k: string]: JsonValue } = {};
      let tagged = false;
      for (const [k, x] of Object.entries(v)) {
        if (k.startsWith('$')) tagged = true;
        setEntry(out, k, enc(x, [...path, k]));
      }
      return tagged ? { $object: out } : out;
    } finally {
      stack.delete(v);
    }
  };
  return enc(root, []);
}

/** Rebuilds the state tree from its JSON, taking tensors from `tensors` (each must be used exactly once). */
function decode(json: JsonValue, tensors: Record<string, Tensor>, bad: (msg: string) => Error): Checkpoint {
  const used = new Set<string>();
  const dec = (v: JsonValue, path: string): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x, i) => dec(x, `${path}.${i}`));
    const keys = Object.keys(v);
    if (keys.length === 1 && TAGS.has(keys[0])) {
      const tag = keys[0], x = v[tag];
      if (tag === '$object') {
        if (!isJsonObject(x)) throw bad(`${path}: malformed $object`);
        return decObject(x, path);
      }
      if (tag === '$undefined') return undefined;
      if (typeof x !== 'string') throw bad(`${path}: malformed ${tag} tag`);
      if (tag === '$number') {
        if (!SPECIAL_NUMBERS.has(x)) throw bad(`${path}: unknown $number ${JSON.stringify(x)}`);
        return SPECIAL_NUMBERS.get(x);
      }
      if (tag === '$bigint') {
        if (!/^-?[0-9]+$/.test(x)) throw bad(`${path}: malformed $bigint`);
        return BigInt(x);
      }
      if (!Object.prototype.hasOwnProperty.call(tensors, x)) throw bad(`${path}: tensor ${JSON.stringify(x)} is missing from the file`);
      if (used.has(x)) throw bad(`${path}: tensor ${JSON.stringify(x)} is referenced twice`);
      used.add(x);
      return tensors[x];
    }
    if (keys.some((k) => k.startsWith('$'))) throw bad(`${path}: unexpected key starting with '$'`);
    return decObject(v, path);
  };
  const decObject = (o: { [k: string]: JsonValue }, path: string) => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) setEntry(out, k, dec(o[k], path ? `${path}.${k}` : k));
    return out;
  };
  if (!isJsonObject(json)) throw bad('the state is not an object');
  const out = dec(json, '') as Checkpoint;
  const unused = Object.keys(tensors).filter((k) => !used.has(k));
  if (unused.length) throw bad(`tensor(s) ${unused.slice(0, 3).map((k) => JSON.stringify(k)).join(', ')} are not referenced by the state`);
  return out;
}

/**
 * Saves a training checkpoint to `path` atomically: the previous file at `path` stays intact until the
 * new one is completely written and synced to disk. Typical state:
 * `{ model: model.stateDict(), optimizer: opt.stateDict(), scheduler: sched.stateDict(),
 *    rng: nr.getRngState(), epoch, step, extra: {...} }`. Tensors are written as they are now (views
 * written contiguously); plain data is stored exactly (NaN, Infinity, -0 and bigints included).
 */
export function saveCheckpoint(path: string, state: Checkpoint): void {
  if (typeof path !== 'string') throw new TypeError(`saveCheckpoint: path must be a string, got ${typeof path}`);
  if (state === null || typeof state !== 'object' || Array.isArray(state) || isTensor(state)) {
    throw new TypeError(`saveCheckpoint: state must be an object such as { model, optimizer, scheduler, rng, epoch, step }, got ${describeValue(state)}`);
  }
  const tensors = new Map<string, Tensor>();
  const tree = encode(state, tensors);
  const metadata = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, state: JSON.stringify(tree), sha256: ZERO_SUM };
  const plan = planWrite(tensors, metadata, 'saveCheckpoint');
  const at = sumPosition(plan.head.subarray(8), ZERO_SUM);
  if (at < 0) throw new Error('saveCheckpoint: internal error: checksum field not found in the header');
  writeFileAtomic(path, (fd) => {
    const hash = createHash('sha256');
    writePlan(fd, plan, (b) => hash.update(b));
    writeFully(fd, Buffer.from(hash.digest('hex'), 'latin1'), 8 + at);
  });
}

/**
 * Byte offset (within the JSON header) of the checksum's 64 hex digits, or -1 unless the field
 * occurs exactly once. The pattern `"sha256":"` cannot occur inside a JSON string (its quotes would be
 * escaped), so only the metadata key itself can match.
 */
function sumPosition(json: Uint8Array, hex: string): number {
  const pat = Buffer.from(`"sha256":"${hex}"`, 'latin1');
  const buf = Buffer.from(json.buffer, json.byteOffset, json.length);
  const i = buf.indexOf(pat);
  if (i < 0 || buf.indexOf(pat, i + 1) >= 0) return -1;
  return i + pat.length - 65;
}

/**
 * Loads a checkpoint written by saveCheckpoint, verifying it first: the file's structure, its format
 * and version, and the SHA-256 over all of its bytes. A truncated, corrupt or foreign file throws a
 * CheckpointError saying so; nothing is returned from a file that fails verification.
 */
export function loadCheckpoint(path: string): Checkpoint {
  const op = 'loadCheckpoint';
  const bad = (msg: string) => new CheckpointError(`${op}: ${path} is not a valid checkpoint: ${msg}`);
  const fd = openForRead(path, op);
  let tensors: Record<string, Tensor> | null = null;
  try {
    const headBytes: Uint8Array[] = [];
    let header;
    try {
      header = readHeaderFd(fd, path, op, (b) => headBytes.push(b.slice()));
    } catch (e) {
      if (e instanceof SafetensorsError) throw bad(`${e.message.replace(/^.*? is not a valid safetensors file: /, '')} (the file is truncated or corrupt)`);
      throw e;
    }
    const md = header.metadata;
    if (!md || md.format !== CHECKPOINT_FORMAT) {
      throw bad(`it has no "format": "${CHECKPOINT_FORMAT}" metadata (a plain safetensors file? load it with io.load)`);
    }
    if (md.version !== CHECKPOINT_VERSION) throw bad(`format version ${JSON.stringify(md.version)} is not supported (this neurona reads version ${CHECKPOINT_VERSION})`);
    const recorded = md.sha256;
    if (typeof recorded !== 'string' || !/^[0-9a-f]{64}$/.test(recorded)) throw bad('the sha256 field is missing or malformed');
    if (typeof md.state !== 'string') throw bad('the state field is missing');
    const [prefix, json] = headBytes;
    const at = sumPosition(json, recorded);
    if (at < 0) throw bad('the sha256 field is not where the writer puts it');
    const zeroed = Buffer.from(json);
    zeroed.write(ZERO_SUM, at, 'latin1');
    const hash = createHash('sha256').update(prefix).update(zeroed);
    tensors = readTensorsFd(fd, header, path, op, (b) => hash.update(b));
    const actual = hash.digest('hex');
    if (actual !== recorded) throw bad(`checksum mismatch (recorded sha256 ${recorded}, the file's is ${actual}): the file is corrupt`);
    let tree: JsonValue;
    try {
      tree = parseJsonStrict(md.state, MAX_DEPTH + 2);
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw bad(`the state JSON is malformed: ${e.message}`);
      throw e;
    }
    const out = decode(tree, tensors, (msg) => bad(`the state is inconsistent: ${msg}`));
    tensors = null;
    return out;
  } finally {
    if (tensors) for (const t of Object.values(tensors)) t.dispose();
    fs.closeSync(fd);
  }
}
