// Datasets: the Dataset interface (length + get(i)), TensorDataset over tensors that share their
// first dimension, Subset, MapDataset (a per-sample transform), and randomSplit.
import { Tensor, isTensor, fmtShape } from '../tensor';
import { Generator } from './generator';

/** A map-style dataset: `length` samples, `get(i)` returns sample i (or a Promise of it). */
export interface Dataset<T = unknown> {
  readonly length: number;
  get(index: number): T | Promise<T>;
  /** Optional fast path: the collated batch for these indices (DataLoader uses it with the default collate). */
  getBatch?(indices: number[]): unknown;
}

function checkIndex(i: number, n: number, op: string): number {
  if (!Number.isInteger(i)) throw new TypeError(`${op}: index must be an integer, got ${String(i)}`);
  const j = i < 0 ? i + n : i;
  if (j < 0 || j >= n) throw new RangeError(`${op}: index ${i} is out of range for a dataset of length ${n}`);
  return j;
}

/** Rows of several tensors, indexed along dim 0 (torch.utils.data.TensorDataset); get(i) returns [t0[i], t1[i], ...]. */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new RangeError('TensorDataset: needs at least one tensor');
    tensors.forEach((t, i) => {
      if (!isTensor(t)) throw new TypeError(`TensorDataset: argument ${i} is not a tensor`);
      t._check('TensorDataset');
      if (t.ndim === 0) throw new RangeError(`TensorDataset: tensor ${i} is 0-dimensional; samples are indexed along dim 0`);
    });
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) throw new RangeError(`TensorDataset: size mismatch between tensors (tensor 0 has ${n} rows, tensor ${i} has shape ${fmtShape(t.shape)})`);
    });
    this.tensors = tensors;
  }
  get length(): number { return this.tensors[0].shape[0]; }
  /** Views of row i of every tensor (no copy). */
  get(index: number): Tensor[] {
    const i = checkIndex(index, this.length, 'TensorDataset.get');
    return this.tensors.map((t) => t.select(0, i));
  }
  /** One new tensor per source tensor holding the rows `indices` (a memcpy per row). */
  getBatch(indices: number[]): Tensor[] {
    const n = this.length;
    const idx = indices.map((i) => checkIndex(i, n, 'TensorDataset.getBatch'));
    return this.tensors.map((t) => gatherRows(t, idx));
  }
}

/** out[k] = t[idx[k]] along dim 0. */
export function gatherRows(t: Tensor, idx: number[]): Tensor {
  t._check('gatherRows');
  const rest = t.shape.slice(1);
  const out = Tensor.empty([idx.length, ...rest], t.dtype);
  const row = rest.reduce((a, b) => a * b, 1);
  if (t.isContiguous()) {
    const src = t.data() as any, dst = out.data() as any;
    for (let k = 0; k < idx.length; k++) dst.set(src.subarray(idx[k] * row, (idx[k] + 1) * row), k * row);
  } else {
    for (let k = 0; k < idx.length; k++) {
      const d = out.select(0, k), s = t.select(0, idx[k]);
      d.copy_(s);
      d.dispose(); s.dispose();
    }
  }
  return out;
}

/** The samples of `dataset` at `indices` (torch.utils.data.Subset). */
export class Subset<T = unknown> implements Dataset<T> {
  readonly indices: number[];
  constructor(readonly dataset: Dataset<T>, indices: ArrayLike<number>) {
    checkDataset(dataset, 'Subset');
    const n = dataset.length;
    this.indices = Array.from(indices, (i) => checkIndex(i, n, 'Subset'));
  }
  get length(): number { return this.indices.length; }
  get(index: number): T | Promise<T> { return this.dataset.get(this.indices[checkIndex(index, this.length, 'Subset.get')]); }
  getBatch?(indices: number[]): unknown;
}
Object.defineProperty(Subset.prototype, 'getBatch', {
  // Present only when the wrapped dataset has it, so DataLoader can detect the fast path.
  get(this: Subset<any>) {
    const inner = this.dataset.getBatch;
    if (typeof inner !== 'function') return undefined;
    return (indices: number[]) => inner.call(this.dataset, indices.map((i) => this.indices[checkIndex(i, this.length, 'Subset.getBatch')]));
  },
  configurable: true,
});

/** A dataset whose samples are fn(sample, index) of another dataset (apply a per-sample transform lazily). */
export class MapDataset<T, U> implements Dataset<U> {
  constructor(readonly dataset: Dataset<T>, readonly fn: (sample: T, index: number) => U) {
    checkDataset(dataset, 'MapDataset');
    if (typeof fn !== 'function') throw new TypeError('MapDataset: fn must be a function');
  }
  get length(): number { return this.dataset.length; }
  get(index: number): U | Promise<U> {
    const s = this.dataset.get(index);
    return s instanceof Promise ? s.then((x) => this.fn(x, index)) : this.fn(s, index);
  }
}

export function checkDataset(d: unknown, op: string): void {
  if (!d || typeof d !== 'object' || typeof (d as any).get !== 'function' || !Number.isInteger((d as any).length) || (d as any).length < 0) {
    throw new TypeError(`${op}: expected a dataset (an object with an integer length and a get(i) method)`);
  }
}

export interface RandomSplitOptions {
  /** Seed for an independent generator (reproducible without touching the global stream). */
  seed?: number;
  /** Generator to draw the permutation from; default: a seed drawn from the global stream. */
  generator?: Generator;
}

/**
 * Splits a dataset into non-overlapping random subsets (torch.utils.data.random_split). `lengths` are
 * sizes summing to the dataset length, or fractions summing to 1 (floors, remainder handed out one
 * by one from the first subset).
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: number[], o: RandomSplitOptions = {}): Subset<T>[] {
  checkDataset(dataset, 'randomSplit');
  const n = dataset.length;
  if (!Array.isArray(lengths) || lengths.length === 0) throw new TypeError('randomSplit: lengths must be a non-empty array');
  let sizes = lengths.slice();
  const total = sizes.reduce((a, b) => a + b, 0);
  if (sizes.every((f) => typeof f === 'number' && f >= 0 && f <= 1) && Math.abs(total - 1) < 1e-9 && total <= 1 + 1e-12) {
    sizes = lengths.map((f) => Math.floor(n * f));
    const rem = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < rem; i++) sizes[i % sizes.length] += 1;
  }
  sizes.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 0) throw new RangeError(`randomSplit: length ${i} must be a non-negative integer or a fraction, got ${lengths[i]}`);
  });
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum !== n) throw new RangeError(`randomSplit: sum of input lengths (${sum}) does not equal the length of the input dataset (${n})`);
  if (o.seed !== undefined && o.generator) throw new TypeError('randomSplit: give either seed or generator, not both');
  const gen = o.generator ?? (o.seed !== undefined ? new Generator(o.seed) : Generator.fromGlobal());
  const perm = gen.randperm(n);
  const out: Subset<T>[] = [];
  let off = 0;
  for (const s of sizes) { out.push(new Subset(dataset, perm.slice(off, off + s))); off += s; }
  return out;
}
