// nr.train: Keras-style training on top of nn/optim/data. Installs Module.prototype.fit / evaluate /
// predict (so src/nn/module.ts stays minimal), and exports the callbacks, History and plotting helpers.
import { Module } from '../nn/module';
import type { Tensor } from '../tensor';
import { fit, evaluate, predict } from './fit';
import type { BatchSource, FitOptions, EvaluateOptions, PredictOptions } from './fit';
import type { History, Logs } from './history';

declare module '../nn/module' {
  interface Module {
    /** Trains on the batches of loader for options.epochs epochs; resolves to the per-epoch History. */
    fit(loader: BatchSource, options: FitOptions): Promise<History>;
    /** Loss and metrics over the batches in eval mode: { loss, accuracy, ... }. */
    evaluate(loader: BatchSource, options?: EvaluateOptions): Promise<Logs>;
    /** Outputs for a tensor (in batches) or the batches of a loader, concatenated along dim 0. */
    predict(source: BatchSource | Tensor, options?: PredictOptions): Promise<Tensor>;
  }
}

Object.defineProperties(Module.prototype, {
  fit: { value: function (this: Module, loader: BatchSource, o: FitOptions) { return fit(this, loader, o); }, writable: true, configurable: true },
  evaluate: { value: function (this: Module, loader: BatchSource, o?: EvaluateOptions) { return evaluate(this, loader, o); }, writable: true, configurable: true },
  predict: { value: function (this: Module, src: BatchSource | Tensor, o?: PredictOptions) { return predict(this, src, o); }, writable: true, configurable: true },
});

export { fit, evaluate, predict, Yielder } from './fit';
export type { BatchSource, FitOptions, EvaluateOptions, PredictOptions, GradClip } from './fit';
export { History, normalizeKey } from './history';
export type { EpochRecord, Logs } from './history';
export {
  Callback, HistoryCallback, EarlyStopping, ModelCheckpoint, LRSchedulerCallback, CSVLogger, TensorBoardCallback, formatPath,
} from './callbacks';
export type { MaybePromise, TrainContext, EarlyStoppingOptions, ModelCheckpointOptions, LRSchedulerCallbackOptions, CSVLoggerOptions, AnyScheduler } from './callbacks';
export { resolveLoss, resolveMetrics } from './metrics';
export type { LossSpec, LossFn, MetricSpec, MetricFn, Metric } from './metrics';
export { ProgressBar, fmtDuration, fmtValue } from './progress';
export type { ProgressStream } from './progress';
export { plotHistory, historySvg, saveImageGrid, encodePng, crc32 } from './plot';
export type { PlotOptions, ImageGridOptions } from './plot';
export { setIo } from './io_bridge';
export type { TrainIo } from './io_bridge';
