// Lookup-table ops: embedding (rows of a weight matrix picked by integer ids; backward scatter-adds
// the output gradient rows into a zero gradient, skipping paddingIdx) and oneHot (int64 one-hot
// encoding).
import { cudaEmbedding } from '../cuda/nn';
import { Tensor, fmtShape, isTensor } from '../tensor';
import { asIndex, indexSelect, indexAdd, indexFill } from './gather';
import { attach } from '../autograd';
import { isFloat } from '../dtype';
import { checkTensor } from './check';
import { tracing, traceOp } from '../trace';

export interface EmbeddingOpts {
  /** Row of weight that receives no gradient (torch's padding_idx; negative counts from the end). */
  paddingIdx?: number | null;
}

/**
 * torch.nn.functional.embedding: weight is (numEmbeddings, dim); input holds int64/int32 ids of any
 * shape; the result is (...input.shape, dim). Out-of-range ids are a RangeError naming the id.
 */
export function embedding(input: Tensor, weight: Tensor, o: EmbeddingOpts = {}): Tensor {
  if (tracing.active) return traceOp('embedding', embedding, [input, weight, o]);
  const op = 'embedding';
  asIndex(input, op);
  if (!isTensor(weight)) throw new TypeError(`${op}: weight must be a tensor`);
  checkTensor(weight, op, 'the weight');
  if (weight.ndim !== 2) throw new RangeError(`${op}: weight must be 2-D (numEmbeddings, embeddingDim), got shape ${fmtShape(weight.shape)}`);
  const [num, dim] = weight.shape;
  let pad: number | null = null;
  if (o?.paddingIdx !== undefined && o?.paddingIdx !== null) {
    const p = o?.paddingIdx;
    if (!Number.isInteger(p) || p < -num || p >= num) throw new RangeError(`${op}: paddingIdx ${String(p)} must be within the number of embeddings (${num})`);
    pad = p < 0 ? p + num : p;
  }
  if (weight.device !== 'cpu' || input.device !== 'cpu') return cudaEmbedding(input, weight, pad);
  const flat = input.reshape([-1]);
  const rows = indexSelect(weight.detach(), 0, flat, op);
  const out = rows.reshape([...input.shape, dim]);
  if (out !== rows) rows.dispose();
  if (!isFloat(weight.dtype)) return out;
  return attach(out, op, [weight], (g, [ids]) => {
    let gw = indexAdd(Tensor.empty([num, dim], g.dtype, true), 0, ids, g.reshape([-1, dim]), { op });
    if (pad !== null) gw = indexFill(gw, 0, Tensor.empty([1], 'int64').fill_(pad), 0);
    return [gw];
  }, [flat]);
}

/**
 * torch.nn.functional.one_hot: int64 tensor of shape (...indices.shape, numClasses) with a 1 at each
 * index. numClasses = -1 (default) uses max(indices) + 1.
 */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  const op = 'oneHot';
  asIndex(indices, op);
  if (!Number.isInteger(numClasses) || numClasses < -1) throw new RangeError(`${op}: numClasses must be a non-negative integer or -1, got ${String(numClasses)}`);
  const n = indices.numel();
  let lo = 0, hi = -1;
  if (n > 0) {
    const mn = indices.amin(), mx = indices.amax();
    lo = mn.item() as number;
    hi = mx.item() as number;
    mn.dispose(); mx.dispose();
  }
  if (lo < 0) throw new RangeError(`${op}: class values must be non-negative, got ${String(lo)}`);
  let c = numClasses;
  if (c === -1) {
    if (n === 0) throw new RangeError(`${op}: cannot infer the number of classes from an empty tensor`);
    c = hi + 1;
  } else if (hi >= c) throw new RangeError(`${op}: class value ${String(hi)} is out of range for numClasses ${c}`);
  const out = Tensor.empty([...indices.shape, c], 'int64', true, 'oneHot');
  if (n > 0) {
    const idx = indices.unsqueeze(-1);
    out.scatter_(-1, idx, 1);
    idx.dispose();
  }
  return out;
}
