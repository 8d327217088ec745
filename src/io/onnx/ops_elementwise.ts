// ONNX mappings of elementwise ops: unary math, activations (GELU/SiLU/Mish decomposed below opset
// 20), binary arithmetic and comparisons with neurona's type promotion made explicit (Cast), clamp,
// maskedFill, dtype casts and aliases (contiguous/clone/detach), and softmax/logSoftmax.
import { Tensor, isTensor } from '../../tensor';
import { DType, resultType } from '../../dtype';
import { ONNX_DTYPE } from './proto';
import { OpCall, TraceContext, defineMappings, bcastBatch, fail, dimOf, OpMapping } from './mapping';

/** The input of a method (self) or of a functional op (first argument). */
export function input0(call: OpCall): Tensor { return (isTensor(call.self) ? call.self : call.args[0]) as Tensor; }

/** Binds an op's output to the value `build` makes, its batch placed like the broadcast of `ins`. */
function bindEw(c: TraceContext, call: OpCall, ins: unknown[], build: () => string): void {
  const out = call.out as Tensor;
  const b = bcastBatch(c, call.op, out.ndim, ins);   // first: it may substitute constant operands
  c.bind(out, build(), b);
}

/** A unary op computed in the output's dtype by `build` (from the input value name). */
function unary(build: (c: TraceContext, x: string, dt: DType, call: OpCall) => string): OpMapping {
  return (c, call) => {
    const x = input0(call), out = call.out as Tensor;
    bindEw(c, call, [x], () => build(c, c.v(x, out.dtype), out.dtype, call));
  };
}

/** A unary op that is one ONNX node. */
const simple = (op: string) => unary((c, x) => c.g.node1(op, [x]));

function gelu(c: TraceContext, x: string, dt: DType, tanhApprox: boolean): string {
  const g = c.g;
  if (c.opset >= 20) return g.node1('Gelu', [x], { approximate: { s: tanhApprox ? 'tanh' : 'none' } });
  let inner: string;
  if (tanhApprox) {
    // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
    const x3 = g.node1('Mul', [g.node1('Mul', [x, x]), x]);
    const s = g.node1('Add', [x, g.node1('Mul', [x3, g.scalar(0.044715, dt)])]);
    inner = g.node1('Tanh', [g.node1('Mul', [s, g.scalar(Math.sqrt(2 / Math.PI), dt)])]);
  } else {
    inner = g.node1('Erf', [g.node1('Mul', [x, g.scalar(Math.SQRT1_2, dt)])]);
  }
  const half = g.node1('Mul', [x, g.scalar(0.5, dt)]);
  return g.node1('Mul', [half, g.node1('Add', [inner, g.scalar(1, dt)])]);
}

/** Clip(x, lo, hi) with optional bounds as scalars of dtype. */
function clip(c: TraceContext, x: string, dt: DType, lo: number | null | undefined, hi: number | null | undefined): string {
  return c.g.node1('Clip', [x, lo == null ? '' : c.g.scalar(lo, dt), hi == null ? '' : c.g.scalar(hi, dt)]);
}

const UNARY: Record<string, OpMapping> = {
  neg: simple('Neg'), abs: simple('Abs'), sign: simple('Sign'), exp: simple('Exp'), log: simple('Log'), sqrt: simple('Sqrt'),
  sin: simple('Sin'), cos: simple('Cos'), tan: simple('Tan'), tanh: simple('Tanh'), sigmoid: simple('Sigmoid'), relu: simple('Relu'),
  floor: simple('Floor'), ceil: simple('Ceil'), round: simple('Round'), reciprocal: simple('Reciprocal'), erf: simple('Erf'),
  asin: simple('Asin'), acos: simple('Acos'), atan: simple('Atan'), sinh: simple('Sinh'), cosh: simple('Cosh'),
  asinh: simple('Asinh'), acosh: simple('Acosh'), atanh: simple('Atanh'),
  rsqrt: unary((c, x) => c.g.node1('Reciprocal', [c.g.node1('Sqrt', [x])])),
  square: unary((c, x) => c.g.node1('Mul', [x, x])),
  log1p: unary((c, x, dt) => c.g.node1('Log', [c.g.node1('Add', [x, c.g.scalar(1, dt)])])),
  expm1: unary((c, x, dt) => c.g.node1('Sub', [c.g.node1('Exp', [x]), c.g.scalar(1, dt)])),
  log2: unary((c, x, dt) => c.g.node1('Div', [c.g.node1('Log', [x]), c.g.scalar(Math.LN2, dt)])),
  log10: unary((c, x, dt) => c.g.node1('Div', [c.g.node1('Log', [x]), c.g.scalar(Math.LN10, dt)])),
  exp2: unary((c, x, dt) => c.g.node1('Pow', [c.g.scalar(2, dt), x])),
  leakyRelu: unary((c, x, _dt, call) => c.g.node1('LeakyRelu', [x], { alpha: { f: (call.args[0] as number | undefined) ?? 0.01 } })),
  elu: unary((c, x, _dt, call) => c.g.node1('Elu', [x], { alpha: { f: (call.args[0] as number | undefined) ?? 1 } })),
  gelu: unary((c, x, dt, call) => gelu(c, x, dt, (call.args[0] as { approximate?: string } | undefined)?.approximate === 'tanh')),
  silu: unary((c, x) => c.g.node1('Mul', [x, c.g.node1('Sigmoid', [x])])),
  mish: unary((c, x) => c.g.node1('Mul', [x, c.g.node1('Tanh', [c.g.node1('Softplus', [x])])])),
  softplus: unary((c, x, dt, call) => {
    const beta = (call.args[0] as { beta?: number } | undefined)?.beta ?? 1;
    if (beta === 1) return c.g.node1('Softplus', [x]);
    const sp = c.g.node1('Softplus', [c.g.node1('Mul', [x, c.g.scalar(beta, dt)])]);
    return c.g.node1('Div', [sp, c.g.scalar(beta, dt)]);
  }),
  hardtanh: unary((c, x, dt, call) => clip(c, x, dt, (call.args[0] as number | undefined) ?? -1, (call.args[1] as number | undefined) ?? 1)),
  relu6: unary((c, x, dt) => clip(c, x, dt, 0, 6)),
  clamp: unary((c, x, dt, call) => clip(c, x, dt, call.args[0] as number | null, call.args[1] as number | null)),
  clip: unary((c, x, dt, call) => clip(c, x, dt, call.args[0] as number | null, call.args[1] as number | null)),
  isnan: unary((c, x) => c.g.node1('IsNaN', [x])),
  isinf: unary((c, x) => c.g.node1('IsInf', [x])),
};

/** A binary op whose operands are cast to `dt(call)` first; `build` makes the result from their names. */
function binary(build: (c: TraceContext, a: string, b: string, call: OpCall, dt: DType) => string, operandDtype?: (a: Tensor, b: unknown) => DType): OpMapping {
  return (c, call) => {
    const a = call.self as Tensor, b = call.args[0] as Tensor | number | boolean;
    const out = call.out as Tensor;
    const dt = operandDtype ? operandDtype(a, b) : out.dtype;
    bindEw(c, call, [a, b], () => build(c, c.v(a, dt), c.v(b, dt), call, dt));
  };
}
const arith = (op: string) => binary((c, a, b) => c.g.node1(op, [a, b]));
const promoted = (a: Tensor, b: unknown) => resultType(a, b as Tensor | number);
const compare = (op: string, negate = false) => binary((c, a, b) => {
  const r = c.g.node1(op, [a, b]);
  return negate ? c.g.node1('Not', [r]) : r;
}, promoted);
const logical = (op: string) => binary((c, a, b) => c.g.node1(op, [a, b]), () => 'bool');

/** b scaled by alpha (add/sub's alpha keyword). */
function scaled(c: TraceContext, b: string, call: OpCall, dt: DType): string {
  const alpha = (call.args[1] as { alpha?: number } | undefined)?.alpha ?? 1;
  return alpha === 1 ? b : c.g.node1('Mul', [b, c.g.scalar(alpha, dt)]);
}

const BINARY: Record<string, OpMapping> = {
  add: binary((c, a, b, call, dt) => c.g.node1('Add', [a, scaled(c, b, call, dt)])),
  sub: binary((c, a, b, call, dt) => c.g.node1('Sub', [a, scaled(c, b, call, dt)])),
  rsub: binary((c, a, b) => c.g.node1('Sub', [b, a])),
  mul: arith('Mul'),
  div: binary((c, a, b, call) => {
    if ((call.args[1] as { roundingMode?: string } | undefined)?.roundingMode) fail('div', 'with a roundingMode is not supported');
    return c.g.node1('Div', [a, b]);
  }),
  pow: arith('Pow'),
  maximum: arith('Max'),
  minimum: arith('Min'),
  eq: compare('Equal'), ne: compare('Equal', true), lt: compare('Less'), le: compare('LessOrEqual'),
  gt: compare('Greater'), ge: compare('GreaterOrEqual'),
  logicalAnd: logical('And'), logicalOr: logical('Or'), logicalXor: logical('Xor'),
  logicalNot: unary((c, x) => c.g.node1('Not', [x])),
};

/** dtype casts and ops that return the same values (no node, or one Cast). */
function cast(c: TraceContext, call: OpCall): void {
  const x = call.self as Tensor, out = call.out as Tensor;
  const name = out.dtype === x.dtype ? c.v(x) : c.g.node1('Cast', [c.v(x)], { to: { i: ONNX_DTYPE[out.dtype] } });
  c.bind(out, name, c.batch(x));
}

const CASTS: Record<string, OpMapping> = {
  to: cast, float: cast, double: cast, half: cast, bfloat16: cast, int: cast, long: cast, bool: cast,
  contiguous: cast, clone: cast, detach: cast,
};

/** softmax / logSoftmax along a dim (method or functional form; { dtype } casts first). */
function softmax(op: 'Softmax' | 'LogSoftmax'): OpMapping {
  return (c, call) => {
    const x = input0(call), out = call.out as Tensor;
    const dim = (isTensor(call.self) ? call.args[0] : call.args[1]) as number;
    const y = c.g.node1(op, [c.v(x, out.dtype)], { axis: { i: dimOf(dim, Math.max(x.ndim, 1)) } });
    c.bind(out, y, c.batch(x));
  };
}

defineMappings({
  ...UNARY,
  ...BINARY,
  ...CASTS,
  softmax: softmax('Softmax'),
  logSoftmax: softmax('LogSoftmax'),
  // where(cond, x, y) (x and y may be numbers)
  where: (c, call) => {
    const [cond, x, y] = call.args as [Tensor, Tensor | number, Tensor | number];
    const out = call.out as Tensor;
    bindEw(c, call, [cond, x, y], () => c.g.node1('Where', [c.v(cond, 'bool'), c.v(x, out.dtype), c.v(y, out.dtype)]));
  },
  // x.maskedFill(mask, value): Where(mask, value, x)
  maskedFill: (c, call) => {
    const x = call.self as Tensor, [mask, value] = call.args as [Tensor, Tensor | number];
    const out = call.out as Tensor;
    bindEw(c, call, [x, mask, value], () => c.g.node1('Where', [c.v(mask, 'bool'), c.v(value, out.dtype), c.v(x, out.dtype)]));
  },
});
