// scaledDotProductAttention on cuda tensors, called by the generic entry point (src/ops/attention.ts).
// Flash path (bf16/fp16, E = Ev in {64, 128}, no dropout, sm_80+): the library's fused forward with
// the causal diagonal top-left aligned (query i sees keys j <= i, as the CPU kernel and torch) and an
// optional additive float32 mask passed as a strided (B, H, L, S) view (stride 0 = broadcast, so a
// key-padding mask is never materialised), saving out and the log-sum-exp for the fused FA2 backward.
// Bool masks become additive 0/-inf on the device. Rows with no allowed key give 0 and zero gradients,
// as on the CPU (on both paths). Everything else (float32, other head dims, dropout, pre-sm_80 GPUs) is composed of
// cuda ops: with dropout entirely under autograd (the library's Philox dropout draws the same mask as
// the CPU kernel for the same seed: element (bh, i, j) of a contiguous (…, L, S) matrix), without it
// with a backward that recomputes P in float32.
import { native } from '../backend/native';
import { args } from '../backend/args';
import { DType } from '../dtype';
import { Tensor, numelOf } from '../tensor';
import { attach, isGradEnabled, noGrad } from '../autograd';
import { emptyCuda, cudaClone, toCuda, ownedContiguous } from './memory';
import { checkSameDevice, cudaWhere } from './ops';
import { cudaDropout } from './nn';

const OP = 'scaledDotProductAttention';
const FLOATS = new Set<DType>(['float32', 'float16', 'bfloat16']);
const release = (keep: readonly Tensor[], ...ts: (Tensor | null)[]) => { for (const t of ts) if (t && !keep.includes(t)) t.dispose(); };

let flashDevices: boolean | null = null;
/** True when every visible GPU is sm_80+ (the flash kernels use mma.sync/cp.async). */
function flashCapable(): boolean {
  if (flashDevices === null) {
    const ds = native().cudaInfo().devices;
    flashDevices = ds.length > 0 && ds.every((d) => parseFloat(d.cc) >= 8);
  }
  return flashDevices;
}

/** t (owned) with a 16-byte aligned first element (the flash kernels load 16-byte chunks). */
function aligned(t: Tensor): Tensor {
  if (t.offset % 8 === 0) return t;
  const c = cudaClone(t, t.dtype);
  t.dispose();
  return c;
}

const causalMasks = new Map<string, Tensor>();
/**
 * Additive (L, S) mask on cuda: 0 where key j <= query i, -inf elsewhere (top-left aligned, as the CPU
 * kernel and torch's is_causal). The few most recent shapes are cached.
 */
function causalMask(L: number, S: number): Tensor {
  const key = `${L}x${S}`;
  let m = causalMasks.get(key);
  if (!m || m.isDisposed) {
    if (causalMasks.size >= 4) {
      const [k0, m0] = causalMasks.entries().next().value as [string, Tensor];
      causalMasks.delete(k0);
      m0.dispose();
    }
    const host = Tensor.empty([L, S], 'float32', false, OP);
    const d = host.data() as Float32Array;
    for (let i = 0; i < L; i++) for (let j = 0; j < S; j++) d[i * S + j] = j <= i ? 0 : -Infinity;
    m = toCuda(host, 'float32');
    host.dispose();
    m._kept = true;
    causalMasks.set(key, m);
  }
  return m;
}

/** The attention mask as an additive float32 cuda tensor (bool: true = attend -> 0, false -> -inf); no autograd. */
function additiveMask(mask: Tensor): Tensor {
  return noGrad(() => {
    if (mask.dtype === 'bool') {
      const zero = toCuda(Tensor.empty([], 'float32', false, OP).fill_(0), 'float32');
      const ninf = toCuda(Tensor.empty([], 'float32', false, OP).fill_(-Infinity), 'float32');
      const m = cudaWhere(mask, zero, ninf, 'float32');
      zero.dispose(); ninf.dispose();
      return m;
    }
    if (!FLOATS.has(mask.dtype)) throw new TypeError(`${OP}: attnMask must be bool or float, got ${mask.dtype}`);
    return mask.detach().to('float32');
  });
}

/** m (float32, broadcastable to (...lead, L, S)) as a (B, H, L, S) view, broadcast dims with stride 0. */
function maskView(m: Tensor, lead: number[], L: number, S: number, B: number, H: number): Tensor {
  let t = m.expand([...lead, L, S]);
  const step = (f: (x: Tensor) => Tensor) => { const r = f(t); if (r !== t && t !== m) t.dispose(); t = r; };
  if (lead.length === 1) step((x) => x.unsqueeze(0));
  else if (lead.length === 0) { step((x) => x.unsqueeze(0)); step((x) => x.unsqueeze(0)); }
  else if (lead.length > 2) step((x) => x.reshape([B, H, L, S]));
  return t;
}

/**
 * Attention on cuda: q (..., L, E), k (..., S, E), v (..., S, Ev), mask bool or additive float
 * broadcastable to (..., L, S) (or null). See the file comment for which path runs.
 */
export function cudaAttention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, causal: boolean, scale: number, dropoutP: number): Tensor {
  checkSameDevice(OP, q, k, v, mask);
  if (!FLOATS.has(q.dtype)) throw new Error(`${OP}: not implemented for cuda tensors of dtype ${q.dtype} (float32, float16, bfloat16 run on cuda)`);
  const L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2], E = q.shape[q.ndim - 1], Ev = v.shape[v.ndim - 1];
  const lead = q.shape.slice(0, -2), BH = numelOf(lead);
  const H = lead.length ? lead[lead.length - 1] : 1, B = H > 0 ? BH / H : 0;
  const add = mask ? additiveMask(mask) : null;
  let m4: Tensor | null = null;
  try {
    if ((q.dtype === 'bfloat16' || q.dtype === 'float16') && E === Ev && (E === 64 || E === 128) && dropoutP === 0 &&
        BH > 0 && L > 0 && S > 0 && B <= 65535 && H <= 65535 && scale > 0 && flashCapable()) {
      // (B, H) are the flash grid's y/z dims (at most 65535 each); larger leading dims take the composed path,
      // as does a scale <= 0 (or NaN), which the flash kernels refuse (their running max assumes scale > 0)
      m4 = add ? maskView(add, lead, L, S, B, H) : null;
      return flashAttention(q, k, v, m4, causal, scale, [B, H, L, S, E]);
    }
    return composedAttention(q, k, v, add, causal, scale, dropoutP);
  } finally {
    // the graph saves its own aliases of what the backward needs
    if (m4 && m4 !== add) m4.dispose();
    add?.dispose();
  }
}

function flashAttention(q: Tensor, k: Tensor, v: Tensor, m4: Tensor | null, causal: boolean, scale: number, dims: number[]): Tensor {
  const [B, H, L, S, E] = dims;
  const q4 = aligned(ownedContiguous(q, q.dtype, [B, H, L, E])), k4 = aligned(ownedContiguous(k, q.dtype, [B, H, S, E]));
  const v4 = aligned(ownedContiguous(v, q.dtype, [B, H, S, E]));
  const out = emptyCuda([B, H, L, E], q.dtype, OP), lse = emptyCuda([B, H, L], 'float32', OP);
  const mh = m4 ? m4.storage.ptr : 0;
  const a = args().num(scale).num(causal ? 1 : 0).num(0).view(q4).view(k4).view(v4).view(out).view(lse);
  if (m4) a.view(m4);
  native().cudaFlashAttnFwdEx(q4.storage.ptr, k4.storage.ptr, v4.storage.ptr, out.storage.ptr, lse.storage.ptr, mh);
  const y = out.reshape([...q.shape.slice(0, -1), E]);
  const saved = m4 ? [q4, k4, v4, out, lse, m4] : [q4, k4, v4, out, lse];
  attach(y, OP, [q, k, v], (g, [sq, sk, sv, so, sl, sm]) => {
    const g4 = aligned(ownedContiguous(g, q.dtype, [B, H, L, E]));
    const dq = emptyCuda([B, H, L, E], q.dtype, OP), dk = emptyCuda([B, H, S, E], q.dtype, OP), dv = emptyCuda([B, H, S, E], q.dtype, OP);
    const b = args().num(scale).num(causal ? 1 : 0).num(0).view(sq).view(sk).view(sv).view(so).view(g4).view(sl).view(dq).view(dk).view(dv);
    if (sm) b.view(sm);
    try {
      native().cudaFlashAttnBwd(sq.storage.ptr, sk.storage.ptr, sv.storage.ptr, so.storage.ptr, g4.storage.ptr, sl.storage.ptr,
        dq.storage.ptr, dk.storage.ptr, dv.storage.ptr, sm ? sm.storage.ptr : 0);
    } finally { g4.dispose(); }
    const shaped = (t: Tensor, like: Tensor) => { const r = t.reshape(like.shape); if (r !== t) t.dispose(); return r; };
    return [shaped(dq, q), shaped(dk, k), shaped(dv, v)];
  }, saved);
  release([q, k, v], q4, k4, v4, lse);
  if (y !== out) out.dispose();
  return y;
}

function composedAttention(q: Tensor, k: Tensor, v: Tensor, add: Tensor | null, causal: boolean, scale: number, dropoutP: number): Tensor {
  const L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2];
  // tmp (when given) collects the intermediates for the caller to dispose (release() spares inputs and results)
  const probs = (qf: Tensor, kf: Tensor, m: Tensor | null, tmp?: Tensor[]): Tensor => {
    const t = (x: Tensor): Tensor => { tmp?.push(x); return x; };
    let s = t(t(qf.matmul(t(kf.transpose(-2, -1)))).mul(scale));
    if (causal) {
      const cm = causalMask(L, S), c = cm.to(s.dtype);
      s = t(s.add(c !== cm ? t(c) : c));   // the cached mask itself is never disposed here
    }
    if (!m) return s.softmax(-1);
    s = t(s.add(t(m.to(s.dtype))));
    // rows the mask leaves without any key give 0 (and zero gradients), as the CPU kernel and the flash
    // path do, instead of softmax's NaN
    // (their scores are zeroed first, so even the softmax backward under autograd stays finite)
    const none = t(t(s.eq(-Infinity)).all(-1, { keepdim: true }));
    return t(t(s.maskedFill(none, 0)).softmax(-1)).maskedFill(none, 0);
  };
  // dropout: every step under autograd (the dropout node saves its mask)
  if (dropoutP > 0) return cudaDropout(probs(q, k, add), dropoutP).matmul(v);
  const out = noGrad(() => {
    const tmp: Tensor[] = [];
    const qd = q.detach(), kd = k.detach(), vd = v.detach(), pr = probs(qd, kd, add, tmp);
    const o = pr.matmul(vd);
    release([q, k, v, ...(add ? [add] : []), o], qd, kd, vd, pr, ...tmp);
    return o;
  });
  return attach(out, OP, [q, k, v], (g, [sq, sk, sv, sm]) => {
    const tmp: Tensor[] = [];
    const t = (x: Tensor): Tensor => { tmp.push(x); return x; };
    const [qf, kf, vf, gf] = [sq, sk, sv, g].map((x) => t(x.to('float32')));
    const p = t(probs(qf, kf, sm ?? null, tmp));
    const dv = t(t(p.transpose(-2, -1)).matmul(gf));
    const dp = t(gf.matmul(t(vf.transpose(-2, -1))));
    const ds = t(p.mul(t(dp.sub(t(t(dp.mul(p)).sum(-1, { keepdim: true }))))));
    const dq = t(t(ds.matmul(kf)).mul(scale)), dk = t(t(t(ds.transpose(-2, -1)).matmul(qf)).mul(scale));
    const res = [dq.to(q.dtype), dk.to(k.dtype), dv.to(v.dtype)];
    // the float32 temporaries are freed now (not left to the GC); kept while a graph is being built
    if (!isGradEnabled()) release([sq, sk, sv, g, ...(sm ? [sm] : []), ...res], ...tmp);
    return res;
  }, add ? [q, k, v, add] : [q, k, v]);
}
