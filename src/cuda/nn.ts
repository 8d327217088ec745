// Layer ops on cuda tensors, called by the generic entry points (layerNorm, crossEntropyRows,
// embedding, Adam/AdamW, dropout) when their input lives on the GPU: the library's fused kernels
// (layernorm, softmax cross-entropy, embedding, AdamW, Philox dropout). Attention: src/cuda/attention.ts.
import { native } from '../backend/native';
import { args } from '../backend/args';
import { DType } from '../dtype';
import { Tensor } from '../tensor';
import { attach, noGrad } from '../autograd';
import { nextCounters } from '../random';
import { emptyCuda, ownedContiguous, contiguousAs, zerosF32 } from './memory';
import { checkSameDevice } from './ops';
import { cudaCrossEntropyExt } from './cumisc';

const FLOATS = new Set<DType>(['float32', 'float16', 'bfloat16']);

function floatOnly(op: string, t: Tensor): void {
  if (!FLOATS.has(t.dtype)) throw new Error(`${op}: not implemented for cuda tensors of dtype ${t.dtype} (float32, float16, bfloat16 run on cuda)`);
}
const release = (keep: readonly Tensor[], ...ts: (Tensor | null)[]) => { for (const t of ts) if (t && !keep.includes(t)) t.dispose(); };

/** LayerNorm over the last dim of x2 (M, N) with optional weight/bias (N), on cuda; differentiable. */
export function cudaLayerNormRows(op: string, x2: Tensor, w: Tensor | null, b: Tensor | null, eps: number): Tensor {
  checkSameDevice(op, x2, w, b);
  floatOnly(op, x2);
  const [M, N] = x2.shape;
  const xc = ownedContiguous(x2), wc = w ? ownedContiguous(w, 'float32', [N]) : null, bc = b ? ownedContiguous(b, 'float32', [N]) : null;
  const y = emptyCuda([M, N], x2.dtype, op), mean = emptyCuda([M], 'float32', op), rstd = emptyCuda([M], 'float32', op);
  const a = args().num(eps).view(xc);
  if (wc) a.view(wc);
  if (bc) a.view(bc);
  a.view(y).view(mean).view(rstd);
  native().cudaLayerNormFwd(xc.storage.ptr, wc?.storage.ptr ?? 0, bc?.storage.ptr ?? 0, y.storage.ptr, mean.storage.ptr, rstd.storage.ptr);
  const inputs = [x2, ...(w ? [w] : []), ...(b ? [b] : [])];
  attach(y, op, inputs, (g, saved) => {
    const [sx, sm, sr] = saved, sw = wc ? saved[3] : null;
    const gc = contiguousAs(g, x2.dtype);
    const dx = emptyCuda([M, N], x2.dtype, op), dw = zerosF32([N], op), db = zerosF32([N], op);
    const aa = args().view(gc).view(sx);
    if (sw) aa.view(sw);
    aa.view(sm).view(sr).view(dx).view(dw).view(db);
    native().cudaLayerNormBwd(gc.storage.ptr, sx.storage.ptr, sw?.storage.ptr ?? 0, sm.storage.ptr, sr.storage.ptr, dx.storage.ptr, dw.storage.ptr, db.storage.ptr);
    if (gc !== g) gc.dispose();
    const out: (Tensor | null)[] = [dx];
    if (w) out.push(dw.reshape(w.shape).to(w.dtype)); else dw.dispose();
    if (b) out.push(db.reshape(b.shape).to(b.dtype)); else db.dispose();
    return out;
  }, [xc, mean, rstd, ...(wc ? [wc] : [])]);
  release([x2], xc, mean, rstd, wc, bc);
  return y;
}

/**
 * Softmax cross-entropy of logits x2 (M, C) against class ids t (M) on cuda: per-row losses (float32,
 * in x2's dtype when that is float32) and weights (1, or 0 for ignored rows). The logits gradient is
 * computed by the same kernel and scaled by the incoming row gradient in the backward.
 */
export function cudaCrossEntropyRows(x2: Tensor, t: Tensor, w: Tensor | null, ignoreIndex: number, smoothing: number): { loss: Tensor; wt: Tensor } {
  const op = 'crossEntropy';
  checkSameDevice(op, x2, t, w);
  // weights, smoothing, other ignore indices and float64 logits: the general kernel pair (cumisc.ts)
  if (w || smoothing !== 0 || ignoreIndex !== -100 || x2.dtype === 'float64') return cudaCrossEntropyExt(x2, t, w, ignoreIndex, smoothing);
  floatOnly(op, x2);
  const [M, C] = x2.shape;
  // int64 ids saturate to the int32 range first, so an id past 2^31 stays out of range (and is flagged
  // by the kernel) instead of wrapping to a valid class
  const ts = t.dtype === 'int64' ? noGrad(() => t.clamp(-(2 ** 31), 2 ** 31 - 1)) : t;
  const xc = ownedContiguous(x2), tc = ownedContiguous(ts, 'int32');
  if (ts !== t && tc !== ts) ts.dispose();
  const loss = emptyCuda([M], 'float32', op);
  const d = x2.requiresGrad ? emptyCuda([M, C], x2.dtype, op) : null;
  const a = args().num(1).view(xc).view(tc).view(loss);
  if (d) a.view(d);
  native().cudaCrossEntropy(xc.storage.ptr, tc.storage.ptr, loss.storage.ptr, d?.storage.ptr ?? 0);
  const keep = t.ne(ignoreIndex), wt = noGrad(() => keep.to('float32'));
  keep.dispose();
  release([x2, t], xc, tc);
  if (d) attach(loss, op, [x2], (g, [sd]) => [sd.mul(g.reshape([M, 1])).to(x2.dtype)], [d]);
  d?.dispose();
  return { loss, wt };
}

/** Rows of weight (V, C) at ids (any shape, integer) on cuda; the gradient scatters into a float32 table. */
export function cudaEmbedding(input: Tensor, weight: Tensor, pad: number | null): Tensor {
  const op = 'embedding';
  checkSameDevice(op, input, weight);
  floatOnly(op, weight);
  const [V, C] = weight.shape;
  const ids = ownedContiguous(input, 'int32', [-1]), table = ownedContiguous(weight);
  const out = emptyCuda([ids.numel(), C], weight.dtype, op);
  args().view(table).view(ids).view(out);
  native().cudaEmbeddingFwd(table.storage.ptr, ids.storage.ptr, out.storage.ptr);
  release([weight], table);
  const saved = ids;
  const y = out.reshape([...input.shape, C]);
  if (y !== out) out.dispose();
  attach(y, op, [weight], (g, [sids]) => {
    const gc = contiguousAs(g.reshape([-1, C]));
    const dt = zerosF32([V, C], op);
    args().view(gc).view(sids).view(dt);
    native().cudaEmbeddingBwd(gc.storage.ptr, sids.storage.ptr, dt.storage.ptr);
    if (gc !== g) gc.dispose();
    if (pad !== null) dt.slice(0, pad, pad + 1).fill_(0);
    return [weight.dtype === 'float32' ? dt : dt.to(weight.dtype)];
  }, [saved]);
  saved.dispose();   // the graph holds its own reference
  return y;
}

/** One fused AdamW step of a float32 cuda parameter (Adam = AdamW with weightDecay 0). */
export function cudaAdamStep(p: Tensor, g: Tensor, m: Tensor, v: Tensor, step: number, lr: number, betas: [number, number], eps: number, wd: number, maximize: boolean): void {
  const op = 'AdamW';
  checkSameDevice(op, p, g, m, v);
  if (p.dtype !== 'float32') throw new Error(`${op}: cuda parameters must be float32 (master weights; use autocast for low-precision compute), got ${p.dtype}`);
  const gc = contiguousAs(g);
  args().num(lr).num(betas[0]).num(betas[1]).num(eps).num(wd).num(step).num(maximize ? -1 : 1).view(p).view(gc).view(m).view(v);
  native().cudaAdamW(p.storage.ptr, gc.storage.ptr, m.storage.ptr, v.storage.ptr);
  if (gc !== g) gc.dispose();
  p.storage.version++;
}

/**
 * Inverted dropout on cuda: the library's counter-based Philox mask (seeded from the global generator,
 * so nr.manualSeed reproduces it on a given GPU); the backward multiplies by the saved uint8 mask.
 */
export function cudaDropout(x: Tensor, p: number): Tensor {
  floatOnly('dropout', x);
  const xc = ownedContiguous(x);
  const y = emptyCuda(x.shape, x.dtype, 'dropout'), mask = emptyCuda(x.shape, 'uint8', 'dropout');
  const [lo, hi, off] = nextCounters(x.numel());
  args().num(p).num(lo).num(hi).num(off).view(xc).view(y).view(mask);
  native().cudaDropout(xc.storage.ptr, y.storage.ptr, mask.storage.ptr);
  release([x], xc);
  attach(y, 'dropout', [x], (g, [m]) => [g.mul(m.to(g.dtype)).mul(1 / (1 - p))], [mask]);
  mask.dispose();
  return y;
}
