// The optim module: optimizers, learning-rate schedulers (optim.lrScheduler) and gradient clipping.
export { Optimizer } from './optimizer';
export type { ParamGroup, ParamGroupSpec, ParamsArg, ParamState, OptimizerStateDict, Closure, BaseHyper } from './optimizer';
export { SGD } from './sgd';
export type { SGDOptions } from './sgd';
export { Adam, AdamW } from './adam';
export type { AdamOptions } from './adam';
export { RMSprop } from './rmsprop';
export type { RMSpropOptions } from './rmsprop';
export { Adagrad } from './adagrad';
export type { AdagradOptions } from './adagrad';
export { LAMB } from './lamb';
export type { LAMBOptions } from './lamb';
export { clipGradNorm_, clipGradValue_ } from './clip';
export type { ClipGradNormOptions } from './clip';
export * as lrScheduler from './lr_scheduler';
