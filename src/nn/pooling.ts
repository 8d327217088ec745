// Pooling layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d (no parameters).
import { Tensor } from '../tensor';
import { Module } from './module';
import type { Pair } from '../ops/conv';
import { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d, MaxPoolOpts, AvgPoolOpts } from '../ops/pool';

/** 2-D max pooling; stride defaults to kernelSize. */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: MaxPoolOpts = {}) { super(); }
  forward(x: Tensor): Tensor { return maxPool2d(x, this.kernelSize, this.options); }
  override extraRepr(): string { return `kernelSize=${JSON.stringify(this.kernelSize)}`; }
}

/** 1-D max pooling; stride defaults to kernelSize. */
export class MaxPool1d extends Module {
  constructor(readonly kernelSize: number, readonly options: { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean } = {}) { super(); }
  forward(x: Tensor): Tensor { return maxPool1d(x, this.kernelSize, this.options); }
}

/** 2-D average pooling; stride defaults to kernelSize. */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: AvgPoolOpts = {}) { super(); }
  forward(x: Tensor): Tensor { return avgPool2d(x, this.kernelSize, this.options); }
}

/** 1-D average pooling; stride defaults to kernelSize. */
export class AvgPool1d extends Module {
  constructor(readonly kernelSize: number, readonly options: { stride?: number | null; padding?: number; ceilMode?: boolean; countIncludePad?: boolean } = {}) { super(); }
  forward(x: Tensor): Tensor { return avgPool1d(x, this.kernelSize, this.options); }
}

/** Adaptive average pooling to a fixed output size (e.g. 1 for global average pooling). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | [number | null, number | null]) { super(); }
  forward(x: Tensor): Tensor { return adaptiveAvgPool2d(x, this.outputSize); }
}

/** Adaptive average pooling over (N, C, L). */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number) { super(); }
  forward(x: Tensor): Tensor { return adaptiveAvgPool1d(x, this.outputSize); }
}
