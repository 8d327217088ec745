// The nn namespace: Module and Parameter, containers, layers, activations, normalisation, losses,
// and the nn.functional and nn.init sub-namespaces.
import './pending';
export { Module, isModule } from './module';
export type { StateDict, LoadResult, ToTarget, ForwardHook, ForwardPreHook } from './module';
export { Parameter, isParameter } from './parameter';
export { Sequential, ModuleList, ModuleDict } from './containers';
export { Identity, Flatten, Unflatten, Dropout, Linear, Bilinear } from './layers';
export { Embedding } from './embedding';
export type { EmbeddingOptions } from './embedding';
export type { LinearOptions } from './layers';
export {
  ReLU, ReLU6, LeakyReLU, ELU, Sigmoid, Tanh, Softmax, LogSoftmax, GELU, SiLU, Swish, Mish, Softplus, Hardtanh, Step,
} from './activation';
export { LayerNorm, RMSNorm, GroupNorm, BatchNorm1d, BatchNorm2d, BatchNormBase } from './normalization';
export type { LayerNormOptions, RMSNormOptions, GroupNormOptions, BatchNormOptions } from './normalization';
export {
  MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss,
  CosineEmbeddingLoss,
} from './loss';
export * as functional from './functional';
export * as init from './init';
export * as utils from '../optim/clip';
