// scaledDotProductAttention: softmax(q kᵀ · scale + mask) v with optional causal mask and dropout,
// as one fused native kernel (tiled, online softmax, the L×S matrix never stored) with a fused
// backward. Shapes (..., L, E), (..., S, E), (..., S, Ev) -> (..., L, Ev).
import { autocastDtype, castLow } from '../amp/autocast';
import { cudaAttention } from '../cuda/attention';
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, fmtShape, numelOf } from '../tensor';
import { attach } from '../autograd';
import { nextCounters } from '../random';
import { isFloat } from '../dtype';
import { tracing, traceOp } from '../trace';

export interface SdpaOpts {
  /** bool (true = attend) or additive float mask, broadcastable to (..., L, S). */
  attnMask?: Tensor | null;
  dropoutP?: number;
  isCausal?: boolean;
  /** Defaults to 1/sqrt(E). */
  scale?: number | null;
}

/** torch.nn.functional.scaled_dot_product_attention. Rows with no allowed key give 0. */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, o: SdpaOpts = {}): Tensor {
  if (tracing.active) return traceOp('scaledDotProductAttention', scaledDotProductAttention, [q, k, v, o]);
  const op = 'scaledDotProductAttention';
  if (autocastDtype()) { q = castLow(q); k = castLow(k); v = castLow(v); }
  for (const t of [q, k, v]) t._check(op);
  if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim) {
    throw new RangeError(`${op}: query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} must have the same rank >= 2`);
  }
  if (!isFloat(q.dtype) || q.dtype !== k.dtype || q.dtype !== v.dtype) throw new TypeError(`${op}: query, key and value must share one floating dtype (got ${q.dtype}, ${k.dtype}, ${v.dtype})`);
  const lead = q.shape.slice(0, -2);
  const [L, E] = q.shape.slice(-2), [S, Ek] = k.shape.slice(-2), [Sv, Ev] = v.shape.slice(-2);
  if (k.shape.slice(0, -2).some((d, i) => d !== lead[i]) || v.shape.slice(0, -2).some((d, i) => d !== lead[i])) {
    throw new RangeError(`${op}: batch dims of query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} must match`);
  }
  if (Ek !== E || Sv !== S) throw new RangeError(`${op}: key ${fmtShape(k.shape)} must be (..., S, ${E}) and value ${fmtShape(v.shape)} (..., ${S}, Ev)`);
  if (q.device !== 'cpu' || k.device !== 'cpu' || v.device !== 'cpu') {
    const pd = o?.dropoutP ?? 0;
    if (!(pd >= 0 && pd < 1)) throw new RangeError(`${op}: dropoutP must be in [0, 1), got ${String(pd)}`);
    return cudaAttention(q, k, v, o?.attnMask ?? null, !!o?.isCausal, o?.scale ?? 1 / Math.sqrt(q.shape[q.ndim - 1]), pd);
  }
  if (q.dtype !== 'float32' && q.dtype !== 'float64') throw new TypeError(`${op}: ${q.dtype} is a storage dtype on the CPU; convert to float32`);
  const p = o?.dropoutP ?? 0;
  if (!(p >= 0 && p < 1)) throw new RangeError(`${op}: dropoutP must be in [0, 1), got ${String(p)}`);
  const scale = o?.scale ?? 1 / Math.sqrt(E);
  const H = lead.length ? lead[lead.length - 1] : 1;
  const BH = numelOf(lead);
  const Bn = lead.length ? BH / H : 1;
  let mask: Tensor | null = null;
  if (o?.attnMask) {
    const m = o?.attnMask;
    m._check(op);
    if (m.dtype !== 'bool' && m.dtype !== q.dtype) throw new TypeError(`${op}: attnMask must be bool or ${q.dtype}, got ${m.dtype}`);
    mask = m.expand([...lead, L, S]).reshape([Bn, H, L, S]);
  }
  const q3 = q.contiguous().reshape([BH, L, E]), k3 = k.contiguous().reshape([BH, S, E]), v3 = v.contiguous().reshape([BH, S, Ev]);
  const out = Tensor.empty([BH, L, Ev], q.dtype), lse = Tensor.empty([BH, L], q.dtype);
  const [seedLo, seedHi, off] = p > 0 ? nextCounters(BH * L * S) : [0, 0, 0];
  const params = [Bn, H, L, S, E, Ev, scale, o?.isCausal ? 1 : 0, p, seedLo, seedHi, off, mask ? 1 : 0];
  const w = args().nums(params).view(q3).view(k3).view(v3).view(out).view(lse);
  if (mask) w.view(mask);
  native().attentionForward(q3.storage.buf, k3.storage.buf, v3.storage.buf, out.storage.buf, lse.storage.buf, mask?.storage.buf);
  const y = out.reshape([...lead, L, Ev]);
  return attach(y, op, [q, k, v], (g, saved) => {
    const [sq, sk, sv, so, sl, sm] = saved;
    const gc = g.contiguous().reshape([BH, L, Ev]);
    const dq = Tensor.empty([BH, L, E], q.dtype), dk = Tensor.empty([BH, S, E], q.dtype), dv = Tensor.empty([BH, S, Ev], q.dtype);
    const wb = args().nums(params).view(sq).view(sk).view(sv).view(so).view(sl).view(gc).view(dq).view(dk).view(dv);
    if (sm) wb.view(sm);
    native().attentionBackward(sq.storage.buf, sk.storage.buf, sv.storage.buf, so.storage.buf, sl.storage.buf, gc.storage.buf,
      dq.storage.buf, dk.storage.buf, dv.storage.buf, sm?.storage.buf);
    return [dq.reshape(q.shape), dk.reshape(k.shape), dv.reshape(v.shape)];
  }, mask ? [q3, k3, v3, out, lse, mask] : [q3, k3, v3, out, lse]);
}
