// History: what fit() returns, one record per epoch (loss, metrics, validation loss/metrics, lr,
// seconds), plus the flat per-epoch logs that callbacks see ('loss', 'accuracy', 'val_loss',
// 'val_accuracy', 'lr').

/** One epoch of training. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  loss: number;
  metrics: Record<string, number>;
  valLoss?: number;
  valMetrics?: Record<string, number>;
  /** Learning rate of the first parameter group during the epoch. */
  lr?: number;
  /** Wall-clock seconds of the epoch (training and validation). */
  seconds?: number;
}

/** Flat per-epoch logs as callbacks see them. */
export type Logs = Record<string, number>;

/** Accepts 'valLoss'/'valAccuracy' as well as 'val_loss'/'val_accuracy'. */
export function normalizeKey(key: string): string {
  const m = /^val([A-Z])(.*)$/.exec(key);
  return m ? `val_${m[1].toLowerCase()}${m[2]}` : key;
}

/** The record for a set of flat logs. */
export function recordFromLogs(epoch: number, logs: Logs, seconds?: number): EpochRecord {
  const rec: EpochRecord = { epoch, loss: logs.loss, metrics: {} };
  for (const [k, v] of Object.entries(logs)) {
    if (k === 'loss' || k === 'lr') continue;
    if (k === 'val_loss') rec.valLoss = v;
    else if (k.startsWith('val_')) (rec.valMetrics ??= {})[k.slice(4)] = v;
    else rec.metrics[k] = v;
  }
  if (logs.lr !== undefined) rec.lr = logs.lr;
  if (seconds !== undefined) rec.seconds = seconds;
  return rec;
}

/** The training history returned by fit(). */
export class History {
  /** One record per completed epoch, in order. */
  readonly epochs: EpochRecord[] = [];

  /** Appends an epoch. */
  push(rec: EpochRecord): void { this.epochs.push(rec); }

  /** Number of completed epochs. */
  get length(): number { return this.epochs.length; }

  /** The flat logs of epoch record i. */
  logs(i: number): Logs {
    const r = this.epochs[i];
    const out: Logs = { loss: r.loss, ...r.metrics };
    if (r.valLoss !== undefined) out.val_loss = r.valLoss;
    for (const [k, v] of Object.entries(r.valMetrics ?? {})) out[`val_${k}`] = v;
    if (r.lr !== undefined) out.lr = r.lr;
    return out;
  }

  /** Every logged key ('loss', 'accuracy', 'val_loss', ..., 'lr'), in first-seen order. */
  keys(): string[] {
    const ks = new Set<string>();
    for (let i = 0; i < this.epochs.length; i++) for (const k of Object.keys(this.logs(i))) ks.add(k);
    return [...ks];
  }

  /** The per-epoch values of one key ('loss', 'val_accuracy' or 'valAccuracy', 'lr'); NaN where missing. */
  series(key: string): number[] {
    const k = normalizeKey(key);
    return this.epochs.map((_, i) => this.logs(i)[k] ?? NaN);
  }

  /** Plain JSON: { epochs: [...] }. */
  toJSON(): { epochs: EpochRecord[] } { return { epochs: this.epochs.map((r) => ({ ...r })) }; }
}
