// The indexing ops on cuda tensors (gather/scatter family in src/ops/gather.ts, advanced indexing,
// nonzero and masks in src/ops/advindex.ts): device rules and the calls into the CUDA bindings
// (native/binding/cuda_index.cc). The argument block is filled by the generic op exactly as for the
// CPU kernel; these functions only pick the device binding. Index values are validated on the device
// before any data moves (one small synchronous readback per call), so an out-of-range index is the
// same RangeError as on the CPU. nonzero (and the bool-mask indexing built on it) reads its count back
// synchronously, since it sizes the output.
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Tensor, isTensor } from '../tensor';
import { requireCuda } from './memory';

/** The indexing ops that run on cuda tensors (listed by supportedOps()). */
export const CUIDX_OPS = [
  'gather', 'scatter', 'scatter_', 'scatterAdd', 'scatterAdd_', 'scatterReduce', 'indexSelect', 'indexAdd', 'indexAdd_', 'indexFill',
  'indexFill_', 'index', 'indexPut', 'indexPut_', 'nonzero', 'maskedFill', 'maskedFill_', 'maskedSelect',
];

/**
 * Device rule of the gather/scatter family (as PyTorch): the index and a tensor src/source must live on
 * the input's device. Throws an Error naming the op and both devices otherwise.
 */
export function requireDeviceOf(op: string, x: Tensor, ...named: [string, unknown][]): void {
  for (const [what, t] of named) {
    if (isTensor(t) && t.device !== x.device) {
      throw new Error(`${op}: expected ${what} on the input's device ${x.device}, got ${t.device} (move it with .to('${x.device}'))`);
    }
  }
}

/**
 * Device rule of advanced indexing (as PyTorch): index tensors (integer or bool) of a cuda input may be
 * on the CPU and are copied to the device; cuda index tensors of a CPU input are an error. Returns the
 * index on x's device (a new tensor the caller disposes when it differs from `it`).
 */
export function indexOnDeviceOf(op: string, x: Tensor, it: Tensor): Tensor {
  if (it.device === x.device) return it;
  if (x.device === 'cpu') {
    throw new Error(`${op}: indices on ${it.device} cannot index a cpu tensor (move them with .to('cpu'))`);
  }
  return it.to(x.device);
}

/** out[p] = x[p with p[dim] = index[p]] on cuda; the argument block is already filled (CPU gather layout). */
export function cudaGatherCall(out: Tensor, x: Tensor, index: Tensor, op: string): void {
  native().cudaGather(out.storage.ptr, x.storage.ptr, index.storage.ptr, op);
}

/** out[p with p[dim] = index[p]] (mode)= src[p] on cuda; the argument block is already filled (CPU scatter layout). */
export function cudaScatterCall(out: Tensor, index: Tensor, src: Tensor, op: string): void {
  native().cudaScatter(out.storage.ptr, index.storage.ptr, src.storage.ptr, op);
}

/** out = v[idx_0, ..., idx_{k-1}] on cuda; the argument block is already filled (CPU indexGather layout). */
export function cudaIndexGatherCall(out: Tensor, v: Tensor, idx: Tensor[], op: string): void {
  native().cudaIndexGather(out.storage.ptr, v.storage.ptr, ...idx.map((t) => t.storage.ptr), op);
}

/** v[idx_0, ..., idx_{k-1}] (=|+=) values on cuda; the argument block is already filled (CPU indexPut layout). */
export function cudaIndexPutCall(v: Tensor, values: Tensor, idx: Tensor[], op: string): void {
  native().cudaIndexPut(v.storage.ptr, values.storage.ptr, ...idx.map((t) => t.storage.ptr), op);
}

/**
 * torch.nonzero on a cuda tensor: int64 (n, ndim) coordinates in row-major order, on the device.
 * Synchronous: the count is read back to size the output (then one asynchronous write pass).
 */
export function cudaNonzero(x: Tensor): Tensor {
  requireCuda('nonzero');
  args().view(x);
  const n: number = native().cudaNonzeroCount(x.storage.ptr);
  const out = Tensor.empty([n, x.ndim], 'int64', false, 'nonzero', x.device);
  try {
    args().view(out).view(x);
    native().cudaNonzero(out.storage.ptr, x.storage.ptr);
  } catch (e) { out.dispose(); throw e; }
  return out;
}
