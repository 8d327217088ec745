// Feature scaling fitted on training data (like scikit-learn's StandardScaler and MinMaxScaler):
// statistics per feature over dim 0 of an (N, ...) tensor, applied unchanged to validation/test data.
import { Tensor, fmtShape, isTensor } from '../tensor';
import { noGrad } from '../autograd';
import { tidy, keep } from '../scope';
import { isFloat } from '../dtype';
import { where } from '../ops/binary';

function checkX(x: unknown, op: string): Tensor {
  if (!isTensor(x)) throw new TypeError(`${op}: expected a tensor, got ${x === null ? 'null' : typeof x}`);
  x._check(op);
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: expected a float tensor (got ${x.dtype}); convert with .to('float32')`);
  if (x.ndim < 1) throw new RangeError(`${op}: expected an (N, features...) tensor, got shape ${fmtShape(x.shape)}`);
  return x;
}

function checkFitted(stat: Tensor | null, x: Tensor, op: string): Tensor {
  if (!stat) throw new Error(`${op}: the scaler is not fitted yet; call fit(trainData) first`);
  const want = stat.shape, got = x.shape.slice(1);
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new RangeError(`${op}: input has per-sample shape ${fmtShape(got)}, the scaler was fitted on ${fmtShape(want)}`);
  }
  return stat;
}

/** (x - mean) / std per feature; std is the population std (ddof 0), and a zero std is replaced by 1. */
export class StandardScaler {
  mean: Tensor | null = null;
  std: Tensor | null = null;

  /** Computes mean and std over dim 0 of the training data. */
  fit(x: Tensor): this {
    checkX(x, 'StandardScaler.fit');
    if (x.shape[0] === 0) throw new RangeError('StandardScaler.fit: cannot fit on 0 samples');
    this.mean?.dispose(); this.std?.dispose();
    [this.mean, this.std] = noGrad(() => tidy(() => {
      const m = x.mean(0);
      const s = x.sub(m).square().mean(0).sqrt();
      return [keep(m), keep(where(s.eq(0), 1, s))];
    }));
    return this;
  }
  transform(x: Tensor): Tensor {
    checkX(x, 'StandardScaler.transform');
    const m = checkFitted(this.mean, x, 'StandardScaler.transform'), s = this.std!;
    return noGrad(() => tidy(() => x.sub(m.to(x.dtype)).div(s.to(x.dtype))));
  }
  fitTransform(x: Tensor): Tensor { return this.fit(x).transform(x); }
  inverseTransform(x: Tensor): Tensor {
    checkX(x, 'StandardScaler.inverseTransform');
    const m = checkFitted(this.mean, x, 'StandardScaler.inverseTransform'), s = this.std!;
    return noGrad(() => tidy(() => x.mul(s.to(x.dtype)).add(m.to(x.dtype))));
  }
  stateDict(): { mean: Tensor; std: Tensor } {
    if (!this.mean || !this.std) throw new Error('StandardScaler.stateDict: the scaler is not fitted yet');
    return { mean: this.mean.clone(), std: this.std.clone() };
  }
  loadStateDict(sd: { mean: Tensor; std: Tensor }): void {
    if (!sd || !isTensor(sd.mean) || !isTensor(sd.std)) throw new TypeError('StandardScaler.loadStateDict: expected { mean, std } tensors');
    this.mean = keep(sd.mean.clone());
    this.std = keep(sd.std.clone());
  }
}

/** Scales each feature linearly so the training data spans featureRange (default [0, 1]); constant features map to the range's low end. */
export class MinMaxScaler {
  min: Tensor | null = null;
  max: Tensor | null = null;
  readonly featureRange: [number, number];
  constructor(o: { featureRange?: [number, number] } = {}) {
    const r = o.featureRange ?? [0, 1];
    if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || r[0] >= r[1]) {
      throw new RangeError(`MinMaxScaler: featureRange must be [min, max] with min < max, got ${JSON.stringify(r)}`);
    }
    this.featureRange = [r[0], r[1]];
  }
  fit(x: Tensor): this {
    checkX(x, 'MinMaxScaler.fit');
    if (x.shape[0] === 0) throw new RangeError('MinMaxScaler.fit: cannot fit on 0 samples');
    this.min?.dispose(); this.max?.dispose();
    [this.min, this.max] = noGrad(() => tidy(() => [keep(x.amin(0)), keep(x.amax(0))]));
    return this;
  }
  /** (x - min) / (max - min) * (hi - lo) + lo, with max - min = 0 treated as 1. */
  transform(x: Tensor): Tensor {
    checkX(x, 'MinMaxScaler.transform');
    const mn = checkFitted(this.min, x, 'MinMaxScaler.transform');
    const [lo, hi] = this.featureRange;
    return noGrad(() => tidy(() => {
      const range = this.max!.sub(mn);
      const safe = where(range.eq(0), 1, range);
      return x.sub(mn.to(x.dtype)).div(safe.to(x.dtype)).mul(hi - lo).add(lo);
    }));
  }
  fitTransform(x: Tensor): Tensor { return this.fit(x).transform(x); }
  inverseTransform(x: Tensor): Tensor {
    checkX(x, 'MinMaxScaler.inverseTransform');
    const mn = checkFitted(this.min, x, 'MinMaxScaler.inverseTransform');
    const [lo, hi] = this.featureRange;
    return noGrad(() => tidy(() => {
      const range = this.max!.sub(mn);
      const safe = where(range.eq(0), 1, range);
      return x.sub(lo).div(hi - lo).mul(safe.to(x.dtype)).add(mn.to(x.dtype));
    }));
  }
  stateDict(): { min: Tensor; max: Tensor } {
    if (!this.min || !this.max) throw new Error('MinMaxScaler.stateDict: the scaler is not fitted yet');
    return { min: this.min.clone(), max: this.max.clone() };
  }
  loadStateDict(sd: { min: Tensor; max: Tensor }): void {
    if (!sd || !isTensor(sd.min) || !isTensor(sd.max)) throw new TypeError('MinMaxScaler.loadStateDict: expected { min, max } tensors');
    this.min = keep(sd.min.clone());
    this.max = keep(sd.max.clone());
  }
}

/** Fits a StandardScaler on `train` and applies it to train and each of `others`. */
export function standardize(train: Tensor, others: Tensor[] = []): { scaler: StandardScaler; data: Tensor[] } {
  const scaler = new StandardScaler().fit(train);
  return { scaler, data: [train, ...others].map((t) => scaler.transform(t)) };
}

/** Fits a MinMaxScaler on `train` and applies it to train and each of `others`. */
export function minMaxScale(train: Tensor, others: Tensor[] = [], o: { featureRange?: [number, number] } = {}): { scaler: MinMaxScaler; data: Tensor[] } {
  const scaler = new MinMaxScaler(o).fit(train);
  return { scaler, data: [train, ...others].map((t) => scaler.transform(t)) };
}
