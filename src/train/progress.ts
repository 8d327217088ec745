// Training progress output. verbose 0: nothing; 1: on a TTY a one-line bar per epoch (loss, metrics,
// steps/s, ETA) redrawn in place, otherwise one plain line per epoch; 2: one plain line per epoch.
// Plain output never contains ANSI escape codes.

/** Where progress goes: anything with write(); isTTY and columns are read when present. */
export interface ProgressStream { write(s: string): unknown; isTTY?: boolean; columns?: number; }

/** Formats a log value: 4 significant decimals, or scientific for tiny/huge values. */
export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

/** Formats seconds as 1.2s, 3m04s or 1h02m. */
export function fmtDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${s.toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function fmtLogs(logs: Record<string, number>): string {
  return Object.entries(logs).filter(([k]) => k !== 'lr').map(([k, v]) => `${k} ${fmtValue(v)}`).join('  ');
}

/** Draws per-epoch progress for fit(). */
export class ProgressBar {
  private readonly tty: boolean;
  private epochStart = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly stream: ProgressStream, private readonly verbose: 0 | 1 | 2, private readonly epochs: number,
    private readonly steps: number | undefined, private readonly redrawMs = 100) {
    this.tty = !!stream.isTTY && verbose === 1;
  }

  epochBegin(): void {
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.drawn = false;
  }

  /** After each batch: redraws the bar on a TTY (at most every redrawMs). */
  batchEnd(epoch: number, step: number, logs: Record<string, number>): void {
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.lastDraw < this.redrawMs && step !== this.steps) return;
    this.lastDraw = now;
    const elapsed = (now - this.epochStart) / 1000;
    const rate = elapsed > 0 ? step / elapsed : 0;
    const width = 24;
    let bar = '';
    if (this.steps) {
      const done = Math.min(width, Math.floor((step / this.steps) * width));
      bar = `[${'='.repeat(Math.max(0, done - 1))}${done ? (done === width ? '=' : '>') : ''}${'.'.repeat(width - done)}] ${step}/${this.steps}`;
    } else bar = `${step} steps`;
    const eta = this.steps && rate > 0 ? `ETA ${fmtDuration((this.steps - step) / rate)}` : '';
    let line = `epoch ${epoch}/${this.epochs} ${bar}  ${fmtLogs(logs)}  ${rate.toFixed(1)} steps/s ${eta}`.trimEnd();
    const cols = this.stream.columns;
    if (cols && line.length >= cols) line = line.slice(0, cols - 1);
    this.stream.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  /** At the end of an epoch: the final line with all logs (train and validation). */
  epochEnd(epoch: number, steps: number, logs: Record<string, number>): void {
    if (this.verbose === 0) return;
    const elapsed = (performance.now() - this.epochStart) / 1000;
    const rate = elapsed > 0 ? steps / elapsed : 0;
    const line = `epoch ${epoch}/${this.epochs}  ${steps} steps  ${fmtLogs(logs)}  ${fmtDuration(elapsed)} ${rate.toFixed(1)} steps/s`;
    this.stream.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
    this.drawn = false;
  }

  /** Ends a half-drawn line (e.g. when training stops with an error mid-epoch). */
  close(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
