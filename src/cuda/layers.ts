// CNN and optimizer ops on cuda tensors, called by the generic entry points (reductions, SGD,
// batchNorm, rmsNorm, pooling, conv2d and its transposes) when the input lives on the GPU. Each
// checks devices, brings operands into the layout its library kernel takes and launches it; the
// autograd rules mirror the CPU ones.
import { native } from '../backend/native';
import { args } from '../backend/args';
import { DType, isFloat } from '../dtype';
import { Tensor, numelOf } from '../tensor';
import { attach, noGrad } from '../autograd';
import { emptyCuda, cudaClone, cudaFill, ownedContiguous, contiguousAs, zerosF32 } from './memory';
import { checkSameDevice, cudaUnary, cudaBinary, tf32Allowed } from './ops';
import { cudaBatchNormEvalStats, cudaBatchNormEvalBackward, cudaNormP } from './cumisc';

const CODES: Record<string, number> = { sum: 0, mean: 1, amax: 2, amin: 3, max: 2, min: 3, prod: 4, sumsq: 5 };

/** x with the reduced dims moved last and made contiguous: (rows, cols) data plus the kept shape. */
function rowsOf(x: Tensor, dims: readonly number[]): { xr: Tensor; cols: number; kept: number[] } {
  const keptDims = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const p = x.permute([...keptDims, ...dims]);
  const xr = contiguousAs(p);
  if (xr !== p && p !== x) p.dispose();
  return { xr, cols: numelOf(dims.map((d) => x.shape[d])), kept: keptDims.map((d) => x.shape[d]) };
}

function finishShape(out: Tensor, x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  if (!keepdim) return out;
  const r = out.reshape(x.shape.map((s, d) => (dims.includes(d) ? 1 : s)));
  if (r !== out) out.dispose();
  return r;
}

const HALF_OR_FLOAT = new Set<DType>(['float32', 'float16', 'bfloat16']);

/** Sum of a float32/float16/bfloat16 cuda tensor over dims: the measured row-sum kernel, float32 accumulation. */
function floatSum(x: Tensor, dims: readonly number[], keepdim: boolean, outDtype: DType): Tensor {
  const { xr, cols, kept } = rowsOf(x, dims);
  const acc = emptyCuda(kept, 'float32', 'sum');
  try {
    if (cols === 0) cudaFill(acc, 0);
    else if (acc.numel() > 0) {
      args().num(cols).view(acc).view(xr);
      native().cudaSumRows(acc.storage.ptr, xr.storage.ptr);
    }
  } finally { if (xr !== x) xr.dispose(); }
  let out = acc;
  if (outDtype !== 'float32') { out = cudaClone(acc, outDtype); acc.dispose(); }
  return finishShape(out, x, dims, keepdim);
}

/** A reduction of x over dims (sorted) on cuda: sum, mean, prod, amax/amin, argmax/argmin, var, logsumexp, norm. */
export function cudaReduce(name: string, x: Tensor, dims: readonly number[], keepdim: boolean, outDtype: DType, param = 0): Tensor {
  if (name === 'sum' && HALF_OR_FLOAT.has(x.dtype)) return floatSum(x, dims, keepdim, outDtype);
  if ((name === 'any' || name === 'all') && dims.some((d) => x.shape[d] === 0)) {
    // empty groups: any = false, all = true
    const shape = x.shape.map((s, d) => (dims.includes(d) ? 1 : s)).filter((_, d) => keepdim || !dims.includes(d));
    const t = emptyCuda(shape, 'bool', name);
    cudaFill(t, name === 'all' ? 1 : 0);
    return t;
  }
  if (name === 'var') {
    // biased or corrected variance: mean of squared deviations, composed of cuda ops
    const n = numelOf(dims.map((d) => x.shape[d]));
    return noGrad(() => {
      const dev = x.sub(cudaReduce('mean', x, dims, true, x.dtype));
      return cudaReduce('sum', dev.mul(dev), dims, keepdim, outDtype).mul(1 / Math.max(n - param, 0));
    });
  }
  if (name === 'logsumexp') {
    return noGrad(() => {
      const m = cudaReduce('amax', x, dims, true, x.dtype);
      // rows of -inf stay -inf without computing inf - inf
      const floor = Tensor.empty([], m.dtype, false, 'logsumexp', m.device).fill_(m.dtype === 'float16' ? -65504 : m.dtype === 'bfloat16' ? -3.38e38 : -3.4e38);
      const safe = m.maximum(floor);
      const s = cudaReduce('sum', x.sub(safe).exp(), dims, true, x.dtype).log().add(safe);
      return finishShape(s.reshape(s.shape.filter((_, d) => !dims.includes(d))), x, dims, keepdim);
    });
  }
  if (name === 'norm' && param === 2) {
    const s = cudaReduce('sumsq', x, dims, keepdim, 'float32');
    const r = cudaUnary('sqrt', 'norm', s, 0, 0, false);
    s.dispose();
    if (r.dtype === outDtype) return r;
    const c = cudaClone(r, outDtype);
    r.dispose();
    return c;
  }
  if (name === 'norm') return cudaNormP(x, dims, keepdim, outDtype, param, cudaReduce);
  if (name === 'any' || name === 'all') {
    // (x != 0) as float32, then max (any) or min (all) of each group, back to bool
    const nz = cudaBinary('ne', name, x, 0, x.dtype === 'bool' ? 'uint8' : x.dtype, 1, 0);
    const f = cudaClone(nz, 'float32');
    nz.dispose();
    const m = cudaReduce(name === 'any' ? 'amax' : 'amin', f, dims, keepdim, 'float32');
    f.dispose();
    const b = cudaClone(m, 'bool');
    m.dispose();
    return b;
  }
  const { xr, cols, kept } = rowsOf(x, dims);
  try {
    if (name === 'argmax' || name === 'argmin') {
      const out = emptyCuda(kept, 'int64', name);
      args().num(name === 'argmax' ? 1 : 0).num(cols).view(out).view(xr);
      native().cudaArgReduceRows(out.storage.ptr, xr.storage.ptr);
      return finishShape(out, x, dims, keepdim);
    }
    const code = CODES[name];
    if (code === undefined) throw new Error(`${name}: not implemented for cuda tensors yet (move the tensor with .to('cpu'))`);
    const accDt: DType = name === 'amax' || name === 'amin' || name === 'max' || name === 'min' ? x.dtype
      : isFloat(x.dtype) ? (x.dtype === 'float64' ? 'float64' : 'float32') : 'int64';
    const acc = emptyCuda(kept, accDt, name);
    args().num(code).num(cols).view(acc).view(xr);
    native().cudaReduceRows(acc.storage.ptr, xr.storage.ptr);
    let out = acc;
    if (outDtype !== accDt) { out = cudaClone(acc, outDtype); acc.dispose(); }
    return finishShape(out, x, dims, keepdim);
  } finally { if (xr !== x) xr.dispose(); }
}

/**
 * sum(|t|^p) (max|t| for p = Infinity) of a cuda tensor as a number, from library kernels only (no
 * autograd nodes, so anomaly mode's checks can use it): squares accumulate in float32 even for half
 * inputs. One readback.
 */
export function cudaSumPow(t: Tensor, p: number): number {
  const dims = t.shape.map((_, d) => d);
  const xin = isFloat(t.dtype) ? t : cudaClone(t, 'float32');
  const tmp: Tensor[] = [];
  try {
    let r: Tensor;
    if (p === 2) r = cudaReduce('sumsq', xin, dims, false, 'float32');
    else {
      const a = cudaUnary('abs', 'norm', xin, 0, 0, false);
      tmp.push(a);
      if (p === Infinity) r = cudaReduce('amax', a, dims, false, a.dtype);
      else if (p === 1) r = cudaReduce('sum', a, dims, false, 'float32');
      else { const q = cudaBinary('pow', 'norm', a, p, a.dtype, 1, 0); tmp.push(q); r = cudaReduce('sum', q, dims, false, 'float32'); }
    }
    tmp.push(r);
    return Number(r.toFlatArray()[0]);
  } finally {
    for (const x of tmp) x.dispose();
    if (xin !== t) xin.dispose();
  }
}

/** One fused SGD step of a float32 cuda parameter (torch.optim.SGD semantics). */
export function cudaSgdStep(p: Tensor, g: Tensor, buf: Tensor | null, first: boolean, h: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean }): void {
  checkSameDevice('SGD', p, g, buf);
  if (p.dtype !== 'float32') throw new Error(`SGD: cuda parameters must be float32 (master weights), got ${p.dtype}`);
  const gc = contiguousAs(g);
  const a = args().num(h.lr).num(h.momentum).num(h.dampening).num(h.weightDecay).num(h.nesterov ? 1 : 0).num(h.maximize ? 1 : 0)
    .num(first ? 1 : 0).num(1).view(p).view(gc);
  if (buf) a.view(buf);
  native().cudaSgd(p.storage.ptr, gc.storage.ptr, buf?.storage.ptr ?? 0);
  if (gc !== g) gc.dispose();
  p.storage.version++;
}

/** Batch norm of x (N, C, ...) on cuda; the kernel updates the running statistics itself in training. */
export function cudaBatchNorm(x: Tensor, rm: Tensor | null, rv: Tensor | null, w: Tensor | null, b: Tensor | null, training: boolean, momentum: number, eps: number): Tensor {
  const op = 'batchNorm';
  checkSameDevice(op, x, rm, rv, w, b);
  for (const t of [rm, rv]) if (t && (t.dtype !== 'float32' || !t.isContiguous())) throw new Error(`${op}: cuda running statistics must be contiguous float32`);
  const [N, C] = x.shape, S = numelOf(x.shape.slice(2));
  const xc = ownedContiguous(x, x.dtype, [N, C, S]), wc = w ? ownedContiguous(w, 'float32') : null, bc = b ? ownedContiguous(b, 'float32') : null;
  const y = emptyCuda([N, C, S], x.dtype, op), mean = emptyCuda([C], 'float32', op), rstd = emptyCuda([C], 'float32', op);
  const a = args().num(training ? 1 : 0).num(eps).num(momentum).view(xc);
  for (const t of [wc, bc]) if (t) a.view(t);
  a.view(y).view(mean).view(rstd);
  for (const t of [rm, rv]) if (t) a.view(t);
  native().cudaBatchNormFwd(xc.storage.ptr, wc?.storage.ptr ?? 0, bc?.storage.ptr ?? 0, y.storage.ptr, mean.storage.ptr, rstd.storage.ptr,
    rm?.storage.ptr ?? 0, rv?.storage.ptr ?? 0);
  if (training) { if (rm) rm.storage.version++; if (rv) rv.storage.version++; } else cudaBatchNormEvalStats(mean, rstd, rm!, rv!, eps);
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  const out = attach(y, op, inputs, (g, saved) => {
    const [sx, sm, sr] = saved, sw = wc ? saved[3] : null;
    if (!training) {
      const [ex, ew, eb] = cudaBatchNormEvalBackward(g.reshape([N, C, S]), sx, sm, sr, sw, !!w, !!b);
      return [ex.reshape(x.shape), ...(w ? [ew!.to(w.dtype)] : []), ...(b ? [eb!.to(b.dtype)] : [])];
    }
    const gc = contiguousAs(g.reshape([N, C, S]), x.dtype);
    const dx = emptyCuda([N, C, S], x.dtype, op), dw = zerosF32([C], op), db = zerosF32([C], op);
    const aa = args().view(gc).view(sx);
    if (sw) aa.view(sw);
    aa.view(sm).view(sr).view(dx).view(dw).view(db);
    native().cudaBatchNormBwd(gc.storage.ptr, sx.storage.ptr, sw?.storage.ptr ?? 0, sm.storage.ptr, sr.storage.ptr, dx.storage.ptr, dw.storage.ptr, db.storage.ptr);
    if (gc !== g) gc.dispose();
    const r: (Tensor | null)[] = [dx.reshape(x.shape)];
    if (w) r.push(dw.to(w.dtype)); else dw.dispose();
    if (b) r.push(db.to(b.dtype)); else db.dispose();
    return r;
  }, [xc, mean, rstd, ...(wc ? [wc] : [])]);
  for (const t of [mean, rstd, wc, bc]) t?.dispose();
  if (xc !== x) xc.dispose();
  return out.reshape(x.shape);
}

/** RMSNorm over the last dim of x2 (M, N) with optional weight (N), on cuda; differentiable. */
export function cudaRmsNormRows(x2: Tensor, w: Tensor | null, eps: number): Tensor {
  const op = 'rmsNorm';
  checkSameDevice(op, x2, w);
  const [M, N] = x2.shape;
  const xc = ownedContiguous(x2), wc = w ? ownedContiguous(w, 'float32', [N]) : null;
  const y = emptyCuda([M, N], x2.dtype, op), rstd = emptyCuda([M], 'float32', op);
  const a = args().num(eps).view(xc);
  if (wc) a.view(wc);
  a.view(y).view(rstd);
  native().cudaRmsNormFwd(xc.storage.ptr, wc?.storage.ptr ?? 0, y.storage.ptr, rstd.storage.ptr);
  attach(y, op, w ? [x2, w] : [x2], (g, saved) => {
    const [sx, sr] = saved, sw = wc ? saved[2] : null;
    const gc = contiguousAs(g, x2.dtype);
    const dx = emptyCuda([M, N], x2.dtype, op), dw = zerosF32([N], op);
    const aa = args().view(gc).view(sx);
    if (sw) aa.view(sw);
    aa.view(sr).view(dx).view(dw);
    native().cudaRmsNormBwd(gc.storage.ptr, sx.storage.ptr, sw?.storage.ptr ?? 0, sr.storage.ptr, dx.storage.ptr, dw.storage.ptr);
    if (gc !== g) gc.dispose();
    if (!w) { dw.dispose(); return [dx]; }
    return [dx, dw.reshape(w.shape).to(w.dtype)];
  }, [xc, rstd, ...(wc ? [wc] : [])]);
  for (const t of [xc, rstd, wc]) if (t && t !== x2) t.dispose();
  return y;
}

/** The pool2d kernel of the CPU binding's geometry block on cuda tensors (big (n, H, W), small (n, P, Q)). */
export function cudaPool2d(kind: number, geo: readonly number[], big: Tensor, small: Tensor, idx?: Tensor): void {
  checkSameDevice(kind < 2 ? 'maxPool2d' : 'avgPool2d', big, small, idx);
  const a = args().num(kind).nums(geo).view(big).view(small);
  if (idx) a.view(idx);
  native().cudaPool2d(big.storage.ptr, small.storage.ptr, idx?.storage.ptr ?? 0);
}

/**
 * Implicit-GEMM convolution on cuda with the CPU binding's geometry [N, C, H, W, K, R, S, P, Q, sh, sw, ph,
 * pw, dh, dw, groups]: which 0 = forward (x, w -> y, optional float32 bias), 1 = backward data (dy, w -> dx),
 * 2 = backward filter (x, dy -> dw).
 */
export function cudaConv2d(which: 0 | 1 | 2, geo: readonly number[], a: Tensor, b: Tensor, out: Tensor, bias?: Tensor | null): void {
  checkSameDevice('conv2d', a, b, out, bias);
  const ac = contiguousAs(a), bc = contiguousAs(b), biasc = bias ? contiguousAs(bias, 'float32') : null;
  try {
    const w = args().num(which).num(tf32Allowed() ? 1 : 0).nums(geo).view(ac).view(bc).view(out);
    if (biasc) w.view(biasc);
    native().cudaConv2d(ac.storage.ptr, bc.storage.ptr, out.storage.ptr, biasc?.storage.ptr ?? 0);
  } finally {
    for (const [c, t] of [[ac, a], [bc, b], [biasc, bias]] as const) if (c && c !== t) c.dispose();
  }
}
