// A random generator with its own seed and counter (torch.Generator), independent of the global
// stream: DataLoader shuffling, randomSplit and augmentations take one so their randomness is
// reproducible without touching nr.manualSeed's stream. Same Philox4x32 kernel as nr.rand/randn.
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, Shape, checkShape } from '../tensor';
import { rand, randint } from '../creation';

const DEFAULT_SEED = 67280421310721;

function checkSeed(s: unknown, op: string): number {
  if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${op}: seed must be a non-negative safe integer, got ${String(s)}`);
  }
  return s;
}

/** A random stream with its own seed (torch.Generator), independent of nr.manualSeed's global stream. */
export class Generator {
  private seed: number;
  private offset = 0;

  /** A generator seeded with `seed` (default: PyTorch's default seed, 67280421310721). */
  constructor(seed: number = DEFAULT_SEED) { this.seed = checkSeed(seed, 'Generator'); }

  /** A generator seeded from the global stream (advancing it), so nr.manualSeed makes it reproducible. */
  static fromGlobal(): Generator {
    const t = randint(0, Number.MAX_SAFE_INTEGER, [1]);
    const s = Number(t.item());
    t.dispose();
    return new Generator(s);
  }

  /** Reseeds and restarts the stream. */
  manualSeed(seed: number): this {
    this.seed = checkSeed(seed, 'Generator.manualSeed');
    this.offset = 0;
    return this;
  }
  initialSeed(): number { return this.seed; }
  getState(): { seed: number; offset: number } { return { seed: this.seed, offset: this.offset }; }
  setState(st: { seed: number; offset: number }): void {
    if (!st || !Number.isInteger(st.offset) || st.offset < 0) throw new RangeError('Generator.setState: bad state');
    this.seed = checkSeed(st.seed, 'Generator.setState');
    this.offset = st.offset;
  }

  private fill(t: Tensor, kind: number, a: number, b: number): Tensor {
    const n = t.numel();
    if (n > 0) {
      args().view(t).num(kind).num(this.seed % 2 ** 32).num(Math.floor(this.seed / 2 ** 32)).num(this.offset).num(a).num(b);
      native().random(t.storage.buf);
    }
    this.offset += Math.ceil(n / 2) + 1;
    return t;
  }

  private float(shape: Shape | number, dtype: 'float32' | 'float64' | undefined, op: string): Tensor {
    const d = dtype ?? 'float32';
    if (d !== 'float32' && d !== 'float64') throw new TypeError(`${op}: dtype must be float32 or float64 (got ${d})`);
    return Tensor.empty(checkShape(typeof shape === 'number' ? [shape] : shape, op), d);
  }

  /** Uniform [0, 1) samples (like nr.rand). */
  rand(shape: Shape | number, o: { dtype?: 'float32' | 'float64' } = {}): Tensor {
    return this.fill(this.float(shape, o.dtype, 'Generator.rand'), 0, 0, 1);
  }
  /** Uniform [low, high) samples. */
  uniform(shape: Shape | number, low: number, high: number, o: { dtype?: 'float32' | 'float64' } = {}): Tensor {
    return this.fill(this.float(shape, o.dtype, 'Generator.uniform'), 0, low, high);
  }
  /** Normal samples (like nr.randn / nr.normal). */
  randn(shape: Shape | number, o: { dtype?: 'float32' | 'float64'; mean?: number; std?: number } = {}): Tensor {
    const std = o.std ?? 1;
    if (!(std >= 0)) throw new RangeError(`Generator.randn: std must be >= 0, got ${std}`);
    return this.fill(this.float(shape, o.dtype, 'Generator.randn'), 1, o.mean ?? 0, std);
  }
  /** int64 samples uniform in [low, high). */
  randint(low: number, high: number, shape: Shape | number): Tensor {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new RangeError(`Generator.randint: need integers low < high, got ${low}, ${high}`);
    return this.fill(Tensor.empty(checkShape(typeof shape === 'number' ? [shape] : shape, 'Generator.randint'), 'int64'), 2, low, high);
  }
  /** n uniform [0, 1) doubles as a plain array of JS numbers. */
  uniforms(n: number): Float64Array {
    const t = this.rand([n], { dtype: 'float64' });
    const out = Float64Array.from(t.data() as Float64Array);
    t.dispose();
    return out;
  }
  /** A random permutation of 0..n-1 (Fisher-Yates over this generator's stream). */
  randperm(n: number): number[] {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`Generator.randperm: n must be a non-negative integer, got ${n}`);
    const u = this.uniforms(n);
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(u[i] * (i + 1)));
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
  }
}

/** Uniform doubles from `gen`, or from the global stream when gen is undefined. */
export function uniformsFrom(n: number, gen?: Generator): Float64Array {
  if (gen) return gen.uniforms(n);
  const t = rand([n], { dtype: 'float64' });
  const out = Float64Array.from(t.data() as Float64Array);
  t.dispose();
  return out;
}
