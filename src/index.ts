// The public API of neurona, and nothing else.
import './ops/view';
import './ops/binary';
import './ops/unary';
import './ops/reduce';
import './ops/gather';
import './ops/advindex';
import './ops/embedding';
import './ops/sort';
import './ops/rearrange';
import './ops/softmax';
import './ops/scan';
import './ops/matmul';

export { Tensor } from './tensor';
export type { Shape, NestedArray } from './tensor';
export type { DType } from './dtype';
export { promoteTypes, resultType, setDefaultDtype, defaultFloat as getDefaultDtype } from './dtype';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd';
export { tidy, keep } from './scope';
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled, AnomalyError } from './anomaly';
export { manualSeed, initialSeed, getRngState, setRngState } from './random';
export {
  tensor, fromArray, empty, zeros, ones, full, zerosLike, onesLike, emptyLike, fullLike,
  arange, linspace, eye, rand, randn, randint, randperm, uniform, normal, randLike, randnLike, randintLike,
} from './creation';
export { cat, stack, split, chunk, reshape, transpose, permute, squeeze, unsqueeze, flatten, broadcastTensors, narrow, select } from './ops/view';
export { add, sub, mul, div, pow, where, maximum, minimum, atan2, fmod, remainder, floorDivide } from './ops/binary';
export { exp, log, sigmoid, tanh, gelu, silu, relu, neg, abs, leakyRelu, elu, softplus, hardtanh, clamp, step } from './ops/unary';
export { sum, mean, prod, argmax, argmin, variance as var, std, logsumexp, norm, sumToShape } from './ops/reduce';
export { gather, scatter, scatterAdd, scatterReduce, indexSelect, indexAdd, indexFill } from './ops/gather';
export type { ScatterReduce } from './ops/gather';
export { index, indexPut, nonzero, maskedFill, maskedSelect } from './ops/advindex';
export type { IndexItem, Slice } from './ops/advindex';
export { embedding, oneHot } from './ops/embedding';
export { sort, argsort, topk, kthvalue, unique } from './ops/sort';
export type { SortOpts, TopkOpts, UniqueOpts, UniqueResult } from './ops/sort';
export { flip, roll, repeat, tile, tril, triu } from './ops/rearrange';
export { softmax, logSoftmax } from './ops/softmax';
export type { SoftmaxOpts } from './ops/softmax';
export { cumsum, cumprod } from './ops/scan';
export type { ScanOpts } from './ops/scan';
export { matmul, mm, bmm, mv, dot, outer, addmm, linear } from './ops/matmul';
export type { AddmmOpts } from './ops/matmul';
export { registeredOps } from './ops/registry';
export * as backend from './backend/runtime';
export * as data from './data/index';
export { conv1d, conv2d, convTranspose1d, convTranspose2d } from './ops/conv';
export { maxPool1d, maxPool2d, maxPool2dWithIndices, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d } from './ops/pool';
export { pad } from './ops/pad';
export { scaledDotProductAttention } from './ops/attention';
export * as nn from './nn';
export * as optim from './optim/index';
export * as io from './io/index';
import * as io from './io/index';
import { setIo } from './train/io_bridge';
setIo(io);   // lets train's ModelCheckpoint/TensorBoard callbacks use io without a module cycle
export * as nnUtils from './optim/clip';
export * as cuda from './backend/cuda';
export * as train from './train/index';
export * as amp from './amp/index';
export { autocast } from './amp/autocast';
export * as worker from './worker';
// Types named in the signatures above (options objects, hooks, internals reachable from Tensor), so
// TypeScript users can name them and the API reference (npm run docs) documents them.
export type { TypedArray, Operand as PromoteOperand } from './dtype';
export type { Storage, Device } from './storage';
export type { GradHook } from './tensor';
export type { GradNode, BackwardOptions } from './autograd';
export type { CreateOptions } from './creation';
export type { Operand } from './ops/binary';
export type { Dims, ReduceOpts, VarOpts, ValuesIndices } from './ops/reduce';
export type { Pair, ConvOpts, ConvTransposeOpts } from './ops/conv';
export type { MaxPoolOpts, AvgPoolOpts } from './ops/pool';
export type { EmbeddingOpts } from './ops/embedding';
export type { SdpaOpts } from './ops/attention';
