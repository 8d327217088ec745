// Calling the elementwise kernels from JS: op-name -> code lookup, dtype promotion, broadcasting and
// output allocation. Op files build on runUnary/runBinary/runWhere; nothing here records autograd.
import { native } from '../backend/native';
import { args } from '../backend/args';
import { DType, resultType, isFloat, defaultFloat } from '../dtype';
import { Tensor, broadcastShapes, broadcastStridesTo, fmtShape, isTensor, sharesMemory, checkWritable } from '../tensor';
import { cudaBinary, cudaUnary, cudaWhere } from '../cuda/ops';
import { cudaClamp, cudaComposedUnary, cudaComposedBinary } from '../cuda/cumisc';

/** Throws a TypeError naming `op` unless x is a tensor (or, with scalars, a JS number/boolean). */
export function checkOperand(x: unknown, op: string, what: string, scalars = true): void {
  if (isTensor(x) || (scalars && (typeof x === 'number' || typeof x === 'boolean'))) return;
  const got = x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
  throw new TypeError(`${op}: expected ${what} to be a tensor${scalars ? ', number or boolean' : ''}, got ${got}`);
}

let codes: { unary: Record<string, number>; binary: Record<string, number> } | null = null;
function opCode(kind: 'unary' | 'binary', name: string): number {
  codes ??= native().opCodes();
  const c = codes![kind][name];
  if (c === undefined) throw new Error(`neurona: the native addon has no ${kind} op '${name}' (addon and JS out of sync)`);
  return c;
}

/** Kernel names that differ from the public op name users see in error messages. */
const OP_NAME: Record<string, string> = {
  floor_divide: 'floorDivide', leaky_relu: 'leakyRelu', gelu_tanh: 'gelu', logical_and: 'logicalAnd', logical_or: 'logicalOr',
  logical_xor: 'logicalXor', logical_not: 'logicalNot',
};

const PREDICATES = new Set(['isnan', 'isinf', 'isfinite', 'signbit', 'logical_not']);
const COMPARES = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logical_and', 'logical_or', 'logical_xor']);

/** Casts t to dtype (a copy) unless it already has it. */
export function cast(t: Tensor, dtype: DType): Tensor { return t.dtype === dtype ? t : t.detach().to(dtype); }

/** CPU compute dtype for a result dtype (float16/bfloat16 compute in float32). */
function computeDtype(d: DType): DType { return d === 'float16' || d === 'bfloat16' ? 'float32' : d; }

export interface UnaryOpts { a?: number; b?: number; floatOnly?: boolean; out?: Tensor; }

/** out = op(x). floatOnly ops promote integer/bool input to the default float dtype (like torch.exp). */
export function runUnary(name: string, x: Tensor, o: UnaryOpts = {}): Tensor {
  const label = (OP_NAME[name] ?? name) + (o.out ? '_' : '');   // the public name (x.add_ for in place), for messages
  checkOperand(x, label, 'the input', false);
  x._check(label);
  if (x.device !== 'cpu') {
    if (o.out) checkWritable(o.out, label);
    if (name === 'clamp') return cudaClamp(label, x, o.a ?? NaN, o.b ?? NaN, o.out);
    const composed = cudaComposedUnary(name, x, o.out);
    if (composed) return composed;
    return cudaUnary(name, label, x, o.a ?? 0, o.b ?? 0, !!o.floatOnly, o.out);
  }
  const pred = PREDICATES.has(name);
  let want: DType = computeDtype(x.dtype);
  if (o.floatOnly && !isFloat(want)) want = defaultFloat();
  if (want === 'bool' && !pred) want = 'uint8';
  const xin = cast(x, want);
  const outDtype = pred ? 'bool' : want;
  if (o.out) checkWritable(o.out, label);
  const direct = o.out && o.out.dtype === outDtype && !sharesMemory(o.out, xin) ? o.out : undefined;
  const out = direct ?? Tensor.empty(x.shape, outDtype, false, label);
  args().num(opCode('unary', name)).num(o.a ?? 0).num(o.b ?? 0).view(out).view(xin);
  native().unary(out.storage.buf, xin.storage.buf);
  if (out === o.out) out.storage.version++;
  if (xin !== x) xin.dispose();
  if (o.out && out !== o.out) { o.out.copy_(out); out.dispose(); return o.out; }
  // float16/bfloat16 inputs computed in float32: hand back their own dtype
  if (!pred && (x.dtype === 'float16' || x.dtype === 'bfloat16')) { const r = out.to(x.dtype); out.dispose(); return r; }
  return out;
}

export interface BinaryOpts { a?: number; b?: number; trueDiv?: boolean; out?: Tensor; outDtype?: DType; }

const BOOL_AS_LOGICAL: Record<string, string> = { add: 'logical_or', maximum: 'logical_or', mul: 'logical_and', minimum: 'logical_and' };

/** Result dtype of a binary op (torch.result_type; true division of integers gives the default float). */
export function binaryResultType(name: string, x: Tensor | number | boolean, y: Tensor | number | boolean, trueDiv = false): DType {
  let rt = resultType(x as any, y as any);
  if (trueDiv && !isFloat(rt)) rt = defaultFloat();
  return rt;
}

/** out = op(x, y) with broadcasting and type promotion; y may be a JS number. */
export function runBinary(name: string, x: Tensor, y: Tensor | number | boolean, o: BinaryOpts = {}): Tensor {
  const label = (OP_NAME[name] ?? name) + (o.out ? '_' : '');   // the public name (x.add_ for in place), for messages
  checkOperand(x, label, 'the first operand', false);
  checkOperand(y, label, 'the second operand');
  x._check(label);
  if (isTensor(y)) y._check(label);
  const rt = binaryResultType(name, x, y, o.trueDiv);
  if (x.device !== 'cpu' || (isTensor(y) && y.device !== 'cpu') || (o.out && o.out.device !== 'cpu')) {
    if (o.out) checkWritable(o.out, label);
    const composed = o.outDtype ? null : cudaComposedBinary(name, label, x, y, rt, o.out);
    if (composed) return composed;
    if (o.outDtype) {
      // computed in the promoted dtype, then converted (into o.out when given)
      const r = cudaBinary(name, label, x, y, rt, o.a ?? 1, o.b ?? 0);
      if (r.dtype === o.outDtype && !o.out) return r;
      const c = o.out ? o.out.copy_(r) : r.to(o.outDtype);
      r.dispose();
      return c;
    }
    return cudaBinary(name, label, x, y, rt, o.a ?? 1, o.b ?? 0, o.out);
  }
  const isCmp = COMPARES.has(name);
  let kname = name;
  if (rt === 'bool' && !isCmp) {
    kname = BOOL_AS_LOGICAL[name];
    if (!kname) throw new TypeError(`${label}: not supported for bool tensors (convert with .to('int64') or .float() first)`);
  }
  const ct = computeDtype(rt);
  const outDtype = o.outDtype ?? (isCmp || rt === 'bool' ? 'bool' : ct);
  const code = opCode('binary', kname);
  // float16/bfloat16 compute in float32 on the CPU and are converted back at the end. An in-place
  // output that overlaps an input other than as the identical view (x.add_(x.t())) gets a temporary.
  if (o.out) checkWritable(o.out, label);
  const overlap = o.out && (sharesMemory(o.out, x) || (isTensor(y) && sharesMemory(o.out, y)));
  const direct = o.out && o.out.dtype === outDtype && !overlap ? o.out : undefined;
  let out: Tensor;
  if (typeof y !== 'object') {
    const xin = cast(x, ct);
    out = direct ?? Tensor.empty(x.shape, outDtype, false, label);
    args().num(code).num(o.a ?? 1).num(o.b ?? 0).num(Number(y)).view(out).view(xin);
    native().binaryScalar(out.storage.buf, xin.storage.buf);
    if (out === o.out) out.storage.version++;
    if (xin !== x) xin.dispose();
  } else {
    y._check(label);
    const shape = broadcastShapes(label, x.shape, y.shape);
    if (o.out && (o.out.shape.length !== shape.length || o.out.shape.some((d, i) => d !== shape[i]))) {
      throw new RangeError(`${label}: result of shape ${fmtShape(shape)} does not fit the in-place tensor of shape ${fmtShape(o.out.shape)}`);
    }
    const xin = cast(x, ct), yin = cast(y, ct);
    out = direct ?? Tensor.empty(shape, outDtype, false, label);
    args().num(code).num(o.a ?? 1).num(o.b ?? 0).view(out)
      .view(xin, shape, broadcastStridesTo(xin, shape, label))
      .view(yin, shape, broadcastStridesTo(yin, shape, label));
    native().binary(out.storage.buf, xin.storage.buf, yin.storage.buf);
    if (out === o.out) out.storage.version++;
    if (xin !== x) xin.dispose();
    if (yin !== y) yin.dispose();
  }
  if (o.out && out !== o.out) { o.out.copy_(out); out.dispose(); return o.out; }
  if (!isCmp && rt !== out.dtype && !o.outDtype) { const r = out.to(rt); out.dispose(); return r; }
  return out;
}

/** out = cond ? x : y (broadcast). */
export function runWhere(cond: Tensor, x: Tensor, y: Tensor): Tensor {
  checkOperand(cond, 'where', 'the condition', false);
  cond._check('where'); x._check('where'); y._check('where');
  const dt = resultType(x, y);
  if (cond.device !== 'cpu' || x.device !== 'cpu' || y.device !== 'cpu') return cudaWhere(cond, x, y, dt);
  const shape = broadcastShapes('where', cond.shape, x.shape, y.shape);
  const c = cond.dtype === 'bool' ? cond : cond.ne(0);
  const xin = cast(x, dt), yin = cast(y, dt);
  const out = Tensor.empty(shape, dt, false, 'where');
  args().view(out).view(c, shape, broadcastStridesTo(c, shape, 'where'))
    .view(xin, shape, broadcastStridesTo(xin, shape, 'where'))
    .view(yin, shape, broadcastStridesTo(yin, shape, 'where'));
  native().where(out.storage.buf, c.storage.buf, xin.storage.buf, yin.storage.buf);
  if (xin !== x) xin.dispose();
  if (yin !== y) yin.dispose();
  if (c !== cond) c.dispose();
  return out;
}

declare module '../tensor' {
  interface Tensor { ne(other: Tensor | number): Tensor; }
}
