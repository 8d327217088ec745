// The io module: safetensors files, training checkpoints, TensorBoard event files, ONNX export.
export { save, load, serialize, deserialize, readHeader, SafetensorsError, MAX_HEADER_BYTES } from './safetensors';
export type { TensorInfo, SafetensorsHeader, TensorMap, SaveOptions } from './safetensors';
export { saveCheckpoint, loadCheckpoint, CheckpointError, CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from './checkpoint';
export type { Checkpoint } from './checkpoint';
export { SummaryWriter } from './tensorboard';
export type { SummaryWriterOptions, HistogramOptions } from './tensorboard';
export { exportOnnx, onnxSupportedOps } from './onnx/export';
export type { ExportOnnxOptions } from './onnx/export';
