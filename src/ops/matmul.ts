// Matrix products: matmul (torch.matmul's rank rules and batch broadcasting), mm, bmm, mv, dot,
// outer, addmm and linear. They all run the native batched GEMM, which reads strided views, so the
// transposes in forward and backward are views (shape/stride swaps), never copies. Backward rules
// are next to each op and are written with these same ops, so double backward works too.
import { autocastDtype, castLow } from '../amp/autocast';
import { emptyCuda } from '../cuda/memory';
import { cudaMatmulInto, checkSameDevice } from '../cuda/ops';
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, Shape, fmtShape, numelOf } from '../tensor';
import { attach } from '../autograd';
import { defineMethods } from './registry';
import { sumToShape } from './reduce';
import { DType } from '../dtype';
import { checkTensor } from './check';
import { tracing, traceOp } from '../trace';

declare module '../tensor' {
  interface Tensor {
    matmul(other: Tensor): Tensor;
    mm(mat2: Tensor): Tensor;
    bmm(mat2: Tensor): Tensor;
    mv(vec: Tensor): Tensor;
    dot(other: Tensor): Tensor;
    outer(vec2: Tensor): Tensor;
    addmm(mat1: Tensor, mat2: Tensor, opts?: AddmmOpts): Tensor;
  }
}

/** Keyword arguments of addmm: out = beta * input + alpha * (mat1 · mat2). */
export interface AddmmOpts { beta?: number; alpha?: number; }

// ---- the native call ---------------------------------------------------------------------------

/** An operand as the kernel reads it: a tensor's storage with a shape and strides of our choosing. */
interface Operand { t: Tensor; shape: number[]; strides: number[]; }

const asOperand = (t: Tensor): Operand => ({ t, shape: t.shape as number[], strides: t.strides as number[] });

/** The transposed view of a matrix operand (last two dims swapped), without creating a tensor. */
function transposed(o: Operand): Operand {
  const n = o.shape.length, sh = o.shape.slice(), st = o.strides.slice();
  [sh[n - 2], sh[n - 1]] = [sh[n - 1], sh[n - 2]];
  [st[n - 2], st[n - 1]] = [st[n - 1], st[n - 2]];
  return { t: o.t, shape: sh, strides: st };
}

/** Shape and strides of a (…, R, C) operand with its batch dims expanded to `batch` (0 strides). */
function expandBatch(o: Operand, batch: readonly number[]): [number[], number[]] {
  const nb = o.shape.length - 2, off = batch.length - nb;
  const shape = [...batch, o.shape[nb], o.shape[nb + 1]];
  const strides = new Array<number>(batch.length + 2).fill(0);
  for (let i = 0; i < nb; i++) strides[off + i] = o.shape[i] === 1 ? 0 : o.strides[i];
  strides[batch.length] = o.strides[nb];
  strides[batch.length + 1] = o.strides[nb + 1];
  return [shape, strides];
}

/**
 * out (contiguous, (batch…, M, N)) = alpha * a·b + beta * out (+ bias, a contiguous (N) tensor added
 * to every row, fused into the kernel's store), no autograd.
 */
function gemmInto(out: Tensor, a: Operand, b: Operand, batch: readonly number[], alpha: number, beta: number, bias?: Tensor): void {
  const [ash, ast] = expandBatch(a, batch), [bsh, bst] = expandBatch(b, batch);
  const w = args().num(alpha).num(beta).num(bias ? 1 : 0).view(out).view(a.t, ash, ast).view(b.t, bsh, bst);
  if (bias) {
    w.view(bias);
    native().gemm(out.storage.buf, a.t.storage.buf, b.t.storage.buf, bias.storage.buf);
  } else {
    native().gemm(out.storage.buf, a.t.storage.buf, b.t.storage.buf);
  }
}

// ---- checks ------------------------------------------------------------------------------------

const LOW_PRECISION = new Set<DType>(['float16', 'bfloat16']);

/** Same dtype for both operands, and one the kernels implement. */
function checkDtypes(op: string, a: Tensor, b: Tensor): void {
  checkTensor(a, op, 'the first operand'); checkTensor(b, op, 'the second operand');
  if (a.dtype !== b.dtype) {
    throw new TypeError(`${op}: expected both operands to have the same dtype, got ${a.dtype} and ${b.dtype} (convert one with .to())`);
  }
  if (a.dtype === 'bool') throw new TypeError(`${op}: not implemented for bool tensors (convert with .to('int64') or .float() first)`);
}

const mat = (s: Shape) => `${s[s.length - 2]}x${s[s.length - 1]}`;

/** torch-style batch broadcast of two operands' leading dims, with an error naming the full shapes. */
function broadcastBatch(op: string, a: Tensor, b: Tensor): number[] {
  const x = a.shape.slice(0, -2), y = b.shape.slice(0, -2);
  const n = Math.max(x.length, y.length), out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const p = x[x.length - n + i] ?? 1, q = y[y.length - n + i] ?? 1;
    if (p !== q && p !== 1 && q !== 1) {
      throw new RangeError(`${op}: batch dimensions of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast together (${String(p)} vs ${q} at batch dim ${String(i)})`);
    }
    out[i] = p === 1 ? q : p;
  }
  return out;
}

/** True when dims [0, last] of t can be merged into one without a copy (a view exists). */
function mergeable(t: Tensor, last: number): boolean {
  let prev = -1;
  for (let d = 0; d <= last; d++) {
    if (t.shape[d] === 1) continue;
    if (prev >= 0 && t.strides[prev] !== t.strides[d] * t.shape[d]) return false;
    prev = d;
  }
  return true;
}

// ---- the differentiable core -------------------------------------------------------------------

/**
 * alpha * a·b for a (…, M, K) and b (…, K, N), ranks >= 2, with batch broadcasting. A batched `a`
 * times a plain matrix `b` runs as one (batch*M, K)·(K, N) product when a's rows merge into a view.
 */
function mmCore(op: string, a: Tensor, b: Tensor, alpha = 1): Tensor {
  const K = a.shape[a.ndim - 1];
  if (b.shape[b.ndim - 2] !== K) {
    throw new RangeError(`${op}: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${mat(a.shape)} and ${mat(b.shape)})`);
  }
  const onDevice = a.device !== 'cpu' || b.device !== 'cpu';
  if (LOW_PRECISION.has(a.dtype) && !onDevice) {
    // float16/bfloat16 are storage dtypes on the CPU: compute in float32, round once at the end.
    return mmCore(op, a.to('float32'), b.to('float32'), alpha).to(a.dtype);
  }
  if (b.ndim === 2 && a.ndim > 2 && mergeable(a, a.ndim - 2)) {
    // rows spelled out, not -1: reshape refuses to infer -1 when K is 0 (ambiguous), as torch does
    const out = mmCore(op, a.reshape([numelOf(a.shape.slice(0, -1)), K]), b, alpha);
    return out.reshape([...a.shape.slice(0, -1), b.shape[1]]);
  }
  const batch = broadcastBatch(op, a, b);
  const M = a.shape[a.ndim - 2], N = b.shape[b.ndim - 1];
  if (onDevice) checkSameDevice(op, a, b);
  const out = onDevice ? emptyCuda([...batch, M, N], a.dtype, op) : Tensor.empty([...batch, M, N], a.dtype);
  if (out.numel() > 0 && onDevice) cudaMatmulInto(op, out, a, b, batch, alpha);
  else if (out.numel() > 0) gemmInto(out, asOperand(a), asOperand(b), batch, alpha, 0);
  return attach(out, op, [a, b], (g, [sa, sb]) => [
    a.requiresGrad ? sumToShape(mmCore(op, g, sb.transpose(-2, -1), alpha), a.shape) : null,
    b.requiresGrad ? sumToShape(mmCore(op, sa.transpose(-2, -1), g, alpha), b.shape) : null,
  ], [a, b]);
}

// ---- public ops --------------------------------------------------------------------------------

/**
 * Matrix product with torch.matmul's rules: 1-D·1-D is a dot product (0-d result), 2-D·2-D a matrix
 * product, 2-D·1-D a matrix-vector product; a 1-D first operand gets a dim prepended (and removed
 * from the result), a 1-D second operand a dim appended (and removed); leading (batch) dims
 * broadcast. Operands must share a dtype (float32, float64, int32, int64, uint8; float16/bfloat16
 * compute in float32).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (tracing.active) return traceOp('matmul', matmul, [a, b]);
  if (autocastDtype()) { a = castLow(a); b = castLow(b); }
  checkDtypes('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`matmul: both arguments need to be at least 1-D, but they are ${a.ndim}-D and ${b.ndim}-D (shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`);
  }
  if (a.ndim === 1 && b.ndim === 1) return dotImpl('matmul', a, b);
  if (a.ndim === 2 && b.ndim === 1) return mvImpl('matmul', a, b);
  if (a.ndim === 1 && b.ndim === 2) {
    if (a.shape[0] !== b.shape[0]) {
      throw new RangeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (1x${a.shape[0]} and ${mat(b.shape)})`);
    }
    return mmCore('matmul', a.unsqueeze(0), b).squeeze(0);
  }
  if (a.ndim === 2 && b.ndim === 2) return mmCore('matmul', a, b);
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a, b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
  if (a2.shape[a2.ndim - 1] !== b2.shape[b2.ndim - 2]) {
    throw new RangeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${mat(a2.shape)} and ${mat(b2.shape)})`);
  }
  let out = mmCore('matmul', a2, b2);
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
}

/** Matrix product of two 2-D tensors (torch.mm): (n, m)·(m, p) -> (n, p). No broadcasting. */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (tracing.active) return traceOp('mm', mm, [a, b]);
  if (autocastDtype()) { a = castLow(a); b = castLow(b); }
  checkDtypes('mm', a, b);
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new RangeError(`mm: expected 2-D tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return mmCore('mm', a, b);
}

/** Batched matrix product of two 3-D tensors with the same batch size (torch.bmm): (b, n, m)·(b, m, p). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (tracing.active) return traceOp('bmm', bmm, [a, b]);
  if (autocastDtype()) { a = castLow(a); b = castLow(b); }
  checkDtypes('bmm', a, b);
  if (a.ndim !== 3 || b.ndim !== 3) {
    throw new RangeError(`bmm: expected 3-D tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(`bmm: batch sizes differ: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return mmCore('bmm', a, b);
}

function mvImpl(op: string, m: Tensor, v: Tensor): Tensor {
  if (m.shape[1] !== v.shape[0]) {
    throw new RangeError(`${op}: size mismatch, got matrix ${fmtShape(m.shape)} and vector ${fmtShape(v.shape)}`);
  }
  return mmCore(op, m, v.unsqueeze(1)).squeeze(1);
}

/** Matrix-vector product (torch.mv): (n, m)·(m) -> (n). */
export function mv(m: Tensor, v: Tensor): Tensor {
  checkDtypes('mv', m, v);
  if (m.ndim !== 2 || v.ndim !== 1) {
    throw new RangeError(`mv: expected a 2-D matrix and a 1-D vector, got shapes ${fmtShape(m.shape)} and ${fmtShape(v.shape)}`);
  }
  return mvImpl('mv', m, v);
}

function dotImpl(op: string, a: Tensor, b: Tensor): Tensor {
  if (a.shape[0] !== b.shape[0]) {
    throw new RangeError(`${op}: inconsistent tensor size, expected tensors ${fmtShape(a.shape)} and ${fmtShape(b.shape)} to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`);
  }
  return mmCore(op, a.unsqueeze(0), b.unsqueeze(1)).reshape([]);
}

/** Dot product of two 1-D tensors of equal length (torch.dot); a 0-d tensor. */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkDtypes('dot', a, b);
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new RangeError(`dot: 1-D tensors expected, but got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return dotImpl('dot', a, b);
}

/** Outer product of two 1-D tensors (torch.outer): (n)⊗(m) -> (n, m); dtypes promote as in mul. */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'outer', 'the first operand'); checkTensor(b, 'outer', 'the second operand');
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new RangeError(`outer: 1-D tensors expected, but got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return a.unsqueeze(1).mul(b.unsqueeze(0));
}

/**
 * beta * input + alpha * (mat1 · mat2) (torch.addmm) with mat1 (n, m), mat2 (m, p) and input
 * broadcastable to (n, p). With beta = 0 the input is ignored (NaN in it does not propagate).
 */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, opts: AddmmOpts = {}): Tensor {
  const beta = opts.beta ?? 1, alpha = opts.alpha ?? 1;
  checkDtypes('addmm', mat1, mat2);
  checkDtypes('addmm', input, mat1);
  if (mat1.ndim !== 2 || mat2.ndim !== 2) {
    throw new RangeError(`addmm: expected 2-D matrices, got shapes ${fmtShape(mat1.shape)} and ${fmtShape(mat2.shape)}`);
  }
  if (mat1.shape[1] !== mat2.shape[0]) {
    throw new RangeError(`addmm: shapes ${fmtShape(mat1.shape)} and ${fmtShape(mat2.shape)} cannot be multiplied (${mat(mat1.shape)} and ${mat(mat2.shape)})`);
  }
  const n = mat1.shape[0], p = mat2.shape[1];
  if (input.ndim > 2 || input.shape.some((d, i) => d !== 1 && d !== [n, p][2 - input.ndim + i])) {
    throw new RangeError(`addmm: input of shape ${fmtShape(input.shape)} cannot be broadcast to the product's shape [${String(n)}, ${String(p)}]`);
  }
  if (LOW_PRECISION.has(mat1.dtype)) {
    return addmm(input.to('float32'), mat1.to('float32'), mat2.to('float32'), opts).to(mat1.dtype);
  }
  const out = Tensor.empty([n, p], mat1.dtype);
  if (out.numel() > 0) {
    // A row-vector input with beta = 1 is a bias the kernel adds while storing C; otherwise the
    // input is copied (broadcast) into C first and scaled by the kernel's beta.
    const rowBias = beta === 1 && input.numel() === p && (input.ndim === 1 || (input.ndim === 2 && input.shape[0] === 1)) && input.isContiguous();
    if (rowBias) {
      const bias = input.ndim === 1 ? input : input.detach().reshape([p]);
      gemmInto(out, asOperand(mat1), asOperand(mat2), [], alpha, 0, bias);
      if (bias !== input) bias.dispose();
    } else {
      if (beta !== 0) out.copy_(input);
      gemmInto(out, asOperand(mat1), asOperand(mat2), [], alpha, beta);
    }
  }
  const inShape = input.shape;
  return attach(out, 'addmm', [input, mat1, mat2], (g, [s1, s2]) => [
    input.requiresGrad ? sumToShape(beta === 1 ? g : g.mul(beta), inShape) : null,
    mat1.requiresGrad ? mmCore('addmm', g, s2.transpose(-2, -1), alpha) : null,
    mat2.requiresGrad ? mmCore('addmm', s1.transpose(-2, -1), g, alpha) : null,
  ], [mat1, mat2]);
}

/**
 * Affine map x·Wᵀ + b (torch.nn.functional.linear): x (…, in), weight (out, in) as in PyTorch's
 * Linear, optional bias (out). Leading dims of x are folded into one GEMM; the transposed weight is
 * a view, and the backward computes dW = gᵀ·x directly in the weight's layout.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (tracing.active) return traceOp('linear', linear, [x, weight, bias]);
  if (autocastDtype()) { x = castLow(x); weight = castLow(weight); if (bias) bias = castLow(bias); }
  return linearImpl(x, weight, bias);
}

function linearImpl(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkDtypes('linear', x, weight);
  if (weight.ndim !== 2) throw new RangeError(`linear: weight must be 2-D (out_features, in_features), got shape ${fmtShape(weight.shape)}`);
  if (x.ndim === 0) throw new RangeError('linear: input must be at least 1-D, got a 0-d tensor');
  const [outF, inF] = weight.shape;
  if (x.shape[x.ndim - 1] !== inF) {
    throw new RangeError(`linear: input of shape ${fmtShape(x.shape)} and weight of shape ${fmtShape(weight.shape)} cannot be multiplied (${numelOf(x.shape.slice(0, -1))}x${x.shape[x.ndim - 1]} and ${inF}x${outF})`);
  }
  if (bias) {
    checkDtypes('linear', x, bias);
    if (bias.ndim !== 1 || bias.shape[0] !== outF) {
      throw new RangeError(`linear: bias must have shape [${outF}], got ${fmtShape(bias.shape)}`);
    }
  }
  if (x.device !== 'cpu' || weight.device !== 'cpu') {
    // on cuda: x·Wᵀ through the batched GEMM (Wᵀ is a view), then the bias as a broadcast add
    const y = matmul(x, weight.t());
    return bias ? y.add(bias) : y;
  }
  if (LOW_PRECISION.has(x.dtype)) {
    return linearImpl(x.to('float32'), weight.to('float32'), bias ? bias.to('float32') : null).to(x.dtype);
  }
  const x2 = x.ndim === 2 ? x : x.reshape([numelOf(x.shape.slice(0, -1)), inF]);   // not -1: inF may be 0
  const out = linear2d(x2, weight, bias ?? null);
  return x.ndim === 2 ? out : out.reshape([...x.shape.slice(0, -1), outF]);
}

/** linear for a 2-D input (N, in): out (N, out) = x·Wᵀ (+ bias broadcast over rows). */
function linear2d(x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  const out = Tensor.empty([x.shape[0], w.shape[0]], x.dtype);
  if (out.numel() > 0) {
    const b = bias && !bias.isContiguous() ? bias.detach().contiguous() : bias;
    gemmInto(out, asOperand(x), transposed(asOperand(w)), [], 1, 0, b ?? undefined);
    if (b && b !== bias) b.dispose();
  }
  const inputs = bias ? [x, w, bias] : [x, w];
  return attach(out, 'linear', inputs, (g, [sx, sw]) => [
    x.requiresGrad ? mmCore('linear', g, sw) : null,
    w.requiresGrad ? mmCore('linear', g.transpose(-2, -1), sx) : null,
    bias && bias.requiresGrad ? g.sum(0) : null,
  ], [x, w]);
}

defineMethods('matmul', {
  matmul(other: Tensor) { return matmul(this, other); },
  mm(other: Tensor) { return mm(this, other); },
  bmm(other: Tensor) { return bmm(this, other); },
  mv(vec: Tensor) { return mv(this, vec); },
  dot(other: Tensor) { return dot(this, other); },
  outer(vec2: Tensor) { return outer(this, vec2); },
  addmm(m1: Tensor, m2: Tensor, o?: AddmmOpts) { return addmm(this, m1, m2, o); },
});
