// Per-row classification losses on the fused native kernels (native/kernels/{ref,cpu}/loss.cc):
// softmax cross-entropy over class indices, whose backward is softmax - onehot in one pass, and NLL
// over log-probabilities. Shapes and reductions are handled by nn.functional (src/nn/losses.ts).
import { cudaCrossEntropyRows } from '../cuda/nn';
import { cudaNllRows } from '../cuda/cumisc';
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor } from '../tensor';
import { attach } from '../autograd';
import { owned, refuseDoubleBackward } from './norm';

export interface RowLoss {
  /** Per-row loss (M), differentiable w.r.t. the scores. */
  loss: Tensor;
  /** Per-row target weight (M): weight[target] (1 without weights), 0 for ignored rows. */
  wt: Tensor;
}

function targetsOf(t: Tensor): Tensor {
  if (t.dtype === 'int64') return owned(t);
  const c = t.detach().to('int64');
  return c;
}

/**
 * Cross-entropy of x2 (M,C) logits against class indices t (M), with optional class weights w (C)
 * (no gradient), ignoreIndex and label smoothing as in torch 1.13.
 */
export function crossEntropyRows(x2: Tensor, t: Tensor, w: Tensor | null, ignoreIndex: number, smoothing: number): RowLoss {
  if (x2.device !== 'cpu') return cudaCrossEntropyRows(x2, t, w, ignoreIndex, smoothing);
  const [M] = x2.shape;
  const dt = x2.dtype;
  const xc = owned(x2), tc = targetsOf(t), wc = w ? owned(w.to(dt)) : null;
  const loss = Tensor.empty([M], dt), lse = Tensor.empty([M], dt), wt = Tensor.empty([M], dt);
  const ins = [xc, tc, loss, lse, wt, ...(wc ? [wc] : [])];
  const a = args().num(ignoreIndex).num(smoothing).num(wc ? 1 : 0);
  for (const v of ins) a.view(v);
  try {
    native().crossEntropyFwd(...ins.map((v) => v.storage.buf));
  } catch (e) {
    for (const v of [xc, tc, wc, loss, lse, wt]) v?.dispose();
    throw e;
  }
  attach(loss, 'crossEntropy', [x2], (g, saved) => {
    const [sx, st, sl] = saved, sw = wc ? saved[3] : null;
    refuseDoubleBackward('crossEntropy', g);
    const dx = Tensor.empty([M, x2.shape[1]], dt);
    const bufs = [g, sx, st, sl, dx, ...(sw ? [sw] : [])];
    const aa = args().num(ignoreIndex).num(smoothing).num(sw ? 1 : 0);
    for (const v of bufs) aa.view(v);
    native().crossEntropyBwd(...bufs.map((v) => v.storage.buf));
    return [dx];
  }, [xc, tc, lse, ...(wc ? [wc] : [])]);
  for (const v of [xc, tc, lse, wc]) v?.dispose();
  return { loss, wt };
}

/** NLL of log-probabilities x2 (M,C) against class indices t (M), optional class weights w (C). */
export function nllRows(x2: Tensor, t: Tensor, w: Tensor | null, ignoreIndex: number): RowLoss {
  if (x2.device !== 'cpu') return cudaNllRows(x2, t, w, ignoreIndex);
  const [M, C] = x2.shape;
  const dt = x2.dtype;
  const xc = owned(x2), tc = targetsOf(t), wc = w ? owned(w.to(dt)) : null;
  const loss = Tensor.empty([M], dt), wt = Tensor.empty([M], dt);
  const ins = [xc, tc, loss, wt, ...(wc ? [wc] : [])];
  const a = args().num(ignoreIndex).num(wc ? 1 : 0);
  for (const v of ins) a.view(v);
  try {
    native().nllFwd(...ins.map((v) => v.storage.buf));
  } catch (e) {
    for (const v of [xc, tc, wc, loss, wt]) v?.dispose();
    throw e;
  }
  xc.dispose();
  attach(loss, 'nllLoss', [x2], (g, saved) => {
    const [st] = saved, sw = wc ? saved[1] : null;
    refuseDoubleBackward('nllLoss', g);
    const dx = Tensor.empty([M, C], dt);
    const bufs = [g, st, dx, ...(sw ? [sw] : [])];
    const aa = args().num(ignoreIndex).num(sw ? 1 : 0);
    for (const v of bufs) aa.view(v);
    native().nllBwd(...bufs.map((v) => v.storage.buf));
    return [dx];
  }, [tc, ...(wc ? [wc] : [])]);
  for (const v of [tc, wc]) v?.dispose();
  return { loss, wt };
}
