// Convolutions: conv1d, conv2d, convTranspose1d/2d with stride, padding (incl. 'same'/'valid'),
// dilation, groups and bias; forward and both backward passes run the native conv2d kernels
// (1-D convolutions are 2-D ones with height 1; transposed convolution swaps forward and
// backward-input).
import { cudaConv2d } from '../cuda/layers';
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, fmtShape } from '../tensor';
import { attach } from '../autograd';
import { pad } from './pad';
import { isFloat } from '../dtype';
import { checkTensor, fmtValue } from './check';
import { tracing, traceOp } from '../trace';

export type Pair = number | [number, number];
export interface ConvOpts { stride?: Pair; padding?: Pair | 'same' | 'valid'; dilation?: Pair; groups?: number; }
export interface ConvTransposeOpts { stride?: Pair; padding?: Pair; outputPadding?: Pair; dilation?: Pair; groups?: number; }

const pair = (v: Pair | undefined, dflt: number, what: string, op: string): [number, number] => {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every(Number.isInteger)) throw new TypeError(`${op}: ${what} must be an integer or a pair of integers, got ${fmtValue(v)}`);
  return p;
};

/** Geometry: [N,C,H,W,K,R,S,P,Q,sh,sw,ph,pw,dh,dw,groups] for a conv of x-side (N,C,H,W) into y-side (N,K,P,Q). */
type Geo = number[];

function runConv(fn: 'conv2dBackwardInput' | 'conv2dBackwardWeight', geo: Geo, a: Tensor, b: Tensor, out: Tensor): void {
  if (out.device !== 'cpu') {
    // the CPU kernels take (dy, w) and (dy, x); the cuda ones (dy, w) and (x, dy)
    if (fn === 'conv2dBackwardInput') cudaConv2d(1, geo, a, b, out);
    else cudaConv2d(2, geo, b, a, out);
    return;
  }
  const ac = a.contiguous(), bc = b.contiguous();
  args().nums(geo).view(ac).view(bc).view(out);
  native()[fn](ac.storage.buf, bc.storage.buf, out.storage.buf);
  if (ac !== a) ac.dispose();
  if (bc !== b) bc.dispose();
}

/** y = conv2d(x, w) (+ bias, a K-element tensor of x's dtype) by the native forward kernel. */
function conv2dForwardInto(geo: Geo, x: Tensor, w: Tensor, bias: Tensor | null, y: Tensor): void {
  if (y.device !== 'cpu') { cudaConv2d(0, geo, x, w, y, bias); return; }
  const xc = x.contiguous(), wc = w.contiguous(), bc = bias ? bias.contiguous() : null;
  const a = args().nums(geo).view(xc).view(wc).view(y).num(bc ? 1 : 0);
  if (bc) {
    a.view(bc);
    native().conv2dForward(xc.storage.buf, wc.storage.buf, y.storage.buf, bc.storage.buf);
  } else {
    native().conv2dForward(xc.storage.buf, wc.storage.buf, y.storage.buf);
  }
  for (const [c, t] of [[xc, x], [wc, w], [bc, bias]] as const) if (c && c !== t) c.dispose();
}

function checkInputs(op: string, x: Tensor, w: Tensor, bias: Tensor | null | undefined, dims: number): void {
  checkTensor(x, op, 'the input'); checkTensor(w, op, 'the weight');
  if (!isFloat(x.dtype) || x.dtype !== w.dtype) throw new TypeError(`${op}: input (${x.dtype}) and weight (${w.dtype}) must have the same floating dtype`);
  if (x.device === 'cpu' && x.dtype !== 'float32' && x.dtype !== 'float64') throw new TypeError(`${op}: ${x.dtype} is a storage dtype on the CPU; convert to float32`);
  if (x.ndim !== dims + 2) throw new RangeError(`${op}: expected a ${dims + 2}-D input (batch, channels, ${dims === 2 ? 'height, width' : 'length'}), got ${fmtShape(x.shape)}`);
  if (w.ndim !== dims + 2) throw new RangeError(`${op}: expected a ${dims + 2}-D weight, got ${fmtShape(w.shape)}`);
  if (bias !== null && bias !== undefined) {
    checkTensor(bias, op, 'the bias');
    if (bias.ndim !== 1) throw new RangeError(`${op}: bias must be 1-D, got ${fmtShape(bias.shape)}`);
  }
}

function addBias(y: Tensor, bias: Tensor | null | undefined): Tensor {
  return bias ? y.add(bias.reshape([1, -1, 1, 1])) : y;
}

/** 2-D convolution, x (N, C, H, W) or (C, H, W), weight (K, C/groups, R, S). */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvOpts = {}): Tensor {
  if (tracing.active) return traceOp('conv2d', conv2d, [x, weight, bias, o]);
  checkTensor(x, 'conv2d', 'the input');
  if (x.ndim === 3) return conv2d(x.unsqueeze(0), weight, bias, o).squeeze(0);
  checkInputs('conv2d', x, weight, bias, 2);
  const [sh, sw] = pair(o?.stride, 1, 'stride', 'conv2d'), [dh, dw] = pair(o?.dilation, 1, 'dilation', 'conv2d');
  const groups = o?.groups ?? 1;
  const [N, C, H, W] = x.shape, [K, Cg, R, S] = weight.shape;
  if (!Number.isInteger(groups) || groups < 1 || C % groups || K % groups) throw new RangeError(`conv2d: groups=${String(groups)} must divide in_channels ${C} and out_channels ${K}`);
  if (Cg * groups !== C) throw new RangeError(`conv2d: weight ${fmtShape(weight.shape)} expects ${Cg * groups} input channels (groups=${String(groups)}), input ${fmtShape(x.shape)} has ${C}`);
  if (bias && bias.shape[0] !== K) throw new RangeError(`conv2d: bias of ${bias.shape[0]} elements for ${K} output channels`);
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1) throw new RangeError('conv2d: stride and dilation must be positive');
  let ph: number, pw: number;
  if (o?.padding === 'same') {
    if (sh !== 1 || sw !== 1) throw new RangeError("conv2d: padding='same' is not supported for strided convolutions");
    const th = dh * (R - 1), tw = dw * (S - 1);
    if (th % 2 || tw % 2) {
      // uneven total padding: the extra row/column goes on the bottom/right, as PyTorch does
      const xp = pad(x, [tw >> 1, tw - (tw >> 1), th >> 1, th - (th >> 1)]);
      return conv2d(xp, weight, bias, { ...o, padding: 0 });
    }
    ph = th / 2; pw = tw / 2;
  } else if (o?.padding === 'valid') { ph = 0; pw = 0; }
  else [ph, pw] = pair(o?.padding, 0, 'padding', 'conv2d');
  if (ph < 0 || pw < 0) throw new RangeError('conv2d: padding must be non-negative');
  const P = Math.floor((H + 2 * ph - dh * (R - 1) - 1) / sh) + 1, Q = Math.floor((W + 2 * pw - dw * (S - 1) - 1) / sw) + 1;
  if (P < 1 || Q < 1) throw new RangeError(`conv2d: kernel ${R}x${S} (dilation ${dh}x${dw}) is larger than the padded input ${H + 2 * ph}x${W + 2 * pw} (input ${fmtShape(x.shape)})`);
  const geo: Geo = [N, C, H, W, K, R, S, P, Q, sh, sw, ph, pw, dh, dw, groups];
  const y = Tensor.empty([N, K, P, Q], x.dtype, false, 'conv2d', x.device);
  // The kernel adds a bias of the input's dtype while it writes y (no extra pass, one graph node).
  const fused = !!bias && bias.dtype === x.dtype && y.numel() > 0 && x.numel() > 0;
  if (y.numel() > 0 && x.numel() > 0) conv2dForwardInto(geo, x, weight, fused ? bias! : null, y);
  else y.fill_(0);
  const inputs = fused ? [x, weight, bias!] : [x, weight];
  const out = attach(y, 'conv2d', inputs, (g, [sx, sw_]) => {
    const gc = g.contiguous();
    let gx: Tensor | null = null, gw: Tensor | null = null;
    if (x.requiresGrad) { gx = Tensor.empty(x.shape, x.dtype, false, 'conv2d', x.device); runConv('conv2dBackwardInput', geo, gc, sw_, gx); }
    if (weight.requiresGrad) { gw = Tensor.empty(weight.shape, weight.dtype, false, 'conv2d', weight.device); runConv('conv2dBackwardWeight', geo, gc, sx, gw); }
    const gb = fused && bias!.requiresGrad ? g.sum([0, 2, 3]) : null;
    return fused ? [gx, gw, gb] : [gx, gw];
  }, [x, weight]);
  return fused ? out : addBias(out, bias);
}

/** 1-D convolution, x (N, C, L) or (C, L), weight (K, C/groups, S). */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: { stride?: number; padding?: number | 'same' | 'valid'; dilation?: number; groups?: number } = {}): Tensor {
  if (tracing.active) return traceOp('conv1d', conv1d, [x, weight, bias, o]);
  checkTensor(x, 'conv1d', 'the input');
  if (x.ndim === 2) return conv1d(x.unsqueeze(0), weight, bias, o).squeeze(0);
  checkInputs('conv1d', x, weight, bias, 1);
  const padding = typeof o?.padding === 'string' ? o.padding : [0, o?.padding ?? 0] as [number, number];
  const y = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, { stride: [1, o?.stride ?? 1], padding, dilation: [1, o?.dilation ?? 1], groups: o?.groups });
  return y.squeeze(2);
}

/** Transposed 2-D convolution, x (N, Cin, H, W), weight (Cin, Cout/groups, R, S). */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: ConvTransposeOpts = {}): Tensor {
  if (tracing.active) return traceOp('convTranspose2d', convTranspose2d, [x, weight, bias, o]);
  checkTensor(x, 'convTranspose2d', 'the input');
  if (x.ndim === 3) return convTranspose2d(x.unsqueeze(0), weight, bias, o).squeeze(0);
  checkInputs('convTranspose2d', x, weight, bias, 2);
  const [sh, sw] = pair(o?.stride, 1, 'stride', 'convTranspose2d'), [ph, pw] = pair(o?.padding, 0, 'padding', 'convTranspose2d');
  const [oph, opw] = pair(o?.outputPadding, 0, 'outputPadding', 'convTranspose2d'), [dh, dw] = pair(o?.dilation, 1, 'dilation', 'convTranspose2d');
  const groups = o?.groups ?? 1;
  const [N, Cin, H, W] = x.shape, [K, Cog, R, S] = weight.shape;
  if (K !== Cin) throw new RangeError(`convTranspose2d: weight ${fmtShape(weight.shape)} expects ${K} input channels, input ${fmtShape(x.shape)} has ${Cin}`);
  if (!Number.isInteger(groups) || groups < 1 || Cin % groups) throw new RangeError(`convTranspose2d: groups=${String(groups)} must divide in_channels ${Cin}`);
  if (oph >= Math.max(sh, dh) || opw >= Math.max(sw, dw) || oph < 0 || opw < 0) throw new RangeError('convTranspose2d: outputPadding must be smaller than stride or dilation');
  const Cout = Cog * groups;
  if (bias && bias.shape[0] !== Cout) throw new RangeError(`convTranspose2d: bias of ${bias.shape[0]} elements for ${Cout} output channels`);
  const Ho = (H - 1) * sh - 2 * ph + dh * (R - 1) + oph + 1, Wo = (W - 1) * sw - 2 * pw + dw * (S - 1) + opw + 1;
  if (Ho < 1 || Wo < 1) throw new RangeError(`convTranspose2d: output size ${Ho}x${Wo} is not positive (input ${fmtShape(x.shape)})`);
  // As a conv2d: its input is our output (N, Cout, Ho, Wo), its output is our input (N, Cin, H, W).
  const geo: Geo = [N, Cout, Ho, Wo, Cin, R, S, H, W, sh, sw, ph, pw, dh, dw, groups];
  const y = Tensor.empty([N, Cout, Ho, Wo], x.dtype, false, 'convTranspose2d', x.device);
  if (y.numel() > 0 && x.numel() > 0) runConv('conv2dBackwardInput', geo, x, weight, y);
  else y.fill_(0);
  const out = attach(y, 'convTranspose2d', [x, weight], (g, [sx, sw_]) => {
    const gc = g.contiguous();
    let gx: Tensor | null = null, gw: Tensor | null = null;
    if (x.requiresGrad) { gx = Tensor.empty(x.shape, x.dtype, false, 'convTranspose2d', x.device); conv2dForwardInto(geo, gc, sw_, null, gx); }
    if (weight.requiresGrad) { gw = Tensor.empty(weight.shape, weight.dtype, false, 'convTranspose2d', weight.device); runConv('conv2dBackwardWeight', geo, sx, gc, gw); }
    return [gx, gw];
  }, [x, weight]);
  return addBias(out, bias);
}

/** Transposed 1-D convolution, x (N, Cin, L), weight (Cin, Cout/groups, S). */
export function convTranspose1d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: { stride?: number; padding?: number; outputPadding?: number; dilation?: number; groups?: number } = {}): Tensor {
  if (tracing.active) return traceOp('convTranspose1d', convTranspose1d, [x, weight, bias, o]);
  checkTensor(x, 'convTranspose1d', 'the input');
  if (x.ndim === 2) return convTranspose1d(x.unsqueeze(0), weight, bias, o).squeeze(0);
  checkInputs('convTranspose1d', x, weight, bias, 1);
  const y = convTranspose2d(x.unsqueeze(2), weight.unsqueeze(2), null, {
    stride: [1, o?.stride ?? 1], padding: [0, o?.padding ?? 0], outputPadding: [0, o?.outputPadding ?? 0], dilation: [1, o?.dilation ?? 1], groups: o?.groups,
  }).squeeze(2);
  return bias ? y.add(bias.reshape([1, -1, 1])) : y;
}
