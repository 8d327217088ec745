// Transforms for inputs: toFloat, normalize, image augmentation on (C,H,W) or (N,C,H,W) tensors
// (randomCrop with padding, random horizontal/vertical flips, Gaussian noise, each sample drawn
// independently) and compose. A transform is a function Tensor -> Tensor; none records autograd.
import { Tensor, fmtShape, isTensor } from '../tensor';
import { noGrad } from '../autograd';
import { tidy } from '../scope';
import { isFloat } from '../dtype';
import { Generator, uniformsFrom } from './generator';
import { fromArray, randn } from '../creation';

/** A transform: takes a tensor (or sample) and returns the transformed one. */
export type Transform<I = Tensor, O = Tensor> = (x: I) => O;

function checkTensor(x: unknown, op: string): Tensor {
  if (!isTensor(x)) throw new TypeError(`${op}: expected a tensor, got ${x === null ? 'null' : typeof x}`);
  return x._check(op);
}

/** Images as (N, C, H, W): a 3-D input is treated as one sample. Returns the 4-D view and whether to squeeze back. */
function asBatch(x: Tensor, op: string): [Tensor, boolean] {
  checkTensor(x, op);
  if (x.ndim === 4) return [x, false];
  if (x.ndim === 3) return [x.unsqueeze(0), true];
  throw new RangeError(`${op}: expected a (C, H, W) or (N, C, H, W) tensor, got shape ${fmtShape(x.shape)}`);
}

/**
 * Converts to float32: uint8 images are scaled to [0, 1] (divided by 255, like torchvision's ToTensor
 * without the HWC->CHW permute); other integer and bool tensors are cast; float tensors are returned as is.
 */
export function toFloat(x: Tensor, o: { scale?: boolean } = {}): Tensor {
  checkTensor(x, 'toFloat');
  if (isFloat(x.dtype)) return x;
  return noGrad(() => {
    const f = x.to('float32');
    if (x.dtype === 'uint8' && (o.scale ?? true)) { f.div_(255); }
    return f;
  });
}

/**
 * Normalize(mean, std): (x - mean) / std per channel. For inputs of 3 or more dims the channel dim
 * is the third from the end ((C,H,W) or (N,C,H,W), as torchvision); for 1-D/2-D inputs it is the last
 * (features). mean/std are numbers or one value per channel.
 */
export function normalize(mean: number | number[], std: number | number[]): Transform {
  const m = Array.isArray(mean) ? mean.slice() : [mean];
  const s = Array.isArray(std) ? std.slice() : [std];
  for (const v of [...m, ...s]) if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError('normalize: mean and std must be finite numbers');
  if (s.some((v) => v === 0)) throw new RangeError(`normalize: std evaluated to zero after conversion (std ${JSON.stringify(std)}), leading to division by zero`);
  if (m.length !== s.length && m.length !== 1 && s.length !== 1) throw new RangeError(`normalize: mean has ${m.length} values but std has ${s.length}`);
  return (x: Tensor) => {
    checkTensor(x, 'normalize');
    if (!isFloat(x.dtype)) throw new TypeError(`normalize: input should be a float tensor (got ${x.dtype}); use toFloat first`);
    const cdim = x.ndim >= 3 ? x.ndim - 3 : x.ndim - 1;
    const c = x.ndim === 0 ? 1 : x.shape[cdim];
    const n = Math.max(m.length, s.length);
    if (n !== 1 && n !== c) throw new RangeError(`normalize: ${n} mean/std values for ${c} channels (input shape ${fmtShape(x.shape)})`);
    const shape = x.ndim === 0 ? [] : [n, ...new Array(x.ndim - 1 - cdim).fill(1)];
    return noGrad(() => tidy(() => {
      const mt = fromArray(n === 1 ? [m[0]] : m.length === 1 ? new Array(n).fill(m[0]) : m, shape.length ? shape : [1], { dtype: x.dtype });
      const st = fromArray(n === 1 ? [s[0]] : s.length === 1 ? new Array(n).fill(s[0]) : s, shape.length ? shape : [1], { dtype: x.dtype });
      const r = x.sub(mt).div(st);
      return x.ndim === 0 ? r.reshape([]) : r;
    }));
  };
}

export interface RandomCropOptions {
  /** Zero-padding (or `fill`) added on every side before cropping: one number, or [vertical, horizontal]. */
  padding?: number | [number, number];
  /** Value of the padding (default 0). */
  fill?: number;
  /** Only 'constant' is implemented. */
  paddingMode?: 'constant';
  /** Generator for the crop offsets (default: the global stream). */
  generator?: Generator;
}

/** RandomCrop(size, {padding}): a random (h, w) window of each (padded) image; every sample gets its own offset. */
export function randomCrop(size: number | [number, number], o: RandomCropOptions = {}): Transform {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (![h, w].every((v) => Number.isInteger(v) && v > 0)) throw new RangeError(`randomCrop: size must be a positive integer or [h, w], got ${JSON.stringify(size)}`);
  const [ph, pw] = typeof o.padding === 'number' || o.padding === undefined ? [o.padding ?? 0, o.padding ?? 0] : o.padding;
  if (![ph, pw].every((v) => Number.isInteger(v) && v >= 0)) throw new RangeError(`randomCrop: padding must be a non-negative integer or [vertical, horizontal], got ${JSON.stringify(o.padding)}`);
  if (o.paddingMode !== undefined && o.paddingMode !== 'constant') throw new Error(`randomCrop: paddingMode '${String(o.paddingMode)}' is not implemented (only 'constant')`);
  const fill = o.fill ?? 0;
  return (x: Tensor) => {
    const [xb, squeeze] = asBatch(x, 'randomCrop');
    const [N, C, H, W] = xb.shape;
    const Hp = H + 2 * ph, Wp = W + 2 * pw;
    if (h > Hp || w > Wp) throw new RangeError(`randomCrop: crop size [${h}, ${w}] is larger than the padded image [${Hp}, ${Wp}]`);
    const u = uniformsFrom(2 * N, o.generator);
    const out = Tensor.empty([N, C, h, w], xb.dtype);
    noGrad(() => {
      for (let n = 0; n < N; n++) {
        // window top-left in padded coordinates, then its overlap with the real image
        const i = Math.min(Hp - h, Math.floor(u[2 * n] * (Hp - h + 1))), j = Math.min(Wp - w, Math.floor(u[2 * n + 1] * (Wp - w + 1)));
        const r0 = Math.max(0, i - ph), r1 = Math.min(H, i - ph + h), c0 = Math.max(0, j - pw), c1 = Math.min(W, j - pw + w);
        const dst = out.select(0, n);
        const full = r0 === i - ph && r1 === i - ph + h && c0 === j - pw && c1 === j - pw + w;
        if (!full) dst.fill_(fill);
        if (r1 > r0 && c1 > c0) {
          const src = xb.select(0, n).narrow(1, r0, r1 - r0).narrow(2, c0, c1 - c0);
          const d = dst.narrow(1, r0 - (i - ph), r1 - r0).narrow(2, c0 - (j - pw), c1 - c0);
          d.copy_(src);
          d.dispose(); src.dispose();
        }
        dst.dispose();
      }
    });
    if (xb !== x) xb.dispose();
    return squeeze ? squeezed(out) : out;
  };
}

/** out without its leading dim of 1 (the view keeps the storage alive; the 4-D handle is released). */
function squeezed(out: Tensor): Tensor {
  const r = out.squeeze(0);
  out.dispose();
  return r;
}

/** A view of x (any rank) with dimension `dim` reversed (negative stride, no copy). */
function flipView(x: Tensor, dim: number): Tensor {
  const strides = x.strides.slice();
  const off = x.offset + (x.shape[dim] - 1) * strides[dim];
  strides[dim] = -strides[dim];
  return x._view(x.shape, strides, x.shape[dim] > 0 ? off : x.offset, 'flip');
}

function randomFlip(p: number, dimFromEnd: number, name: string, gen?: Generator): Transform {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${name}: p must be a probability in [0, 1], got ${String(p)}`);
  return (x: Tensor) => {
    const [xb, squeeze] = asBatch(x, name);
    const N = xb.shape[0];
    const u = uniformsFrom(N, gen);
    const out = Tensor.empty(xb.shape, xb.dtype);
    noGrad(() => {
      for (let n = 0; n < N; n++) {
        const dst = out.select(0, n), src = xb.select(0, n);
        const v = u[n] < p ? flipView(src, src.ndim - dimFromEnd) : src;
        dst.copy_(v);
        if (v !== src) v.dispose();
        dst.dispose(); src.dispose();
      }
    });
    if (xb !== x) xb.dispose();
    return squeeze ? squeezed(out) : out;
  };
}

/** RandomHorizontalFlip(p): each image is mirrored left-right (last dim) with probability p (default 0.5). */
export function randomHorizontalFlip(p = 0.5, o: { generator?: Generator } = {}): Transform {
  return randomFlip(p, 1, 'randomHorizontalFlip', o.generator);
}

/** RandomVerticalFlip(p): each image is flipped top-bottom (dim H) with probability p (default 0.5). */
export function randomVerticalFlip(p = 0.5, o: { generator?: Generator } = {}): Transform {
  return randomFlip(p, 2, 'randomVerticalFlip', o.generator);
}

/** Adds N(mean, std²) noise to a float tensor of any shape; `clip` = [lo, hi] clamps the result. */
export function gaussianNoise(std: number, o: { mean?: number; clip?: [number, number]; generator?: Generator } = {}): Transform {
  if (typeof std !== 'number' || !(std >= 0) || !Number.isFinite(std)) throw new RangeError(`gaussianNoise: std must be a finite number >= 0, got ${String(std)}`);
  const mean = o.mean ?? 0;
  return (x: Tensor) => {
    checkTensor(x, 'gaussianNoise');
    if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new TypeError(`gaussianNoise: input must be float32 or float64 (got ${x.dtype}); use toFloat first`);
    return noGrad(() => tidy(() => {
      const z = o.generator ? o.generator.randn(x.shape, { dtype: x.dtype as 'float32' | 'float64', mean, std }) : randn(x.shape, { dtype: x.dtype }).mul(std).add(mean);
      const r = x.add(z);
      return o.clip ? r.clamp(o.clip[0], o.clip[1]) : r;
    }));
  };
}

/** Compose([t1, t2, ...]): applies the transforms in order. Works with or without `new`. */
export function compose<T = Tensor>(transforms: Transform<any, any>[]): Transform<T, any> {
  if (!Array.isArray(transforms)) throw new TypeError('compose: expected an array of transforms');
  transforms.forEach((t, i) => { if (typeof t !== 'function') throw new TypeError(`compose: transform ${i} is not a function`); });
  const list = transforms.slice();
  return (x: T) => {
    let v: any = x;
    for (const t of list) {
      const next = t(v);
      // Intermediate tensors made by this pipeline are freed as soon as the next step has used them.
      if (v !== x && next !== v && isTensor(v)) v.dispose();
      v = next;
    }
    return v;
  };
}

/** Alias of compose, for torchvision's spelling. */
export const Compose = compose as unknown as { new <T = Tensor>(transforms: Transform<any, any>[]): Transform<T, any>; <T = Tensor>(transforms: Transform<any, any>[]): Transform<T, any> };

