// DataLoader (torch.utils.data.DataLoader, single process): batches a Dataset with optional
// shuffling from a seeded generator, dropLast and a collate function. Iterate with for...of
// (synchronous) or for await...of (yields to the event loop between batches, awaits async datasets).
import { Dataset, checkDataset } from './dataset';
import { defaultCollate } from './collate';
import { Generator } from './generator';

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
  /** Builds a batch from a list of samples (default: defaultCollate). */
  collateFn?: (samples: T[]) => B;
  /** Shuffle with an independent generator seeded with this value (reproducible, epochs still differ). */
  seed?: number;
  /** Shuffle from this generator. Without seed or generator, each epoch draws a seed from the global stream (nr.manualSeed). */
  generator?: Generator;
  /** Custom order of sample indices, re-read each epoch (excludes shuffle). */
  sampler?: Iterable<number>;
}

/** Batches of a dataset (torch.utils.data.DataLoader): optional seeded shuffling, collation into tensors, sync and async iteration. */
export class DataLoader<T = unknown, B = any> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly collateFn: (samples: T[]) => B;
  readonly generator: Generator | undefined;
  readonly sampler: Iterable<number> | undefined;
  private readonly customCollate: boolean;

  constructor(dataset: Dataset<T>, o: DataLoaderOptions<T, B> = {}) {
    checkDataset(dataset, 'DataLoader');
    this.dataset = dataset;
    const bs = o.batchSize ?? 1;
    if (!Number.isInteger(bs) || bs <= 0) throw new RangeError(`DataLoader: batchSize should be a positive integer, got ${String(bs)}`);
    this.batchSize = bs;
    this.shuffle = !!o.shuffle;
    this.dropLast = !!o.dropLast;
    if (o.collateFn !== undefined && typeof o.collateFn !== 'function') throw new TypeError('DataLoader: collateFn must be a function');
    this.customCollate = o.collateFn !== undefined;
    this.collateFn = o.collateFn ?? ((s: T[]) => defaultCollate(s) as B);
    if (o.seed !== undefined && o.generator) throw new TypeError('DataLoader: give either seed or generator, not both');
    if (o.generator !== undefined && !(o.generator instanceof Generator)) throw new TypeError('DataLoader: generator must be a data.Generator');
    this.generator = o.generator ?? (o.seed !== undefined ? new Generator(o.seed) : undefined);
    if (o.sampler !== undefined) {
      if (this.shuffle) throw new TypeError('DataLoader: sampler option is mutually exclusive with shuffle');
      if (typeof (o.sampler as any)?.[Symbol.iterator] !== 'function') throw new TypeError('DataLoader: sampler must be an iterable of indices');
    }
    this.sampler = o.sampler;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.sampler ? Array.from(this.sampler).length : this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** This epoch's sample order. */
  private order(): number[] {
    if (this.sampler) return Array.from(this.sampler);
    const n = this.dataset.length;
    if (!this.shuffle) return Array.from({ length: n }, (_, i) => i);
    return (this.generator ?? Generator.fromGlobal()).randperm(n);
  }

  /** The index batches of one epoch (drawing this epoch's shuffle). */
  batchIndices(): number[][] {
    const order = this.order();
    const out: number[][] = [];
    for (let s = 0; s < order.length; s += this.batchSize) {
      const b = order.slice(s, s + this.batchSize);
      if (b.length < this.batchSize && this.dropLast) break;
      out.push(b);
    }
    return out;
  }

  private fast(idx: number[]): B | undefined {
    if (this.customCollate || typeof this.dataset.getBatch !== 'function') return undefined;
    return this.dataset.getBatch(idx) as B;
  }

  *[Symbol.iterator](): Iterator<B> {
    for (const idx of this.batchIndices()) {
      const f = this.fast(idx);
      if (f !== undefined) { yield f; continue; }
      const samples = idx.map((i) => this.dataset.get(i));
      if (samples.some((s) => s instanceof Promise)) {
        throw new TypeError('DataLoader: the dataset returned a Promise; iterate with `for await (const batch of loader)`');
      }
      yield this.collateFn(samples as T[]);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    for (const idx of this.batchIndices()) {
      const f = this.fast(idx);
      const batch = f !== undefined ? f : this.collateFn(await Promise.all(idx.map((i) => this.dataset.get(i))));
      yield batch;
      // Let timers and I/O run between batches so a training loop does not starve the event loop.
      await new Promise<void>((r) => setImmediate(r));
    }
  }
}
