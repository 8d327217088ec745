// Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d. Weight layouts and default
// initialisation match PyTorch (kaiming_uniform(a=√5) weight, bias U(±1/√fan_in)).
import { Tensor, fmtShape } from '../tensor';
import { DType } from '../dtype';
import { empty } from '../creation';
import { Module } from './module';
import { Parameter } from './parameter';
import { kaimingUniform_, uniform_ } from './init';
import { conv1d, conv2d, convTranspose1d, convTranspose2d, Pair } from '../ops/conv';

function positive(v: unknown, op: string, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${op}: ${what} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}
const pairOf = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export interface ConvOptions {
  stride?: Pair; padding?: Pair | 'same' | 'valid'; dilation?: Pair; groups?: number; bias?: boolean; dtype?: DType;
}
export interface ConvTransposeOptions {
  stride?: Pair; padding?: Pair; outputPadding?: Pair; dilation?: Pair; groups?: number; bias?: boolean; dtype?: DType;
}

/** Shared parameter setup: weight (out, in/groups, *kernel) or transposed (in, out/groups, *kernel). */
abstract class ConvBase extends Module {
  weight: Parameter;
  bias: Parameter | null = null;
  readonly groups: number;
  constructor(op: string, readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number[], transposed: boolean, groups = 1, bias = true, dtype?: DType) {
    super();
    positive(inChannels, op, 'inChannels'); positive(outChannels, op, 'outChannels'); positive(groups, op, 'groups');
    kernelSize.forEach((k) => positive(k, op, 'kernelSize'));
    if (inChannels % groups || outChannels % groups) throw new RangeError(`${op}: inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${groups})`);
    this.groups = groups;
    const shape = transposed ? [inChannels, outChannels / groups, ...kernelSize] : [outChannels, inChannels / groups, ...kernelSize];
    this.weight = new Parameter(empty(shape, { dtype }));
    if (bias) this.bias = new Parameter(empty([outChannels], { dtype }));
    this.resetParameters();
  }
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const fanIn = this.weight.shape[1] * this.kernelSize.reduce((a, b) => a * b, 1);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }
  protected checkInput(x: Tensor, op: string, dims: number): void {
    if ((x.ndim !== dims + 2 && x.ndim !== dims + 1) || x.shape[x.ndim - dims - 1] !== this.inChannels) {
      throw new RangeError(`${op}: expected input of shape (N, ${this.inChannels}, ${dims === 2 ? 'H, W' : 'L'}), got ${fmtShape(x.shape)}`);
    }
  }
}

/** 1-D convolution over (N, C, L) inputs. */
export class Conv1d extends ConvBase {
  constructor(inChannels: number, outChannels: number, kernelSize: number, readonly options: Omit<ConvOptions, 'stride' | 'padding' | 'dilation'> & { stride?: number; padding?: number | 'same' | 'valid'; dilation?: number } = {}) {
    super('Conv1d', inChannels, outChannels, [kernelSize], false, options.groups, options.bias ?? true, options.dtype);
  }
  forward(x: Tensor): Tensor {
    this.checkInput(x, 'Conv1d', 1);
    const o = this.options;
    return conv1d(x, this.weight, this.bias, { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: this.groups });
  }
  override extraRepr(): string { return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}]`; }
}

/** 2-D convolution over (N, C, H, W) inputs. */
export class Conv2d extends ConvBase {
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, readonly options: ConvOptions = {}) {
    super('Conv2d', inChannels, outChannels, pairOf(kernelSize), false, options.groups, options.bias ?? true, options.dtype);
  }
  forward(x: Tensor): Tensor {
    this.checkInput(x, 'Conv2d', 2);
    const o = this.options;
    return conv2d(x, this.weight, this.bias, { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: this.groups });
  }
  override extraRepr(): string {
    const o = this.options;
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}]${o.stride ? `, stride=${JSON.stringify(o.stride)}` : ''}${o.padding ? `, padding=${JSON.stringify(o.padding)}` : ''}`;
  }
}

/** Transposed 1-D convolution over (N, C, L) inputs. */
export class ConvTranspose1d extends ConvBase {
  constructor(inChannels: number, outChannels: number, kernelSize: number, readonly options: { stride?: number; padding?: number; outputPadding?: number; dilation?: number; groups?: number; bias?: boolean; dtype?: DType } = {}) {
    super('ConvTranspose1d', inChannels, outChannels, [kernelSize], true, options.groups, options.bias ?? true, options.dtype);
  }
  forward(x: Tensor): Tensor {
    this.checkInput(x, 'ConvTranspose1d', 1);
    return convTranspose1d(x, this.weight, this.bias, { ...this.options, groups: this.groups });
  }
}

/** Transposed 2-D convolution over (N, C, H, W) inputs (decoders, GAN generators). */
export class ConvTranspose2d extends ConvBase {
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, readonly options: ConvTransposeOptions = {}) {
    super('ConvTranspose2d', inChannels, outChannels, pairOf(kernelSize), true, options.groups, options.bias ?? true, options.dtype);
  }
  forward(x: Tensor): Tensor {
    this.checkInput(x, 'ConvTranspose2d', 2);
    const o = this.options;
    return convTranspose2d(x, this.weight, this.bias, { stride: o.stride, padding: o.padding, outputPadding: o.outputPadding, dilation: o.dilation, groups: this.groups });
  }
}
