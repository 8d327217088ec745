// exportOnnx: traces one forward pass of a model on example inputs (in eval mode) and writes the
// recorded ops as an ONNX model: parameters and buffers become initializers under their state-dict
// names, other constants are folded, inputs/outputs carry elem types and shapes (a symbolic 'batch'
// dim with dynamicBatch).
import { Tensor, isTensor, fmtShape } from '../../tensor';
import { isFloat } from '../../dtype';
import { enableGrad } from '../../autograd';
import { Module, isModule } from '../../nn/module';
import { writeFileAtomic, writeFully } from '../fileio';
import { OnnxGraph } from './graph';
import { Tracer } from './tracer';
import { encodeModel, ValueInfo } from './proto';
import { supportedOps } from './mapping';
import './ops_elementwise';
import './ops_shape';
import './ops_nn';

export interface ExportOnnxOptions {
  /** Graph input names (default 'input', or 'input_0', 'input_1', ... for several inputs). */
  inputNames?: string[];
  /** Graph output names (default 'output', or 'output_0', ... for several outputs). */
  outputNames?: string[];
  /** ONNX opset of the default domain, 13 to 21 (default 17). */
  opsetVersion?: number;
  /**
   * Make the batch dim symbolic ('batch') so the model runs with any batch size (default false).
   * The example batch must be at least 2, so the batch dim can be told apart from size-1 dims.
   */
  dynamicBatch?: boolean;
  /** Which dim of every input is the batch (default 0; 1 for sequence-first (L, N, E) inputs). */
  batchAxis?: number;
  /** ModelProto.doc_string. */
  docString?: string;
}

/** Names of the neurona ops (Tensor methods and functional ops) that exportOnnx can map to ONNX. */
export function onnxSupportedOps(): string[] { return supportedOps(); }

const MIN_OPSET = 13, MAX_OPSET = 21;

function irVersionFor(opset: number): number { return opset <= 17 ? 8 : opset <= 19 ? 9 : 10; }

function checkNames(names: unknown, n: number, what: string): string[] | undefined {
  if (names === undefined) return undefined;
  if (!Array.isArray(names) || names.length !== n || names.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError(`exportOnnx: ${what} must be an array of ${n} non-empty strings, got ${JSON.stringify(names)}`);
  }
  if (new Set(names).size !== names.length) throw new TypeError(`exportOnnx: ${what} must be distinct, got ${JSON.stringify(names)}`);
  return names;
}

/**
 * Exports `model` to ONNX by tracing model.call(...exampleInputs) once: returns the ModelProto bytes
 * and, when `path` is given, also writes them there (atomically). The model runs in eval mode for
 * the trace (dropout is the identity, batch norm uses running statistics) and its training flags
 * are restored afterwards. Supported ops are listed by nr.io.onnxSupportedOps(); any other op on
 * data that depends on the inputs throws "exportOnnx: op 'X' is not supported". Shapes are those
 * of the example inputs, except the batch dim with { dynamicBatch: true }.
 */
export function exportOnnx(model: Module | ((...inputs: Tensor[]) => unknown), exampleInputs: Tensor | Tensor[], path?: string | null, opts: ExportOnnxOptions = {}): Uint8Array {
  if (!isModule(model) && typeof model !== 'function') throw new TypeError('exportOnnx: model must be an nn.Module or a function of tensors');
  const inputs = isTensor(exampleInputs) ? [exampleInputs] : exampleInputs;
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((t) => !isTensor(t))) {
    throw new TypeError('exportOnnx: exampleInputs must be a tensor or a non-empty array of tensors');
  }
  inputs.forEach((t) => t._check('exportOnnx'));
  if (path !== undefined && path !== null && (typeof path !== 'string' || path === '')) throw new TypeError('exportOnnx: path must be a non-empty string (or undefined to only return the bytes)');
  const opset = opts.opsetVersion ?? 17;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new RangeError(`exportOnnx: opsetVersion must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${opset}`);
  }
  const inNames = checkNames(opts.inputNames, inputs.length, 'inputNames') ?? inputs.map((_, i) => (inputs.length === 1 ? 'input' : `input_${i}`));

  // dynamic batch: the same example batch size B >= 2 on batchAxis of every input
  let batchSize: number | null = null;
  const axis = opts.batchAxis ?? 0;
  if (opts.dynamicBatch) {
    for (const [i, t] of inputs.entries()) {
      if (!Number.isInteger(axis) || axis < 0 || axis >= t.ndim) throw new RangeError(`exportOnnx: batchAxis ${axis} is out of range for input ${i} of shape ${fmtShape(t.shape)}`);
      const B = t.shape[axis];
      if (batchSize !== null && B !== batchSize) throw new RangeError(`exportOnnx: inputs have different batch sizes on dim ${axis} (${batchSize} and ${B})`);
      batchSize = B;
    }
    if (batchSize! < 2) throw new RangeError(`exportOnnx: dynamicBatch needs an example batch of at least 2 (got ${batchSize}), so the batch dim can be traced`);
  }

  const named: [string, Tensor][] = isModule(model) ? [...model.namedParameters(), ...model.namedBuffers()] : [];
  const g = new OnnxGraph(opset, [...inNames, ...(opts.outputNames ?? [])]);
  const tracer = new Tracer(g, batchSize, named);
  // Fresh handles for the inputs; float ones require grad, so that an op the tracer does not see
  // leaves an autograd node on its result and is reported instead of frozen into a constant.
  const traced = inputs.map((t, i) => {
    const a = t.detach();
    if (isFloat(a.dtype)) a.requiresGrad_(true);
    tracer.input(a, inNames[i], batchSize !== null ? { axis, inner: 1 } : null);
    return a;
  });

  const modes = isModule(model) ? model.modules().map((m) => [m, m.training] as const) : [];
  let result: unknown;
  try {
    if (isModule(model)) model.eval();
    result = enableGrad(() => tracer.trace(() => (isModule(model) ? model.call(...traced) : model(...traced))));
  } finally {
    for (const [m, t] of modes) m.training = t;
  }

  // outputs: a tensor, or (nested) arrays of tensors flattened depth-first (LSTM's [out, [h, c]])
  const outs: Tensor[] = [];
  const collect = (v: unknown): boolean => (isTensor(v) ? (outs.push(v), true) : Array.isArray(v) && v.every(collect));
  if (!collect(result) || outs.length === 0) throw new TypeError('exportOnnx: the model must return a tensor or a (nested) array of tensors');
  const outNames = checkNames(opts.outputNames, outs.length, 'outputNames') ?? outs.map((_, i) => (outs.length === 1 ? 'output' : `output_${i}`));
  const clash = outNames.find((n) => inNames.includes(n));
  if (clash !== undefined) throw new TypeError(`exportOnnx: '${clash}' is both an input and an output name`);
  const outputs: ValueInfo[] = outs.map((t, i) => {
    const val = tracer.value(t);
    g.nodes.push({ op: 'Identity', name: g.unique(`output_identity_${i}`), inputs: [tracer.v(t)], outputs: [outNames[i]], attrs: {} });
    const b = val?.batch;
    const dims = t.shape.map((d, k) => (b && k === b.axis ? (b.inner === 1 && d === batchSize ? 'batch' : `batch_dim_${i}`) : d));
    return { name: outNames[i], dtype: t.dtype, dims };
  });
  const inputsInfo: ValueInfo[] = traced.map((t, i) => ({
    name: inNames[i], dtype: t.dtype, dims: t.shape.map((d, k) => (batchSize !== null && k === axis ? 'batch' : d)),
  }));

  const bytes = encodeModel({
    irVersion: irVersionFor(opset), opsetVersion: opset, producerName: 'neurona', producerVersion: '0.1.0',
    graphName: isModule(model) ? model.constructor.name : 'graph', docString: opts.docString,
    nodes: g.nodes, initializers: g.initializers, inputs: inputsInfo, outputs,
  });
  if (typeof path === 'string') writeFileAtomic(path, (fd) => writeFully(fd, bytes));
  return bytes;
}
