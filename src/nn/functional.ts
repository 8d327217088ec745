// nn.functional: stateless versions of the layers (activations, dropout, linear, embedding, norms)
// and every loss, with PyTorch's argument order and an options object for keyword arguments.
import { cudaDropout } from '../cuda/nn';
import { Tensor, fmtShape, isTensor } from '../tensor';
import { isFloat } from '../dtype';
import { rand } from '../creation';
import { step as heaviside } from '../ops/unary';
import type { SoftmaxOpts } from '../ops/softmax';

export { layerNorm, rmsNorm, groupNorm, batchNorm } from '../ops/norm';
export { linear } from '../ops/matmul';
export { embedding, embeddingRenorm_ } from './embedding';
export type { EmbeddingFnOpts } from './embedding';
export type { LayerNormOpts, RMSNormOpts, GroupNormOpts, BatchNormOpts } from '../ops/norm';
export {
  mseLoss, l1Loss, smoothL1Loss, huberLoss, crossEntropy, nllLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits,
  klDiv, cosineSimilarity, cosineEmbeddingLoss,
} from './losses';
export type { Reduction, ReductionOpts, ClassLossOpts, CrossEntropyOpts, BCEOpts, BCEWithLogitsOpts } from './losses';

// ---- activations -------------------------------------------------------------------------------

/** max(x, 0). */
export const relu = (x: Tensor): Tensor => x.relu();
/** min(max(x, 0), 6). */
export const relu6 = (x: Tensor): Tensor => x.relu6();
/** x where x > 0, else negativeSlope * x. */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => x.leakyRelu(negativeSlope);
/** x where x > 0, else alpha (exp(x) - 1). */
export const elu = (x: Tensor, alpha = 1): Tensor => x.elu(alpha);
/** x Φ(x) (exact), or its tanh approximation with { approximate: 'tanh' }. */
export const gelu = (x: Tensor, o: { approximate?: 'none' | 'tanh' } = {}): Tensor => x.gelu(o);
/** x sigmoid(x) (also called swish). */
export const silu = (x: Tensor): Tensor => x.silu();
/** x tanh(softplus(x)). */
export const mish = (x: Tensor): Tensor => x.mish();
/** log(1 + exp(beta x)) / beta, linear above threshold. */
export const softplus = (x: Tensor, o: { beta?: number; threshold?: number } = {}): Tensor => x.softplus(o);
/** clamp(x, minVal, maxVal). */
export const hardtanh = (x: Tensor, minVal = -1, maxVal = 1): Tensor => x.hardtanh(minVal, maxVal);
/** 1 / (1 + exp(-x)). */
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
/** tanh(x). */
export const tanh = (x: Tensor): Tensor => x.tanh();
/** Heaviside step: 1 where x > 0, else 0 (no gradient); the perceptron activation. */
export const step = (x: Tensor): Tensor => heaviside(x);
/** softmax along dim ({ dtype } casts the input first, as PyTorch's dtype argument). */
export const softmax = (x: Tensor, dim: number, o?: SoftmaxOpts): Tensor => x.softmax(checkDim(dim, 'softmax'), o);
/** log(softmax(x)) along dim, computed stably. */
export const logSoftmax = (x: Tensor, dim: number, o?: SoftmaxOpts): Tensor => x.logSoftmax(checkDim(dim, 'logSoftmax'), o);

function checkDim(dim: unknown, op: string): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new TypeError(`${op}: dim must be an integer, got ${JSON.stringify(dim)}`);
  return dim;
}

// ---- linear layers -------------------------------------------------------------------------------

function floatTensor(t: unknown, op: string, name: string): Tensor {
  if (!isTensor(t)) throw new TypeError(`${op}: ${name} must be a tensor`);
  t._check(op);
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: ${name} must be floating point, got ${t.dtype}`);
  return t;
}

/**
 * y_k = x1^T W_k x2 + b_k: x1 is (*, in1), x2 (*, in2) with the same leading dims, weight
 * (out, in1, in2), bias (out) or null; the result is (*, out).
 */
export function bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const op = 'bilinear';
  floatTensor(x1, op, 'input1'); floatTensor(x2, op, 'input2'); floatTensor(weight, op, 'weight');
  if (weight.ndim !== 3) throw new RangeError(`${op}: weight must be (out, in1, in2), got ${fmtShape(weight.shape)}`);
  const [out, in1, in2] = weight.shape;
  const lead = x1.shape.slice(0, -1);
  if (x1.ndim < 1 || x1.shape[x1.ndim - 1] !== in1 || x2.ndim !== x1.ndim || x2.shape[x2.ndim - 1] !== in2 ||
    x2.shape.slice(0, -1).some((d, i) => d !== lead[i])) {
    throw new RangeError(`${op}: inputs of shape ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)} do not match weight ${fmtShape(weight.shape)}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== out)) throw new RangeError(`${op}: bias of shape ${fmtShape(bias.shape)} does not match ${out} output features`);
  const a = x1.reshape([-1, in1]), b = x2.reshape([-1, in2]);
  // (M, in1) @ (in1, out*in2) -> (M, out, in2), times x2 and summed over in2 -> (M, out)
  const t = a.matmul(weight.permute([1, 0, 2]).reshape([in1, out * in2])).reshape([-1, out, in2]);
  let y = t.mul(b.unsqueeze(1)).sum(2);
  if (bias) y = y.add(bias);
  return y.reshape([...lead, out]);
}

// ---- dropout -------------------------------------------------------------------------------------

/**
 * Inverted dropout: during training zeroes each element with probability p (mask drawn from the
 * global generator, so nr.manualSeed reproduces it) and scales the rest by 1 / (1 - p); identity
 * when training is false or p is 0; all zeros when p is 1.
 */
export function dropout(x: Tensor, o: { p?: number; training?: boolean } = {}): Tensor {
  const p = o.p ?? 0.5, training = o.training ?? true;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`dropout: probability has to be between 0 and 1, but got ${p}`);
  if (!isTensor(x)) throw new TypeError('dropout: input must be a tensor');
  x._check('dropout');
  if (!training || p === 0) return x;
  if (!isFloat(x.dtype)) throw new TypeError(`dropout: expected a floating-point input, got ${x.dtype}`);
  if (p === 1) return x.mul(0);
  if (x.device !== 'cpu') return cudaDropout(x, p);
  const u = rand(x.shape, { dtype: x.dtype === 'float64' ? 'float64' : 'float32' });
  const keep = u.lt(1 - p);
  u.dispose();
  const scale = keep.to(x.dtype).mul(1 / (1 - p));
  keep.dispose();
  return x.mul(scale);
}

// ---- misc ----------------------------------------------------------------------------------------

/** x / max(||x||_p along dim, eps) (torch.nn.functional.normalize). */
export function normalize(x: Tensor, o: { p?: number; dim?: number; eps?: number } = {}): Tensor {
  const p = o.p ?? 2, dim = o.dim ?? 1, eps = o.eps ?? 1e-12;
  if (!isTensor(x) || !isFloat(x.dtype)) throw new TypeError(`normalize: expected a floating-point tensor${isTensor(x) ? `, got ${x.dtype} of shape ${fmtShape(x.shape)}` : ''}`);
  return x.div(x.norm(p, dim, { keepdim: true }).clamp(eps, null));
}

// Convolution, pooling, padding and attention live in src/ops; nn.functional re-exports them
// under PyTorch's torch.nn.functional names.
export { conv1d, conv2d, convTranspose1d, convTranspose2d } from '../ops/conv';
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d } from '../ops/pool';
export { pad } from '../ops/pad';
export { scaledDotProductAttention } from '../ops/attention';
